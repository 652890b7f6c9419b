//! A Markdown summary for pull-request comments.

use super::junit::got;
use super::RunReport;

/// Renders the summary and every failed entry as Markdown.
pub fn render(report: &RunReport) -> String {
    let s = &report.summary;
    let mut out = format!(
        "### spid-harness {}: {} of {} passed{}\n\n",
        report.command,
        s.passed,
        s.total,
        if s.errors > 0 {
            format!(", {} could not run", s.errors)
        } else {
            String::new()
        }
    );
    let failed: Vec<_> = report.entries.iter().filter(|e| !e.passed).collect();
    if failed.is_empty() {
        out.push_str("Every expectation held.\n");
    } else {
        out.push_str("| id | expected | got | why |\n|---|---|---|---|\n");
        for e in failed {
            let why = e
                .error
                .clone()
                .or_else(|| e.verdict.as_ref().map(|v| v.reason.clone()))
                .unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                e.id,
                e.expected,
                got(e),
                why.replace('|', "\\|")
            ));
        }
    }
    out
}
