//! Mock identity sources for Italian relying services: every accredited SPID identity provider
//! at levels L1–L3, and the CIE ID identity provider with its simulated card, on one SAML core,
//! served on loopback or embedded in a test.
//!
//! Non-goals: talking to real identity providers, or being a production IdP.

pub mod admin;
pub mod bounded;
pub mod cie;
pub mod clock;
pub mod cns;
pub mod federation;
pub mod fixtures;
pub mod html;
pub mod ids;
pub mod pin;
pub mod profile;
pub mod saml;
pub mod spid;
