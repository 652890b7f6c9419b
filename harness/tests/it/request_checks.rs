//! The AuthnRequest checks: the strict reference SP's requests (both bindings) pass every check,
//! each error-severity check fails on the reference-SP mutant of the same name (the table check
//! id → switch), and the catalogue is snapshotted.

use harness::conformance::reference;
use harness::conformance::request::{self, checks::REQUEST_CHECKS};
use harness::report::Severity;
use reference_sp::faults::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strict_reference_sp_passes_every_check() {
    let state = reference::mock_state().unwrap();
    let sp = reference::start(&state, Faults::none()).await.unwrap();
    let entries = request::run(&sp.target, &[]).await;
    assert!(entries.iter().any(|e| e.id.ends_with("/redirect")));
    assert!(entries.iter().any(|e| e.id.ends_with("/post")));
    crate::assert_all_passed(&entries);
    sp.sp.shutdown().await;
}

/// Check id → the reference-SP switch that breaks it (the switches have the checks' names).
const MUTANTS: &[(&str, &str)] = &[
    ("req-decodes", "req-decodes"),
    ("req-no-dtd", "req-no-dtd"),
    ("req-id", "req-id"),
    ("req-id-format", "req-id-format"),
    ("req-id-unique", "req-id-unique"),
    ("req-version", "req-version"),
    ("req-issue-instant", "req-issue-instant"),
    ("req-issue-instant-format", "req-issue-instant-format"),
    ("req-issue-instant-skew", "req-issue-instant-skew"),
    ("req-destination", "req-destination"),
    ("req-destination-value", "req-destination-value"),
    ("req-force-authn", "req-force-authn"),
    ("req-is-passive", "req-is-passive"),
    ("req-acs-index-xor-url", "req-acs-index-xor-url"),
    ("req-acs-index-in-metadata", "req-acs-index-in-metadata"),
    ("req-acs-url-in-metadata", "req-acs-url-in-metadata"),
    ("req-protocol-binding", "req-protocol-binding"),
    ("req-attribute-index", "req-attribute-index"),
    (
        "req-attribute-index-in-metadata",
        "req-attribute-index-in-metadata",
    ),
    ("req-issuer", "req-issuer"),
    ("req-issuer-value", "req-issuer-value"),
    ("req-issuer-format", "req-issuer-format"),
    ("req-issuer-name-qualifier", "req-issuer-name-qualifier"),
    ("req-name-id-policy", "req-name-id-policy"),
    ("req-name-id-policy-format", "req-name-id-policy-format"),
    (
        "req-name-id-policy-allow-create",
        "req-name-id-policy-allow-create",
    ),
    ("req-requested-authn-context", "req-requested-authn-context"),
    ("req-comparison", "req-comparison"),
    ("req-authn-context-single", "req-authn-context-single"),
    ("req-authn-context-class-ref", "req-authn-context-class-ref"),
    ("req-subject", "req-subject"),
    ("req-conditions", "req-conditions"),
    ("req-scoping", "req-scoping"),
    ("req-purpose", "req-purpose"),
    ("req-relay-state", "req-relay-state"),
    ("req-relay-state-length", "req-relay-state-length"),
    ("req-relay-state-opaque", "req-relay-state-opaque"),
    ("req-redirect-sigalg", "req-redirect-sigalg"),
    ("req-redirect-signature", "req-redirect-signature"),
    ("req-redirect-sigalg-allowed", "req-redirect-sigalg-allowed"),
    (
        "req-redirect-signature-valid",
        "req-redirect-signature-valid",
    ),
    (
        "req-redirect-no-xml-signature",
        "req-redirect-no-xml-signature",
    ),
    ("req-post-signature", "req-post-signature"),
    (
        "req-post-signature-algorithm",
        "req-post-signature-algorithm",
    ),
    ("req-post-digest-algorithm", "req-post-digest-algorithm"),
    ("req-post-signature-valid", "req-post-signature-valid"),
    (
        "req-post-signature-covers-root",
        "req-post-signature-covers-root",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_check_fails_on_its_mutant() {
    let state = reference::mock_state().unwrap();
    let mut bad = Vec::new();
    for (id, fault) in MUTANTS {
        let sp = crate::reference_sp(&state, fault).await;
        let only = vec![id.to_string()];
        let entries = request::run(&sp.target, &only).await;
        // The check must run and fail on at least one captured request.
        let failed = entries
            .iter()
            .any(|e| e.id.starts_with(&format!("{id}/")) && !e.passed);
        if !failed {
            bad.push(format!(
                "{id} ({fault}): {:?}",
                entries
                    .iter()
                    .map(|e| (&e.id, e.passed, &e.error))
                    .collect::<Vec<_>>()
            ));
        }
        sp.sp.shutdown().await;
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_error_check_has_a_mutant() {
    let mutants: Vec<(&str, &str)> = MUTANTS.iter().map(|(m, f)| (*m, *f)).collect();
    crate::assert_each_error_check_has_a_mutant(REQUEST_CHECKS.iter().map(|c| &c.info), &mutants);
}

#[test]
fn catalogue_snapshot() {
    let text: String = REQUEST_CHECKS
        .iter()
        .map(|c| {
            format!(
                "{} | {:?} | {:?} | {}\n",
                c.info.id, c.info.severity, c.applies, c.info.rule
            )
        })
        .collect();
    insta::assert_snapshot!(text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_reference_sp_passes_metadata_and_request_checks() {
    use harness::conformance::metadata::Profile;
    let state = reference::mock_state().unwrap();
    let sp = reference::start(&state, Faults::none()).await.unwrap();
    let entries = harness::conformance::sp_checks(&sp.target, Profile::SpidSpPublic, &[])
        .await
        .unwrap();
    assert!(entries
        .iter()
        .any(|e| e.family.as_deref() == Some("metadata")));
    assert!(entries
        .iter()
        .any(|e| e.family.as_deref() == Some("authn-request")));
    // Served on http://127.0.0.1: only the https checks warn, and a warning is not an error.
    let bad: Vec<&str> = entries
        .iter()
        .filter(|e| !e.passed && e.severity != Some(Severity::Warning))
        .map(|e| e.id.as_str())
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    let warned: Vec<&str> = entries
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(warned, vec!["md-slo-https", "md-acs-https"]);
    sp.sp.shutdown().await;
}
