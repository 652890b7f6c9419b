//! Integration tests of the reference RP against the mock OpenID Providers.

mod logins;
mod support;
