//! `generate-phone-pin`: generates a phone PIN in MyINPS (SW-07).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, METHODS, VALIDITIES};
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::{LoginMethod, PhoneValidity};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "generate-phone-pin",
    &["actor", "validity"],
    &["via"],
    "generate a phone PIN in MyINPS",
    parse,
);

/// Generates a phone PIN in MyINPS (SW-07).
#[derive(Debug, Clone)]
pub struct GeneratePhonePin {
    /// Who.
    pub actor: Actor,
    /// How they logged in (default: their last SPID login in the scenario).
    pub via: Option<LoginMethod>,
    /// For how long.
    pub validity: PhoneValidity,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let v = s.validity.as_ref()?;
    let Ok(validity) = PhoneValidity::parse(v.get_ref()) else {
        cx.unknown(v, "validity", VALIDITIES);
        return None;
    };
    Some(Action::GeneratePhonePin(GeneratePhonePin {
        actor: actor?,
        via: cx.opt_choice(s.via.as_ref(), "login method", METHODS),
        validity,
    }))
}

impl GeneratePhonePin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let via = self
            .via
            .or(r.state(&self.actor).digital)
            .unwrap_or(LoginMethod::Pin);
        let p = r
            .pin
            .generate_phone_pin(&self.actor.fiscal_code, via, self.validity)
            .map_err(code)?;
        r.state(&self.actor).phone = Some(p.code);
        Ok(Vec::new())
    }
}
