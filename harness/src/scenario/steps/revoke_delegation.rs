//! `revoke-delegation`: revokes the latest open delegation between two people.

use super::{parties, spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "revoke-delegation",
    &["actor", "delegante", "delegato"],
    &[],
    "revoke a delegation",
    parse,
);

/// Revokes a delegation.
#[derive(Debug, Clone)]
pub struct RevokeDelegation {
    /// Who revokes.
    pub actor: Actor,
    /// The person represented.
    pub delegante: Actor,
    /// The trusted person.
    pub delegato: Actor,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let (delegante, delegato) = parties(cx, s)?;
    Some(Action::RevokeDelegation(RevokeDelegation {
        actor: actor?,
        delegante,
        delegato,
    }))
}

impl RevokeDelegation {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let (from, to) = (&self.delegante.fiscal_code, &self.delegato.fiscal_code);
        let id = r
            .pin
            .delegations(from)
            .into_iter()
            .rev()
            .find(|d| d.delegante == *from && d.delegato == *to && d.revoked_at.is_none())
            .map(|d| d.id)
            .unwrap_or_default();
        r.pin
            .revoke_delegation(&id, &self.actor.fiscal_code)
            .map_err(code)?;
        Ok(Vec::new())
    }
}
