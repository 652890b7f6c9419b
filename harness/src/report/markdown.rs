//! A Markdown summary that fits a pull-request comment: one line of counts, then only what
//! failed (errors first, then what could not run), each linked to its entry in the HTML report
//! by anchor; failed warnings are counted, not listed.

use super::words::{self, Class};
use super::RunReport;

/// Most failures listed; the rest are counted (a PR comment must stay readable).
const MAX_LISTED: usize = 50;

/// Renders the summary, linking entries to `<command>.html`.
pub fn render(report: &RunReport) -> String {
    render_linked(report, &format!("{}.html", report.command))
}

/// Renders the summary, linking each failure to `html#entry-<id>`.
pub fn render_linked(report: &RunReport, html: &str) -> String {
    let n = |c: Class| report.entries.iter().filter(|e| Class::of(e) == c).count();
    let mark = if report.exit_code() == 0 {
        "✅"
    } else {
        "❌"
    };
    let mut counts = vec![format!("{} passed", n(Class::Passed))];
    for c in [
        Class::Failed,
        Class::Error,
        Class::Warning,
        Class::NotApplicable,
        Class::Skipped,
        Class::NotDeterminable,
    ] {
        if n(c) > 0 {
            counts.push(format!("{} {}", n(c), c.label()));
        }
    }
    let mut out = format!(
        "### {mark} spid-harness {}: {} ({} entries, exit code {})\n\n",
        report.command,
        counts.join(", "),
        report.entries.len(),
        report.exit_code()
    );
    let failed: Vec<_> = [Class::Failed, Class::Error]
        .iter()
        .flat_map(|c| report.entries.iter().filter(move |e| Class::of(e) == *c))
        .collect();
    if failed.is_empty() {
        out.push_str("Nothing failed.");
        if n(Class::Warning) > 0 {
            out.push_str(&format!(
                " [{} warnings]({html}#section-warning) do not fail the run.",
                n(Class::Warning)
            ));
        }
        out.push('\n');
        return out;
    }
    // The "maps to" column only when a listed entry has a mapping (the OIDC cases).
    let mapped = failed.iter().take(MAX_LISTED).any(|e| e.maps_to.is_some());
    if mapped {
        out.push_str(
            "| entry | family | expected | got | why | maps to |\n|---|---|---|---|---|---|\n",
        );
    } else {
        out.push_str("| entry | family | expected | got | why |\n|---|---|---|---|---|\n");
    }
    for e in failed.iter().take(MAX_LISTED) {
        let why = e
            .error
            .clone()
            .or_else(|| e.verdict.as_ref().map(|v| v.reason.clone()))
            .unwrap_or_default();
        let maps = if mapped {
            format!(
                " {} |",
                cell(e.maps_to.as_ref().map_or("", |m| m.line.as_str()))
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "| [`{}`]({html}#{}) | {} | {} | {} | {} |{maps}\n",
            e.id,
            words::anchor(e),
            words::family(e),
            words::expected(e),
            words::got(e),
            cell(&why)
        ));
    }
    if failed.len() > MAX_LISTED {
        out.push_str(&format!(
            "\n…and {} more in [the report]({html}#section-failed).\n",
            failed.len() - MAX_LISTED
        ));
    }
    out
}

/// `s` fit for one table cell: one line, pipes escaped, at most 300 characters.
fn cell(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = one_line.chars().take(300).collect();
    if one_line.chars().count() > 300 {
        short.push('…');
    }
    short.replace('|', "\\|")
}
