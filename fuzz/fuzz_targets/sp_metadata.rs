//! SP metadata parsing: the reader the mock IdPs use for registered SPs, and the admin endpoint
//! that registers them.
#![no_main]
use axum::http::Method;
use libfuzzer_sys::fuzz_target;
use mock_idps::saml::sp_metadata::SpMetadata;
use spid_harness_fuzz::{idp_router, send};

fuzz_target!(|data: &[u8]| {
    if let Ok(xml) = std::str::from_utf8(data) {
        if let Ok(sp) = SpMetadata::parse(xml) {
            let _ = sp.default_acs();
        }
    }
    let (status, _) = send(
        idp_router(),
        Method::POST,
        "/admin/sp-metadata",
        Some("application/samlmetadata+xml"),
        data.to_vec(),
    );
    assert!(status < 500, "POST /admin/sp-metadata answered {status}");
});
