//! OpenID Connect for the mocks: the JOSE layer ([`jose`]) and, on it, the local OpenID
//! Federation and the providers.

pub mod federation;
pub mod jose;
pub mod keys;
