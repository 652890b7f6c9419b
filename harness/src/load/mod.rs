//! `spid-harness load`: login-path load tests through the mock providers in auto-login mode.
//!
//! Every login is the real path: the service's login URL, the mock IdP (which answers at once
//! with a signed Response: auto-login), the service's ACS, and the probe of its protected page.
//! Each hop is timed into an HDR histogram, plus end to end; the open model measures from the
//! time each login was due (coordinated-omission correction), the closed model runs N users back
//! to back. `--duration` and `--max-logins` always bound a run; targets off loopback need
//! `allow_remote`. The mocks, the in-process service and the driver run on runtimes of their
//! own, so the CPU each spends per login is reported apart.

pub mod cpu;
pub mod engine;
pub mod hist;
pub mod html;
pub mod judge;
pub mod locust;
pub mod model;
pub mod render;
pub mod request;
pub mod spec;

use engine::{Bounds, Drive, Offered};
use mock_idps::federation::{FederationConfig, MockFederation};
use mock_idps::spid::level::Level;
use mock_idps::spid::script::AutoLogin;
use model::{CpuReport, LoadReport, ModelReport};
use reference_sp::{ReferenceSp, SpConfig};
use std::net::SocketAddr;
use std::time::Duration;

/// Error messages kept in a report.
pub const MAX_ERROR_SAMPLES: usize = 20;

/// How long logins in flight at the end may take before they are cut.
pub const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(5);

/// Longest run allowed.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// The service under load.
#[derive(Debug, Clone)]
pub enum Target {
    /// The reference SP, in-process, trusting the mocks.
    Reference {
        /// Checks switched off (a mutant).
        faults: reference_sp::faults::Faults,
        /// A slow ACS (a performance mutant).
        acs_delay: Duration,
    },
    /// Any service.
    Service {
        /// Starts a login; `{entity_id}`, `{level}`, `{comparison}`, `{binding}` are replaced.
        login_url: String,
        /// Its protected page (2xx = logged in).
        probe_url: String,
        /// Its SAML metadata, registered at in-process mocks (not needed with `--mocks`).
        sp_metadata: Option<String>,
    },
}

/// Where the mock providers run.
#[derive(Debug, Clone)]
pub enum Mocks {
    /// In this process, on this address (port 0: any free port).
    InProcess {
        /// Listen address (loopback).
        bind: SocketAddr,
    },
    /// A running `spid-harness serve` at this base URL; auto-login is set through its admin API
    /// once, at the start.
    External {
        /// `http://127.0.0.1:7000`.
        url: String,
        /// The token its admin API asks for (`serve --admin-token`), sent as `x-admin-token`.
        admin_token: Option<String>,
    },
}

/// The offered load.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// Fixed arrival rate, in ramps.
    Open {
        /// The ramps (a constant rate is one stage from it to itself).
        stages: Vec<spec::Stage>,
        /// Constant from the start (`--rate`) rather than ramping from 0.
        constant: Option<f64>,
        /// Logins in flight at most.
        max_in_flight: usize,
    },
    /// `concurrency` users back to back.
    Closed {
        /// Users.
        concurrency: usize,
    },
}

/// A login path: which provider, level and binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPath {
    /// Provider id at the mocks.
    pub provider: String,
    /// The level the service asks for.
    pub level: Level,
    /// `redirect` or `post`.
    pub binding: String,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// What is loaded.
    pub target: Target,
    /// Where the mocks run.
    pub mocks: Mocks,
    /// How the mocks answer.
    pub auto_login: AutoLogin,
    /// The paths, used in turn.
    pub paths: Vec<LoginPath>,
    /// The offered load.
    pub model: Model,
    /// No login starts after this.
    pub duration: Duration,
    /// No more logins than this.
    pub max_logins: u64,
    /// After `duration`, logins in flight get this long; then they are cut and reported as
    /// interrupted (k6's `gracefulStop`): a run ends by `duration + graceful_stop`.
    pub graceful_stop: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Targets off loopback are refused unless this is set.
    pub allow_remote: bool,
    /// Show the live line on a terminal.
    pub progress: bool,
    /// CI limits.
    pub thresholds: judge::Thresholds,
    /// A previous run to compare with.
    pub baseline: Option<LoadReport>,
    /// Seed for the mocks' IDs.
    pub seed: Option<u64>,
}

impl LoadConfig {
    /// The reference SP, in-process mocks, mario.rossi at every path given, open model.
    pub fn against_reference(paths: Vec<LoginPath>, model: Model) -> Self {
        Self {
            target: Target::Reference {
                faults: reference_sp::faults::Faults::none(),
                acs_delay: Duration::ZERO,
            },
            mocks: Mocks::InProcess {
                bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            },
            auto_login: default_auto_login(),
            paths,
            model,
            duration: Duration::from_secs(10),
            max_logins: 1_000_000,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
            request_timeout: Duration::from_secs(10),
            allow_remote: false,
            progress: false,
            thresholds: judge::Thresholds::default(),
            baseline: None,
            seed: None,
        }
    }
}

/// `mario.rossi` (an L2 identity), success.
pub fn default_auto_login() -> AutoLogin {
    "mario.rossi"
        .parse()
        .unwrap_or_else(|_| unreachable!("a plain user name parses"))
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A bound or option is out of range.
    #[error("{0}")]
    Invalid(String),
    /// A target is not on loopback.
    #[error("{url} is not on loopback: pass --allow-remote to load a remote service (never against a service you do not own)")]
    Remote {
        /// The URL.
        url: String,
    },
    /// An async runtime could not start.
    #[error("starting the {0} runtime: {1}")]
    Runtime(&'static str, #[source] std::io::Error),
    /// The mocks did not start.
    #[error("starting the mock providers: {0}")]
    Mocks(#[source] Box<mock_idps::federation::FederationError>),
    /// Auto-login was refused.
    #[error("auto-login: {0}")]
    AutoLogin(#[from] mock_idps::spid::script::AutoLoginError),
    /// The reference SP did not start.
    #[error("starting the reference SP: {0}")]
    ReferenceSp(String),
    /// The mocks refused the service's metadata.
    #[error("registering the service's metadata at the mocks: {0}")]
    Register(String),
    /// The external mocks' admin API failed.
    #[error("the mocks at {url}: {detail}")]
    Admin {
        /// The URL called.
        url: String,
        /// What happened.
        detail: String,
    },
    /// A provider of a path is not served.
    #[error("unknown provider {0:?} in the login paths")]
    UnknownProvider(String),
    /// The driver could not build its HTTP client.
    #[error(transparent)]
    Browser(#[from] crate::browser::BrowserError),
}

/// Whether `url`'s host is a loopback address (or `localhost`).
pub fn is_loopback_url(url: &str) -> bool {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    match host.as_deref() {
        Some("localhost") => true,
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

fn check_loopback(url: &str, allow_remote: bool) -> Result<(), LoadError> {
    if allow_remote || is_loopback_url(url) {
        Ok(())
    } else {
        Err(LoadError::Remote {
            url: url.to_string(),
        })
    }
}

fn runtime(name: &'static str, threads: usize) -> Result<tokio::runtime::Runtime, LoadError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name(name)
        // Blocking threads (the mocks sign there) must live through the run, or their CPU time
        // leaves /proc with them.
        .thread_keep_alive(MAX_DURATION)
        .enable_all()
        .build()
        .map_err(|e| LoadError::Runtime(name, e))
}

/// One call to a `serve`'s admin API (or its registry), with its token when it has one.
struct AdminCall<'a> {
    client: &'a reqwest::Client,
    token: Option<&'a str>,
}

impl AdminCall<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<(String, &'static str)>,
    ) -> Result<String, LoadError> {
        admin(self.client, self.token, method, url, body).await
    }
}

async fn admin(
    client: &reqwest::Client,
    token: Option<&str>,
    method: reqwest::Method,
    url: String,
    body: Option<(String, &'static str)>,
) -> Result<String, LoadError> {
    let fail = |detail: String| LoadError::Admin {
        url: url.clone(),
        detail,
    };
    let mut req = client.request(method, &url);
    if let Some(token) = token {
        req = req.header(mock_idps::admin::TOKEN_HEADER, token);
    }
    if let Some((b, ct)) = body {
        req = req.header(reqwest::header::CONTENT_TYPE, ct).body(b);
    }
    let resp = req.send().await.map_err(|e| fail(e.to_string()))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| fail(e.to_string()))?;
    if status.is_success() {
        Ok(text)
    } else {
        Err(fail(format!("{status}: {text}")))
    }
}

/// The provider entityIDs of a running `serve` at `base`, by provider id.
pub async fn external_entity_ids(
    base: &str,
    admin_token: Option<&str>,
) -> Result<std::collections::BTreeMap<String, String>, LoadError> {
    let url = format!("{}/admin/urls", base.trim_end_matches('/'));
    let text = admin(
        &reqwest::Client::new(),
        admin_token,
        reqwest::Method::GET,
        url.clone(),
        None,
    )
    .await?;
    let urls: serde_json::Value = serde_json::from_str(&text).map_err(|e| LoadError::Admin {
        url: url.clone(),
        detail: e.to_string(),
    })?;
    Ok(provider_entity_ids(&urls))
}

/// The `providers.*.entity_id` of a `serve`'s `/admin/urls` answer, by provider id.
fn provider_entity_ids(urls: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    urls["providers"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v["entity_id"].as_str().map(|e| (k.clone(), e.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A service's start URL for one path: `{entity_id}`, `{level}`, `{comparison}`, `{binding}`
/// replaced.
pub fn service_start_url(template: &str, entity_id: &str, path: &LoginPath) -> String {
    template
        .replace(
            "{entity_id}",
            &mock_idps::saml::binding::url_encode(entity_id),
        )
        .replace("{level}", &path.level.number().to_string())
        .replace("{comparison}", "minimum")
        .replace("{binding}", &path.binding)
}

/// Runs a load test (blocking: it builds its own runtimes; do not call it from async code).
pub fn run(config: LoadConfig) -> Result<LoadReport, LoadError> {
    validate(&config)?;
    let rts = Runtimes::start()?;
    let client = reqwest::Client::new();
    let began = time::OffsetDateTime::now_utc();

    // 1. The mocks, answering every request from the auto-login mix.
    let mocks = start_mocks(&config, &rts, &client)?;
    for p in &config.paths {
        if !mocks.entity_ids.contains_key(&p.provider) {
            return Err(LoadError::UnknownProvider(p.provider.clone()));
        }
    }
    // 2. The service.
    let service = start_service(&config, &rts, &client, &mocks)?;
    // 3. The load.
    let StartedService {
        sp,
        start_urls,
        probe,
        name,
    } = service;
    let (measured, cpu) = drive_load(&config, &rts, &mocks.base, start_urls, probe)?;
    // 4. Stop everything.
    rts.stop(sp, mocks.fed);
    // 5. The report.
    Ok(report(&config, began, name, measured, cpu))
}

/// Refuses a configuration out of range, and targets off loopback without `allow_remote`.
fn validate(config: &LoadConfig) -> Result<(), LoadError> {
    if config.duration.is_zero() || config.duration > MAX_DURATION {
        return Err(LoadError::Invalid(format!(
            "--duration must be above 0 and at most {}s",
            MAX_DURATION.as_secs()
        )));
    }
    if config.graceful_stop > MAX_DURATION {
        return Err(LoadError::Invalid(format!(
            "--graceful-stop must be at most {}s",
            MAX_DURATION.as_secs()
        )));
    }
    if config.max_logins == 0 {
        return Err(LoadError::Invalid("--max-logins must be at least 1".into()));
    }
    if config.paths.is_empty() {
        return Err(LoadError::Invalid(
            "no login path (--idp, --binding)".into(),
        ));
    }
    match &config.target {
        Target::Service {
            login_url,
            probe_url,
            ..
        } => {
            check_loopback(login_url, config.allow_remote)?;
            check_loopback(probe_url, config.allow_remote)?;
        }
        Target::Reference { .. } => {}
    }
    match &config.mocks {
        Mocks::External { url, .. } => check_loopback(url, config.allow_remote)?,
        Mocks::InProcess { bind } if !bind.ip().is_loopback() => {
            return Err(LoadError::Invalid(format!(
                "--mocks-bind {bind} is not a loopback address"
            )))
        }
        Mocks::InProcess { .. } => {}
    }
    Ok(())
}

/// The three runtimes of a run, so that the CPU each part spends is measured apart. Fields drop
/// in this order (the driver's first).
struct Runtimes {
    driver: tokio::runtime::Runtime,
    service: tokio::runtime::Runtime,
    mocks: tokio::runtime::Runtime,
}

impl Runtimes {
    /// One worker per core in each part: idle threads cost nothing, and no part is starved of
    /// threads while another is busy.
    fn start() -> Result<Self, LoadError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mocks = runtime(cpu::MOCKS, cores)?;
        let service = runtime(cpu::SERVICE, cores)?;
        let driver = runtime(cpu::DRIVER, cores)?;
        Ok(Self {
            driver,
            service,
            mocks,
        })
    }

    /// Stops the in-process service and mocks, then the runtimes.
    fn stop(self, sp: Option<ReferenceSp>, fed: Option<MockFederation>) {
        if let Some(sp) = sp {
            self.service.block_on(sp.shutdown());
        }
        if let Some(fed) = fed {
            self.mocks.block_on(fed.shutdown());
        }
        self.mocks.shutdown_background();
        self.service.shutdown_background();
        self.driver.shutdown_background();
    }
}

/// The mocks of a run: in-process (then `fed`) or a running `serve`.
struct StartedMocks {
    fed: Option<MockFederation>,
    /// Their base URL.
    base: String,
    /// The providers' registry (the metadata the reference SP trusts).
    registry_xml: String,
    /// Provider entityIDs by provider id.
    entity_ids: std::collections::BTreeMap<String, String>,
}

/// Starts the in-process mocks, or sets auto-login at the external ones and reads their
/// registry and URLs.
fn start_mocks(
    config: &LoadConfig,
    rts: &Runtimes,
    client: &reqwest::Client,
) -> Result<StartedMocks, LoadError> {
    match &config.mocks {
        Mocks::InProcess { bind } => {
            let fed = rts
                .mocks
                .block_on(MockFederation::start_with(FederationConfig {
                    bind: *bind,
                    seed: config.seed,
                    ..FederationConfig::default()
                }))
                .map_err(|e| LoadError::Mocks(Box::new(e)))?;
            fed.set_auto_login(config.auto_login.clone())?;
            let entity_ids = fed
                .urls()
                .providers
                .iter()
                .map(|(k, v)| (k.clone(), v.entity_id.clone()))
                .collect();
            Ok(StartedMocks {
                base: fed.base_url().to_string(),
                registry_xml: fed.state().registry_xml.clone(),
                entity_ids,
                fed: Some(fed),
            })
        }
        Mocks::External { url, admin_token } => {
            external_mocks(config, rts, client, url, admin_token.as_deref())
        }
    }
}

/// Sets auto-login at a running `serve` and reads its registry and provider entityIDs.
fn external_mocks(
    config: &LoadConfig,
    rts: &Runtimes,
    client: &reqwest::Client,
    url: &str,
    admin_token: Option<&str>,
) -> Result<StartedMocks, LoadError> {
    let base = url.trim_end_matches('/').to_string();
    let auto =
        serde_json::to_string(&config.auto_login).map_err(|e| LoadError::Invalid(e.to_string()))?;
    let calls = AdminCall {
        client,
        token: admin_token,
    };
    let (registry, urls) = rts.driver.block_on(async {
        calls
            .call(
                reqwest::Method::PUT,
                format!("{base}/admin/auto-login"),
                Some((auto, "application/json")),
            )
            .await?;
        let registry = calls
            .call(
                reqwest::Method::GET,
                format!("{base}/registry/idps.xml"),
                None,
            )
            .await?;
        let urls = calls
            .call(reqwest::Method::GET, format!("{base}/admin/urls"), None)
            .await?;
        Ok::<_, LoadError>((registry, urls))
    })?;
    let urls: serde_json::Value = serde_json::from_str(&urls).map_err(|e| LoadError::Admin {
        url: format!("{base}/admin/urls"),
        detail: e.to_string(),
    })?;
    Ok(StartedMocks {
        fed: None,
        base,
        registry_xml: registry,
        entity_ids: provider_entity_ids(&urls),
    })
}

/// The service of a run: the in-process reference SP (then `sp`) or any service.
struct StartedService {
    sp: Option<ReferenceSp>,
    /// One start URL per login path.
    start_urls: Vec<String>,
    /// Its protected page.
    probe: String,
    /// The target as reported.
    name: String,
}

/// Registers a service's metadata at the mocks (in-process, or through the external admin API).
fn register(
    xml: &str,
    rts: &Runtimes,
    client: &reqwest::Client,
    mocks: &StartedMocks,
    external_token: Option<&str>,
) -> Result<(), LoadError> {
    match &mocks.fed {
        Some(fed) => fed
            .register_sp_metadata(xml)
            .map(|_| ())
            .map_err(|e| LoadError::Register(e.to_string())),
        None => rts
            .driver
            .block_on(admin(
                client,
                external_token,
                reqwest::Method::POST,
                format!("{}/admin/sp-metadata", mocks.base),
                Some((xml.to_string(), "application/xml")),
            ))
            .map(|_| ()),
    }
}

/// Starts the reference SP (or takes the service given), registers its metadata at the mocks
/// and builds the start URL of each path.
fn start_service(
    config: &LoadConfig,
    rts: &Runtimes,
    client: &reqwest::Client,
    mocks: &StartedMocks,
) -> Result<StartedService, LoadError> {
    let external_token = match &config.mocks {
        Mocks::External { admin_token, .. } => admin_token.as_deref(),
        Mocks::InProcess { .. } => None,
    };
    let register = |xml: &str| register(xml, rts, client, mocks, external_token);
    match &config.target {
        Target::Reference { faults, acs_delay } => {
            let sp = rts
                .service
                .block_on(ReferenceSp::start(SpConfig {
                    idp_metadata: vec![mocks.registry_xml.clone()],
                    faults: faults.clone(),
                    acs_delay: *acs_delay,
                    ..SpConfig::default()
                }))
                .map_err(|e| LoadError::ReferenceSp(e.to_string()))?;
            register(sp.metadata_xml())?;
            let u = sp.urls();
            let start_urls = config
                .paths
                .iter()
                .map(|p| {
                    format!(
                        "{}?idp={}&level={}&comparison=minimum&binding={}",
                        u.login,
                        mock_idps::saml::binding::url_encode(&mocks.entity_ids[&p.provider]),
                        p.level.number(),
                        p.binding
                    )
                })
                .collect();
            let probe = u.me.clone();
            Ok(StartedService {
                sp: Some(sp),
                start_urls,
                probe,
                name: reference_name(faults, *acs_delay),
            })
        }
        Target::Service {
            login_url,
            probe_url,
            sp_metadata,
        } => {
            if let Some(xml) = sp_metadata {
                register(xml)?;
            }
            let start_urls = config
                .paths
                .iter()
                .map(|p| service_start_url(login_url, &mocks.entity_ids[&p.provider], p))
                .collect();
            Ok(StartedService {
                sp: None,
                start_urls,
                probe: probe_url.clone(),
                name: login_url.clone(),
            })
        }
    }
}

/// The reference SP as reported: its faults and ACS delay, if any.
fn reference_name(faults: &reference_sp::faults::Faults, acs_delay: Duration) -> String {
    let mut name = "reference SP".to_string();
    if !faults.names().is_empty() {
        name.push_str(&format!(" (faults {})", faults.names().join(",")));
    }
    if !acs_delay.is_zero() {
        name.push_str(&format!(" (ACS delayed {acs_delay:?})"));
    }
    name
}

/// The CPU seconds of each part (by thread-name prefix) before and after the load.
type CpuSamples = (
    Option<std::collections::BTreeMap<String, f64>>,
    Option<std::collections::BTreeMap<String, f64>>,
);

/// Runs the load on the driver's runtime; returns what was measured and the CPU samples around it.
fn drive_load(
    config: &LoadConfig,
    rts: &Runtimes,
    mocks_base: &str,
    start_urls: Vec<String>,
    probe: String,
) -> Result<(engine::Measured, CpuSamples), LoadError> {
    let drive = Drive {
        start_urls,
        oracle: crate::oracle::OracleConfig {
            probe_url: Some(probe),
            ..Default::default()
        },
        idp_base: mocks_base.to_string(),
        request_timeout: config.request_timeout,
        login_timeout: config.request_timeout * 4,
    };
    let bounds = Bounds {
        duration: config.duration,
        max_logins: config.max_logins,
        graceful_stop: config.graceful_stop,
    };
    let offered = offered(config);
    let bar = progress_bar(config.progress);
    let prefixes = [cpu::MOCKS, cpu::SERVICE, cpu::DRIVER];
    let cpu0 = cpu::by_prefix(&prefixes);
    let measured = rts
        .driver
        .block_on(engine::run(drive, offered, bounds, bar))?;
    let cpu1 = cpu::by_prefix(&prefixes);
    Ok((measured, (cpu0, cpu1)))
}

/// The offered load of the configured model.
fn offered(config: &LoadConfig) -> Offered {
    match &config.model {
        Model::Open {
            stages,
            constant,
            max_in_flight,
        } => Offered::Open {
            arrivals: match constant {
                Some(rate) => spec::Arrivals::constant(*rate, config.duration.as_secs_f64()),
                None => spec::Arrivals::new(stages),
            },
            max_in_flight: *max_in_flight,
        },
        Model::Closed { concurrency } => Offered::Closed {
            concurrency: *concurrency,
        },
    }
}

/// The live line on a terminal, or a hidden bar.
fn progress_bar(shown: bool) -> indicatif::ProgressBar {
    if !shown {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        bar.set_style(style);
    }
    bar
}

/// The CPU each part spent during the load, in total and per login; `None` without samples.
fn cpu_report((cpu0, cpu1): CpuSamples, logins: u64, in_process: bool) -> Option<CpuReport> {
    cpu0.zip(cpu1).and_then(|(a, b)| {
        let d = |k: &str| b.get(k).copied().unwrap_or(0.0) - a.get(k).copied().unwrap_or(0.0);
        let (m, s, h) = (d(cpu::MOCKS), d(cpu::SERVICE), d(cpu::DRIVER));
        let n = logins.max(1) as f64;
        (m + s + h > 0.0).then(|| CpuReport {
            mocks_ms: m,
            service_ms: s,
            harness_ms: h,
            mocks_per_login_ms: m / n,
            service_per_login_ms: s / n,
            harness_per_login_ms: h / n,
            mocks_share: if in_process { m / (m + s + h) } else { 0.0 },
        })
    })
}

/// The configured model as reported (a constant rate as one stage over the duration).
fn model_report(config: &LoadConfig) -> ModelReport {
    match &config.model {
        Model::Open {
            stages,
            constant,
            max_in_flight,
        } => ModelReport::Open {
            stages: match constant {
                Some(r) => vec![spec::Stage {
                    seconds: config.duration.as_secs_f64(),
                    target: *r,
                }],
                None => stages.clone(),
            },
            max_in_flight: *max_in_flight,
        },
        Model::Closed { concurrency } => ModelReport::Closed {
            concurrency: *concurrency,
        },
    }
}

/// The report of a run: the figures measured, the CPU, the baseline comparison and thresholds.
fn report(
    config: &LoadConfig,
    began: time::OffsetDateTime,
    target: String,
    measured: engine::Measured,
    cpu: CpuSamples,
) -> LoadReport {
    let logins = measured.ok + measured.expected_refusals + measured.errors.values().sum::<u64>();
    let wall = measured.wall.as_secs_f64();
    let in_process = matches!(config.mocks, Mocks::InProcess { .. });
    let mut report = LoadReport {
        version: 1,
        target,
        paths: config
            .paths
            .iter()
            .map(|p| format!("{} {} {}", p.provider, p.level, p.binding))
            .collect(),
        started: began
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        model: model_report(config),
        wall_seconds: wall,
        logins,
        ok: measured.ok,
        expected_refusals: measured.expected_refusals,
        interrupted: measured.interrupted,
        dropped: measured.dropped,
        errors: measured.errors,
        error_samples: measured.samples,
        rate: if wall > 0.0 {
            measured.ok as f64 / wall
        } else {
            0.0
        },
        hops: model::ordered_hops(&measured.hops),
        series: measured.series,
        cpu: cpu_report(cpu, logins, in_process),
        thresholds: Vec::new(),
        baseline: None,
    };
    if let Some(before) = &config.baseline {
        report.baseline = Some(judge::compare(
            before,
            &report,
            config.thresholds.max_regression,
        ));
    }
    report.thresholds = judge::thresholds(&report, &config.thresholds);
    report
}

/// The paths of a run from `--idp`, `--binding` (`redirect`, `post` or `both`), `--level`.
pub fn paths(idps: &[String], binding: &str, level: Level) -> Result<Vec<LoginPath>, LoadError> {
    let bindings: &[&str] = match binding {
        "both" => &["redirect", "post"],
        "redirect" => &["redirect"],
        "post" => &["post"],
        other => {
            return Err(LoadError::Invalid(format!(
                "--binding {other:?}: use redirect, post or both"
            )))
        }
    };
    Ok(idps
        .iter()
        .flat_map(|p| {
            bindings.iter().map(move |b| LoginPath {
                provider: p.trim().to_string(),
                level,
                binding: b.to_string(),
            })
        })
        .collect())
}

/// Writes load.json, load.html, load.md and load.xml into `dir`; returns the files written.
pub fn write_reports(
    r: &LoadReport,
    dir: &std::path::Path,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(r).map_err(std::io::Error::other)?;
    let files = [
        ("load.json", json),
        ("load.html", html::render(r)),
        ("load.md", render::markdown(r)),
        ("load.xml", render::junit(r)),
    ];
    let mut written = Vec::new();
    for (name, body) in files {
        let p = dir.join(name);
        std::fs::write(&p, body)?;
        written.push(p);
    }
    Ok(written)
}
