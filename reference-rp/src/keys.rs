//! The RP's keys (`fixtures/oidc/keys/reference-rp.*.key.pem`): an RSA OIDC-core signing key
//! (request objects, client assertions), an RSA encryption key (userinfo and CIE ID tokens are
//! encrypted to it), and a federation key for its entity configuration, apart from the core keys
//! (entity_configuration.rst).

use crate::error::RpError;
use mock_idps::oidc::jose::{Jwks, PrivateKey};
use mock_idps::oidc::keys::{load, KeyRole};
use mock_idps::FixtureSource;

/// The RP's keys.
#[derive(Debug, Clone)]
pub struct RpKeys {
    /// Signs request objects and client assertions (RS256).
    pub core: PrivateKey,
    /// Decrypts what OPs encrypt to us (RSA-OAEP-256).
    pub encryption: PrivateKey,
    /// Signs the entity configuration (RS256).
    pub federation: PrivateKey,
}

impl RpKeys {
    /// The fixture keys of `entity` (`reference-rp`, or a test RP of
    /// `mock_idps::oidc::keys::RELYING_PARTIES`).
    pub fn from_fixtures(source: &FixtureSource, entity: &str) -> Result<Self, RpError> {
        let key = |role| load(source, entity, role).map_err(|e| RpError::Internal(e.to_string()));
        Ok(Self {
            core: key(KeyRole::Signing)?,
            encryption: key(KeyRole::Encryption)?,
            federation: key(KeyRole::Federation)?,
        })
    }

    /// The OIDC-core public keys (`openid_relying_party.jwks`).
    pub fn core_jwks(&self) -> Jwks {
        Jwks::new(vec![
            self.core.public_jwk().clone(),
            self.encryption.public_jwk().clone(),
        ])
    }
}
