//! CIE ("Carta d'Identità Elettronica") on top of the SAML core: the CIE ID identity providers
//! run the SPID login code with the CIE profile ([`crate::profile`]); this module holds what only
//! CIE has: the card with its PIN and PUK, the card table, and the simulated reader.

pub mod card;
pub mod cards;
pub mod web;
