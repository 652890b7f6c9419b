//! `advance`: moves the simulated clock forward by a duration or to an instant.

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{parse_shift, Cx};
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, Shift};
use mock_idps::clock::Clock;
use mock_idps::pin::expiry::add_months_at;
use std::ops::Range;
use time::OffsetDateTime;

pub(super) const SPEC: KindSpec = spec(
    "advance",
    &[],
    &["by", "to"],
    "move the simulated clock (by = \"7d\" or to = a date)",
    parse,
);

/// Moves the clock forward by a duration or to an instant.
#[derive(Debug, Clone)]
pub struct Advance {
    /// By how much.
    pub by: Option<Shift>,
    /// To when.
    pub to: Option<OffsetDateTime>,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, _: Option<Actor>, at: Range<usize>) -> Option<Action> {
    let by = match &s.by {
        Some(v) => match parse_shift(v.get_ref()) {
            Ok(d) => Some(d),
            Err(why) => {
                cx.err(v.span(), why);
                None
            }
        },
        None => None,
    };
    let to = s.to.as_ref().and_then(|v| cx.instant(v));
    if s.by.is_some() == s.to.is_some() {
        cx.err(at, "`advance` takes exactly one of `by` and `to`".into());
    }
    Some(Action::Advance(Advance { by, to }))
}

impl Advance {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        if let Some(by) = self.by {
            let now = r.clock.now();
            r.clock.set(add_months_at(now, by.months) + by.duration);
        }
        if let Some(to) = self.to {
            r.clock.set(to);
        }
        Ok(Vec::new())
    }
}
