use crate::support::world;
use reference_sp::faults::Faults;
use reference_sp::{MetadataProfile, SpConfig};
#[cfg(feature = "interop")]
use std::process::Command;

#[cfg(feature = "interop")]
fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn check(profile: MetadataProfile) {
    let w = crate::support::world_with(SpConfig {
        profile,
        ..SpConfig::default()
    })
    .await;
    let served = reqwest::get(w.sp.urls().metadata)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served, w.sp.metadata_xml());
    let xml = served;
    for needle in [
        "AuthnRequestsSigned=\"true\"",
        "WantAssertionsSigned=\"true\"",
        "isDefault=\"true\"",
        "xml:lang=\"it\"",
        "contactType=\"other\"",
    ] {
        assert!(xml.contains(needle), "{needle}");
    }
    match profile {
        MetadataProfile::Public => assert!(
            xml.contains("<spid:IPACode>c_h501</spid:IPACode>") && xml.contains("<spid:Public/>")
        ),
        MetadataProfile::Private => assert!(
            xml.contains("<spid:Private/>")
                && xml.contains("contactType=\"billing\"")
                && xml.contains("CessionarioCommittente")
        ),
    }
    cli_checks(&xml, profile);
}

/// The independent tools: `xmllint` against the OASIS schema and `xmlsec1` on the signature.
/// Behind the `interop` feature (a fresh machine has neither tool); CI installs both and runs it,
/// and there the tools must be present: nothing is skipped.
#[cfg(feature = "interop")]
fn cli_checks(xml: &str, profile: MetadataProfile) {
    let dir = std::env::temp_dir().join(format!("refsp-md-{}-{:?}", std::process::id(), profile));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("metadata.xml");
    std::fs::write(&file, xml).unwrap();
    succeeds(
        Command::new("xmllint")
            .args(["--noout", "--nonet", "--schema"])
            .arg(workspace().join("fixtures/xsd/saml-schema-metadata-2.0.xsd"))
            .arg(&file),
    );
    let cert = workspace().join("fixtures/keys/reference-sp.crt.pem");
    succeeds(
        Command::new("xmlsec1")
            .args([
                "--verify",
                "--enabled-reference-uris",
                "same-doc",
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
                "--pubkey-cert-pem",
            ])
            .arg(cert)
            .arg(&file),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(not(feature = "interop"))]
fn cli_checks(_xml: &str, _profile: MetadataProfile) {}

#[tokio::test]
async fn public_metadata_validates_and_verifies() {
    check(MetadataProfile::Public).await;
}

#[tokio::test]
async fn private_metadata_validates_and_verifies() {
    check(MetadataProfile::Private).await;
}

#[tokio::test]
async fn the_mock_idps_accept_our_metadata() {
    let w = world(Faults::none()).await;
    assert!(w
        .fed
        .state()
        .sp_ids()
        .contains(&mock_idps::fixtures::generate::REFERENCE_SP_ENTITY_ID.to_string()));
}

/// Runs `command`; panics with its standard error unless it succeeds.
#[cfg(feature = "interop")]
fn succeeds(command: &mut Command) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        command.get_program().to_string_lossy(),
        String::from_utf8_lossy(&out.stderr)
    );
}
