//! A SPID relying service written the way a careful integrator would: its own SAML code path
//! (its own model read from the tree bergshamra verified, bergshamra to verify and sign, its own
//! checks), an IdP picker,
//! login on either binding at any level and Comparison, a protected page, single logout, and
//! Avviso 29 metadata. Every check on a Response has a stable name and can be switched off
//! ([`faults`]), so a conformance case can be proven against a "mutant" SP.
//!
//! It shares no SAML code with `mock-idps` (if the IdP and the SP shared a builder or a parser,
//! their bugs would cancel out); it uses only `mock_idps::clock` for the shared clock.
//!
//! Non-goals: production use, TLS, persistence.
//!
//! # Example
//!
//! ```
//! use reference_sp::{ReferenceSp, SpConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The strict SP on a free loopback port, trusting the mock providers' registry feed;
//! // `faults` would switch named checks off.
//! let fed = mock_idps::MockFederation::start().await?;
//! let sp = ReferenceSp::start(SpConfig {
//!     idp_metadata: vec![fed.state().registry_xml.clone()],
//!     ..SpConfig::default()
//! })
//! .await?;
//! let urls = sp.urls();
//! assert!(sp.metadata_xml().contains("EntityDescriptor"));
//! assert!(urls.acs.starts_with("http://127.0.0.1:"));
//! sp.shutdown().await;
//! fed.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod acs;
mod authn_request;
/// The HTTP-Redirect and HTTP-POST bindings as the SP uses them.
pub mod binding;
mod cie;
/// "Entra con CNS": the SP's own mutual-TLS login and its configuration.
pub mod cns;
mod config;
mod dom;
mod error;
/// Fault switches: every Response check by its stable name, to build mutant SPs.
pub mod faults;
/// The head every outgoing message shares (ID, IssueInstant, Destination, Issuer).
pub mod head;
/// The identity providers the SP trusts, read from their metadata.
pub mod idp;
/// The SP's own credential (the Avviso 29 fixture key and certificate).
pub mod keys;
/// SPID levels and Comparison, and which returned level the SP accepts.
pub mod level;
/// The SP's signed metadata (Avviso 29 v3) and its profiles.
pub mod metadata;
mod model;
mod ns;
mod pages;
mod pin_login;
mod server;
mod session;
/// Single logout: the SP's LogoutRequest and LogoutResponse.
pub mod slo;
mod xml;

// The public interface is:
pub use config::SpConfig;
pub use error::SpError;
pub use metadata::{MetadataProfile, Scheme};
pub use server::{ReferenceSp, SpUrls};
pub use session::SessionLimits;

/// Entry points for the fuzz targets in `fuzz/` (outside the workspace); not a stable interface.
#[doc(hidden)]
pub mod fuzzing {
    use crate::acs::{consume, AcsInput};
    use crate::faults::{Faults, ALL};
    use crate::idp::IdpRegistry;
    use crate::session::Sessions;

    /// Runs every ACS check on a posted `SAMLResponse` value (base64) as received by a new browser
    /// session of the SP `entity_id` at `acs_url`: strict, or with every check switched off
    /// (`lenient`). Returns the refusing check's name.
    pub fn consume_response(
        idps: &IdpRegistry,
        entity_id: &str,
        acs_url: &str,
        lenient: bool,
        saml_response: &str,
    ) -> Result<(), &'static str> {
        let mut faults = Faults::none();
        if lenient {
            for f in ALL {
                faults.switch_off(f.name);
            }
        }
        let sessions = Sessions::new(
            std::sync::Arc::new(mock_idps::clock::SystemClock),
            crate::session::SessionLimits::default(),
        );
        let sid = sessions.create();
        let input = AcsInput {
            entity_id,
            acs_url,
            skew: time::Duration::minutes(2),
            faults: &faults,
            idps,
            sessions: &sessions,
            sid: Some(&sid),
            now: time::OffsetDateTime::now_utc(),
            relay_state: Some("fuzz"),
        };
        consume(&input, saml_response)
            .map(|_| ())
            .map_err(|r| r.check)
    }
}
