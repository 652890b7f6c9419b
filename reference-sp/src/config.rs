//! How to start the reference SP.

use crate::faults::Faults;
use crate::metadata::MetadataProfile;
use mock_idps::clock::{SharedClock, SystemClock};
use std::net::SocketAddr;
use std::sync::Arc;

/// The reference SP's settings.
#[derive(Debug, Clone)]
pub struct SpConfig {
    /// Where to listen; loopback only (port 0 picks a free one).
    pub bind: SocketAddr,
    /// Our entityID (default: the fixture certificate's `uri`).
    pub entity_id: String,
    /// Trusted IdP metadata documents: `md:EntityDescriptor` or `md:EntitiesDescriptor` (the
    /// mock registry feed).
    pub idp_metadata: Vec<String>,
    /// Checks switched off (default: none, the strict SP).
    pub faults: crate::faults::Faults,
    /// The clock every check reads.
    pub clock: SharedClock,
    /// Allowed clock skew between IdP and SP. Default 2 minutes: the SPID rules give no number;
    /// spid-testenv2 uses ±2 minutes (docs/rules/spid-saml.md), and the mock IdPs use the same.
    pub skew: time::Duration,
    /// Avviso 29 metadata profile.
    pub profile: MetadataProfile,
    /// Trusted CIE ID metadata documents ("Entra con CIE"): these IdPs get the CIE request
    /// rules and checks (see [`crate::cie`]).
    pub cie_idp_metadata: Vec<String>,
    /// "Entra con CNS": its own mutual-TLS listener, when set (default: off).
    pub cns: Option<crate::cns::CnsSpConfig>,
    /// "Entra con PIN": base URL of the PIN backend's `/pin` mount, when set (default: off).
    pub pin_backend: Option<String>,
    /// The PIN switch-off timeline the SP applies (default: the one shipped,
    /// scenarios/timeline/inps-pin.toml).
    pub pin_timeline: Option<mock_idps::pin::Timeline>,
    /// A slow ACS (a performance mutant for load tests): every POST to the ACS waits this long
    /// before it is handled. Zero by default.
    pub acs_delay: std::time::Duration,
    /// Caps of the browser-session store and the replay cache.
    pub session_limits: crate::session::SessionLimits,
}

impl Default for SpConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            entity_id: mock_idps::fixtures::generate::REFERENCE_SP_ENTITY_ID.to_string(),
            idp_metadata: Vec::new(),
            faults: Faults::none(),
            clock: Arc::new(SystemClock),
            skew: time::Duration::minutes(2),
            profile: MetadataProfile::Public,
            cie_idp_metadata: Vec::new(),
            cns: None,
            pin_backend: None,
            pin_timeline: None,
            acs_delay: std::time::Duration::ZERO,
            session_limits: crate::session::SessionLimits::default(),
        }
    }
}
