//! `spid-harness faults`: the reference SP's checks that `--faults` can switch off.

use crate::exit;
use reference_sp::faults::{Faults, ALL};

/// Runs `faults`: every reference-SP check that can be switched off.
pub fn exec() -> anyhow::Result<u8> {
    for f in ALL {
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
