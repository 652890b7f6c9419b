//! spid-harness: test a relying service's login path against mock SPID identity providers.
//!
//! [`browser`] drives a login path as a browser would, [`oracle`] decides whether the service
//! accepted it, [`report`] renders results; the binary's commands live in [`cli`], exit codes in
//! [`exit`].

pub mod browser;
pub mod cli;
pub mod cns_card;
pub mod cns_commands;
pub mod cns_login;
pub mod commands;
pub mod conformance;
pub mod demo;
pub mod exit;
pub mod load;
pub mod load_cmd;
pub mod login;
pub mod oracle;
pub mod report;
pub mod run_cmd;
pub mod scenario;
pub mod serve;
