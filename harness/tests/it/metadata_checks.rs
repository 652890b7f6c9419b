//! The metadata checks: the strict reference SP's metadata passes every check of its profile,
//! each error-severity check fails on the reference-SP mutant of the same name (the table
//! check id → switch), non-XML metadata is a clear error, and the catalogue is snapshotted.

use harness::conformance::check::Outcome;
use harness::conformance::metadata::{self, checks::METADATA_CHECKS, Profile};
use harness::report::Severity;
use mock_idps::fixtures::generate::REFERENCE_SP_ENTITY_ID;
use reference_sp::faults::Faults;
use reference_sp::keys::SpKeys;
use reference_sp::metadata::{signed_metadata, MetadataPlan, Scheme};
use reference_sp::MetadataProfile;
use rstest::rstest;

/// The reference SP's metadata for `profile` (its SPID or its CIE document) with `faults` off,
/// on https endpoints (as in production).
fn reference_metadata(faults: &str, profile: Profile) -> String {
    let keys = SpKeys::embedded().unwrap();
    let faults = Faults::parse(faults).unwrap();
    signed_metadata(
        &MetadataPlan {
            entity_id: REFERENCE_SP_ENTITY_ID,
            acs: "https://reference-sp.spid-harness.example/acs",
            slo: "https://reference-sp.spid-harness.example/slo",
            profile: sp_profile(profile),
            scheme: if profile.is_cie() {
                Scheme::Cie
            } else {
                Scheme::Spid
            },
            faults: &faults,
        },
        &keys,
    )
    .unwrap()
}

fn sp_profile(p: Profile) -> MetadataProfile {
    if p.is_private() {
        MetadataProfile::Private
    } else {
        MetadataProfile::Public
    }
}

fn now() -> time::OffsetDateTime {
    time::macros::datetime!(2026-06-01 12:00 UTC)
}

#[rstest]
#[case(Profile::SpidSpPublic)]
#[case(Profile::SpidSpPrivate)]
#[case(Profile::CieSpPublic)]
#[case(Profile::CieSpPrivate)]
#[case(Profile::Saml2Sp)]
fn the_strict_reference_sp_passes_every_check(#[case] profile: Profile) {
    let xml = reference_metadata("", profile);
    let results = metadata::evaluate(&xml, profile, now(), &[]).unwrap();
    assert!(results.len() > 10);
    let bad: Vec<String> = results
        .iter()
        .filter(|(_, o)| !o.passed())
        .map(|(c, o)| format!("{}: {o:?}", c.info.id))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Error-severity check id → the profile to check its mutant with. The reference-SP switch
/// that breaks a check is named after it ([`switch_of`]). Every error-severity check is here
/// (see `every_error_check_has_a_mutant`).
const MUTANTS: &[(&str, Profile)] = &[
    ("md-entity-descriptor", Profile::SpidSpPublic),
    ("md-entity-id", Profile::SpidSpPublic),
    ("md-entity-id-https", Profile::SpidSpPublic),
    ("md-sp-descriptor", Profile::SpidSpPublic),
    ("md-protocol-support", Profile::SpidSpPublic),
    ("md-authn-requests-signed", Profile::SpidSpPublic),
    ("md-key-descriptor-signing", Profile::SpidSpPublic),
    ("md-key-descriptor-encryption", Profile::SpidSpPublic),
    ("md-name-id-format", Profile::SpidSpPublic),
    ("md-signature", Profile::SpidSpPublic),
    ("md-signature-algorithm", Profile::SpidSpPublic),
    ("md-digest-algorithm", Profile::SpidSpPublic),
    ("md-signature-covers-root", Profile::SpidSpPublic),
    ("md-signature-valid", Profile::SpidSpPublic),
    ("md-slo", Profile::SpidSpPublic),
    ("md-slo-binding", Profile::SpidSpPublic),
    ("md-slo-https", Profile::SpidSpPublic),
    ("md-acs", Profile::SpidSpPublic),
    ("md-acs-binding", Profile::SpidSpPublic),
    ("md-acs-index", Profile::SpidSpPublic),
    ("md-acs-default", Profile::SpidSpPublic),
    ("md-acs-https", Profile::SpidSpPublic),
    ("md-attribute-service", Profile::SpidSpPublic),
    ("md-attribute-service-index", Profile::SpidSpPublic),
    ("md-service-name", Profile::SpidSpPublic),
    ("md-requested-attribute", Profile::SpidSpPublic),
    ("md-requested-attribute-unique", Profile::SpidSpPublic),
    ("md-requested-attribute-name", Profile::SpidSpPublic),
    ("md-organization", Profile::SpidSpPublic),
    ("md-organization-lang", Profile::SpidSpPublic),
    ("md-organization-langs-match", Profile::SpidSpPublic),
    ("md-organization-url", Profile::SpidSpPublic),
    ("md-contact-other", Profile::SpidSpPublic),
    ("md-contact-email", Profile::SpidSpPublic),
    ("md-contact-phone", Profile::SpidSpPublic),
    ("md-public-private", Profile::SpidSpPublic),
    ("md-ipa-code", Profile::SpidSpPublic),
    ("md-vat-fiscal-code", Profile::SpidSpPrivate),
    ("md-vat-number-format", Profile::SpidSpPrivate),
    ("md-billing-contact", Profile::SpidSpPrivate),
    ("md-billing-email", Profile::SpidSpPrivate),
    ("md-cie-slo-redirect", Profile::CieSpPublic),
    ("md-cie-contact-administrative", Profile::CieSpPublic),
    ("md-cie-public-private", Profile::CieSpPrivate),
    ("md-cie-ipa-code", Profile::CieSpPublic),
    ("md-cie-fiscal-code", Profile::CieSpPrivate),
    ("md-cie-vat-number-format", Profile::CieSpPrivate),
    ("md-cie-nace2-code", Profile::CieSpPrivate),
    ("md-cie-municipality", Profile::CieSpPublic),
    ("md-cie-company", Profile::CieSpPrivate),
    ("md-cie-contact-email", Profile::CieSpPublic),
    // The shared checks fail on the CIE document too.
    ("md-requested-attribute-name", Profile::CieSpPublic),
    ("cert-parse", Profile::SpidSpPublic),
    ("cert-key-size", Profile::SpidSpPublic),
    ("cert-signature-hash", Profile::SpidSpPublic),
    ("cert-validity", Profile::SpidSpPublic),
    ("cert-subject-required", Profile::SpidSpPublic),
    ("cert-subject-forbidden", Profile::SpidSpPublic),
    ("cert-uri-entity-id", Profile::SpidSpPublic),
    ("cert-organization-name", Profile::SpidSpPublic),
    ("cert-common-name", Profile::SpidSpPublic),
    ("cert-organization-identifier", Profile::SpidSpPublic),
    ("cert-policy-agid", Profile::SpidSpPublic),
    ("cert-policy-sector", Profile::SpidSpPublic),
    ("cert-key-usage", Profile::SpidSpPublic),
    ("cert-basic-constraints", Profile::SpidSpPublic),
];

/// The reference-SP switch that breaks check `id`: its own name for the `md-` checks, the name
/// with `md-` before it for the certificate (`cert-`) checks.
fn switch_of(id: &str) -> String {
    if id.starts_with("md-") {
        id.to_string()
    } else {
        format!("md-{id}")
    }
}

#[test]
fn every_error_check_fails_on_its_mutant() {
    let mut bad = Vec::new();
    for (id, profile) in MUTANTS {
        let fault = switch_of(id);
        let xml = reference_metadata(&fault, *profile);
        let results = match metadata::evaluate(&xml, *profile, now(), &[]) {
            Ok(r) => r,
            Err(e) => {
                bad.push(format!("{id} ({fault}): metadata unreadable: {e}"));
                continue;
            }
        };
        match results.iter().find(|(c, _)| c.info.id == *id) {
            Some((_, Outcome::Fail(_))) => {}
            other => bad.push(format!(
                "{id} ({fault}): {:?}",
                other.map(|(_, o)| o.clone())
            )),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_error_check_has_a_mutant() {
    let switches: Vec<String> = MUTANTS.iter().map(|(id, _)| switch_of(id)).collect();
    let mutants: Vec<(&str, &str)> = MUTANTS
        .iter()
        .zip(&switches)
        .map(|((id, _), f)| (*id, f.as_str()))
        .collect();
    crate::assert_each_error_check_has_a_mutant(METADATA_CHECKS.iter().map(|c| &c.info), &mutants);
}

#[rstest]
#[case("not xml at all")]
#[case("<md:EntityDescriptor")]
#[case("<!DOCTYPE x [<!ENTITY e \"x\">]><x>&e;</x>")]
fn metadata_that_is_not_xml_is_a_clear_error(#[case] text: &str) {
    let e = metadata::run(text, Profile::SpidSpPublic, now(), &[]).unwrap_err();
    assert!(
        e.to_string().contains("the metadata is not usable XML"),
        "{e}"
    );
}

#[test]
fn an_idp_descriptor_is_not_sp_metadata() {
    let e = metadata::run(
        "<x xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\"/>",
        Profile::SpidSpPublic,
        now(),
        &[],
    )
    .unwrap_err();
    assert!(e.to_string().contains("no md:EntityDescriptor"), "{e}");
}

#[test]
fn loopback_http_endpoints_are_warnings_only() {
    let keys = SpKeys::embedded().unwrap();
    let faults = Faults::none();
    let xml = signed_metadata(
        &MetadataPlan {
            entity_id: REFERENCE_SP_ENTITY_ID,
            acs: "http://127.0.0.1:7001/acs",
            slo: "http://127.0.0.1:7001/slo",
            profile: MetadataProfile::Public,
            scheme: Scheme::Spid,
            faults: &faults,
        },
        &keys,
    )
    .unwrap();
    let entries = metadata::run(&xml, Profile::SpidSpPublic, now(), &[]).unwrap();
    let failed: Vec<(&str, Option<Severity>)> = entries
        .iter()
        .filter(|e| !e.passed)
        .map(|e| (e.id.as_str(), e.severity))
        .collect();
    assert_eq!(
        failed,
        vec![
            ("md-slo-https", Some(Severity::Warning)),
            ("md-acs-https", Some(Severity::Warning))
        ]
    );
}

#[test]
fn only_selects_by_id() {
    let xml = reference_metadata("", Profile::SpidSpPublic);
    let entries = metadata::run(
        &xml,
        Profile::SpidSpPublic,
        now(),
        &["cert-key-size".to_string(), "md-acs".to_string()],
    )
    .unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, vec!["md-acs", "cert-key-size"]);
}

#[test]
fn profile_names_round_trip() {
    for p in Profile::ALL {
        assert_eq!(p.as_str().parse::<Profile>().unwrap(), p);
    }
    assert!("spid".parse::<Profile>().is_err());
}

#[test]
fn catalogue_snapshot() {
    let text = crate::catalogue_text(METADATA_CHECKS, |c| {
        let profiles: Vec<&str> = Profile::ALL
            .iter()
            .filter(|p| c.scope.includes(**p))
            .map(|p| p.as_str())
            .collect();
        format!(
            "{} | {:?} | {} | {}\n",
            c.info.id,
            c.info.severity,
            profiles.join(","),
            c.info.rule
        )
    });
    insta::assert_snapshot!(text);
}

/// `check --against-reference --profile P`: the reference SP publishes the document of the
/// profile (its "Entra con CIE" metadata at `/cie/metadata` for `cie-sp-*`, the private variant
/// for `*-private`) and the whole suite passes on the strict SP, the CIE checks included.
#[rstest]
#[case("cie-sp-public")]
#[case("cie-sp-private")]
#[case("spid-sp-private")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_against_reference_passes_every_profile(#[case] profile: &str) {
    use harness::conformance::{run_suite, Service, SuiteConfig};
    let config = SuiteConfig {
        service: Service::Reference {
            faults: Faults::none(),
        },
        profile: profile.parse().expect("profile"),
        only: Vec::new(),
        jobs: 4,
        progress: false,
    };
    let run = run_suite(&config).await.expect("suite runs");
    let entries = &run.report.entries;
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert!(ids.contains(&"md-requested-attribute-name"), "{ids:?}");
    if profile.starts_with("cie") {
        assert!(ids.contains(&"md-cie-municipality"), "{ids:?}");
        // The CIE Response cases run too, signed as CIE ID.
        assert!(
            ids.contains(&"cie-1") && ids.contains(&"cie-anomaly-1"),
            "{ids:?}"
        );
        assert!(!ids.contains(&"md-contact-other"), "{ids:?}");
    } else {
        assert!(!ids.contains(&"cie-1"), "{ids:?}");
    }
    let bad: Vec<String> = entries
        .iter()
        .filter(|e| !e.passed && e.severity == Some(Severity::Error))
        .map(|e| format!("{}: {:?}", e.id, e.outcome))
        .collect();
    assert!(bad.is_empty(), "{profile}: {}", bad.join("\n"));
}

/// The CIE document the reference SP serves at `/cie/metadata` requests only the eIDAS minimum
/// attribute sets and carries the census contact in the CIE namespace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_sp_serves_its_cie_metadata() {
    let state = harness::conformance::reference::mock_state().expect("mocks");
    let sp = harness::conformance::reference::start(&state, Faults::none())
        .await
        .expect("sp")
        .sp;
    let urls = sp.urls();
    let xml = crate::get_text(&urls.cie_metadata).await;
    assert_eq!(xml, sp.cie_metadata_xml());
    assert_ne!(xml, sp.metadata_xml());
    assert!(xml.contains("https://www.cartaidentita.interno.gov.it/saml-extensions"));
    assert!(xml.contains("contactType=\"administrative\""));
    assert!(!xml.contains("Name=\"email\""), "{xml}");
    assert!(sp.metadata_xml().contains("Name=\"email\""));
    sp.shutdown().await;
}
