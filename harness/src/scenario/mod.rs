//! Scenarios: TOML files that walk people through the PIN switch-off on a simulated clock, each
//! step with its expected outcome and the rule ids it covers.
//!
//! [`format`] is the file as written (with spans), [`load`] checks it and resolves actors and
//! names (errors with file, line, column and a suggestion), [`step`] is the loaded model,
//! [`runner`] runs it against the PIN backend and, for SPID logins, the mock providers through the
//! reference service, [`coverage`] tells which rules the steps cover, [`report`] turns results
//! into report entries.

pub mod coverage;
pub mod format;
pub mod load;
pub mod report;
pub mod rules;
pub mod runner;
pub mod service;
pub mod spid;
pub mod step;
pub mod suggest;

pub use load::{discover, load_all, Catalog, LoadError, LoadFailure};
pub use runner::{Runner, ScenarioResult, StepResult};
pub use step::Scenario;
