//! The end of every command that produces a [`RunReport`] (`demo`, `check`, `run`): write the
//! renderings, the extra JUnit file if asked, name each file written, and give the exit code.

use super::{junit, write_all, RunReport};
use crate::exit;
use std::path::PathBuf;

/// Where and how to emit a report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The folder for `<stem>.{json,html,xml,md}`.
    pub dir: PathBuf,
    /// The file stem: the command's name.
    pub stem: String,
    /// Also write the JUnit XML to this file.
    pub junit: Option<PathBuf>,
    /// Exit [`exit::OK`] even when an expectation did not hold.
    pub exit_zero: bool,
}

/// Why the reports could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing reports to {}", path.display())]
pub struct EmitError {
    /// The folder or file being written.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Writes the reports, prints `report: PATH` for each file, and returns the exit code:
/// [`exit::OK`] when every expectation held (or `exit_zero`), [`exit::CHECK_FAILED`] otherwise.
pub fn emit(report: &RunReport, opts: &ReportOptions) -> Result<u8, EmitError> {
    let written = write_all(report, &opts.dir, &opts.stem).map_err(|source| EmitError {
        path: opts.dir.clone(),
        source,
    })?;
    for path in written {
        println!("report: {}", path.display());
    }
    if let Some(path) = &opts.junit {
        std::fs::write(path, junit::render(report)).map_err(|source| EmitError {
            path: path.clone(),
            source,
        })?;
        println!("report: {}", path.display());
    }
    Ok(if report.all_passed() || opts.exit_zero {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}
