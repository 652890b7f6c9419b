//! `recover`: recovers a lost PIN (PIN-10).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use crate::scenario::suggest;
use mock_idps::pin::RecoveryContacts;
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "recover",
    &["actor"],
    &["contacts"],
    "recover a lost PIN",
    parse,
);

/// Recovers a lost PIN (PIN-10).
#[derive(Debug, Clone)]
pub struct Recover {
    /// Who.
    pub actor: Actor,
    /// Whether the contacts given match those on record.
    pub contacts_right: bool,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let contacts_right = match s.contacts.as_ref() {
        None => true,
        Some(v) => match v.get_ref().as_str() {
            "right" => true,
            "wrong" => false,
            other => {
                let hint = suggest::hint(other, ["right", "wrong"]);
                cx.err(
                    v.span(),
                    format!("unknown contacts {other:?} (right or wrong){hint}"),
                );
                true
            }
        },
    };
    Some(Action::Recover(Recover {
        actor: actor?,
        contacts_right,
    }))
}

impl Recover {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let cf = &self.actor.fiscal_code;
        let person = r.pin.person(cf).map_err(code)?.clone();
        let contacts = if self.contacts_right {
            RecoveryContacts {
                mobile: person.mobile.unwrap_or_default(),
                email: person.email.unwrap_or_default(),
                pec: person.pec.unwrap_or_default(),
            }
        } else {
            RecoveryContacts {
                mobile: "+39 000 0000000".into(),
                email: "nobody@example.invalid".into(),
                pec: "nobody@pec.invalid".into(),
            }
        };
        r.pin.recover(cf, &contacts).map_err(code)?;
        r.state(&self.actor).secret = None;
        Ok(Vec::new())
    }
}
