//! CNS: logins through the reference SP's "Entra con CNS", the check family on the strict SP
//! and on each `cns-*` mutant, and CRL rotation while the SP runs.

use harness::cns_card::{CardError, SmartCard};
use harness::cns_login::{present, CnsOutcome, CnsTarget};
use harness::conformance::reference;
use mock_idps::cns::CnsPki;
use mock_idps::federation::MockFederation;
use reference_sp::faults::Faults;
use reference_sp::{ReferenceSp, SpConfig};
use rstest::rstest;

async fn world(faults: &str) -> (MockFederation, ReferenceSp, CnsPki) {
    let fed = MockFederation::start().await.expect("federation");
    let cns = reference::cns_endpoint(fed.cns().expect("cns")).expect("cns config");
    let sp = ReferenceSp::start(SpConfig {
        idp_metadata: vec![fed.state().registry_xml.clone()],
        faults: Faults::parse(faults).expect("faults"),
        cns: Some(cns),
        ..SpConfig::default()
    })
    .await
    .expect("reference SP");
    (fed, sp, CnsPki::embedded().expect("pki"))
}

fn target(sp: &ReferenceSp, pki: &CnsPki) -> CnsTarget {
    CnsTarget {
        login_url: sp.urls().cns_login.expect("cns login url"),
        server_roots_pem: vec![pki.server_root_pem().expect("root").to_string()],
        accept_invalid_server_cert: false,
    }
}

#[tokio::test]
async fn valid_card_logs_in_after_the_pin_and_a_blocked_card_cannot() {
    let (_fed, sp, pki) = world("").await;
    let card = pki.card("mario.rossi", "valid").expect("card");
    let mut smart = SmartCard::new(&card.cert_pem, &card.key_pem, "12345678", "87654321");
    let cred = smart.unlock("12345678").expect("right PIN");
    let (outcome, _) = present(&target(&sp, &pki), Some(&cred))
        .await
        .expect("reachable");
    match outcome {
        CnsOutcome::Accepted { body, .. } => {
            assert!(
                body.contains("data-fiscal-number=\"RSSMRA80A01H501U\""),
                "{body}"
            );
        }
        other => panic!("expected a login, got {other:?}"),
    }
    for _ in 0..3 {
        let _ = smart.unlock("00000000");
    }
    assert_eq!(smart.unlock("12345678"), Err(CardError::PinBlocked));
}

#[tokio::test]
async fn cns_family_passes_on_the_strict_reference_sp() {
    let (_fed, sp, pki) = world("").await;
    let entries = harness::conformance::cns::run(&target(&sp, &pki), &pki, "mario.rossi").await;
    assert_eq!(entries.len(), pki.table.variants.len() + 2);
    for e in &entries {
        assert_eq!(e.family.as_deref(), Some("cns"));
        assert!(e.passed, "{}: {:?} {:?}", e.id, e.sent, e.error);
    }
    // Refusals carry their reason.
    let revoked = entries
        .iter()
        .find(|e| e.id == "cns/revoked")
        .expect("revoked");
    assert!(
        revoked
            .sent
            .as_deref()
            .unwrap_or("")
            .contains("CertificateRevoked"),
        "{:?}",
        revoked.sent
    );
    let no_cf = entries.iter().find(|e| e.id == "cns/no-cf").expect("no-cf");
    assert!(
        no_cf
            .sent
            .as_deref()
            .unwrap_or("")
            .contains("does not begin with a valid codice fiscale"),
        "{:?}",
        no_cf.sent
    );
}

/// Each `cns-*` switch off makes exactly the check of its variant fail.
#[rstest]
#[case::validity_expired("cns-validity", "cns/expired")]
#[case::validity_not_yet("cns-validity", "cns/not-yet-valid")]
#[case::revocation("cns-revocation", "cns/revoked")]
#[case::chain("cns-chain", "cns/unknown-ca")]
#[case::cf("cns-cf", "cns/no-cf")]
#[case::policy("cns-policy", "cns/cns-like")]
#[tokio::test]
async fn cns_family_catches_each_mutant(#[case] fault: &str, #[case] check: &str) {
    let (_fed, sp, pki) = world(fault).await;
    let entries = harness::conformance::cns::run(&target(&sp, &pki), &pki, "mario.rossi").await;
    let failed: Vec<&str> = entries
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.id.as_str())
        .collect();
    assert!(failed.contains(&check), "{fault}: failed {failed:?}");
    for e in &entries {
        assert!(e.error.is_none(), "{}: {:?}", e.id, e.error);
    }
}

#[tokio::test]
async fn a_card_revoked_while_the_sp_runs_is_refused_on_the_next_connection() {
    let (fed, sp, pki) = world("").await;
    let card = pki.card("giulia.bianchi", "valid").expect("card");
    let cred = format!("{}{}", card.cert_pem, card.key_pem);
    let t = target(&sp, &pki);
    let (before, _) = present(&t, Some(&cred)).await.expect("reachable");
    assert!(before.accepted(), "{before:?}");
    let authority = fed.cns().expect("cns");
    authority
        .revoke_certificate(card.cert_pem.as_bytes())
        .expect("revoke");
    // The SP refreshes its CRLs from the distribution points (here: the mock's, over HTTP).
    let urls = fed.urls().cns.expect("cns urls");
    let mut crls = Vec::new();
    for url in urls.crls.values() {
        crls.push(
            reqwest::get(url)
                .await
                .expect("crl")
                .bytes()
                .await
                .expect("body")
                .to_vec(),
        );
    }
    sp.set_cns_crls(crls).expect("new CRLs");
    let (after, _) = present(&t, Some(&cred)).await.expect("reachable");
    assert!(
        matches!(&after, CnsOutcome::RefusedTls { reason } if reason.contains("CertificateRevoked")),
        "{after:?}"
    );
    let log = sp.cns().expect("cns side").handshakes.entries();
    assert!(log.iter().any(|f| f.error.contains("Revoked")), "{log:?}");
}

/// The command path: `check --against-reference` runs the CNS family through `run_suite`, and
/// it catches a reference SP that stops checking revocation.
#[rstest]
#[case::strict("", true)]
#[case::mutant("cns-revocation", false)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_against_reference_runs_the_cns_family(#[case] faults: &str, #[case] passes: bool) {
    use harness::conformance::{run_suite, Service, SuiteConfig};
    let config = SuiteConfig {
        service: Service::Reference {
            faults: Faults::parse(faults).expect("faults"),
        },
        profile: "spid-sp-public".parse().expect("profile"),
        only: vec!["cns/revoked".to_string()],
        jobs: 1,
        progress: false,
    };
    let run = run_suite(&config).await.expect("suite runs");
    let ids: Vec<_> = run.report.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["cns/revoked"]);
    assert_eq!(run.report.all_passed(), passes, "{:?}", run.report.entries);
}
