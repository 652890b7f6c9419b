//! The provider table: one row per accredited SPID identity provider (fixtures/providers.toml).

use super::level::Level;
use crate::fixtures::{parse_toml, TomlError};
use serde::Deserialize;

/// Whether a provider still operates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderStatus {
    /// Accredited and operating.
    Active,
    /// No longer operating (kept so services can test how they treat it).
    Ceased,
}

/// One accredited identity provider, as data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Short id used in URLs and on the command line (`aruba`, `poste`…).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Legal name of the operator.
    pub organization: String,
    /// Operator's web site.
    pub organization_url: String,
    /// Real production entityID.
    pub entity_id: String,
    /// Highest level this mock offers.
    pub max_level: Level,
    /// 4-letter spidCode prefix.
    pub spid_code: String,
    /// Active or ceased.
    pub status: ProviderStatus,
    /// Date the provider ceased, if it did.
    #[serde(default)]
    pub ceased_on: Option<String>,
    /// Label of the user-name field on its login page.
    pub login_label: String,
    /// The provider as an OpenID Provider (SPID or CIE OIDC profile), when it offers one.
    #[serde(default)]
    pub oidc: Option<OidcOffer>,
}

/// Which OIDC profile an OpenID Provider follows (the rules that differ are data in
/// `crate::oidc::op::profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OidcProfileName {
    /// SPID OIDC (AgID, spid-cie-oidc-docs).
    Spid,
    /// CIE OIDC ("Entra con CIE", Ministero dell'Interno).
    Cie,
}

/// What a provider offers as an OpenID Provider: a row's `oidc = { ... }` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcOffer {
    /// The issuer's path under the mock's base URL (the entity ID is base URL + path).
    pub path: String,
    /// The levels the OP authenticates at (SpidL1–L3); never above `max_level`.
    pub levels: Vec<Level>,
    /// The profile it follows.
    pub profile: OidcProfileName,
    /// The real production issuer, for reference (pages, `--urls-json`); never contacted.
    #[serde(default)]
    pub real_issuer: Option<String>,
}

/// Why the provider table could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderTableError {
    /// TOML syntax or schema error.
    #[error(transparent)]
    Toml(#[from] TomlError),
    /// A row's `oidc` table is inconsistent.
    #[error("{path}: provider {id:?}: oidc: {detail}")]
    BadOidc {
        /// The file read.
        path: String,
        /// The row's id.
        id: String,
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// Two rows share an id.
    #[error("{path}: provider id {id:?} appears twice")]
    DuplicateId {
        /// The file read.
        path: String,
        /// The repeated id.
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    provider: Vec<Provider>,
}

/// Parses the provider table; `path` names the source in errors.
pub fn parse_providers(text: &str, path: &str) -> Result<Vec<Provider>, ProviderTableError> {
    let table: Table = parse_toml(text, path)?;
    let mut seen = std::collections::HashSet::new();
    for p in &table.provider {
        if !seen.insert(p.id.clone()) {
            return Err(ProviderTableError::DuplicateId {
                path: path.to_string(),
                id: p.id.clone(),
            });
        }
        if let Some(o) = &p.oidc {
            let bad_level = o.levels.iter().find(|l| **l > p.max_level);
            if o.levels.is_empty() || bad_level.is_some() || !o.path.starts_with('/') {
                return Err(ProviderTableError::BadOidc {
                    path: path.to_string(),
                    id: p.id.clone(),
                    detail: match bad_level {
                        Some(l) => format!("level {l} is above max_level {}", p.max_level),
                        None if o.levels.is_empty() => {
                            "levels is empty: list at least one of 1, 2, 3".into()
                        }
                        None => format!("path {:?} must start with '/'", o.path),
                    },
                });
            }
        }
    }
    Ok(table.provider)
}
