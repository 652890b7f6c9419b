//! Integration tests of the reference RP against the mock OpenID Providers.

mod app;
mod faults;
mod federation;
mod logins;
mod op_trust;
mod snapshots;
mod support;
mod tokens;
