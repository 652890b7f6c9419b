//! `fixtures regenerate`'s library part: new key pairs for the providers of a fixtures folder
//! (`providers.toml`, `cie.toml` and the CNS gateway when `cns/` exists).

use mock_idps::fixtures::generate::{
    generate_cie_keys, generate_cns_gateway_key, regenerate_provider_keys, GenerateError,
};
use mock_idps::spid::provider::{parse_providers, Provider, ProviderTableError};
use std::path::{Path, PathBuf};

/// Why the keys could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegenerateError {
    /// A provider table could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A provider table is not valid.
    #[error(transparent)]
    Table(#[from] ProviderTableError),
    /// A key or certificate could not be made or written.
    #[error(transparent)]
    Generate(#[from] GenerateError),
}

fn table(dir: &Path, name: &str) -> Result<Vec<Provider>, RegenerateError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|source| RegenerateError::Read {
        path: path.clone(),
        source,
    })?;
    Ok(parse_providers(&text, name)?)
}

/// Makes new RSA-2048 key pairs under `<dir>/keys/`: every SPID provider's (unless
/// `only_missing`), the CIE ID providers' and the CNS gateway's (with `only_missing`, only those
/// missing). Returns the stems written.
pub fn regenerate(dir: &Path, only_missing: bool) -> Result<Vec<String>, RegenerateError> {
    let providers = table(dir, "providers.toml")?;
    let mut written = if only_missing {
        Vec::new()
    } else {
        regenerate_provider_keys(dir, &providers)?
    };
    if dir.join("cie.toml").exists() {
        let cie = table(dir, "cie.toml")?;
        written.extend(generate_cie_keys(dir, &cie, only_missing)?);
    }
    if dir.join("cns").exists() {
        written.extend(generate_cns_gateway_key(dir, only_missing)?);
    }
    Ok(written)
}
