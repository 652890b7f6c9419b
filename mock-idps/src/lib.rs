//! Mock identity sources for Italian relying services, on loopback or embedded in a test:
//! every accredited SPID identity provider at levels L1–L3, the CIE ID identity providers with
//! their simulated card, the CNS smart-card PKI with its mutual-TLS endpoint, and the legacy INPS
//! PIN backend, all on one SAML core and one [`Clock`].
//!
//! Start here: [`MockFederation::start`] serves everything in-process and hands back its
//! [`FederationUrls`]; `spid-harness serve` runs the same server from the command line. What
//! differs between providers and profiles is data ([`fixtures`], [`profile`]), not code.
//!
//! # Example
//!
//! ```
//! use mock_idps::MockFederation;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fed = MockFederation::start().await?;
//! let urls = fed.urls();
//! let poste = &urls.providers["poste"];
//! assert!(poste.metadata.starts_with("http://127.0.0.1:"));
//! // Point the service under test at `poste.metadata` (or the registry feed at
//! // `urls.registry`), register its metadata with `fed.register_sp_metadata(xml)`, log in.
//! fed.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Non-goals: talking to real identity providers, or being a production IdP.

/// The admin API's protection (Host, Origin, content type, optional token) and its one error
/// shape.
pub mod admin;
/// One bounded store (entries, bytes, expiry on the clock) for every in-memory table.
pub mod bounded;
/// CIE ID: the card with its PIN and PUK, the card table, the simulated reader.
pub mod cie;
/// The one source of time: the system clock, or a simulated one that scenarios step.
pub mod clock;
/// CNS: the test PKI, card minting, live revocation with CRLs, the mutual-TLS login endpoint.
pub mod cns;
/// Escaping by a table of character entities, for HTML and XML.
pub mod escape;
/// Starting every mock in-process and reading back its URLs.
pub mod federation;
/// The embedded fixtures (providers, users, keys) and their regeneration.
pub mod fixtures;
/// HTML escaping for pages written by hand (text and quoted attribute values).
pub mod html;
/// Identifiers, NameIDs and one-time codes from one seedable generator.
pub mod ids;
/// OpenID Connect: the JOSE layer, the local OpenID Federation, the OpenID Providers.
pub mod oidc;
/// The legacy INPS PIN credential service and its switch-off timeline.
pub mod pin;
/// SAML profiles as data: what differs between SPID and CIE ID on the one core.
pub mod profile;
/// The one SAML core: bindings, signatures, messages, metadata.
pub mod saml;
/// A server's task and its stop signal (the reference services and the harness serve this way
/// too).
pub mod server_task;
/// SPID on the SAML core: providers, levels, identities, request rules, login flow.
pub mod spid;
/// Consecutive wrong tries against a limit (SPID nr19, the CIE and CNS cards' PIN and PUK).
pub mod tries;

// The public interface is:
pub use clock::{Clock, SharedClock, SimClock, SystemClock};
pub use federation::{
    FederationConfig, FederationError, FederationUrls, MockFederation, ProviderUrls,
};
pub use fixtures::{FixtureError, FixtureSource, Fixtures};
pub use ids::IdGenerator;
pub use saml::status::{SpidCode, UnknownSpidCode};
