//! Consecutive wrong tries against a limit, cleared by a right one. Three rules share this shape:
//! the wrong credentials of one SPID login (ErrorCode nr19 at the limit, `IdpConfig::max_attempts`;
//! SPID technical rules, "Tabella messaggi di anomalia"), the PIN of a CIE card and of a CNS card
//! (3 wrong PINs block it; docs/rules/cie.md, docs/rules/cns.md) and their PUK (10 wrong PUKs end
//! the card). The INPS PIN lock (PIN-09, [`crate::pin::lockout`]) is not of this shape: it locks
//! for a time that grows with each failure and unlocks by itself, so it keeps its own type.

use serde::Serialize;

/// Wrong tries so far against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tries {
    failures: u32,
    limit: u32,
}

/// What one wrong try left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Try {
    /// Still usable: this many tries before the limit.
    Left(u32),
    /// The limit is reached (by this try or an earlier one).
    Exhausted,
}

impl Tries {
    /// No failures yet; `limit` wrong tries exhaust it (a limit of 0 is taken as 1).
    pub const fn new(limit: u32) -> Self {
        Self {
            failures: 0,
            limit: if limit == 0 { 1 } else { limit },
        }
    }

    /// Counts one wrong try.
    pub fn fail(&mut self) -> Try {
        self.failures = self.failures.saturating_add(1).min(self.limit);
        match self.left() {
            0 => Try::Exhausted,
            n => Try::Left(n),
        }
    }

    /// A right try: the count starts again.
    pub fn clear(&mut self) {
        self.failures = 0;
    }

    /// Wrong tries so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Tries left before the limit.
    pub fn left(&self) -> u32 {
        self.limit - self.failures
    }

    /// Whether the limit is reached.
    pub fn exhausted(&self) -> bool {
        self.failures >= self.limit
    }
}

/// Serialized as the number of failures (the limit is a constant of the rule).
impl Serialize for Tries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_to_the_limit_and_stays_there() {
        let mut t = Tries::new(3);
        assert_eq!(t.fail(), Try::Left(2));
        assert_eq!(t.fail(), Try::Left(1));
        assert!(!t.exhausted());
        assert_eq!(t.fail(), Try::Exhausted);
        assert!(t.exhausted());
        assert_eq!(t.fail(), Try::Exhausted);
        assert_eq!(t.failures(), 3);
        t.clear();
        assert_eq!((t.failures(), t.left()), (0, 3));
        assert_eq!(Tries::new(0).fail(), Try::Exhausted);
        assert_eq!(serde_json::to_string(&t).unwrap(), "0");
    }
}
