//! `service-pin-login`: logs in at the reference service with "Entra con PIN": the service
//! applies the switch-off timeline on the scenario's day, then the PIN backend checks the PIN
//! (SW-05).

use crate::scenario::runner::{Outcome, Run};
use crate::scenario::service::PinServiceEnv;
use crate::scenario::step::PinChoice;

actor_pin_kind!(
    /// Logs in at the reference service with "Entra con PIN" (SW-05).
    ServicePinLogin,
    "service-pin-login",
    "log in at the reference service with PIN (Entra con PIN)",
    PinChoice::Right
);

impl ServicePinLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let typed = self.0.typed(r);
        if r.service.is_none() {
            let env = PinServiceEnv::start(r.pin.clone(), r.clock.clone()).await?;
            r.service = Some(env);
        }
        match &r.service {
            Some(env) => env
                .login(&self.0.actor.fiscal_code, &typed)
                .await
                .map(|()| Vec::new()),
            None => Err("the reference service did not start".into()),
        }
    }
}
