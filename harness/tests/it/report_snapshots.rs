//! insta snapshots of the JSON and JUnit reports of a small check against a mutant reference SP
//! (one case passes, one fails), with instants, durations and ports redacted.

use crate::scrub_ports;
use harness::conformance::{self, logout, reference};
use harness::report::{junit, RunReport};
use reference_sp::faults::Faults;

/// Replaces the value of every `time="…"` and `timestamp="…"` attribute with `[t]`.
fn scrub_times(xml: &str) -> String {
    let mut text = xml.to_string();
    for attr in [" time=\"", " timestamp=\""] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(i) = rest.find(attr) {
            out.push_str(&rest[..i + attr.len()]);
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(0);
            out.push_str("[t]");
            rest = &rest[end..];
        }
        out.push_str(rest);
        text = out;
    }
    text
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
        ".entries[].reference" => "[the correct Response: IDs and instants differ per run]",
        ".entries[].started_unix_ms" => "[instant]",
    });
    let xml = scrub_times(&junit::render(&report)).replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("check_report_junit", xml);
}

/// The page as an outline of elements and text, without styling: one line per element (tag, id,
/// class, the data-* filter keys, href, open/hidden) or text node; `<style>` and `<script>`
/// left out, each `<svg>` summarised by what it draws.
fn html_outline(html: &str) -> String {
    use scraper::ElementRef;
    fn walk(el: ElementRef<'_>, depth: usize, out: &mut String) {
        let v = el.value();
        let name = v.name();
        if name == "style" || name == "script" {
            return;
        }
        let mut line = format!("{}{name}", "  ".repeat(depth));
        for attr in [
            "id",
            "class",
            "data-family",
            "data-severity",
            "data-class",
            "href",
        ] {
            if let Some(a) = v.attr(attr) {
                line.push_str(&format!(" {attr}={a:?}"));
            }
        }
        for flag in ["open", "hidden"] {
            if v.attr(flag).is_some() {
                line.push_str(&format!(" {flag}"));
            }
        }
        if name == "svg" {
            let count = |tag: &str| {
                el.descendants()
                    .filter_map(ElementRef::wrap)
                    .filter(|e| e.value().name() == tag)
                    .count()
            };
            line.push_str(&format!(
                " ({} rect, {} a, {} line)",
                count("rect"),
                count("a"),
                count("line")
            ));
            out.push_str(&line);
            out.push('\n');
            return;
        }
        out.push_str(&line);
        out.push('\n');
        for child in el.children() {
            if let Some(c) = ElementRef::wrap(child) {
                walk(c, depth + 1, out);
            } else if let Some(t) = child.value().as_text() {
                let text = t.split_whitespace().collect::<Vec<_>>().join(" ");
                if !text.is_empty() {
                    out.push_str(&format!("{}{text:?}\n", "  ".repeat(depth + 1)));
                }
            }
        }
    }
    let doc = scraper::Html::parse_document(html);
    let mut out = String::new();
    walk(doc.root_element(), 0, &mut out);
    out
}

fn scrub_tool(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn html_of_a_seeded_report_leads_with_failures() {
    let report = super::report_fixture::every_kind();
    let html = harness::report::html::render(&report);
    // No network at view time: nothing is loaded from anywhere.
    for needle in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!html.contains(needle), "the page loads {needle}");
    }
    // Failures come before warnings, warnings before the rest.
    let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos("id=\"entry-md-05\"") < pos("id=\"entry-md-31\""));
    assert!(pos("id=\"entry-replay-1\"") < pos("id=\"entry-md-31\""));
    assert!(pos("id=\"entry-md-31\"") < pos("id=\"entry-7\""));
    // A conformance run has no logins/s heading.
    assert!(!html.contains("logins/s"));
    insta::assert_snapshot!(
        "seeded_report_html_outline",
        scrub_tool(&html_outline(&html))
    );
}

#[test]
fn junit_and_markdown_of_a_seeded_report() {
    let report = super::report_fixture::every_kind();
    insta::assert_snapshot!("seeded_report_junit", scrub_tool(&junit::render(&report)));
    insta::assert_snapshot!(
        "seeded_report_markdown",
        harness::report::markdown::render_linked(&report, "check.html")
    );
}

/// The Jenkins JUnit schema (fixtures/xsd/junit/junit-10.xsd), also used by the load tests.
pub(crate) fn junit_schema() -> uppsala::xsd::XsdValidator {
    let xsd = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/xsd/junit/junit-10.xsd"
    ))
    .unwrap();
    let doc = uppsala::parse(&xsd).unwrap();
    uppsala::xsd::XsdValidator::from_schema(&doc).unwrap()
}

/// What `schema` finds wrong with `xml`, one line per error (empty when valid).
pub(crate) fn junit_errors(schema: &uppsala::xsd::XsdValidator, xml: &str) -> Vec<String> {
    let doc = uppsala::parse(xml).unwrap();
    schema
        .validate(&doc)
        .into_iter()
        .map(|e| format!("{}:{:?}: {}", e.line.unwrap_or(0), e.column, e.message))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_validates_against_the_jenkins_schema() {
    let schema = junit_schema();
    let seeded = junit::render(&super::report_fixture::every_kind());
    assert_eq!(junit_errors(&schema, &seeded), Vec::<String>::new());
    let real = junit::render(&small_report().await);
    assert_eq!(junit_errors(&schema, &real), Vec::<String>::new());
    // The validator is not a rubber stamp: a testcase without a name, a failure with an
    // unknown attribute and a suite without its counts are each refused.
    for broken in [
        seeded.replacen("<testcase classname", "<testcase nom=\"x\" classname", 1),
        seeded.replacen("name=\"md-05 ", "title=\"md-05 ", 1),
        seeded.replacen("<failure type", "<failure severity=\"x\" type", 1),
        seeded.replacen(" failures=\"1\" errors=\"0\"", "", 1),
    ] {
        assert_ne!(broken, seeded);
        assert!(
            !junit_errors(&schema, &broken).is_empty(),
            "accepted:\n{broken}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_cases_carry_the_correct_response_for_their_request() {
    let report = small_report().await;
    let by_id = |id: &str| {
        report
            .entries
            .iter()
            .find(|e| e.id == id)
            .unwrap_or_else(|| panic!("no entry {id}"))
    };
    // Case 1 sends the correct Response itself: the diff is empty, so the reference is built from
    // the same plan (same IDs and instants), not a second Response.
    let one = by_id("1");
    let d = harness::report::diff::diff(
        one.reference.as_deref().expect("a reference"),
        one.sent.as_deref().expect("sent"),
    );
    assert_eq!((d.added, d.removed), (0, 0), "{:#?}", d.lines);
    // Case 2 strips both signatures: the diff removes the Signature elements; the only line it
    // adds is the Assertion's start tag (a signed Assertion carries its own namespace
    // declarations).
    let two = by_id("2");
    let d = harness::report::diff::diff(
        two.reference.as_deref().unwrap(),
        two.sent.as_deref().unwrap(),
    );
    assert!(d.removed > 0, "{:#?}", d.lines);
    assert!(
        d.lines
            .iter()
            .filter(|l| l.tag == "removed")
            .any(|l| l.text.contains("ds:Signature")),
        "{:#?}",
        d.lines
    );
    assert!(
        d.lines
            .iter()
            .filter(|l| l.tag == "added")
            .all(|l| l.text.trim_start().starts_with("<saml:Assertion ")),
        "{:#?}",
        d.lines
    );
    // Entries of a concurrent run have start instants for the time line.
    assert!(report.entries.iter().all(|e| e.started_unix_ms.is_some()));
}
