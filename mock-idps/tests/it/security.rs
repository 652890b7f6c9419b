//! Hostile and unusual input: signature wrapping, lowercase percent-encoding, missing SigAlg,
//! compression bombs, DTDs, and arbitrary bytes in both decoders.

use crate::errors::assert_page;
use crate::sp::{Binding, Reply};
use crate::Env;
use base64::Engine;
use mock_idps::saml::binding::{
    decode_post, decode_redirect, encode_redirect, url_encode, MessageKind,
};
use mock_idps::saml::dsig::sign_enveloped;
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::level::Level;
use proptest::prelude::*;

#[tokio::test]
async fn a_wrapped_authn_request_is_refused() {
    // The genuine signed request hidden in Extensions under a forged, unsigned root whose ACS
    // points elsewhere (the signature-wrapping class samael's own verifier once missed: the signed node must be the root).
    let env = Env::start().await;
    let req = env.req("aruba", Level::L2);
    let genuine = sign_enveloped(&req.xml(), req.id.as_deref().unwrap(), &env.driver.key).unwrap();
    let mut forged = req.clone();
    forged.id = Some("_evil".into());
    forged.acs_index = Some("1".into());
    let forged_xml = forged.xml();
    let sig_start = genuine.find("<ds:Signature").unwrap();
    let sig_end = genuine.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let issuer_end = forged_xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    let wrapped = format!(
        "{}{}<samlp:Extensions>{}</samlp:Extensions>{}",
        &forged_xml[..issuer_end],
        &genuine[sig_start..sig_end],
        genuine,
        &forged_xml[issuer_end..]
    );
    let reply = env
        .driver
        .post_request(&env.sso("aruba"), &wrapped, None)
        .await;
    assert_page(&reply, 7);
    let detail = first_refusal(&env);
    assert!(
        detail.contains("wrapping") || detail.contains("verify"),
        "{detail}"
    );
}

/// What the request log says about the first request received, which was refused.
fn first_refusal(env: &Env) -> String {
    let log = env.fed.received_requests();
    let first = log.first().expect("a request was received");
    first.detail.clone().expect("a refusal names its reason")
}

#[tokio::test]
async fn a_redirect_query_in_lowercase_hex_verifies() {
    // .NET's HttpUtility.UrlEncode writes %2f, not %2F; the signature covers those bytes.
    let env = Env::start().await;
    let req = env.req("aruba", Level::L1);
    let q = encode_redirect(MessageKind::Request, &req.xml(), Some("a/b+c"), None);
    let lower = lowercase_hex(&q)
        + "&SigAlg="
        + &lowercase_hex(&url_encode(mock_idps::saml::ns::SIG_RSA_SHA256));
    let sig = env.driver.key.sign_rsa_sha256(lower.as_bytes());
    let full = format!(
        "{lower}&Signature={}",
        lowercase_hex(&url_encode(
            &base64::engine::general_purpose::STANDARD.encode(sig)
        ))
    );
    assert_ne!(full, full.to_uppercase());
    match env
        .driver
        .get(&format!("{}?{full}", env.sso("aruba")))
        .await
    {
        Reply::Page { status, body } => {
            assert_eq!(status, 200);
            assert!(body.contains("login-form"), "{body}");
        }
        other => panic!("{other:?}"),
    }
}

fn lowercase_hex(q: &str) -> String {
    let mut out = String::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for _ in 0..2 {
                if let Some(h) = chars.next() {
                    out.push(h.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn missing_sig_alg_is_nr04_not_a_panic() {
    let env = Env::start().await;
    let req = env.req("poste", Level::L1);
    let q = encode_redirect(
        MessageKind::Request,
        &req.xml(),
        None,
        Some(&env.driver.key),
    );
    let without_alg: Vec<&str> = q.split('&').filter(|p| !p.starts_with("SigAlg=")).collect();
    let reply = env
        .driver
        .get(&format!("{}?{}", env.sso("poste"), without_alg.join("&")))
        .await;
    assert_page(&reply, 4);
}

#[tokio::test]
async fn an_inflation_bomb_is_refused() {
    let env = Env::start().await;
    let bomb = format!("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">{}</samlp:AuthnRequest>", " ".repeat(300 * 1024));
    let q = encode_redirect(MessageKind::Request, &bomb, None, None);
    let reply = env.driver.get(&format!("{}?{q}", env.sso("poste"))).await;
    assert_page(&reply, 4);
    let detail = first_refusal(&env);
    assert!(detail.contains("256 KiB"), "{detail}");
}

#[rstest::rstest]
#[case::doctype("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>")]
#[case::entity("<x><!ENTITY e \"boom\"></x>")]
#[tokio::test]
async fn dtd_and_entities_are_refused(#[case] xml: &str) {
    let env = Env::start().await;
    let reply = env.driver.post_request(&env.sso("poste"), xml, None).await;
    assert_page(&reply, 8);
    let detail = first_refusal(&env);
    assert!(detail.contains("DOCTYPE"), "{detail}");
}

#[tokio::test]
async fn unknown_provider_is_a_clear_404() {
    let env = Env::start().await;
    match env
        .driver
        .get(&format!("{}/idp/posteid/metadata", env.fed.base_url()))
        .await
    {
        Reply::Page { status, body } => {
            assert_eq!(status, 404);
            assert!(body.contains("poste") && body.contains("posteid"), "{body}");
        }
        other => panic!("{other:?}"),
    }
    let _ = Binding::Post;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn the_redirect_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = decode_redirect(&text);
        let deflated = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let _ = decode_redirect(&format!("SAMLRequest={}", url_encode(&deflated)));
    }

    #[test]
    fn the_post_decoder_and_parser_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        if let Ok(xml) = decode_post(&b64, "SAMLRequest") {
            if let Ok(doc) = XmlDoc::parse(&xml) {
                let _ = mock_idps::saml::authn_request::AuthnRequest::from_doc(&doc);
            }
        }
    }

    #[test]
    fn authn_request_parsing_never_panics(s in "\\PC{0,400}") {
        let xml = format!("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"{s}\">{s}</samlp:AuthnRequest>");
        if let Ok(doc) = XmlDoc::parse(&xml) {
            let _ = mock_idps::saml::authn_request::AuthnRequest::from_doc(&doc);
        }
    }
}
