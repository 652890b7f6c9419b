//! The SPID and CIE OpenID Providers (spid-cie-oidc-docs, docs/en/*.rst): one OP per SPID
//! provider of `fixtures/providers.toml` and the two CIE OIDC flavours of `fixtures/cie.toml`,
//! each a row's `oidc` table. Logins go through the same pages, users, levels, anomalies and
//! scripts as the SAML providers (`crate::spid::login`); what differs between SPID and CIE is
//! data ([`profile`]).

pub mod authorization;
pub mod claims;
pub mod client_auth;
pub mod crafted;
pub mod federated;
pub mod profile;
pub mod provider;
pub mod record;
pub mod registry;
pub mod revocation;
pub mod seal;
pub mod service;
pub mod state;
pub mod token;
pub mod userinfo;
