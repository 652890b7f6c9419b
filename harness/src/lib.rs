//! spid-harness: test a relying service's login path against mock SPID identity providers.
//!
//! [`browser`] drives a login path as a browser would, [`oracle`] decides whether the service
//! accepted it, [`report`] renders results; the binary's commands live in [`cli`], exit codes in
//! [`exit`].

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

pub mod browser;
pub mod cli;
pub mod cns_card;
pub mod cns_commands;
pub mod cns_login;
pub mod commands;
pub mod conformance;
pub mod demo;
pub mod exit;
pub mod fetch;
pub mod login;
pub mod oracle;
pub mod report;
pub mod run_cmd;
pub mod scenario;
pub mod serve;
