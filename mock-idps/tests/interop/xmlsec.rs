//! The `xmlsec1` CLI (libxmlsec1 on OpenSSL) as an independent signature oracle: both
//! signatures of every Response, error Responses, provider metadata and the registry feed; and
//! tampered or wrongly keyed documents fail.

use crate::sp::Binding;
use crate::{
    cert_pem, every_login, xmlsec1_verify, Env, TempDir, ASSERTION_SIGNATURE, TOP_SIGNATURE,
};
use mock_idps::spid::level::Level;

#[track_caller]
fn assert_verifies(dir: &TempDir, what: &str, xml: &str, cert: &str, xpath: &str) {
    let run = xmlsec1_verify(dir, xml, cert, xpath);
    run.assert_ok("OK", &format!("xmlsec1 on {what} ({xpath})"), xml);
}

#[track_caller]
fn assert_fails(dir: &TempDir, what: &str, xml: &str, cert: &str, xpath: &str) {
    let run = xmlsec1_verify(dir, xml, cert, xpath);
    assert!(!run.ok, "xmlsec1 accepted {what} ({xpath}): {}", run.output);
}

#[tokio::test]
async fn xmlsec1_verifies_both_signatures_of_every_response() {
    let env = Env::start().await;
    let dir = TempDir::new("responses");
    for l in every_login(&env, &[Binding::Post]).await {
        let what = format!("{} {} Response", l.provider, l.level);
        let cert = env.cert_pem(&l.provider);
        assert_eq!(
            l.xml.matches("</ds:Signature>").count(),
            2,
            "{what}: two signatures"
        );
        assert_verifies(&dir, &what, &l.xml, &cert, TOP_SIGNATURE);
        assert_verifies(&dir, &what, &l.xml, &cert, ASSERTION_SIGNATURE);
    }
}

#[tokio::test]
async fn xmlsec1_verifies_an_error_response() {
    let env = Env::start().await;
    let dir = TempDir::new("error");
    let (_, xml) = env.login_at("infocert", Level::L3, Binding::Post).await;
    assert!(xml.contains("ErrorCode nr20"), "{xml}");
    assert_verifies(
        &dir,
        "the nr20 Response",
        &xml,
        &env.cert_pem("infocert"),
        TOP_SIGNATURE,
    );
}

#[tokio::test]
async fn xmlsec1_refuses_tampered_or_wrongly_keyed_responses() {
    let env = Env::start().await;
    let dir = TempDir::new("tampered");
    let (_, xml) = env.login_at("aruba", Level::L2, Binding::Post).await;
    let cert = env.cert_pem("aruba");
    assert_verifies(&dir, "the genuine Response", &xml, &cert, TOP_SIGNATURE);
    assert_verifies(
        &dir,
        "the genuine Response",
        &xml,
        &cert,
        ASSERTION_SIGNATURE,
    );

    // Inside the Assertion: both signatures cover it.
    let in_assertion = xml.replace(Level::L2.uri(), Level::L3.uri());
    assert_ne!(in_assertion, xml);
    assert_fails(
        &dir,
        "a changed AuthnContextClassRef",
        &in_assertion,
        &cert,
        TOP_SIGNATURE,
    );
    assert_fails(
        &dir,
        "a changed AuthnContextClassRef",
        &in_assertion,
        &cert,
        ASSERTION_SIGNATURE,
    );

    // Outside the Assertion: only the Response signature covers it.
    let destination = crate::sp::ACS0;
    let outside = xml.replacen(
        &format!("Destination=\"{destination}\""),
        &format!("Destination=\"{destination}-evil\""),
        1,
    );
    assert_ne!(outside, xml);
    assert_fails(
        &dir,
        "a changed Destination",
        &outside,
        &cert,
        TOP_SIGNATURE,
    );
    assert_verifies(
        &dir,
        "a changed Destination",
        &outside,
        &cert,
        ASSERTION_SIGNATURE,
    );

    // The certificate in KeyInfo is not trusted: another provider's key does not verify.
    let other = env.cert_pem("poste");
    assert_fails(
        &dir,
        "the Response under poste's key",
        &xml,
        &other,
        TOP_SIGNATURE,
    );
    assert_fails(
        &dir,
        "the Response under poste's key",
        &xml,
        &other,
        ASSERTION_SIGNATURE,
    );
}

#[tokio::test]
async fn xmlsec1_verifies_provider_metadata_and_the_registry_feed() {
    let env = Env::start().await;
    let dir = TempDir::new("metadata");
    let state = env.fed.state();
    for idp in &state.idps {
        let what = format!("{} metadata", idp.provider.id);
        let cert = cert_pem(idp.key.cert_base64());
        assert_verifies(&dir, &what, &idp.metadata, &cert, TOP_SIGNATURE);
        // What the metadata URL serves is the same signed document.
        let served = test_support::fetch_text(&env.driver.client, &idp.metadata_url).await;
        assert_verifies(&dir, &what, &served, &cert, TOP_SIGNATURE);
        let tampered = idp
            .metadata
            .replacen(&idp.sso_url, "https://evil.example/sso", 1);
        assert_ne!(tampered, idp.metadata);
        assert_fails(
            &dir,
            &format!("tampered {what}"),
            &tampered,
            &cert,
            TOP_SIGNATURE,
        );
    }
    let registry_cert = cert_pem(state.fixtures.keys.get("registry").unwrap().cert_base64());
    assert_verifies(
        &dir,
        "the registry feed",
        &state.registry_xml,
        &registry_cert,
        TOP_SIGNATURE,
    );
    let served = test_support::fetch_text(&env.driver.client, env.fed.urls().registry).await;
    assert_verifies(
        &dir,
        "the served registry feed",
        &served,
        &registry_cert,
        TOP_SIGNATURE,
    );
    // Signed by the registry, not by a provider.
    assert_fails(
        &dir,
        "the registry feed under a provider key",
        &state.registry_xml,
        &env.cert_pem("poste"),
        TOP_SIGNATURE,
    );
    let idp = &state.idps[0];
    let tampered = state
        .registry_xml
        .replacen(&idp.sso_url, "https://evil.example/sso", 1);
    assert_fails(
        &dir,
        "a tampered registry feed",
        &tampered,
        &registry_cert,
        TOP_SIGNATURE,
    );
}
