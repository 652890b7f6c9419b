//! OpenID Connect for the mocks: the JOSE layer ([`jose`]) and, on it, the local OpenID
//! Federation and the providers.

pub mod federation;
pub mod jose;
pub mod keys;
/// The SPID and CIE OpenID Providers: authorization, token, userinfo, revocation, introspection.
pub mod op;
