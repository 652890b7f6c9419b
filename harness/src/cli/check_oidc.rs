//! `spid-harness check --oidc`: [`crate::conformance::oidc::run_against_reference`], its table,
//! then [`crate::report::emit`] (reports `check-oidc.{json,html,xml,md}`).

use super::check::CheckOpts;
use crate::report::{check_table, emit};
use anyhow::{bail, Context};

/// Runs the OIDC relying-party cases (for now against the embedded reference RP only).
pub fn exec(opts: CheckOpts) -> anyhow::Result<u8> {
    if !opts.against_reference {
        bail!(
            "check --oidc runs against the embedded reference RP for now: add --against-reference"
        );
    }
    let faults = reference_rp::Faults::parse(opts.faults.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("--faults: {e}"))?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let run = runtime.block_on(crate::conformance::oidc::run_against_reference_jobs(
        faults, &opts.only, true, opts.jobs,
    ))?;
    out!("{}", check_table(&run.report));
    if let Some(line) = run.cpu_line() {
        outln!("{line}");
    }
    Ok(emit(&run.report, &opts.report.options("check-oidc"))?)
}
