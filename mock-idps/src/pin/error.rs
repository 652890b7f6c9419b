//! Every way a PIN operation can be refused, each with a stable code, an HTTP status, and a message
//! saying what is wrong and what the citizen can do.

use time::OffsetDateTime;

/// Why a PIN operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// The person already holds a PIN that is not revoked (one PIN per person).
    #[error("{fiscal_code} already holds a PIN: log in with it, recover it, or revoke it before requesting a new one")]
    AlreadyIssued {
        /// The holder.
        fiscal_code: String,
    },
    /// The PIN is ordinario; the service needs a dispositivo (PIN-01, PIN-02).
    #[error("service {service:?} needs a PIN dispositivo: convert the PIN online with form MV35 and an ID document, by fax, or at an INPS office")]
    ConversionRequired {
        /// The service asked for.
        service: String,
    },
    /// The contacts given for recovery differ from those on record (PIN-10).
    #[error("the mobile number, e-mail and PEC must match those registered with INPS; update them at an office or with SPID, CIE or CNS")]
    ContactsMismatch,
    /// A phone-PIN validity other than 1 day, 1 week, 1 month or 3 months (SW-07).
    #[error("a phone PIN is valid for 1 day, 1 week, 1 month or 3 months: send validity \"1-day\", \"1-week\", \"1-month\" or \"3-months\"; {given:?} is none of those")]
    BadValidity {
        /// What was asked.
        given: String,
    },
    /// A delegation breaks one of its rules (§7.3, ID-08).
    #[error("delegation refused: {reason}")]
    DelegationRefused {
        /// Which rule and what to do.
        reason: String,
    },
    /// The conversion asked for a document that was not supplied (PIN-02).
    #[error("the conversion to PIN dispositivo needs an identity document: upload it with the signed form MV35, fax it, or bring it to an office")]
    DocumentMissing,
    /// The 8-character PIN has expired (PIN-08).
    #[error("the PIN expired on {expired_at}: choose a new 8-character PIN to renew it (it opens the same services)")]
    Expired {
        /// When it expired.
        expired_at: OffsetDateTime,
    },
    /// The first access with the 16-character PIN has not been completed (PIN-07).
    #[error("first access: the 16-character PIN must be changed now to an 8-character PIN of your choice")]
    FirstAccessRequired,
    /// Recovery is impossible because the first access was never made (PIN-10).
    #[error("the PIN cannot be recovered: the first access with the 16-character PIN was never completed; revoke this PIN and request a new one")]
    FirstAccessMissing,
    /// A new PIN that is not 8 letters or digits, or equals the old one (PIN-07, PIN-08).
    #[error("the new PIN must be 8 letters or digits and differ from the current one")]
    InvalidNewPin,
    /// No new PINs in this phase for this person (SW-02, SW-03).
    #[error("since {since} INPS issues no new PINs except to people who cannot obtain SPID (minors, non-EU citizens, people without an Italian ID, people under tutela, curatela or amministrazione di sostegno): use SPID, CIE or CNS")]
    IssuanceClosed {
        /// The start of the phase that closed issuance.
        since: time::Date,
    },
    /// Locked after too many failures (PIN-09).
    #[error("too many failed attempts: the account is locked until {until}; every further attempt before then adds 5 minutes")]
    Locked {
        /// When logins are accepted again.
        until: OffsetDateTime,
    },
    /// The person holds no PIN (or only revoked ones).
    #[error("{fiscal_code} holds no PIN: request one (online, by phone to 803 164 or 06 164 164, or at an office) or use SPID, CIE or CNS")]
    NoPin {
        /// The person.
        fiscal_code: String,
    },
    /// The PIN is already dispositivo (PIN-02).
    #[error("the PIN is already dispositivo: no conversion is needed")]
    NotOrdinario,
    /// The service is not one the exempt PIN was issued for (SW-03).
    #[error("this PIN was issued under the switch-off exemption and opens only the services dedicated to its holder; use SPID, CIE or CNS for {service:?}")]
    NotDedicated {
        /// The service asked for.
        service: String,
    },
    /// The service does not fit the holder's registry data (PIN-11).
    #[error("service {service:?} is not for this profile: {reason}")]
    NotForProfile {
        /// The service asked for.
        service: String,
        /// Which registry datum excludes it.
        reason: String,
    },
    /// The phone PIN is past its validity (SW-07).
    #[error("the phone PIN expired on {expired_at}: generate a new one in MyINPS after logging in with SPID, CIE or CNS")]
    PhonePinExpired {
        /// When it expired.
        expired_at: OffsetDateTime,
    },
    /// A phone PIN can be generated only after a SPID (level 2+), CIE or CNS login (SW-07).
    #[error("the phone PIN is generated in MyINPS only after logging in with SPID (level 2 or 3), CIE or CNS, not with {method}")]
    PhonePinNeedsDigitalIdentity {
        /// The login method used.
        method: String,
    },
    /// The phone PIN given at the contact center is wrong or was never generated (SW-07).
    #[error("the phone PIN is not valid for {fiscal_code}: check it in MyINPS (\"PIN TELEFONICO\") or generate a new one")]
    PhonePinWrong {
        /// The caller.
        fiscal_code: String,
    },
    /// The PIN was revoked (PIN-10, SW-06).
    #[error("this PIN was revoked and cannot be reactivated: request a new one where still allowed, or use SPID, CIE or CNS")]
    Revoked,
    /// The session token is unknown or expired.
    #[error("the session is unknown or has expired: log in again")]
    SessionUnknown,
    /// The state could not be written; nothing was changed.
    #[error(
        "the PIN service could not save the change ({detail}); nothing was changed, try again"
    )]
    Store {
        /// The storage error.
        detail: String,
    },
    /// The switch-off phase no longer accepts this PIN (SW-05, SW-06).
    #[error("PINs of this profile are no longer valid since {since} and cannot be reactivated: use SPID (level 2 or 3), CIE or CNS")]
    SwitchedOff {
        /// The first day without PIN access for this profile.
        since: time::Date,
    },
    /// No person with this codice fiscale in the registry.
    #[error("no person with codice fiscale {fiscal_code:?} is registered")]
    UnknownPerson {
        /// What was given.
        fiscal_code: String,
    },
    /// No service with this id in the catalogue.
    #[error("no service {service:?}; see the catalogue at /api/services")]
    UnknownService {
        /// What was given.
        service: String,
    },
    /// Wrong PIN (PIN-09 counts it).
    #[error("wrong codice fiscale or PIN; {remaining} attempts left before a lock")]
    WrongPin {
        /// Attempts left before the lock.
        remaining: u32,
    },
}

impl PinError {
    /// One error of every variant (the fields are placeholders): what [`PinError::code`] can
    /// return is `ALL.iter().map(PinError::code)`. A variant added to the enum goes here too;
    /// the test `all_lists_every_variant_once` checks the list has no variant twice and that
    /// `code` gives each a code of its own.
    pub const ALL: &'static [PinError] = &[
        PinError::AlreadyIssued {
            fiscal_code: String::new(),
        },
        PinError::BadValidity {
            given: String::new(),
        },
        PinError::ContactsMismatch,
        PinError::ConversionRequired {
            service: String::new(),
        },
        PinError::DelegationRefused {
            reason: String::new(),
        },
        PinError::DocumentMissing,
        PinError::Expired {
            expired_at: OffsetDateTime::UNIX_EPOCH,
        },
        PinError::FirstAccessMissing,
        PinError::FirstAccessRequired,
        PinError::InvalidNewPin,
        PinError::IssuanceClosed {
            since: time::Date::MIN,
        },
        PinError::Locked {
            until: OffsetDateTime::UNIX_EPOCH,
        },
        PinError::NoPin {
            fiscal_code: String::new(),
        },
        PinError::NotDedicated {
            service: String::new(),
        },
        PinError::NotForProfile {
            service: String::new(),
            reason: String::new(),
        },
        PinError::NotOrdinario,
        PinError::PhonePinExpired {
            expired_at: OffsetDateTime::UNIX_EPOCH,
        },
        PinError::PhonePinNeedsDigitalIdentity {
            method: String::new(),
        },
        PinError::PhonePinWrong {
            fiscal_code: String::new(),
        },
        PinError::Revoked,
        PinError::SessionUnknown,
        PinError::Store {
            detail: String::new(),
        },
        PinError::SwitchedOff {
            since: time::Date::MIN,
        },
        PinError::UnknownPerson {
            fiscal_code: String::new(),
        },
        PinError::UnknownService {
            service: String::new(),
        },
        PinError::WrongPin { remaining: 0 },
    ];

    /// Every code [`PinError::code`] can return, in the order of [`PinError::ALL`].
    pub fn codes() -> impl Iterator<Item = &'static str> {
        Self::ALL.iter().map(PinError::code)
    }

    /// The stable code of this error, for clients and scenario files.
    pub fn code(&self) -> &'static str {
        match self {
            PinError::AlreadyIssued { .. } => "PIN_ALREADY_ISSUED",
            PinError::BadValidity { .. } => "PHONE_PIN_BAD_VALIDITY",
            PinError::ContactsMismatch => "PIN_CONTACTS_MISMATCH",
            PinError::ConversionRequired { .. } => "PIN_CONVERSION_REQUIRED",
            PinError::DelegationRefused { .. } => "DELEGATION_REFUSED",
            PinError::DocumentMissing => "PIN_DOCUMENT_MISSING",
            PinError::Expired { .. } => "PIN_EXPIRED",
            PinError::FirstAccessMissing => "PIN_FIRST_ACCESS_MISSING",
            PinError::FirstAccessRequired => "PIN_FIRST_ACCESS_REQUIRED",
            PinError::InvalidNewPin => "PIN_INVALID_NEW_PIN",
            PinError::IssuanceClosed { .. } => "PIN_ISSUANCE_CLOSED",
            PinError::Locked { .. } => "PIN_LOCKED",
            PinError::NoPin { .. } => "PIN_NOT_FOUND",
            PinError::NotDedicated { .. } => "PIN_SERVICE_NOT_DEDICATED",
            PinError::NotForProfile { .. } => "PIN_SERVICE_NOT_FOR_PROFILE",
            PinError::NotOrdinario => "PIN_ALREADY_DISPOSITIVO",
            PinError::PhonePinExpired { .. } => "PHONE_PIN_EXPIRED",
            PinError::PhonePinNeedsDigitalIdentity { .. } => "PHONE_PIN_NEEDS_DIGITAL_IDENTITY",
            PinError::PhonePinWrong { .. } => "PHONE_PIN_WRONG",
            PinError::Revoked => "PIN_REVOKED",
            PinError::SessionUnknown => "PIN_SESSION_UNKNOWN",
            PinError::Store { .. } => "PIN_STORE",
            PinError::SwitchedOff { .. } => "PIN_SWITCHED_OFF",
            PinError::UnknownPerson { .. } => "PIN_UNKNOWN_PERSON",
            PinError::UnknownService { .. } => "PIN_UNKNOWN_SERVICE",
            PinError::WrongPin { .. } => "PIN_WRONG",
        }
    }

    /// The HTTP status the JSON API answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            PinError::BadValidity { .. } | PinError::DocumentMissing | PinError::InvalidNewPin => {
                400
            }
            PinError::SessionUnknown
            | PinError::WrongPin { .. }
            | PinError::PhonePinWrong { .. } => 401,
            PinError::ContactsMismatch
            | PinError::ConversionRequired { .. }
            | PinError::Expired { .. }
            | PinError::FirstAccessRequired
            | PinError::IssuanceClosed { .. }
            | PinError::NotDedicated { .. }
            | PinError::NotForProfile { .. }
            | PinError::PhonePinExpired { .. }
            | PinError::PhonePinNeedsDigitalIdentity { .. } => 403,
            PinError::NoPin { .. }
            | PinError::UnknownPerson { .. }
            | PinError::UnknownService { .. } => 404,
            PinError::AlreadyIssued { .. }
            | PinError::DelegationRefused { .. }
            | PinError::FirstAccessMissing
            | PinError::NotOrdinario => 409,
            PinError::Revoked | PinError::SwitchedOff { .. } => 410,
            PinError::Locked { .. } => 423,
            PinError::Store { .. } => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for e in PinError::ALL {
            let code = e.code();
            assert!(code.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
            assert!(seen.insert(code), "{code} twice");
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn all_lists_every_variant_once() {
        let kinds: std::collections::HashSet<_> =
            PinError::ALL.iter().map(std::mem::discriminant).collect();
        assert_eq!(
            kinds.len(),
            PinError::ALL.len(),
            "a variant is listed twice"
        );
    }
}
