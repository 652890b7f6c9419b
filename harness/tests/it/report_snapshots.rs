//! insta snapshots of the JSON and JUnit reports of a small check against a mutant reference SP
//! (one case passes, one fails), with instants, durations and ports redacted.

use harness::conformance::{self, logout, reference};
use harness::report::{junit, RunReport};
use reference_sp::faults::Faults;

/// Replaces every `127.0.0.1:PORT` with `127.0.0.1:[port]`.
fn scrub_ports(text: &str) -> String {
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

/// Replaces the value of every `time="…"` attribute with `[t]`.
fn scrub_times(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(" time=\"") {
        out.push_str(&rest[..i + " time=\"".len()]);
        rest = &rest[i + " time=\"".len()..];
        let end = rest.find('"').unwrap_or(0);
        out.push_str("[t]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

async fn small_report() -> RunReport {
    let state = reference::mock_state().unwrap();
    // A mutant that acts on unsigned LogoutRequests and ignores their Destination: logout-3
    // fails as a warning (advice), logout-4 as an error (an SP obligation), the rest pass.
    let sp = reference::start(
        &state,
        Faults::parse("slo-signature,slo-destination").unwrap(),
    )
    .await
    .unwrap();
    let only: Vec<String> = ["1", "2", "comment-1", "logout-1", "logout-3", "logout-4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (cases, _) = conformance::select(&only);
    let mut entries = conformance::run(&sp.target, &cases, 1).await;
    entries.extend(logout::run(&sp.target, &logout::select(&only), 1).await);
    for e in &mut entries {
        e.millis = 0.0;
        for h in &mut e.hops {
            h.millis = 0.0;
            h.url = scrub_ports(&h.url);
        }
        if let Some(v) = &mut e.verdict {
            v.reason = scrub_ports(&v.reason);
            for ev in &mut v.evidence {
                *ev = scrub_ports(ev);
            }
        }
    }
    RunReport::new("check", time::OffsetDateTime::now_utc(), 1234.5, entries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_junit_reports() {
    let report = small_report().await;
    assert_eq!(report.summary.failed, 2, "{:#?}", report.summary);
    assert!(!report.all_passed(), "logout-4 is an error");
    insta::assert_json_snapshot!("check_report_json", report, {
        ".started" => "[instant]",
        ".duration_ms" => "[ms]",
        ".logins_per_second" => "[rate]",
        ".tool" => "[tool]",
        ".entries[].sent" => "[the Response sent: IDs and instants differ per run]",
    });
    let xml = scrub_times(&junit::render(&report)).replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("check_report_junit", xml);
}
