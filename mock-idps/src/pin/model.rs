//! The records of the PIN service: credential kinds, request channels, PINs, claims, messages and
//! the people who hold them.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// What a PIN lets its holder do (PIN-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinKind {
    /// Consult and also request benefits and payments.
    Dispositivo,
    /// Consult one's own contribution position or pension only.
    Ordinario,
}

/// Where a PIN was requested (PIN-02, PIN-04).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// By phone at the contact center (803 164 / 06 164 164, PIN-13): ordinario.
    ContactCenter,
    /// At an INPS office after identification: dispositivo at once.
    Office,
    /// On the web portal: ordinario.
    Online,
}

impl Channel {
    /// The kind a PIN requested on this channel gets before the switch-off (PIN-02, PIN-04).
    pub fn kind(self) -> PinKind {
        match self {
            // PIN-04: identified in person, dispositivo at once.
            Channel::Office => PinKind::Dispositivo,
            // PIN-02: online and contact-center PINs are ordinario.
            Channel::ContactCenter | Channel::Online => PinKind::Ordinario,
        }
    }
}

/// Which services a PIN opens beyond the registry checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinScope {
    /// Only the services dedicated to people who cannot obtain SPID (SW-03).
    Dedicated,
    /// Every service the kind and registry data allow.
    Full,
}

/// A login method a service may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoginMethod {
    /// Carta d'Identità Elettronica (ID-05).
    Cie,
    /// Carta Nazionale dei Servizi (ID-06).
    Cns,
    /// The legacy INPS PIN (PIN-12).
    Pin,
    /// SPID at level 1.
    SpidL1,
    /// SPID at level 2 (ID-01).
    SpidL2,
    /// SPID at level 3 (ID-01).
    SpidL3,
}

impl LoginMethod {
    /// Whether this is a public digital identity (SPID at level 2 or 3, CIE, CNS), the kind that
    /// may generate a phone PIN (SW-07) or act as a delegate.
    pub fn is_digital_identity(self, min_spid_level: u8) -> bool {
        match self {
            LoginMethod::Cie | LoginMethod::Cns => true,
            LoginMethod::SpidL1 => min_spid_level <= 1,
            LoginMethod::SpidL2 => min_spid_level <= 2,
            LoginMethod::SpidL3 => true,
            LoginMethod::Pin => false,
        }
    }
}

/// The lifecycle of one PIN, as computed at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum PinState {
    /// Usable with the 8-character PIN.
    Active,
    /// Issued; the 16-character first access has not been made (PIN-07).
    AwaitingFirstAccess,
    /// The 8-character PIN has expired and must be renewed at login (PIN-08).
    Expired,
    /// Too many failed logins (PIN-09).
    Locked {
        /// When logins are accepted again.
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
    /// Revoked; a new PIN must be requested (PIN-10).
    Revoked,
    /// The switch-off phase no longer accepts this holder's PIN (SW-05, SW-06).
    SwitchedOff,
}

/// One PIN credential; revoked PINs stay on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// Stable id of this credential.
    pub id: String,
    /// The holder's codice fiscale.
    pub fiscal_code: String,
    /// Ordinario or dispositivo.
    pub kind: PinKind,
    /// Where it was requested.
    pub channel: Channel,
    /// Full, or only the services dedicated to exempt people (SW-03).
    pub scope: PinScope,
    /// When it was issued.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// The 16-character initial code, until the first access (PIN-06, PIN-07).
    pub initial: Option<String>,
    /// The 8-character PIN chosen at first access or renewal (PIN-07).
    pub secret: Option<String>,
    /// When the current 8-character PIN was set: the base of its expiry (PIN-08).
    #[serde(with = "time::serde::rfc3339::option")]
    pub secret_set_at: Option<OffsetDateTime>,
    /// When the first access was completed (PIN-10 needs it for recovery).
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_access_at: Option<OffsetDateTime>,
    /// Consecutive failed logins since the last success (PIN-09).
    pub failures: u32,
    /// End of the current lock, if any (PIN-09).
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// When it was converted to dispositivo (PIN-02).
    #[serde(with = "time::serde::rfc3339::option")]
    pub converted_at: Option<OffsetDateTime>,
    /// When it was revoked (PIN-10).
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl Pin {
    /// Whether the PIN still exists (not revoked); a person holds at most one such PIN.
    pub fn is_live(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// How a simulated message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Carrier {
    /// Handed over at the office counter.
    Counter,
    /// E-mail or PEC.
    Email,
    /// MyINPS notification.
    Notification,
    /// Ordinary post to the residence address (PIN-06).
    Post,
    /// SMS to the mobile number.
    Sms,
}

/// A message in the simulated outbox: a PIN half, a delegation notice…
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Stable id.
    pub id: String,
    /// The recipient's codice fiscale.
    pub fiscal_code: String,
    /// How it travels.
    pub carrier: Carrier,
    /// Where it goes (phone number, e-mail, postal address).
    pub address: String,
    /// What it says.
    pub text: String,
    /// The secret it carries, if any (a PIN half).
    pub code: Option<String>,
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// When it reaches the recipient.
    #[serde(with = "time::serde::rfc3339")]
    pub delivered_at: OffsetDateTime,
}

/// Where a claim stands (PIN-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimStatus {
    /// Accepted under an ordinario PIN: deadlines stopped, processing waits for conversion.
    Frozen,
    /// Being processed.
    Processing,
}

/// A claim for a benefit or payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Stable id.
    pub id: String,
    /// The claimant.
    pub fiscal_code: String,
    /// The service id from the catalogue.
    pub service: String,
    /// When it was submitted: the date that stops deadlines (PIN-03).
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// Frozen or processing.
    pub status: ClaimStatus,
    /// When a frozen claim was released by the conversion.
    #[serde(with = "time::serde::rfc3339::option")]
    pub released_at: Option<OffsetDateTime>,
}

/// Citizenship as the exemptions need it (SW-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Citizenship {
    /// Citizen of another EU state.
    Eu,
    /// Italian citizen.
    Italian,
    /// Citizen of a state outside the EU.
    NonEu,
}

/// Legal protection measures (SW-03, §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protection {
    /// Amministrazione di sostegno.
    AmministrazioneDiSostegno,
    /// Curatela.
    Curatela,
    /// Tutela.
    Tutela,
}

/// Pensioner or worker (PIN-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Occupation {
    /// Neither (a student, a minor, someone out of work).
    None,
    /// Receives a pension.
    Pensioner,
    /// Pays contributions as a worker.
    Worker,
}

/// The contribution fund a person belongs to (PIN-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gestione {
    /// Gestione Dipendenti Pubblici.
    Pubblica,
    /// Gestione Privata.
    Privata,
}

/// A person as the PIN service knows them: registry data from the fixtures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Username in fixtures/users.toml.
    pub username: String,
    /// Codice fiscale, without `TINIT-`.
    pub fiscal_code: String,
    /// Date of birth (minors: SW-03).
    pub date_of_birth: Date,
    /// Citizenship.
    pub citizenship: Citizenship,
    /// Holds an Italian identity document.
    pub italian_id: bool,
    /// Resident abroad (AIRE).
    pub resident_abroad: bool,
    /// Tutela, curatela or amministrazione di sostegno, if any.
    pub protection: Option<Protection>,
    /// Pensioner, worker or neither.
    pub occupation: Occupation,
    /// Gestione Privata or Dipendenti Pubblici, if enrolled.
    pub gestione: Option<Gestione>,
    /// An intermediario istituzionale (PIN-08: 3-month expiry).
    pub intermediario: bool,
    /// Roles in companies ("legale rappresentante", …).
    pub company_roles: Vec<String>,
    /// Mobile phone number (PIN-05).
    pub mobile: Option<String>,
    /// E-mail address (PIN-05).
    pub email: Option<String>,
    /// PEC address (PIN-05).
    pub pec: Option<String>,
    /// Residence address (PIN-05, PIN-06: the postal half goes there).
    pub address: Option<String>,
}

impl Person {
    /// Whole years of age on `date`.
    pub fn age_on(&self, date: Date) -> i32 {
        let mut age = date.year() - self.date_of_birth.year();
        if (date.month() as u8, date.day())
            < (self.date_of_birth.month() as u8, self.date_of_birth.day())
        {
            age -= 1;
        }
        age
    }

    /// Under 18 on `date`.
    pub fn is_minor_on(&self, date: Date) -> bool {
        self.age_on(date) < 18
    }

    /// Whether the person has a company or intermediary profile (§7.2, 2024-08-31).
    pub fn has_company_profile(&self) -> bool {
        self.intermediario || !self.company_roles.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn person(born: Date) -> Person {
        Person {
            username: "x".into(),
            fiscal_code: "X".into(),
            date_of_birth: born,
            citizenship: Citizenship::Italian,
            italian_id: true,
            resident_abroad: false,
            protection: None,
            occupation: Occupation::Worker,
            gestione: None,
            intermediario: false,
            company_roles: vec![],
            mobile: None,
            email: None,
            pec: None,
            address: None,
        }
    }

    #[test]
    fn age_turns_on_the_birthday() {
        let p = person(date!(2002 - 10 - 01));
        assert!(p.is_minor_on(date!(2020 - 09 - 30)));
        assert!(!p.is_minor_on(date!(2020 - 10 - 01)));
        let leap = person(date!(2000 - 02 - 29));
        assert_eq!(leap.age_on(date!(2018 - 02 - 28)), 17);
        assert_eq!(leap.age_on(date!(2018 - 03 - 01)), 18);
    }

    #[test]
    fn channels_give_their_kind() {
        assert_eq!(Channel::Online.kind(), PinKind::Ordinario);
        assert_eq!(Channel::ContactCenter.kind(), PinKind::Ordinario);
        assert_eq!(Channel::Office.kind(), PinKind::Dispositivo);
    }
}
