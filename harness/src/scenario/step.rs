//! A scenario after loading: actors resolved to people, every value parsed, every step checked
//! against what its kind takes.

use mock_idps::pin::LoginMethod;
use std::path::PathBuf;
use time::{Duration, OffsetDateTime};

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

pub use super::steps::Action;

/// A step kind: its name, the keys it requires and the keys it may take besides the common ones.
#[derive(Clone, Copy)]
pub struct KindSpec {
    /// The name written in `do`.
    pub name: &'static str,
    /// Keys that must be present.
    pub required: &'static [&'static str],
    /// Keys that may be present.
    pub optional: &'static [&'static str],
    /// One line.
    pub summary: &'static str,
    /// Reads a step of this kind.
    pub(super) parse: super::steps::Parse,
}

impl std::fmt::Debug for KindSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindSpec")
            .field("name", &self.name)
            .field("required", &self.required)
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}

/// Keys every step may carry.
pub const COMMON_KEYS: &[&str] = &["do", "title", "expect", "covers", "times"];

pub use super::steps::KINDS;

/// The kind with this name.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

/// Codes of the scenario engine itself.
pub const ENGINE_CODES: &[&str] = &[
    // The service does not accept this login method on the current day (timeline `must_accept`).
    "SERVICE_METHOD_NOT_ACCEPTED",
    // deliver-mail: no postal half is on its way.
    "MAIL_NOT_PENDING",
    // service-pin-login: the service's timeline no longer accepts this person's PIN (SW-05).
    "SERVICE_PIN_SWITCHED_OFF",
];

/// SPID ErrorCodes a login may end with: those of the scripted outcomes (the user anomalies).
pub fn spid_codes() -> impl Iterator<Item = mock_idps::SpidCode> {
    mock_idps::spid::script::Outcome::ALL
        .into_iter()
        .filter_map(mock_idps::spid::script::Outcome::error_code)
}

/// Every code `expect` may name besides `ok`: the PIN backend's
/// ([`mock_idps::pin::PinError::codes`]), the engine's ([`ENGINE_CODES`]) and the SPID ones
/// ([`spid_codes`]).
pub fn all_codes() -> Vec<String> {
    mock_idps::pin::PinError::codes()
        .chain(ENGINE_CODES.iter().copied())
        .map(str::to_string)
        .chain(spid_codes().map(|c| c.to_string()))
        .collect()
}
