//! LogoutRequest / LogoutResponse: the mock IdPs' reader and `/idp/{id}/slo` handler (Redirect and
//! POST), and the reference SP's inbound logout decoder.
//! Input: a selector byte (bit 0: Redirect or POST; bit 1: request or response), then the XML.
#![no_main]
use axum::http::Method;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use mock_idps::saml::binding::{encode_redirect, MessageKind};
use mock_idps::saml::logout::LogoutMessage;
use mock_idps::saml::xml_read::XmlDoc;
use reference_sp::binding::Kind;
use reference_sp::slo::{receive, Received};
use spid_harness_fuzz::{idp_registry, idp_router, send, split, url_encode};

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = split(data) else { return };
    let Ok(xml) = std::str::from_utf8(rest) else { return };
    if let Ok(doc) = XmlDoc::parse(xml) {
        let _ = LogoutMessage::from_doc(&doc);
    }
    let (kind, sp_kind, param) = if sel & 2 == 0 {
        (MessageKind::Request, Kind::Request, "SAMLRequest")
    } else {
        (MessageKind::Response, Kind::Response, "SAMLResponse")
    };
    let status = if sel & 1 == 0 {
        let query = encode_redirect(kind, xml, Some("fuzz"), None);
        let _ = receive(idp_registry(), Received::Redirect(&query), true);
        let _ = receive(idp_registry(), Received::Redirect(&query), false);
        send(idp_router(), Method::GET, &format!("/idp/aruba/slo?{query}"), None, Vec::new()).0
    } else {
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
        let post = Received::Post { kind: sp_kind, value: &b64, relay_state: Some("fuzz") };
        let _ = receive(idp_registry(), post, false);
        let body = format!("{param}={}&RelayState=fuzz", url_encode(&b64));
        send(
            idp_router(),
            Method::POST,
            "/idp/aruba/slo",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .0
    };
    assert!(status < 500, "/slo answered {status}");
});
