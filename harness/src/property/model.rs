//! The model of acceptance: a combination is a login ask plus a list of typed changes to the
//! correct Response; each change declares whether it keeps the Response valid (and by which
//! rule it is legal) or breaks a binding rule (which one); the model's verdict follows.
//!
//! Breaking changes are the catalogue's own Response cases ([`crate::conformance::cases`]),
//! referenced by id, plus two whose value can be simplified while shrinking; legal variations
//! are the catalogue's accept cases and the variations of [`Legal`].

use crate::conformance::case::{Expect, Mutation, ResponseCase};
use crate::conformance::cases::RESPONSE_CASES;
use mock_idps::spid::level::{sp_must_accept, Comparison, Level};
use serde::Serialize;

/// The rule the acceptance matrix follows (the level changes cite it).
pub const MATRIX: &str =
    "docs/rules/spid-saml.md#comparison acceptance matrix (spid-sp-test dynamic_acr)";

/// A legal variation: a Response that differs from the one the harness renders by default but
/// that every conforming service must accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Legal {
    /// The Attributes of the AttributeStatement rotated by `by` places.
    AttributeOrder {
        /// Places (1 = the first attribute moves to the end).
        by: u8,
    },
    /// Other namespace prefixes (`saml2:` for the assertion namespace, `sp:` for protocol).
    Prefixes,
    /// Line breaks and `indent` spaces between elements (never inside a value).
    Whitespace {
        /// Spaces per line (1–8).
        indent: u8,
    },
    /// Only the Assertion is signed, the Response is not (the other placement SPID allows).
    AssertionOnlySigned,
    /// Response and Assertion IssueInstant at `permille`/1000 of the way from the moment the
    /// request was captured to the moment the Response is built.
    IssueInstant {
        /// 0–1000.
        permille: u16,
    },
    /// Conditions and SubjectConfirmationData NotOnOrAfter `secs` seconds after now.
    NotOnOrAfter {
        /// 60–3600.
        secs: u16,
    },
    /// Conditions NotBefore `secs` seconds before now.
    NotBefore {
        /// 0–600.
        secs: u16,
    },
}

impl Legal {
    /// The rule that makes the variation legal.
    pub fn basis(&self) -> &'static str {
        match self {
            Legal::AttributeOrder { .. } => {
                "SAML Core §2.7.3 (AttributeStatement: unbounded Attributes, order not significant)"
            }
            Legal::Prefixes => "Namespaces in XML 1.0 §3 (prefixes are not significant)",
            Legal::Whitespace { .. } => {
                "XML 1.0 §2.10 (whitespace between elements); XML-DSig signs what is sent"
            }
            Legal::AssertionOnlySigned => {
                "SPID RT single-sign-on: the Response signature is optional, the Assertion's mandatory"
            }
            Legal::IssueInstant { .. } => {
                "SPID RT single-sign-on: IssueInstant not before the request, not in the future"
            }
            Legal::NotOnOrAfter { .. } => "SAML Core §2.5.1.2 (NotOnOrAfter in the future)",
            Legal::NotBefore { .. } => "SAML Core §2.5.1.2 (NotBefore in the past)",
        }
    }

    /// Simpler forms of this variation, simplest first (for shrinking).
    pub fn simpler(&self) -> Vec<Legal> {
        match *self {
            Legal::AttributeOrder { by } if by > 1 => vec![Legal::AttributeOrder { by: 1 }],
            Legal::Whitespace { indent } if indent > 1 => vec![Legal::Whitespace { indent: 1 }],
            Legal::IssueInstant { permille } if permille != 1000 => {
                vec![Legal::IssueInstant { permille: 1000 }]
            }
            Legal::NotOnOrAfter { secs } if secs != 300 => vec![Legal::NotOnOrAfter { secs: 300 }],
            Legal::NotBefore { secs } if secs > 0 => vec![Legal::NotBefore { secs: 0 }],
            _ => Vec::new(),
        }
    }

    /// Which variations exclude each other or a kind of catalogue mutation: text edits of the
    /// unsigned XML cannot follow a case-specific signing, and XML edits after signing find
    /// their elements by the default prefixes.
    fn text_edit(&self) -> bool {
        matches!(self, Legal::Prefixes | Legal::Whitespace { .. })
    }
}

/// A breaking change whose value is simplified while shrinking (the catalogue has one value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Broken {
    /// Conditions NotOnOrAfter `minutes` in the past (beyond any reasonable skew: 10 or more).
    Expired {
        /// 10–1440.
        minutes: u16,
    },
    /// Response IssueInstant `minutes` in the future (10 or more).
    FutureIssueInstant {
        /// 10–1440.
        minutes: u16,
    },
}

impl Broken {
    /// The binding rule broken.
    pub fn rule(&self) -> &'static str {
        match self {
            Broken::Expired { .. } => "SAML Core §2.5.1 (Conditions)",
            Broken::FutureIssueInstant { .. } => "SPID RT single-sign-on (Response)",
        }
    }

    /// The reference-SP check that guards the rule.
    pub fn guard(&self) -> &'static str {
        match self {
            Broken::Expired { .. } => "conditions",
            Broken::FutureIssueInstant { .. } => "response-issue-instant",
        }
    }

    /// Simpler values (for shrinking): the boundary of the generated range.
    pub fn simpler(&self) -> Vec<Broken> {
        match *self {
            Broken::Expired { minutes } if minutes > 10 => vec![Broken::Expired { minutes: 10 }],
            Broken::FutureIssueInstant { minutes } if minutes > 10 => {
                vec![Broken::FutureIssueInstant { minutes: 10 }]
            }
            _ => Vec::new(),
        }
    }
}

/// One typed change to the correct Response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// The mutation of a catalogue Response case (by id): its rule and its verdict.
    Case {
        /// The catalogue id (`"21"`, `"xsw3"`…).
        id: &'static str,
    },
    /// The Assertion's level: the acceptance matrix decides.
    Level {
        /// The level the Assertion carries.
        level: Level,
    },
    /// A legal variation.
    Legal(Legal),
    /// A breaking change with a value.
    Broken(Broken),
}

/// What one change does to the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "kebab-case")]
pub enum Effect {
    /// The Response stays valid by this rule.
    Keeps {
        /// The rule that makes it legal.
        basis: String,
    },
    /// The Response breaks this binding rule.
    Breaks {
        /// The rule (document and section).
        rule: String,
        /// The reference-SP checks (comma-separated) that guard it, when known.
        guard: Option<String>,
    },
    /// Either verdict is conforming.
    Either {
        /// The rule that leaves it open.
        rule: String,
    },
}

impl Change {
    /// The catalogue case of a `Case` change.
    pub fn case(&self) -> Option<&'static ResponseCase> {
        match self {
            Change::Case { id } => case(id),
            _ => None,
        }
    }

    /// What the change does for a request of `level` with `comparison`.
    pub fn effect(&self, level: Level, comparison: Comparison) -> Effect {
        match self {
            Change::Case { id } => match case(id) {
                // The catalogue declares a case's verdict for its own login only.
                Some(c) if !fits(c, level, comparison) => Effect::Either {
                    rule: format!(
                        "case {id} is defined for SpidL{} {} only",
                        c.login.level, c.login.comparison
                    ),
                },
                Some(c) => match c.expect {
                    Expect::Accept => Effect::Keeps {
                        basis: c.rule.to_string(),
                    },
                    Expect::Refuse => Effect::Breaks {
                        rule: c.rule.to_string(),
                        guard: c.mutant.map(str::to_string),
                    },
                    _ => Effect::Either {
                        rule: c.rule.to_string(),
                    },
                },
                None => Effect::Either {
                    rule: format!("unknown case {id}"),
                },
            },
            Change::Level { level: got } => {
                if sp_must_accept(level, comparison, *got) {
                    Effect::Keeps {
                        basis: MATRIX.to_string(),
                    }
                } else {
                    Effect::Breaks {
                        rule: MATRIX.to_string(),
                        guard: Some("authn-context".into()),
                    }
                }
            }
            Change::Legal(l) => Effect::Keeps {
                basis: l.basis().to_string(),
            },
            Change::Broken(b) => Effect::Breaks {
                rule: b.rule().to_string(),
                guard: Some(b.guard().to_string()),
            },
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Change::Case { id } => match case(id) {
                Some(c) => format!("case {id}: {}", c.title),
                None => format!("case {id}"),
            },
            Change::Level { level } => format!("Assertion at {}", level.uri()),
            Change::Legal(l) => match l {
                Legal::AttributeOrder { by } => format!("attributes rotated by {by}"),
                Legal::Prefixes => "prefixes saml2: and sp:".into(),
                Legal::Whitespace { indent } => format!("indented by {indent} between elements"),
                Legal::AssertionOnlySigned => "only the Assertion signed".into(),
                Legal::IssueInstant { permille } => {
                    format!("IssueInstant at {permille}‰ of the request-to-now window")
                }
                Legal::NotOnOrAfter { secs } => format!("NotOnOrAfter now + {secs} s"),
                Legal::NotBefore { secs } => format!("NotBefore now - {secs} s"),
            },
            Change::Broken(b) => match b {
                Broken::Expired { minutes } => {
                    format!("Conditions NotOnOrAfter {minutes} min in the past")
                }
                Broken::FutureIssueInstant { minutes } => {
                    format!("Response IssueInstant {minutes} min in the future")
                }
            },
        }
    }

    /// Simpler forms (for shrinking).
    pub fn simpler(&self) -> Vec<Change> {
        match self {
            Change::Legal(l) => l.simpler().into_iter().map(Change::Legal).collect(),
            Change::Broken(b) => b.simpler().into_iter().map(Change::Broken).collect(),
            _ => Vec::new(),
        }
    }

    fn mutation_kind(&self) -> Option<&'static str> {
        self.case().map(|c| c.mutation.kind())
    }

    fn text_edit(&self) -> bool {
        matches!(self, Change::Legal(l) if l.text_edit())
    }
}

/// The catalogue case `id`.
pub fn case(id: &str) -> Option<&'static ResponseCase> {
    RESPONSE_CASES.iter().find(|c| c.id == id)
}

/// Whether catalogue case `c` is defined for a request of `level` with `comparison` (the
/// login it asks for).
pub fn fits(c: &ResponseCase, level: Level, comparison: Comparison) -> bool {
    c.login.level == level.number() && c.login.comparison == comparison.as_str()
}

/// The catalogue cases a combination can use: one Response per login (no flows), a fixed
/// verdict or "either" (the comment-injection cases need the protected page), and not the level
/// matrix (the [`Change::Level`] change plays it for any request).
pub fn usable_cases() -> impl Iterator<Item = &'static ResponseCase> {
    RESPONSE_CASES.iter().filter(|c| {
        matches!(
            c.mutation,
            Mutation::Plan(_) | Mutation::Unsigned(_) | Mutation::Xml(_) | Mutation::Sign(_)
        ) && matches!(c.expect, Expect::Accept | Expect::Refuse | Expect::Either)
    })
}

/// Whether `changes` can be applied together: at most one case-specific signing, and then no
/// edit of the unsigned XML and no other refuse case; at most one edit of the signed XML, and then no prefix change;
/// no change twice.
pub fn compatible(changes: &[Change]) -> bool {
    let kinds: Vec<&str> = changes.iter().filter_map(Change::mutation_kind).collect();
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    let signing = count("signing");
    let signed_xml = count("signed-xml");
    let unsigned_edits = count("unsigned-xml") + changes.iter().filter(|c| c.text_edit()).count();
    let prefixes = changes.contains(&Change::Legal(Legal::Prefixes));
    let distinct = changes
        .iter()
        .enumerate()
        .all(|(i, c)| !changes[..i].iter().any(|d| same_slot(c, d)));
    // A case-specific signer needs the Assertion as planned: no other refuse case with it.
    let refuse_cases = changes
        .iter()
        .filter(|c| c.case().is_some_and(|k| k.expect == Expect::Refuse))
        .count();
    signing <= 1
        && !(signing == 1 && refuse_cases > 1)
        && signed_xml <= 1
        && !(signing == 1 && unsigned_edits > 0)
        && !(signed_xml == 1 && prefixes)
        && distinct
}

/// Two changes of the same slot (two levels, two whitespace variations…) cannot both apply.
fn same_slot(a: &Change, b: &Change) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && match (a, b) {
            (Change::Case { id: x }, Change::Case { id: y }) => x == y,
            (Change::Legal(x), Change::Legal(y)) => {
                std::mem::discriminant(x) == std::mem::discriminant(y)
            }
            (Change::Broken(x), Change::Broken(y)) => {
                std::mem::discriminant(x) == std::mem::discriminant(y)
            }
            _ => true,
        }
}

/// The binding the service is asked to send its AuthnRequest on (the binding the suite captures
/// requests on).
pub use crate::conformance::request::Binding;

/// One generated combination: the login asked for and the changes to its Response.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Combination {
    /// Its index in the run (the `--replay` id).
    pub id: u32,
    /// The level the service is asked to request.
    pub level: Level,
    /// The Comparison it is asked to request.
    pub comparison: Comparison,
    /// The binding of the AuthnRequest.
    pub binding: Binding,
    /// The changes, applied in this order within their kind.
    pub changes: Vec<Change>,
}

/// The model's verdict on a combination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum ModelVerdict {
    /// Every change keeps the Response valid: a conforming service logs the user in.
    Accept,
    /// At least one change breaks a binding rule: a conforming service refuses.
    Refuse {
        /// The rules broken, in change order.
        rules: Vec<String>,
    },
    /// No change breaks a rule, but one leaves the verdict open.
    Either,
}

impl ModelVerdict {
    /// Whether a service verdict (`accepted`) agrees.
    pub fn agrees(&self, accepted: bool) -> bool {
        match self {
            ModelVerdict::Accept => accepted,
            ModelVerdict::Refuse { .. } => !accepted,
            ModelVerdict::Either => true,
        }
    }

    /// `accept`, `refuse` or `either`.
    pub fn word(&self) -> &'static str {
        match self {
            ModelVerdict::Accept => "accept",
            ModelVerdict::Refuse { .. } => "refuse",
            ModelVerdict::Either => "either",
        }
    }
}

impl Combination {
    /// The model's verdict: refuse if any change breaks a rule, else either if one leaves it
    /// open, else accept.
    pub fn verdict(&self) -> ModelVerdict {
        let effects: Vec<Effect> = self
            .changes
            .iter()
            .map(|c| c.effect(self.level, self.comparison))
            .collect();
        let rules: Vec<String> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Breaks { rule, .. } => Some(rule.clone()),
                _ => None,
            })
            .collect();
        if !rules.is_empty() {
            ModelVerdict::Refuse { rules }
        } else if effects.iter().any(|e| matches!(e, Effect::Either { .. })) {
            ModelVerdict::Either
        } else {
            ModelVerdict::Accept
        }
    }

    /// The changes as one line each.
    pub fn describe(&self) -> Vec<String> {
        self.changes.iter().map(Change::describe).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn combo(changes: Vec<Change>) -> Combination {
        Combination {
            id: 0,
            level: Level::L2,
            comparison: Comparison::Minimum,
            binding: Binding::Redirect,
            changes,
        }
    }

    #[test]
    fn verdict_is_refuse_when_any_change_breaks_a_rule() {
        assert_eq!(combo(vec![]).verdict(), ModelVerdict::Accept);
        let legal = Change::Legal(Legal::Prefixes);
        assert_eq!(combo(vec![legal]).verdict(), ModelVerdict::Accept);
        let v = combo(vec![legal, Change::Case { id: "21" }]).verdict();
        assert!(matches!(v, ModelVerdict::Refuse { ref rules } if rules.len() == 1));
        assert_eq!(
            combo(vec![Change::Case { id: "103" }]).verdict(),
            ModelVerdict::Either
        );
    }

    #[test]
    fn level_changes_follow_the_matrix() {
        let mut c = combo(vec![Change::Level { level: Level::L1 }]);
        assert!(matches!(c.verdict(), ModelVerdict::Refuse { .. }));
        c.changes = vec![Change::Level { level: Level::L3 }];
        assert_eq!(c.verdict(), ModelVerdict::Accept);
        c.comparison = Comparison::Maximum;
        c.changes = vec![Change::Level { level: Level::L1 }];
        assert_eq!(c.verdict(), ModelVerdict::Accept);
    }

    #[test]
    fn incompatible_changes_are_rejected() {
        // A case-specific signing and a text edit of the unsigned XML.
        assert!(!compatible(&[
            Change::Case { id: "5" },
            Change::Legal(Legal::Whitespace { indent: 2 })
        ]));
        // XML edits after signing and other prefixes.
        assert!(!compatible(&[
            Change::Case { id: "xsw3" },
            Change::Legal(Legal::Prefixes)
        ]));
        assert!(!compatible(&[
            Change::Level { level: Level::L1 },
            Change::Level { level: Level::L3 }
        ]));
        assert!(compatible(&[
            Change::Case { id: "21" },
            Change::Legal(Legal::Prefixes),
            Change::Legal(Legal::AssertionOnlySigned)
        ]));
    }

    #[test]
    fn every_usable_case_is_in_the_vocabulary() {
        let n = usable_cases().count();
        assert!(n > 100, "{n}");
        assert!(usable_cases().all(|c| !matches!(c.mutation, Mutation::Flow(_))));
    }
}
