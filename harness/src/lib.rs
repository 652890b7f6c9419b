//! spid-harness: test a relying service's login path against mock SPID, CIE and CNS identity
//! providers, locally and in CI.
//!
//! The library is grouped by concern; the `spid-harness` binary is a thin layer over it
//! ([`cli`]: one file per command, each turning its options into one of the configurations
//! below and calling one function).
//!
//! - **Driving a login** ([`browser`], [`login`], [`cns_card`], [`cns_login`]): an HTTP user
//!   agent that follows a service's login path through a mock
//!   provider, and the CNS smart-card presentation over mutual TLS.
//! - **Judging it** ([`oracle`]): whether the service accepted the login.
//! - **The conformance suite** ([`conformance`]): metadata, AuthnRequest, Response, logout and
//!   CNS checks, run as one call by [`conformance::run_suite`].
//! - **Scenarios** ([`scenario`]): TOML files of steps on a simulated clock, run by
//!   [`scenario::run_paths`].
//! - **The demo** ([`demo`]); serving the mocks (`spid-harness serve`) is a library part of
//!   the binary.
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

/// Prints to stdout like `print!`; a closed stdout (`spid-harness faults | head`) ends the
/// process quietly with [`exit::BROKEN_PIPE`] instead of a panic.
macro_rules! out {
    ($($arg:tt)*) => { $crate::exit::write_stdout(format_args!($($arg)*)) };
}

/// Prints a line to stdout like `println!`, with the closed-pipe rule of `out!`.
macro_rules! outln {
    () => { $crate::exit::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::exit::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// The `spid-harness` command line: one file per command over one library call.
pub mod cli;
/// The SP conformance suite: metadata, AuthnRequest, Response, logout and CNS checks.
pub mod conformance;
/// `demo`: every provider, level and user anomaly through the reference SP, in-process.
pub mod demo;
mod driver;
/// Exit codes, each with a fixed meaning.
pub mod exit;
/// Outbound fetches with connect and total timeouts and a size cap.
pub mod fetch;
mod fixtures;
/// Load tests of the login path (`spid-harness load`): HDR histograms per hop, thresholds,
/// baseline, reports and exact merges.
pub mod load;
/// Whether the service accepted a login.
pub mod oracle;
/// Property-based testing: a model of acceptance, generated combinations, shrinking, and
/// `proptest` strategies for services tested in-process.
pub mod property;
/// One report model, rendered as JSON, HTML, JUnit and Markdown.
pub mod report;
/// Scenario files on the simulated clock.
pub mod scenario;
/// `serve`'s library part: the mock providers and the reference SP on loopback (the browser tests
/// start the same world).
pub mod serve;
/// Reading a file or an http(s) URL given on the command line.
pub mod source;

// The public interface is:
/// Driving a login path as a browser would.
pub use driver::browser;
/// A CNS smart card with its PIN.
pub use driver::cns_card;
/// Presenting a CNS card to a service over mutual TLS.
pub use driver::cns_login;
/// One SPID login through a mock provider, judged by the oracle.
pub use driver::login;
pub use report::{emit, ReportOptions, RunReport};
