//! `spid-harness metadata`: a mock provider's signed metadata, for the service under test to
//! trust.

use crate::exit;
use anyhow::bail;
use clap::Args;

/// Options of `metadata`.
#[derive(Debug, Args)]
pub struct MetadataOpts {
    /// The mock provider whose metadata to print (`poste`, `aruba`…).
    #[arg(long, default_value = crate::conformance::reference::DEFAULT_IDP)]
    pub idp: String,
}

/// Runs `metadata`: prints a mock provider's signed metadata (endpoints on 127.0.0.1:7000, as
/// `spid-harness serve` runs by default).
pub fn exec(opts: MetadataOpts) -> anyhow::Result<u8> {
    let state = crate::conformance::reference::mock_state()?;
    let Some(idp) = state.idp(&opts.idp) else {
        let known: Vec<_> = state.idps.iter().map(|i| i.provider.id.clone()).collect();
        bail!(
            "unknown provider {:?}; known: {}",
            opts.idp,
            known.join(", ")
        );
    };
    outln!("{}", idp.metadata);
    Ok(exit::OK)
}
