//! `phone-pin-call`: calls the contact center with the phone PIN (SW-07, PIN-13).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "phone-pin-call",
    &["actor"],
    &["pin"],
    "call the contact center with the phone PIN",
    parse,
);

/// Calls the contact center with the phone PIN (SW-07, PIN-13).
#[derive(Debug, Clone)]
pub struct PhonePinCall {
    /// Who.
    pub actor: Actor,
    /// The phone PIN given.
    pub pin: PinChoice,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::PhonePinCall(PhonePinCall {
        actor: actor?,
        pin: cx.pin_choice(s.pin.as_ref(), PinChoice::Right),
    }))
}

impl PhonePinCall {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let given = match self.pin {
            PinChoice::Wrong => "000000000".to_string(),
            _ => r.state(&self.actor).phone.clone().unwrap_or_default(),
        };
        r.pin
            .contact_center(&self.actor.fiscal_code, &given)
            .map_err(code)?;
        Ok(Vec::new())
    }
}
