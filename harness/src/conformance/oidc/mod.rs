//! The relying-party suite (`spid-harness check --oidc`): answers of an OpenID Provider, most
//! crafted to be wrong, that an SPID/CIE OIDC relying party must refuse ([`cases::OIDC_CASES`]);
//! the checks of its entity configuration ([`entity`]) and of the requests it sends ([`request`]);
//! the runner that plays them as the RP's browser and OP ([`runner`]); and the embedded
//! reference RP to run them against ([`reference`]).

pub mod cases;
pub mod entity;
pub mod entity_fields;
pub mod federation;
pub mod outside;
pub mod reference;
pub mod request;
pub mod runner;

pub use cases::{OidcCase, OIDC_CASES};
pub use outside::{Handover, OidcProfile, OutsideConfig, OutsideWorld, RpDocument};
pub use reference::{OidcSetupError, ReferenceWorld};
pub use runner::{OidcTarget, RpUrls, FAMILY};

// The sources more than one table of the suite cites (each table names its others itself).
/// The algorithms SPID and CIE allow and forbid.
const ALGS: &str = "spid-cie-oidc-docs docs/en/cryptographic_algos.rst";
/// The authorization request.
const AUTHZ: &str = "spid-cie-oidc-docs docs/en/authorization_endpoint.rst";
/// The relying party's metadata.
const RP_MD: &str = "spid-cie-oidc-docs docs/en/metadata_oidc_rp.rst";

use crate::report::{Entry, RunReport};

/// Why the OIDC suite could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcSuiteError {
    /// `--only` named ids no case has.
    #[error("--only: unknown OIDC case id(s): {}", .0.join(", "))]
    UnknownIds(Vec<String>),
    /// The reference setup failed.
    #[error(transparent)]
    Setup(#[from] OidcSetupError),
    /// Nothing answered at the RP's entity configuration URL.
    #[error("the RP's entity configuration cannot be fetched from {url}")]
    RpUnreachable {
        /// The well-known URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The RP's entity configuration URL answered an error status.
    #[error("the RP's entity configuration URL {url} answered an error")]
    RpDocumentStatus {
        /// The well-known URL.
        url: String,
        /// The status error.
        #[source]
        source: reqwest::Error,
    },
    /// The RP's entity configuration is not a JWT with a `sub`.
    #[error("{input}: not an entity configuration: {reason}")]
    NotAnEntityConfiguration {
        /// The option and its value.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The entity-configuration file could not be read.
    #[error("--entity-configuration {}: cannot read the file", path.display())]
    ReadFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The federation refused to on-board the RP.
    #[error("{input}: the mock federation cannot on-board the RP")]
    Onboarding {
        /// The option and its value.
        input: String,
        /// The federation's refusal.
        #[source]
        source: Box<mock_idps::oidc::federation::LocalFederationError>,
    },
    /// The control login (a correct answer) could not be played through the RP's URLs.
    #[error(
        "the control login at the mock OP {op} through --login-url ({login}) did not go through{}",
        sent_wrong_text(sent_wrong)
    )]
    Control {
        /// The OP.
        op: &'static str,
        /// The login URL as filled in.
        login: String,
        /// The error-severity request checks the RP's requests fail ("id (why)"): the likely
        /// cause, since the mock OPs refuse such requests.
        sent_wrong: Vec<String>,
        /// Why.
        #[source]
        source: Box<runner::OidcRunError>,
    },
    /// The control login went through but the probe never said logged in.
    #[error("the control login at the mock OP {op} was not logged in: --probe-url {probe} did not answer 2xx after a correct answer ({evidence}){}", sent_wrong_text(sent_wrong))]
    ControlRefused {
        /// The OP.
        op: &'static str,
        /// The probe URL.
        probe: String,
        /// What the RP answered.
        evidence: String,
        /// As in [`OidcSuiteError::Control`].
        sent_wrong: Vec<String>,
    },
}

/// The failed request checks of a refused control login, as a clause of its message.
fn sent_wrong_text(sent_wrong: &[String]) -> String {
    if sent_wrong.is_empty() {
        return String::new();
    }
    format!(
        "; what the RP sends breaks {}: {}",
        if sent_wrong.len() == 1 {
            "a rule the OPs enforce"
        } else {
            "rules the OPs enforce"
        },
        sent_wrong.join("; ")
    )
}

/// A finished run: the report and the process CPU it took.
#[derive(Debug)]
pub struct OidcRun {
    /// The report (command `check`, family [`FAMILY`]).
    pub report: RunReport,
    /// This process's CPU time over the run, milliseconds (Linux), when readable.
    pub cpu_ms: Option<f64>,
    /// What that CPU time covers, in words.
    pub cpu_covers: &'static str,
}

/// When a run began, by the wall clock, the monotonic clock and this process's CPU time.
pub(crate) struct RunClock {
    started: time::OffsetDateTime,
    began: std::time::Instant,
    cpu0: Option<f64>,
}

impl RunClock {
    /// Now.
    pub(crate) fn start() -> Self {
        Self {
            started: time::OffsetDateTime::now_utc(),
            cpu0: crate::conformance::suite::process_cpu_ms(),
            began: std::time::Instant::now(),
        }
    }

    /// The run of `entries`, timed since [`RunClock::start`]; `cpu_covers` says what the CPU
    /// time counts.
    pub(crate) fn finish(self, entries: Vec<Entry>, cpu_covers: &'static str) -> OidcRun {
        let report = RunReport::new(
            "check",
            self.started,
            self.began.elapsed().as_secs_f64() * 1000.0,
            entries,
        );
        let cpu_ms = self
            .cpu0
            .zip(crate::conformance::suite::process_cpu_ms())
            .map(|(a, b)| b - a);
        OidcRun {
            report,
            cpu_ms,
            cpu_covers,
        }
    }
}

impl OidcRun {
    /// One line: the process CPU time, per case, and what it covers.
    pub fn cpu_line(&self) -> Option<String> {
        let cpu = self.cpu_ms?;
        Some(format!(
            "process CPU {cpu:.0} ms ({:.2} ms per case; this process: {})",
            cpu / self.report.entries.len().max(1) as f64,
            self.cpu_covers
        ))
    }
}

/// The cases whose id is in `only` (all when `only` is empty).
pub fn select(only: &[String]) -> Result<Vec<&'static OidcCase>, OidcSuiteError> {
    if only.is_empty() {
        return Ok(OIDC_CASES.iter().collect());
    }
    let unknown: Vec<String> = only
        .iter()
        .filter(|id| {
            cases::by_id(id).is_none()
                && !entity::ENTITY_CHECKS.iter().any(|c| c.id == id.as_str())
                && !entity_fields::FIELD_CHECKS
                    .iter()
                    .any(|c| c.id == id.as_str())
                && request::by_id(id).is_none()
        })
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(OidcSuiteError::UnknownIds(unknown));
    }
    Ok(OIDC_CASES
        .iter()
        .filter(|c| only.iter().any(|id| id == c.id))
        .collect())
}

/// Plays `cases` on `target` one after the other (each login is its own; `on_done` is called
/// after each, e.g. to advance a progress bar).
pub async fn run_cases(
    target: &OidcTarget<'_>,
    cases: &[&OidcCase],
    on_done: &(dyn Fn(&crate::report::Entry) + Sync),
) -> Vec<crate::report::Entry> {
    let mut entries = Vec::with_capacity(cases.len());
    for case in cases {
        let e = target.run_case(case).await;
        on_done(&e);
        entries.push(e);
    }
    entries
}

/// Plays `cases` on `target` with at most `jobs` logins in flight at once (0: one per core;
/// 1: one after the other, as [`run_cases`]); the entries come back in the order of `cases`.
/// Every case is its own login (its own `state`, its own crafted answers), so the verdicts
/// do not depend on the interleaving.
pub async fn run_cases_concurrently(
    target: &OidcTarget<'_>,
    cases: &[&OidcCase],
    jobs: usize,
    on_done: &(dyn Fn(&crate::report::Entry) + Sync),
) -> Vec<crate::report::Entry> {
    let jobs = match jobs {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    }
    .min(cases.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let worker = || async {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(case) = cases.get(i) else {
                break done;
            };
            let e = target.run_case(case).await;
            on_done(&e);
            done.push((i, e));
        }
    };
    let mut entries: Vec<(usize, crate::report::Entry)> = join_all((0..jobs).map(|_| worker()))
        .await
        .into_iter()
        .flatten()
        .collect();
    entries.sort_by_key(|(i, _)| *i);
    entries.into_iter().map(|(_, e)| e).collect()
}

/// Polls every future until all are done (in this task: they may borrow from the caller).
async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (slot, out) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// The entity-configuration checks on the RP whose pages answer at `rp_base` (entity ID
/// `entity_id`), selected by `only`; one error entry when the document cannot be fetched.
pub async fn entity_entries(
    target: &OidcTarget<'_>,
    rp_base: &str,
    entity_id: &str,
    only: &[String],
) -> Vec<crate::report::Entry> {
    let url = format!(
        "{}/.well-known/openid-federation",
        rp_base.trim_end_matches('/')
    );
    let began = std::time::Instant::now();
    let fetched = entity::fetch(target.http(), &url).await;
    let millis = began.elapsed().as_secs_f64() * 1000.0;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match fetched {
        Ok(f) => entity::entries(&f, entity_id, now, millis)
            .into_iter()
            .filter(|e| only.is_empty() || only.contains(&e.id))
            .collect(),
        Err(e) => vec![crate::report::Entry {
            id: "oidc-ec-fetch".into(),
            title: format!("fetching {url}"),
            family: Some(entity::FAMILY.into()),
            error: Some(crate::report::error_chain(&e)),
            maps_to: entity_fields::maps_to("oidc-ec-fetch"),
            millis,
            ..crate::report::Entry::default()
        }],
    }
}

/// Runs the suite against the embedded reference RP with `faults` switched off, one case
/// after the other.
pub async fn run_against_reference(
    faults: reference_rp::Faults,
    only: &[String],
    progress: bool,
) -> Result<OidcRun, OidcSuiteError> {
    run_reference(faults, only, None, progress, 1).await
}

/// [`run_against_reference`] with at most `jobs` cases in flight (0: one per core).
pub async fn run_against_reference_jobs(
    faults: reference_rp::Faults,
    only: &[String],
    progress: bool,
    jobs: usize,
) -> Result<OidcRun, OidcSuiteError> {
    run_reference(faults, only, None, progress, jobs).await
}

/// [`run_against_reference_jobs`], the cases of `profile` only (all when `None`).
pub async fn run_reference(
    faults: reference_rp::Faults,
    only: &[String],
    profile: Option<OidcProfile>,
    progress: bool,
    jobs: usize,
) -> Result<OidcRun, OidcSuiteError> {
    let cases: Vec<&'static OidcCase> = select(only)?
        .into_iter()
        .filter(|c| profile.is_none_or(|p| p.covers(c.provider)))
        .collect();
    let clock = RunClock::start();
    let world = ReferenceWorld::start(faults).await?;
    let target = world.target()?;
    let bar = crate::conformance::suite::progress_bar(progress, cases.len() as u64);
    let mut entries = run_cases_concurrently(&target, &cases, jobs, &|e| {
        bar.set_message(e.id.clone());
        bar.inc(1);
    })
    .await;
    bar.finish_and_clear();
    if only.is_empty() || only.iter().any(|id| id.starts_with("oidc-ec-")) {
        entries.extend(entity_entries(&target, &world.rp_base, reference::CLIENT_ID, only).await);
    }
    if request::wanted(only) {
        entries.extend(
            request::request_entries(
                &target,
                &world.rp_base,
                reference::CLIENT_ID,
                request::plan(profile),
                only,
            )
            .await,
        );
    }
    Ok(clock.finish(
        entries,
        "the harness, the mock OPs and the in-process reference RP together",
    ))
}
