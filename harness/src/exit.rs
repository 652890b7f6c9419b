//! Exit codes of `spid-harness`, each with a fixed meaning that CI scripts can rely on.

use std::process::ExitCode;

/// Everything passed (or the command did its job).
pub const OK: u8 = 0;
/// A check failed: the service accepted what it must refuse, or a demo expectation did not hold.
pub const CHECK_FAILED: u8 = 1;
/// Bad input: a file, flag or value the user must fix.
pub const BAD_INPUT: u8 = 2;
/// The service under test could not be reached.
pub const UNREACHABLE: u8 = 3;
/// The service's login URL answered, but no AuthnRequest came out of it.
pub const NO_AUTHN_REQUEST: u8 = 4;

/// stdout was closed by the reader (`spid-harness faults | head`): 128 + SIGPIPE, the status a
/// shell reports for a process a closed pipe ended.
pub const BROKEN_PIPE: u8 = 141;

/// Writes to stdout; a closed pipe ends the process quietly with [`BROKEN_PIPE`], any other
/// write error with a message and [`CHECK_FAILED`] (the output the caller wanted is incomplete).
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(BROKEN_PIPE));
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(i32::from(CHECK_FAILED));
    }
}

/// The process exit code for one of the constants above.
pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
