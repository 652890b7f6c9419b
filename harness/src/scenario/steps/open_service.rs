//! `open-service`: opens a service with the current PIN session (PIN-01, PIN-11, SW-03).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "open-service",
    &["actor", "service"],
    &[],
    "open a service with the PIN session",
    parse,
);

/// Opens a service with the current PIN session (PIN-01, PIN-11, SW-03).
#[derive(Debug, Clone)]
pub struct OpenService {
    /// Who.
    pub actor: Actor,
    /// Which.
    pub service: String,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::OpenService(OpenService {
        actor: actor?,
        service: cx.service(s.service.as_ref()?)?,
    }))
}

impl OpenService {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let token = r.state(&self.actor).session.clone().unwrap_or_default();
        r.pin.open_service(&token, &self.service).map_err(code)?;
        Ok(Vec::new())
    }
}
