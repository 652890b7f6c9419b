//! `xmllint` against the OASIS SAML 2.0 schemas in `fixtures/xsd` (offline, `--nonet`).

use crate::sp::Binding;
use crate::{xmllint_schema, Env, TempDir};
use mock_idps::spid::level::Level;

const METADATA_XSD: &str = "saml-schema-metadata-2.0.xsd";
const PROTOCOL_XSD: &str = "saml-schema-protocol-2.0.xsd";

#[track_caller]
fn assert_valid(dir: &TempDir, what: &str, xml: &str, xsd: &str) {
    let run = xmllint_schema(dir, xml, xsd);
    run.assert_ok(
        "validates",
        &format!("xmllint on {what} against {xsd}"),
        xml,
    );
}

#[tokio::test]
async fn every_provider_metadata_and_the_registry_feed_are_schema_valid() {
    let env = Env::start().await;
    let dir = TempDir::new("md-schema");
    let state = env.fed.state();
    assert_eq!(state.idps.len(), state.fixtures.providers.len());
    for idp in &state.idps {
        assert_valid(
            &dir,
            &format!("{} metadata", idp.provider.id),
            &idp.metadata,
            METADATA_XSD,
        );
    }
    assert_valid(&dir, "the registry feed", &state.registry_xml, METADATA_XSD);
    // The oracle is not blind: an element out of order is refused.
    let broken = state.idps[0]
        .metadata
        .replacen("<md:NameIDFormat>", "<md:NameIDFormatX>", 1)
        .replacen("</md:NameIDFormat>", "</md:NameIDFormatX>", 1);
    assert!(!xmllint_schema(&dir, &broken, METADATA_XSD).ok);
}

#[tokio::test]
async fn responses_and_error_responses_are_schema_valid() {
    let env = Env::start().await;
    let dir = TempDir::new("protocol-schema");
    for (provider, level) in [
        ("poste", Level::L3),
        ("lepida", Level::L1),
        ("namirial", Level::L2),
    ] {
        let (_, xml) = env.login_at(provider, level, Binding::Post).await;
        assert_valid(
            &dir,
            &format!("{provider} {level} Response"),
            &xml,
            PROTOCOL_XSD,
        );
    }
    let (_, xml) = env.login_at("infocert", Level::L3, Binding::Redirect).await;
    assert!(xml.contains("ErrorCode nr20"), "{xml}");
    assert_valid(&dir, "the nr20 Response", &xml, PROTOCOL_XSD);
    // A Response without its required Status is refused.
    let start = xml.find("<samlp:Status>").unwrap();
    let end = xml.find("</samlp:Status>").unwrap() + "</samlp:Status>".len();
    let broken = format!("{}{}", &xml[..start], &xml[end..]);
    assert!(!xmllint_schema(&dir, &broken, PROTOCOL_XSD).ok);
}
