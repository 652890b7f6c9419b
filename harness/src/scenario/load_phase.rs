//! The `load` step: a bounded login load test ([`crate::load`]) against the reference service
//! through the mock providers in auto-login mode, so a switch-off scenario can end with its
//! login load test. It takes `duration` of the simulated timeline (the clock moves by it), the
//! service's policy of the simulated day decides whether it accepts the level (ID-01, as for
//! `spid-login`), and the step passes when every threshold holds.
//!
//! The logins themselves run on the real clock and real sockets (loopback, bounded by
//! `duration`, `max_logins` and `graceful_stop`), like every SAML exchange of a scenario.

use super::format::StepSpec;
use super::step::Actor;
use crate::load::judge::Thresholds;
use crate::load::model::{LoadReport, END_TO_END};
use crate::load::{self, spec, LoadConfig, Model};
use mock_idps::spid::level::Level;
use mock_idps::spid::script::AutoLogin;
use std::ops::Range;
use std::time::Duration;
use toml::Spanned;

/// Users at most in a closed-model `load` step.
pub const MAX_CONCURRENCY: u32 = 1024;

/// A `load` step, every value checked.
#[derive(Debug, Clone)]
pub struct LoadPhase {
    /// Where the logins go.
    pub provider: String,
    /// The level the service asks for.
    pub level: Level,
    /// `redirect`, `post` or `both`.
    pub binding: String,
    /// How the mocks answer.
    pub auto_login: AutoLogin,
    /// Open (`rate`) or closed (`concurrency`; one user when neither is given).
    pub model: Model,
    /// No login starts after this.
    pub duration: Duration,
    /// Logins in flight at the end get this long.
    pub graceful_stop: Duration,
    /// No more logins than this.
    pub max_logins: u64,
    /// The limits the step is judged by (failed logins at most 0% unless `max_error_rate`).
    pub thresholds: Thresholds,
}

/// Problems found, each at a place of the file.
pub type Problems = Vec<(Range<usize>, String)>;

fn value<T, E: std::fmt::Display>(
    v: &Spanned<String>,
    key: &str,
    parse: impl Fn(&str) -> Result<T, E>,
    problems: &mut Problems,
) -> Option<T> {
    match parse(v.get_ref()) {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push((v.span(), format!("`{key}`: {e}")));
            None
        }
    }
}

/// The load model: `rate` (open), `concurrency` (closed), or one user back to back.
fn read_model(s: &StepSpec, p: &mut Problems) -> Option<Model> {
    match (&s.rate, &s.concurrency) {
        (Some(r), None) => value(r, "rate", spec::rate, p).map(|rate| Model::Open {
            stages: Vec::new(),
            constant: Some(rate),
            max_in_flight: 256,
        }),
        (None, Some(c)) if (1..=MAX_CONCURRENCY).contains(c.get_ref()) => Some(Model::Closed {
            concurrency: *c.get_ref() as usize,
        }),
        (None, Some(c)) => {
            p.push((
                c.span(),
                format!("`concurrency` must be 1 to {MAX_CONCURRENCY}"),
            ));
            None
        }
        (Some(_), Some(c)) => {
            p.push((
                c.span(),
                "give either `rate` (the open model) or `concurrency` (the closed model), not both"
                    .into(),
            ));
            None
        }
        // Neither: one user back to back, as k6 runs one VU by default.
        (None, None) => Some(Model::Closed { concurrency: 1 }),
    }
}

/// The provider the logins go to (`poste` when absent); an unknown id is a problem.
fn read_provider(s: &StepSpec, providers: &[String], p: &mut Problems) -> String {
    let known = |v: &str| providers.iter().any(|x| x == v);
    let unknown = |v: &str| {
        let hint = super::suggest::hint(v, providers.iter().map(String::as_str));
        format!(
            "unknown provider {v:?} (one of: {}){hint}",
            providers.join(", ")
        )
    };
    read_choice(s.provider.as_ref(), "poste", known, unknown, p)
}

/// The value of `field` (`default` when absent); a value `known` refuses is a problem worded by
/// `unknown`.
fn read_choice(
    field: Option<&toml::Spanned<String>>,
    default: &str,
    known: impl Fn(&str) -> bool,
    unknown: impl Fn(&str) -> String,
    p: &mut Problems,
) -> String {
    let Some(v) = field else {
        return default.to_string();
    };
    if !known(v.get_ref()) {
        p.push((v.span(), unknown(v.get_ref())));
    }
    v.get_ref().clone()
}

/// The level the service asks for (2 when absent).
fn read_level(s: &StepSpec, p: &mut Problems) -> Option<Level> {
    match s.level.as_ref().map(|v| (*v.get_ref(), v.span())) {
        None | Some((2, _)) => Some(Level::L2),
        Some((1, _)) => Some(Level::L1),
        Some((3, _)) => Some(Level::L3),
        Some((other, span)) => {
            p.push((span, format!("SPID level {other}: use 1, 2 or 3")));
            None
        }
    }
}

/// `redirect`, `post` or `both` (the default).
fn read_binding(s: &StepSpec, p: &mut Problems) -> String {
    let known = |v: &str| ["redirect", "post", "both"].contains(&v);
    let unknown = |v: &str| format!("binding {v:?}: use redirect, post or both");
    read_choice(s.binding.as_ref(), "both", known, unknown, p)
}

/// How the mocks answer: `auto_login`, else every login as `actor` (read at `at`, the span of
/// `do`), else the default mix; both given is a problem.
fn read_auto_login(
    s: &StepSpec,
    actor: Option<&Actor>,
    at: Range<usize>,
    p: &mut Problems,
) -> Option<AutoLogin> {
    match (&s.auto_login, actor) {
        (Some(v), None) => value(v, "auto_login", str::parse::<AutoLogin>, p),
        (None, Some(a)) => value(
            &Spanned::new(at, a.username.clone()),
            "actor",
            str::parse::<AutoLogin>,
            p,
        ),
        (None, None) => Some(load::default_auto_login()),
        (Some(v), Some(_)) => {
            p.push((
                v.span(),
                "give either `actor` (every login is that person) or `auto_login` (a mix), not both".into(),
            ));
            None
        }
    }
}

impl LoadPhase {
    /// The phase a step asks for; `actor` (when given) is the auto-login user, `providers` the
    /// ids that exist, `at` the span of `do` (for what is missing).
    pub fn parse(
        s: &StepSpec,
        actor: Option<&Actor>,
        providers: &[String],
        at: Range<usize>,
    ) -> Result<Self, Problems> {
        let mut problems = Problems::new();
        let p = &mut problems;
        let duration = s
            .duration
            .as_ref()
            .and_then(|v| value(v, "duration", spec::duration, p));
        if let (Some(d), Some(v)) = (duration, &s.duration) {
            if d.is_zero() || d > load::MAX_DURATION {
                p.push((
                    v.span(),
                    format!(
                        "`duration` must be above 0 and at most {}s",
                        load::MAX_DURATION.as_secs()
                    ),
                ));
            }
        }
        let model = read_model(s, p);
        let provider = read_provider(s, providers, p);
        let level = read_level(s, p);
        let binding = read_binding(s, p);
        let auto_login = read_auto_login(s, actor, at, p);
        let graceful_stop = match &s.graceful_stop {
            Some(v) => value(v, "graceful_stop", spec::duration, p),
            None => Some(load::DEFAULT_GRACEFUL_STOP),
        };
        let max_logins = match &s.max_logins {
            Some(v) if *v.get_ref() == 0 => {
                p.push((v.span(), "`max_logins` must be at least 1".into()));
                None
            }
            Some(v) => Some(*v.get_ref()),
            None => Some(1_000_000),
        };
        let thresholds = Thresholds {
            max_p99: s
                .max_p99
                .as_ref()
                .and_then(|v| value(v, "max_p99", spec::duration, p)),
            max_error_rate: match &s.max_error_rate {
                Some(v) => value(v, "max_error_rate", spec::fraction, p),
                None => Some(0.0),
            },
            min_rate: s
                .min_rate
                .as_ref()
                .and_then(|v| value(v, "min_rate", spec::rate, p)),
            max_regression: None,
        };
        match (
            problems.is_empty(),
            duration,
            model,
            level,
            auto_login,
            graceful_stop,
            max_logins,
        ) {
            (
                true,
                Some(duration),
                Some(model),
                Some(level),
                Some(auto_login),
                Some(g),
                Some(n),
            ) => Ok(Self {
                provider,
                level,
                binding,
                auto_login,
                model,
                duration,
                graceful_stop: g,
                max_logins: n,
                thresholds,
            }),
            _ => Err(problems),
        }
    }

    /// The run: the reference service, in-process mocks, this phase's paths and bounds.
    pub fn config(&self) -> Result<LoadConfig, load::LoadError> {
        let paths = load::paths(
            std::slice::from_ref(&self.provider),
            &self.binding,
            self.level,
        )?;
        let mut c = LoadConfig::against_reference(paths, self.model.clone());
        c.auto_login = self.auto_login.clone();
        c.duration = self.duration;
        c.graceful_stop = self.graceful_stop;
        c.max_logins = self.max_logins;
        c.thresholds = self.thresholds.clone();
        Ok(c)
    }

    /// Runs the phase (on a blocking thread: the load builds runtimes of its own).
    pub async fn run(&self) -> Result<LoadReport, LoadPhaseError> {
        let config = self.config().map_err(LoadPhaseError::Config)?;
        tokio::task::spawn_blocking(move || load::run(config))
            .await
            .map_err(LoadPhaseError::Stopped)?
            .map_err(LoadPhaseError::Run)
    }
}

/// Why a load phase gave no report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadPhaseError {
    /// Its login paths could not be built.
    #[error("the load phase's login paths")]
    Config(#[source] load::LoadError),
    /// The thread running it panicked or was cancelled.
    #[error("the load phase stopped")]
    Stopped(#[source] tokio::task::JoinError),
    /// The run itself failed.
    #[error("the load phase could not run")]
    Run(#[source] load::LoadError),
}

/// What differs from the thresholds (empty when the phase passed), and one line of figures for
/// the scenario report.
pub fn verdict(r: &LoadReport) -> (Vec<String>, String) {
    let mut mismatches: Vec<String> = r
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| format!("{} measured {} (limit {})", t.name, t.actual, t.limit))
        .collect();
    if r.ok + r.expected_refusals == 0 {
        mismatches.push("no login ended".into());
    }
    let p99 = r
        .hop(END_TO_END)
        .map_or_else(|| "-".to_string(), |h| format!("{:.2} ms", h.stats.p99));
    let limits: Vec<String> = r
        .thresholds
        .iter()
        .map(|t| {
            format!(
                "{} {} {}",
                t.name,
                t.limit,
                if t.passed { "held" } else { "FAILED" }
            )
        })
        .collect();
    let line = format!(
        "load: {} logins, {} accepted, {} expected refusals, {} errors, {} interrupted; {:.1} logins/s; end-to-end p99 {p99}; {}",
        r.logins,
        r.ok,
        r.expected_refusals,
        r.error_count(),
        r.interrupted,
        r.rate,
        limits.join(", ")
    );
    (mismatches, line)
}
