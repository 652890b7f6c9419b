//! SPID on top of the SAML core: providers, levels, identities, request rules, login flow, service.

pub mod fiscal_code;
pub mod identity;
pub mod level;
pub mod provider;
pub mod purpose;
