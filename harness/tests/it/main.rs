#![allow(missing_docs)]
//! Integration tests of the harness.
//!
//! - `oracle`: the oracle against service providers that answer refusals with 200 and logins
//!   with a redirect
//! - `driver`: the login-path driver through the real mock providers

mod driver;
mod oracle;
