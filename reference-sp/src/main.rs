//! `reference-sp`: runs the reference SPID relying service on loopback.
//!
//! `reference-sp --idp-metadata registry.xml [--faults audience,replay] [--profile private]`

use clap::Parser;
use reference_sp::faults::{Faults, ALL};
use reference_sp::{MetadataProfile, ReferenceSp, SpConfig};
use std::process::ExitCode;

/// A SPID relying service with switchable checks, for testing the test suite.
#[derive(Debug, Parser)]
#[command(name = "reference-sp", version)]
struct Cli {
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:8480")]
    bind: std::net::SocketAddr,
    /// IdP metadata files (EntityDescriptor or EntitiesDescriptor); repeatable.
    #[arg(long = "idp-metadata", required_unless_present = "list_faults")]
    idp_metadata: Vec<std::path::PathBuf>,
    /// Checks to switch off, comma-separated (see --list-faults).
    #[arg(long, default_value = "")]
    faults: String,
    /// Metadata profile: public or private.
    #[arg(long, default_value = "public")]
    profile: String,
    /// Allowed clock skew in seconds.
    #[arg(long, default_value_t = 120)]
    skew_seconds: i64,
    /// Print every fault switch and exit.
    #[arg(long)]
    list_faults: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    // RUST_LOG selects what is logged (default: info, so every refusal shows with its check).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reference-sp: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    if cli.list_faults {
        for f in ALL {
            println!("{:<24} {}", f.name, f.description);
        }
        return Ok(());
    }
    let mut idp_metadata = Vec::new();
    for path in &cli.idp_metadata {
        idp_metadata
            .push(std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    let profile = match cli.profile.as_str() {
        "public" => MetadataProfile::Public,
        "private" => MetadataProfile::Private,
        other => return Err(format!("--profile {other:?}: use public or private").into()),
    };
    let sp = ReferenceSp::start(SpConfig {
        bind: cli.bind,
        idp_metadata,
        faults: Faults::parse(&cli.faults)?,
        skew: time::Duration::seconds(cli.skew_seconds),
        profile,
        ..SpConfig::default()
    })
    .await?;
    let urls = sp.urls();
    println!("reference SP on {} (metadata {})", urls.base, urls.metadata);
    tokio::signal::ctrl_c().await?;
    sp.shutdown().await;
    Ok(())
}
