//! What the metadata and AuthnRequest checks share: a check's description (stable id, severity,
//! the rule it comes from, how to fix a failure), the outcome of running it, and the report entry
//! that records both.

use crate::oracle::Verdict;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::Node;

/// A check table (metadata or AuthnRequest): the static `$name`, a slice of `$ty`, one element
/// a row. Each row is written `check!(id, severity, selector, rule, requirement, fix,
/// evaluator)`, the selector being a variant of `$sel` that goes in the field `$field` (the
/// profiles or the bindings the check applies to).
macro_rules! check_table {
    (
        $(#[$doc:meta])*
        $vis:vis static $name:ident: [$ty:ident; $field:ident: $sel:ident] = [
            $(check!($id:literal, $sev:ident, $v:ident, $rule:literal, $req:literal, $fix:literal, $eval:expr)),* $(,)?
        ];
    ) => {
        $(#[$doc])*
        $vis static $name: &[$ty] = &[$(
            $ty {
                info: $crate::conformance::check::CheckInfo {
                    id: $id,
                    severity: $crate::report::Severity::$sev,
                    rule: $rule,
                    requirement: $req,
                    fix: $fix,
                },
                $field: $sel::$v,
                eval: $eval,
            }
        ),*];
    };
}
use crate::report::{Entry, Severity};
pub(crate) use check_table;

/// A check's fixed description: one row of a check table.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// Stable id (`md-acs-default`, `cert-key-size`, `req-force-authn`).
    pub id: &'static str,
    /// How much a failure matters.
    pub severity: Severity,
    /// The rule (document and section).
    pub rule: &'static str,
    /// What must hold, in one line.
    pub requirement: &'static str,
    /// How to fix a failure.
    pub fix: &'static str,
}

/// What running a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The requirement holds.
    Pass,
    /// It does not: what was found instead.
    Fail(String),
    /// It does not, but only a warning in this situation (e.g. plain http on loopback).
    Warn(String),
}

impl Outcome {
    /// `Pass` when `ok`, else `Fail(found())`.
    pub fn check(ok: bool, found: impl FnOnce() -> String) -> Self {
        if ok {
            Outcome::Pass
        } else {
            Outcome::Fail(found())
        }
    }

    /// Whether the requirement holds.
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
}

/// The report entry of `info` run with `outcome`: `id_suffix` tells captures apart
/// (`/redirect`), `family` groups entries (`metadata`, `authn-request`).
pub fn entry(
    info: &CheckInfo,
    family: &str,
    id_suffix: &str,
    outcome: &Outcome,
    evidence: Option<String>,
) -> Entry {
    let (severity, reason) = match outcome {
        Outcome::Pass => (info.severity, info.requirement.to_string()),
        Outcome::Fail(found) => (info.severity, format!("{found}. Fix: {}", info.fix)),
        Outcome::Warn(found) => (Severity::Warning, format!("{found}. Fix: {}", info.fix)),
    };
    // A failed warning does not fail the run; it is still reported as not passed.
    let passed = outcome.passed();
    Entry {
        id: format!("{}{id_suffix}", info.id),
        title: info.requirement.to_string(),
        outcome: "check".into(),
        expected: "pass".into(),
        passed,
        verdict: Some(Verdict {
            accepted: passed,
            rule: info.id.to_string(),
            reason,
            evidence: evidence.into_iter().collect(),
            spid_error: None,
        }),
        rule: Some(info.rule.to_string()),
        severity: Some(severity),
        family: Some(family.to_string()),
        ..Entry::default()
    }
}

/// Whether check `id` is selected by `--only` (every check when `only` is empty).
pub fn selected(id: &str, only: &[String]) -> bool {
    only.is_empty() || only.iter().any(|o| o == id)
}

/// The `Algorithm` of every ds:`element` (`SignatureMethod`, `DigestMethod`) under a
/// ds:SignedInfo, in document order: what the signature checks of both tables judge.
pub fn signed_info_algorithms(signed_info: Node<'_, '_>, element: &'static str) -> Vec<String> {
    signed_info
        .descendants(ns::DSIG, element)
        .iter()
        .map(|m| m.attr("Algorithm").unwrap_or_default().to_string())
        .collect()
}

/// A value as a finding shows it: `"plain"`, `120`, or `absent` (never Rust's `Some(..)`).
pub fn shown<T: std::fmt::Debug>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "absent".to_string(), |x| format!("{x:?}"))
}

/// Whether `url` is http(s) on a loopback host (`127.0.0.1`, `::1`, `localhost`).
pub fn is_loopback(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host().map(|h| match h {
                url::Host::Domain(d) => d == "localhost",
                url::Host::Ipv4(ip) => ip.is_loopback(),
                url::Host::Ipv6(ip) => ip.is_loopback(),
            })
        })
        .unwrap_or(false)
}

/// An https requirement on `url`: plain http is an error, except on loopback where it is a
/// warning (a local test deployment).
pub fn https_outcome(what: &str, url: &str) -> Outcome {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "https" => Outcome::Pass,
        Ok(u) if u.scheme() == "http" && is_loopback(url) => Outcome::Warn(format!(
            "{what} {url:?} is plain http (accepted on loopback only)"
        )),
        Ok(_) => Outcome::Fail(format!("{what} {url:?} is not https")),
        Err(e) => Outcome::Fail(format!("{what} {url:?} is not a URL ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_shows_values_not_rust_options() {
        assert_eq!(shown(&Some("1.0")), "\"1.0\"");
        assert_eq!(shown(&Some(120)), "120");
        assert_eq!(shown::<&str>(&None), "absent");
    }

    #[test]
    fn https_rules() {
        assert_eq!(https_outcome("x", "https://a.example/"), Outcome::Pass);
        assert!(matches!(
            https_outcome("x", "http://127.0.0.1:7/acs"),
            Outcome::Warn(_)
        ));
        assert!(matches!(
            https_outcome("x", "http://a.example/"),
            Outcome::Fail(_)
        ));
        assert!(matches!(https_outcome("x", "nope"), Outcome::Fail(_)));
    }
}
