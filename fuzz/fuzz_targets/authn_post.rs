//! HTTP-POST AuthnRequest decoding: the form value through the binding decoder and the AuthnRequest
//! reader, then the whole `POST /idp/{id}/sso` handler.
//! Input: a selector byte (0 = the bytes are the urlencoded form body; otherwise they are the
//! AuthnRequest XML, base64-encoded into a form as a client would), then the bytes.
#![no_main]
use axum::http::Method;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use mock_idps::saml::authn_request::AuthnRequest;
use mock_idps::saml::binding::decode_post;
use mock_idps::saml::xml_read::XmlDoc;
use spid_harness_fuzz::{idp_router, send, split, url_encode};

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = split(data) else { return };
    let body = if sel % 2 == 0 {
        rest.to_vec()
    } else {
        let b64 = base64::engine::general_purpose::STANDARD.encode(rest);
        if let Ok(xml) = decode_post(&b64, "SAMLRequest") {
            if let Ok(doc) = XmlDoc::parse(&xml) {
                let _ = AuthnRequest::from_doc(&doc);
            }
        }
        format!("SAMLRequest={}&RelayState=fuzz", url_encode(&b64)).into_bytes()
    };
    let (status, _) = send(
        idp_router(),
        Method::POST,
        "/idp/aruba/sso",
        Some("application/x-www-form-urlencoded"),
        body,
    );
    assert!(status < 500, "POST /sso answered {status}");
});
