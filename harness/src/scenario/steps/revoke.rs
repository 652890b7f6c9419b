//! `revoke`: revokes the PIN (PIN-10).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec("revoke", &["actor"], &[], "revoke the PIN", parse);

/// Revokes the PIN (PIN-10).
#[derive(Debug, Clone)]
pub struct Revoke {
    /// Who.
    pub actor: Actor,
}

fn parse(_: &mut Cx<'_>, _: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::Revoke(Revoke { actor: actor? }))
}

impl Revoke {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        r.pin.revoke(&self.actor.fiscal_code).map_err(code)?;
        let st = r.state(&self.actor);
        st.secret = None;
        st.session = None;
        Ok(Vec::new())
    }
}
