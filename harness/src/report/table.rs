//! The table `check` prints at the end: the entries not as expected (each with what was sent,
//! what was seen and the rule), the entries without a verdict and why, a count per family, the
//! summary.

use super::RunReport;
use std::collections::BTreeMap;

/// The table printed at the end of a check: the entries not as expected (failed warnings
/// marked as such), then a count per family and the summary.
pub fn check_table(report: &RunReport) -> String {
    use super::{NotRunKind, Severity};
    let mut out = String::new();
    let shown: Vec<_> = report
        .entries
        .iter()
        .filter(|e| !e.passed && e.judged())
        .collect();
    if !shown.is_empty() {
        out.push_str(&format!(
            "{:<34} {:<9} {:<9} {:>8}  {}\n",
            "check / case", "expected", "got", "ms", "title"
        ));
    }
    for e in shown {
        let got = match (&e.verdict, &e.error) {
            (Some(v), _) if v.accepted => "accepted",
            (Some(_), _) => "refused",
            (None, _) => "error",
        };
        let flag = match (&e.error, e.severity) {
            (Some(err), _) => format!("  <-- ERROR: {err}"),
            (None, Some(Severity::Warning)) => "  <-- warning".to_string(),
            (None, _) => "  <-- NOT AS EXPECTED".to_string(),
        };
        out.push_str(&format!(
            "{:<34} {:<9} {:<9} {:>8.1}  {}{flag}\n",
            e.id, e.expected, got, e.millis, e.title
        ));
        if e.error.is_none() {
            out.push_str(&format!("{:<34} {}\n", "", not_as_expected_line(e)));
        }
    }
    let not_run: Vec<_> = report.entries.iter().filter(|e| !e.judged()).collect();
    if !not_run.is_empty() {
        out.push_str("\nnot run or not judged:\n");
    }
    for e in not_run {
        if let Some(n) = &e.not_run {
            let kind = match n.kind {
                NotRunKind::NotApplicable => "not applicable",
                NotRunKind::Skipped => "skipped",
                NotRunKind::NotDeterminable => "not determinable",
            };
            out.push_str(&format!("{:<34} {kind}: {}\n", e.id, n.reason));
        }
    }
    let mut families: BTreeMap<&str, (usize, usize)> = Default::default();
    for e in report.entries.iter().filter(|e| e.judged()) {
        let f = families
            .entry(e.family.as_deref().unwrap_or("other"))
            .or_default();
        f.0 += 1;
        f.1 += usize::from(e.passed);
    }
    let per_family: Vec<String> = families
        .iter()
        .map(|(name, (total, passed))| format!("{name} {passed}/{total}"))
        .collect();
    let s = &report.summary;
    let mut unjudged = Vec::new();
    for (n, what) in [
        (s.not_applicable, "not applicable"),
        (s.skipped, "skipped"),
        (s.not_determinable, "not determinable"),
    ] {
        if n > 0 {
            unjudged.push(format!("{n} {what}"));
        }
    }
    out.push_str(&format!(
        "\n{}\n{} of {} checks and cases as expected ({} not as expected, {} errors{}) in {:.0} ms\n",
        per_family.join(" · "),
        s.passed,
        s.total,
        s.failed,
        s.errors,
        unjudged.iter().map(|u| format!(", {u}")).collect::<String>(),
        report.duration_ms
    ));
    out
}

/// For an entry not as expected: what was sent, what was seen, which rule applies.
fn not_as_expected_line(e: &super::Entry) -> String {
    let seen = e
        .verdict
        .as_ref()
        .map(|v| v.reason.clone())
        .unwrap_or_else(|| "no verdict".into());
    let sent = match e.family.as_deref() {
        Some("metadata") => "checked: the service's metadata".to_string(),
        Some("authn-request") => "checked: the AuthnRequest the service sent".to_string(),
        Some("response") => format!("sent: a Response ({}), expected {}", e.outcome, e.expected),
        Some("logout") => format!("sent: a logout message, expected {}", e.expected),
        _ => format!("sent: {}, expected {}", e.outcome, e.expected),
    };
    format!(
        "{sent}; seen: {seen}; rule: {}",
        e.rule.as_deref().unwrap_or("see the title")
    )
}
