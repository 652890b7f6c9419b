//! The life of a PIN from request to revocation: request on a channel, the 8 + 8 delivery, the
//! first access, renewal, recovery, revocation and the conversion to dispositivo.

use super::backend::{PinBackend, State};
use super::error::PinError;
use super::model::{Carrier, Channel, ClaimStatus, Message, Person, Pin, PinKind, PinScope};
use super::store::Record;
use serde::{Deserialize, Serialize};
use std::sync::MutexGuard;
use time::{Date, Duration, OffsetDateTime};

/// What a PIN request produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issued {
    /// The new PIN's id.
    pub pin_id: String,
    /// Ordinario or dispositivo.
    pub kind: PinKind,
    /// Full, or dedicated services only (SW-03).
    pub scope: PinScope,
    /// When the last part of the 16 characters reaches the holder (PIN-06).
    #[serde(with = "time::serde::rfc3339")]
    pub complete_at: OffsetDateTime,
}

/// How an ordinario PIN is converted (PIN-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConversionMethod {
    /// The document sent by fax.
    Fax,
    /// At an INPS office.
    Office,
    /// Online: the signed form MV35 uploaded with the document.
    OnlineMv35,
}

/// A conversion request (PIN-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// How it is sent.
    pub method: ConversionMethod,
    /// The identity document (type and number), required on every path.
    #[serde(default)]
    pub document: Option<String>,
    /// Whether the form MV35 is signed (required online).
    #[serde(default)]
    pub mv35_signed: bool,
}

/// The contacts given to recover a PIN (PIN-10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryContacts {
    /// Mobile number.
    pub mobile: String,
    /// E-mail address.
    pub email: String,
    /// PEC address.
    pub pec: String,
}

/// What a change to a person's live PIN starts from: the instant and its civil day, the person,
/// the locked state and a copy of the live PIN to change and commit.
type PinChange<'b> = (OffsetDateTime, Date, &'b Person, MutexGuard<'b, State>, Pin);

impl PinBackend {
    /// Looks up the person and their live PIN and locks the state for a change to that PIN,
    /// refused once the timeline has switched the person's PIN logins off (SW-06).
    fn change_live_pin(&self, cf: &str) -> Result<PinChange<'_>, PinError> {
        let (now, date) = self.now();
        let person = self.person(cf)?;
        let state = self.lock();
        let pin = self.live_pin(&state, &person.fiscal_code)?.clone();
        self.check_phase(person, date)?;
        Ok((now, date, person, state, pin))
    }

    /// Requests a PIN on `channel` (PIN-02, PIN-04, PIN-05, PIN-06; SW-02, SW-03).
    pub fn request(&self, cf: &str, channel: Channel) -> Result<Issued, PinError> {
        let (now, date) = self.now();
        let person = self.person(cf)?;
        let cf = person.fiscal_code.as_str();
        let mut state = self.lock();
        // One PIN per person: revoke before requesting again (PIN-10).
        if state.live_pin(cf).is_some() {
            return Err(PinError::AlreadyIssued {
                fiscal_code: cf.to_string(),
            });
        }
        let phase = self.timeline.phase_at(date);
        // SW-02, SW-03: from 2020-10-01 no new PINs except PIN dispositivo for the exempt.
        let Some((kind, scope)) = phase.issuance(person, date, channel) else {
            let since = self
                .timeline
                .phases
                .iter()
                .rev()
                .skip_while(|p| p.from > date)
                .take_while(|p| p.issuance(person, date, channel).is_none())
                .last()
                .map_or(phase.from, |p| p.from);
            return Err(PinError::IssuanceClosed { since });
        };
        let code = self.pin_code();
        let (first, second) = code.split_at(8);
        let pin = Pin {
            id: self.ids.token(),
            fiscal_code: cf.to_string(),
            kind,
            channel,
            scope,
            issued_at: now,
            initial: Some(code.clone()),
            secret: None,
            secret_set_at: None,
            first_access_at: None,
            failures: 0,
            locked_until: None,
            converted_at: None,
            revoked_at: None,
        };
        let mut batch = Vec::new();
        let complete_at = if channel == Channel::Office {
            // PIN-04: identified at the counter; decision: both halves are handed over there.
            batch.push(self.message(
                person,
                Carrier::Counter,
                "ricevuta allo sportello",
                &code,
                now,
                now,
            ));
            now
        } else {
            // PIN-06: first 8 characters at once by SMS (or e-mail), the other 8 by post in 7–15 days.
            let carrier = first_carrier(person);
            batch.push(self.message(person, carrier, "prima parte del PIN", first, now, now));
            let delivered = now + Duration::days(i64::from(self.postal_days()));
            batch.push(self.message(
                person,
                Carrier::Post,
                "seconda parte del PIN",
                second,
                now,
                delivered,
            ));
            delivered
        };
        batch.push(Record::Pin(pin.clone()));
        self.commit(&mut state, batch)?;
        Ok(Issued {
            pin_id: pin.id,
            kind,
            scope,
            complete_at,
        })
    }

    /// Completes the first access: the 16-character PIN, and the 8-character PIN chosen to replace
    /// it (PIN-07).
    pub fn first_access(&self, cf: &str, initial: &str, new_pin: &str) -> Result<(), PinError> {
        let (now, _, _, mut state, pin) = self.change_live_pin(cf)?;
        // PIN-07: only the full 16 characters open the first access.
        self.check_secret(&mut state, &pin, initial, pin.initial.as_deref(), now)?;
        check_new_pin(new_pin, Some(initial))?;
        let mut updated = pin;
        updated.initial = None;
        updated.secret = Some(new_pin.to_string());
        updated.secret_set_at = Some(now);
        updated.first_access_at.get_or_insert(now);
        updated.failures = 0;
        updated.locked_until = None;
        self.commit(&mut state, vec![Record::Pin(updated)])
    }

    /// Renews the PIN with a new 8-character PIN that opens the same services (PIN-08), while the
    /// phase allows it (SW-04).
    pub fn renew(&self, cf: &str, current: &str, new_pin: &str) -> Result<(), PinError> {
        let (now, date, _, mut state, pin) = self.change_live_pin(cf)?;
        let phase = self.timeline.phase_at(date);
        if !phase.renewable {
            // SW-04: renewal only until the end of the transitional phase.
            return Err(PinError::SwitchedOff { since: phase.from });
        }
        if pin.initial.is_some() {
            return Err(PinError::FirstAccessRequired);
        }
        self.check_secret(&mut state, &pin, current, pin.secret.as_deref(), now)?;
        check_new_pin(new_pin, Some(current))?;
        let mut updated = pin;
        updated.secret = Some(new_pin.to_string());
        updated.secret_set_at = Some(now);
        updated.failures = 0;
        updated.locked_until = None;
        self.commit(&mut state, vec![Record::Pin(updated)])
    }

    /// Recovers a lost PIN with the registered contacts: a new 16-character PIN split SMS + e-mail,
    /// only if the first access was completed (PIN-10).
    pub fn recover(&self, cf: &str, contacts: &RecoveryContacts) -> Result<Issued, PinError> {
        // SW-06: a PIN past its phase cannot be brought back.
        let (now, _, person, mut state, pin) = self.change_live_pin(cf)?;
        let same = |given: &str, known: &Option<String>| {
            known
                .as_deref()
                .is_some_and(|k| normalise(k) == normalise(given))
        };
        if !(same(&contacts.mobile, &person.mobile)
            && same(&contacts.email, &person.email)
            && same(&contacts.pec, &person.pec))
        {
            return Err(PinError::ContactsMismatch);
        }
        // PIN-10: only after a completed first access; else revoke and request again.
        if pin.first_access_at.is_none() {
            return Err(PinError::FirstAccessMissing);
        }
        let code = self.pin_code();
        let (first, second) = code.split_at(8);
        let mut updated = pin;
        updated.initial = Some(code.clone());
        updated.secret = None;
        updated.secret_set_at = None;
        updated.failures = 0;
        updated.locked_until = None;
        let batch = vec![
            // PIN-10: the new PIN arrives partly by SMS and partly by e-mail.
            self.message(
                person,
                Carrier::Sms,
                "ripristino PIN, prima parte",
                first,
                now,
                now,
            ),
            self.message(
                person,
                Carrier::Email,
                "ripristino PIN, seconda parte",
                second,
                now,
                now,
            ),
            Record::Pin(updated.clone()),
        ];
        self.commit(&mut state, batch)?;
        Ok(Issued {
            pin_id: updated.id,
            kind: updated.kind,
            scope: updated.scope,
            complete_at: now,
        })
    }

    /// Revokes the person's PIN (PIN-10); it can never be reactivated (SW-06).
    pub fn revoke(&self, cf: &str) -> Result<(), PinError> {
        let (now, _) = self.now();
        let person = self.person(cf)?;
        let mut state = self.lock();
        let mut pin = self.live_pin(&state, &person.fiscal_code)?.clone();
        pin.revoked_at = Some(now);
        state.sessions.retain(|_, s| s.pin_id != pin.id);
        self.commit(&mut state, vec![Record::Pin(pin)])
    }

    /// Converts an ordinario PIN to dispositivo with an identity document (PIN-02); claims frozen
    /// under it are released (PIN-03). Returns the released claims' ids.
    pub fn convert(&self, cf: &str, conversion: &Conversion) -> Result<Vec<String>, PinError> {
        let (now, _, person, mut state, pin) = self.change_live_pin(cf)?;
        if pin.kind == PinKind::Dispositivo {
            return Err(PinError::NotOrdinario);
        }
        // PIN-02: a document on every path; online, with the signed form MV35.
        let has_document = conversion
            .document
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        if !has_document
            || (conversion.method == ConversionMethod::OnlineMv35 && !conversion.mv35_signed)
        {
            return Err(PinError::DocumentMissing);
        }
        let mut updated = pin;
        updated.kind = PinKind::Dispositivo;
        updated.converted_at = Some(now);
        let mut batch = vec![Record::Pin(updated)];
        let mut released = Vec::new();
        for claim in state.claims.values() {
            if claim.fiscal_code == person.fiscal_code && claim.status == ClaimStatus::Frozen {
                // PIN-03: frozen claims are processed once the PIN is dispositivo.
                let mut c = claim.clone();
                c.status = ClaimStatus::Processing;
                c.released_at = Some(now);
                released.push(c.id.clone());
                batch.push(Record::Claim(c));
            }
        }
        self.commit(&mut state, batch)?;
        for s in state.sessions.values_mut() {
            if s.fiscal_code == person.fiscal_code {
                s.kind = PinKind::Dispositivo;
            }
        }
        Ok(released)
    }

    /// A new 16-character PIN of `0-9A-F` (§7.1).
    fn pin_code(&self) -> String {
        self.ids.token()[..16].to_ascii_uppercase()
    }

    /// The day of postal delivery, in `[postal_min_days, postal_max_days]`, from the generator
    /// (PIN-06).
    fn postal_days(&self) -> u32 {
        let (lo, hi) = (
            self.config.postal_min_days,
            self.config.postal_max_days.max(self.config.postal_min_days),
        );
        let draw = u32::from_str_radix(&self.ids.token()[..8], 16).unwrap_or(0);
        lo + draw % (hi - lo + 1)
    }

    pub(super) fn message(
        &self,
        person: &Person,
        carrier: Carrier,
        text: &str,
        code: &str,
        sent_at: OffsetDateTime,
        delivered_at: OffsetDateTime,
    ) -> Record {
        let address = match carrier {
            Carrier::Sms => person.mobile.clone(),
            Carrier::Email => person.email.clone().or_else(|| person.pec.clone()),
            Carrier::Post => person.address.clone(),
            Carrier::Counter => Some("sportello INPS".into()),
            Carrier::Notification => Some("MyINPS".into()),
        };
        Record::Message(Message {
            id: self.ids.token(),
            fiscal_code: person.fiscal_code.clone(),
            carrier,
            address: address.unwrap_or_default(),
            text: text.to_string(),
            code: (!code.is_empty()).then(|| code.to_string()),
            sent_at,
            delivered_at,
        })
    }
}

/// SMS when a mobile number is registered, else e-mail (PIN-06).
fn first_carrier(person: &Person) -> Carrier {
    match person.mobile {
        Some(_) => Carrier::Sms,
        None => Carrier::Email,
    }
}

/// An 8-character PIN of letters and digits, different from the one it replaces (PIN-07, PIN-08).
pub fn check_new_pin(new_pin: &str, old: Option<&str>) -> Result<(), PinError> {
    let ok = new_pin.chars().count() == 8
        && new_pin.chars().all(|c| c.is_ascii_alphanumeric())
        && old != Some(new_pin);
    if ok {
        Ok(())
    } else {
        Err(PinError::InvalidNewPin)
    }
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_pins_are_eight_letters_or_digits() {
        assert!(check_new_pin("Abcd1234", None).is_ok());
        assert!(check_new_pin("Abcd123", None).is_err());
        assert!(check_new_pin("Abcd12345", None).is_err());
        assert!(check_new_pin("Abcd-234", None).is_err());
        assert!(check_new_pin("Abcd1234", Some("Abcd1234")).is_err());
    }
}
