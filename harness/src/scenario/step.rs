//! A scenario after loading: actors resolved to people, every value parsed, every step checked
//! against what its kind takes.

use mock_idps::pin::{Channel, ClaimStatus, ConversionMethod, DelegationChannel, DelegationForm};
use mock_idps::pin::{LoginMethod, PhoneValidity, PinKind, PinScope};
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use std::path::PathBuf;
use time::{Date, Duration, OffsetDateTime};

/// A loaded scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// One line.
    pub title: String,
    /// Where the clock starts.
    pub start: OffsetDateTime,
    /// Seed of ids and codes.
    pub seed: u64,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// A person in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The alias used in the file.
    pub alias: String,
    /// Fixture username.
    pub username: String,
    /// Codice fiscale.
    pub fiscal_code: String,
}

/// One step, its expectation and the rules it covers.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based position in the file.
    pub number: usize,
    /// Line of the step in the file.
    pub line: usize,
    /// The kind as written (`request-pin`…).
    pub kind: &'static str,
    /// One line for reports.
    pub title: String,
    /// What it does.
    pub action: Action,
    /// What should come of it.
    pub expect: Expect,
    /// Rule ids.
    pub covers: Vec<String>,
    /// Repetitions, each with the same expectation.
    pub times: u32,
}

/// `ok`, or a specific error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The operation succeeds (and its checks hold).
    Ok,
    /// The operation fails with this code.
    Error(String),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Ok => f.write_str("ok"),
            Expect::Error(c) => f.write_str(c),
        }
    }
}

/// A move of the clock: calendar months, then a fixed duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shift {
    /// Calendar months (a year is 12).
    pub months: u32,
    /// Weeks, days, hours, minutes, seconds.
    pub duration: Duration,
}

/// Which PIN the actor types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinChoice {
    /// The one the actor holds now (the 8-character PIN, or for a first access the 16).
    Right,
    /// A wrong one.
    Wrong,
    /// The whole 16-character initial PIN as delivered so far.
    Initial,
    /// Only the first 8 characters of the initial PIN (the post has not come).
    FirstHalf,
}

/// What the timeline should allow the actor on the current day.
#[derive(Debug, Clone, Default)]
pub struct TimelineCheck {
    /// The phase id.
    pub phase: Option<String>,
    /// A new PIN may be issued on some channel.
    pub may_request: Option<bool>,
    /// The PIN opens citizen services.
    pub pin_valid: Option<bool>,
    /// The PIN opens company/intermediary services.
    pub pin_valid_company: Option<bool>,
    /// Methods a service must accept.
    pub must_accept: Vec<LoginMethod>,
    /// Methods a service need not accept.
    pub not_accept: Vec<LoginMethod>,
    /// Where a delega may be filed (`none`, `office`, `office-and-online`).
    pub delega: Option<String>,
}

/// The operation of a step.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Moves the clock forward by a duration or to an instant.
    Advance {
        /// By how much.
        by: Option<Shift>,
        /// To when.
        to: Option<OffsetDateTime>,
    },
    /// Requests a PIN (PIN-02, PIN-04…PIN-06, SW-02, SW-03).
    RequestPin {
        /// Who.
        actor: Actor,
        /// Where.
        channel: Channel,
        /// Expected kind.
        kind: Option<PinKind>,
        /// Expected scope.
        scope: Option<PinScope>,
    },
    /// Moves the clock to the delivery of the postal half and checks the delay (PIN-06).
    DeliverMail {
        /// Who.
        actor: Actor,
        /// Allowed delay in days, inclusive.
        within_days: Option<(u32, u32)>,
    },
    /// First access with the 16-character PIN, choosing an 8-character one (PIN-07).
    FirstAccess {
        /// Who.
        actor: Actor,
        /// What is typed.
        pin: PinChoice,
    },
    /// Logs in with codice fiscale and PIN (PIN-12).
    PinLogin {
        /// Who.
        actor: Actor,
        /// What is typed.
        pin: PinChoice,
    },
    /// Logs in at the reference service with "Entra con PIN": the service applies the
    /// switch-off timeline on the scenario's day, then the PIN backend checks the PIN (SW-05).
    ServicePinLogin {
        /// Who.
        actor: Actor,
        /// What is typed.
        pin: PinChoice,
    },
    /// Renews an expired PIN (PIN-08, SW-04).
    Renew {
        /// Who.
        actor: Actor,
        /// What is typed as the current PIN.
        pin: PinChoice,
    },
    /// Recovers a lost PIN (PIN-10).
    Recover {
        /// Who.
        actor: Actor,
        /// Whether the contacts given match those on record.
        contacts_right: bool,
    },
    /// Revokes the PIN (PIN-10).
    Revoke {
        /// Who.
        actor: Actor,
    },
    /// Converts to dispositivo (PIN-02).
    Convert {
        /// Who.
        actor: Actor,
        /// How.
        method: ConversionMethod,
        /// A document is supplied.
        document: bool,
        /// MV35 signed.
        mv35_signed: bool,
    },
    /// Opens a service with the current PIN session (PIN-01, PIN-11, SW-03).
    OpenService {
        /// Who.
        actor: Actor,
        /// Which.
        service: String,
    },
    /// Submits a claim with the current PIN session (PIN-03).
    SubmitClaim {
        /// Who.
        actor: Actor,
        /// Which service.
        service: String,
        /// Expected status.
        claim: Option<ClaimStatus>,
    },
    /// Checks the status of the PIN.
    PinStatus {
        /// Who.
        actor: Actor,
        /// Expected state (`active`, `locked`, `expired`, `awaiting-first-access`, `revoked`,
        /// `switched-off`).
        state: String,
        /// Expected kind.
        kind: Option<PinKind>,
    },
    /// Generates a phone PIN in MyINPS (SW-07).
    GeneratePhonePin {
        /// Who.
        actor: Actor,
        /// How they logged in (default: their last SPID login in the scenario).
        via: Option<LoginMethod>,
        /// For how long.
        validity: PhoneValidity,
    },
    /// Calls the contact center with the phone PIN (SW-07, PIN-13).
    PhonePinCall {
        /// Who.
        actor: Actor,
        /// The phone PIN given.
        pin: PinChoice,
    },
    /// Registers a delegation (ID-08).
    Delegate {
        /// The person represented.
        delegante: Actor,
        /// The trusted person.
        delegato: Actor,
        /// The form.
        form: DelegationForm,
        /// Office or online.
        channel: DelegationChannel,
        /// Online: how the filer logged in.
        via: Option<LoginMethod>,
        /// Last day.
        until: Option<Date>,
        /// Allowed services.
        limits: Vec<String>,
        /// AA09 doctor's certificate.
        certificate: bool,
    },
    /// Revokes a delegation.
    RevokeDelegation {
        /// Who revokes.
        actor: Actor,
        /// The person represented.
        delegante: Actor,
        /// The trusted person.
        delegato: Actor,
    },
    /// The delegato opens a service for the delegante (ID-08).
    ActFor {
        /// The trusted person.
        delegato: Actor,
        /// The person represented.
        delegante: Actor,
        /// The delegato's login.
        via: LoginMethod,
        /// Which service.
        service: String,
    },
    /// A SPID login at a provider and level through the reference service, then the service's
    /// timeline policy on the current day (ID-01, ID-04).
    SpidLogin {
        /// Who.
        actor: Actor,
        /// Provider id.
        provider: String,
        /// Level requested.
        level: Level,
        /// How it ends at the provider.
        outcome: Outcome,
    },
    /// A bounded login load test through the reference service (see [`super::load_phase`]).
    Load(super::load_phase::LoadPhase),
    /// Checks what the timeline allows the actor today (SW-02…SW-05).
    Timeline {
        /// Who.
        actor: Actor,
        /// What to check.
        check: TimelineCheck,
    },
}

/// A step kind: its name, the keys it requires and the keys it may take besides the common ones.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// The name written in `do`.
    pub name: &'static str,
    /// Keys that must be present.
    pub required: &'static [&'static str],
    /// Keys that may be present.
    pub optional: &'static [&'static str],
    /// One line.
    pub summary: &'static str,
}

/// Keys every step may carry.
pub const COMMON_KEYS: &[&str] = &["do", "title", "expect", "covers", "times"];

const fn k(
    name: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    summary: &'static str,
) -> KindSpec {
    KindSpec {
        name,
        required,
        optional,
        summary,
    }
}

/// Every step kind, as data.
pub static KINDS: &[KindSpec] = &[
    k(
        "advance",
        &[],
        &["by", "to"],
        "move the simulated clock (by = \"7d\" or to = a date)",
    ),
    k(
        "request-pin",
        &["actor", "channel"],
        &["kind", "scope"],
        "request a PIN",
    ),
    k(
        "deliver-mail",
        &["actor"],
        &["within_days"],
        "wait for the postal half of the PIN",
    ),
    k(
        "first-access",
        &["actor"],
        &["pin"],
        "first access with the 16-character PIN",
    ),
    k(
        "pin-login",
        &["actor"],
        &["pin"],
        "log in with codice fiscale and PIN",
    ),
    k(
        "service-pin-login",
        &["actor"],
        &["pin"],
        "log in at the reference service with PIN (Entra con PIN)",
    ),
    k("renew", &["actor"], &["pin"], "renew an expired PIN"),
    k("recover", &["actor"], &["contacts"], "recover a lost PIN"),
    k("revoke", &["actor"], &[], "revoke the PIN"),
    k(
        "convert",
        &["actor", "method"],
        &["document", "mv35_signed"],
        "convert to PIN dispositivo",
    ),
    k(
        "open-service",
        &["actor", "service"],
        &[],
        "open a service with the PIN session",
    ),
    k(
        "submit-claim",
        &["actor", "service"],
        &["claim"],
        "submit a claim with the PIN session",
    ),
    k(
        "pin-status",
        &["actor", "state"],
        &["kind"],
        "check the PIN's state",
    ),
    k(
        "generate-phone-pin",
        &["actor", "validity"],
        &["via"],
        "generate a phone PIN in MyINPS",
    ),
    k(
        "phone-pin-call",
        &["actor"],
        &["pin"],
        "call the contact center with the phone PIN",
    ),
    k(
        "delegate",
        &["delegante", "delegato", "form", "channel"],
        &["via", "until", "limits", "certificate"],
        "register a delega dell'identità digitale",
    ),
    k(
        "revoke-delegation",
        &["actor", "delegante", "delegato"],
        &[],
        "revoke a delegation",
    ),
    k(
        "act-for",
        &["delegato", "delegante", "service"],
        &["via"],
        "the delegato opens a service for the delegante",
    ),
    k(
        "spid-login",
        &["actor", "provider", "level"],
        &["outcome"],
        "log in with SPID through the reference service",
    ),
    k(
        "load",
        &["duration"],
        &[
            "rate",
            "concurrency",
            "max_logins",
            "actor",
            "auto_login",
            "provider",
            "level",
            "binding",
            "graceful_stop",
            "max_p99",
            "max_error_rate",
            "min_rate",
        ],
        "a login load test through the reference service (rate or concurrency, duration, thresholds)",
    ),
    k(
        "timeline",
        &["actor"],
        &[
            "phase",
            "may_request",
            "pin_valid",
            "pin_valid_company",
            "must_accept",
            "not_accept",
            "delega",
        ],
        "check what the timeline allows today",
    ),
];

/// The kind with this name.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

/// Error codes of the PIN backend (`mock_idps::pin::PinError::code`).
pub const PIN_CODES: &[&str] = &[
    "PIN_ALREADY_ISSUED",
    "PHONE_PIN_BAD_VALIDITY",
    "PIN_CONTACTS_MISMATCH",
    "PIN_CONVERSION_REQUIRED",
    "DELEGATION_REFUSED",
    "PIN_DOCUMENT_MISSING",
    "PIN_EXPIRED",
    "PIN_FIRST_ACCESS_MISSING",
    "PIN_FIRST_ACCESS_REQUIRED",
    "PIN_INVALID_NEW_PIN",
    "PIN_ISSUANCE_CLOSED",
    "PIN_LOCKED",
    "PIN_NOT_FOUND",
    "PIN_SERVICE_NOT_DEDICATED",
    "PIN_SERVICE_NOT_FOR_PROFILE",
    "PIN_ALREADY_DISPOSITIVO",
    "PHONE_PIN_EXPIRED",
    "PHONE_PIN_NEEDS_DIGITAL_IDENTITY",
    "PHONE_PIN_WRONG",
    "PIN_REVOKED",
    "PIN_SESSION_UNKNOWN",
    "PIN_STORE",
    "PIN_SWITCHED_OFF",
    "PIN_UNKNOWN_PERSON",
    "PIN_UNKNOWN_SERVICE",
    "PIN_WRONG",
];

/// Codes of the scenario engine itself.
pub const ENGINE_CODES: &[&str] = &[
    // The service does not accept this login method on the current day (timeline `must_accept`).
    "SERVICE_METHOD_NOT_ACCEPTED",
    // deliver-mail: no postal half is on its way.
    "MAIL_NOT_PENDING",
    // service-pin-login: the service's timeline no longer accepts this person's PIN (SW-05).
    "SERVICE_PIN_SWITCHED_OFF",
];

/// SPID ErrorCodes a login may end with (user anomalies).
pub const SPID_CODES: &[&str] = &["nr19", "nr20", "nr21", "nr22", "nr23", "nr25", "nr30"];

/// Every code `expect` may name besides `ok`.
pub fn all_codes() -> impl Iterator<Item = &'static str> {
    PIN_CODES
        .iter()
        .chain(ENGINE_CODES)
        .chain(SPID_CODES)
        .copied()
}
