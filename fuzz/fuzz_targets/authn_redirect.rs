//! HTTP-Redirect AuthnRequest decoding: the raw query through the binding decoder and the
//! AuthnRequest reader, then the whole `GET /idp/{id}/sso` handler.
//! Input: a selector byte (0 = the bytes are the raw query; otherwise they are the AuthnRequest XML,
//! deflated and encoded as a client would), then the bytes.
#![no_main]
use axum::http::Method;
use libfuzzer_sys::fuzz_target;
use mock_idps::saml::authn_request::AuthnRequest;
use mock_idps::saml::binding::{decode_redirect, encode_redirect, MessageKind};
use mock_idps::saml::xml_read::XmlDoc;
use spid_harness_fuzz::{idp_router, send, split};

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = split(data) else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let query = if sel % 2 == 0 {
        text.to_string()
    } else {
        encode_redirect(MessageKind::Request, text, Some("fuzz"), None)
    };
    if let Ok(m) = decode_redirect(&query) {
        if let Ok(doc) = XmlDoc::parse(&m.xml) {
            let _ = AuthnRequest::from_doc(&doc);
        }
    }
    let (status, _) = send(idp_router(), Method::GET, &format!("/idp/aruba/sso?{query}"), None, Vec::new());
    assert!(status < 500, "GET /sso answered {status}");
});
