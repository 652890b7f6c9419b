//! `act-for`: the delegato opens a service for the delegante (ID-08).

use super::{parties, spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, METHODS};
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::LoginMethod;
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "act-for",
    &["delegato", "delegante", "service"],
    &["via"],
    "the delegato opens a service for the delegante",
    parse,
);

/// The delegato opens a service for the delegante (ID-08).
#[derive(Debug, Clone)]
pub struct ActFor {
    /// The trusted person.
    pub delegato: Actor,
    /// The person represented.
    pub delegante: Actor,
    /// The delegato's login.
    pub via: LoginMethod,
    /// Which service.
    pub service: String,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, _: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let parties = parties(cx, s);
    let service = cx.service(s.service.as_ref()?);
    let (delegante, delegato) = parties?;
    Some(Action::ActFor(ActFor {
        delegato,
        delegante,
        via: cx
            .opt_choice(s.via.as_ref(), "login method", METHODS)
            .unwrap_or(LoginMethod::SpidL2),
        service: service?,
    }))
}

impl ActFor {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        r.pin
            .act_for(
                &self.delegato.fiscal_code,
                &self.delegante.fiscal_code,
                self.via,
                &self.service,
            )
            .map_err(code)?;
        Ok(Vec::new())
    }
}
