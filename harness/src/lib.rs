//! spid-harness: test a relying service's login path against mock SPID, CIE and CNS identity
//! providers, locally and in CI.
//!
//! The library is grouped by concern; the `spid-harness` binary is a thin layer over it
//! ([`cli`]: one file per command, each turning its options into one of the configurations
//! below and calling one function).
//!
//! - **Driving a login** ([`driver`], re-exported as [`browser`], [`login`], [`cns_card`],
//!   [`cns_login`]): an HTTP user agent that follows a service's login path through a mock
//!   provider, and the CNS smart-card presentation over mutual TLS.
//! - **Judging it** ([`oracle`]): whether the service accepted the login.
//! - **The conformance suite** ([`conformance`]): metadata, AuthnRequest, Response, logout and
//!   CNS checks, run as one call by [`conformance::run_suite`].
//! - **Scenarios** ([`scenario`]): TOML files of steps on a simulated clock, run by
//!   [`scenario::run_paths`].
//! - **The demo** ([`demo`]) and **serving the mocks** ([`serve`]).
//! - **Reports** ([`report`]): one [`RunReport`] model, written as JSON, HTML, JUnit and
//!   Markdown by [`report::emit`], which also gives the exit code ([`exit`]).
//!
//! # Example
//!
//! Response case `1` (a valid Response) against the embedded strict reference SP:
//!
//! ```
//! use harness::conformance::{run_suite, Service, SuiteConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SuiteConfig {
//!     service: Service::Reference { faults: Default::default() },
//!     profile: "spid-sp-public".parse()?,
//!     only: vec!["1".to_string()],
//!     jobs: 1,
//!     progress: false,
//! };
//! let run = tokio::runtime::Runtime::new()?.block_on(run_suite(&config))?;
//! assert_eq!(run.report.entries.len(), 1);
//! assert!(run.report.all_passed());
//! # Ok(())
//! # }
//! ```

pub mod cli;
pub mod conformance;
pub mod demo;
pub mod driver;
pub mod exit;
pub mod fixtures;
pub mod oracle;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod source;

pub use driver::{browser, cns_card, cns_login, login};
pub use report::{emit, ReportOptions, RunReport};
