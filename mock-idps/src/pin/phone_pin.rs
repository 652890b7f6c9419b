//! The temporary phone PIN (SW-07): generated in MyINPS after a SPID, CIE or CNS login, valid for
//! 1 day, 1 week, 1 month or 3 months, used at the contact center; untouched by the switch-off.

use super::backend::{constant_time_eq, PinBackend};
use super::error::PinError;
use super::expiry::add_months_at;
use super::model::LoginMethod;
use super::store::Record;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long a phone PIN lasts (SW-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneValidity {
    /// One day.
    #[serde(rename = "1-day")]
    Day,
    /// One calendar month (see [`super::expiry`]).
    #[serde(rename = "1-month")]
    Month,
    /// Three calendar months.
    #[serde(rename = "3-months")]
    ThreeMonths,
    /// One week.
    #[serde(rename = "1-week")]
    Week,
}

impl PhoneValidity {
    /// Parses "1-day", "1-week", "1-month" or "3-months".
    pub fn parse(s: &str) -> Result<Self, PinError> {
        match s.trim() {
            "1-day" => Ok(Self::Day),
            "1-week" => Ok(Self::Week),
            "1-month" => Ok(Self::Month),
            "3-months" => Ok(Self::ThreeMonths),
            other => Err(PinError::BadValidity {
                given: other.to_string(),
            }),
        }
    }

    /// The end of a validity starting at `from`.
    pub fn end(self, from: OffsetDateTime) -> OffsetDateTime {
        match self {
            Self::Day => from + Duration::days(1),
            Self::Week => from + Duration::weeks(1),
            Self::Month => add_months_at(from, 1),
            Self::ThreeMonths => add_months_at(from, 3),
        }
    }
}

/// A person's phone PIN; generating a new one replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhonePin {
    /// The holder.
    pub fiscal_code: String,
    /// The numeric code read to the operator.
    pub code: String,
    /// The login it was generated after.
    pub via: LoginMethod,
    /// When it was generated.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A call accepted at the contact center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactCenterCall {
    /// The caller.
    pub fiscal_code: String,
    /// Until when the phone PIN works.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_until: OffsetDateTime,
}

impl PinBackend {
    /// Generates a phone PIN for a person who has just logged in with `via` (SW-07).
    pub fn generate_phone_pin(
        &self,
        cf: &str,
        via: LoginMethod,
        validity: PhoneValidity,
    ) -> Result<PhonePin, PinError> {
        let (now, _) = self.now();
        let person = self.person(cf)?;
        // SW-07: only after a SPID, CIE or CNS login; not after a PIN login.
        if !via.is_digital_identity(self.config.min_spid_level) {
            return Err(PinError::PhonePinNeedsDigitalIdentity {
                method: serde_json::to_value(via)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            });
        }
        let phone = PhonePin {
            fiscal_code: person.fiscal_code.clone(),
            code: self.ids.otp(8),
            via,
            generated_at: now,
            // SW-07: 1 day, 1 week, 1 month or 3 months.
            expires_at: validity.end(now),
        };
        let mut state = self.lock();
        self.commit(&mut state, vec![Record::PhonePin(phone.clone())])?;
        Ok(phone)
    }

    /// The contact center checks a caller's phone PIN (SW-07); the switch-off does not apply.
    pub fn contact_center(&self, cf: &str, code: &str) -> Result<ContactCenterCall, PinError> {
        let (now, _) = self.now();
        let person = self.person(cf)?;
        let state = self.lock();
        let wrong = || PinError::PhonePinWrong {
            fiscal_code: person.fiscal_code.clone(),
        };
        let phone = state
            .phone_pins
            .get(&person.fiscal_code)
            .ok_or_else(wrong)?;
        if !constant_time_eq(&phone.code, code.trim()) {
            return Err(wrong());
        }
        if now >= phone.expires_at {
            return Err(PinError::PhonePinExpired {
                expired_at: phone.expires_at,
            });
        }
        Ok(ContactCenterCall {
            fiscal_code: person.fiscal_code.clone(),
            valid_until: phone.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn validities_end_where_sw07_says() {
        let t = datetime!(2021-01-31 12:00 UTC);
        assert_eq!(PhoneValidity::Day.end(t), datetime!(2021-02-01 12:00 UTC));
        assert_eq!(PhoneValidity::Week.end(t), datetime!(2021-02-07 12:00 UTC));
        assert_eq!(PhoneValidity::Month.end(t), datetime!(2021-02-28 12:00 UTC));
        assert_eq!(
            PhoneValidity::ThreeMonths.end(t),
            datetime!(2021-04-30 12:00 UTC)
        );
        assert_eq!(
            PhoneValidity::parse("2-days").unwrap_err().code(),
            "PHONE_PIN_BAD_VALIDITY"
        );
    }
}
