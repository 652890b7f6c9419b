//! `spid-harness demo`: [`crate::demo::run_demo`], its table, then [`crate::report::emit`].

use crate::demo::{run_demo, table, DemoConfig};
use crate::report::{emit, ReportOptions};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

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
pub fn exec(opts: DemoOpts) -> anyhow::Result<u8> {
    let faults = super::faults::parse(opts.faults.as_deref())?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = runtime.block_on(run_demo(DemoConfig {
        faults,
        seed: opts.seed,
    }))?;
    out!("{}", table(&report));
    let options = ReportOptions {
        dir: opts.report_dir,
        stem: "demo".into(),
        junit: None,
        exit_zero: false,
    };
    Ok(emit(&report, &options)?)
}
