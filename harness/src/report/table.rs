//! The table `check` prints at the end: the entries not as expected, a count per family, the
//! summary.

use super::RunReport;
use std::collections::BTreeMap;

/// The table printed at the end of a check: the entries not as expected (failed warnings
/// marked as such), then a count per family and the summary.
pub fn check_table(report: &RunReport) -> String {
    use super::Severity;
    let mut out = String::new();
    let shown: Vec<_> = report.entries.iter().filter(|e| !e.passed).collect();
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
    }
    let mut families: BTreeMap<&str, (usize, usize)> = Default::default();
    for e in &report.entries {
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
    out.push_str(&format!(
        "\n{}\n{} of {} checks and cases as expected ({} not as expected, {} errors) in {:.0} ms\n",
        per_family.join(" · "),
        report.summary.passed,
        report.summary.total,
        report.summary.failed,
        report.summary.errors,
        report.duration_ms
    ));
    out
}
