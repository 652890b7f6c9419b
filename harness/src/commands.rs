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
    out!("{}", table(&report));
    let written = write_all(&report, &opts.report_dir, "demo")
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?;
    for path in written {
        outln!("report: {}", path.display());
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
        outln!("{:<28} {}", f.name, f.description);
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
            outln!(
                "verdict: {} ({} rule): {}",
                if v.accepted { "ACCEPTED" } else { "REFUSED" },
                v.rule,
                v.reason
            );
            for e in &v.evidence {
                outln!("  - {e}");
            }
        }
        let report = RunReport::new("login", began, entry.millis, vec![entry]);
        let passed = report.all_passed();
        outln!("expected {}: {}", report.entries[0].expected, if passed { "as expected" } else { "NOT as expected" });
        Ok(if passed { exit::OK } else { exit::CHECK_FAILED })
    })
}

fn print_trace(hops: &[Hop]) {
    for (i, h) in hops.iter().enumerate() {
        outln!(
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

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckOpts {
    /// Run against the embedded reference SP (no other setup).
    #[arg(long = "against-reference")]
    pub against_reference: bool,
    /// With --against-reference: reference-SP checks to switch off (a mutant SP).
    #[arg(long)]
    pub faults: Option<String>,
    /// The service's metadata (file path or http(s) URL); with --login-url, instead of
    /// --against-reference. The service must trust `spid-harness metadata --idp ID`.
    #[arg(long)]
    pub metadata: Option<String>,
    /// The service URL that starts a login; `{entity_id}`, `{level}`, `{comparison}` and
    /// `{binding}` are replaced per case.
    #[arg(long = "login-url")]
    pub login_url: Option<String>,
    /// The service's protected page (2xx = logged in); required with --login-url.
    #[arg(long = "probe-url")]
    pub probe_url: Option<String>,
    /// The service URL that ends a session (SP-initiated logout): needed by the logout cases
    /// and by irt-2; those cases report an error without it.
    #[arg(long = "logout-url")]
    pub logout_url: Option<String>,
    /// The mock provider to sign as.
    #[arg(long, default_value = crate::conformance::reference::DEFAULT_IDP)]
    pub idp: String,
    /// Cases run at once (default: the number of cores).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Run only these case ids.
    #[arg(long, num_args = 1..)]
    pub only: Vec<String>,
    /// Where to write check.json, check.html, check.xml (JUnit) and check.md.
    #[arg(long = "report-dir", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Also write the JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Exit 0 even when a case fails.
    #[arg(long = "exit-zero")]
    pub exit_zero: bool,
    /// The SP profile the metadata checks apply: spid-sp-public, spid-sp-private,
    /// cie-sp-public, cie-sp-private or saml2-sp.
    #[arg(long, default_value = "spid-sp-public")]
    pub profile: String,
    /// Run only the metadata checks on --metadata (no login URL needed).
    #[arg(long = "metadata-only")]
    pub metadata_only: bool,
    /// Total time allowed to fetch a --metadata URL, in seconds (connect within 5 s; at most
    /// 4 MiB); past it, exit code 3.
    #[arg(long = "fetch-timeout", value_name = "SECS", default_value_t = 20)]
    pub fetch_timeout: u64,
}

/// This process's CPU time (user + system) in milliseconds, from /proc (Linux only).
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// Reads metadata from a file or an http(s) URL (fetched within `timeout_secs`, at most 4 MiB).
async fn read_metadata(source: &str, timeout_secs: u64) -> anyhow::Result<String> {
    if crate::fetch::is_url(source) {
        let fetcher = crate::fetch::Fetcher::with_total_timeout(std::time::Duration::from_secs(
            timeout_secs.max(1),
        ));
        Ok(fetcher
            .fetch_text(source)
            .await
            .with_context(|| format!("fetching the metadata at {source}"))?)
    } else {
        std::fs::read_to_string(source).with_context(|| format!("reading {source}"))
    }
}

/// Runs `check`: the Response case catalogue against the reference SP or any service.
pub fn check(opts: CheckOpts) -> anyhow::Result<u8> {
    use crate::conformance::{self, logout, reference};
    let profile: conformance::metadata::Profile = opts.profile.parse()?;
    let (cases, unknown) = conformance::select(&opts.only);
    let logout_cases = logout::select(&opts.only);
    let unknown: Vec<String> = conformance::unknown_check_ids(unknown)
        .into_iter()
        .filter(|id| !logout_cases.iter().any(|c| c.id == id.as_str()))
        .collect();
    if !unknown.is_empty() {
        bail!("--only: unknown case id(s): {} (see the case ids in check.json, or `spid-harness check --against-reference`)", unknown.join(", "));
    }
    if opts.metadata_only {
        return check_metadata_file(&opts, profile);
    }
    if opts.against_reference == (opts.login_url.is_some() || opts.metadata.is_some()) {
        bail!("use either --against-reference, or --metadata with --login-url and --probe-url");
    }
    let faults = parse_faults(opts.faults.as_deref())?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let began = time::OffsetDateTime::now_utc();
    let outcome = runtime.block_on(async {
        let state = reference::mock_state()?;
        let (target, sp) = if opts.against_reference {
            let run = reference::start(&state, faults).await?;
            (run.target, Some(run.sp))
        } else {
            let (Some(metadata), Some(login_url), Some(probe_url)) =
                (&opts.metadata, &opts.login_url, &opts.probe_url)
            else {
                bail!("--metadata, --login-url and --probe-url go together");
            };
            let xml = match read_metadata(metadata, opts.fetch_timeout).await {
                Ok(xml) => xml,
                Err(e) if is_unreachable(&e) => return Ok(Err(Stop::unreachable(e))),
                Err(e) => return Err(e),
            };
            let sp_metadata = mock_idps::saml::sp_metadata::SpMetadata::parse(&xml)
                .with_context(|| format!("{metadata} is not usable SP metadata (is it the service's SAML metadata XML?)"))?;
            let user = state
                .fixtures
                .user(reference::DEFAULT_USER)
                .cloned()
                .context("the default fixture user is missing")?;
            let target = conformance::Target {
                login_url: login_url.clone(),
                acs_url: None,
                probe_url: probe_url.clone(),
                sp_metadata: std::sync::Arc::new(sp_metadata),
                idp: reference::idp_identity(&state, &opts.idp)?,
                rogue_key: reference::idp_identity(&state, reference::ROGUE_IDP)?.key,
                user,
                timeout: Duration::from_secs(10),
                skew: time::Duration::minutes(2),
                logout_url: opts.logout_url.clone(),
            };
            if let Err(stop) = preflight(&target).await {
                return Ok(Err(stop));
            }
            (target, None)
        };
        let cpu0 = process_cpu_ms();
        let clock = std::time::Instant::now();
        // Metadata and AuthnRequest checks first, then the Response and logout cases, in one
        // report.
        let mut entries = conformance::sp_checks(&target, profile, &opts.only)
            .await
            .context("checking the SP's metadata")?;
        let bar = progress_bar((cases.len() + logout_cases.len()) as u64);
        let tick = {
            let bar = bar.clone();
            std::sync::Arc::new(move |e: &crate::report::Entry| {
                bar.set_message(e.id.clone());
                bar.inc(1);
            })
        };
        entries.extend(
            conformance::runner::run_reporting(&target, &cases, opts.jobs, tick.clone()).await,
        );
        entries.extend(logout::run_reporting(&target, &logout_cases, opts.jobs, tick).await);
        bar.finish_and_clear();
        let wall = clock.elapsed().as_secs_f64() * 1000.0;
        let cpu = cpu0.zip(process_cpu_ms()).map(|(a, b)| b - a);
        if let Some(sp) = sp {
            sp.shutdown().await;
        }
        anyhow::Ok(Ok((entries, wall, cpu)))
    })?;
    let (entries, wall_ms, cpu_ms) = match outcome {
        Ok(run) => run,
        Err(stop) => {
            eprintln!("error: {}", stop.message);
            return Ok(stop.code);
        }
    };
    let report = RunReport::new("check", began, wall_ms, entries);
    out!("{}", check_table(&report));
    if let Some(cpu) = cpu_ms {
        outln!(
            "process CPU {:.0} ms ({:.2} ms per case, harness and in-process SP together)",
            cpu,
            cpu / report.entries.len().max(1) as f64
        );
    }
    let written = write_all(&report, &opts.report_dir, "check")
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?;
    for path in written {
        outln!("report: {}", path.display());
    }
    if let Some(junit) = &opts.junit {
        std::fs::write(junit, crate::report::junit::render(&report))
            .with_context(|| format!("writing {}", junit.display()))?;
        outln!("report: {}", junit.display());
    }
    Ok(if report.all_passed() || opts.exit_zero {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// A check that cannot start: the message and the exit code.
struct Stop {
    code: u8,
    message: String,
}

impl Stop {
    fn unreachable(e: anyhow::Error) -> Self {
        Stop {
            code: exit::UNREACHABLE,
            message: format!("{e:#}: is the service running, and is the URL right?"),
        }
    }
}

/// Whether an error chain is a failure to reach a server (refused, timed out, no such host).
fn is_unreachable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<crate::fetch::FetchError>()
            || c.downcast_ref::<reqwest::Error>()
                .is_some_and(|r| r.is_connect() || r.is_timeout())
    })
}

/// One login before the run: the service must be reachable and its login URL must produce an
/// AuthnRequest, or nothing else can work; each failure gets its own exit code.
async fn preflight(target: &crate::conformance::Target) -> Result<(), Stop> {
    use crate::browser::{Browser, BrowserError};
    let url = target.login_start(2, "minimum", "redirect");
    let browser = Browser::new(target.timeout).map_err(|e| Stop {
        code: exit::BAD_INPUT,
        message: e.to_string(),
    })?;
    match browser.capture_request(&url).await {
        Ok(_) => Ok(()),
        Err(BrowserError::Http { source, url, method }) if source.is_connect() || source.is_timeout() => {
            Err(Stop {
                code: exit::UNREACHABLE,
                message: format!("the service cannot be reached: {method} {url}: {source}. Is it running, and is --login-url right?"),
            })
        }
        Err(BrowserError::NoSamlRequest { url, status }) => Err(Stop {
            code: exit::NO_AUTHN_REQUEST,
            message: format!(
                "--login-url produced no AuthnRequest: the path ended at {url} ({status}) without a redirect or form carrying SAMLRequest. Use the URL that starts a SPID login, with {{entity_id}}, {{level}}, {{comparison}} and {{binding}} where the service takes them"
            ),
        }),
        Err(e) => Err(Stop {
            code: exit::NO_AUTHN_REQUEST,
            message: format!("--login-url did not lead to a usable AuthnRequest: {e}"),
        }),
    }
}

/// A progress bar on stderr when it is a terminal (hidden otherwise: CI logs stay clean).
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases  {elapsed}  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// `check --metadata FILE --metadata-only`: the metadata checks of `profile` on a file or URL.
fn check_metadata_file(
    opts: &CheckOpts,
    profile: crate::conformance::metadata::Profile,
) -> anyhow::Result<u8> {
    let Some(source) = &opts.metadata else {
        bail!("--metadata-only needs --metadata FILE|URL");
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let xml = runtime.block_on(read_metadata(source, opts.fetch_timeout))?;
    let began = time::OffsetDateTime::now_utc();
    let clock = std::time::Instant::now();
    let entries = crate::conformance::metadata::run(&xml, profile, began, &opts.only)
        .with_context(|| format!("checking {source}"))?;
    let report = RunReport::new(
        "check",
        began,
        clock.elapsed().as_secs_f64() * 1000.0,
        entries,
    );
    out!("{}", check_table(&report));
    let written = write_all(&report, &opts.report_dir, "check")
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?;
    for path in written {
        outln!("report: {}", path.display());
    }
    if let Some(junit) = &opts.junit {
        std::fs::write(junit, crate::report::junit::render(&report))
            .with_context(|| format!("writing {}", junit.display()))?;
    }
    let failed_errors = report
        .entries
        .iter()
        .any(|e| !e.passed && e.severity != Some(crate::report::Severity::Warning));
    Ok(if !failed_errors || opts.exit_zero {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// The table printed at the end of a check: the entries not as expected (failed warnings
/// marked as such), then a count per family and the summary.
pub fn check_table(report: &RunReport) -> String {
    use crate::report::Severity;
    let mut out = String::new();
    let shown: Vec<_> = report.entries.iter().filter(|e| !e.passed).collect();
    if !shown.is_empty() {
        out.push_str(&format!(
            "{:<34} {:<9} {:<9} {:>8}  {}\n",
            "check / case", "expected", "got", "ms", "title"
        ));
    }
    for e in shown {
        let got = match (&e.verdict, &e.error) {
            (Some(v), _) if v.accepted => "accepted",
            (Some(_), _) => "refused",
            (None, _) => "error",
        };
        let flag = match (&e.error, e.severity) {
            (Some(err), _) => format!("  <-- ERROR: {err}"),
            (None, Some(Severity::Warning)) => "  <-- warning".to_string(),
            (None, _) => "  <-- NOT AS EXPECTED".to_string(),
        };
        out.push_str(&format!(
            "{:<34} {:<9} {:<9} {:>8.1}  {}{flag}\n",
            e.id, e.expected, got, e.millis, e.title
        ));
    }
    let mut families: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for e in &report.entries {
        let f = families
            .entry(e.family.as_deref().unwrap_or("other"))
            .or_default();
        f.0 += 1;
        f.1 += usize::from(e.passed);
    }
    let per_family: Vec<String> = families
        .iter()
        .map(|(name, (total, passed))| format!("{name} {passed}/{total}"))
        .collect();
    out.push_str(&format!(
        "\n{}\n{} of {} checks and cases as expected ({} not as expected, {} errors) in {:.0} ms\n",
        per_family.join(" · "),
        report.summary.passed,
        report.summary.total,
        report.summary.failed,
        report.summary.errors,
        report.duration_ms
    ));
    out
}

/// Options of `metadata`.
#[derive(Debug, Args)]
pub struct MetadataOpts {
    /// The mock provider whose metadata to print (`poste`, `aruba`…).
    #[arg(long, default_value = crate::conformance::reference::DEFAULT_IDP)]
    pub idp: String,
}

/// Runs `metadata`: prints a mock provider's signed metadata (endpoints on 127.0.0.1:7000, as
/// `spid-harness serve` runs by default).
pub fn metadata(opts: MetadataOpts) -> anyhow::Result<u8> {
    let state = crate::conformance::reference::mock_state()?;
    let Some(idp) = state.idp(&opts.idp) else {
        let known: Vec<_> = state.idps.iter().map(|i| i.provider.id.clone()).collect();
        bail!(
            "unknown provider {:?}; known: {}",
            opts.idp,
            known.join(", ")
        );
    };
    outln!("{}", idp.metadata);
    Ok(exit::OK)
}
