//! `renew`: renews an expired PIN (PIN-08, SW-04).

use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::PinChoice;
use mock_idps::pin::PinBackend;

actor_pin_kind!(
    /// Renews an expired PIN (PIN-08, SW-04).
    Renew,
    "renew",
    "renew an expired PIN",
    PinChoice::Right
);

impl Renew {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        self.0.change_secret(r, PinBackend::renew).await
    }
}
