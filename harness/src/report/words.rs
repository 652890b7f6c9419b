//! How an entry reads in a report: its outcome class (failed, warning, passed, not applicable…),
//! its family, and the words that fit the family (a metadata check "passes" or "fails", a login
//! is "accepted" or "refused", a scenario step gives its code). Shared by the HTML, JUnit and
//! Markdown renderings so that they never disagree.

use super::{Entry, NotRunKind, Severity};
use serde::Serialize;

/// What became of an entry, in the order a report shows them (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Not as expected, and its severity fails the run.
    Failed,
    /// Could not run (service unreachable, a precondition of the flow failed…).
    Error,
    /// Not as expected, but a warning: reported, the run still passes.
    Warning,
    /// As expected.
    Passed,
    /// Ran, but the oracle could not decide.
    NotDeterminable,
    /// Not sent: the service cannot produce the premise.
    NotApplicable,
    /// Not sent: an input it needs was not given.
    Skipped,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 7] = [
        Class::Failed,
        Class::Error,
        Class::Warning,
        Class::Passed,
        Class::NotDeterminable,
        Class::NotApplicable,
        Class::Skipped,
    ];

    /// The class of `e`.
    pub fn of(e: &Entry) -> Class {
        match &e.not_run {
            Some(n) => match n.kind {
                NotRunKind::NotApplicable => Class::NotApplicable,
                NotRunKind::Skipped => Class::Skipped,
                NotRunKind::NotDeterminable => Class::NotDeterminable,
            },
            None if e.error.is_some() => Class::Error,
            None if e.passed => Class::Passed,
            None if e.severity == Some(Severity::Warning) => Class::Warning,
            None => Class::Failed,
        }
    }

    /// The CSS/filter key (`failed`, `not-applicable`…).
    pub fn key(self) -> &'static str {
        match self {
            Class::Failed => "failed",
            Class::Error => "error",
            Class::Warning => "warning",
            Class::Passed => "passed",
            Class::NotDeterminable => "not-determinable",
            Class::NotApplicable => "not-applicable",
            Class::Skipped => "skipped",
        }
    }

    /// A heading for a person (`failed`, `could not run`…).
    pub fn label(self) -> &'static str {
        match self {
            Class::Failed => "failed",
            Class::Error => "could not run",
            Class::Warning => "warning",
            Class::Passed => "passed",
            Class::NotDeterminable => "not determinable",
            Class::NotApplicable => "not applicable",
            Class::Skipped => "skipped",
        }
    }

    /// Whether the report shows the entry open (what a person must read).
    pub fn urgent(self) -> bool {
        matches!(self, Class::Failed | Class::Error | Class::Warning)
    }
}

/// The family of `e`: its `family`, else the first segment of its id (`login/poste/L2` → `login`).
pub fn family(e: &Entry) -> String {
    match &e.family {
        Some(f) => f.clone(),
        None => e.id.split('/').next().unwrap_or("other").to_string(),
    }
}

/// Whether `e` is a check of a document (metadata, AuthnRequest), judged "passes"/"fails",
/// rather than a login judged "accepted"/"refused".
fn is_check(e: &Entry) -> bool {
    e.outcome == "check" || matches!(e.family.as_deref(), Some("metadata" | "authn-request"))
}

/// Whether `e` is a scenario step, whose expectation and result are codes (`ok`, `PIN_LOCKED`).
fn is_step(e: &Entry) -> bool {
    e.family.as_deref() == Some("scenario")
}

/// What should happen, in the words of the entry's family.
pub fn expected(e: &Entry) -> String {
    if is_check(e) {
        return "passes".into();
    }
    if is_step(e) {
        return e.expected.clone();
    }
    let w = e.expected.as_str();
    if let Some(code) = w.strip_prefix("refuse ") {
        return format!("refused ({code})");
    }
    match w {
        "accept" => "accepted".into(),
        "refuse" => "refused".into(),
        "either" => "accepted or refused".into(),
        "refuse-or-intact" => "refused, or accepted with the value intact".into(),
        "refuse-or-signed-subject" => {
            "refused, or accepted as the signed Assertion's subject".into()
        }
        "by-level" => "by the level negotiated".into(),
        other => other.into(),
    }
}

/// What happened, in the words of the entry's family.
pub fn got(e: &Entry) -> String {
    if let Some(n) = &e.not_run {
        return match n.kind {
            NotRunKind::NotApplicable => "not applicable".into(),
            NotRunKind::Skipped => "skipped".into(),
            NotRunKind::NotDeterminable => "not determinable".into(),
        };
    }
    if e.error.is_some() {
        return "could not run".into();
    }
    if is_check(e) {
        return match Class::of(e) {
            Class::Passed => "passes".into(),
            Class::Warning => "warns".into(),
            _ => "fails".into(),
        };
    }
    match &e.verdict {
        Some(v) if v.accepted => "accepted".into(),
        Some(v) => match &v.spid_error {
            Some(code) => format!("refused ({code})"),
            None => "refused".into(),
        },
        None if is_step(e) => e.outcome.clone(),
        None => "no verdict".into(),
    }
}

/// The anchor of `e` in the HTML report: `entry-` and its id (stable across runs: ids are),
/// with white space and the characters that would need escaping in a URL fragment or an
/// attribute (`"#%&'<>?`) replaced by `_`. Ids are `[A-Za-z0-9./_-]`, kept as they are.
pub fn anchor(e: &Entry) -> String {
    let mut out = String::from("entry-");
    out.extend(e.id.chars().map(|c| {
        if c.is_whitespace() || c.is_control() || "\"#%&'<>?`".contains(c) {
            '_'
        } else {
            c
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::Verdict;
    use crate::report::NotRun;

    fn verdict(accepted: bool) -> Option<Verdict> {
        Some(Verdict {
            accepted,
            rule: "probe".into(),
            reason: String::new(),
            evidence: vec![],
            spid_error: (!accepted).then(|| "nr22".parse().expect("nr22 is a SPID code")),
        })
    }

    #[test]
    fn classes_follow_verdict_severity_and_not_run() {
        let mut e = Entry {
            passed: false,
            severity: Some(Severity::Error),
            ..Entry::default()
        };
        assert_eq!(Class::of(&e), Class::Failed);
        e.severity = Some(Severity::Warning);
        assert_eq!(Class::of(&e), Class::Warning);
        e.error = Some("down".into());
        assert_eq!(Class::of(&e), Class::Error);
        e.not_run = Some(NotRun {
            kind: NotRunKind::Skipped,
            reason: "no --logout-url".into(),
        });
        assert_eq!(Class::of(&e), Class::Skipped);
        let ok = Entry {
            passed: true,
            ..Entry::default()
        };
        assert_eq!(Class::of(&ok), Class::Passed);
    }

    #[test]
    fn words_fit_the_family() {
        let check = Entry {
            outcome: "check".into(),
            expected: "pass".into(),
            family: Some("metadata".into()),
            passed: false,
            severity: Some(Severity::Error),
            verdict: verdict(false),
            ..Entry::default()
        };
        assert_eq!(
            (expected(&check), got(&check)),
            ("passes".into(), "fails".into())
        );
        let login = Entry {
            id: "anomaly/nr22".into(),
            expected: "refuse nr22".into(),
            verdict: verdict(false),
            ..Entry::default()
        };
        assert_eq!(expected(&login), "refused (nr22)");
        assert_eq!(got(&login), "refused (nr22)");
        assert_eq!(family(&login), "anomaly");
        let step = Entry {
            family: Some("scenario".into()),
            expected: "PIN_LOCKED".into(),
            outcome: "ok".into(),
            ..Entry::default()
        };
        assert_eq!(
            (expected(&step), got(&step)),
            ("PIN_LOCKED".into(), "ok".into())
        );
    }

    #[test]
    fn anchors_are_stable_and_url_safe() {
        let e = Entry {
            id: "login/poste/L2".into(),
            ..Entry::default()
        };
        assert_eq!(anchor(&e), "entry-login/poste/L2");
        let odd = Entry {
            id: "a b#c".into(),
            ..Entry::default()
        };
        assert_eq!(anchor(&odd), "entry-a_b_c");
    }
}
