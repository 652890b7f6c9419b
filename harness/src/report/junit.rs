//! JUnit XML: one testcase per entry, failures with the oracle's reason, for CI systems.

use super::RunReport;
use mock_idps::saml::xml_writer::XmlWriter;

/// Renders the report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // A failed warning is reported but fails nothing (system-out, not a failure); an entry with
    // no verdict (not applicable, skipped, not determinable) is a skipped testcase.
    let failing = |e: &&super::Entry| {
        e.judged() && !e.passed && e.error.is_none() && e.severity != Some(super::Severity::Warning)
    };
    let skipped_n = report.entries.iter().filter(|e| !e.judged()).count();
    let (tests, failures, errors, skipped) = (
        report.summary.total.to_string(),
        report.entries.iter().filter(failing).count().to_string(),
        report.summary.errors.to_string(),
        skipped_n.to_string(),
    );
    let time = format!("{:.3}", report.duration_ms / 1000.0);
    w.open(
        "testsuites",
        &[
            ("name", "spid-harness"),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("skipped", &skipped),
            ("time", &time),
        ],
    );
    w.open(
        "testsuite",
        &[
            ("name", &report.command),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("skipped", &skipped),
            ("time", &time),
        ],
    );
    for e in &report.entries {
        let t = format!("{:.3}", e.millis / 1000.0);
        w.open(
            "testcase",
            &[
                ("classname", &format!("spid-harness.{}", report.command)),
                ("name", &format!("{} {}", e.id, e.title)),
                ("time", &t),
            ],
        );
        if let Some(n) = &e.not_run {
            w.leaf("skipped", &[("message", &n.reason)], "");
        } else if let Some(err) = &e.error {
            w.leaf("error", &[("message", err)], err);
        } else if !e.passed && e.severity == Some(super::Severity::Warning) {
            let reason = e
                .verdict
                .as_ref()
                .map(|v| v.reason.clone())
                .unwrap_or_default();
            w.leaf(
                "system-out",
                &[],
                &format!(
                    "warning (advice, fails nothing): expected {}, got {}: {reason}",
                    e.expected,
                    got(e)
                ),
            );
        } else if !e.passed {
            let reason = e
                .verdict
                .as_ref()
                .map(|v| v.reason.clone())
                .unwrap_or_default();
            let message = format!("expected {}, got {}: {reason}", e.expected, got(e));
            let detail = e
                .verdict
                .as_ref()
                .map(|v| v.evidence.join("\n"))
                .unwrap_or_default();
            w.leaf("failure", &[("message", &message)], &detail);
        }
        w.close("testcase");
    }
    w.close("testsuite").close("testsuites");
    w.finish()
}

/// What the service did, in the words of `expected`.
pub fn got(e: &super::Entry) -> String {
    match &e.verdict {
        Some(v) if v.accepted => "accept".into(),
        Some(v) => match &v.spid_error {
            Some(code) => format!("refuse {code}"),
            None => "refuse".into(),
        },
        None => "error".into(),
    }
}
