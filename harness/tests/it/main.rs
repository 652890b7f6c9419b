#![allow(missing_docs)]
//! Integration tests of the harness.
//!
//! - `oracle`: the oracle against service providers that answer refusals with 200 and logins
//!   with a redirect
//! - `demo`: `spid-harness demo` in-process and as the binary (the driver end to end through
//!   the mock providers and the reference SP)
//! - `cns`: the CNS check family on the reference SP and its `cns-*` mutants, CNS login with a
//!   PIN-protected card, CRL rotation
//! - `load`: `spid-harness load` against the reference SP and its slow mutant, thresholds,
//!   baseline, merges, report snapshots
//! - `oidc_conformance`: `check --oidc` validated on the reference RP and its mutants
//! - `oidc_requests`: the `oidc-request` family and the entity-configuration checks on the
//!   reference RP's sending mutants
//! - `oidc_outside`: `check --oidc` against an RP reached only through its URLs (the reference
//!   RP started as someone else's would be), the trust-anchor handover, the bad inputs

#[cfg(feature = "browser")]
mod browser;
mod check_cli;
mod cns;
mod conformance;
mod demo;
mod fake_sp;
mod hardening;
mod load;
mod logout;
mod metadata_checks;
mod new_provider;
mod oidc_conformance;
mod oidc_outside;
mod oidc_requests;
mod oracle;
mod property;
mod readme;
mod report_fixture;
mod report_snapshots;
mod request_checks;
mod scenario;

/// Runs the `spid-harness` binary with `args` and waits for its output.
pub fn spid_harness<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
        .args(args)
        .output()
        .expect("run spid-harness")
}

/// The exit code, stdout and stderr of a finished command, for assertion messages.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The stderr of a finished command, asserting it exited with `code`.
pub fn stderr_exiting(out: &std::process::Output, code: u8) -> String {
    assert_eq!(
        out.status.code(),
        Some(i32::from(code)),
        "{}",
        output_text(out)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Replaces every `127.0.0.1:PORT` with `127.0.0.1:[port]`.
pub fn scrub_ports(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..i + "127.0.0.1:".len()]);
        rest = &rest[i + "127.0.0.1:".len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        out.push_str("[port]");
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Checks that each Error-severity check of a family's `checks` has a mutant among `mutants`
/// (check id, reference SP fault switch), and that each switch exists.
pub fn assert_each_error_check_has_a_mutant<'a>(
    checks: impl IntoIterator<Item = &'a harness::conformance::check::CheckInfo>,
    mutants: &[(&str, &str)],
) {
    let missing: Vec<&str> = checks
        .into_iter()
        .filter(|c| c.severity == harness::report::Severity::Error)
        .map(|c| c.id)
        .filter(|id| !mutants.iter().any(|(m, _)| m == id))
        .collect();
    assert!(missing.is_empty(), "no mutant for {missing:?}");
    for (_, fault) in mutants {
        assert!(
            reference_sp::faults::ALL.iter().any(|f| f.name == *fault),
            "{fault} is not a switch"
        );
    }
}

/// One entry as an assertion message: id, expectation, error, verdict (reason and evidence).
pub fn describe(e: &harness::report::Entry) -> String {
    format!(
        "{}: expected {}, error {:?}, verdict {:?}",
        e.id,
        e.expected,
        e.error,
        e.verdict.as_ref().map(|v| (&v.reason, &v.evidence))
    )
}

/// Asserts every one of `entries` passed; the message describes each that did not.
pub fn assert_all_passed(entries: &[harness::report::Entry]) {
    let failed: Vec<String> = entries.iter().filter(|e| !e.passed).map(describe).collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The text of a catalogue snapshot: each item's lines, in catalogue order.
pub fn catalogue_text<T>(items: &[T], lines: impl Fn(&T) -> String) -> String {
    items.iter().map(lines).collect()
}

/// The reference SP started on `state` with the switches `faults` off (`""`: the strict SP).
pub async fn reference_sp(
    state: &mock_idps::spid::state::MockState,
    faults: &str,
) -> harness::conformance::reference::ReferenceRun {
    let faults = reference_sp::faults::Faults::parse(faults).expect("fault switches");
    harness::conformance::reference::start(state, faults)
        .await
        .expect("the reference SP starts")
}

/// The body of a GET of `url`.
pub async fn get_text(url: impl reqwest::IntoUrl) -> String {
    let response = reqwest::get(url).await.expect("GET");
    response.text().await.expect("the body")
}
