//! SPID assurance levels, the `Comparison` semantics of `RequestedAuthnContext`, and the level
//! the IdP authenticates at (SPID technical rules, single-sign-on; docs/rules/spid-saml.md).

use crate::saml::ns::SPID_LEVEL_PREFIX;
use serde::{Deserialize, Serialize};

/// A SPID assurance level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Level {
    /// L1: one factor (password).
    L1 = 1,
    /// L2: two factors, not necessarily certificate based (OTP, app).
    L2 = 2,
    /// L3: two factors on a qualified device (smart card, signing device).
    L3 = 3,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::L1, Level::L2, Level::L3];

    /// The `AuthnContextClassRef` URI, e.g. `https://www.spid.gov.it/SpidL2`.
    pub fn uri(self) -> &'static str {
        match self {
            Level::L1 => "https://www.spid.gov.it/SpidL1",
            Level::L2 => "https://www.spid.gov.it/SpidL2",
            Level::L3 => "https://www.spid.gov.it/SpidL3",
        }
    }

    /// Parses a SPID level URI; the legacy `urn:oasis:…:SpidLx` form is refused (SPID rules).
    pub fn from_uri(uri: &str) -> Option<Level> {
        match uri.trim().strip_prefix(SPID_LEVEL_PREFIX)? {
            "1" => Some(Level::L1),
            "2" => Some(Level::L2),
            "3" => Some(Level::L3),
            _ => None,
        }
    }

    /// The number 1, 2 or 3.
    pub fn number(self) -> u8 {
        self as u8
    }

    fn above(self) -> Option<Level> {
        match self {
            Level::L1 => Some(Level::L2),
            Level::L2 => Some(Level::L3),
            Level::L3 => None,
        }
    }
}

/// A SPID level that is not one of L1, L2, L3.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LevelError {
    /// A level number other than 1, 2 or 3.
    #[error("SPID level must be 1, 2 or 3, not {0}")]
    Number(u8),
    /// A level name other than `L1`, `L2`, `L3` (or `1`, `2`, `3`).
    #[error("unknown SPID level {0:?}: use L1, L2 or L3")]
    Name(String),
}

impl TryFrom<u8> for Level {
    type Error = LevelError;
    fn try_from(n: u8) -> Result<Self, LevelError> {
        match n {
            1 => Ok(Level::L1),
            2 => Ok(Level::L2),
            3 => Ok(Level::L3),
            n => Err(LevelError::Number(n)),
        }
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l as u8
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "L{}", self.number())
    }
}

impl std::str::FromStr for Level {
    type Err = LevelError;
    fn from_str(s: &str) -> Result<Self, LevelError> {
        match s.trim().trim_start_matches(['L', 'l']) {
            "1" => Ok(Level::L1),
            "2" => Ok(Level::L2),
            "3" => Ok(Level::L3),
            _ => Err(LevelError::Name(s.to_string())),
        }
    }
}

/// The `Comparison` attribute of `RequestedAuthnContext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Comparison {
    /// Exactly the level (the IdP may still go higher, SPID rules).
    Exact,
    /// The level or higher.
    Minimum,
    /// Strictly higher than the level.
    Better,
    /// The level or lower.
    Maximum,
}

impl Comparison {
    /// Parses the attribute value.
    pub fn parse(s: &str) -> Option<Comparison> {
        match s {
            "exact" => Some(Comparison::Exact),
            "minimum" => Some(Comparison::Minimum),
            "better" => Some(Comparison::Better),
            "maximum" => Some(Comparison::Maximum),
            _ => None,
        }
    }

    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Exact => "exact",
            Comparison::Minimum => "minimum",
            Comparison::Better => "better",
            Comparison::Maximum => "maximum",
        }
    }
}

/// The level the IdP authenticates at, given the request and the highest level both the provider
/// and the user hold; `None` means no suitable credential (SPID ErrorCode nr20).
///
/// Policy: `minimum` and `exact` → the requested level; `better` → one above; `maximum` → the
/// highest available not above the request.
pub fn negotiate(requested: Level, comparison: Comparison, available: Level) -> Option<Level> {
    let wanted = match comparison {
        Comparison::Exact | Comparison::Minimum => requested,
        Comparison::Better => requested.above()?,
        Comparison::Maximum => return Some(requested.min(available)),
    };
    (wanted <= available).then_some(wanted)
}

/// Whether an SP must accept an assertion at level `got` for a request of `requested` with
/// `comparison` (the acceptance matrix of the AgID conformance tool, docs/rules/spid-saml.md).
pub fn sp_must_accept(requested: Level, comparison: Comparison, got: Level) -> bool {
    (got == requested && comparison != Comparison::Better)
        || got > requested
        || (got < requested && comparison == Comparison::Maximum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(Level::L2, Comparison::Minimum, Level::L3, Some(Level::L2))]
    #[case(Level::L2, Comparison::Exact, Level::L2, Some(Level::L2))]
    #[case(Level::L3, Comparison::Exact, Level::L2, None)]
    #[case(Level::L1, Comparison::Better, Level::L2, Some(Level::L2))]
    #[case(Level::L2, Comparison::Better, Level::L2, None)]
    #[case(Level::L3, Comparison::Better, Level::L3, None)]
    #[case(Level::L3, Comparison::Maximum, Level::L2, Some(Level::L2))]
    #[case(Level::L1, Comparison::Maximum, Level::L3, Some(Level::L1))]
    fn negotiation(
        #[case] req: Level,
        #[case] cmp: Comparison,
        #[case] avail: Level,
        #[case] out: Option<Level>,
    ) {
        assert_eq!(negotiate(req, cmp, avail), out);
    }

    #[test]
    fn uris() {
        for l in Level::ALL {
            assert_eq!(Level::from_uri(l.uri()), Some(l));
        }
        assert_eq!(
            Level::from_uri("urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2"),
            None
        );
        assert_eq!("L3".parse::<Level>(), Ok(Level::L3));
        assert_eq!(
            "L4".parse::<Level>(),
            Err(LevelError::Name("L4".to_string()))
        );
        assert_eq!(
            "L4".parse::<Level>().unwrap_err().to_string(),
            "unknown SPID level \"L4\": use L1, L2 or L3"
        );
        assert_eq!(Level::try_from(2), Ok(Level::L2));
        assert_eq!(Level::try_from(0), Err(LevelError::Number(0)));
        assert_eq!(
            LevelError::Number(4).to_string(),
            "SPID level must be 1, 2 or 3, not 4"
        );
    }

    #[test]
    fn acceptance_matrix() {
        assert!(sp_must_accept(Level::L2, Comparison::Minimum, Level::L2));
        assert!(!sp_must_accept(Level::L2, Comparison::Better, Level::L2));
        assert!(sp_must_accept(Level::L1, Comparison::Exact, Level::L3));
        assert!(!sp_must_accept(Level::L2, Comparison::Minimum, Level::L1));
        assert!(sp_must_accept(Level::L2, Comparison::Maximum, Level::L1));
    }
}
