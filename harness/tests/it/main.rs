#![allow(missing_docs)]
//! Integration tests of the harness.
//!
//! - `oracle`: the oracle against service providers that answer refusals with 200 and logins
//!   with a redirect
//! - `demo`: `spid-harness demo` in-process and as the binary (the driver end to end through
//!   the mock providers and the reference SP)

mod conformance;
mod demo;
mod oracle;
mod scenario;
