//! One report model for every command (`demo`, `login`, later `check` and `run`): serialized as
//! JSON, and rendered as JUnit XML, a single-file HTML page and a Markdown summary.

pub mod diff;
mod emit;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod plot;
mod table;
pub mod words;

pub use emit::{emit, EmitError, ReportOptions};
pub use table::check_table;

use crate::browser::Hop;
use crate::oracle::Verdict;
use serde::Serialize;

/// Version of the JSON schema of [`RunReport`].
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// `spid-harness <version>`.
    pub tool: String,
    /// The command that ran (`demo`…).
    pub command: String,
    /// Start instant (UTC, RFC 3339).
    pub started: String,
    /// Wall time of the run in milliseconds.
    pub duration_ms: f64,
    /// Counts.
    pub summary: Summary,
    /// Latency of each hop kind.
    pub hop_latency: Vec<HopStats>,
    /// Logins per second over the run.
    pub logins_per_second: f64,
    /// One entry per login or check.
    pub entries: Vec<Entry>,
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Entries.
    pub total: usize,
    /// Entries whose expectation held.
    pub passed: usize,
    /// Entries whose expectation did not hold.
    pub failed: usize,
    /// Entries that could not run (service unreachable…).
    pub errors: usize,
    /// Entries not sent because the service cannot produce their premise (see [`NotRun`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_applicable: usize,
    /// Entries skipped because an input they need was not given (e.g. no `--logout-url`).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: usize,
    /// Entries that ran but whose verdict the service's pages do not let us determine.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_determinable: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Why an entry has no pass/fail verdict. An entry with `not_run` set counts neither as passed nor
/// as failed, and never fails the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotRun {
    /// Which kind of "no verdict".
    pub kind: NotRunKind,
    /// Why, for a person: what the service cannot do, or which input is missing.
    pub reason: String,
}

/// The kinds of [`NotRun`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotRunKind {
    /// The service cannot produce the case's premise (e.g. it ignores `{level}`): not sent.
    NotApplicable,
    /// An input the case needs was not given (e.g. `--logout-url`): not sent.
    Skipped,
    /// Sent, but what the service exposes does not let the oracle decide (e.g. it never shows
    /// the identity it read).
    NotDeterminable,
}

/// Latency percentiles of one kind of hop.
#[derive(Debug, Clone, Serialize)]
pub struct HopStats {
    /// Hop kind and target, e.g. `idp-form`, `saml-response`.
    pub hop: String,
    /// How many.
    pub count: u64,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
}

/// One login (or check) and whether it went as expected.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Entry {
    /// Stable id, e.g. `login/poste/L2` or `anomaly/nr22`.
    pub id: String,
    /// One line.
    pub title: String,
    /// Provider id.
    pub provider: Option<String>,
    /// Level requested.
    pub level: Option<u8>,
    /// The outcome asked of the IdP (`success`, `consent-denied`…).
    pub outcome: String,
    /// What should happen: `accept`, or `refuse` with a SPID code.
    pub expected: String,
    /// Whether it happened.
    pub passed: bool,
    /// The oracle's verdict, when the login ran.
    pub verdict: Option<Verdict>,
    /// The error, when it could not run.
    pub error: Option<String>,
    /// Wall time in milliseconds.
    pub millis: f64,
    /// Every hop.
    pub hops: Vec<Hop>,
    /// The rule the entry tests (document and section), when it tests one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `error` or `warning`: a failed warning does not fail the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The family the entry belongs to (`metadata`, `authn-request`, `response`, `logout`,
    /// `scenario`…), for grouping in reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The message sent to the service (pretty-printed XML), or other evidence, when useful.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    /// Set when the entry has no pass/fail verdict (not applicable, skipped, not determinable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_run: Option<NotRun>,
    /// For a Response case: the correct Response for the same request (pretty-printed XML),
    /// so that a report can show what `sent` changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// When the entry began, in milliseconds since the Unix epoch (for the run's time line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_unix_ms: Option<f64>,
    /// Where other public suites test the same thing (the OIDC relying-party cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maps_to: Option<MapsTo>,
}

/// The tests of other public suites that play the same scenario as an entry: the OpenID
/// Foundation conformance suite's test module (and its name in the Foundation's older RP test
/// tool), and AgID spid-oidc-check-rp's test ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MapsTo {
    /// The OpenID Foundation conformance suite's test module (`oidcc-client-test-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidf: Option<String>,
    /// Its name in the Foundation's older RP test tool (`rp-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidf_legacy: Option<String>,
    /// AgID spid-oidc-check-rp's test ids, comma-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agid: Option<String>,
    /// All of it in one line, for tables.
    pub line: String,
}

impl Entry {
    /// Whether the entry counts towards passed/failed (it has a verdict).
    pub fn judged(&self) -> bool {
        self.not_run.is_none()
    }
}

/// An error and its `source()` chain in one line, `a: b: c`, for an entry's `error` field; a
/// cause whose text the line already holds is not repeated.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let cause = s.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        src = s.source();
    }
    text
}

/// Now, in milliseconds since the Unix epoch (for [`Entry::started_unix_ms`]).
pub fn unix_ms_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// `xml` indented one element per line, for people reading a report (text stays on its
/// element's line; comments and declarations are kept as they are).
pub fn pretty_xml(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + xml.len() / 4);
    let mut depth = 0usize;
    let mut rest = xml.trim();
    while let Some(start) = rest.find('<') {
        let text = rest[..start].trim();
        out.push_str(text);
        let Some(len) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let tag = &rest[start..start + len + 1];
        let closing = tag.starts_with("</");
        let leaf = tag.ends_with("/>") || tag.starts_with("<?") || tag.starts_with("<!");
        if closing {
            depth = depth.saturating_sub(1);
        }
        // A closing tag right after its element's text stays on the same line.
        if !closing || text.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&"  ".repeat(depth));
        }
        out.push_str(tag);
        if !closing && !leaf {
            depth += 1;
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest.trim());
    out
}

/// How much a failed entry matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure fails the run (non-zero exit).
    Error,
    /// Reported, but the run still passes.
    Warning,
}

impl RunReport {
    /// Builds a report from entries, computing the summary and hop latencies.
    pub fn new(
        command: &str,
        started: time::OffsetDateTime,
        duration_ms: f64,
        entries: Vec<Entry>,
    ) -> Self {
        let not_run = |kind: NotRunKind| {
            entries
                .iter()
                .filter(|e| e.not_run.as_ref().is_some_and(|n| n.kind == kind))
                .count()
        };
        let summary = Summary {
            total: entries.len(),
            passed: entries.iter().filter(|e| e.judged() && e.passed).count(),
            failed: entries
                .iter()
                .filter(|e| e.judged() && !e.passed && e.error.is_none())
                .count(),
            errors: entries
                .iter()
                .filter(|e| e.judged() && e.error.is_some())
                .count(),
            not_applicable: not_run(NotRunKind::NotApplicable),
            skipped: not_run(NotRunKind::Skipped),
            not_determinable: not_run(NotRunKind::NotDeterminable),
        };
        let logins_per_second = if duration_ms > 0.0 {
            entries.len() as f64 * 1000.0 / duration_ms
        } else {
            0.0
        };
        Self {
            schema: SCHEMA_VERSION,
            tool: format!("spid-harness {}", env!("CARGO_PKG_VERSION")),
            command: command.to_string(),
            started: started
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            duration_ms,
            summary,
            hop_latency: hop_latency(&entries),
            logins_per_second,
            entries,
        }
    }

    /// The exit code the run's command gives for this report without `--exit-zero`: 0 when
    /// [`Self::all_passed`], else 1.
    pub fn exit_code(&self) -> i32 {
        if self.all_passed() {
            0
        } else {
            1
        }
    }

    /// Whether every expectation held (a failed `warning` entry, and an entry without a verdict
    /// ([`NotRun`]), do not count).
    pub fn all_passed(&self) -> bool {
        self.summary.errors == 0
            && self
                .entries
                .iter()
                .all(|e| !e.judged() || e.passed || e.severity == Some(Severity::Warning))
    }
}

fn hop_latency(entries: &[Entry]) -> Vec<HopStats> {
    let mut by_kind: std::collections::BTreeMap<String, hdrhistogram::Histogram<u64>> =
        Default::default();
    for hop in entries.iter().flat_map(|e| &e.hops) {
        let kind = serde_json::to_value(hop.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        // Microsecond resolution, up to an hour: creation cannot fail with these bounds.
        let h = by_kind.entry(kind).or_insert_with(|| {
            hdrhistogram::Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
        });
        let _ = h.record((hop.millis * 1000.0).max(1.0) as u64);
    }
    by_kind
        .into_iter()
        .map(|(hop, h)| HopStats {
            hop,
            count: h.len(),
            p50_ms: h.value_at_quantile(0.5) as f64 / 1000.0,
            p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
        })
        .collect()
}

/// Writes the JSON, HTML, JUnit and Markdown renderings as `<dir>/<stem>.{json,html,xml,md}`.
pub fn write_all(
    report: &RunReport,
    dir: &std::path::Path,
    stem: &str,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let json = serde_json::to_string_pretty(report).map_err(std::io::Error::other)?;
    for (ext, text) in [
        ("json", json),
        ("html", html::render(report)),
        ("xml", junit::render(report)),
        (
            "md",
            markdown::render_linked(report, &format!("{stem}.html")),
        ),
    ] {
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::pretty_xml;

    #[test]
    fn an_entry_error_carries_the_whole_cause_chain_once() {
        use crate::driver::login::{LoginError, ScriptError};
        let full = mock_idps::spid::state::ScriptQueueFull(64);
        let e = LoginError::Script {
            url: "in-process mocks".into(),
            source: ScriptError::InProcess(full.into()),
        };
        assert_eq!(
            super::error_chain(&e),
            format!("scripting the login at in-process mocks failed: {full}")
        );
        // A cause the message already shows is not repeated.
        #[derive(Debug, thiserror::Error)]
        #[error("writing x.xml failed: {0}")]
        struct Echo(#[source] std::io::Error);
        let e = Echo(std::io::Error::other("disk full"));
        assert_eq!(super::error_chain(&e), "writing x.xml failed: disk full");
    }

    #[test]
    fn pretty_xml_indents_elements_and_keeps_text_inline() {
        let xml = r#"<a x="1"><b>text</b><c/><!--n--><d><e>v</e></d></a>"#;
        assert_eq!(
            pretty_xml(xml),
            "<a x=\"1\">\n  <b>text</b>\n  <c/>\n  <!--n-->\n  <d>\n    <e>v</e>\n  </d>\n</a>"
        );
        assert_eq!(pretty_xml("not xml"), "not xml");
        assert_eq!(pretty_xml("<unclosed"), "<unclosed");
    }
}
