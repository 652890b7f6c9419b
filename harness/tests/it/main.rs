#![allow(missing_docs)]
//! Integration tests of the harness.
//!
//! - `oracle`: the oracle against service providers that answer refusals with 200 and logins
//!   with a redirect
//! - `demo`: `spid-harness demo` in-process and as the binary (the driver end to end through
//!   the mock providers and the reference SP)
//! - `cns`: the CNS check family on the reference SP and its `cns-*` mutants, CNS login with a
//!   PIN-protected card, CRL rotation

mod check_cli;
mod cns;
mod conformance;
mod demo;
mod hardening;
mod logout;
mod metadata_checks;
mod oracle;
mod report_snapshots;
mod request_checks;
mod scenario;
