//! The report options `check` and `run` share: where the reports go, an extra JUnit file, and
//! whether a failed expectation changes the exit code.

use crate::report::ReportOptions;
use clap::Args;
use std::path::PathBuf;

/// `--report-dir`, `--junit`, `--exit-zero`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Where to write <command>.json, .html, .xml (JUnit) and .md.
    #[arg(long = "report-dir", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Also write the JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Exit 0 even when a case or step is not as expected (report only).
    #[arg(long = "exit-zero")]
    pub exit_zero: bool,
}

impl ReportArgs {
    /// The options of [`crate::report::emit`] for reports named `stem`.
    pub fn options(self, stem: &str) -> ReportOptions {
        ReportOptions {
            dir: self.report_dir,
            stem: stem.into(),
            junit: self.junit,
            exit_zero: self.exit_zero,
        }
    }
}
