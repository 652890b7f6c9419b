#![allow(missing_docs)]
//! Integration tests of the harness.
//!
//! - `oracle`: the oracle against service providers that answer refusals with 200 and logins
//!   with a redirect
//! - `demo`: `spid-harness demo` in-process and as the binary (the driver end to end through
//!   the mock providers and the reference SP)
//! - `cns`: the CNS check family on the reference SP and its `cns-*` mutants, CNS login with a
//!   PIN-protected card, CRL rotation
//! - `load`: `spid-harness load` against the reference SP and its slow mutant, thresholds,
//!   baseline, merges, report snapshots
//! - `oidc_conformance`: `check --oidc` validated on the reference RP and its mutants
//! - `oidc_requests`: the `oidc-request` family and the entity-configuration checks on the
//!   reference RP's sending mutants
//! - `oidc_outside`: `check --oidc` against an RP reached only through its URLs (the reference
//!   RP started as someone else's would be), the trust-anchor handover, the bad inputs

#[cfg(feature = "browser")]
mod browser;
mod check_cli;
mod cns;
mod conformance;
mod demo;
mod fake_sp;
mod hardening;
mod load;
mod logout;
mod metadata_checks;
mod new_provider;
mod oidc_conformance;
mod oidc_requests;
mod oidc_outside;
mod oracle;
mod property;
mod readme;
mod report_fixture;
mod report_snapshots;
mod request_checks;
mod scenario;

/// Runs the `spid-harness` binary with `args` and waits for its output.
pub fn spid_harness<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
        .args(args)
        .output()
        .expect("run spid-harness")
}
