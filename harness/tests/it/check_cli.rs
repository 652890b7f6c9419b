//! `spid-harness check` as the binary against a service outside the process (a reference SP
//! started by the test): a passing run, and each kind of bad input with its own message and
//! exit code; against a mutant reference SP, failed advice cases as warnings in a passing run.

use harness::conformance::reference;
use harness::exit;
use reference_sp::faults::Faults;
use std::path::{Path, PathBuf};
use std::process::Output;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spid-harness-check-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn spid_harness(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// The strict reference SP and its metadata, written into the fresh directory of `tag`.
async fn strict_sp_and_its_metadata(
    state: &mock_idps::spid::state::MockState,
    tag: &str,
) -> (reference::ReferenceRun, PathBuf, PathBuf) {
    let run = reference::start(state, Faults::none()).await.unwrap();
    let dir = temp_dir(tag);
    let metadata = dir.join("sp.xml");
    std::fs::write(&metadata, run.sp.metadata_xml()).unwrap();
    (run, dir, metadata)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `check` of the service whose metadata, login URL and probe URL are given, with `more`.
fn check(metadata: &str, login: &str, probe: &str, more: &[&str]) -> Vec<String> {
    let head = [
        "check",
        "--metadata",
        metadata,
        "--login-url",
        login,
        "--probe-url",
        probe,
    ];
    args(&[&head[..], more].concat())
}

/// `check --only only` of a reference SP run as a service outside the process: its metadata
/// written to `metadata`, its logout URL given, the reports in `dir`.
async fn check_reference(
    run: &reference::ReferenceRun,
    metadata: &Path,
    dir: &Path,
    only: &[&str],
) -> Output {
    std::fs::write(metadata, run.sp.metadata_xml()).unwrap();
    let urls = run.sp.urls();
    let report_dir = dir.to_str().unwrap();
    let mut more = vec![
        "--logout-url",
        &urls.logout,
        "--report-dir",
        report_dir,
        "--only",
    ];
    more.extend_from_slice(only);
    let login = &run.target.login_url;
    spid_harness(check(metadata.to_str().unwrap(), login, &urls.me, &more)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_runs_against_a_service_outside_the_process() {
    let state = reference::mock_state().unwrap();
    let (run, dir, metadata) = strict_sp_and_its_metadata(&state, "outside").await;
    let only = ["1", "2", "xsw3", "relay-1", "logout-1", "logout-8"];
    let out = check_reference(&run, &metadata, &dir, &only).await;
    crate::stderr_exiting(&out, exit::OK);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("6 of 6 checks and cases as expected"),
        "{stdout}"
    );
    assert!(dir.join("check.json").exists() && dir.join("check.xml").exists());

    // The same run against a mutant that ignores the Destination of logout messages fails,
    // exit 1 (logout-4 rests on an SP obligation: an error, not a warning).
    let mutant = crate::reference_sp(&state, "slo-destination").await;
    let out = check_reference(&mutant, &metadata, &dir, &["logout-4"]).await;
    crate::stderr_exiting(&out, exit::CHECK_FAILED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_service_is_exit_3_with_one_message() {
    let state = reference::mock_state().unwrap();
    let (_run, dir, metadata) = strict_sp_and_its_metadata(&state, "unreachable").await;
    // A port nothing listens on: bind one, then drop it.
    let port = test_support::free_port();
    let login = format!("http://127.0.0.1:{port}/login");
    let out = spid_harness(check(
        metadata.to_str().unwrap(),
        &login,
        &login,
        &["--report-dir", dir.to_str().unwrap()],
    ))
    .await;
    let stderr = crate::stderr_exiting(&out, exit::UNREACHABLE);
    assert!(stderr.contains("cannot be reached"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one message: {stderr}");
    // An unreachable metadata URL too.
    let out = spid_harness(check(
        &format!("http://127.0.0.1:{port}/metadata"),
        &login,
        &login,
        &[],
    ))
    .await;
    crate::stderr_exiting(&out, exit::UNREACHABLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_that_is_not_xml_is_exit_2() {
    let dir = temp_dir("notxml");
    let metadata = dir.join("sp.xml");
    std::fs::write(&metadata, "{\"this\": \"is json\"}").unwrap();
    let out = spid_harness(check(
        metadata.to_str().unwrap(),
        "http://127.0.0.1:9/login",
        "http://127.0.0.1:9/me",
        &[],
    ))
    .await;
    let stderr = crate::stderr_exiting(&out, exit::BAD_INPUT);
    assert!(stderr.contains("is not usable SP metadata"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_url_without_authn_request_is_exit_4() {
    let state = reference::mock_state().unwrap();
    let (run, _dir, metadata) = strict_sp_and_its_metadata(&state, "noauthn").await;
    let urls = run.sp.urls();
    // The protected page: it answers, but never with a SAMLRequest.
    let out = spid_harness(check(metadata.to_str().unwrap(), &urls.me, &urls.me, &[])).await;
    let stderr = crate::stderr_exiting(&out, exit::NO_AUTHN_REQUEST);
    assert!(stderr.contains("produced no AuthnRequest"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advice_cases_that_fail_are_warnings_and_the_run_still_passes() {
    // The reference SP with its RelayState check and its Response IssueInstant check off: the
    // RelayState cases (relay-1, relay-2) and the skew boundary just outside the 2 minutes
    // (skew-2) are accepted, which these cases' advice basis reports as warnings, not errors.
    let dir = temp_dir("advice");
    let out = spid_harness(args(&[
        "check",
        "--against-reference",
        "--faults",
        "relay-state,response-issue-instant",
        "--report-dir",
        dir.to_str().unwrap(),
        "--only",
        "1",
        "relay-1",
        "relay-2",
        "skew-2",
    ]))
    .await;
    crate::stderr_exiting(&out, exit::OK);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("check.json")).unwrap()).unwrap();
    let entries = report["entries"].as_array().expect("entries");
    let entry = |id: &str| {
        entries
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("no entry {id} in {entries:#?}"))
    };
    for id in ["relay-1", "relay-2", "skew-2"] {
        let e = entry(id);
        assert_eq!(e["passed"], false, "{id} is accepted by this SP: {e:#}");
        assert_eq!(e["severity"], "warning", "{id}: {e:#}");
        assert!(e["error"].is_null(), "{id} ran: {e:#}");
    }
    // The SP obligation in the same run holds, and nothing failed as an error.
    assert_eq!(entry("1")["passed"], true);
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["failed"], 3, "{:#}", report["summary"]);
    let junit = std::fs::read_to_string(dir.join("check.xml")).unwrap();
    assert!(
        !junit.contains("<failure"),
        "warnings are not JUnit failures:\n{junit}"
    );
}
