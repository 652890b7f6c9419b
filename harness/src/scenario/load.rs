//! Reading scenario files: TOML with spans, then every value checked against the fixtures, the
//! catalogues and the step kinds. Every error names the file, line and column, and suggests the
//! closest known name for a misspelt key, kind, actor, provider, service, code or rule id.

use super::format::{ScenarioFile, StepSpec};
use super::rules;
use super::step::{self, Actor, Expect, PinChoice, Scenario, Shift, Step, COMMON_KEYS};
use super::suggest;
use mock_idps::fixtures::FixtureSource;
use mock_idps::pin::{people, Person};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};
use toml::Spanned;

/// A problem in a scenario file, at a place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What is wrong, and the suggestion if any.
    pub message: String,
}

/// Why scenarios could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadFailure {
    /// A file or folder could not be read.
    #[error("reading scenarios at {}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The people of the fixtures could not be read (a build problem, not the scenario's).
    #[error("reading the fixture identities")]
    People(#[from] mock_idps::pin::PinSetupError),
    /// The provider table could not be read.
    #[error("reading the fixture providers")]
    Providers(#[source] Box<mock_idps::FixtureError>),
    /// One or more files have errors.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<LoadError>),
}

/// What scenario files may name: the fixture people and providers.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// People of the PIN registry (fixtures/users.toml + pin-profiles.toml).
    pub people: Vec<Person>,
    /// Provider ids with their highest level.
    pub providers: Vec<String>,
}

impl Catalog {
    /// The embedded fixtures.
    pub fn embedded() -> Result<Self, LoadFailure> {
        let source = FixtureSource::Embedded;
        let people = people::from_fixtures(&source)?;
        let fixtures = |e: mock_idps::FixtureError| LoadFailure::Providers(Box::new(e));
        let text = source.read("providers.toml").map_err(fixtures)?;
        let providers = mock_idps::spid::provider::parse_providers(&text, "providers.toml")
            .map_err(|e| fixtures(e.into()))?
            .into_iter()
            .map(|p| p.id)
            .collect();
        Ok(Self { people, providers })
    }

    fn person(&self, name: &str) -> Option<&Person> {
        let upper = name.trim().to_ascii_uppercase();
        self.people
            .iter()
            .find(|p| p.username == name.trim() || p.fiscal_code == upper)
    }
}

/// Every `*.toml` scenario under `paths` (files as given; folders recursively, skipping any folder
/// named `timeline`), sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadFailure> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(io_at(p))?;
        if meta.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// An I/O error at `path` as a load failure.
fn io_at(path: &Path) -> impl Fn(std::io::Error) -> LoadFailure + Copy + '_ {
    move |source| LoadFailure::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadFailure> {
    let io = io_at(dir);
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            // The switch-off timeline is the PIN backend's data, not a scenario.
            if path.file_name().is_some_and(|n| n != "timeline") {
                walk(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every file; all errors of all files are returned together.
pub fn load_all(paths: &[PathBuf], catalog: &Catalog) -> Result<Vec<Scenario>, LoadFailure> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(io_at(path))?;
        match parse(&text, path, catalog) {
            Ok(s) => scenarios.push(s),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(LoadFailure::Invalid(errors))
    }
}

/// Parses and checks one scenario file's text.
pub fn parse(text: &str, path: &Path, catalog: &Catalog) -> Result<Scenario, Vec<LoadError>> {
    let mut cx = Cx {
        text,
        path,
        catalog,
        errors: Vec::new(),
        actors: BTreeMap::new(),
    };
    let file: ScenarioFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => return Err(vec![cx.toml_error(&e)]),
    };
    for (alias, who) in &file.actors {
        match catalog.person(who.get_ref()) {
            Some(p) => {
                cx.actors.insert(
                    alias.clone(),
                    Actor {
                        alias: alias.clone(),
                        username: p.username.clone(),
                        fiscal_code: p.fiscal_code.clone(),
                    },
                );
            }
            None => {
                let hint = suggest::hint(
                    who.get_ref(),
                    catalog.people.iter().map(|p| p.username.as_str()),
                );
                cx.err(
                    who.span(),
                    format!(
                        "actor {alias:?}: no fixture identity {:?} (a username of fixtures/users.toml or a codice fiscale){hint}",
                        who.get_ref()
                    ),
                );
            }
        }
    }
    let start = cx.instant(&file.start);
    let mut steps = Vec::new();
    for (i, spec) in file.steps.iter().enumerate() {
        if let Some(step) = cx.step(i + 1, spec) {
            steps.push(step);
        }
    }
    match (start, cx.errors.is_empty()) {
        (Some(start), true) => Ok(Scenario {
            path: path.to_path_buf(),
            title: file.title.into_inner(),
            start,
            seed: file.seed.map_or(1, Spanned::into_inner),
            steps,
        }),
        _ => Err(cx.errors),
    }
}

/// What a step's loader ([`super::steps`]) reads with: the file, the catalogue, the actors, and
/// the errors so far.
pub(super) struct Cx<'a> {
    text: &'a str,
    path: &'a Path,
    pub(super) catalog: &'a Catalog,
    errors: Vec<LoadError>,
    actors: BTreeMap<String, Actor>,
}

/// The names of every step kind, comma-separated (for errors that list them).
fn kind_names() -> String {
    step::KINDS
        .iter()
        .map(|k| k.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Cx<'_> {
    fn at(&self, span: Range<usize>, message: String) -> LoadError {
        let (line, column) = line_col(self.text, span.start);
        LoadError {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    pub(super) fn err(&mut self, span: Range<usize>, message: String) {
        let e = self.at(span, message);
        self.errors.push(e);
    }

    /// A TOML or serde error, with a suggestion when it names an unknown key or variant.
    fn toml_error(&self, e: &toml::de::Error) -> LoadError {
        let message = e.message().trim().to_string();
        let ticks: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        // serde lists the accepted names after the one given: suggest among them.
        let names_one =
            message.starts_with("unknown field") || message.starts_with("unknown variant");
        let hint = match ticks.split_first() {
            Some((given, rest)) if names_one => suggest::hint(given, rest.iter().copied()),
            _ => String::new(),
        };
        let message = message.replace('\n', ": ");
        self.at(e.span().unwrap_or(0..0), format!("{message}{hint}"))
    }

    pub(super) fn instant(&mut self, v: &Spanned<toml::value::Datetime>) -> Option<OffsetDateTime> {
        match to_instant(v.get_ref()) {
            Ok(t) => Some(t),
            Err(why) => {
                self.err(v.span(), why);
                None
            }
        }
    }

    pub(super) fn day(&mut self, v: &Spanned<toml::value::Datetime>) -> Option<Date> {
        self.instant(v).map(OffsetDateTime::date)
    }

    pub(super) fn actor(&mut self, v: &Spanned<String>) -> Option<Actor> {
        if let Some(a) = self.actors.get(v.get_ref()) {
            return Some(a.clone());
        }
        let hint = suggest::hint(v.get_ref(), self.actors.keys().map(String::as_str));
        let declared = self.actors.keys().cloned().collect::<Vec<_>>().join(", ");
        self.err(
            v.span(),
            format!(
                "unknown actor {:?}: declare it under [actors] (declared: {declared}){hint}",
                v.get_ref()
            ),
        );
        None
    }

    /// A kebab-case enum value, with the accepted names listed.
    pub(super) fn choice<T: DeserializeOwned>(
        &mut self,
        v: &Spanned<String>,
        what: &str,
        names: &[&str],
    ) -> Option<T> {
        match serde_json::from_value(serde_json::Value::String(v.get_ref().clone())) {
            Ok(t) => Some(t),
            Err(_) => {
                self.unknown(v, what, names);
                None
            }
        }
    }

    /// The value itself when it is one of `names`; otherwise an error as for [`Self::choice`].
    pub(super) fn one_of(
        &mut self,
        v: &Spanned<String>,
        what: &str,
        names: &[&str],
    ) -> Option<String> {
        if names.contains(&v.get_ref().as_str()) {
            return Some(v.get_ref().clone());
        }
        self.unknown(v, what, names);
        None
    }

    /// Reports a `what` that is none of `names`, listing them, with the nearest as a hint.
    pub(super) fn unknown(&mut self, v: &Spanned<String>, what: &str, names: &[&str]) {
        let hint = suggest::hint(v.get_ref(), names.iter().copied());
        self.err(
            v.span(),
            format!(
                "unknown {what} {:?} (one of: {}){hint}",
                v.get_ref(),
                names.join(", ")
            ),
        );
    }

    pub(super) fn service(&mut self, v: &Spanned<String>) -> Option<String> {
        let ids = mock_idps::pin::services::SERVICES.iter().map(|s| s.id);
        if mock_idps::pin::services::find(v.get_ref()).is_ok() {
            return Some(v.get_ref().clone());
        }
        let hint = suggest::hint(v.get_ref(), ids);
        self.err(
            v.span(),
            format!(
                "unknown service {:?} (see mock-idps/src/pin/services.rs){hint}",
                v.get_ref()
            ),
        );
        None
    }

    pub(super) fn pin_choice(
        &mut self,
        v: Option<&Spanned<String>>,
        default: PinChoice,
    ) -> PinChoice {
        let Some(v) = v else { return default };
        match v.get_ref().as_str() {
            "right" => PinChoice::Right,
            "wrong" => PinChoice::Wrong,
            "initial" => PinChoice::Initial,
            "first-half" => PinChoice::FirstHalf,
            other => {
                let names = ["right", "wrong", "initial", "first-half"];
                let hint = suggest::hint(other, names);
                self.err(
                    v.span(),
                    format!(
                        "unknown pin {other:?} (one of: right, wrong, initial, first-half){hint}"
                    ),
                );
                default
            }
        }
    }

    pub(super) fn methods(
        &mut self,
        v: Option<&Vec<Spanned<String>>>,
    ) -> Vec<mock_idps::pin::LoginMethod> {
        v.into_iter()
            .flatten()
            .filter_map(|m| self.choice(m, "login method", METHODS))
            .collect()
    }

    fn step(&mut self, number: usize, spanned: &Spanned<StepSpec>) -> Option<Step> {
        let spec = spanned.get_ref();
        let span = spanned.span();
        let before = self.errors.len();
        let Some(kind_v) = spec.action.as_ref() else {
            self.err(
                span,
                format!("step {number} has no `do` (one of: {})", kind_names()),
            );
            return None;
        };
        let Some(kind) = step::kind(kind_v.get_ref()) else {
            let hint = suggest::hint(kind_v.get_ref(), step::KINDS.iter().map(|k| k.name));
            self.err(
                kind_v.span(),
                format!(
                    "unknown step kind {:?} (one of: {}){hint}",
                    kind_v.get_ref(),
                    kind_names()
                ),
            );
            return None;
        };
        // What this kind takes: anything else is an error, never ignored.
        let present = spec.present();
        for (key, key_span) in &present {
            if !(COMMON_KEYS.contains(key)
                || kind.required.contains(key)
                || kind.optional.contains(key))
            {
                let takes: Vec<&str> = kind.required.iter().chain(kind.optional).copied().collect();
                let hint = suggest::hint(key, takes.iter().copied());
                self.err(
                    key_span.clone(),
                    format!(
                        "step kind {:?} does not take `{key}` (it takes: {}){hint}",
                        kind.name,
                        takes.join(", ")
                    ),
                );
            }
        }
        for key in kind.required {
            if !present.iter().any(|(k, _)| k == key) {
                self.err(
                    kind_v.span(),
                    format!("step kind {:?} needs `{key}`", kind.name),
                );
            }
        }
        let expect = self.expect(spec.expect.as_ref());
        let covers = self.covers(spec.covers.as_ref());
        let times = spec.times.as_ref().map_or(1, |t| *t.get_ref());
        if times == 0 {
            if let Some(t) = &spec.times {
                self.err(t.span(), "`times` must be at least 1".into());
            }
        }
        // Required keys were checked above; a missing one already failed the step.
        let actor = match &spec.actor {
            Some(a) => self.actor(a),
            None => None,
        };
        let action = (kind.parse)(self, spec, actor, kind_v.span());
        if self.errors.len() > before {
            return None;
        }
        let action = action?;
        Some(Step {
            number,
            line: line_col(self.text, span.start).0,
            kind: kind.name,
            title: spec
                .title
                .as_ref()
                .map_or_else(|| kind.summary.to_string(), |t| t.get_ref().clone()),
            action,
            expect,
            covers,
            times,
        })
    }

    /// `expect`: `ok` (also when absent) or a code of [`step::all_codes`].
    fn expect(&mut self, v: Option<&Spanned<String>>) -> Expect {
        let codes = step::all_codes();
        match v {
            None => Expect::Ok,
            Some(v) if v.get_ref() == "ok" => Expect::Ok,
            Some(v) if codes.contains(v.get_ref()) => Expect::Error(v.get_ref().clone()),
            Some(v) => {
                let known = codes.iter().map(String::as_str);
                let hint = suggest::hint(v.get_ref(), std::iter::once("ok").chain(known));
                self.err(
                    v.span(),
                    format!(
                        "unknown expectation {:?}: `ok` or an error code such as PIN_LOCKED or nr19{hint}",
                        v.get_ref()
                    ),
                );
                Expect::Ok
            }
        }
    }

    /// `covers`: rule ids of [`rules::RULES`]; an unknown one is an error with a suggestion.
    fn covers(&mut self, ids: Option<&Vec<Spanned<String>>>) -> Vec<String> {
        let mut covers = Vec::new();
        for id in ids.into_iter().flatten() {
            if rules::find(id.get_ref()).is_some() {
                covers.push(id.get_ref().clone());
            } else {
                let hint = match padded_rule(id.get_ref()) {
                    Some(p) => format!("; did you mean {p:?}?"),
                    None => suggest::hint(id.get_ref(), rules::RULES.iter().map(|r| r.id)),
                };
                self.err(
                    id.span(),
                    format!(
                        "unknown rule id {:?} (PIN-01…13, SW-01…07, ID-01…11){hint}",
                        id.get_ref()
                    ),
                );
            }
        }
        covers
    }

    pub(super) fn opt_choice<T: DeserializeOwned>(
        &mut self,
        v: Option<&Spanned<String>>,
        what: &str,
        names: &[&str],
    ) -> Option<T> {
        v.and_then(|v| self.choice(v, what, names))
    }
}

pub(super) const CHANNELS: &[&str] = &["online", "contact-center", "office"];
pub(super) const KINDS_PIN: &[&str] = &["ordinario", "dispositivo"];
pub(super) const SCOPES: &[&str] = &["full", "dedicated"];
pub(super) const CLAIMS: &[&str] = &["frozen", "processing"];
pub(super) const CONVERSIONS: &[&str] = &["online-mv35", "fax", "office"];
pub(super) const FORMS: &[&str] = &["AA08", "AA09", "AA10"];
pub(super) const DELEGATION_CHANNELS: &[&str] = &["office", "online"];
pub(super) const METHODS: &[&str] = &["pin", "spid-l1", "spid-l2", "spid-l3", "cie", "cns"];
pub(super) const VALIDITIES: &[&str] = &["1-day", "1-week", "1-month", "3-months"];
pub(super) const DELEGA: &[&str] = &["none", "office", "office-and-online"];
pub(super) const OUTCOMES: &[&str] = &[
    "success",
    "wrong-credentials",
    "no-level",
    "timeout",
    "consent-denied",
    "suspended",
    "cancel",
    "purpose-mismatch",
];
/// The states `pin-status` may expect.
pub const STATES: &[&str] = &[
    "active",
    "awaiting-first-access",
    "expired",
    "locked",
    "revoked",
    "switched-off",
    "none",
];

/// `PIN-2`, `pin-02`, `SW7` written for a known id: the id as it is spelt.
fn padded_rule(given: &str) -> Option<&'static str> {
    let upper = given.trim().to_ascii_uppercase();
    let split = upper.find(|c: char| c.is_ascii_digit())?;
    let (prefix, n) = upper.split_at(split);
    let n: u32 = n.parse().ok()?;
    let id = format!("{}-{n:02}", prefix.trim_end_matches('-'));
    rules::find(&id).map(|r| r.id)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// A TOML date or date-time as an instant: a bare date is midnight UTC, a local date-time is UTC.
fn to_instant(v: &toml::value::Datetime) -> Result<OffsetDateTime, String> {
    let d = v
        .date
        .ok_or_else(|| format!("{v} has no date: write e.g. 2020-10-01 or 2020-10-01T09:00:00Z"))?;
    let month = Month::try_from(d.month).map_err(|_| format!("bad date {v}: month {}", d.month))?;
    let date = Date::from_calendar_date(i32::from(d.year), month, d.day)
        .map_err(|_| format!("bad date {v}: {d} is not a day of the calendar"))?;
    let time = match v.time {
        Some(t) => Time::from_hms_nano(t.hour, t.minute, t.second, t.nanosecond)
            .map_err(|_| format!("bad time in {v}"))?,
        None => Time::MIDNIGHT,
    };
    let offset = match v.offset {
        None | Some(toml::value::Offset::Z) => UtcOffset::UTC,
        Some(toml::value::Offset::Custom { minutes }) => {
            UtcOffset::from_whole_seconds(i32::from(minutes) * 60)
                .map_err(|_| format!("bad offset in {v}"))?
        }
    };
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// Parses `"7d"`, `"5m"`, `"6mo"`, `"1y 2w 3d 4h 5m 6s"`.
pub(super) fn parse_shift(s: &str) -> Result<Shift, String> {
    let bad = || {
        format!("bad duration {s:?}: numbers with units y, mo, w, d, h, m, s, e.g. \"7d\", \"6mo -1s\", \"4m 59s\"")
    };
    let mut shift = Shift::default();
    let mut any = false;
    for part in s.split_whitespace() {
        // A leading minus steps back by a fixed duration ("6mo -1s": the second before).
        let (sign, part) = match part.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, part),
        };
        let split = part.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (n, unit) = part.split_at(split);
        let n: i64 = sign * n.parse::<i64>().map_err(|_| bad())?;
        if n < 0 && matches!(unit, "y" | "mo") {
            return Err(format!(
                "bad duration {s:?}: months and years cannot be negative"
            ));
        }
        // Checked arithmetic: a huge count is a bad duration, not an overflow panic (found by the
        // scenario fuzz target).
        let months = |k: i64| {
            n.checked_mul(k)
                .and_then(|m| u32::try_from(m).ok())
                .and_then(|m| shift.months.checked_add(m))
                .ok_or_else(bad)
        };
        let secs = |k: i64| {
            n.checked_mul(k)
                .and_then(|t| shift.duration.checked_add(Duration::seconds(t)))
                .ok_or_else(bad)
        };
        match unit {
            "y" => shift.months = months(12)?,
            "mo" => shift.months = months(1)?,
            "w" => shift.duration = secs(7 * 86_400)?,
            "d" => shift.duration = secs(86_400)?,
            "h" => shift.duration = secs(3_600)?,
            "m" => shift.duration = secs(60)?,
            "s" => shift.duration = secs(1)?,
            _ => return Err(bad()),
        }
        any = true;
    }
    if any {
        Ok(shift)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_positions() {
        let s = parse_shift("1y 2mo 1w 1d 4m 59s").unwrap();
        assert_eq!(s.months, 14);
        assert_eq!(s.duration, Duration::days(8) + Duration::seconds(299));
        assert!(parse_shift("7 days").is_err());
        let back = parse_shift("6mo -1s").unwrap();
        assert_eq!((back.months, back.duration), (6, Duration::seconds(-1)));
        assert!(parse_shift("-1mo").is_err());
        assert!(parse_shift("").is_err());
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("àb", 2), (1, 2));
    }

    #[test]
    fn the_choice_lists_parse() {
        fn all<T: DeserializeOwned>(names: &[&str]) {
            for n in names {
                serde_json::from_value::<T>(serde_json::Value::String((*n).into()))
                    .unwrap_or_else(|e| panic!("{n}: {e}"));
            }
        }
        all::<mock_idps::pin::Channel>(CHANNELS);
        all::<mock_idps::pin::PinKind>(KINDS_PIN);
        all::<mock_idps::pin::PinScope>(SCOPES);
        all::<mock_idps::pin::ClaimStatus>(CLAIMS);
        all::<mock_idps::pin::ConversionMethod>(CONVERSIONS);
        all::<mock_idps::pin::DelegationForm>(FORMS);
        all::<mock_idps::pin::DelegationChannel>(DELEGATION_CHANNELS);
        all::<mock_idps::pin::LoginMethod>(METHODS);
        all::<mock_idps::spid::script::Outcome>(OUTCOMES);
    }
}

#[cfg(test)]
mod fuzz_regressions {
    /// Found by the scenario fuzz target: a huge count overflowed `time::Duration` and panicked.
    #[test]
    fn a_huge_shift_is_a_bad_duration_not_a_panic() {
        for s in [
            "999999999999999w",
            "9223372036854775807d",
            "+9999999999999999y",
        ] {
            assert!(super::parse_shift(s).is_err(), "{s}");
        }
        assert!(super::parse_shift("2w").is_ok());
    }
}
