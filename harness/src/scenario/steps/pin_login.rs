//! `pin-login`: logs in with codice fiscale and PIN (PIN-12).

use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::PinChoice;

actor_pin_kind!(
    /// Logs in with codice fiscale and PIN (PIN-12).
    PinLogin,
    "pin-login",
    "log in with codice fiscale and PIN",
    PinChoice::Right
);

impl PinLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let typed = self.0.typed(r);
        let actor = &self.0.actor;
        let session = r
            .pin
            .login(&actor.fiscal_code, &typed)
            .map_err(code)?;
        r.state(actor).session = Some(session.token);
        Ok(Vec::new())
    }
}
