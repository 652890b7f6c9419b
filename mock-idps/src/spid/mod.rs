//! SPID on top of the SAML core: providers, levels, identities, request rules, login flow, service.

pub mod assertion;
pub mod config;
pub mod fiscal_code;
pub mod identity;
pub mod level;
pub mod login;
pub mod pages;
pub mod provider;
pub mod purpose;
pub mod request_rules;
pub mod script;
pub mod service;
pub mod sessions;
pub mod slo;
pub mod state;
