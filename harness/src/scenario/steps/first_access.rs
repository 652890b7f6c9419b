//! `first-access`: first access with the 16-character PIN, choosing an 8-character one (PIN-07).

use super::{Action, ActorPin};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

actor_pin_kind!(FirstAccess, "first-access", "first access with the 16-character PIN", PinChoice::Initial);

/// First access with the 16-character PIN, choosing an 8-character one (PIN-07).
#[derive(Debug, Clone)]
pub struct FirstAccess(pub ActorPin);

impl FirstAccess {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let ActorPin { actor, pin } = &self.0;
        let typed = r.typed(actor, *pin);
        let new = r.new_secret();
        r.pin
            .first_access(&actor.fiscal_code, &typed, &new)
            .map_err(code)?;
        r.state(actor).secret = Some(new);
        Ok(Vec::new())
    }
}
