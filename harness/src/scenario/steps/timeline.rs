//! `timeline`: checks what the switch-off timeline allows the actor today (SW-02…SW-05).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, DELEGA};
use crate::scenario::runner::{check, code, kebab, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, TimelineCheck};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "timeline",
    &["actor"],
    &[
        "phase",
        "may_request",
        "pin_valid",
        "pin_valid_company",
        "must_accept",
        "not_accept",
        "delega",
    ],
    "check what the timeline allows today",
    parse,
);

/// Checks what the timeline allows the actor today (SW-02…SW-05).
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Who.
    pub actor: Actor,
    /// What to check.
    pub check: TimelineCheck,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let must_accept = cx.methods(s.must_accept.as_ref());
    let not_accept = cx.methods(s.not_accept.as_ref());
    let delega = s
        .delega
        .as_ref()
        .and_then(|d| cx.one_of(d, "delega", DELEGA));
    let check = TimelineCheck {
        phase: s.phase.as_ref().map(|p| p.get_ref().clone()),
        may_request: s.may_request.as_ref().map(|v| *v.get_ref()),
        pin_valid: s.pin_valid.as_ref().map(|v| *v.get_ref()),
        pin_valid_company: s.pin_valid_company.as_ref().map(|v| *v.get_ref()),
        must_accept,
        not_accept,
        delega,
    };
    Some(Action::Timeline(Timeline {
        actor: actor?,
        check,
    }))
}

impl Timeline {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let c = &self.check;
        let a = r
            .pin
            .allowance(&self.actor.fiscal_code, None)
            .map_err(code)?;
        let mut m = Vec::new();
        if let Some(p) = &c.phase {
            if *p != a.phase {
                m.push(format!("phase {} (expected {p})", a.phase));
            }
        }
        let may = !a.may_issue.is_empty();
        check("may_request", c.may_request, may, &mut m);
        check("pin_valid", c.pin_valid, a.pin_valid_citizen, &mut m);
        check(
            "pin_valid_company",
            c.pin_valid_company,
            a.pin_valid_company,
            &mut m,
        );
        for method in &c.must_accept {
            if !a.must_accept.contains(method) {
                m.push(format!("{} not required", kebab(method)));
            }
        }
        for method in &c.not_accept {
            if a.must_accept.contains(method) {
                m.push(format!("{} required", kebab(method)));
            }
        }
        if let Some(d) = &c.delega {
            let got = kebab(&a.delega);
            if got != *d {
                m.push(format!("delega {got} (expected {d})"));
            }
        }
        Ok(m)
    }
}
