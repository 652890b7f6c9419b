//! spid-harness: test a relying service's login path against mock SPID identity providers.
//!
//! The binary's commands live in [`cli`]; exit codes in [`exit`].

pub mod cli;
pub mod exit;
pub mod serve;
