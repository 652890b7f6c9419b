//! `spid-harness run PATH...`: loads scenario files (folders recursively, without the
//! `timeline/` data), runs them on the simulated clock, prints a table and writes the reports of
//! `check` (JSON, HTML, JUnit XML, Markdown).

use crate::exit;
use crate::report::{write_all, RunReport};
use crate::scenario::{self, Catalog, LoadFailure, Runner, ScenarioResult};
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

/// Loads and runs the scenarios under `paths`; the results and the report.
pub async fn run_paths(paths: &[PathBuf]) -> Result<(Vec<ScenarioResult>, RunReport), LoadFailure> {
    let began = time::OffsetDateTime::now_utc();
    let clock = std::time::Instant::now();
    let catalog = Catalog::embedded()?;
    let files = scenario::discover(paths)?;
    let scenarios = scenario::load_all(&files, &catalog)?;
    let results = Runner::new().run_all(&scenarios).await;
    let entries = scenario::report::entries(&results);
    let report = RunReport::new(
        "run",
        began,
        clock.elapsed().as_secs_f64() * 1000.0,
        entries,
    );
    Ok((results, report))
}

/// The command.
pub fn run(opts: RunOpts) -> anyhow::Result<u8> {
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
    let written = write_all(&report, &opts.report_dir, "run")
        .with_context(|| format!("writing reports to {}", opts.report_dir.display()))?;
    for path in written {
        outln!("report: {}", path.display());
    }
    if let Some(junit) = &opts.junit {
        std::fs::write(junit, crate::report::junit::render(&report))
            .with_context(|| format!("writing {}", junit.display()))?;
        outln!("report: {}", junit.display());
    }
    Ok(if report.all_passed() || opts.exit_zero {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
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
