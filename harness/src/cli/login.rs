//! `spid-harness login`: [`crate::driver::remote::login_via_serve`], then the hops and the
//! verdict.

use crate::browser::Hop;
use crate::driver::remote::{login_via_serve, RemoteLogin, RemoteLoginError};
use crate::exit;
use crate::oracle::OracleConfig;
use crate::report::RunReport;
use anyhow::Context;
use clap::Args;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use std::time::Duration;

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
    /// `--admin-token`.
    #[command(flatten)]
    pub admin: crate::serve::AdminTokenArg,
}

/// Runs `login`: one login against any service, using a running `spid-harness serve`.
pub fn exec(opts: LoginOpts) -> anyhow::Result<u8> {
    let config = RemoteLogin {
        sp_login_url: opts.sp_login_url,
        provider: opts.provider,
        level: opts.level,
        user: opts.user,
        outcome: opts.outcome,
        mocks: opts.mocks,
        oracle: OracleConfig {
            probe_url: opts.probe_url,
            final_status: opts.final_status,
            final_url: opts.final_url,
            cookie: opts.cookie,
            body: opts.body,
        },
        timeout: Duration::from_secs(opts.timeout),
        admin_token: opts.admin.token(),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let began = time::OffsetDateTime::now_utc();
    let entry = match runtime.block_on(login_via_serve(&config)) {
        Ok(entry) => entry,
        Err(e @ RemoteLoginError::Unreachable { .. }) => {
            eprintln!("error: {e}");
            return Ok(exit::UNREACHABLE);
        }
        Err(e) => return Err(e.into()),
    };
    print_trace(&entry.hops);
    if let Some(err) = &entry.error {
        eprintln!("error: {err}");
        return Ok(exit::UNREACHABLE);
    }
    if let Some(v) = &entry.verdict {
        let verdict = if v.accepted { "ACCEPTED" } else { "REFUSED" };
        outln!("verdict: {verdict} (rule: {}): {}", v.rule, v.reason);
        for e in &v.evidence {
            outln!("  - {e}");
        }
    }
    let report = RunReport::new("login", began, entry.millis, vec![entry]);
    let passed = report.all_passed();
    let judged = if passed {
        "as expected"
    } else {
        "NOT as expected"
    };
    outln!("expected {}: {judged}", report.entries[0].expected);
    Ok(if passed { exit::OK } else { exit::CHECK_FAILED })
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
