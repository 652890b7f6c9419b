//! `pin-status`: checks the state (and kind) of the PIN.

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, KINDS_PIN, STATES};
use crate::scenario::runner::{check, code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::{PinError, PinKind, PinState};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "pin-status",
    &["actor", "state"],
    &["kind"],
    "check the PIN's state",
    parse,
);

/// Checks the status of the PIN.
#[derive(Debug, Clone)]
pub struct PinStatus {
    /// Who.
    pub actor: Actor,
    /// Expected state (one of [`STATES`]).
    pub state: String,
    /// Expected kind.
    pub kind: Option<PinKind>,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let state = cx.one_of(s.state.as_ref()?, "state", STATES);
    Some(Action::PinStatus(PinStatus {
        actor: actor?,
        state: state?,
        kind: cx.opt_choice(s.kind.as_ref(), "PIN kind", KINDS_PIN),
    }))
}

impl PinStatus {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let (got, got_kind) = match r.pin.status(&self.actor.fiscal_code) {
            Ok(s) => (
                match s.state {
                    PinState::Active => "active",
                    PinState::AwaitingFirstAccess => "awaiting-first-access",
                    PinState::Expired => "expired",
                    PinState::Locked { .. } => "locked",
                    PinState::Revoked => "revoked",
                    PinState::SwitchedOff => "switched-off",
                },
                Some(s.kind),
            ),
            Err(PinError::NoPin { .. }) => ("none", None),
            Err(e) => return Err(code(e)),
        };
        let mut m = Vec::new();
        if got != self.state {
            m.push(format!("state {got} (expected {})", self.state));
        }
        if let (Some(want), Some(got)) = (self.kind, got_kind) {
            check("kind", Some(want), got, &mut m);
        }
        Ok(m)
    }
}
