//! Runs loaded scenarios on a simulated clock against a fresh in-memory PIN backend each, and the
//! SPID mocks through the reference service for `spid-login` steps. Nothing sleeps: `advance`
//! moves the [`SimClock`].

use super::spid::SpidEnv;
use super::step::{Action, Actor, Expect, PinChoice, Scenario, Step};
use mock_idps::clock::{Clock, SimClock};
use mock_idps::ids::IdGenerator;
use mock_idps::pin::{Carrier, LoginMethod, PinBackend, PinError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;

/// How one step went.
#[derive(Debug, Clone)]
pub struct StepResult {
    /// Position in the file.
    pub number: usize,
    /// Line in the file.
    pub line: usize,
    /// Step kind.
    pub kind: &'static str,
    /// One line.
    pub title: String,
    /// `ok` or the code expected.
    pub expected: String,
    /// `ok`, the code returned, or what differed.
    pub actual: String,
    /// Whether every repetition went as expected.
    pub passed: bool,
    /// Rule ids covered.
    pub covers: Vec<String>,
    /// The simulated instant after the step.
    pub at: OffsetDateTime,
    /// Provider and level of a SPID login.
    pub spid: Option<(String, u8)>,
    /// Wall time in milliseconds.
    pub millis: f64,
    /// The figures of a `load` step (logins, rate, p99, thresholds).
    pub detail: Option<String>,
}

/// How one scenario went.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The file.
    pub path: std::path::PathBuf,
    /// Its title.
    pub title: String,
    /// Every step.
    pub steps: Vec<StepResult>,
    /// Set when the scenario could not run at all.
    pub error: Option<String>,
}

impl ScenarioResult {
    /// Whether every step went as expected.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.steps.iter().all(|s| s.passed)
    }
}

/// Runs scenarios; the SPID environment is started on the first `spid-login` step and shared.
#[derive(Debug, Default)]
pub struct Runner {
    spid: Option<Result<SpidEnv, String>>,
}

/// What an operation gave: `Ok(mismatches)` (empty when every check held) or an error code.
pub(super) type Outcome = Result<Vec<String>, String>;

#[derive(Debug, Default)]
pub(super) struct ActorState {
    pub(super) secret: Option<String>,
    pub(super) session: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) digital: Option<LoginMethod>,
}

/// One scenario's run: what the steps ([`super::steps`]) act on.
pub(super) struct Run<'a> {
    pub(super) clock: Arc<SimClock>,
    pub(super) pin: Arc<PinBackend>,
    pub(super) service: Option<super::service::PinServiceEnv>,
    actors: HashMap<String, ActorState>,
    counter: u32,
    pub(super) runner: &'a mut Runner,
    /// Figures of the last `load` step, for its result.
    pub(super) detail: Option<String>,
}

impl Runner {
    /// A runner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs every scenario in order.
    pub async fn run_all(&mut self, scenarios: &[Scenario]) -> Vec<ScenarioResult> {
        let mut out = Vec::with_capacity(scenarios.len());
        for s in scenarios {
            out.push(self.run(s).await);
        }
        out
    }

    /// Runs one scenario from its start instant on a fresh backend.
    pub async fn run(&mut self, scenario: &Scenario) -> ScenarioResult {
        let clock = Arc::new(SimClock::new(scenario.start));
        let mut result = ScenarioResult {
            path: scenario.path.clone(),
            title: scenario.title.clone(),
            steps: Vec::new(),
            error: None,
        };
        let pin = match PinBackend::in_memory(clock.clone(), IdGenerator::seeded(scenario.seed)) {
            Ok(p) => Arc::new(p),
            Err(e) => {
                result.error = Some(format!("starting the PIN backend: {e}"));
                return result;
            }
        };
        let mut run = Run {
            clock,
            pin,
            service: None,
            actors: HashMap::new(),
            counter: 0,
            runner: self,
            detail: None,
        };
        for step in &scenario.steps {
            result.steps.push(run.step(step).await);
        }
        result
    }

    pub(super) async fn spid(&mut self) -> Result<&SpidEnv, String> {
        if self.spid.is_none() {
            self.spid = Some(SpidEnv::start().await);
        }
        match self.spid.as_ref() {
            Some(Ok(env)) => Ok(env),
            Some(Err(e)) => Err(e.clone()),
            None => Err("the SPID environment did not start".into()),
        }
    }
}

pub(super) fn code(e: PinError) -> String {
    e.code().to_string()
}

pub(super) fn kebab<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

pub(super) fn check<T: PartialEq + serde::Serialize>(
    what: &str,
    want: Option<T>,
    got: T,
    out: &mut Vec<String>,
) {
    if let Some(w) = want {
        if w != got {
            out.push(format!("{what} {} (expected {})", kebab(&got), kebab(&w)));
        }
    }
}

impl Run<'_> {
    async fn step(&mut self, step: &Step) -> StepResult {
        let began = Instant::now();
        let expected = step.expect.to_string();
        let mut passed = true;
        let mut actual = String::new();
        for _ in 0..step.times {
            let outcome = step.action.run(self).await;
            let (ok, got) = match (&step.expect, outcome) {
                (Expect::Ok, Ok(m)) if m.is_empty() => (true, "ok".to_string()),
                (Expect::Ok, Ok(m)) => (false, format!("ok, but {}", m.join("; "))),
                (Expect::Error(c), Err(got)) => (*c == got, got),
                (_, Ok(_)) => (false, "ok".to_string()),
                (Expect::Ok, Err(got)) => (false, got),
            };
            actual = got;
            if !ok {
                passed = false;
                break;
            }
        }
        StepResult {
            number: step.number,
            line: step.line,
            kind: step.kind,
            title: step.title.clone(),
            expected,
            actual,
            passed,
            covers: step.covers.clone(),
            at: self.clock.now(),
            spid: match &step.action {
                Action::SpidLogin(l) => Some((l.0.provider.clone(), l.0.level.number())),
                Action::Load(l) => Some((l.0.provider.clone(), l.0.level.number())),
                _ => None,
            },
            millis: began.elapsed().as_secs_f64() * 1000.0,
            detail: self.detail.take(),
        }
    }

    pub(super) fn state(&mut self, a: &Actor) -> &mut ActorState {
        self.actors.entry(a.fiscal_code.clone()).or_default()
    }

    /// The initial 16 characters as delivered so far: both halves of the latest request or
    /// recovery, or only the first half while the post is on its way (PIN-06).
    fn initial(&self, cf: &str, half_only: bool) -> String {
        let out = self.pin.outbox(cf);
        let latest = |pick: &dyn Fn(&mock_idps::pin::Message) -> bool| {
            out.iter()
                .filter(|m| pick(m))
                .max_by_key(|m| m.sent_at)
                .map(|m| (m.sent_at, m.code.clone().unwrap_or_default()))
        };
        let counter = latest(&|m| m.carrier == Carrier::Counter);
        let first = latest(&|m| m.text.contains("prima parte"));
        let second = latest(&|m| m.text.contains("seconda parte"));
        match (counter, first, second) {
            (Some((t, code)), f, _) if f.as_ref().is_none_or(|(tf, _)| t >= *tf) => {
                if half_only {
                    code.chars().take(8).collect()
                } else {
                    code
                }
            }
            (_, Some((t1, a)), Some((t2, b))) if t1 == t2 && !half_only => format!("{a}{b}"),
            (_, Some((_, a)), _) => a,
            _ => String::new(),
        }
    }

    pub(super) fn new_secret(&mut self) -> String {
        self.counter += 1;
        format!("P{:07}", self.counter)
    }

    pub(super) fn typed(&mut self, a: &Actor, choice: PinChoice) -> String {
        match choice {
            PinChoice::Wrong => "WRONG000".into(),
            PinChoice::Initial => self.initial(&a.fiscal_code, false),
            PinChoice::FirstHalf => self.initial(&a.fiscal_code, true),
            PinChoice::Right => match self.state(a).secret.clone() {
                Some(s) => s,
                None => self.initial(&a.fiscal_code, false),
            },
        }
    }
}
