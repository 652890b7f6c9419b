//! Shared set-up of the fuzz targets: one mock federation state, one PIN backend and one trust
//! registry per process, and a way to put a request through a router without a socket.
//!
//! A target fails only by panicking (or by an answer that breaks a stated invariant, such as a
//! 5xx for a request the client got wrong); every input must get an answer.

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use mock_idps::clock::{SharedClock, SystemClock};
use mock_idps::fixtures::Fixtures;
use mock_idps::ids::IdGenerator;
use mock_idps::pin::PinBackend;
use mock_idps::spid::config::IdpConfig;
use mock_idps::spid::state::MockState;
use reference_sp::faults::Faults;
use reference_sp::metadata::{MetadataPlan, MetadataProfile, Scheme};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The base URL the mock state believes it is served at (nothing listens there).
pub const BASE: &str = "http://127.0.0.1:8089";
/// The reference SP's entityID in the fuzzing world.
pub const SP_ENTITY: &str = "http://127.0.0.1:8090/metadata";
/// Its ACS URL.
pub const SP_ACS: &str = "http://127.0.0.1:8090/acs";
/// Its SLO URL.
pub const SP_SLO: &str = "http://127.0.0.1:8090/slo";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

/// The reference SP's metadata (public profile, unsigned: the mock reads it without a signature).
pub fn sp_metadata_xml() -> String {
    let faults = Faults::none();
    let plan = MetadataPlan {
        entity_id: SP_ENTITY,
        acs: SP_ACS,
        slo: SP_SLO,
        profile: MetadataProfile::Public,
        scheme: Scheme::Spid,
        faults: &faults,
    };
    let pem = reference_sp::metadata::PRIVATE_CERT_PEM;
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    reference_sp::metadata::metadata_xml(&plan, &b64)
}

/// The mock identity providers' state, with the reference SP registered.
pub fn idp_state() -> &'static Arc<MockState> {
    static STATE: OnceLock<Arc<MockState>> = OnceLock::new();
    STATE.get_or_init(|| {
        let clock: SharedClock = Arc::new(SystemClock);
        let state = MockState::new(
            Fixtures::embedded().expect("embedded fixtures"),
            IdpConfig::default(),
            clock,
            IdGenerator::seeded(7),
            BASE,
        )
        .expect("mock state");
        state
            .register_sp(&sp_metadata_xml())
            .expect("the reference SP's metadata registers");
        Arc::new(state)
    })
}

/// The mock identity providers' router.
pub fn idp_router() -> Router {
    mock_idps::spid::service::router(idp_state().clone())
}

/// The legacy PIN service's router on an in-memory store.
pub fn pin_router() -> Router {
    static BACKEND: OnceLock<Arc<PinBackend>> = OnceLock::new();
    let backend = BACKEND.get_or_init(|| {
        Arc::new(
            PinBackend::in_memory(Arc::new(SystemClock), IdGenerator::seeded(11))
                .expect("PIN backend"),
        )
    });
    mock_idps::pin::router(backend.clone())
}

/// The trust registry of the reference SP: the mock federation's IdPs.
pub fn idp_registry() -> &'static reference_sp::idp::IdpRegistry {
    static REG: OnceLock<reference_sp::idp::IdpRegistry> = OnceLock::new();
    REG.get_or_init(|| {
        reference_sp::idp::IdpRegistry::from_metadata(&[idp_state().registry_xml.clone()])
            .expect("the mock registry is trusted")
    })
}

/// Sends one request through `router`; returns the status and the body.
pub fn send(
    router: Router,
    method: Method,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let Ok(req) = req.body(Body::from(body)) else {
        // Not a request a client could send (e.g. a URI with a space): nothing to test.
        return (0, Vec::new());
    };
    runtime().block_on(async move {
        let resp = router.oneshot(req).await.expect("routers are infallible");
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), 4 << 20)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        (status, bytes)
    })
}

/// Splits fuzz input into a selector byte and the rest.
pub fn split(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(a, b)| (*a, b))
}

/// Percent-encodes `s` for a query value.
pub fn url_encode(s: &str) -> String {
    mock_idps::saml::binding::url_encode(s)
}
