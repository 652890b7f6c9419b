//! A SPID/CIE OpenID Connect relying party written as a careful integrator would, with every
//! check it makes behind a fault switch ([`faults`]): the OIDC counterpart of `reference-sp`.
//!
//! | Module | What |
//! |---|---|
//! | [`rp`] | the flow: request object + PKCE, callback, code exchange with `private_key_jwt`, refresh, revocation |
//! | [`check`] | the ID-token checks (on `openidconnect`'s verifier) and the userinfo JWS-in-JWE checks |
//! | [`op`] | the OPs as their entity configurations describe them |
//! | [`trust`] | the RP's own resolution of an OP's trust chain and check of its trust marks |
//! | [`app`] | what the binary runs: discovery, serving, on-boarding to the local federation |
//! | [`keys`] | the RP's signing, encryption and federation keys |
//! | [`faults`] | the switches |
//! | [`server`] | the pages: "Entra con CIE (OIDC)", the SPID chooser, the protected page, logout |
//!
//! Built on `openidconnect` for PKCE and ID-token validation; what it lacks (request objects,
//! client assertions, JWE, federation) is done with `mock_idps::oidc`.

pub mod app;
pub mod check;
pub mod error;
pub mod faults;
pub mod keys;
pub mod op;
pub mod rp;
pub mod server;
pub mod trust;

pub use error::RpError;
pub use faults::Faults;
pub use rp::{ReferenceRp, RpConfig};
pub use trust::TrustAnchor;
