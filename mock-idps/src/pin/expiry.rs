//! Calendar-month arithmetic for PIN expiry (PIN-08) and phone-PIN validity (SW-07).
//!
//! "Six months to the day": adding `n` months keeps the day of the month and the time of day; when
//! the target month is shorter, the day is clamped to its last day. So 2021-01-31 + 6 months is
//! 2021-07-31, 2021-08-31 + 6 months is 2022-02-28, 2023-08-31 + 6 months is 2024-02-29. A PIN is
//! expired from that instant on (`now >= expiry`): valid one minute before, expired at it.

use time::{Date, Month, OffsetDateTime};

/// `date` plus `months` calendar months, the day clamped to the end of a shorter month.
pub fn add_months(date: Date, months: u32) -> Date {
    let zero_based = date.year() as i64 * 12 + (date.month() as i64 - 1) + months as i64;
    let year = zero_based.div_euclid(12) as i32;
    // INVARIANT: rem_euclid(12) + 1 is in 1..=12.
    let month = Month::try_from((zero_based.rem_euclid(12) + 1) as u8).unwrap_or(Month::December);
    let last = month.length(year);
    let day = date.day().min(last);
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// `instant` plus `months` calendar months, same time of day and offset (see the module doc).
pub fn add_months_at(instant: OffsetDateTime, months: u32) -> OffsetDateTime {
    instant.replace_date(add_months(instant.date(), months))
}

/// The instant a PIN set at `set_at` expires, after `months` months (PIN-08).
pub fn pin_expiry(set_at: OffsetDateTime, months: u32) -> OffsetDateTime {
    // PIN-08: every 6 months for a citizen, 3 for an intermediario istituzionale.
    add_months_at(set_at, months)
}

/// Whether a PIN set at `set_at` with a `months`-month life is expired at `now` (PIN-08).
pub fn is_expired(set_at: OffsetDateTime, months: u32, now: OffsetDateTime) -> bool {
    now >= pin_expiry(set_at, months)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(add_months(date!(2021 - 01 - 31), 6), date!(2021 - 07 - 31));
        assert_eq!(add_months(date!(2021 - 08 - 31), 6), date!(2022 - 02 - 28));
        assert_eq!(add_months(date!(2023 - 08 - 31), 6), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2021 - 11 - 30), 3), date!(2022 - 02 - 28));
        assert_eq!(add_months(date!(2021 - 10 - 15), 3), date!(2022 - 01 - 15));
        assert_eq!(add_months(date!(2021 - 12 - 31), 1), date!(2022 - 01 - 31));
        assert_eq!(add_months(date!(2021 - 05 - 05), 0), date!(2021 - 05 - 05));
    }

    #[test]
    fn expiry_is_an_instant_to_the_day() {
        let set = datetime!(2021-01-31 10:00 UTC);
        assert_eq!(pin_expiry(set, 6), datetime!(2021-07-31 10:00 UTC));
        assert!(!is_expired(set, 6, datetime!(2021-07-31 09:59 UTC)));
        assert!(is_expired(set, 6, datetime!(2021-07-31 10:00 UTC)));
    }
}
