//! Runs loaded scenarios on a simulated clock against a fresh in-memory PIN backend each, and the
//! SPID mocks through the reference service for `spid-login` steps. Nothing sleeps: `advance`
//! moves the [`SimClock`].

use super::spid::SpidEnv;
use super::step::{Action, Actor, Expect, PinChoice, Scenario, Step, TimelineCheck};
use mock_idps::clock::{Clock, SimClock};
use mock_idps::ids::IdGenerator;
use mock_idps::pin::expiry::add_months_at;
use mock_idps::pin::{
    Carrier, Conversion, DelegationRequest, LoginMethod, PinBackend, PinError, PinState,
    RecoveryContacts,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use time::{Duration, OffsetDateTime};

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
type Outcome = Result<Vec<String>, String>;

#[derive(Debug, Default)]
struct ActorState {
    secret: Option<String>,
    session: Option<String>,
    phone: Option<String>,
    digital: Option<LoginMethod>,
}

struct Run<'a> {
    clock: Arc<SimClock>,
    pin: Arc<PinBackend>,
    service: Option<super::service::PinServiceEnv>,
    actors: HashMap<String, ActorState>,
    counter: u32,
    runner: &'a mut Runner,
    /// Figures of the last `load` step, for its result.
    detail: Option<String>,
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

    async fn spid(&mut self) -> Result<&SpidEnv, String> {
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

fn code(e: PinError) -> String {
    e.code().to_string()
}

fn kebab<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn check<T: PartialEq + serde::Serialize>(
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
            let outcome = self.once(&step.action).await;
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
                Action::SpidLogin {
                    provider, level, ..
                } => Some((provider.clone(), level.number())),
                Action::Load(phase) => Some((phase.provider.clone(), phase.level.number())),
                _ => None,
            },
            millis: began.elapsed().as_secs_f64() * 1000.0,
            detail: self.detail.take(),
        }
    }

    fn state(&mut self, a: &Actor) -> &mut ActorState {
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

    fn new_secret(&mut self) -> String {
        self.counter += 1;
        format!("P{:07}", self.counter)
    }

    fn typed(&mut self, a: &Actor, choice: PinChoice) -> String {
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

    async fn once(&mut self, action: &Action) -> Outcome {
        let ok = Ok(Vec::new());
        match action {
            Action::Advance { by, to } => {
                if let Some(by) = by {
                    let now = self.clock.now();
                    self.clock.set(add_months_at(now, by.months) + by.duration);
                }
                if let Some(to) = to {
                    self.clock.set(*to);
                }
                ok
            }
            Action::RequestPin {
                actor,
                channel,
                kind,
                scope,
            } => {
                let issued = self
                    .pin
                    .request(&actor.fiscal_code, *channel)
                    .map_err(code)?;
                self.state(actor).secret = None;
                let mut m = Vec::new();
                check("kind", *kind, issued.kind, &mut m);
                check("scope", *scope, issued.scope, &mut m);
                Ok(m)
            }
            Action::DeliverMail { actor, within_days } => {
                // PIN-06: the postal half, the latest one sent.
                let now = self.clock.now();
                let post = self
                    .pin
                    .pins(&actor.fiscal_code)
                    .last()
                    .map(|p| p.issued_at)
                    .and_then(|issued| {
                        // Messages not yet delivered are not in the outbox: move to the latest
                        // possible day in steps of one day until the post arrives.
                        let max = self.pin.config().postal_max_days;
                        (0..=max).find_map(|d| {
                            let at = issued + Duration::days(i64::from(d));
                            if at < now {
                                return None;
                            }
                            self.clock.set(at);
                            self.pin
                                .outbox(&actor.fiscal_code)
                                .into_iter()
                                .find(|m| m.carrier == Carrier::Post && m.sent_at == issued)
                        })
                    });
                let Some(post) = post else {
                    self.clock.set(now);
                    return Err("MAIL_NOT_PENDING".into());
                };
                let mut m = Vec::new();
                let days = (post.delivered_at - post.sent_at).whole_days();
                if let Some((lo, hi)) = within_days {
                    if days < i64::from(*lo) || days > i64::from(*hi) {
                        m.push(format!("delivered after {days} days (expected {lo}-{hi})"));
                    }
                }
                self.clock.set(post.delivered_at.max(now));
                Ok(m)
            }
            Action::FirstAccess { actor, pin } => {
                let typed = self.typed(actor, *pin);
                let new = self.new_secret();
                self.pin
                    .first_access(&actor.fiscal_code, &typed, &new)
                    .map_err(code)?;
                self.state(actor).secret = Some(new);
                ok
            }
            Action::PinLogin { actor, pin } => {
                let typed = self.typed(actor, *pin);
                let session = self.pin.login(&actor.fiscal_code, &typed).map_err(code)?;
                let st = self.state(actor);
                st.session = Some(session.token);
                ok
            }
            Action::ServicePinLogin { actor, pin } => {
                let typed = self.typed(actor, *pin);
                if self.service.is_none() {
                    let env =
                        super::service::PinServiceEnv::start(self.pin.clone(), self.clock.clone())
                            .await?;
                    self.service = Some(env);
                }
                match &self.service {
                    Some(env) => env
                        .login(&actor.fiscal_code, &typed)
                        .await
                        .map(|()| Vec::new()),
                    None => Err("the reference service did not start".into()),
                }
            }
            Action::Renew { actor, pin } => {
                let typed = self.typed(actor, *pin);
                let new = self.new_secret();
                self.pin
                    .renew(&actor.fiscal_code, &typed, &new)
                    .map_err(code)?;
                self.state(actor).secret = Some(new);
                ok
            }
            Action::Recover {
                actor,
                contacts_right,
            } => {
                let person = self.pin.person(&actor.fiscal_code).map_err(code)?.clone();
                let contacts = if *contacts_right {
                    RecoveryContacts {
                        mobile: person.mobile.unwrap_or_default(),
                        email: person.email.unwrap_or_default(),
                        pec: person.pec.unwrap_or_default(),
                    }
                } else {
                    RecoveryContacts {
                        mobile: "+39 000 0000000".into(),
                        email: "nobody@example.invalid".into(),
                        pec: "nobody@pec.invalid".into(),
                    }
                };
                self.pin
                    .recover(&actor.fiscal_code, &contacts)
                    .map_err(code)?;
                self.state(actor).secret = None;
                ok
            }
            Action::Revoke { actor } => {
                self.pin.revoke(&actor.fiscal_code).map_err(code)?;
                let st = self.state(actor);
                st.secret = None;
                st.session = None;
                ok
            }
            Action::Convert {
                actor,
                method,
                document,
                mv35_signed,
            } => {
                let conversion = Conversion {
                    method: *method,
                    document: document.then(|| "carta d'identità CA00000AA".to_string()),
                    mv35_signed: *mv35_signed,
                };
                self.pin
                    .convert(&actor.fiscal_code, &conversion)
                    .map_err(code)?;
                ok
            }
            Action::OpenService { actor, service } => {
                let token = self.state(actor).session.clone().unwrap_or_default();
                self.pin.open_service(&token, service).map_err(code)?;
                ok
            }
            Action::SubmitClaim {
                actor,
                service,
                claim,
            } => {
                let token = self.state(actor).session.clone().unwrap_or_default();
                let c = self.pin.submit_claim(&token, service).map_err(code)?;
                let mut m = Vec::new();
                check("claim", *claim, c.status, &mut m);
                Ok(m)
            }
            Action::PinStatus { actor, state, kind } => {
                let (got, got_kind) = match self.pin.status(&actor.fiscal_code) {
                    Ok(s) => (
                        match s.state {
                            PinState::Active => "active",
                            PinState::AwaitingFirstAccess => "awaiting-first-access",
                            PinState::Expired => "expired",
                            PinState::Locked { .. } => "locked",
                            PinState::Revoked => "revoked",
                            PinState::SwitchedOff => "switched-off",
                        }
                        .to_string(),
                        Some(s.kind),
                    ),
                    Err(PinError::NoPin { .. }) => ("none".to_string(), None),
                    Err(e) => return Err(code(e)),
                };
                let mut m = Vec::new();
                if got != *state {
                    m.push(format!("state {got} (expected {state})"));
                }
                if let (Some(want), Some(got)) = (kind, got_kind) {
                    check("kind", Some(*want), got, &mut m);
                }
                Ok(m)
            }
            Action::GeneratePhonePin {
                actor,
                via,
                validity,
            } => {
                let via = via
                    .or(self.state(actor).digital)
                    .unwrap_or(LoginMethod::Pin);
                let p = self
                    .pin
                    .generate_phone_pin(&actor.fiscal_code, via, *validity)
                    .map_err(code)?;
                self.state(actor).phone = Some(p.code);
                ok
            }
            Action::PhonePinCall { actor, pin } => {
                let given = match pin {
                    PinChoice::Wrong => "000000000".to_string(),
                    _ => self.state(actor).phone.clone().unwrap_or_default(),
                };
                self.pin
                    .contact_center(&actor.fiscal_code, &given)
                    .map_err(code)?;
                ok
            }
            Action::Delegate {
                delegante,
                delegato,
                form,
                channel,
                via,
                until,
                limits,
                certificate,
            } => {
                let req = DelegationRequest {
                    delegante: delegante.fiscal_code.clone(),
                    delegato: delegato.fiscal_code.clone(),
                    form: *form,
                    channel: *channel,
                    until: *until,
                    limits: limits.clone(),
                    medical_certificate: *certificate,
                    via: *via,
                };
                self.pin.delegate(&req).map_err(code)?;
                ok
            }
            Action::RevokeDelegation {
                actor,
                delegante,
                delegato,
            } => {
                let id = self
                    .pin
                    .delegations(&delegante.fiscal_code)
                    .into_iter()
                    .rev()
                    .find(|d| {
                        d.delegante == delegante.fiscal_code
                            && d.delegato == delegato.fiscal_code
                            && d.revoked_at.is_none()
                    })
                    .map(|d| d.id)
                    .unwrap_or_default();
                self.pin
                    .revoke_delegation(&id, &actor.fiscal_code)
                    .map_err(code)?;
                ok
            }
            Action::ActFor {
                delegato,
                delegante,
                via,
                service,
            } => {
                self.pin
                    .act_for(&delegato.fiscal_code, &delegante.fiscal_code, *via, service)
                    .map_err(code)?;
                ok
            }
            Action::SpidLogin {
                actor,
                provider,
                level,
                outcome,
            } => {
                let method = self.accepted_spid(*level)?;
                let env = self.runner.spid().await?;
                let entry = env.login(&actor.username, provider, *level, *outcome).await;
                if let Some(e) = entry.error {
                    return Err(format!("login could not run: {e}"));
                }
                match entry.verdict {
                    Some(v) if v.accepted => {
                        self.state(actor).digital = Some(method);
                        ok
                    }
                    Some(v) => Err(v.spid_error.unwrap_or_else(|| "refused".into())),
                    None => Err("no verdict".into()),
                }
            }
            Action::Load(phase) => {
                self.accepted_spid(phase.level)?;
                let report = phase.run().await?;
                let (mismatches, line) = super::load_phase::verdict(&report);
                self.detail = Some(line);
                // The phase takes its duration of the simulated timeline.
                let d = Duration::try_from(phase.duration).unwrap_or(Duration::ZERO);
                self.clock.set(self.clock.now() + d);
                Ok(mismatches)
            }
            Action::Timeline { actor, check: c } => self.timeline(actor, c),
        }
    }

    /// ID-01: the service accepts the SPID levels its phase of the timeline lists; the login
    /// method of `level` when it does, `SERVICE_METHOD_NOT_ACCEPTED` when not.
    fn accepted_spid(&self, level: mock_idps::spid::level::Level) -> Result<LoginMethod, String> {
        let method = match level.number() {
            1 => LoginMethod::SpidL1,
            2 => LoginMethod::SpidL2,
            _ => LoginMethod::SpidL3,
        };
        let date = self.clock.now().date();
        if self
            .pin
            .timeline()
            .phase_at(date)
            .must_accept
            .contains(&method)
        {
            Ok(method)
        } else {
            Err("SERVICE_METHOD_NOT_ACCEPTED".into())
        }
    }

    fn timeline(&self, actor: &Actor, c: &TimelineCheck) -> Outcome {
        let a = self.pin.allowance(&actor.fiscal_code, None).map_err(code)?;
        let mut m = Vec::new();
        if let Some(p) = &c.phase {
            if *p != a.phase {
                m.push(format!("phase {} (expected {p})", a.phase));
            }
        }
        let may = !a.may_issue.is_empty();
        check("may_request", c.may_request, may, &mut m);
        check("pin_valid", c.pin_valid, a.pin_valid_citizen, &mut m);
        check(
            "pin_valid_company",
            c.pin_valid_company,
            a.pin_valid_company,
            &mut m,
        );
        for method in &c.must_accept {
            if !a.must_accept.contains(method) {
                m.push(format!("{} not required", kebab(method)));
            }
        }
        for method in &c.not_accept {
            if a.must_accept.contains(method) {
                m.push(format!("{} required", kebab(method)));
            }
        }
        if let Some(d) = &c.delega {
            let got = kebab(&a.delega);
            if got != *d {
                m.push(format!("delega {got} (expected {d})"));
            }
        }
        Ok(m)
    }
}
