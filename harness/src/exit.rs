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

/// The process exit code for one of the constants above.
pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
