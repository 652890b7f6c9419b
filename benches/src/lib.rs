//! Criterion benchmarks of the login path. The benchmarks are this package's `[[bench]]`
//! targets in `benches/benches/`; the library itself holds nothing.
//!
//! | Bench | What it times |
//! |---|---|
//! | `login_path` | the IdP side of a login: raw RSA-2048 signing (the floor) and building and signing a SPID Response with its Assertion |
//! | `whole_path` | a whole in-process login (SP, mock IdP in auto-login mode, ACS, probe) per level and binding; the IdP's SSO handler and the SP's ACS alone; IdP metadata |
//! | `oidc_login` | the OP's share of one OIDC login without HTTP: authorization, token and userinfo endpoints |
//! | `oidc` | the OIDC building blocks: RS256 sign and verify, JWE encrypt and decrypt, trust-chain resolution cold and cached |
//!
//! Run one with `cargo bench -p benches --bench NAME` (each bench's own documentation says what
//! its figures are compared with).
