//! `spid-harness load` and `spid-harness report merge`: the options (declared in
//! [`crate::load::request`]), one call, what it wrote and the exit code.

use crate::exit;
use crate::load::request::{self, Finished};
use clap::Args;
use std::path::PathBuf;

/// Options of `load`.
pub type LoadOpts = request::LoadArgs;

/// Options of `report merge`.
#[derive(Debug, Args)]
pub struct MergeOpts {
    /// The shards' load.json files.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Where to write the merged load.json, load.html, load.md.
    #[arg(long = "report-dir", default_value = "reports/merged")]
    pub report_dir: PathBuf,
}

fn finish(finished: Finished) -> u8 {
    match finished {
        Finished::Locustfile(file) => {
            outln!("Locust file: {}", file.display());
            exit::OK
        }
        Finished::Report { report, written } => {
            out!("{}", crate::load::render::summary(&report));
            for p in written {
                outln!("report: {}", p.display());
            }
            if report.passed() {
                exit::OK
            } else {
                exit::CHECK_FAILED
            }
        }
    }
}

/// Runs `load`.
pub fn exec(opts: LoadOpts) -> anyhow::Result<u8> {
    use std::io::IsTerminal;
    for note in request::notes(&opts) {
        eprintln!("note: {note}");
    }
    Ok(finish(request::execute(
        &opts,
        std::io::stderr().is_terminal(),
    )?))
}

/// Runs `report merge`.
pub fn merge(opts: MergeOpts) -> anyhow::Result<u8> {
    Ok(finish(request::merge(&opts.shards, &opts.report_dir)?))
}
