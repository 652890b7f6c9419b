//! Fault switches: every check the reference SP runs on a Response has a stable name, and any
//! subset can be switched off to make a "mutant" SP that accepts what the check refuses.

use std::collections::BTreeSet;

/// One switch: its stable name and what switching it off disables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The stable kebab-case name (`--faults NAME,...`).
    pub name: &'static str,
    /// One line: what the SP stops checking when the switch is off.
    pub description: &'static str,
}

/// Every switch, sorted by name.
pub static ALL: &[Fault] = &[
    Fault { name: "assertion-id", description: "Assertion ID present and a valid xs:ID" },
    Fault { name: "assertion-issue-instant", description: "Assertion IssueInstant present, UTC, not before the request and not in the future (beyond the skew)" },
    Fault { name: "assertion-signature", description: "the Assertion carries a signature that verifies with the IdP's metadata certificate" },
    Fault { name: "attributes", description: "AttributeStatement present, not empty, exactly the requested attributes (none missing, none extra)" },
    Fault { name: "audience", description: "Conditions/AudienceRestriction/Audience equals our entityID" },
    Fault { name: "authn-context", description: "AuthnContextClassRef is a SPID level URI acceptable for the requested level and Comparison" },
    Fault { name: "cns-cf", description: "CNS: the subject CN begins with a valid codice fiscale (check character included)" },
    Fault { name: "cns-chain", description: "CNS: the card chains to a trusted CNS issuer (an unknown CA is refused at handshake)" },
    Fault { name: "cns-policy", description: "CNS: certificatePolicies contain the CNS (1.3.76.16.2.1) or CIE (1.3.76.47.4) policy" },
    Fault { name: "cns-revocation", description: "CNS: the issuers' CRLs are applied at handshake (a revoked card is refused)" },
    Fault { name: "cns-validity", description: "CNS: the card is within its validity period at handshake" },
    Fault { name: "conditions", description: "Conditions present with NotBefore <= now+skew and NotOnOrAfter > now-skew" },
    Fault { name: "destination", description: "Response Destination equals the ACS URL reached" },
    Fault { name: "in-response-to", description: "InResponseTo names an outstanding request of this browser session (used once)" },
    Fault { name: "issuer", description: "Response and Assertion Issuer equal the entityID of the IdP the request went to" },
    Fault { name: "issuer-format", description: "Assertion Issuer Format is entity; Response Issuer Format absent or entity" },
    Fault { name: "name-id", description: "NameID present, Format transient, NameQualifier present" },
    Fault { name: "no-dtd", description: "a Response with a DOCTYPE or ENTITY declaration is refused before parsing" },
    Fault { name: "replay", description: "Response and Assertion IDs already consumed are refused until their NotOnOrAfter" },
    Fault { name: "response-id", description: "Response ID present and a valid xs:ID" },
    Fault { name: "response-issue-instant", description: "Response IssueInstant present, UTC, not before the request and not in the future (beyond the skew)" },
    Fault { name: "response-signature", description: "a Response signature, when present, must verify with the IdP's metadata certificate" },
    Fault { name: "session-index", description: "AuthnStatement SessionIndex present at L1 and absent at L2/L3" },
    Fault { name: "signature-algorithm", description: "signature and digest algorithms are SHA-256 or stronger (no SHA-1)" },
    Fault { name: "signed-node", description: "each verified signature covers exactly its parent, the Response root or the consumed Assertion (no wrapping)" },
    Fault { name: "single-assertion", description: "exactly one Assertion, a child of the Response, and no EncryptedAssertion" },
    Fault { name: "status", description: "StatusCode is Success; otherwise the SPID error page is shown" },
    Fault { name: "subject-confirmation", description: "SubjectConfirmation bearer with Recipient = ACS, InResponseTo = request ID, NotOnOrAfter in the future" },
    Fault { name: "version", description: "Response and Assertion Version are \"2.0\"" },
];

/// A set of switched-off checks; the default (none) is the strict SP.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    off: BTreeSet<&'static str>,
}

/// A switch name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault switch {name:?}{}", suggestion.map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownFault {
    /// The name given.
    pub name: String,
    /// The closest known name, when one is close enough.
    pub suggestion: Option<&'static str>,
}

impl Faults {
    /// Every check on: the strict SP.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma- or space-separated list of switch names; an empty list is `none()`.
    pub fn parse(list: &str) -> Result<Self, UnknownFault> {
        let mut off = BTreeSet::new();
        for name in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            match ALL.iter().find(|f| f.name == name) {
                Some(f) => {
                    off.insert(f.name);
                }
                None => {
                    return Err(UnknownFault {
                        name: name.to_string(),
                        suggestion: closest(name),
                    })
                }
            }
        }
        Ok(Self { off })
    }

    /// Switches one check off; `false` if the name is unknown.
    pub fn switch_off(&mut self, name: &str) -> bool {
        match ALL.iter().find(|f| f.name == name) {
            Some(f) => {
                self.off.insert(f.name);
                true
            }
            None => false,
        }
    }

    /// Whether the check `name` is switched off.
    pub fn is_off(&self, name: &str) -> bool {
        self.off.contains(name)
    }

    /// The switched-off checks, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        self.off.iter().copied().collect()
    }
}

/// The known name closest to `name` by edit distance, if within a third of its length (min 2).
fn closest(name: &str) -> Option<&'static str> {
    let limit = (name.len() / 3).max(2);
    ALL.iter()
        .map(|f| (levenshtein(name, f.name), f.name))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_unique_kebab() {
        for w in ALL.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for f in ALL {
            assert!(f.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(!f.description.is_empty());
        }
    }

    #[test]
    fn parse_and_query() {
        let f = Faults::parse("audience, replay").unwrap();
        assert!(f.is_off("audience") && f.is_off("replay") && !f.is_off("issuer"));
        assert_eq!(f.names(), vec!["audience", "replay"]);
        assert_eq!(Faults::parse("").unwrap(), Faults::none());
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let e = Faults::parse("audiance").unwrap_err();
        assert_eq!(e.suggestion, Some("audience"));
        assert!(e.to_string().contains("did you mean \"audience\""));
        let e = Faults::parse("zzzzzzzzzzzz").unwrap_err();
        assert_eq!(e.suggestion, None);
    }
}
