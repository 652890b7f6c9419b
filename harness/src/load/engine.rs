//! The engine: virtual users (a browser each, cookies reset between logins, connections kept)
//! driving the real login path, the open model (arrivals at fixed times; latency measured from the
//! time a login was due, so a slow service cannot hide its queue: coordinated-omission
//! correction) and the closed model (N users back to back), and the recorder of histograms and
//! per-second series.

use super::hist::Hist;
use super::model::{Percentiles, SecondReport, END_TO_END};
use super::spec::Arrivals;
use crate::browser::{Browser, BrowserError, HopKind, IdpScript, Trace};
use crate::oracle::{judge, OracleConfig};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderValue;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest run the series keeps a second for (one hour plus the graceful stop).
pub const MAX_SECONDS: usize = 3_700;

/// How the load is offered.
#[derive(Debug, Clone)]
pub enum Offered {
    /// Arrivals at these intended offsets (seconds), at most `max_in_flight` at once.
    Open {
        /// The schedule.
        arrivals: Arrivals,
        /// Logins in flight at most; a due login waits for a free slot (and the wait counts).
        max_in_flight: usize,
    },
    /// `concurrency` users, each starting its next login when the last ended.
    Closed {
        /// Users.
        concurrency: usize,
    },
}

/// What every login shares.
#[derive(Debug, Clone)]
pub struct Drive {
    /// One start URL per path (provider × level × binding), used in turn.
    pub start_urls: Vec<String>,
    /// How the oracle decides (a probe URL for the reference SP).
    pub oracle: OracleConfig,
    /// The mocks' base URL: the hop reaching it is the IdP's.
    pub idp_base: String,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Whole-login timeout.
    pub login_timeout: Duration,
}

/// Bounds that always apply.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// No login starts after this.
    pub duration: Duration,
    /// No more logins than this.
    pub max_logins: u64,
    /// After `duration`, logins in flight get this long to end; then they are cut and counted
    /// as interrupted (k6's `gracefulStop`).
    pub graceful_stop: Duration,
}

/// A cookie jar that can be emptied, so one client (and its connection pool) serves login after
/// login as a fresh browser.
#[derive(Debug, Default)]
struct ResettableJar(Mutex<Arc<Jar>>);

impl ResettableJar {
    fn reset(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(Jar::default());
    }
    fn jar(&self) -> Arc<Jar> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl CookieStore for ResettableJar {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &url::Url) {
        self.jar().set_cookies(headers, url)
    }
    fn cookies(&self, url: &url::Url) -> Option<HeaderValue> {
        self.jar().cookies(url)
    }
}

/// One virtual user: a browser whose cookie jar is emptied before each login while its
/// connections stay open.
pub struct User {
    browser: Browser,
    jar: Arc<ResettableJar>,
}

impl User {
    /// A user whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, BrowserError> {
        let jar = Arc::new(ResettableJar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(BrowserError::Client)?;
        Ok(Self {
            browser: Browser::with_client(client),
            jar,
        })
    }
}

/// Why a login did not count as accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorClass {
    /// The connection could not be made.
    Connect,
    /// A request or the whole login took too long.
    Timeout,
    /// A hop answered 5xx.
    Status,
    /// The service refused the login (the oracle's verdict).
    Refused,
    /// Anything else (a redirect loop, a bad URL).
    Other,
}

impl ErrorClass {
    /// The report's name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Connect => "connect",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Status => "status",
            ErrorClass::Refused => "refused",
            ErrorClass::Other => "other",
        }
    }
}

/// One login's result.
#[derive(Debug, Clone)]
pub struct Done {
    /// Microseconds per hop name.
    pub hops: Vec<(&'static str, u64)>,
    /// Why it did not count as accepted.
    pub error: Option<(ErrorClass, String)>,
    /// The service refused a Response that reported a failure (an anomaly the auto-login mix
    /// asked for): the right answer, counted apart from accepted logins and from errors.
    pub expected_refusal: bool,
}

/// Whether the SAML Response posted to the ACS reports a failure (its top-level StatusCode is
/// not Success, as in the SPID anomalies ErrorCode nr19…nr30).
fn reports_failure(saml_response: Option<&str>) -> bool {
    use mock_idps::saml::{ns, xml_read::XmlDoc};
    let Some(xml) = saml_response else {
        return false;
    };
    let Ok(doc) = XmlDoc::parse(xml) else {
        return false;
    };
    let value = doc
        .root()
        .and_then(|r| r.child(ns::PROTOCOL, "Status"))
        .and_then(|s| s.child(ns::PROTOCOL, "StatusCode"))
        .and_then(|c| c.attr("Value"))
        .map(str::to_string);
    value.is_some_and(|v| v != "urn:oasis:names:tc:SAML:2.0:status:Success")
}

/// The hop names of a trace, summed per name, in microseconds.
fn hop_times(trace: &Trace, idp_base: &str) -> Vec<(&'static str, u64)> {
    let mut out: Vec<(&'static str, u64)> = Vec::new();
    let (mut at_idp, mut after_acs) = (false, false);
    for hop in &trace.hops {
        let name = match hop.kind {
            HopKind::Start => "sp-start",
            HopKind::SamlRequest => {
                at_idp = true;
                "idp-sso"
            }
            HopKind::IdpForm => "idp-pages",
            HopKind::SamlResponse => {
                after_acs = true;
                "acs"
            }
            HopKind::Probe => "probe",
            HopKind::Redirect if after_acs => "sp-landing",
            HopKind::Redirect if !at_idp && hop.url.starts_with(idp_base) => {
                at_idp = true;
                "idp-sso"
            }
            HopKind::Redirect if at_idp => "idp-pages",
            HopKind::Redirect => "sp-start",
        };
        let micros = (hop.millis * 1000.0).round() as u64;
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 += micros,
            None => out.push((name, micros)),
        }
    }
    out
}

fn classify(e: &BrowserError) -> ErrorClass {
    match e {
        BrowserError::Http { source, .. } if source.is_timeout() => ErrorClass::Timeout,
        BrowserError::Http { source, .. } if source.is_connect() => ErrorClass::Connect,
        _ => ErrorClass::Other,
    }
}

/// One login along path `path` (modulo the paths), as `user`, judged by the oracle.
pub async fn login(drive: &Drive, user: &User, path: usize) -> Done {
    user.jar.reset();
    let url = &drive.start_urls[path % drive.start_urls.len()];
    let attempt = async {
        let mut trace = user.browser.drive(url, &IdpScript::default()).await?;
        let verdict = judge(&drive.oracle, &user.browser, &mut trace).await;
        Ok::<_, BrowserError>((trace, verdict))
    };
    match tokio::time::timeout(drive.login_timeout, attempt).await {
        Err(_) => Done {
            hops: Vec::new(),
            error: Some((
                ErrorClass::Timeout,
                format!("the login took over {:?}", drive.login_timeout),
            )),
            expected_refusal: false,
        },
        Ok(Err(e)) => Done {
            hops: Vec::new(),
            error: Some((classify(&e), e.to_string())),
            expected_refusal: false,
        },
        Ok(Ok((trace, verdict))) => {
            let hops = hop_times(&trace, &drive.idp_base);
            let (mut error, mut expected_refusal) = (None, false);
            if !verdict.accepted {
                if let Some(h) = trace.hops.iter().find(|h| h.status >= 500) {
                    error = Some((
                        ErrorClass::Status,
                        format!("{} {} answered {}", h.method, h.url, h.status),
                    ));
                } else if reports_failure(trace.saml_response.as_deref()) {
                    // Parsed only on refusal: the accepted path pays nothing.
                    expected_refusal = true;
                } else {
                    error = Some((ErrorClass::Refused, verdict.reason));
                }
            }
            Done {
                hops,
                error,
                expected_refusal,
            }
        }
    }
}

#[derive(Default)]
struct SecondAcc {
    started: u64,
    ok: u64,
    errors: u64,
    expected_refusals: u64,
    hists: BTreeMap<&'static str, Hist>,
}

fn lock(rec: &Mutex<Recorder>) -> std::sync::MutexGuard<'_, Recorder> {
    rec.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything measured, shared by the logins.
pub struct Recorder {
    t0: Instant,
    hops: BTreeMap<&'static str, Hist>,
    seconds: Vec<SecondAcc>,
    ok: u64,
    expected_refusals: u64,
    errors: BTreeMap<&'static str, u64>,
    samples: Vec<String>,
    last_end: Instant,
    /// Started and not yet recorded.
    in_flight: u64,
    /// Cut at the graceful stop.
    interrupted: u64,
    /// Due before the end but never started: no free slot (open model).
    dropped: u64,
    /// After the cut: late results are not recorded.
    closed: bool,
}

impl Recorder {
    fn new(t0: Instant) -> Self {
        Self {
            t0,
            hops: BTreeMap::new(),
            seconds: Vec::new(),
            ok: 0,
            expected_refusals: 0,
            errors: BTreeMap::new(),
            samples: Vec::new(),
            last_end: t0,
            in_flight: 0,
            interrupted: 0,
            dropped: 0,
            closed: false,
        }
    }

    /// The graceful stop is over: what is still in flight is interrupted.
    fn cut(&mut self) {
        if !self.closed {
            self.closed = true;
            self.interrupted = self.in_flight;
            self.last_end = self.last_end.max(Instant::now());
        }
    }

    fn second(&mut self, at: Instant) -> &mut SecondAcc {
        let i = (at.saturating_duration_since(self.t0).as_secs() as usize).min(MAX_SECONDS);
        if self.seconds.len() <= i {
            self.seconds.resize_with(i + 1, SecondAcc::default);
        }
        &mut self.seconds[i]
    }

    fn started(&mut self, due: Instant) {
        self.in_flight += 1;
        self.second(due).started += 1;
    }

    fn done(&mut self, due: Instant, end: Instant, done: Done) {
        if self.closed {
            return;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        self.last_end = self.last_end.max(end);
        let e2e = end.saturating_duration_since(due).as_micros() as u64;
        let ok = done.error.is_none() && !done.expected_refusal;
        for (name, micros) in &done.hops {
            self.hops.entry(name).or_default().record(*micros);
        }
        if ok {
            self.ok += 1;
            self.hops.entry(END_TO_END).or_default().record(e2e);
        }
        if let Some((class, detail)) = &done.error {
            *self.errors.entry(class.name()).or_default() += 1;
            if self.samples.len() < super::MAX_ERROR_SAMPLES {
                self.samples.push(format!("{}: {detail}", class.name()));
            }
        }
        let expected = done.expected_refusal;
        if expected {
            self.expected_refusals += 1;
        }
        let s = self.second(end);
        if expected {
            s.expected_refusals += 1;
        } else if ok {
            s.ok += 1;
            s.hists.entry(END_TO_END).or_default().record(e2e);
        } else {
            s.errors += 1;
        }
        for (name, micros) in done.hops {
            s.hists.entry(name).or_default().record(micros);
        }
    }

    fn line(&self) -> String {
        let e2e = self.hops.get(END_TO_END).cloned().unwrap_or_default();
        let now = Instant::now().saturating_duration_since(self.t0).as_secs() as usize;
        let last = now
            .checked_sub(1)
            .and_then(|i| self.seconds.get(i))
            .map(|s| s.ok + s.errors)
            .unwrap_or(0);
        let errors: u64 = self.errors.values().sum();
        format!(
            "{last}/s  ok {}  errors {errors}  p50 {:.1} ms  p99 {:.1} ms",
            self.ok,
            e2e.ms_at(0.5),
            e2e.ms_at(0.99)
        )
    }
}

/// What the engine hands back.
pub struct Measured {
    /// Histograms per hop (and end to end).
    pub hops: BTreeMap<String, Hist>,
    /// Second by second.
    pub series: Vec<SecondReport>,
    /// Accepted logins.
    pub ok: u64,
    /// Refusals of the failures the auto-login mix asked for.
    pub expected_refusals: u64,
    /// Cut at the graceful stop.
    pub interrupted: u64,
    /// Due but never started (no free slot before the end).
    pub dropped: u64,
    /// Errors by class.
    pub errors: BTreeMap<String, u64>,
    /// The first error messages.
    pub samples: Vec<String>,
    /// First start to last end.
    pub wall: Duration,
}

impl From<Recorder> for Measured {
    fn from(r: Recorder) -> Self {
        let series = r
            .seconds
            .into_iter()
            .enumerate()
            .map(|(i, s)| SecondReport {
                second: i as u64,
                started: s.started,
                ok: s.ok,
                errors: s.errors,
                expected_refusals: s.expected_refusals,
                hops: s
                    .hists
                    .iter()
                    .map(|(k, h)| (k.to_string(), Percentiles::of(h)))
                    .collect(),
                histograms: s
                    .hists
                    .iter()
                    .map(|(k, h)| (k.to_string(), h.encode()))
                    .collect(),
            })
            .collect();
        Self {
            hops: r
                .hops
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            series,
            ok: r.ok,
            expected_refusals: r.expected_refusals,
            interrupted: r.interrupted,
            dropped: r.dropped,
            errors: r
                .errors
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            samples: r.samples,
            wall: r.last_end.saturating_duration_since(r.t0),
        }
    }
}

/// Runs the load; `progress` shows the live line (hidden off a terminal).
pub async fn run(
    drive: Drive,
    offered: Offered,
    bounds: Bounds,
    progress: indicatif::ProgressBar,
) -> Result<Measured, BrowserError> {
    let drive = Arc::new(drive);
    let t0 = Instant::now();
    let rec = Arc::new(Mutex::new(Recorder::new(t0)));
    let ticker = {
        let rec = rec.clone();
        let bar = progress.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(250));
            loop {
                every.tick().await;
                if bar.is_hidden() {
                    continue;
                }
                let line = rec.lock().unwrap_or_else(|e| e.into_inner()).line();
                bar.set_message(line);
                bar.tick();
            }
        })
    };
    let end = t0 + bounds.duration;
    let stop = end + bounds.graceful_stop;
    let mut tasks = tokio::task::JoinSet::new();
    match offered {
        Offered::Closed { concurrency } => {
            let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
            for _ in 0..concurrency.max(1) {
                let user = User::new(drive.request_timeout)?;
                let (drive, rec, next) = (drive.clone(), rec.clone(), next.clone());
                tasks.spawn(async move {
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if n >= bounds.max_logins || Instant::now() >= end {
                            break;
                        }
                        let start = Instant::now();
                        lock(&rec).started(start);
                        let done = login(&drive, &user, n as usize).await;
                        lock(&rec).done(start, Instant::now(), done);
                    }
                });
            }
        }
        Offered::Open {
            arrivals,
            max_in_flight,
        } => {
            let slots = Arc::new(tokio::sync::Semaphore::new(max_in_flight.max(1)));
            let pool: Arc<Mutex<Vec<User>>> = Arc::new(Mutex::new(Vec::new()));
            let mut due_arrivals = arrivals
                .enumerate()
                .take_while(|(n, offset)| {
                    (*n as u64) < bounds.max_logins && *offset < bounds.duration.as_secs_f64()
                })
                .map(|(n, offset)| (n, t0 + Duration::from_secs_f64(offset)));
            while let Some((n, due)) = due_arrivals.next() {
                tokio::time::sleep_until(due.into()).await;
                // Waiting for a slot is part of the latency (measured from `due`); a login still
                // waiting when the graceful stop ends never starts: it is dropped (k6's
                // dropped iterations).
                let slot = tokio::time::timeout_at(stop.into(), slots.clone().acquire_owned());
                let permit = match slot.await {
                    Ok(Ok(permit)) if Instant::now() < stop => permit,
                    Ok(Err(_)) => break,
                    _ => {
                        lock(&rec).dropped += 1 + due_arrivals.count() as u64;
                        break;
                    }
                };
                lock(&rec).started(due);
                let popped = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let user = match popped {
                    Some(u) => u,
                    None => User::new(drive.request_timeout)?,
                };
                let (drive, rec, pool) = (drive.clone(), rec.clone(), pool.clone());
                tasks.spawn(async move {
                    let done = login(&drive, &user, n).await;
                    lock(&rec).done(due, Instant::now(), done);
                    pool.lock().unwrap_or_else(|e| e.into_inner()).push(user);
                    drop(permit);
                });
                // Reap finished tasks so the set stays small.
                while tasks.try_join_next().is_some() {}
            }
        }
    }
    // The graceful stop: logins in flight at the end get `graceful_stop` to finish, then
    // they are cut and counted as interrupted (neither accepted nor errors).
    let all = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout_at(stop.into(), all).await.is_err() {
        lock(&rec).cut();
        tasks.abort_all();
    }
    ticker.abort();
    progress.finish_and_clear();
    let rec = Arc::try_unwrap(rec)
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .unwrap_or_else(|arc| {
            let mut guard = arc.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *guard, Recorder::new(t0))
        });
    Ok(rec.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::{FinalPage, Hop};

    fn hop(kind: HopKind, url: &str, millis: f64) -> Hop {
        Hop {
            kind,
            method: "GET".into(),
            url: url.into(),
            status: 200,
            millis,
        }
    }

    #[test]
    fn only_a_response_reporting_a_failure_makes_a_refusal_expected() {
        let response = |code: &str| {
            format!(
                "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"><samlp:Status>\
                 <samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:{code}\"/>\
                 </samlp:Status></samlp:Response>"
            )
        };
        assert!(reports_failure(Some(&response("Responder"))));
        assert!(!reports_failure(Some(&response("Success"))));
        assert!(!reports_failure(None));
        assert!(!reports_failure(Some("not xml <")));
        assert!(!reports_failure(Some(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"
        )));
    }

    #[test]
    fn names_each_hop_of_the_path() {
        let trace = Trace {
            hops: vec![
                hop(HopKind::Start, "http://sp/login", 1.0),
                hop(HopKind::Redirect, "http://sp/login2", 0.5),
                hop(
                    HopKind::Redirect,
                    "http://idp/idp/poste/sso?SAMLRequest=x",
                    2.0,
                ),
                hop(HopKind::SamlResponse, "http://sp/acs", 3.0),
                hop(HopKind::Redirect, "http://sp/me", 0.25),
                hop(HopKind::Probe, "http://sp/me", 0.125),
            ],
            last: FinalPage {
                url: String::new(),
                status: 200,
                body: String::new(),
                cookies_after_acs: Vec::new(),
                acs_redirected: true,
                reached_acs: true,
            },
            saml_response: None,
        };
        assert_eq!(
            hop_times(&trace, "http://idp"),
            vec![
                ("sp-start", 1500),
                ("idp-sso", 2000),
                ("acs", 3000),
                ("sp-landing", 250),
                ("probe", 125)
            ]
        );
    }
}
