//! `spid-harness faults`: the reference SP's and the reference RP's checks that `--faults` can
//! switch off (`check --against-reference` and `check --oidc --against-reference`).

use crate::exit;
use reference_sp::faults::{Faults, ALL};

/// Runs `faults`: every reference-SP check, then every reference-RP check, that can be
/// switched off.
pub fn exec() -> anyhow::Result<u8> {
    outln!("reference SP (check --against-reference --faults ...):");
    for f in ALL {
        outln!("{:<28} {}", f.name, f.description);
    }
    outln!();
    outln!("reference RP (check --oidc --against-reference --faults ...):");
    for f in reference_rp::faults::ALL {
        outln!("{:<28} {}", f.name, f.description);
    }
    Ok(exit::OK)
}

/// Parses a `--faults` list (none: the strict SP).
pub fn parse(list: Option<&str>) -> anyhow::Result<Faults> {
    match list {
        None => Ok(Faults::none()),
        Some(list) => Faults::parse(list).map_err(|e| anyhow::anyhow!("--faults: {e}")),
    }
}
