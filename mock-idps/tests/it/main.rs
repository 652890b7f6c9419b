#![allow(missing_docs)]
//! Integration tests of the mock SPID providers, driven over HTTP on an ephemeral loopback port.
//!
//! - `auto_login`: auto-login mixes answer every request at once, statelessly
//! - `sp`: a minimal test service provider (metadata, AuthnRequests, reading answers)
//! - `login`: every provider at every level it offers, through the real login pages
//! - `errors`: every SPID error code nr04–nr18 and every user anomaly, answered as the rules say
//! - `security`: wrapping, encoding quirks, bombs and DTDs
//! - `slo`: single logout on both bindings, from the SP and from the IdP
//! - `snapshots`: provider metadata and a Response, IDs and instants redacted
//! - `cie`: the CIE ID providers: every level, the card outcomes, the profile differences
//! - `hardening`: issue #11 part A: one test per defect, and the hostile-input table
//! - `oidc_federation`: the local OpenID Federation over HTTP, on-boarding, snapshots
//! - `oidc_op_algs`: the OPs refuse `none`/HS256 request objects and client assertions, accept ES256 and PS256
//! - `oidc_record`: the OPs' request record keeps what an RP sent, as sent, with the answer

mod auto_login;
mod cie;
mod errors;
mod fixtures;
mod hardening;
mod login;
mod oidc_federation;
mod oidc_op_algs;
mod oidc_record;
mod pin;
mod request_properties;
mod security;
mod slo;
mod snapshots;
mod sp;

use mock_idps::clock::{saml_instant, Clock, SimClock};
use mock_idps::federation::FederationConfig;
use mock_idps::spid::level::Level;
use sp::Req;
use std::sync::Arc;
use time::macros::datetime;

/// A running federation with the test SP registered, on a simulated clock.
pub struct Env {
    pub site: sp::Site,
    pub clock: Arc<SimClock>,
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(FederationConfig::default()).await
    }

    /// Providers configured as `config` says, on a simulated clock at 2026-01-15 10:00 UTC.
    pub async fn start_with(config: FederationConfig) -> Env {
        let clock = Arc::new(SimClock::new(datetime!(2026-01-15 10:00 UTC)));
        let site = sp::Site::start(FederationConfig {
            clock: Some(clock.clone()),
            seed: Some(7),
            ..config
        })
        .await;
        Env { site, clock }
    }

    pub fn req(&self, provider: &str, level: Level) -> Req {
        Req::new(&self.sso(provider), level, &saml_instant(self.clock.now()))
    }
}

/// The environment's federation, driver and their shortcuts are its [`sp::Site`]'s.
impl std::ops::Deref for Env {
    type Target = sp::Site;

    fn deref(&self) -> &sp::Site {
        &self.site
    }
}
