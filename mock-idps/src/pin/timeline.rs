//! The switch-off timeline (scenarios/timeline/inps-pin.toml): dated events and the phases they open,
//! and what the phase in force on a day allows a given person.

use super::model::{Channel, LoginMethod, Person, PinKind, PinScope};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use time::Date;

/// The timeline shipped with the repository.
pub const BUILTIN: &str = include_str!("../../../scenarios/timeline/inps-pin.toml");

/// A country-wide schedule of PIN phases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// A title for reports.
    pub name: String,
    /// Every dated event, in file order.
    pub events: Vec<Event>,
    /// The phases, sorted by start day.
    pub phases: Vec<Phase>,
}

/// A dated event with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// The day.
    pub date: Date,
    /// What happened.
    pub title: String,
    /// Where it is stated.
    pub source: String,
    /// The seed rule ids it grounds.
    pub rules: Vec<String>,
}

/// A span of days with one set of rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phase {
    /// Unique name.
    pub id: String,
    /// First day (inclusive).
    pub from: Date,
    /// Who may be issued a new PIN.
    pub issue: Issue,
    /// With [`Issue::Exempt`], the categories still issued one (SW-03).
    pub exempt: Vec<Exemption>,
    /// Which kind a new PIN gets.
    pub issue_kind: IssueKind,
    /// Whose existing PINs still log in (SW-04, SW-05).
    pub pin_valid: Vec<HolderProfile>,
    /// Whether a valid PIN may be renewed at its expiry (SW-04).
    pub renewable: bool,
    /// The login methods a service must accept.
    pub must_accept: Vec<LoginMethod>,
    /// Where a delega dell'identità digitale may be filed (§7.3).
    pub delega: Delega,
}

/// Who may be issued a new PIN in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Issue {
    /// Anyone.
    Everyone,
    /// Only the listed exempt categories (SW-03).
    Exempt,
    /// No one (SW-02 without exemptions).
    Nobody,
}

/// A category still issued a PIN after the switch-off (SW-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exemption {
    /// Under 18 on the day of the request.
    Minor,
    /// No Italian identity document.
    NoItalianId,
    /// Citizen of a state outside the EU.
    NonEu,
    /// Under tutela, curatela or amministrazione di sostegno.
    Protected,
    /// Resident abroad without an Italian identity document (§7.2, 2021-09-30 exception).
    ResidentAbroadWithoutItalianId,
}

impl Exemption {
    /// Whether `person` falls in this category on `date`.
    pub fn fits(self, person: &Person, date: Date) -> bool {
        match self {
            Exemption::Minor => person.is_minor_on(date),
            Exemption::NoItalianId => !person.italian_id,
            Exemption::NonEu => person.citizenship == super::model::Citizenship::NonEu,
            Exemption::Protected => person.protection.is_some(),
            Exemption::ResidentAbroadWithoutItalianId => {
                person.resident_abroad && !person.italian_id
            }
        }
    }
}

/// The kind a new PIN gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssueKind {
    /// From the channel (PIN-02, PIN-04).
    ByChannel,
    /// Always dispositivo (SW-03).
    Dispositivo,
}

/// A holder profile whose PINs a phase may keep valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderProfile {
    /// Every citizen, for citizen services.
    Citizen,
    /// Company roles and intermediaries, for company/intermediary services.
    CompanyIntermediary,
    /// Citizens resident abroad without an Italian ID, for citizen services.
    ResidentAbroadWithoutItalianId,
}

/// Who a service is for: the PIN validity is decided per audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// Services for citizens (pensions, contributions, claims).
    Citizen,
    /// Services for companies and intermediaries.
    Company,
}

/// Where a delega may be filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delega {
    /// Not yet.
    None,
    /// At INPS offices (circolare 127/2021).
    Office,
    /// At offices and online in MyINPS (messaggio 3305/2021).
    OfficeAndOnline,
}

/// What the phase in force on a day allows one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowance {
    /// The phase.
    pub phase: String,
    /// The day asked about.
    pub date: Date,
    /// The kind and scope of a PIN the person may be issued, by channel; empty when none.
    pub may_issue: Vec<(Channel, PinKind, PinScope)>,
    /// Whether the person's PIN opens citizen services.
    pub pin_valid_citizen: bool,
    /// Whether the person's PIN opens company/intermediary services.
    pub pin_valid_company: bool,
    /// Whether a valid PIN may be renewed.
    pub renewable: bool,
    /// The login methods a service must accept.
    pub must_accept: Vec<LoginMethod>,
    /// Where a delega may be filed.
    pub delega: Delega,
}

impl Phase {
    /// The kind and scope of a new PIN for `person` on `date` via `channel`, or `None` when the
    /// phase issues none to them (SW-02, SW-03).
    pub fn issuance(
        &self,
        person: &Person,
        date: Date,
        channel: Channel,
    ) -> Option<(PinKind, PinScope)> {
        let scope = match self.issue {
            Issue::Everyone => PinScope::Full,
            // SW-03: only exempt people, and only for the services dedicated to them.
            Issue::Exempt if self.exempt.iter().any(|e| e.fits(person, date)) => {
                PinScope::Dedicated
            }
            Issue::Exempt | Issue::Nobody => return None,
        };
        let kind = match self.issue_kind {
            IssueKind::ByChannel => channel.kind(),
            // SW-03: the exemption PIN is dispositivo.
            IssueKind::Dispositivo => PinKind::Dispositivo,
        };
        Some((kind, scope))
    }

    /// Whether `person`'s PIN opens services for `audience` in this phase (SW-04, SW-05).
    pub fn pin_valid(&self, person: &Person, audience: Audience) -> bool {
        let has = |p| self.pin_valid.contains(&p);
        match audience {
            Audience::Citizen => {
                has(HolderProfile::Citizen)
                    || (has(HolderProfile::ResidentAbroadWithoutItalianId)
                        && Exemption::ResidentAbroadWithoutItalianId.fits(person, self.from))
            }
            Audience::Company => {
                has(HolderProfile::CompanyIntermediary) && person.has_company_profile()
            }
        }
    }

    /// Whether `person`'s PIN logs in at all in this phase.
    pub fn pin_logs_in(&self, person: &Person) -> bool {
        self.pin_valid(person, Audience::Citizen) || self.pin_valid(person, Audience::Company)
    }
}

impl Timeline {
    /// The timeline shipped with the repository.
    pub fn builtin() -> Result<Self, TimelineError> {
        Self::parse(BUILTIN, "scenarios/timeline/inps-pin.toml")
    }

    /// Reads a timeline file.
    pub fn load(path: &std::path::Path) -> Result<Self, TimelineError> {
        let text = std::fs::read_to_string(path).map_err(|e| TimelineError {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read the file: {e}"),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a timeline; `path` names the source in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, TimelineError> {
        let at = |span: Option<Range<usize>>, message: String| {
            let (line, column) = span.map(|s| line_column(text, s.start)).unwrap_or((0, 0));
            TimelineError {
                path: path.to_string(),
                line,
                column,
                message,
            }
        };
        let file: raw::File =
            toml::from_str(text).map_err(|e| at(e.span(), e.message().to_string()))?;
        let mut events = Vec::new();
        for e in file.event {
            events.push(Event {
                date: date_of(&e.date).map_err(|m| at(Some(e.date.span()), m))?,
                title: e.title,
                source: e.source,
                rules: e.rules,
            });
        }
        let mut phases: Vec<Phase> = Vec::new();
        for spanned in file.phase {
            let span = spanned.span();
            let p = spanned.into_inner();
            let from = date_of(&p.from).map_err(|m| at(Some(p.from.span()), m))?;
            if let Some(prev) = phases.last() {
                if from <= prev.from {
                    return Err(at(
                        Some(p.from.span()),
                        format!(
                            "phase {:?} must start after phase {:?} ({})",
                            p.id, prev.id, prev.from
                        ),
                    ));
                }
            }
            if phases.iter().any(|q| q.id == p.id) {
                return Err(at(Some(span), format!("phase id {:?} appears twice", p.id)));
            }
            if (p.issue == Issue::Exempt) == p.exempt.is_empty() {
                return Err(at(
                    Some(span),
                    format!(
                        "phase {:?}: `exempt` lists categories exactly when issue = \"exempt\"",
                        p.id
                    ),
                ));
            }
            phases.push(Phase {
                id: p.id,
                from,
                issue: p.issue,
                exempt: p.exempt,
                issue_kind: p.issue_kind,
                pin_valid: p.pin_valid,
                renewable: p.renewable,
                must_accept: p.must_accept,
                delega: p.delega,
            });
        }
        if phases.is_empty() {
            return Err(at(None, "a timeline needs at least one [[phase]]".into()));
        }
        Ok(Timeline {
            name: file.name,
            events,
            phases,
        })
    }

    /// The phase in force on `date`; before the first phase, the first one.
    pub fn phase_at(&self, date: Date) -> &Phase {
        let idx = self.phases.partition_point(|p| p.from <= date);
        // INVARIANT: `parse` refuses a timeline without phases.
        &self.phases[idx.saturating_sub(1)]
    }

    /// The first day since which `person`'s PIN no longer opens `audience` services, if it does
    /// not on `date` (SW-05, SW-06).
    pub fn pin_end(&self, person: &Person, audience: Audience, date: Date) -> Option<Date> {
        let idx = self
            .phases
            .partition_point(|p| p.from <= date)
            .saturating_sub(1);
        if self.phases[idx].pin_valid(person, audience) {
            return None;
        }
        let mut since = self.phases[idx].from;
        for p in self.phases[..idx].iter().rev() {
            if p.pin_valid(person, audience) {
                break;
            }
            since = p.from;
        }
        Some(since)
    }

    /// The first day since which `person`'s PIN logs in nowhere, if it does not on `date`.
    pub fn login_end(&self, person: &Person, date: Date) -> Option<Date> {
        match (
            self.pin_end(person, Audience::Citizen, date),
            self.pin_end(person, Audience::Company, date),
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        }
    }

    /// What the phase in force on `date` allows `person`.
    pub fn allowance(&self, person: &Person, date: Date) -> Allowance {
        let phase = self.phase_at(date);
        let may_issue = [Channel::ContactCenter, Channel::Office, Channel::Online]
            .into_iter()
            .filter_map(|c| phase.issuance(person, date, c).map(|(k, s)| (c, k, s)))
            .collect();
        Allowance {
            phase: phase.id.clone(),
            date,
            may_issue,
            pin_valid_citizen: phase.pin_valid(person, Audience::Citizen),
            pin_valid_company: phase.pin_valid(person, Audience::Company),
            renewable: phase.renewable,
            must_accept: phase.must_accept.clone(),
            delega: phase.delega,
        }
    }
}

/// A timeline file that could not be read, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct TimelineError {
    /// The file.
    pub path: String,
    /// 1-based line (0 when the whole file is concerned).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn date_of(v: &toml::Spanned<toml::value::Datetime>) -> Result<Date, String> {
    let dt = v.get_ref();
    match (dt.date, dt.time, dt.offset) {
        (Some(d), None, None) => time::Month::try_from(d.month)
            .ok()
            .and_then(|m| Date::from_calendar_date(i32::from(d.year), m, d.day).ok())
            .ok_or_else(|| format!("{dt} is not a calendar day")),
        _ => Err(format!(
            "expected a plain day such as 2020-10-01, found {dt}"
        )),
    }
}

mod raw {
    use super::{Delega, Exemption, HolderProfile, Issue, IssueKind};
    use crate::pin::model::LoginMethod;
    use serde::Deserialize;
    use toml::value::Datetime;
    use toml::Spanned;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct File {
        pub name: String,
        #[serde(default)]
        pub event: Vec<RawEvent>,
        #[serde(default)]
        pub phase: Vec<Spanned<RawPhase>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawEvent {
        pub date: Spanned<Datetime>,
        pub title: String,
        pub source: String,
        #[serde(default)]
        pub rules: Vec<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RawPhase {
        pub id: String,
        pub from: Spanned<Datetime>,
        pub issue: Issue,
        #[serde(default)]
        pub exempt: Vec<Exemption>,
        pub issue_kind: IssueKind,
        pub pin_valid: Vec<HolderProfile>,
        pub renewable: bool,
        pub must_accept: Vec<LoginMethod>,
        pub delega: Delega,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn builtin_timeline_parses_with_every_phase_in_order() {
        let t = Timeline::builtin().expect("builtin timeline");
        assert_eq!(t.phase_at(date!(2020 - 09 - 30)).id, "pin-spid-cie");
        assert_eq!(t.phase_at(date!(2020 - 10 - 01)).id, "transitional");
        assert_eq!(t.phase_at(date!(2021 - 09 - 30)).id, "transitional-delega");
        assert_eq!(
            t.phase_at(date!(2021 - 10 - 01)).id,
            "digital-identity-citizens"
        );
        assert_eq!(
            t.phase_at(date!(2024 - 08 - 31)).id,
            "digital-identity-citizens"
        );
        assert_eq!(t.phase_at(date!(2024 - 09 - 01)).id, "digital-identity-all");
        assert_eq!(t.phase_at(date!(2000 - 01 - 01)).id, "pin");
        assert!(t.events.len() >= 12);
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let text = "name = \"x\"\n[[phase]]\nid = \"a\"\nfrom = 2020-01-01\nissue = \"everyone\"\nissue_kind = \"by-channel\"\npin_valid = []\nrenewable = true\nmust_accept = []\ndelega = \"none\"\nextra = 1\n";
        let e = Timeline::parse(text, "t.toml").unwrap_err();
        assert_eq!((e.line, e.path.as_str()), (11, "t.toml"), "{e}");
        assert!(e.message.contains("extra"), "{e}");
        assert!(e.to_string().starts_with("t.toml:11:1: "), "{e}");
    }

    #[test]
    fn phases_must_be_in_order() {
        let phase = |id: &str, from: &str| {
            format!("[[phase]]\nid = \"{id}\"\nfrom = {from}\nissue = \"nobody\"\nissue_kind = \"by-channel\"\npin_valid = []\nrenewable = false\nmust_accept = []\ndelega = \"none\"\n")
        };
        let text = format!(
            "name = \"x\"\n{}{}",
            phase("a", "2021-01-01"),
            phase("b", "2020-01-01")
        );
        let e = Timeline::parse(&text, "t.toml").unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        assert!(e.message.contains("must start after"), "{e}");
    }

    #[test]
    fn a_datetime_is_not_a_day() {
        let text =
            "name = \"x\"\n[[event]]\ndate = 2020-01-01T10:00:00Z\ntitle = \"t\"\nsource = \"s\"\n";
        let e = Timeline::parse(text, "t.toml").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
    }
}
