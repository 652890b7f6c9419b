//! SPID levels and the Comparison attribute, and which returned level the SP accepts for what it
//! requested (docs/rules/spid-saml.md).

use std::fmt;

/// A SPID authentication level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `https://www.spid.gov.it/SpidL1`: one factor.
    L1,
    /// `https://www.spid.gov.it/SpidL2`: two factors.
    L2,
    /// `https://www.spid.gov.it/SpidL3`: two factors, one a certificate on a secure device.
    L3,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 3] = [Level::L1, Level::L2, Level::L3];

    /// The `AuthnContextClassRef` URI (RT single-sign-on).
    pub fn uri(self) -> &'static str {
        match self {
            Level::L1 => "https://www.spid.gov.it/SpidL1",
            Level::L2 => "https://www.spid.gov.it/SpidL2",
            Level::L3 => "https://www.spid.gov.it/SpidL3",
        }
    }

    /// The level of a SPID URI; the legacy `urn:oasis:…:SpidLx` form is not one (SPT test 97).
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.uri() == uri)
    }

    /// 1, 2 or 3.
    pub fn number(self) -> u8 {
        match self {
            Level::L1 => 1,
            Level::L2 => 2,
            Level::L3 => 3,
        }
    }

    /// The level numbered `n`.
    pub fn from_number(n: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.number() == n)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.number())
    }
}

/// `RequestedAuthnContext/@Comparison`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// `exact`.
    Exact,
    /// `minimum`.
    Minimum,
    /// `better`.
    Better,
    /// `maximum`.
    Maximum,
}

impl Comparison {
    /// Every value.
    pub const ALL: [Comparison; 4] = [
        Comparison::Exact,
        Comparison::Minimum,
        Comparison::Better,
        Comparison::Maximum,
    ];

    /// Parses the attribute value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
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

/// Whether the SP accepts an assertion at `got` for a request of `requested` with `comparison`:
/// the acceptance matrix of AgID's spid-sp-test (`dynamic_acr`, tests 94–96; docs/rules/spid-saml.md).
/// Accept if got == req and Comparison != better; if got > req; if got < req and maximum.
pub fn acceptable(requested: Level, comparison: Comparison, got: Level) -> bool {
    (got == requested && comparison != Comparison::Better)
        || got > requested
        || (got < requested && comparison == Comparison::Maximum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Comparison::*;
    use Level::*;

    #[test]
    fn matrix() {
        let cases = [
            (L2, Minimum, L2, true),
            (L2, Exact, L2, true),
            (L2, Better, L2, false),
            (L2, Maximum, L2, true),
            (L2, Minimum, L3, true),
            (L2, Better, L3, true),
            (L2, Minimum, L1, false),
            (L2, Exact, L1, false),
            (L2, Better, L1, false),
            (L2, Maximum, L1, true),
        ];
        for (req, cmp, got, want) in cases {
            assert_eq!(acceptable(req, cmp, got), want, "{req} {cmp:?} {got}");
        }
    }

    #[test]
    fn uris() {
        for l in [L1, L2, L3] {
            assert_eq!(Level::from_uri(l.uri()), Some(l));
            assert_eq!(Level::from_number(l.number()), Some(l));
        }
        assert_eq!(
            Level::from_uri("urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2"),
            None
        );
        assert_eq!((Level::from_number(0), Level::from_number(4)), (None, None));
    }

    #[test]
    fn comparisons() {
        let names: Vec<_> = Comparison::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["exact", "minimum", "better", "maximum"]);
        for c in Comparison::ALL {
            assert_eq!(Comparison::parse(c.as_str()), Some(c));
        }
        assert_eq!(Comparison::parse("Exact"), None);
    }
}
