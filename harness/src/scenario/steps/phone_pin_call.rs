//! `phone-pin-call`: calls the contact center with the phone PIN (SW-07, PIN-13).

use super::ActorPin;
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::PinChoice;

actor_pin_kind!(
    /// Calls the contact center with the phone PIN (SW-07, PIN-13).
    PhonePinCall,
    "phone-pin-call",
    "call the contact center with the phone PIN",
    PinChoice::Right
);

impl PhonePinCall {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let ActorPin { actor, pin } = &self.0;
        let given = match *pin {
            PinChoice::Wrong => "000000000".to_string(),
            _ => r.state(actor).phone.clone().unwrap_or_default(),
        };
        r.pin
            .contact_center(&actor.fiscal_code, &given)
            .map_err(code)?;
        Ok(Vec::new())
    }
}
