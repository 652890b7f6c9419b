//! Command-line commands: each parses its options, builds a library configuration and calls one
//! library function.

use crate::exit;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Test your SPID login path against mock identity providers, locally and in CI.
#[derive(Debug, Parser)]
#[command(name = "spid-harness", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole product in one command: mock providers and the reference SP in-process, a login
    /// through every provider at every level and every user anomaly, a table and reports.
    Demo(crate::commands::DemoOpts),
    /// Serve every mock SPID identity provider on loopback until Ctrl-C.
    Serve(crate::serve::ServeOpts),
    /// One login against any service, through the mocks of a running `serve`; prints the hops and
    /// the verdict.
    Login(crate::commands::LoginOpts),
    /// List the reference SP's checks that `--faults` can switch off.
    Faults,
    /// Run the Response conformance cases against the reference SP (`--against-reference`) or
    /// any service; prints a table, writes reports, exits 1 when a case is not as expected.
    Check(crate::commands::CheckOpts),
    /// Run scenario files or folders on the simulated clock; writes the reports of `check`,
    /// exits 1 when a step is not as expected, 2 on a bad file.
    Run(crate::run_cmd::RunOpts),
    /// Print a mock provider's signed metadata, for the service under test to trust.
    Metadata(crate::commands::MetadataOpts),
    /// Manage the fixture keys, certificates and identities.
    Fixtures {
        /// What to do with the fixtures.
        #[command(subcommand)]
        action: FixturesAction,
    },
}

/// `spid-harness fixtures …`
#[derive(Debug, Subcommand)]
pub enum FixturesAction {
    /// Make new RSA-2048 keys and certificates for every provider (valid 2025-2050).
    Regenerate {
        /// The fixtures folder to write into.
        #[arg(long, default_value = "fixtures")]
        dir: PathBuf,
        /// Only make the CIE ID and CNS gateway key pairs that are missing; keep every existing key.
        #[arg(long)]
        only_missing: bool,
    },
    /// Make the CNS test PKI (CAs, server certificate, a card of every variant for every holder
    /// of `cns/pki.toml`) under `<dir>/cns/`.
    CnsPki {
        /// The fixtures folder to write into.
        #[arg(long, default_value = "fixtures")]
        dir: PathBuf,
    },
    /// Mint one CNS card certificate and key, signed by the variant's test CA.
    Cns(crate::cns_commands::MintOpts),
}

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match dispatch(cli) {
        Ok(code) => exit::code(code),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            // A document that could not be fetched: the other server is unreachable (exit 3).
            if err.chain().any(|c| c.is::<crate::fetch::FetchError>()) {
                return exit::code(exit::UNREACHABLE);
            }
            exit::code(exit::BAD_INPUT)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Demo(opts) => crate::commands::demo(opts),
        Command::Serve(opts) => crate::serve::exec(opts),
        Command::Login(opts) => crate::commands::login(opts),
        Command::Faults => crate::commands::faults(),
        Command::Check(opts) => crate::commands::check(opts),
        Command::Metadata(opts) => crate::commands::metadata(opts),
        Command::Run(opts) => crate::run_cmd::run(opts),
        Command::Fixtures {
            action: FixturesAction::CnsPki { dir },
        } => crate::cns_commands::regenerate_pki(&dir),
        Command::Fixtures {
            action: FixturesAction::Cns(opts),
        } => crate::cns_commands::mint(opts),
        Command::Fixtures {
            action: FixturesAction::Regenerate { dir, only_missing },
        } => {
            let text = std::fs::read_to_string(dir.join("providers.toml"))
                .with_context(|| format!("reading {}", dir.join("providers.toml").display()))?;
            let providers = mock_idps::spid::provider::parse_providers(&text, "providers.toml")?;
            let mut written = if only_missing {
                Vec::new()
            } else {
                mock_idps::fixtures::generate::regenerate_provider_keys(&dir, &providers)?
            };
            let cie_path = dir.join("cie.toml");
            if cie_path.exists() {
                let text = std::fs::read_to_string(&cie_path)
                    .with_context(|| format!("reading {}", cie_path.display()))?;
                let cie = mock_idps::spid::provider::parse_providers(&text, "cie.toml")?;
                written.extend(mock_idps::fixtures::generate::generate_cie_keys(
                    &dir,
                    &cie,
                    only_missing,
                )?);
            }
            if dir.join("cns").exists() {
                written.extend(mock_idps::fixtures::generate::generate_cns_gateway_key(
                    &dir,
                    only_missing,
                )?);
            }
            outln!(
                "wrote {} key pairs under {}: {}",
                written.len(),
                dir.join("keys").display(),
                written.join(", ")
            );
            Ok(exit::OK)
        }
    }
}
