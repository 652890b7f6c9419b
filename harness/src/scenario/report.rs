//! Scenario results as report entries: one entry per step, `family = "scenario"`, `rule` = the
//! covered rule ids.

use super::runner::ScenarioResult;
use crate::report::{Entry, Severity};

/// One entry per step (or one for a scenario that could not run).
pub fn entries(results: &[ScenarioResult]) -> Vec<Entry> {
    let mut out = Vec::new();
    for r in results {
        let stem = r
            .path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        if let Some(e) = &r.error {
            out.push(Entry {
                id: format!("{stem}/setup"),
                title: r.title.clone(),
                expected: "run".into(),
                error: Some(e.clone()),
                family: Some("scenario".into()),
                severity: Some(Severity::Error),
                ..Entry::default()
            });
            continue;
        }
        for s in &r.steps {
            out.push(Entry {
                id: format!("{stem}/{:02}-{}", s.number, s.kind),
                title: format!(
                    "{} ({}:{}, {})",
                    s.title,
                    r.path.display(),
                    s.line,
                    s.at.date()
                ),
                provider: s.spid.as_ref().map(|(p, _)| p.clone()),
                level: s.spid.as_ref().map(|(_, l)| *l),
                outcome: match &s.detail {
                    Some(d) => format!("{} ({d})", s.actual),
                    None => s.actual.clone(),
                },
                expected: s.expected.clone(),
                passed: s.passed,
                millis: s.millis,
                rule: (!s.covers.is_empty()).then(|| s.covers.join(", ")),
                severity: Some(Severity::Error),
                family: Some("scenario".into()),
                ..Entry::default()
            });
        }
    }
    out
}
