//! The options of `spid-harness load` (declared here, beside their meaning; the CLI only parses
//! them) and what a run of them does: the checks between options, the [`LoadConfig`], the run
//! or the Locust file, the reports written.

use super::{judge::Thresholds, model::LoadReport, spec, LoadConfig, LoadError};
use mock_idps::spid::level::Level;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of `load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Load the embedded reference SP (no other setup).
    #[arg(long = "against-reference")]
    pub against_reference: bool,
    /// With --against-reference: checks to switch off (a mutant SP).
    #[arg(long)]
    pub faults: Option<String>,
    /// With --against-reference: make the reference SP's ACS wait this long (a slow mutant), e.g. 20ms.
    #[arg(long = "acs-delay", value_name = "DURATION", value_parser = spec::duration)]
    pub acs_delay: Option<Duration>,
    /// The service URL that starts a login; `{entity_id}`, `{level}`, `{comparison}`, `{binding}`
    /// are replaced per path.
    #[arg(long = "login-url")]
    pub login_url: Option<String>,
    /// The service's protected page (2xx = logged in); required with --login-url.
    #[arg(long = "probe-url")]
    pub probe_url: Option<String>,
    /// The service's SAML metadata (file or URL), registered at the in-process mocks.
    #[arg(long)]
    pub metadata: Option<String>,
    /// Use a running `spid-harness serve` at this URL instead of in-process mocks (repeatable
    /// with --emit-locustfile: every replica's providers are used in turn).
    #[arg(long, value_name = "URL")]
    pub mocks: Vec<String>,
    /// `--admin-token`.
    #[command(flatten)]
    pub admin: crate::serve::AdminTokenArg,
    /// Write a Locust file playing the same path against the same targets with the same
    /// thresholds, instead of running (needs --mocks, --login-url, --probe-url).
    #[arg(long = "emit-locustfile", value_name = "FILE")]
    pub emit_locustfile: Option<PathBuf>,
    /// Where the in-process mocks listen (your service must trust their metadata).
    #[arg(long = "mocks-bind", default_value = "127.0.0.1:0")]
    pub mocks_bind: std::net::SocketAddr,
    /// How the mocks answer: USER[@LEVEL][:OUTCOME][*WEIGHT][+…] (see `serve --auto-login`);
    /// refusals of the failures asked for here are counted as expected, not as errors.
    #[arg(long = "auto-login", default_value = "mario.rossi")]
    pub auto_login: mock_idps::spid::script::AutoLogin,
    /// Providers to log in through, in turn (comma-separated ids).
    #[arg(long, default_value = "poste", value_delimiter = ',')]
    pub idp: Vec<String>,
    /// Bindings of the AuthnRequest: redirect, post, or both in turn.
    #[arg(long, default_value = "both")]
    pub binding: String,
    /// The level the service asks for.
    #[arg(long, default_value = "2")]
    pub level: Level,
    /// Open model: fixed arrival rate, e.g. 200/s (default 50/s when no model is given).
    #[arg(long, value_parser = spec::rate, conflicts_with_all = ["stages", "concurrency"])]
    pub rate: Option<f64>,
    /// Open model: ramps DURATION:RATE,… from 0, e.g. 30s:50,60s:200.
    #[arg(long, conflicts_with = "concurrency")]
    pub stages: Option<String>,
    /// Open model: logins in flight at most (a due login waits for a slot; the wait counts).
    #[arg(long = "max-in-flight", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Closed model: this many users logging in back to back.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Closed model: stop after this many logins (same as --max-logins).
    #[arg(long)]
    pub logins: Option<u64>,
    /// No login starts after this (always applies; at most 1h).
    #[arg(long, default_value = "10s", value_parser = spec::duration)]
    pub duration: Duration,
    /// Logins in flight at the end get this long, then are cut and reported as interrupted
    /// (not errors): a run ends by --duration plus this.
    #[arg(long = "graceful-stop", default_value = "5s", value_parser = spec::duration)]
    pub graceful_stop: Duration,
    /// No more logins than this (always applies).
    #[arg(long = "max-logins", default_value_t = 1_000_000)]
    pub max_logins: u64,
    /// Per-request timeout.
    #[arg(long, default_value = "10s", value_parser = spec::duration)]
    pub timeout: Duration,
    /// Allow targets off loopback (never against a service you do not own).
    #[arg(long = "allow-remote")]
    pub allow_remote: bool,
    /// Fail (exit 1) when the end-to-end p99 is above this, e.g. 80ms.
    #[arg(long = "max-p99", value_parser = spec::duration)]
    pub max_p99: Option<Duration>,
    /// Fail when the share of failed logins is above this, e.g. 0.1%.
    #[arg(long = "max-error-rate", value_parser = spec::fraction)]
    pub max_error_rate: Option<f64>,
    /// Fail when fewer accepted logins per second than this, e.g. 150/s.
    #[arg(long = "min-rate", value_parser = spec::rate)]
    pub min_rate: Option<f64>,
    /// A previous load.json: the report shows each figure's change.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// With --baseline: fail when a figure is worse by more than this, e.g. 10%.
    #[arg(long = "max-regression", value_parser = spec::fraction, requires = "baseline")]
    pub max_regression: Option<f64>,
    /// Seed for the mocks' IDs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to write load.json, load.html, load.md and load.xml (JUnit).
    #[arg(long = "report-dir", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Also write the JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

/// Why `load` or `report merge` stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Options that do not go together, or are missing.
    #[error("{0}")]
    Usage(String),
    /// The run could not start.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A stage list is malformed.
    #[error(transparent)]
    Spec(#[from] spec::SpecError),
    /// The service's metadata could not be read.
    #[error("reading the service's metadata")]
    Metadata(#[source] crate::source::SourceError),
    /// A load.json could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a load.json.
    #[error("{} is not a load.json written by `spid-harness load`", path.display())]
    NotAReport {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A report or the Locust file could not be written.
    #[error("writing {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Shards that do not merge.
    #[error(transparent)]
    Merge(#[from] super::model::MergeError),
}

fn usage(text: &str) -> RequestError {
    RequestError::Usage(text.to_string())
}

/// What a `load` or `report merge` produced.
#[derive(Debug)]
pub enum Finished {
    /// A run (or a merge): its report, and the files written.
    Report {
        /// The report.
        report: Box<LoadReport>,
        /// load.json, load.html, load.md, load.xml (and --junit).
        written: Vec<PathBuf>,
    },
    /// The Locust file written by --emit-locustfile.
    Locustfile(PathBuf),
}

/// Reads a load.json.
pub fn read_report(path: &Path) -> Result<LoadReport, RequestError> {
    let text = std::fs::read_to_string(path).map_err(|source| RequestError::Read {
        path: path.into(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| RequestError::NotAReport {
        path: path.into(),
        source,
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, RequestError> {
    tokio::runtime::Runtime::new().map_err(|e| LoadError::Runtime("command", e).into())
}

/// `--emit-locustfile`.
fn emit_locustfile(args: &LoadArgs, file: &Path) -> Result<Finished, RequestError> {
    let (Some(login_url), Some(probe_url)) = (&args.login_url, &args.probe_url) else {
        return Err(usage("--emit-locustfile needs --login-url and --probe-url (start the reference SP with `serve --with-reference-sp` for it)"));
    };
    if args.mocks.is_empty() {
        return Err(usage(
            "--emit-locustfile needs --mocks URL (each `serve --auto-login` replica)",
        ));
    }
    for url in args.mocks.iter().chain([login_url, probe_url]) {
        if !args.allow_remote && !super::is_loopback_url(url) {
            return Err(RequestError::Usage(format!("{url} is not on loopback: pass --allow-remote for a distributed run on your own machines")));
        }
    }
    let paths = super::paths(&args.idp, &args.binding, args.level)?;
    let runtime = runtime()?;
    let mut start_urls = Vec::new();
    for mocks in &args.mocks {
        let ids = runtime.block_on(super::external_entity_ids(
            mocks,
            args.admin.token().as_deref(),
        ))?;
        for p in &paths {
            let Some(entity) = ids.get(&p.provider) else {
                return Err(RequestError::Usage(format!(
                    "the mocks at {mocks} serve no provider {:?}",
                    p.provider
                )));
            };
            start_urls.push(super::service_start_url(login_url, entity, p));
        }
    }
    let py = super::locust::render(&super::locust::LocustPlan {
        start_urls,
        probe_url: probe_url.clone(),
        rate: args.rate,
        thresholds: thresholds(args, None),
    });
    std::fs::write(file, py).map_err(|source| RequestError::Write {
        path: file.into(),
        source,
    })?;
    Ok(Finished::Locustfile(file.into()))
}

fn thresholds(args: &LoadArgs, max_regression: Option<f64>) -> Thresholds {
    Thresholds {
        max_p99: args.max_p99,
        max_error_rate: args.max_error_rate,
        min_rate: args.min_rate,
        max_regression,
    }
}

fn target(args: &LoadArgs) -> Result<super::Target, RequestError> {
    match (args.against_reference, &args.login_url) {
        (true, None) => Ok(super::Target::Reference {
            faults: match &args.faults {
                None => reference_sp::faults::Faults::none(),
                Some(list) => reference_sp::faults::Faults::parse(list)
                    .map_err(|e| RequestError::Usage(format!("--faults: {e}")))?,
            },
            acs_delay: args.acs_delay.unwrap_or_default(),
        }),
        (false, Some(login_url)) => {
            let Some(probe_url) = args.probe_url.clone() else {
                return Err(usage("--login-url needs --probe-url (the protected page that answers 2xx when logged in)"));
            };
            let sp_metadata = match &args.metadata {
                Some(m) => Some(
                    runtime()?
                        .block_on(crate::source::read_text(m))
                        .map_err(RequestError::Metadata)?,
                ),
                None if args.mocks.is_empty() => return Err(usage("--login-url with in-process mocks needs --metadata (the service's SAML metadata, to register at the mocks), or use --mocks URL")),
                None => None,
            };
            Ok(super::Target::Service {
                login_url: login_url.clone(),
                probe_url,
                sp_metadata,
            })
        }
        _ => Err(usage(
            "use either --against-reference, or --login-url with --probe-url",
        )),
    }
}

/// The offered load and the run's length (ramps set it, `--duration` still bounds it).
fn model(args: &LoadArgs) -> Result<(super::Model, Duration), RequestError> {
    let stages = args.stages.as_deref().map(spec::stages).transpose()?;
    Ok(match (args.concurrency, stages) {
        (Some(concurrency), _) => (super::Model::Closed { concurrency }, args.duration),
        (None, Some(stages)) => {
            let total: f64 = stages.iter().map(|s| s.seconds).sum();
            let duration = args.duration.min(Duration::from_secs_f64(total));
            let model = super::Model::Open {
                stages,
                constant: None,
                max_in_flight: args.max_in_flight,
            };
            (model, duration)
        }
        (None, None) => (
            super::Model::Open {
                stages: Vec::new(),
                constant: Some(args.rate.unwrap_or(50.0)),
                max_in_flight: args.max_in_flight,
            },
            args.duration,
        ),
    })
}

/// Remarks on how the options combine, for standard error (nothing is dropped silently).
pub fn notes(args: &LoadArgs) -> Vec<String> {
    let total: Option<f64> = args
        .stages
        .as_deref()
        .and_then(|s| spec::stages(s).ok())
        .map(|st| st.iter().map(|s| s.seconds).sum());
    match total {
        Some(total) if args.concurrency.is_none() && args.duration.as_secs_f64() < total => {
            vec![format!(
                "the stages last {total}s, --duration {:?} stops them earlier",
                args.duration
            )]
        }
        _ => Vec::new(),
    }
}

/// The run `args` ask for; `progress` shows the live line.
pub fn config(args: &LoadArgs, progress: bool) -> Result<LoadConfig, RequestError> {
    if args.mocks.len() > 1 {
        return Err(usage(
            "several --mocks are only for --emit-locustfile; `load` drives one mocks server",
        ));
    }
    let (model, duration) = model(args)?;
    Ok(LoadConfig {
        target: target(args)?,
        mocks: match args.mocks.first() {
            Some(url) => super::Mocks::External {
                url: url.clone(),
                admin_token: args.admin.token(),
            },
            None => super::Mocks::InProcess {
                bind: args.mocks_bind,
            },
        },
        auto_login: args.auto_login.clone(),
        paths: super::paths(&args.idp, &args.binding, args.level)?,
        model,
        duration,
        max_logins: args.logins.unwrap_or(args.max_logins).min(args.max_logins),
        graceful_stop: args.graceful_stop,
        request_timeout: args.timeout,
        allow_remote: args.allow_remote,
        progress,
        thresholds: thresholds(args, args.max_regression),
        baseline: args.baseline.as_deref().map(read_report).transpose()?,
        seed: args.seed,
    })
}

fn write_all(
    report: LoadReport,
    dir: &Path,
    junit: Option<&Path>,
) -> Result<Finished, RequestError> {
    let mut written = super::write_reports(&report, dir).map_err(|source| RequestError::Write {
        path: dir.into(),
        source,
    })?;
    if let Some(junit) = junit {
        std::fs::write(junit, super::render::junit(&report)).map_err(|source| {
            RequestError::Write {
                path: junit.into(),
                source,
            }
        })?;
        written.push(junit.into());
    }
    Ok(Finished::Report {
        report: Box::new(report),
        written,
    })
}

/// Runs `load` as `args` ask (blocking): the Locust file, or the run and its reports.
pub fn execute(args: &LoadArgs, progress: bool) -> Result<Finished, RequestError> {
    if let Some(file) = &args.emit_locustfile {
        return emit_locustfile(args, file);
    }
    let report = super::run(config(args, progress)?)?;
    write_all(report, &args.report_dir, args.junit.as_deref())
}

/// `report merge`: the shards' load.json merged exactly, its reports written into `dir`.
pub fn merge(shards: &[PathBuf], dir: &Path) -> Result<Finished, RequestError> {
    let shards = shards
        .iter()
        .map(|p| read_report(p))
        .collect::<Result<Vec<_>, _>>()?;
    write_all(LoadReport::merge(&shards)?, dir, None)
}
