//! `load.md` (for pull requests), the terminal summary and the JUnit XML (one testcase per
//! threshold).

use super::model::{LoadReport, ModelReport, END_TO_END};
use std::fmt::Write;

fn model_line(r: &LoadReport) -> String {
    match &r.model {
        ModelReport::Open {
            stages,
            max_in_flight,
        } => {
            let st: Vec<String> = stages
                .iter()
                .map(|s| format!("{}s→{}/s", s.seconds, s.target))
                .collect();
            format!(
                "open model (arrival rate {}, at most {max_in_flight} in flight; latency from the intended start)",
                st.join(", ")
            )
        }
        ModelReport::Closed { concurrency } => {
            format!("closed model ({concurrency} users back to back)")
        }
        ModelReport::Merged { shards } => format!("{shards} shards merged"),
    }
}

/// The hop table as Markdown rows.
fn hop_table(r: &LoadReport, out: &mut String) {
    let _ = writeln!(
        out,
        "| hop | count | mean ms | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for h in &r.hops {
        let s = &h.stats;
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            h.name, s.count, s.mean, s.p50, s.p90, s.p99, s.p999, s.max
        );
    }
}

/// `load.md`.
pub fn markdown(r: &LoadReport) -> String {
    let mut out = String::new();
    let verdict = if r.passed() { "passed" } else { "FAILED" };
    let _ = writeln!(out, "# Load test of the login path: {verdict}\n");
    let _ = writeln!(out, "- target: {}", r.target);
    let _ = writeln!(out, "- paths: {}", r.paths.join("; "));
    let _ = writeln!(out, "- {}", model_line(r));
    let _ = writeln!(
        out,
        "- {} logins in {:.1} s: {} accepted, {} errors ({:.3}%); **{:.1} logins/s**",
        r.logins,
        r.wall_seconds,
        r.ok,
        r.error_count(),
        r.error_rate() * 100.0,
        r.rate
    );
    if let Some(e2e) = r.hop(END_TO_END) {
        let _ = writeln!(
            out,
            "- end to end: p50 {:.2} ms, p99 **{:.2} ms**, p99.9 {:.2} ms",
            e2e.stats.p50, e2e.stats.p99, e2e.stats.p999
        );
    }
    if let Some(slow) = r.slowest_hop() {
        let _ = writeln!(
            out,
            "- slowest hop: **{}** (p99 {:.2} ms)",
            slow.name, slow.stats.p99
        );
    }
    if !r.errors.is_empty() {
        let classes: Vec<String> = r.errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(out, "- errors by class: {}", classes.join(", "));
    }
    let _ = writeln!(out, "\n## Outcomes\n");
    let _ = writeln!(
        out,
        "| accepted | expected refusals | errors | interrupted | dropped |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |",
        r.ok,
        r.expected_refusals,
        r.error_count(),
        r.interrupted,
        r.dropped
    );
    let _ = writeln!(
        out,
        "\nExpected refusals: the mocks answered with the failure the auto-login mix asked for and \
         the service refused it. Interrupted: still in flight at the end of the graceful stop. \
         Dropped: due before the end, never started (every slot busy). None of them is an error."
    );
    if let Some(c) = &r.cpu {
        let _ = writeln!(
            out,
            "- CPU per login: mocks {:.3} ms, service {:.3} ms, harness {:.3} ms (mocks' share {:.0}%)",
            c.mocks_per_login_ms,
            c.service_per_login_ms,
            c.harness_per_login_ms,
            c.mocks_share * 100.0
        );
    }
    let _ = writeln!(out, "\n## Hops\n");
    hop_table(r, &mut out);
    if !r.thresholds.is_empty() {
        let _ = writeln!(out, "\n## Thresholds\n");
        let _ = writeln!(out, "| threshold | limit | measured | result |");
        let _ = writeln!(out, "|---|---|---|---|");
        for t in &r.thresholds {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t.name,
                t.limit,
                t.actual,
                if t.passed { "passed" } else { "**failed**" }
            );
        }
    }
    if let Some(deltas) = &r.baseline {
        let _ = writeln!(out, "\n## Change from the baseline\n");
        let _ = writeln!(out, "| figure | baseline | this run | change | |");
        let _ = writeln!(out, "|---|---:|---:|---:|---|");
        for d in deltas {
            let _ = writeln!(
                out,
                "| {} | {:.2} | {:.2} | {:+.1}% | {} |",
                d.figure,
                d.before,
                d.after,
                d.change_pct,
                if d.regressed { "**regressed**" } else { "" }
            );
        }
    }
    if !r.error_samples.is_empty() {
        let _ = writeln!(out, "\n## First errors\n");
        for s in &r.error_samples {
            let _ = writeln!(out, "- {}", s.replace('|', "\\|"));
        }
    }
    out
}

/// The summary printed at the end of a run.
pub fn summary(r: &LoadReport) -> String {
    let mut out = String::new();
    hop_table(r, &mut out);
    let _ = writeln!(
        out,
        "{} logins, {} errors, {:.1} logins/s over {:.1} s",
        r.logins,
        r.error_count(),
        r.rate,
        r.wall_seconds
    );
    if r.expected_refusals + r.interrupted + r.dropped > 0 {
        let _ = writeln!(
            out,
            "{} expected refusals, {} interrupted at the graceful stop, {} dropped",
            r.expected_refusals, r.interrupted, r.dropped
        );
    }
    if let Some(c) = &r.cpu {
        let _ = writeln!(
            out,
            "CPU per login: mocks {:.3} ms, service {:.3} ms, harness {:.3} ms",
            c.mocks_per_login_ms, c.service_per_login_ms, c.harness_per_login_ms
        );
    }
    for t in &r.thresholds {
        let _ = writeln!(
            out,
            "{} {}: limit {}, measured {}",
            if t.passed { "PASS" } else { "FAIL" },
            t.name,
            t.limit,
            t.actual
        );
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one testcase per threshold (and for `--max-regression`).
///
/// The `<testsuite>` carries `name`, `tests`, `failures` and `errors`, the four attributes the
/// Jenkins JUnit schema requires (the xUnit plugin's junit-10.xsd, copied with its origin to
/// fixtures/xsd/junit/).
/// A threshold is measured or not, never "could not run", so `errors` is always 0.
pub fn junit(r: &LoadReport) -> String {
    let failures = r.thresholds.iter().filter(|t| !t.passed).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"spid-harness load\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        r.thresholds.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"load: {}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
        esc(&r.target),
        r.thresholds.len(),
        r.wall_seconds
    );
    for t in &r.thresholds {
        let _ = write!(
            out,
            "    <testcase classname=\"load.thresholds\" name=\"{}\">",
            esc(&t.name)
        );
        if !t.passed {
            let _ = write!(
                out,
                "<failure message=\"{} broken: limit {}, measured {}\"/>",
                esc(&t.name),
                esc(&t.limit),
                esc(&t.actual)
            );
        }
        let _ = writeln!(out, "</testcase>");
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}
