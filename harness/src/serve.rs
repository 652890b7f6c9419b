//! `spid-harness serve`: every mock SPID provider on loopback, with the service providers given
//! on the command line already registered, until Ctrl-C.

use crate::exit;
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use mock_idps::federation::{FederationConfig, FederationUrls, MockFederation};
use mock_idps::fixtures::FixtureSource;
use mock_idps::spid::config::{EntityIds, IdpConfig};
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
}

/// What `--urls-json` writes.
#[derive(Debug, serde::Serialize)]
pub struct ServeUrls {
    /// The mock providers.
    #[serde(flatten)]
    pub mocks: FederationUrls,
    /// The reference SP, when running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_sp: Option<reference_sp::SpUrls>,
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
    if !opts.bind.ip().is_loopback() {
        bail!(
            "--bind {} is not a loopback address: the mocks only listen on 127.0.0.0/8 or [::1]",
            opts.bind
        );
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let mut sp_metadata = Vec::new();
        for source in &opts.sp_metadata {
            sp_metadata.push(load_text(source, opts.fetch_timeout).await?);
        }
        let config = FederationConfig {
            bind: opts.bind,
            fixtures: opts
                .fixtures
                .clone()
                .map(FixtureSource::Dir)
                .unwrap_or(FixtureSource::Embedded),
            idp: IdpConfig {
                entity_ids: match opts.entity_ids {
                    EntityIdsArg::Local => EntityIds::Local,
                    EntityIdsArg::Real => EntityIds::Real,
                },
                ..IdpConfig::default()
            },
            clock: None,
            seed: opts.seed,
            sp_metadata,
            pin_store: mock_idps::federation::PinStoreChoice::File(opts.pin_store.clone()),
            cns_bind: SocketAddr::new(opts.bind.ip(), 0),
        };
        let fed = MockFederation::start_with(config)
            .await
            .map_err(|e| match e {
                mock_idps::federation::FederationError::SpMetadata { index, source } => {
                    anyhow::anyhow!("{}: {source}", opts.sp_metadata[index])
                }
                e => anyhow::Error::new(e),
            })?;
        let mocks = fed.urls();
        print_urls(&mocks);
        let sp = match opts.with_reference_sp {
            false => None,
            true => {
                let faults = crate::commands::parse_faults(opts.faults.as_deref())?;
                let port = if opts.bind.port() == 0 {
                    0
                } else {
                    opts.bind.port().saturating_add(1)
                };
                let sp = reference_sp::ReferenceSp::start(reference_sp::SpConfig {
                    bind: SocketAddr::new(opts.bind.ip(), port),
                    idp_metadata: vec![fed.state().registry_xml.clone()],
                    // "Entra con CIE": trust the CIE ID providers too.
                    cie_idp_metadata: fed
                        .state()
                        .cie_idps
                        .iter()
                        .map(|i| i.metadata.clone())
                        .collect(),
                    faults,
                    cns: match fed.cns() {
                        Some(cns) => Some(reference_sp::cns::CnsSpConfig::test_pki(
                            cns.crls().values().map(|c| c.as_ref().clone()).collect(),
                        )?),
                        None => None,
                    },
                    // "Entra con PIN" against the PIN backend mounted beside the providers.
                    pin_backend: Some(fed.urls().pin.clone()),
                    ..reference_sp::SpConfig::default()
                })
                .await
                .map_err(|e| anyhow::anyhow!("starting the reference SP: {e}"))?;
                fed.register_sp_metadata(sp.metadata_xml())?;
                let u = sp.urls();
                say!(
                    "reference SP {}  (metadata {}, protected page {})",
                    u.base,
                    u.metadata,
                    u.me
                );
                Some(sp)
            }
        };
        let urls = ServeUrls {
            mocks,
            reference_sp: sp.as_ref().map(|s| s.urls()),
        };
        if let Some(path) = &opts.urls_json {
            let json = serde_json::to_string_pretty(&urls)?;
            std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
            say!("URLs written to {}", path.display());
        }
        say!("Ready. Press Ctrl-C to stop.");
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        fed.shutdown().await;
        Ok(exit::OK)
    })
}

/// Reads a file, or fetches an http(s) URL within `timeout_secs` (at most 4 MiB).
pub async fn load_text(source: &str, timeout_secs: u64) -> anyhow::Result<String> {
    if crate::fetch::is_url(source) {
        let fetcher = crate::fetch::Fetcher::with_total_timeout(std::time::Duration::from_secs(
            timeout_secs.max(1),
        ));
        Ok(fetcher
            .fetch_text(source)
            .await
            .with_context(|| format!("fetching the SP metadata at {source}"))?)
    } else {
        std::fs::read_to_string(source).with_context(|| format!("reading {source}"))
    }
}

fn print_urls(urls: &FederationUrls) {
    say!("spid-harness mock SPID providers on {}", urls.base);
    if let Some(cns) = &urls.cns {
        say!(
            "  CNS       {}  (mutual TLS; CRLs under {}/cns/crl/)",
            cns.whoami,
            urls.base
        );
    }
    say!("  index     {}", urls.index);
    say!("  registry  {}", urls.registry);
    say!("  admin     {}", urls.admin);
    say!(
        "  PIN       {}/login  (JSON API {}/api)",
        urls.pin,
        urls.pin
    );
    for (id, p) in &urls.providers {
        say!(
            "  {id:<11} L{} metadata {}  sso {}",
            p.max_level,
            p.metadata,
            p.sso
        );
    }
}
