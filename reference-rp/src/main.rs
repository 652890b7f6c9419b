//! `reference-rp`: serves the reference relying party on loopback against a running
//! `spid-harness serve` (its `--urls-json` file names the OPs).

use clap::Parser;
use reference_rp::keys::RpKeys;
use reference_rp::{Faults, ReferenceRp, RpConfig};
use std::process::ExitCode;
use std::sync::Arc;

/// Serve the reference OIDC relying party.
#[derive(Parser)]
struct Args {
    /// Where to listen (loopback).
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: std::net::SocketAddr,
    /// The `--urls-json` file of `spid-harness serve`.
    #[arg(long)]
    urls_json: std::path::PathBuf,
    /// Checks to switch off (comma separated; `--list-faults` lists them).
    #[arg(long, default_value = "")]
    faults: String,
    /// Print every fault switch and exit.
    #[arg(long)]
    list_faults: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.list_faults {
        for f in reference_rp::faults::ALL {
            println!("{:<26} {}", f.name, f.description);
        }
        return ExitCode::SUCCESS;
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reference-rp: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let faults = Faults::parse(&args.faults)?;
    let text = std::fs::read_to_string(&args.urls_json)
        .map_err(|e| format!("{}: {e}", args.urls_json.display()))?;
    let urls: mock_idps::FederationUrls = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: {e} (write it with spid-harness serve --urls-json)",
            args.urls_json.display()
        )
    })?;
    let config = RpConfig {
        client_id: format!("http://{}", args.bind),
        organization_name: "Servizio di riferimento OIDC".into(),
        faults,
        clock: Arc::new(mock_idps::SystemClock),
        offline_access: true,
    };
    let mut rp = ReferenceRp::new(
        config,
        RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp")?,
    )?;
    rp.discover(&reference_rp::op::entries_of(&urls)).await?;
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    eprintln!("reference-rp on http://{}", listener.local_addr()?);
    axum::serve(listener, reference_rp::server::router(Arc::new(rp))).await?;
    Ok(())
}
