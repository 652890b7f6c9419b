//! `spid-harness serve`: [`crate::serve::start`], the URLs printed (and written with
//! `--urls-json`), until Ctrl-C.

use crate::exit;
use crate::serve::{start, ServeConfig};
use anyhow::Context;
use clap::{Args, ValueEnum};
use mock_idps::spid::config::EntityIds;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Prints a line to stdout, ignoring a closed pipe (`serve | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeOpts {
    /// Address to listen on; port 0 picks a free port. Only loopback addresses are allowed.
    #[arg(long, default_value = "127.0.0.1:7000")]
    pub bind: SocketAddr,
    /// SP metadata to register at start: a file path or an http(s) URL (repeatable).
    #[arg(long = "sp-metadata", value_name = "FILE_OR_URL")]
    pub sp_metadata: Vec<String>,
    /// Total time allowed to fetch each --sp-metadata URL, in seconds (connect within 5 s; at
    /// most 4 MiB); past it, exit code 3.
    #[arg(long = "fetch-timeout", value_name = "SECS", default_value_t = 20)]
    pub fetch_timeout: u64,
    /// Which entityIDs the providers present: loopback URLs, or the real production ones.
    #[arg(long = "entity-ids", value_enum, default_value_t = EntityIdsArg::Local)]
    pub entity_ids: EntityIdsArg,
    /// Write every URL (providers by id, registry, admin) as JSON to this file.
    #[arg(long = "urls-json", value_name = "FILE")]
    pub urls_json: Option<PathBuf>,
    /// Use this fixtures folder instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Seed for IDs, NameIDs and OTPs, for reproducible runs.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The journal file of the legacy PIN backend (served under /pin); every acknowledged change
    /// survives a restart, even after a kill.
    #[arg(
        long = "pin-store",
        value_name = "FILE",
        default_value = "reports/pin-store.jsonl"
    )]
    pub pin_store: PathBuf,
    /// Also run the reference SP (on the next port), trusting every mock provider, for a person
    /// to click through in a browser.
    #[arg(long = "with-reference-sp")]
    pub with_reference_sp: bool,
    /// Reference-SP checks to switch off (with --with-reference-sp; `spid-harness faults`).
    #[arg(long, requires = "with_reference_sp")]
    pub faults: Option<String>,
    /// Answer every AuthnRequest at once with the signed Response for this user, level and
    /// outcome, keeping nothing per login (so replicas are interchangeable):
    /// `USER[@LEVEL][:OUTCOME][*WEIGHT][+USER…][,provider=ID…]`, e.g. `mario.rossi@2` or
    /// `mario.rossi@2*9+mario.rossi:consent-denied*1,provider=poste`. Repeatable (per provider).
    #[arg(long = "auto-login", value_name = "SPEC")]
    pub auto_login: Vec<mock_idps::spid::script::AutoLogin>,
    /// `--admin-token`.
    #[command(flatten)]
    pub admin: crate::serve::AdminTokenArg,
    /// On-board this OpenID relying party in the local federation (below the trust anchor, with
    /// a trust mark): its entity configuration is fetched from
    /// `ENTITY_ID/.well-known/openid-federation` (2 s connect, 5 s in all). Repeatable; the
    /// trust marks to publish are printed, and `GET /admin/oidc/rps` lists them.
    #[arg(long = "oidc-rp", value_name = "ENTITY_ID")]
    pub oidc_rp: Vec<String>,
    /// The base URL browsers and services reach the providers at when it is not the bound
    /// address (a reverse proxy, a port-forward), e.g. https://idp.example.test:8443: metadata,
    /// registry, index and --urls-json use it; the server still listens on --bind.
    #[arg(long = "public-url", value_name = "URL")]
    pub public_url: Option<String>,
}

/// `--entity-ids`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EntityIdsArg {
    /// `http://127.0.0.1:PORT/idp/{id}`.
    Local,
    /// The real production entityIDs (endpoints stay on loopback).
    Real,
}

/// Runs `serve`.
pub fn exec(opts: ServeOpts) -> anyhow::Result<u8> {
    crate::source::set_fetch_timeout(opts.fetch_timeout);
    let config = ServeConfig {
        bind: opts.bind,
        sp_metadata: opts.sp_metadata,
        entity_ids: match opts.entity_ids {
            EntityIdsArg::Local => EntityIds::Local,
            EntityIdsArg::Real => EntityIds::Real,
        },
        fixtures: opts.fixtures,
        seed: opts.seed,
        pin_store: opts.pin_store,
        reference_sp: match opts.with_reference_sp {
            true => Some(super::faults::parse(opts.faults.as_deref())?),
            false => None,
        },
        auto_login: opts.auto_login,
        admin_token: opts.admin.token(),
        oidc_rps: opts.oidc_rp,
        public_url: opts.public_url,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let served = start(config).await?;
        say!("{}", served.banner());
        if let Some(path) = &opts.urls_json {
            let json = serde_json::to_string_pretty(&served.urls())?;
            std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
            say!("URLs written to {}", path.display());
        }
        say!("Ready. Press Ctrl-C to stop.");
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        served.shutdown().await;
        Ok(exit::OK)
    })
}
