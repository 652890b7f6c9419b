//! Capability preflight for a service we did not write: before the Response cases, capture a few
//! AuthnRequests with different `{level}`, `{comparison}` and `{binding}` values to learn which the
//! service honours, then plan the run: a case whose premise the service cannot produce is "not
//! applicable" (with the reason) and not sent; a case that would send exactly what an earlier
//! case sends is reported as a duplicate of it, not sent twice.

use super::case::{Expect, Mutation, ResponseCase};
use super::runner::Target;
use crate::report::{Entry, NotRun, NotRunKind};
use mock_idps::spid::level::{Comparison, Level};

/// What the service sent when asked for one `{level}` / `{comparison}` / `{binding}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The level its AuthnRequest asked for.
    pub level: Level,
    /// Its Comparison.
    pub comparison: Comparison,
    /// `redirect` or `post`.
    pub binding: &'static str,
}

/// Which placeholders the service honours, learnt from captured requests.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// `{level}` = 1, 2, 3 → what was asked (`None`: that capture failed).
    pub by_level: Vec<(u8, Option<Seen>)>,
    /// `{comparison}` (at `{level}` = 2) → what was asked.
    pub by_comparison: Vec<(&'static str, Option<Seen>)>,
    /// `{binding}` → how the request was sent.
    pub by_binding: Vec<(&'static str, Option<Seen>)>,
    /// AuthnRequests captured (each one a login start at the service, stopped before the IdP).
    pub captures: usize,
}

const COMPARISONS: [&str; 4] = ["minimum", "exact", "better", "maximum"];

impl Capabilities {
    /// The level the service asks when the login URL asks `level` (the asked level when it
    /// was not probed).
    pub fn level_for(&self, level: u8) -> Option<Level> {
        match self.by_level.iter().find(|(l, _)| *l == level) {
            Some((_, seen)) => seen.map(|s| s.level),
            None => self.by_level.first().and_then(|(_, s)| s.map(|s| s.level)),
        }
    }

    /// The Comparison the service asks when the login URL asks `comparison`.
    pub fn comparison_for(&self, comparison: &str) -> Option<Comparison> {
        match self.by_comparison.iter().find(|(c, _)| *c == comparison) {
            Some((_, seen)) => seen.map(|s| s.comparison),
            None => self
                .by_level
                .first()
                .and_then(|(_, s)| s.map(|s| s.comparison)),
        }
    }

    /// Whether the service asked for each `{level}` what it was given.
    pub fn honours_level(&self) -> bool {
        self.by_level
            .iter()
            .all(|(l, s)| s.is_some_and(|s| s.level.number() == *l))
    }

    /// Whether the service asked for each `{comparison}` what it was given.
    pub fn honours_comparison(&self) -> bool {
        self.by_comparison
            .iter()
            .all(|(c, s)| s.is_some_and(|s| s.comparison.as_str() == *c))
    }

    /// Whether the service sent each `{binding}` as asked.
    pub fn honours_binding(&self) -> bool {
        self.by_binding
            .iter()
            .all(|(b, s)| s.is_some_and(|s| s.binding == *b))
    }

    /// One line for the console and the report.
    pub fn summary(&self) -> String {
        let word = |probed: bool, ok: bool| match (probed, ok) {
            (false, _) => "not in the login URL",
            (true, true) => "honoured",
            (true, false) => "IGNORED",
        };
        let seen = |s: &Option<Seen>| {
            s.map_or("no request".to_string(), |s| {
                format!("{} {} {}", s.level, s.comparison.as_str(), s.binding)
            })
        };
        let detail: Vec<String> = self
            .by_level
            .iter()
            .map(|(l, s)| format!("level={l}→{}", seen(s)))
            .chain(
                self.by_comparison
                    .iter()
                    .map(|(c, s)| format!("comparison={c}→{}", seen(s))),
            )
            .chain(
                self.by_binding
                    .iter()
                    .map(|(b, s)| format!("binding={b}→{}", seen(s))),
            )
            .collect();
        format!(
            "capabilities ({} AuthnRequests captured): {{level}} {}, {{comparison}} {}, {{binding}} {} [{}]",
            self.captures,
            word(self.by_level.len() > 1, self.honours_level()),
            word(self.by_comparison.len() > 1, self.honours_comparison()),
            word(self.by_binding.len() > 1, self.honours_binding()),
            detail.join("; ")
        )
    }
}

/// Captures the AuthnRequests that tell which placeholders the service honours: `{level}` 1–3,
/// `{comparison}` ×4 at level 2, `{binding}` ×2; a placeholder the login URL lacks is not probed.
pub async fn probe(target: &Target) -> Capabilities {
    let url = &target.login_url;
    let mut caps = Capabilities::default();
    let capture = |level: u8, comparison: &'static str, binding: &'static str| {
        let start = target.login_start(level, comparison, binding);
        async move {
            target.capture(&start).await.ok().map(|p| Seen {
                level: p.request.level,
                comparison: p.request.comparison,
                binding: p.binding,
            })
        }
    };
    let levels: &[u8] = if url.contains("{level}") {
        &[1, 2, 3]
    } else {
        &[2]
    };
    for &l in levels {
        let seen = capture(l, "minimum", "redirect").await;
        caps.by_level.push((l, seen));
    }
    if url.contains("{comparison}") {
        for c in COMPARISONS {
            let seen = match caps.by_level.iter().find(|(l, _)| *l == 2) {
                Some((_, s)) if c == "minimum" => *s,
                _ => capture(2, c, "redirect").await,
            };
            caps.by_comparison.push((c, seen));
        }
    }
    if url.contains("{binding}") {
        for b in ["redirect", "post"] {
            let seen = match caps.by_level.iter().find(|(l, _)| *l == 2) {
                Some((_, s)) if b == "redirect" => *s,
                _ => capture(2, "minimum", b).await,
            };
            caps.by_binding.push((b, seen));
        }
    }
    caps.captures = levels.len()
        + caps.by_comparison.len().saturating_sub(1)
        + caps.by_binding.len().saturating_sub(1);
    caps
}

/// The run plan: the cases to send, and an entry for each case not sent (not applicable, with
/// the reason: its premise cannot be produced, or it duplicates an earlier case).
pub fn plan(
    cases: &[&'static ResponseCase],
    caps: &Capabilities,
    target: &Target,
) -> (Vec<&'static ResponseCase>, Vec<Entry>) {
    let mut run = Vec::new();
    let mut not_run = Vec::new();
    let mut sent: Vec<(String, &'static str)> = Vec::new();
    for &case in cases {
        let (Some(level), Some(comparison)) = (
            caps.level_for(case.login.level),
            caps.comparison_for(case.login.comparison),
        ) else {
            // The capture failed: let the case run and report its own error.
            run.push(case);
            continue;
        };
        if !case.premise.holds(case.login, level, comparison) {
            not_run.push(entry(
                case,
                target,
                format!(
                    "the case needs {}; asked for SpidL{} {}, the service sends a request for {level} {} (it does not honour {{level}}/{{comparison}}); not sent",
                    case.premise.describe(case.login),
                    case.login.level,
                    case.login.comparison,
                    comparison.as_str()
                ),
            ));
            continue;
        }
        // Cases that send the same Response to the same request: the correct Response, and
        // each Assertion level of the matrix.
        let key = match (case.mutation, case.expect) {
            (Mutation::None, Expect::Accept) => {
                Some(format!("correct {level} {}", comparison.as_str()))
            }
            (_, Expect::ByLevel(got)) => {
                Some(format!("assert {got} for {level} {}", comparison.as_str()))
            }
            _ => None,
        };
        if let Some(key) = key {
            if let Some((_, first)) = sent.iter().find(|(k, _)| *k == key) {
                not_run.push(entry(
                    case,
                    target,
                    format!(
                        "duplicate of case {first}: the service sends the same request ({level} {}) for both, so the same Response would be sent twice; not sent",
                        comparison.as_str()
                    ),
                ));
                continue;
            }
            sent.push((key, case.id));
        }
        run.push(case);
    }
    (run, not_run)
}

fn entry(case: &ResponseCase, target: &Target, reason: String) -> Entry {
    Entry {
        id: case.id.to_string(),
        title: format!(
            "{} [{}; login asked SpidL{} {}]",
            case.reported_title(),
            case.rule,
            case.login.level,
            case.login.comparison
        ),
        provider: Some(target.idp.id.clone()),
        level: Some(case.login.level),
        outcome: format!("{} mutation", case.mutation.kind()),
        expected: "not sent".into(),
        rule: Some(format!("{}; {}", case.rule, case.basis.describe())),
        severity: Some(case.basis.severity()),
        family: Some("response".into()),
        not_run: Some(NotRun {
            kind: NotRunKind::NotApplicable,
            reason,
        }),
        ..Entry::default()
    }
}
