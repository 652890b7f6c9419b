//! The admin API's JSON bodies: `POST /admin/next-login` and `POST /admin/cie-read-failure`.
//! Input: a selector byte (which endpoint), then the body.
#![no_main]
use axum::http::Method;
use libfuzzer_sys::fuzz_target;
use spid_harness_fuzz::{idp_router, idp_state, send, split};

fuzz_target!(|data: &[u8]| {
    let Some((sel, body)) = split(data) else { return };
    let path = if sel % 2 == 0 { "/admin/next-login" } else { "/admin/cie-read-failure" };
    let (status, _) = send(idp_router(), Method::POST, path, Some("application/json"), body.to_vec());
    assert!(status < 500, "POST {path} answered {status}");
    // Keep the scripted queue from growing across runs.
    idp_state().clear_script();
});
