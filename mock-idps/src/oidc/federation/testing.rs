//! In-process relying parties for tests (this crate's, the OP's, the reference RP's): an entity
//! configuration served from memory, on-boarded with the faults the OP must refuse.

use std::sync::{Arc, Weak};

use serde_json::{json, Map, Value};

use super::local::{
    EcSource, EcSourceError, LocalFederation, LocalFederationError, OnboardReport, OnboardRequest,
    Superior, TrustMarkFault,
};
use crate::fixtures::FixtureSource;
use crate::oidc::jose::{Jwks, PrivateKey};
use crate::oidc::keys::{self, KeyRole};

/// How an in-process RP is on-boarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpSetup {
    /// Where it hangs.
    pub superior: Superior,
    /// Its trust mark (`None`: none issued).
    pub trust_mark: Option<TrustMarkFault>,
    /// Its subordinate statement is issued expired.
    pub expired_statement: bool,
}

impl Default for RpSetup {
    fn default() -> Self {
        Self {
            superior: Superior::TrustAnchor,
            trust_mark: Some(TrustMarkFault::Valid),
            expired_statement: false,
        }
    }
}

impl RpSetup {
    /// A correct RP directly below the anchor.
    pub fn valid() -> Self {
        Self::default()
    }

    /// The anchor's statement about it is expired: the OP must answer `invalid_client`.
    pub fn expired_statement() -> Self {
        Self {
            expired_statement: true,
            ..Self::default()
        }
    }

    /// Two intermediates between it and the anchor, whose `max_path_length` is 1: the OP must
    /// answer `invalid_client`.
    pub fn past_max_path_length() -> Self {
        Self {
            superior: Superior::DeepIntermediate,
            ..Self::default()
        }
    }

    /// No trust mark at all: the OP must answer `unauthorized_client`.
    pub fn without_trust_mark() -> Self {
        Self {
            trust_mark: None,
            ..Self::default()
        }
    }

    /// A trust mark wrong in the way `fault` says: `unauthorized_client` unless `Valid`.
    pub fn with_trust_mark(fault: TrustMarkFault) -> Self {
        Self {
            trust_mark: Some(fault),
            ..Self::default()
        }
    }
}

/// A relying party whose entity configuration is produced in memory.
#[derive(Debug, Clone)]
pub struct InProcessRp {
    /// Its entity id (also its `client_id`).
    pub entity_id: String,
    /// Signs its entity configuration.
    pub federation_key: PrivateKey,
    /// Signs its request objects and client assertions.
    pub signing_key: PrivateKey,
    /// Decrypts the ID tokens and userinfo sent to it.
    pub encryption_key: PrivateKey,
    /// Its metadata as published (before the federation's policy).
    pub metadata: Map<String, Value>,
    /// What on-boarding reported.
    pub report: OnboardReport,
}

/// SPID/CIE-shaped RP metadata (spid-cie-oidc-docs, "Metadata OIDC RP"): `federation_entity`
/// and `openid_relying_party` with `jwks`, `private_key_jwt`, automatic registration.
pub fn rp_metadata(
    entity_id: &str,
    signing: &PrivateKey,
    encryption: &PrivateKey,
) -> Map<String, Value> {
    let id = entity_id.trim_end_matches('/');
    let jwks = Jwks::new(vec![
        signing.public_jwk().clone(),
        encryption.public_jwk().clone(),
    ]);
    let v = json!({
        "federation_entity": {
            "organization_name": "spid-harness test RP",
            "homepage_uri": id,
            "policy_uri": format!("{id}/privacy"),
            "logo_uri": format!("{id}/logo.svg"),
            "contacts": ["ops@pec.rp.example.it"],
            "federation_resolve_endpoint": format!("{id}/resolve")
        },
        "openid_relying_party": {
            "client_id": id,
            "client_name": "spid-harness test RP",
            "redirect_uris": [format!("{id}/callback")],
            "jwks": jwks,
        }
    });
    let mut v = match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Some(Value::Object(rp)) = v.get_mut("openid_relying_party") {
        rp.extend(rp_profile());
    }
    v
}

/// The `openid_relying_party` members every test RP of the project publishes alike (the
/// interop Authlib RPs read the same file): the code flow with refresh, automatic registration,
/// `private_key_jwt`, ID tokens and userinfo signed RS256 and encrypted RSA-OAEP / A128CBC-HS256.
pub const RP_PROFILE: &str = include_str!("../../../../fixtures/oidc/rp-profile.json");

fn rp_profile() -> Map<String, Value> {
    serde_json::from_str(RP_PROFILE).unwrap_or_default()
}

fn source(
    fed: Weak<LocalFederation>,
    id: String,
    key: PrivateKey,
    metadata: Map<String, Value>,
) -> EcSource {
    EcSource::new(move || {
        let fed = fed.upgrade().ok_or(EcSourceError::FederationStopped)?;
        fed.leaf_configuration(&id, &key, metadata.clone())
            .map_err(EcSourceError::Sign)
    })
}

/// On-boards the in-process RP `key_name` (an entity of `oidc::keys::RELYING_PARTIES`) as
/// `entity_id`, with `metadata` (or [`rp_metadata`]) and the faults of `setup`.
pub async fn onboard_rp(
    fed: &Arc<LocalFederation>,
    fixtures: &FixtureSource,
    key_name: &str,
    entity_id: &str,
    metadata: Option<Map<String, Value>>,
    setup: RpSetup,
) -> Result<InProcessRp, LocalFederationError> {
    let federation_key = keys::load(fixtures, key_name, KeyRole::Federation)?;
    let signing_key = keys::load(fixtures, key_name, KeyRole::Signing)?;
    let encryption_key = keys::load(fixtures, key_name, KeyRole::Encryption)?;
    let metadata =
        metadata.unwrap_or_else(|| rp_metadata(entity_id, &signing_key, &encryption_key));
    let report = fed
        .onboard(OnboardRequest {
            entity_id: entity_id.to_owned(),
            superior: setup.superior,
            trust_mark: setup.trust_mark,
            expired_statement: setup.expired_statement,
            entity_type: None,
            source: Some(source(
                Arc::downgrade(fed),
                entity_id.to_owned(),
                federation_key.clone(),
                metadata.clone(),
            )),
        })
        .await?;
    Ok(InProcessRp {
        entity_id: entity_id.to_owned(),
        federation_key,
        signing_key,
        encryption_key,
        metadata,
        report,
    })
}
