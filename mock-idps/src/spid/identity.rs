//! Test identities (fixtures/users.toml): credentials, level, status, kind and SPID attributes.

use super::level::Level;
use super::purpose::IdentityKind;
use crate::fixtures::{parse_toml, TomlError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Whether an identity may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityStatus {
    /// Usable.
    Active,
    /// Suspended by the provider (ErrorCode nr23).
    Suspended,
    /// Revoked (ErrorCode nr23).
    Revoked,
}

/// One test person (or company representative) and their SPID attributes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Login name, the same at every provider.
    pub username: String,
    /// Login password.
    pub password: String,
    /// Highest level the identity holds.
    pub max_level: Level,
    /// PIN of the L3 signing device.
    #[serde(default)]
    pub device_pin: Option<String>,
    /// Active, suspended or revoked.
    pub status: IdentityStatus,
    /// Natural, legal, professional… (spid:Purpose).
    pub kind: IdentityKind,
    /// What the identity is for in tests.
    pub note: String,
    /// SPID attributes by name.
    pub attributes: BTreeMap<String, String>,
}

impl User {
    /// The codice fiscale, without the `TINIT-` prefix.
    pub fn fiscal_code(&self) -> Option<&str> {
        self.attributes
            .get("fiscalNumber")
            .map(|f| f.trim_start_matches("TINIT-"))
    }
}

/// Why the user table could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserTableError {
    /// TOML syntax or schema error.
    #[error(transparent)]
    Toml(#[from] TomlError),
    /// A row breaks a rule of the table.
    #[error("{path}: user {username:?}: {problem}")]
    Invalid {
        /// The file read.
        path: String,
        /// The user concerned.
        username: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    user: Vec<User>,
}

/// Parses and checks the user table; `path` names the source in errors.
pub fn parse_users(text: &str, path: &str) -> Result<Vec<User>, UserTableError> {
    let table: Table = parse_toml(text, path)?;
    let mut seen = std::collections::HashSet::new();
    for u in &table.user {
        let invalid = |problem: String| UserTableError::Invalid {
            path: path.to_string(),
            username: u.username.clone(),
            problem,
        };
        if !seen.insert(u.username.clone()) {
            return Err(invalid("username appears twice".into()));
        }
        if (u.max_level == Level::L3) != u.device_pin.is_some() {
            return Err(invalid(
                "device_pin is required for max_level 3 and only then".into(),
            ));
        }
        if let Some(cf) = u.fiscal_code() {
            super::fiscal_code::validate(cf).map_err(|e| invalid(format!("fiscalNumber: {e}")))?;
        }
    }
    Ok(table.user)
}
