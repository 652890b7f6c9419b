//! The legacy PIN API's JSON bodies: every POST endpoint of `/api`.
//! Input: a selector byte (which endpoint), then the body.
#![no_main]
use axum::http::Method;
use libfuzzer_sys::fuzz_target;
use spid_harness_fuzz::{pin_router, send, split};

const PATHS: &[&str] = &[
    "/api/requests",
    "/api/first-access",
    "/api/login",
    "/api/renew",
    "/api/recover",
    "/api/revoke",
    "/api/convert",
    "/api/claims",
    "/api/phone-pin",
    "/api/contact-center",
    "/api/delegations",
    "/api/delegations/act",
    "/api/services/cedolino-pensione/open",
    "/api/delegations/x/revoke",
];

fuzz_target!(|data: &[u8]| {
    let Some((sel, body)) = split(data) else { return };
    let path = PATHS[usize::from(sel) % PATHS.len()];
    let (status, answer) = send(pin_router(), Method::POST, path, Some("application/json"), body.to_vec());
    assert!(status < 500, "POST {path} answered {status}");
    if status >= 400 {
        // One error shape on the JSON API: {code, message}.
        let text = String::from_utf8_lossy(&answer);
        assert!(text.contains("\"code\"") && text.contains("\"message\""), "POST {path} {status}: {text}");
    }
});
