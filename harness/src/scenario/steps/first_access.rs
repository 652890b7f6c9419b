//! `first-access`: first access with the 16-character PIN, choosing an 8-character one (PIN-07).

use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::PinChoice;
use mock_idps::pin::PinBackend;

actor_pin_kind!(
    /// First access with the 16-character PIN, choosing an 8-character one (PIN-07).
    FirstAccess,
    "first-access",
    "first access with the 16-character PIN",
    PinChoice::Initial
);

impl FirstAccess {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        self.0.change_secret(r, PinBackend::first_access).await
    }
}
