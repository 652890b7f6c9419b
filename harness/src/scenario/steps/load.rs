//! `load`: a bounded login load test through the reference service (the phase itself, its
//! keys and its verdict are [`crate::scenario::load_phase`]). The service's policy of the
//! simulated day decides whether it accepts the level (ID-01, as for `spid-login`); the step
//! takes its `duration` of the simulated timeline and passes when every threshold holds.

use super::spid_login::accepted_level;
use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::load_phase::{self, LoadPhase};
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::clock::Clock;
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "load",
    &["duration"],
    &[
        "rate",
        "concurrency",
        "max_logins",
        "actor",
        "auto_login",
        "provider",
        "level",
        "binding",
        "graceful_stop",
        "max_p99",
        "max_error_rate",
        "min_rate",
    ],
    "a login load test through the reference service (rate or concurrency, duration, thresholds)",
    parse,
);

/// A `load` step, every value checked.
#[derive(Debug, Clone)]
pub struct Load(pub LoadPhase);

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, at: Range<usize>) -> Option<Action> {
    let providers = cx.catalog.providers.clone();
    match LoadPhase::parse(s, actor.as_ref(), &providers, at) {
        Ok(phase) => Some(Action::Load(Load(phase))),
        Err(problems) => {
            for (span, message) in problems {
                cx.err(span, message);
            }
            None
        }
    }
}

impl Load {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        accepted_level(r, self.0.level)?;
        let report = self
            .0
            .run()
            .await
            .map_err(|e| crate::report::error_chain(&e))?;
        let (mismatches, line) = load_phase::verdict(&report);
        r.detail = Some(line);
        // The phase takes its duration of the simulated timeline.
        let d = time::Duration::try_from(self.0.duration).unwrap_or(time::Duration::ZERO);
        r.clock.set(r.clock.now() + d);
        Ok(mismatches)
    }
}
