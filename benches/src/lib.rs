//! Criterion benchmarks of the login path. The benchmarks are this package's `[[bench]]`
//! targets in `benches/benches/`; the library holds what several of them set up alike
//! ([`World`]).
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

use mock_idps::federation::MockFederation;
use tokio::runtime::Runtime;

/// What a bench runs against: a runtime, the mock federation started on it, and what the bench
/// set up on the federation (`app`: a reference SP, the reference RP's keys…). Dropping it
/// stops them.
pub struct World<A> {
    /// The runtime the mocks serve on and the bench blocks on.
    pub rt: Runtime,
    /// The mock providers, on loopback.
    pub fed: MockFederation,
    /// What the bench set up on the federation.
    pub app: A,
}

impl<A> World<A> {
    /// Starts the mock federation on `rt`, then runs `setup` on it, on `rt` too.
    ///
    /// # Panics
    /// When the mocks do not start: a bench cannot go on without them.
    pub fn start(rt: Runtime, setup: impl AsyncFnOnce(&MockFederation) -> A) -> Self {
        let (fed, app) = rt.block_on(async {
            let fed = MockFederation::start().await.expect("mocks");
            let app = setup(&fed).await;
            (fed, app)
        });
        Self { rt, fed, app }
    }
}
