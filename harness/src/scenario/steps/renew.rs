//! `renew`: renews an expired PIN (PIN-08, SW-04).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec("renew", &["actor"], &["pin"], "renew an expired PIN", parse);

/// Renews an expired PIN (PIN-08, SW-04).
#[derive(Debug, Clone)]
pub struct Renew {
    /// Who.
    pub actor: Actor,
    /// What is typed as the current PIN.
    pub pin: PinChoice,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::Renew(Renew {
        actor: actor?,
        pin: cx.pin_choice(s.pin.as_ref(), PinChoice::Right),
    }))
}

impl Renew {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let typed = r.typed(&self.actor, self.pin);
        let new = r.new_secret();
        r.pin
            .renew(&self.actor.fiscal_code, &typed, &new)
            .map_err(code)?;
        r.state(&self.actor).secret = Some(new);
        Ok(Vec::new())
    }
}
