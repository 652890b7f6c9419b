//! `check --oidc` against a relying party reached only through its URLs: the reference RP
//! started as if it were someone else's (its own server on a loopback port, on-boarded through
//! the federation's HTTP admin API, `reference_rp::app::start`) gives the verdicts of
//! `--against-reference` (the requests it sends included), strict and as mutants; the
//! revocation checks skipped without `--logout-url`; the binary end to end through the
//! trust-anchor handover file; and each bad input with its message and exit code.

use harness::conformance::oidc::{
    self, outside, Handover, OidcRun, OidcSuiteError, OutsideConfig, OutsideWorld, RpDocument,
    RpUrls,
};
use harness::exit;
use reference_rp::app::{AppConfig, RunningRp};
use reference_rp::Faults;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

async fn reference_rp_outside(
    urls: mock_idps::FederationUrls,
    faults: &str,
    port: u16,
) -> RunningRp {
    reference_rp::app::start(AppConfig {
        bind: loopback(port),
        urls,
        faults: Faults::parse(faults).expect("faults"),
        admin_token: None,
        clock: Arc::new(mock_idps::SystemClock),
    })
    .await
    .expect("the reference RP starts and on-boards itself")
}

/// A fresh federation and the reference RP with `faults` off, on-boarded to it as an outside RP.
async fn outside_world(faults: &str) -> (OutsideWorld, RunningRp) {
    let world = OutsideWorld::start(loopback(0)).await.expect("federation");
    let rp = reference_rp_outside(world.federation.urls(), faults, 0).await;
    (world, rp)
}

/// Asserts `err` is a bad input (exit 2) whose hint names the option `option`.
fn assert_bad_input_hinting(err: &OidcSuiteError, option: &str) {
    assert_eq!(err.exit_code(), exit::BAD_INPUT, "{err:?}");
    assert!(err.hint().expect("hint").contains(option), "{err:?}");
}

/// The entry `id` of `run` (the test fails when it is missing).
fn entry<'r>(run: &'r OidcRun, id: &str) -> &'r harness::report::Entry {
    run.report
        .entries
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

/// Why an entry was not run, if it was not.
fn not_run(e: &harness::report::Entry) -> Option<harness::report::NotRunKind> {
    e.not_run.as_ref().map(|n| n.kind)
}

fn config(base: &str, probe: &str) -> OutsideConfig {
    OutsideConfig {
        rp: RpDocument::EntityId(base.to_string()),
        urls: RpUrls {
            login: format!("{base}/oidc/login?op={{op}}&level={{level}}"),
            probe: format!("{base}{probe}"),
            refresh: Some(format!("{base}/refresh")),
            callback_rewrite: None,
            logout: Some(format!("{base}/logout")),
        },
        profile: None,
        rp_wait: Duration::ZERO,
        only: Vec::new(),
    }
}

/// id → (passed, accepted) of every entry.
fn verdicts(report: &harness::report::RunReport) -> BTreeMap<String, (bool, Option<bool>)> {
    report
        .entries
        .iter()
        .map(|e| {
            assert!(e.error.is_none(), "{}: {:?}", e.id, e.error);
            (
                e.id.clone(),
                (e.passed, e.verdict.as_ref().map(|v| v.accepted)),
            )
        })
        .collect()
}

async fn outside_verdicts(faults: &str) -> BTreeMap<String, (bool, Option<bool>)> {
    let run = strict_outside_run(faults, |_, _| {}).await;
    verdicts(&run.expect("the outside run").report)
}

/// `check --oidc` outside, against the reference RP with the switches `faults` off started
/// as someone else's would be, its configuration (probe `/me`) changed by `edit` (given the
/// RP's base URL); the RP is stopped before the result is returned.
async fn strict_outside_run(
    faults: &str,
    edit: impl FnOnce(&mut OutsideConfig, &str),
) -> Result<OidcRun, OidcSuiteError> {
    let (world, rp) = outside_world(faults).await;
    let mut c = config(&rp.base_url(), "/me");
    edit(&mut c, &rp.base_url());
    let run = outside::run_outside(&world, &c, false).await;
    rp.shutdown().await;
    run
}

#[rstest::rstest]
#[case::strict("")]
#[case::mutant("nonce,id-token-alg")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_rp_reached_by_its_urls_gets_the_verdicts_of_against_reference(
    #[case] faults: &str,
) {
    let outside = outside_verdicts(faults).await;
    let reference = oidc::run_against_reference(Faults::parse(faults).expect("faults"), &[], false)
        .await
        .expect("the reference run");
    // Every family, the requests the RP sends (`oidc-req-*`) included, judged alike.
    let reference = verdicts(&reference.report);
    assert_eq!(outside, reference);
    assert_eq!(
        outside
            .keys()
            .filter(|id| id.starts_with(oidc::request::PREFIX))
            .count(),
        oidc::request::REQUEST_CHECKS.len()
    );
    let failed = outside.values().filter(|(passed, _)| !passed).count();
    if faults.is_empty() {
        assert_eq!(failed, 0, "{outside:?}");
    } else {
        assert!(failed > 0, "the mutant must fail some case: {outside:?}");
    }
}

/// A sending mutant (a switch of `reference_rp::sending`) reached only through its URLs gets
/// the request verdicts of `--against-reference`, and fails the check it breaks. The request
/// family alone: the strict mock OPs refuse the broken request, so the control login of the
/// answer cases could not end logged in.
#[rstest::rstest]
#[case::pkce("pkce-plain", "oidc-req-authz-pkce-method")]
#[case::pkce_reused("pkce-reused", "oidc-req-authz-pkce-fresh")]
#[case::nonce("nonce-short", "oidc-req-authz-nonce")]
#[case::nonce_reused("nonce-reused", "oidc-req-authz-nonce-fresh")]
#[case::logout("logout-revokes-refresh", "oidc-req-revoke-cie-refresh-kept")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sending_mutant_reached_by_its_urls_gets_the_request_verdicts_of_against_reference(
    #[case] switch: &str,
    #[case] broken: &str,
) {
    let only: Vec<String> = oidc::request::REQUEST_CHECKS
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    let run = strict_outside_run(switch, |c, _| c.only = only.clone());
    let outside = verdicts(&run.await.expect("the outside run").report);
    let reference =
        oidc::run_against_reference(Faults::parse(switch).expect("switch"), &only, false)
            .await
            .expect("the reference run");
    assert_eq!(outside, verdicts(&reference.report));
    assert_eq!(outside.len(), only.len());
    assert_eq!(outside.get(broken).map(|v| v.0), Some(false), "{outside:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_logout_url_the_revocation_checks_are_skipped_naming_the_option() {
    let revocation: Vec<&str> = oidc::request::REQUEST_CHECKS
        .iter()
        .filter(|c| c.stage == oidc::request::Stage::Revocation)
        .map(|c| c.id)
        .collect();
    assert!(revocation.contains(&"oidc-req-revoke-at-logout"));
    assert!(revocation.contains(&"oidc-req-revoke-cie-refresh-kept"));
    // On the mutant that never revokes: skipped, not failed (nor passed).
    let run = strict_outside_run("logout-no-revocation", |c, _| {
        c.urls.logout = None;
        c.only = revocation
            .iter()
            .map(|s| s.to_string())
            .chain(["oidc-req-authz-nonce".to_string()])
            .collect();
    });
    let run = run.await.expect("run");
    assert_eq!(run.report.entries.len(), revocation.len() + 1);
    for e in &run.report.entries {
        if e.id == "oidc-req-authz-nonce" {
            assert!(e.passed && e.not_run.is_none(), "{e:?}");
            continue;
        }
        let n = e
            .not_run
            .as_ref()
            .unwrap_or_else(|| panic!("{} judged", e.id));
        assert_eq!(n.kind, harness::report::NotRunKind::Skipped, "{}", e.id);
        assert!(n.reason.contains("--logout-url"), "{}", n.reason);
        assert!(!e.passed, "{}", e.id);
    }
    // With the logout URL the same mutant fails the revocation at logout.
    let run = strict_outside_run("logout-no-revocation", |c, _| {
        c.only = vec!["oidc-req-revoke-at-logout".into()];
    });
    let e = &run.await.expect("run").report.entries[0];
    assert!(!e.passed && e.not_run.is_none(), "{e:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_selects_the_cases_of_its_op_kind() {
    let run = strict_outside_run("", |c, _| {
        c.profile = Some("cie-oidc-rp".parse().expect("profile"));
        c.urls.refresh = None;
    });
    let run = run.await.expect("run");
    let cases: Vec<_> = run
        .report
        .entries
        .iter()
        .filter(|e| e.family.as_deref() == Some(oidc::FAMILY))
        .collect();
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|e| e.provider.as_deref() == Some("cie")));
    let failed: Vec<_> = cases
        .iter()
        .filter(|e| !e.passed && e.not_run.is_none())
        .map(|e| (&e.id, &e.verdict, &e.error))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_refresh_url_the_refresh_cases_are_skipped_not_failed() {
    let run = strict_outside_run("", |c, _| c.urls.refresh = None);
    let run = run.await.expect("run");
    let refresh: Vec<_> = run
        .report
        .entries
        .iter()
        .filter(|e| e.outcome == "crafted refreshed ID token")
        .collect();
    assert!(!refresh.is_empty());
    for e in refresh {
        let n = e.not_run.as_ref().expect("skipped");
        assert_eq!(n.kind, harness::report::NotRunKind::Skipped);
        assert!(n.reason.contains("--refresh-url"), "{}", n.reason);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entity_configuration_file_is_checked_without_its_content_type() {
    let (world, rp) = outside_world("").await;
    let dir = temp_dir("ec-file");
    let file = dir.join("ec.jwt");
    let jwt = crate::get_text(format!("{}/.well-known/openid-federation", rp.base_url())).await;
    std::fs::write(&file, jwt).unwrap();
    let mut c = config(&rp.base_url(), "/me");
    c.rp = RpDocument::File(file);
    c.only = vec![
        "oidc-ec-content-type".into(),
        "oidc-ec-iss-sub".into(),
        "oidc-login-cie".into(),
    ];
    let run = outside::run_outside(&world, &c, false).await.expect("run");
    rp.shutdown().await;
    let by_id = |id: &str| entry(&run, id);
    assert_eq!(
        not_run(by_id("oidc-ec-content-type")),
        Some(harness::report::NotRunKind::Skipped)
    );
    assert!(by_id("oidc-ec-iss-sub").passed);
    assert!(by_id("oidc-login-cie").passed);
    assert_eq!(run.report.entries.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_that_never_says_logged_in_stops_the_run_at_the_control() {
    let run = strict_outside_run("", |c, base| c.urls.probe = format!("{base}/nowhere"));
    let err = run.await.expect_err("no login can be seen");
    assert!(
        matches!(err, OidcSuiteError::ControlRefused { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("/nowhere"), "{err}");
    assert_bad_input_hinting(&err, "--probe-url");
}

/// With --profile spid-oidc-rp no CIE login is played: the CIE-only request check is "not
/// applicable", never "not determinable" nor passed; the others are judged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spid_profile_makes_the_cie_request_check_not_applicable() {
    let only = vec![
        "oidc-req-revoke-cie-refresh-kept".to_string(),
        "oidc-req-authz-pkce-method".to_string(),
    ];
    let run = strict_outside_run("", |c, _| {
        c.only = only.clone();
        c.profile = Some(oidc::OidcProfile::SpidOidcRp);
    })
    .await
    .expect("the outside run");
    let cie = entry(&run, "oidc-req-revoke-cie-refresh-kept");
    assert_eq!(
        not_run(cie),
        Some(harness::report::NotRunKind::NotApplicable),
        "{cie:?}"
    );
    assert!(entry(&run, "oidc-req-authz-pkce-method").passed);
}

/// An RP whose requests the strict OPs refuse stops at the control login, and the error says
/// which request checks its requests fail (the cause), not only that the login failed.
#[rstest::rstest]
#[case::pkce("pkce-plain", "oidc-req-authz-pkce-method")]
#[case::nonce("nonce-short", "oidc-req-authz-nonce")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_control_login_names_the_request_checks_the_rp_fails(
    #[case] switch: &str,
    #[case] broken: &str,
) {
    let err = strict_outside_run(switch, |_, _| {})
        .await
        .expect_err("the OPs refuse the broken request");
    assert!(
        matches!(
            err,
            OidcSuiteError::Control { .. } | OidcSuiteError::ControlRefused { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(broken), "{err}");
    assert!(
        err.hint().expect("hint").contains("what the RP sends"),
        "{err:?}"
    );
    // A sound RP whose probe never says logged in names no request check.
    let err = strict_outside_run("", |c, base| c.urls.probe = format!("{base}/nowhere"))
        .await
        .expect_err("no login can be seen");
    assert!(!err.to_string().contains("oidc-req-"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_url_nothing_answers_at_is_exit_3_and_an_entity_id_without_a_document_exit_2() {
    let (world, rp) = outside_world("").await;
    let mut c = config(&rp.base_url(), "/me");
    let nowhere = format!("http://127.0.0.1:{}", test_support::free_port());
    c.urls.login = format!("{nowhere}/login?op={{op}}");
    let err = outside::run_outside(&world, &c, false)
        .await
        .expect_err("nothing answers");
    assert_eq!(err.exit_code(), exit::UNREACHABLE, "{err:?}");
    assert!(harness::report::error_chain(&err).contains(&nowhere));
    // An entity ID whose well-known URL answers 404: the wrong URL, not an unreachable RP.
    let mut c = config(&rp.base_url(), "/me");
    c.rp = RpDocument::EntityId(format!("{}/not-the-entity-id", rp.base_url()));
    let err = outside::run_outside(&world, &c, false)
        .await
        .expect_err("no document");
    rp.shutdown().await;
    assert!(
        matches!(err, OidcSuiteError::RpDocumentStatus { .. }),
        "{err:?}"
    );
    assert_bad_input_hinting(&err, "--entity-id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_url_that_leads_to_no_op_is_exit_4() {
    // The index page: 200, no redirect to an OP.
    let run = strict_outside_run("", |c, base| c.urls.login = format!("{base}/?op={{op}}"));
    let err = run.await.expect_err("no authorization request");
    assert_eq!(err.exit_code(), exit::NO_AUTHN_REQUEST, "{err:?}");
    let chain = harness::report::error_chain(&err);
    assert!(chain.contains("led to no authorization request"), "{chain}");
}

// ---------------------------------------------------------------- the binary

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "spid-harness-oidc-outside-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spid_harness(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

async fn finished(child: std::process::Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_hands_over_the_trust_anchor_and_checks_an_rp_started_after_it() {
    let dir = temp_dir("e2e");
    let handover_file = dir.join("trust-anchor.json");
    let port = test_support::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let login = format!("{base}/oidc/login?op={{op}}&level={{level}}");
    let probe = format!("{base}/me");
    let refresh = format!("{base}/refresh");
    let child = spid_harness(&[
        "check",
        "--oidc",
        "--entity-id",
        &base,
        "--login-url",
        &login,
        "--probe-url",
        &probe,
        "--refresh-url",
        &refresh,
        "--logout-url",
        &format!("{base}/logout"),
        "--write-trust-anchor",
        handover_file.to_str().unwrap(),
        "--rp-wait",
        "60",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    // The RP reads the handover, then starts (the reference RP discovers the OPs from the
    // mocks' URLs the handover carries).
    // Up to two minutes: under a loaded machine the binary starts its federation slowly.
    let mut handover = None;
    for _ in 0..2400 {
        if let Ok(t) = std::fs::read_to_string(&handover_file) {
            handover = Some(serde_json::from_str::<Handover>(&t).expect("the handover is JSON"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let handover = handover.expect("the binary writes --write-trust-anchor");
    assert!(handover
        .ops
        .iter()
        .any(|o| o.id == "cie" && o.profile == "cie"));
    assert!(!handover.trust_anchor_jwks.keys.is_empty());
    let urls = handover.mocks.clone();
    assert_eq!(
        urls.oidc_federation.as_ref().map(|f| &f.trust_anchor),
        Some(&handover.trust_anchor)
    );
    let rp = reference_rp_outside(urls, "", port).await;
    let out = finished(child).await;
    rp.shutdown().await;
    assert_eq!(
        out.status.code(),
        Some(i32::from(exit::OK)),
        "{}",
        crate::output_text(&out)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("check-oidc.json")).unwrap())
            .unwrap();
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        oidc::OIDC_CASES.len()
            + oidc::entity::ENTITY_CHECKS.len()
            + oidc::entity_fields::FIELD_CHECKS.len()
            + oidc::request::REQUEST_CHECKS.len()
    );
    assert!(
        entries.iter().all(|e| e["passed"] == true),
        "{}",
        crate::output_text(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&handover.trust_anchor), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_entity_id_is_exit_3_naming_the_url_and_the_fix() {
    let dir = temp_dir("unreachable");
    let handover_file = dir.join("ta.json");
    let base = format!("http://127.0.0.1:{}", test_support::free_port());
    let out = finished(spid_harness(&[
        "check",
        "--oidc",
        "--entity-id",
        &base,
        "--login-url",
        &format!("{base}/login?op={{op}}"),
        "--probe-url",
        &format!("{base}/me"),
        "--write-trust-anchor",
        handover_file.to_str().unwrap(),
    ]))
    .await;
    let stderr = crate::stderr_exiting(&out, exit::UNREACHABLE);
    assert!(
        stderr.contains(&format!("{base}/.well-known/openid-federation")),
        "{stderr}"
    );
    assert!(stderr.contains("hint: start the RP first"), "{stderr}");
    // The handover was written before: the RP can be configured from it.
    let t = std::fs::read_to_string(&handover_file).expect("written");
    serde_json::from_str::<Handover>(&t).expect("a handover");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entity_configuration_that_does_not_parse_is_exit_2() {
    let dir = temp_dir("garbage");
    let file = dir.join("ec.jwt");
    std::fs::write(&file, "<html>not a JWT</html>").unwrap();
    let out = finished(spid_harness(&[
        "check",
        "--oidc",
        "--entity-configuration",
        file.to_str().unwrap(),
        "--login-url",
        "http://127.0.0.1:9/login?op={op}",
        "--probe-url",
        "http://127.0.0.1:9/me",
    ]))
    .await;
    let stderr = crate::stderr_exiting(&out, exit::BAD_INPUT);
    assert!(stderr.contains("not an entity configuration"), "{stderr}");
    assert!(stderr.contains(file.to_str().unwrap()), "{stderr}");
    assert!(
        stderr.contains("hint: give the RP's entity configuration"),
        "{stderr}"
    );
}

#[rstest::rstest]
#[case::no_op_placeholder(
    &["--entity-id", "http://127.0.0.1:9", "--login-url", "http://127.0.0.1:9/login", "--probe-url", "http://127.0.0.1:9/me"],
    "does not say which OP"
)]
#[case::no_probe(
    &["--entity-id", "http://127.0.0.1:9", "--login-url", "http://127.0.0.1:9/login?op={op}"],
    "--probe-url"
)]
#[case::both_documents(
    &["--entity-id", "http://127.0.0.1:9", "--entity-configuration", "x.jwt", "--login-url", "http://127.0.0.1:9/l?op={op}", "--probe-url", "http://127.0.0.1:9/me"],
    "once"
)]
#[case::entity_id_not_a_url(
    &["--entity-id", "rp.example", "--login-url", "http://127.0.0.1:9/l?op={op}", "--probe-url", "http://127.0.0.1:9/me"],
    "not an http(s) URL"
)]
#[case::logout_not_a_url(
    &["--entity-id", "http://127.0.0.1:9", "--login-url", "http://127.0.0.1:9/l?op={op}", "--probe-url", "http://127.0.0.1:9/me", "--logout-url", "logout"],
    "--logout-url logout is not an http(s) URL"
)]
#[case::logout_with_the_reference(
    &["--against-reference", "--logout-url", "http://127.0.0.1:9/logout"],
    "it logs out at the reference RP's own logout"
)]
#[case::unknown_profile(
    &["--against-reference", "--profile", "spid-sp-public"],
    "spid-oidc-rp or cie-oidc-rp"
)]
#[case::faults_outside(
    &["--entity-id", "http://127.0.0.1:9", "--login-url", "http://127.0.0.1:9/l?op={op}", "--probe-url", "http://127.0.0.1:9/me", "--faults", "nonce"],
    "--against-reference only"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_are_exit_2_with_the_fix(#[case] extra: &[&str], #[case] says: &str) {
    let mut a = vec!["check", "--oidc"];
    a.extend_from_slice(extra);
    let out = finished(spid_harness(&a)).await;
    let stderr = crate::stderr_exiting(&out, exit::BAD_INPUT);
    assert!(stderr.contains(says), "{stderr}");
}
