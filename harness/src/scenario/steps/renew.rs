//! `renew`: renews an expired PIN (PIN-08, SW-04).

use super::{Action, ActorPin};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

actor_pin_kind!(Renew, "renew", "renew an expired PIN", PinChoice::Right);

/// Renews an expired PIN (PIN-08, SW-04).
#[derive(Debug, Clone)]
pub struct Renew(pub ActorPin);

impl Renew {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let ActorPin { actor, pin } = &self.0;
        let typed = r.typed(actor, *pin);
        let new = r.new_secret();
        r.pin
            .renew(&actor.fiscal_code, &typed, &new)
            .map_err(code)?;
        r.state(actor).secret = Some(new);
        Ok(Vec::new())
    }
}
