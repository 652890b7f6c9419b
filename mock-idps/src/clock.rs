//! The one source of time for every mock: the system clock, or a simulated clock that scenarios step.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// A source of the current instant, shared by every component that stamps or expires anything.
pub trait Clock: Debug + Send + Sync {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// A clock shared between components.
pub type SharedClock = Arc<dyn Clock>;

/// The machine's real-time clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to: scenarios and tests advance it instead of sleeping.
#[derive(Debug)]
pub struct SimClock {
    now: Mutex<OffsetDateTime>,
}

impl SimClock {
    /// A simulated clock standing at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward (or backward, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }

    /// Puts the clock at `instant`.
    pub fn set(&self, instant: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = instant;
    }
}

impl Clock for SimClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A SAML instant (xs:dateTime): UTC, `Z` suffix, millisecond precision.
const SAML_INSTANT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// Formats an instant as SAML wants it: UTC, `Z` suffix, millisecond precision.
pub fn saml_instant(t: OffsetDateTime) -> String {
    // Every component the description names is in an OffsetDateTime: formatting cannot fail.
    t.to_offset(time::UtcOffset::UTC)
        .format(SAML_INSTANT)
        .unwrap_or_default()
}

/// Parses a SAML `xs:dateTime` instant (RFC 3339, with or without fractional seconds).
pub fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sim_clock_moves_only_when_told() {
        let clock = SimClock::new(datetime!(2020-10-01 00:00 UTC));
        assert_eq!(clock.now(), datetime!(2020-10-01 00:00 UTC));
        clock.advance(Duration::days(7));
        assert_eq!(clock.now(), datetime!(2020-10-08 00:00 UTC));
        clock.set(datetime!(2021-09-30 23:59 UTC));
        assert_eq!(clock.now(), datetime!(2021-09-30 23:59 UTC));
    }

    #[test]
    fn instants_round_trip() {
        let t = datetime!(2017-03-05 18:03:10.531 UTC);
        assert_eq!(saml_instant(t), "2017-03-05T18:03:10.531Z");
        let early = datetime!(0999-01-02 03:04:05.006 +02:00);
        assert_eq!(saml_instant(early), "0999-01-02T01:04:05.006Z");
        assert_eq!(parse_instant("2017-03-05T18:03:10.531Z"), Some(t));
        assert_eq!(
            parse_instant("2017-03-05T18:03:10Z"),
            Some(datetime!(2017-03-05 18:03:10 UTC))
        );
        assert_eq!(parse_instant("not a date"), None);
    }
}
