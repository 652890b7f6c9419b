//! The OIDC keys every entity of the local federation runs on, embedded like the SAML keys:
//! `fixtures/oidc/keys/<entity>.<role>.key.pem` (PKCS#8). An RSA-2048 key costs about 0.4 s to
//! generate on the 2-core CI machine (`keygen_cost` figure test), so the mocks do not mint them at
//! start: [`regenerate`] writes them (for the repository's fixtures:
//! `cargo test -p mock-idps --lib write_missing_fixture_keys -- --ignored`).
//!
//! Entities: the federation's own ([`FEDERATION_ENTITIES`]), every SPID provider id of
//! `providers.toml`, every CIE provider id of `cie.toml`, and the relying parties of
//! [`RELYING_PARTIES`]. Roles: [`KeyRole`]; the federation key differs from the OIDC-core keys,
//! as the Italian profile recommends (spid-cie-oidc-docs, "Entity Configuration": federation
//! keys SHOULD differ from the OIDC Core ones).

use std::path::Path;

use super::jose::{JoseError, KeyUse, PrivateKey};
use crate::fixtures::{FixtureError, FixtureSource};

/// The federation's own entities.
pub const FEDERATION_ENTITIES: [&str; 4] = [
    "trust-anchor",
    "intermediate",
    "intermediate-deep",
    "trust-mark-issuer",
];

/// Relying parties with embedded keys: the reference RP and three for tests.
pub const RELYING_PARTIES: [&str; 4] = ["reference-rp", "test-rp", "test-rp-2", "test-rp-3"];

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyRole {
    /// Signs entity statements (the federation `jwks`).
    Federation,
    /// Signs OIDC messages (ID tokens, request objects, client assertions).
    Signing,
    /// Decrypts JWEs sent to the entity.
    Encryption,
}

impl KeyRole {
    /// Every role.
    pub const ALL: [KeyRole; 3] = [KeyRole::Federation, KeyRole::Signing, KeyRole::Encryption];

    /// The file-name part.
    pub fn name(self) -> &'static str {
        match self {
            KeyRole::Federation => "federation",
            KeyRole::Signing => "signing",
            KeyRole::Encryption => "encryption",
        }
    }

    /// The JWK `use` published for the role.
    pub fn key_use(self) -> KeyUse {
        match self {
            KeyRole::Encryption => KeyUse::Enc,
            KeyRole::Federation | KeyRole::Signing => KeyUse::Sig,
        }
    }
}

/// Why a fixture key could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFixtureError {
    /// The file could not be read.
    #[error(transparent)]
    Fixture(Box<FixtureError>),
    /// The file is not a usable key.
    #[error("{path}: {source}")]
    Key {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: JoseError,
    },
    /// Writing a regenerated key failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A table listing the entities could not be read.
    #[error("{path}: {message}")]
    Table {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The relative path of a key file.
pub fn key_path(entity: &str, role: KeyRole) -> String {
    format!("oidc/keys/{entity}.{}.key.pem", role.name())
}

/// Loads one key; its JWK carries `use` for the role and the RFC 7638 thumbprint as `kid`.
pub fn load(
    source: &FixtureSource,
    entity: &str,
    role: KeyRole,
) -> Result<PrivateKey, KeyFixtureError> {
    let rel = key_path(entity, role);
    let text = source
        .read(&rel)
        .map_err(|e| KeyFixtureError::Fixture(Box::new(e)))?;
    PrivateKey::from_pkcs8_pem(&text)
        .map(|k| k.with_use(role.key_use()))
        .map_err(|source| KeyFixtureError::Key {
            path: format!("fixtures/{rel}"),
            source,
        })
}

/// Every entity that has keys under a fixtures directory laid out like the repository's.
pub fn entities(dir: &Path) -> Result<Vec<String>, KeyFixtureError> {
    let mut out: Vec<String> = FEDERATION_ENTITIES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    for table in ["providers.toml", "cie.toml"] {
        let path = dir.join(table);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let value: toml::Value =
            text.parse()
                .map_err(|e: toml::de::Error| KeyFixtureError::Table {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
        let ids = value
            .get("provider")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("id").and_then(toml::Value::as_str));
        out.extend(ids.map(str::to_owned));
    }
    out.extend(RELYING_PARTIES.iter().map(|s| (*s).to_owned()));
    Ok(out)
}

/// Writes the keys of every entity (only the missing ones when `only_missing`), returns the
/// files written.
pub fn regenerate(dir: &Path, only_missing: bool) -> Result<Vec<String>, KeyFixtureError> {
    let keys_dir = dir.join("oidc").join("keys");
    std::fs::create_dir_all(&keys_dir).map_err(|source| KeyFixtureError::Write {
        path: keys_dir.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for entity in entities(dir)? {
        for role in KeyRole::ALL {
            let rel = key_path(&entity, role);
            let path = dir.join(&rel);
            if only_missing && path.exists() {
                continue;
            }
            let key = PrivateKey::generate_rsa(2048).map_err(|source| KeyFixtureError::Key {
                path: path.display().to_string(),
                source,
            })?;
            std::fs::write(&path, key.pkcs8_pem()).map_err(|source| KeyFixtureError::Write {
                path: path.display().to_string(),
                source,
            })?;
            written.push(rel);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the missing fixture keys of the repository (run once after adding an entity):
    /// `cargo test -p mock-idps --lib write_missing_fixture_keys -- --ignored`.
    #[test]
    #[ignore = "writes fixtures/oidc/keys"]
    fn write_missing_fixture_keys() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let written = regenerate(&dir, true).unwrap();
        println!("{} keys written", written.len());
    }

    #[test]
    fn every_entity_has_its_three_keys_embedded_and_they_differ() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut kids = std::collections::HashSet::new();
        for entity in entities(&dir).unwrap() {
            for role in KeyRole::ALL {
                let key = load(&FixtureSource::Embedded, &entity, role)
                    .unwrap_or_else(|e| panic!("{entity} {role:?}: {e}"));
                assert_eq!(key.public_jwk().key_use, Some(role.key_use()));
                assert!(
                    kids.insert(key.kid().to_owned()),
                    "{entity} {role:?} reuses a key"
                );
            }
        }
    }

    #[test]
    fn a_missing_key_names_the_file() {
        let err = load(&FixtureSource::Embedded, "nobody", KeyRole::Signing).unwrap_err();
        assert!(
            err.to_string().contains("oidc/keys/nobody.signing.key.pem"),
            "{err}"
        );
    }
}
