//! Driving a service's login path as a user agent would: the HTTP [`browser`], one SPID
//! [`login`] through a mock provider, and the CNS smart-card presentation ([`cns_card`],
//! [`cns_login`]).

pub mod browser;
pub mod cns_card;
pub mod cns_login;
pub mod login;
pub mod remote;
