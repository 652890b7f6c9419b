//! `first-access`: first access with the 16-character PIN, choosing an 8-character one (PIN-07).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "first-access",
    &["actor"],
    &["pin"],
    "first access with the 16-character PIN",
    parse,
);

/// First access with the 16-character PIN, choosing an 8-character one (PIN-07).
#[derive(Debug, Clone)]
pub struct FirstAccess {
    /// Who.
    pub actor: Actor,
    /// What is typed.
    pub pin: PinChoice,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::FirstAccess(FirstAccess {
        actor: actor?,
        pin: cx.pin_choice(s.pin.as_ref(), PinChoice::Initial),
    }))
}

impl FirstAccess {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let typed = r.typed(&self.actor, self.pin);
        let new = r.new_secret();
        r.pin
            .first_access(&self.actor.fiscal_code, &typed, &new)
            .map_err(code)?;
        r.state(&self.actor).secret = Some(new);
        Ok(Vec::new())
    }
}
