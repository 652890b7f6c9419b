//! `pin-login`: logs in with codice fiscale and PIN (PIN-12).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "pin-login",
    &["actor"],
    &["pin"],
    "log in with codice fiscale and PIN",
    parse,
);

/// Logs in with codice fiscale and PIN (PIN-12).
#[derive(Debug, Clone)]
pub struct PinLogin {
    /// Who.
    pub actor: Actor,
    /// What is typed.
    pub pin: PinChoice,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::PinLogin(PinLogin {
        actor: actor?,
        pin: cx.pin_choice(s.pin.as_ref(), PinChoice::Right),
    }))
}

impl PinLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let typed = r.typed(&self.actor, self.pin);
        let session = r
            .pin
            .login(&self.actor.fiscal_code, &typed)
            .map_err(code)?;
        r.state(&self.actor).session = Some(session.token);
        Ok(Vec::new())
    }
}
