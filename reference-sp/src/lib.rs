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

pub mod acs;
pub mod authn_request;
pub mod binding;
pub mod cie;
pub mod cns;
mod config;
mod dom;
mod error;
pub mod faults;
pub mod idp;
pub mod keys;
pub mod level;
pub mod metadata;
pub mod model;
pub mod ns;
pub mod pages;
pub mod pin_login;
mod server;
pub mod session;
pub mod slo;
pub mod xml;

// The public interface is:
pub use config::SpConfig;
pub use error::SpError;
pub use metadata::MetadataProfile;
pub use server::{ReferenceSp, SpUrls};
