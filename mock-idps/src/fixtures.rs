//! The fixtures every mock runs on by default (providers, users, keys), embedded in the binary so
//! `spid-harness serve` works from anywhere; a directory can replace them (`--fixtures DIR`).

use crate::cie::card::CardSpec;
use crate::cie::cards::{parse_cards, CardTableError};
use crate::saml::keys::{KeyError, SigningKey};
use crate::spid::identity::{parse_users, User, UserTableError};
use crate::spid::provider::{parse_providers, Provider, ProviderTableError};
use include_dir::{include_dir, Dir};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub mod generate;

/// The repository's fixtures/ folder, embedded at build time.
pub static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../fixtures");

/// A fixture file that is not TOML, or not in the shape of its table (the parser's message
/// carries line and column).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct TomlError {
    /// The file read.
    pub path: String,
    /// The parser's error.
    #[source]
    pub source: toml::de::Error,
}

/// The TOML `text` read as a `T`; `path` names the source in errors.
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &str) -> Result<T, TomlError> {
    toml::from_str(text).map_err(|source| TomlError {
        path: path.to_string(),
        source,
    })
}

/// Why the fixtures could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// A file is missing.
    #[error("fixture file {0} is missing (run `spid-harness fixtures regenerate`)")]
    Missing(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The provider table is invalid.
    #[error(transparent)]
    Providers(#[from] ProviderTableError),
    /// The user table is invalid.
    #[error(transparent)]
    Users(#[from] UserTableError),
    /// The CIE card table is invalid.
    #[error(transparent)]
    Cards(#[from] CardTableError),
    /// A key or certificate is invalid.
    #[error("{path}: {source}")]
    Key {
        /// The file.
        path: String,
        /// What is wrong.
        #[source]
        source: KeyError,
    },
}

/// Where fixture files come from.
#[derive(Debug, Clone)]
pub enum FixtureSource {
    /// The copy embedded in the binary.
    Embedded,
    /// A directory laid out like the repository's fixtures/.
    Dir(std::path::PathBuf),
}

impl FixtureSource {
    /// Reads one file, by path relative to the fixtures root.
    pub fn read(&self, rel: &str) -> Result<String, FixtureError> {
        match self {
            FixtureSource::Embedded => EMBEDDED
                .get_file(rel)
                .and_then(|f| f.contents_utf8())
                .map(str::to_string)
                .ok_or_else(|| FixtureError::Missing(format!("fixtures/{rel}"))),
            FixtureSource::Dir(dir) => {
                let path = dir.join(rel);
                std::fs::read_to_string(&path).map_err(|source| match source.kind() {
                    std::io::ErrorKind::NotFound => {
                        FixtureError::Missing(path.display().to_string())
                    }
                    _ => FixtureError::Io {
                        path: path.display().to_string(),
                        source,
                    },
                })
            }
        }
    }

    /// Reads one file if it exists (`Ok(None)` when it does not).
    pub fn read_optional(&self, rel: &str) -> Result<Option<String>, FixtureError> {
        match self.read(rel) {
            Ok(text) => Ok(Some(text)),
            Err(FixtureError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn label(&self, rel: &str) -> String {
        match self {
            FixtureSource::Embedded => format!("fixtures/{rel}"),
            FixtureSource::Dir(dir) => dir.join(rel).display().to_string(),
        }
    }
}

/// Providers, users and signing keys, loaded and parsed once.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// The provider table, in file order.
    pub providers: Vec<Provider>,
    /// The test identities, in file order.
    pub users: Vec<User>,
    /// Each provider's signing key, by provider id (CIE ID providers included).
    pub keys: HashMap<String, Arc<SigningKey>>,
    /// The CIE ID providers (fixtures/cie.toml), production and pre-production; empty when a
    /// fixtures folder has no cie.toml.
    pub cie_providers: Vec<Provider>,
    /// The CIE cards (fixtures/cie-cards.toml).
    pub cie_cards: Vec<CardSpec>,
}

impl Fixtures {
    /// The embedded fixtures.
    pub fn embedded() -> Result<Self, FixtureError> {
        Self::load(&FixtureSource::Embedded)
    }

    /// Fixtures from a directory.
    pub fn from_dir(dir: &Path) -> Result<Self, FixtureError> {
        Self::load(&FixtureSource::Dir(dir.to_path_buf()))
    }

    /// Loads everything from `source`.
    pub fn load(source: &FixtureSource) -> Result<Self, FixtureError> {
        let providers = parse_providers(
            &source.read("providers.toml")?,
            &source.label("providers.toml"),
        )?;
        let users = parse_users(&source.read("users.toml")?, &source.label("users.toml"))?;
        let mut keys = HashMap::new();
        for p in &providers {
            keys.insert(
                p.id.clone(),
                Arc::new(load_key(source, &format!("keys/{}", p.id))?),
            );
        }
        keys.insert(
            "registry".to_string(),
            Arc::new(load_key(source, "keys/registry")?),
        );
        let cie_providers = match source.read_optional("cie.toml")? {
            Some(text) => parse_providers(&text, &source.label("cie.toml"))?,
            None => Vec::new(),
        };
        for p in &cie_providers {
            keys.insert(
                p.id.clone(),
                Arc::new(load_key(source, &format!("keys/{}", p.id))?),
            );
        }
        let cie_cards = match source.read_optional("cie-cards.toml")? {
            Some(text) => parse_cards(&text, &source.label("cie-cards.toml"), &users)?,
            None => Vec::new(),
        };
        Ok(Self {
            providers,
            users,
            keys,
            cie_providers,
            cie_cards,
        })
    }

    /// A provider by id.
    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// A user by username.
    pub fn user(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }
}

/// Loads `<stem>.key.pem` and `<stem>.crt.pem`.
pub fn load_key(source: &FixtureSource, stem: &str) -> Result<SigningKey, FixtureError> {
    let key_rel = format!("{stem}.key.pem");
    let cert_rel = format!("{stem}.crt.pem");
    SigningKey::from_pem(&source.read(&key_rel)?, &source.read(&cert_rel)?).map_err(|source_err| {
        FixtureError::Key {
            path: source.label(&key_rel),
            source: source_err,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::UserTableError;
    use std::error::Error;

    #[test]
    fn a_table_that_is_not_toml_names_its_file_and_keeps_the_parser_error() {
        let e = super::parse_users("[[user]]\nusername = ", "fixtures/users.toml").unwrap_err();
        assert!(matches!(e, UserTableError::Toml(_)), "{e:?}");
        let text = e.to_string();
        assert!(text.starts_with("fixtures/users.toml: "), "{text}");
        assert!(text.contains("line 2"), "{text}");
        let source = e.source().expect("the parser's error");
        assert!(source.is::<toml::de::Error>(), "{source:?}");
    }
}
