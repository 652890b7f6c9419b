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
    pub fn error_code(self) -> Option<u8> {
        match self {
            Outcome::Success => None,
            Outcome::WrongCredentials => Some(19),
            Outcome::NoLevel => Some(20),
            Outcome::Timeout => Some(21),
            Outcome::ConsentDenied => Some(22),
            Outcome::Suspended => Some(23),
            Outcome::Cancel => Some(25),
            Outcome::PurposeMismatch => Some(30),
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

impl std::str::FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            format!("unknown outcome {s:?}: use success, wrong-credentials, no-level, timeout, consent-denied, suspended, cancel or purpose-mismatch (or nr19…nr30)")
        })
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
