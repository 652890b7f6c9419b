//! `submit-claim`: submits a claim with the current PIN session (PIN-03).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, CLAIMS};
use crate::scenario::runner::{check, code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::ClaimStatus;
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "submit-claim",
    &["actor", "service"],
    &["claim"],
    "submit a claim with the PIN session",
    parse,
);

/// Submits a claim with the current PIN session (PIN-03).
#[derive(Debug, Clone)]
pub struct SubmitClaim {
    /// Who.
    pub actor: Actor,
    /// Which service.
    pub service: String,
    /// Expected status.
    pub claim: Option<ClaimStatus>,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::SubmitClaim(SubmitClaim {
        actor: actor?,
        service: cx.service(s.service.as_ref()?)?,
        claim: cx.opt_choice(s.claim.as_ref(), "claim status", CLAIMS),
    }))
}

impl SubmitClaim {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let token = r.state(&self.actor).session.clone().unwrap_or_default();
        let c = r.pin.submit_claim(&token, &self.service).map_err(code)?;
        let mut m = Vec::new();
        check("claim", self.claim, c.status, &mut m);
        Ok(m)
    }
}
