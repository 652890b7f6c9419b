//! Integration tests of the reference RP against the mock OpenID Providers.

mod faults;
mod federation;
mod logins;
mod snapshots;
mod support;
mod tokens;
