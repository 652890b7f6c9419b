//! Scenarios: TOML files that walk people through the PIN switch-off on a simulated clock, each
//! step with its expected outcome and the rule ids it covers.
//!
//! [`format`] is the file as written (with spans), [`load`] checks it and resolves actors and
//! names (errors with file, line, column and a suggestion), [`step`] is the loaded model,
//! `steps/` holds one file per step kind (its keys, how it is read and how it runs),
//! [`runner`] runs it against the PIN backend and, for SPID logins, the mock providers through the
//! reference service, [`coverage`] tells which rules the steps cover, [`report`] turns results
//! into report entries. [`load_phase`] is the `load` step (a login load test).

pub mod coverage;
pub mod format;
pub mod load;
pub mod load_phase;
pub mod report;
pub mod rules;
pub mod runner;
mod service;
mod spid;
pub mod step;
mod steps;
pub mod suggest;

pub use load::{discover, load_all, Catalog, LoadError, LoadFailure};
pub use runner::{Runner, ScenarioResult, StepResult};
pub use step::Scenario;

/// Loads the scenarios under `paths` (folders recursively, without `timeline/`), runs them on
/// the simulated clock; the results and the report of command `run`.
pub async fn run_paths(
    paths: &[std::path::PathBuf],
) -> Result<(Vec<ScenarioResult>, crate::report::RunReport), LoadFailure> {
    let began = time::OffsetDateTime::now_utc();
    let clock = std::time::Instant::now();
    let catalog = Catalog::embedded()?;
    let files = discover(paths)?;
    let scenarios = load_all(&files, &catalog)?;
    let results = Runner::new().run_all(&scenarios).await;
    let entries = report::entries(&results);
    let wall = clock.elapsed().as_secs_f64() * 1000.0;
    let report = crate::report::RunReport::new("run", began, wall, entries);
    Ok((results, report))
}
