//! `spid-harness run PATH...`: [`crate::scenario::run_paths`] loads scenario files (folders recursively, without the
//! `timeline/` data), runs them on the simulated clock, prints a table and writes the reports of
//! `check` (JSON, HTML, JUnit XML, Markdown).

use crate::report::emit;
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
    /// Reports (run.json, run.html, run.xml, run.md) and exit code.
    #[command(flatten)]
    pub report: super::report_args::ReportArgs,
}

/// Runs `run`.
pub fn exec(opts: RunOpts) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // A bad path or file is a `LoadFailure`: exit 2 with its causes (see `super::error`).
    let (results, report) = runtime.block_on(run_paths(&opts.paths))?;
    out!("{}", table(&results));
    outln!(
        "{} scenarios, {} steps: {} as expected, {} not, in {:.0} ms",
        results.len(),
        report.summary.total,
        report.summary.passed,
        report.summary.failed + report.summary.errors,
        report.duration_ms
    );
    let options = opts.report.options("run");
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
