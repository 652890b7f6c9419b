//! `reference-rp`: serves the reference relying party on loopback against a running
//! `spid-harness serve` (its `--urls-json` file names the OPs and the federation), on-boarded
//! to the local federation ([`reference_rp::app`]).

use clap::Parser;
use reference_rp::app::AppConfig;
use reference_rp::Faults;
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
    /// The mocks' admin token (`spid-harness serve --admin-token`), sent when on-boarding.
    #[arg(long, env = "SPID_HARNESS_ADMIN_TOKEN")]
    admin_token: Option<String>,
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
        println!("\nsending switches (the RP sends a broken request or entity configuration):");
        for f in reference_rp::sending::ALL {
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
    let running = reference_rp::app::start(AppConfig {
        bind: args.bind,
        urls,
        faults,
        admin_token: args.admin_token.filter(|t| !t.is_empty()),
        clock: Arc::new(mock_idps::SystemClock),
    })
    .await?;
    eprintln!("reference-rp on {}", running.base_url());
    for w in &running.warnings {
        eprintln!("on-boarding warning: {w}");
    }
    for m in &running.trust_marks {
        eprintln!("trust mark issued: {}", m.trust_mark_type);
    }
    running.wait().await?;
    Ok(())
}
