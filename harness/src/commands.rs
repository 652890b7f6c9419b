//! The `demo`, `login` and `faults` commands: options, then one library call each.

use crate::browser::Hop;
use crate::demo::{run_demo, table, DemoConfig};
use crate::exit;
use crate::login::{run, Expectation, LoginPlan, MockAdmin};
use crate::oracle::OracleConfig;
use crate::report::{write_all, RunReport};
use anyhow::{bail, Context};
use clap::Args;
use mock_idps::federation::FederationUrls;
use mock_idps::fixtures::Fixtures;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use std::path::PathBuf;
use std::time::Duration;

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoOpts {
    /// Where to write demo.json, demo.html, demo.xml (JUnit) and demo.md.
    #[arg(long = "report-dir", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Reference-SP checks to switch off (comma-separated; `spid-harness faults` lists them).
    #[arg(long)]
    pub faults: Option<String>,
    /// Seed for the providers' IDs and one-time codes.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Runs `demo`.
pub fn demo(opts: DemoOpts) -> anyhow::Result<u8> {
    let faults = parse_faults(opts.faults.as_deref())?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = runtime.block_on(run_demo(DemoConfig {
        faults,
        seed: opts.seed,
    }))?;
    print!("{}", table(&report));
    let written = write_all(&report, &opts.report_dir, "demo")
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?;
    for path in written {
        println!("report: {}", path.display());
    }
    Ok(if report.all_passed() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// Parses a `--faults` list.
pub fn parse_faults(list: Option<&str>) -> anyhow::Result<reference_sp::faults::Faults> {
    match list {
        None => Ok(reference_sp::faults::Faults::none()),
        Some(list) => {
            reference_sp::faults::Faults::parse(list).map_err(|e| anyhow::anyhow!("--faults: {e}"))
        }
    }
}

/// Runs `faults`: every reference-SP check that can be switched off.
pub fn faults() -> anyhow::Result<u8> {
    for f in reference_sp::faults::ALL {
        println!("{:<28} {}", f.name, f.description);
    }
    Ok(exit::OK)
}

/// Options of `login`.
#[derive(Debug, Args)]
pub struct LoginOpts {
    /// The service URL that starts a login. `{provider}`, `{entity_id}` (URL-encoded) and
    /// `{level}` are replaced.
    #[arg(long = "sp-login-url")]
    pub sp_login_url: String,
    /// The mock provider to log in at.
    #[arg(long, default_value = "poste")]
    pub provider: String,
    /// The level the service asks for (L1, L2, L3).
    #[arg(long, default_value = "L2")]
    pub level: Level,
    /// The test identity (fixtures/users.toml).
    #[arg(long, default_value = "mario.rossi")]
    pub user: String,
    /// How the login ends at the IdP: success, wrong-credentials, no-level, timeout,
    /// consent-denied, suspended, cancel, purpose-mismatch.
    #[arg(long, default_value = "success")]
    pub outcome: Outcome,
    /// Where `spid-harness serve` runs.
    #[arg(long, default_value = "http://127.0.0.1:7000")]
    pub mocks: String,
    /// Oracle: GET this protected page after the login (2xx = logged in).
    #[arg(long = "probe-url")]
    pub probe_url: Option<String>,
    /// Oracle: accepted only if the final status is one of these (comma-separated).
    #[arg(long = "final-status", value_delimiter = ',')]
    pub final_status: Option<Vec<u16>>,
    /// Oracle: accepted only if the final URL contains this.
    #[arg(long = "final-url")]
    pub final_url: Option<String>,
    /// Oracle: accepted only if this cookie is set by the ACS or after it.
    #[arg(long)]
    pub cookie: Option<String>,
    /// Oracle: accepted only if the final body contains this.
    #[arg(long)]
    pub body: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

/// Runs `login`: one login against any service, using a running `spid-harness serve`.
pub fn login(opts: LoginOpts) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let urls_url = format!("{}/admin/urls", opts.mocks.trim_end_matches('/'));
        let urls: FederationUrls = match reqwest::get(&urls_url).await {
            Ok(resp) if resp.status().is_success() => resp.json().await.with_context(|| format!("reading {urls_url}"))?,
            Ok(resp) => bail!("{urls_url} answered {}: is `spid-harness serve` running there?", resp.status()),
            Err(e) => {
                eprintln!("error: cannot reach the mock providers at {}: {e}\n  (hint: start them with `spid-harness serve`, or pass --mocks URL)", opts.mocks);
                return Ok(exit::UNREACHABLE);
            }
        };
        let Some(provider) = urls.providers.get(&opts.provider) else {
            let known: Vec<_> = urls.providers.keys().cloned().collect();
            bail!("unknown provider {:?}; known: {}", opts.provider, known.join(", "));
        };
        let start_url = opts
            .sp_login_url
            .replace("{provider}", &opts.provider)
            .replace("{entity_id}", &mock_idps::saml::binding::url_encode(&provider.entity_id))
            .replace("{level}", &opts.level.number().to_string());
        let plan = LoginPlan {
            id: format!("login/{}/{}", opts.provider, opts.level),
            title: format!("{} at {} as {}, outcome {:?}", provider.name, opts.level, opts.user, opts.outcome),
            provider: opts.provider.clone(),
            level: opts.level,
            user: opts.user.clone(),
            outcome: opts.outcome,
            start_url,
            expected: Expectation::for_outcome(opts.outcome),
        };
        let oracle = OracleConfig {
            probe_url: opts.probe_url.clone(),
            final_status: opts.final_status.clone(),
            final_url: opts.final_url.clone(),
            cookie: opts.cookie.clone(),
            body: opts.body.clone(),
        };
        let fixtures = Fixtures::embedded()?;
        let admin = MockAdmin::Http { admin_url: urls.admin.clone() };
        let began = time::OffsetDateTime::now_utc();
        let entry = run(&plan, &admin, &fixtures, &oracle, Duration::from_secs(opts.timeout)).await;
        print_trace(&entry.hops);
        if let Some(err) = &entry.error {
            eprintln!("error: {err}");
            return Ok(exit::UNREACHABLE);
        }
        if let Some(v) = &entry.verdict {
            println!(
                "verdict: {} ({} rule): {}",
                if v.accepted { "ACCEPTED" } else { "REFUSED" },
                v.rule,
                v.reason
            );
            for e in &v.evidence {
                println!("  - {e}");
            }
        }
        let report = RunReport::new("login", began, entry.millis, vec![entry]);
        let passed = report.all_passed();
        println!("expected {}: {}", report.entries[0].expected, if passed { "as expected" } else { "NOT as expected" });
        Ok(if passed { exit::OK } else { exit::CHECK_FAILED })
    })
}

fn print_trace(hops: &[Hop]) {
    for (i, h) in hops.iter().enumerate() {
        println!(
            "{:>2}. {:<13} {:<4} {} {:>8.2} ms  {}",
            i + 1,
            format!("{:?}", h.kind),
            h.method,
            h.status,
            h.millis,
            h.url
        );
    }
}
