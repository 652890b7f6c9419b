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
//! | [`sending`] | the switches that make it send a wrong request or entity configuration |
//! | [`server`] | the pages: "Entra con CIE (OIDC)", the SPID chooser, the protected page, logout |
//!
//! Built on `openidconnect` for PKCE and ID-token validation; what it lacks (request objects,
//! client assertions, JWE, federation) is done with `mock_idps::oidc`.
//!
//! # Example
//!
//! ```
//! use mock_idps::spid::level::Level;
//! use reference_rp::keys::RpKeys;
//! use reference_rp::{Faults, ReferenceRp, RpConfig};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The strict RP (no fault switched off), registered by hand with the mock OPs, which it
//! // then discovers from their metadata, each OP's trust chain resolved up to the federation's
//! // trust anchor.
//! let fed = mock_idps::MockFederation::start().await?;
//! let config = RpConfig {
//!     client_id: "https://rp.example.it".into(),
//!     organization_name: "Servizio di prova".into(),
//!     faults: Faults::none(),
//!     clock: Arc::new(mock_idps::SystemClock),
//!     offline_access: false,
//!     trust_anchor: reference_rp::app::trust_anchor_of(&fed.urls()).expect("an anchor"),
//! };
//! let keys = RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp")?;
//! let mut rp = ReferenceRp::new(config, keys)?;
//! fed.register_oidc_rp(rp.registration()?)?;
//! rp.discover(&reference_rp::op::entries_of(&fed.urls())).await?;
//! // A login at the first OP: the browser goes to its authorization endpoint with a signed
//! // request object.
//! let op = rp.ops().next().expect("an OP").clone();
//! let url = rp.start(&op.id, Level::L2)?;
//! assert!(url.starts_with(&op.authorization_endpoint));
//! assert!(url.contains("request="));
//! fed.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod app;
pub mod check;
pub mod error;
pub mod faults;
pub mod keys;
pub mod op;
pub mod rp;
pub mod sending;
pub mod server;
pub mod trust;

pub use error::RpError;
pub use faults::Faults;
pub use rp::{ReferenceRp, RpConfig};
pub use trust::TrustAnchor;
