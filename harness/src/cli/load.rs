//! `spid-harness load` and `spid-harness report merge`: options to a [`crate::load::LoadConfig`],
//! the run, the reports and the exit code.

use crate::exit;
use crate::load::{
    self, judge::Thresholds, model::LoadReport, paths, spec, write_reports, LoadConfig,
};
use anyhow::{bail, Context};
use clap::Args;
use mock_idps::spid::level::Level;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of `load`.
#[derive(Debug, Args)]
pub struct LoadOpts {
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
    /// Write a Locust file playing the same path against the same targets with the same
    /// thresholds, instead of running (needs --mocks, --login-url, --probe-url).
    #[arg(long = "emit-locustfile", value_name = "FILE")]
    pub emit_locustfile: Option<PathBuf>,
    /// Where the in-process mocks listen (your service must trust their metadata).
    #[arg(long = "mocks-bind", default_value = "127.0.0.1:0")]
    pub mocks_bind: std::net::SocketAddr,
    /// How the mocks answer: USER[@LEVEL][:OUTCOME][*WEIGHT][+…] (see `serve --auto-login`).
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

/// Options of `report merge`.
#[derive(Debug, Args)]
pub struct MergeOpts {
    /// The shards' load.json files.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Where to write the merged load.json, load.html, load.md.
    #[arg(long = "report-dir", default_value = "reports/merged")]
    pub report_dir: PathBuf,
}

fn read_report(path: &Path) -> anyhow::Result<LoadReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a load.json written by `spid-harness load`",
            path.display()
        )
    })
}

/// Writes the Locust file of `--emit-locustfile`.
fn emit_locustfile(opts: &LoadOpts, file: &Path) -> anyhow::Result<u8> {
    let (Some(login_url), Some(probe_url)) = (&opts.login_url, &opts.probe_url) else {
        bail!("--emit-locustfile needs --login-url and --probe-url (start the reference SP with `serve --with-reference-sp` for it)");
    };
    if opts.mocks.is_empty() {
        bail!("--emit-locustfile needs --mocks URL (each `serve --auto-login` replica)");
    }
    for url in opts.mocks.iter().chain([login_url, probe_url]) {
        if !opts.allow_remote && !load::is_loopback_url(url) {
            bail!("{url} is not on loopback: pass --allow-remote for a distributed run on your own machines");
        }
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let paths = paths(&opts.idp, &opts.binding, opts.level)?;
    let mut start_urls = Vec::new();
    for mocks in &opts.mocks {
        let ids = runtime.block_on(load::external_entity_ids(mocks))?;
        for p in &paths {
            let Some(entity) = ids.get(&p.provider) else {
                bail!("the mocks at {mocks} serve no provider {:?}", p.provider);
            };
            start_urls.push(load::service_start_url(login_url, entity, p));
        }
    }
    let py = load::locust::render(&load::locust::LocustPlan {
        start_urls,
        probe_url: probe_url.clone(),
        rate: opts.rate,
        thresholds: Thresholds {
            max_p99: opts.max_p99,
            max_error_rate: opts.max_error_rate,
            min_rate: opts.min_rate,
            max_regression: None,
        },
    });
    std::fs::write(file, py).with_context(|| format!("writing {}", file.display()))?;
    outln!("Locust file: {}", file.display());
    Ok(exit::OK)
}

/// Runs `load`.
pub fn exec(opts: LoadOpts) -> anyhow::Result<u8> {
    use std::io::IsTerminal;
    if let Some(file) = &opts.emit_locustfile {
        return emit_locustfile(&opts, file);
    }
    if opts.mocks.len() > 1 {
        bail!("several --mocks are only for --emit-locustfile; `load` drives one mocks server");
    }
    let target = match (opts.against_reference, &opts.login_url) {
        (true, None) => load::Target::Reference {
            faults: super::faults::parse(opts.faults.as_deref())?,
            acs_delay: opts.acs_delay.unwrap_or_default(),
        },
        (false, Some(login_url)) => {
            let Some(probe_url) = opts.probe_url.clone() else {
                bail!("--login-url needs --probe-url (the protected page that answers 2xx when logged in)");
            };
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let sp_metadata = match &opts.metadata {
                Some(m) => Some(runtime.block_on(crate::source::read_text(m))?),
                None if opts.mocks.is_empty() => bail!("--login-url with in-process mocks needs --metadata (the service's SAML metadata, to register at the mocks), or use --mocks URL"),
                None => None,
            };
            load::Target::Service {
                login_url: login_url.clone(),
                probe_url,
                sp_metadata,
            }
        }
        _ => bail!("use either --against-reference, or --login-url with --probe-url"),
    };
    let stages = opts.stages.as_deref().map(spec::stages).transpose()?;
    let model = match (opts.concurrency, stages) {
        (Some(concurrency), _) => load::Model::Closed { concurrency },
        (None, Some(stages)) => load::Model::Open {
            stages,
            constant: None,
            max_in_flight: opts.max_in_flight,
        },
        (None, None) => load::Model::Open {
            stages: Vec::new(),
            constant: Some(opts.rate.unwrap_or(50.0)),
            max_in_flight: opts.max_in_flight,
        },
    };
    let mut duration = opts.duration;
    if let load::Model::Open {
        stages,
        constant: None,
        ..
    } = &model
    {
        // The ramps set the length; --duration still bounds it.
        let total: f64 = stages.iter().map(|s| s.seconds).sum();
        duration = duration.min(Duration::from_secs_f64(total));
        if opts.duration < Duration::from_secs_f64(total) {
            eprintln!(
                "note: the stages last {total}s, --duration {:?} stops them earlier",
                opts.duration
            );
        }
    }
    let baseline = opts.baseline.as_deref().map(read_report).transpose()?;
    let config = LoadConfig {
        target,
        mocks: match opts.mocks.first() {
            Some(url) => load::Mocks::External { url: url.clone() },
            None => load::Mocks::InProcess {
                bind: opts.mocks_bind,
            },
        },
        auto_login: opts.auto_login.clone(),
        paths: paths(&opts.idp, &opts.binding, opts.level)?,
        model,
        duration,
        max_logins: opts.logins.unwrap_or(opts.max_logins).min(opts.max_logins),
        request_timeout: opts.timeout,
        allow_remote: opts.allow_remote,
        progress: std::io::stderr().is_terminal(),
        thresholds: Thresholds {
            max_p99: opts.max_p99,
            max_error_rate: opts.max_error_rate,
            min_rate: opts.min_rate,
            max_regression: opts.max_regression,
        },
        baseline,
        seed: opts.seed,
    };
    let report = load::run(config)?;
    out!("{}", load::render::summary(&report));
    for p in write_reports(&report, &opts.report_dir)
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?
    {
        outln!("report: {}", p.display());
    }
    if let Some(junit) = &opts.junit {
        std::fs::write(junit, load::render::junit(&report))
            .with_context(|| format!("writing {}", junit.display()))?;
        outln!("report: {}", junit.display());
    }
    Ok(if report.passed() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// Runs `report merge`.
pub fn merge(opts: MergeOpts) -> anyhow::Result<u8> {
    let shards = opts
        .shards
        .iter()
        .map(|p| read_report(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = LoadReport::merge(&shards)?;
    out!("{}", load::render::summary(&merged));
    for p in write_reports(&merged, &opts.report_dir)
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?
    {
        outln!("report: {}", p.display());
    }
    Ok(exit::OK)
}
