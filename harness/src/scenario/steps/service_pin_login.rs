//! `service-pin-login`: logs in at the reference service with "Entra con PIN": the service
//! applies the switch-off timeline on the scenario's day, then the PIN backend checks the PIN
//! (SW-05).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::service::PinServiceEnv;
use crate::scenario::step::{Actor, KindSpec, PinChoice};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "service-pin-login",
    &["actor"],
    &["pin"],
    "log in at the reference service with PIN (Entra con PIN)",
    parse,
);

/// Logs in at the reference service with "Entra con PIN" (SW-05).
#[derive(Debug, Clone)]
pub struct ServicePinLogin {
    /// Who.
    pub actor: Actor,
    /// What is typed.
    pub pin: PinChoice,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::ServicePinLogin(ServicePinLogin {
        actor: actor?,
        pin: cx.pin_choice(s.pin.as_ref(), PinChoice::Right),
    }))
}

impl ServicePinLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let typed = r.typed(&self.actor, self.pin);
        if r.service.is_none() {
            let env = PinServiceEnv::start(r.pin.clone(), r.clock.clone()).await?;
            r.service = Some(env);
        }
        match &r.service {
            Some(env) => env
                .login(&self.actor.fiscal_code, &typed)
                .await
                .map(|()| Vec::new()),
            None => Err("the reference service did not start".into()),
        }
    }
}
