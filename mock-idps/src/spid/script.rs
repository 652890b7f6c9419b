//! Scripted logins: tests and CI tell a provider how the next login ends, and it answers at once
//! instead of showing its pages.

use super::level::Level;
use serde::{Deserialize, Serialize};

/// How a scripted login ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The user logs in and consents (identity checks still apply: nr20, nr23, nr30).
    #[default]
    Success,
    /// Wrong credentials until the attempt limit (nr19).
    #[serde(alias = "nr19")]
    WrongCredentials,
    /// No credential of the requested level (nr20).
    #[serde(alias = "nr20")]
    NoLevel,
    /// The user never finishes (nr21).
    #[serde(alias = "nr21")]
    Timeout,
    /// The user denies consent (nr22).
    #[serde(alias = "nr22")]
    ConsentDenied,
    /// The identity is suspended or revoked (nr23).
    #[serde(alias = "nr23")]
    Suspended,
    /// The user cancels (nr25).
    #[serde(alias = "nr25")]
    Cancel,
    /// The identity is not of the requested kind (nr30).
    #[serde(alias = "nr30")]
    PurposeMismatch,
}

impl Outcome {
    /// The SPID ErrorCode this outcome produces, if it is a failure.
    pub fn error_code(self) -> Option<crate::saml::status::SpidCode> {
        let nr = match self {
            Outcome::Success => return None,
            Outcome::WrongCredentials => 19,
            Outcome::NoLevel => 20,
            Outcome::Timeout => 21,
            Outcome::ConsentDenied => 22,
            Outcome::Suspended => 23,
            Outcome::Cancel => 25,
            Outcome::PurposeMismatch => 30,
        };
        crate::saml::status::SpidCode::new(nr)
    }

    /// The outcome's name in scripts and mixes (`no-level`, …).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::WrongCredentials => "wrong-credentials",
            Outcome::NoLevel => "no-level",
            Outcome::Timeout => "timeout",
            Outcome::ConsentDenied => "consent-denied",
            Outcome::Suspended => "suspended",
            Outcome::Cancel => "cancel",
            Outcome::PurposeMismatch => "purpose-mismatch",
        }
    }

    /// Every outcome.
    pub const ALL: [Outcome; 8] = [
        Outcome::Success,
        Outcome::WrongCredentials,
        Outcome::NoLevel,
        Outcome::Timeout,
        Outcome::ConsentDenied,
        Outcome::Suspended,
        Outcome::Cancel,
        Outcome::PurposeMismatch,
    ];
}

/// A scripted outcome name that is none of [`Outcome::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome {0:?}: use success, wrong-credentials, no-level, timeout, consent-denied, suspended, cancel or purpose-mismatch (or nr19…nr30)")]
pub struct UnknownOutcome(pub String);

impl std::str::FromStr for Outcome {
    type Err = UnknownOutcome;
    fn from_str(s: &str) -> Result<Self, UnknownOutcome> {
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map_err(|_| UnknownOutcome(s.to_string()))
    }
}

/// The next login, as a test wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedLogin {
    /// Only this provider takes it; `None` means the next login at any provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// The username of the identity that logs in.
    pub user: String,
    /// Forces the level put in the Assertion (default: the negotiated one).
    #[serde(default)]
    pub level: Option<Level>,
    /// How it ends.
    #[serde(default)]
    pub outcome: Outcome,
}

/// One weighted choice of an auto-login mix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoLoginEntry {
    /// The username of the identity that logs in.
    pub user: String,
    /// Forces the level put in the Assertion (default: the negotiated one).
    #[serde(default)]
    pub level: Option<Level>,
    /// How it ends.
    #[serde(default)]
    pub outcome: Outcome,
    /// Relative weight in the mix (default 1).
    #[serde(default = "one")]
    pub weight: u32,
}

fn one() -> u32 {
    1
}

/// Auto-login: every AuthnRequest a provider accepts is answered at once with the signed Response
/// for one entry of this mix, chosen from the request's ID alone (no per-login state, so replicas
/// answer alike behind a load balancer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoLogin {
    /// The weighted mix (at least one entry, weights not all zero).
    pub entries: Vec<AutoLoginEntry>,
    /// Only these providers answer automatically; empty means every provider.
    #[serde(default)]
    pub providers: Vec<String>,
}

/// Why an auto-login specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AutoLoginError {
    /// The text does not follow `USER[@LEVEL][:OUTCOME][*WEIGHT][+…][,provider=ID…]`.
    #[error("bad auto-login {spec:?}: {detail}; write USER[@LEVEL][:OUTCOME][*WEIGHT][+USER…][,provider=ID…], e.g. mario.rossi@2 or mario.rossi@2*9+mario.rossi:consent-denied*1,provider=poste")]
    Syntax {
        /// The text given.
        spec: String,
        /// What is wrong.
        detail: String,
    },
    /// No entry, or every weight is zero.
    #[error("the auto-login mix is empty or all its weights are 0")]
    Empty,
    /// A user not in the fixtures.
    #[error("unknown auto-login user {0:?}: see fixtures/users.toml")]
    UnknownUser(String),
    /// A provider not served.
    #[error("unknown auto-login provider {0:?}: see the providers table on /")]
    UnknownProvider(String),
    /// A provider the mix applies to has no error code for one of its outcomes.
    #[error("auto-login outcome {} cannot end a login at {:?}: its {} profile ends logins only with {}; name the providers the mix is for with ,provider=ID", .0.outcome, .0.provider, .0.profile, .0.codes)]
    NoCode(NoCode),
}

/// A provider whose profile has no error code for an outcome (CIE has no nr20 nor nr30:
/// fixtures/profiles/cie.toml), so a login there cannot end that way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoCode {
    /// The provider.
    pub provider: String,
    /// Its profile's name.
    pub profile: String,
    /// The outcome (kebab-case).
    pub outcome: String,
    /// The outcomes the profile can end a login with.
    pub codes: String,
}

impl std::str::FromStr for AutoLogin {
    type Err = AutoLoginError;
    fn from_str(spec: &str) -> Result<Self, AutoLoginError> {
        let bad = |detail: String| AutoLoginError::Syntax {
            spec: spec.to_string(),
            detail,
        };
        let mut parts = spec.split(',').map(str::trim);
        let mix = parts.next().unwrap_or_default();
        let mut providers = Vec::new();
        for p in parts {
            match p.split_once('=') {
                Some(("provider", id)) if !id.trim().is_empty() => {
                    providers.push(id.trim().to_string())
                }
                _ => return Err(bad(format!("{p:?} is not provider=ID"))),
            }
        }
        let mut entries = Vec::new();
        for item in mix.split('+').map(str::trim) {
            let (rest, weight) = match item.rsplit_once('*') {
                Some((r, w)) => (
                    r,
                    w.trim()
                        .parse::<u32>()
                        .map_err(|_| bad(format!("weight {w:?} is not a whole number")))?,
                ),
                None => (item, 1),
            };
            let (rest, outcome) = match rest.split_once(':') {
                Some((r, o)) => (
                    r,
                    o.trim()
                        .parse::<Outcome>()
                        .map_err(|e| bad(e.to_string()))?,
                ),
                None => (rest, Outcome::Success),
            };
            let (user, level) = match rest.split_once('@') {
                Some((u, l)) => (u, Some(l.parse::<Level>().map_err(|e| bad(e.to_string()))?)),
                None => (rest, None),
            };
            let user = user.trim();
            if user.is_empty() {
                return Err(bad(format!("{item:?} names no user")));
            }
            entries.push(AutoLoginEntry {
                user: user.to_string(),
                level,
                outcome,
                weight,
            });
        }
        let auto = AutoLogin { entries, providers };
        auto.total_weight().ok_or(AutoLoginError::Empty)?;
        Ok(auto)
    }
}

impl AutoLogin {
    /// The sum of the weights, if the mix can choose anything.
    pub fn total_weight(&self) -> Option<u64> {
        let total: u64 = self.entries.iter().map(|e| u64::from(e.weight)).sum();
        (total > 0).then_some(total)
    }

    /// The entry for the request with this ID: a fixed function of the ID (FNV-1a), so the same
    /// request gets the same answer from any replica and the mix holds over many requests.
    pub fn pick(&self, request_id: &str) -> Option<&AutoLoginEntry> {
        let total = self.total_weight()?;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in request_id.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        let mut slot = hash % total;
        self.entries.iter().find(|e| {
            let w = u64::from(e.weight);
            if slot < w {
                true
            } else {
                slot -= w;
                false
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_name_parses_back_to_it() {
        for o in Outcome::ALL {
            assert_eq!(o.name().parse::<Outcome>(), Ok(o), "{o:?}");
        }
    }

    #[test]
    fn parses_a_user_with_level_and_providers() {
        let a: AutoLogin = "mario.rossi@2,provider=poste,provider=aruba"
            .parse()
            .unwrap();
        assert_eq!(a.providers, ["poste", "aruba"]);
        assert_eq!(a.entries.len(), 1);
        assert_eq!(a.entries[0].level, Some(Level::L2));
        assert_eq!(a.entries[0].outcome, Outcome::Success);
    }

    #[test]
    fn parses_a_weighted_mix_and_honours_it() {
        let a: AutoLogin = "mario.rossi@L2*9+luca.ferrari:nr22*1".parse().unwrap();
        assert_eq!(a.entries[1].outcome, Outcome::ConsentDenied);
        let denied = (0..10_000)
            .filter(|i| a.pick(&format!("_req{i}")).unwrap().outcome == Outcome::ConsentDenied)
            .count();
        assert!((700..1300).contains(&denied), "{denied} of 10000 denied");
        assert_eq!(a.pick("_same"), a.pick("_same"));
    }

    #[test]
    fn refuses_bad_specs_with_the_reason() {
        for (spec, needle) in [
            ("", "names no user"),
            ("mario.rossi@7", "unknown SPID level"),
            ("mario.rossi:maybe", "unknown outcome"),
            ("mario.rossi*x", "weight"),
            ("mario.rossi,idp=poste", "provider=ID"),
        ] {
            let e = spec.parse::<AutoLogin>().unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
        assert_eq!(
            "mario.rossi*0".parse::<AutoLogin>().unwrap_err(),
            AutoLoginError::Empty
        );
    }
}
