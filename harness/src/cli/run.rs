//! `spid-harness run PATH...`: [`crate::scenario::run_paths`] loads scenario files (folders recursively, without the
//! `timeline/` data), runs them on the simulated clock, prints a table and writes the reports of
//! `check` (JSON, HTML, JUnit XML, Markdown).

use crate::exit;
use crate::report::{emit, ReportOptions};
use crate::scenario::{run_paths, ScenarioResult};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Options of `spid-harness run`.
#[derive(Debug, Clone, Args)]
pub struct RunOpts {
    /// Scenario files or folders (searched recursively for `*.toml`, skipping `timeline/`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where to write run.{json,html,xml,md}.
    #[arg(long = "report-dir", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Also write the JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Exit 0 even when a step is not as expected (report only).
    #[arg(long = "exit-zero")]
    pub exit_zero: bool,
}

/// Runs `run`.
pub fn exec(opts: RunOpts) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let (results, report) = match runtime.block_on(run_paths(&opts.paths)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return Ok(exit::BAD_INPUT);
        }
    };
    out!("{}", table(&results));
    outln!(
        "{} scenarios, {} steps: {} as expected, {} not, in {:.0} ms",
        results.len(),
        report.summary.total,
        report.summary.passed,
        report.summary.failed + report.summary.errors,
        report.duration_ms
    );
    let options = ReportOptions {
        dir: opts.report_dir,
        stem: "run".into(),
        junit: opts.junit,
        exit_zero: opts.exit_zero,
    };
    Ok(emit(&report, &options)?)
}

/// One line per scenario, and one per step not as expected.
pub fn table(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    for r in results {
        let passed = r.steps.iter().filter(|s| s.passed).count();
        out.push_str(&format!(
            "{:4} {} ({passed}/{} steps) {}\n",
            if r.passed() { "ok" } else { "FAIL" },
            r.path.display(),
            r.steps.len(),
            r.title
        ));
        if let Some(e) = &r.error {
            out.push_str(&format!("       could not run: {e}\n"));
        }
        for s in r.steps.iter().filter(|s| !s.passed) {
            out.push_str(&format!(
                "       line {} step {} {}: expected {}, got {} (at {})\n",
                s.line, s.number, s.kind, s.expected, s.actual, s.at
            ));
        }
    }
    out
}
