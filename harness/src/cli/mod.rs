//! Command-line commands: each parses its options, builds a library configuration and calls one
//! library function.

mod check;
mod check_oidc;
mod check_service;
mod demo;
mod error;
mod faults;
mod fixtures;
mod load;
mod login;
mod metadata;
mod oidc_args;
mod report_args;
mod run;
mod serve;

use crate::exit;
use clap::{Parser, Subcommand};
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
    Demo(demo::DemoOpts),
    /// Serve every mock SPID identity provider on loopback until Ctrl-C.
    Serve(serve::ServeOpts),
    /// One login against any service, through the mocks of a running `serve`; prints the hops and
    /// the verdict.
    Login(login::LoginOpts),
    /// List the reference SP's checks that `--faults` can switch off.
    Faults,
    /// Run the Response conformance cases against the reference SP (`--against-reference`) or
    /// any service; prints a table, writes reports, exits 1 when a case is not as expected.
    Check(Box<check::CheckOpts>),
    /// Run scenario files or folders on the simulated clock; writes the reports of `check`,
    /// exits 1 when a step is not as expected, 2 on a bad file.
    Run(run::RunOpts),
    /// Print a mock provider's signed metadata, for the service under test to trust.
    Metadata(metadata::MetadataOpts),
    /// Load-test a login path (the reference SP or any service) through the mocks in auto-login
    /// mode: HDR histograms per hop, thresholds, baseline; exits 1 when a threshold breaks.
    Load(Box<load::LoadOpts>),
    /// Work on reports.
    Report {
        /// What to do.
        #[command(subcommand)]
        action: ReportAction,
    },
    /// Manage the fixture keys, certificates and identities.
    Fixtures {
        /// What to do with the fixtures.
        #[command(subcommand)]
        action: fixtures::FixturesAction,
    },
}

/// `spid-harness report …`
#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// Merge the load.json of shards run at once into one report (histograms added exactly).
    Merge(load::MergeOpts),
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
            let (code, hint) = error::classify(&err);
            eprint!("{}", error::render(&err, hint));
            exit::code(code)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Demo(opts) => demo::exec(opts),
        Command::Serve(opts) => serve::exec(opts),
        Command::Login(opts) => login::exec(opts),
        Command::Faults => faults::exec(),
        Command::Check(opts) => check::exec(*opts),
        Command::Metadata(opts) => metadata::exec(opts),
        Command::Run(opts) => run::exec(opts),
        Command::Fixtures { action } => fixtures::exec(action),
        Command::Load(opts) => load::exec(*opts),
        Command::Report {
            action: ReportAction::Merge(opts),
        } => load::merge(opts),
    }
}
