//! `deliver-mail`: moves the clock to the delivery of the postal half and checks the delay
//! (PIN-06).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::clock::Clock;
use mock_idps::pin::Carrier;
use std::ops::Range;
use time::Duration;

pub(super) const SPEC: KindSpec = spec(
    "deliver-mail",
    &["actor"],
    &["within_days"],
    "wait for the postal half of the PIN",
    parse,
);

/// Moves the clock to the delivery of the postal half and checks the delay (PIN-06).
#[derive(Debug, Clone)]
pub struct DeliverMail {
    /// Who.
    pub actor: Actor,
    /// Allowed delay in days, inclusive.
    pub within_days: Option<(u32, u32)>,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let within_days = match &s.within_days {
        Some(v) => match v.get_ref().as_slice() {
            [lo, hi] if lo <= hi => Some((*lo, *hi)),
            _ => {
                cx.err(v.span(), "`within_days` is [min, max], e.g. [7, 15]".into());
                None
            }
        },
        None => None,
    };
    Some(Action::DeliverMail(DeliverMail {
        actor: actor?,
        within_days,
    }))
}

impl DeliverMail {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let actor = &self.actor;
        // PIN-06: the postal half, the latest one sent.
        let now = r.clock.now();
        let post = r
            .pin
            .pins(&actor.fiscal_code)
            .last()
            .map(|p| p.issued_at)
            .and_then(|issued| {
                // Messages not yet delivered are not in the outbox: move to the latest possible
                // day in steps of one day until the post arrives.
                let max = r.pin.config().postal_max_days;
                (0..=max).find_map(|d| {
                    let at = issued + Duration::days(i64::from(d));
                    if at < now {
                        return None;
                    }
                    r.clock.set(at);
                    r.pin
                        .outbox(&actor.fiscal_code)
                        .into_iter()
                        .find(|m| m.carrier == Carrier::Post && m.sent_at == issued)
                })
            });
        let Some(post) = post else {
            r.clock.set(now);
            return Err("MAIL_NOT_PENDING".into());
        };
        let mut m = Vec::new();
        let days = (post.delivered_at - post.sent_at).whole_days();
        if let Some((lo, hi)) = self.within_days {
            if days < i64::from(lo) || days > i64::from(hi) {
                m.push(format!("delivered after {days} days (expected {lo}-{hi})"));
            }
        }
        r.clock.set(post.delivered_at.max(now));
        Ok(m)
    }
}
