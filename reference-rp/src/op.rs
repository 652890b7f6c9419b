//! The OpenID Providers the RP knows: from each OP's entity configuration (fetched from
//! `/.well-known/openid-federation`, self-signed, `iss` = `sub` = the issuer, not expired), its
//! `openid_provider` metadata: endpoints and OIDC-core keys.

use crate::error::RpError;
use crate::faults::Faults;
use mock_idps::oidc::jose::{jws, Jwks, JwsAlg};
use mock_idps::spid::level::Level;
use serde_json::Value;
use time::OffsetDateTime;

/// One OP as the RP uses it.
#[derive(Debug, Clone)]
pub struct OpInfo {
    /// Short id (`poste`, `cie`…).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether it follows the CIE profile.
    pub cie: bool,
    /// The levels it offers.
    pub levels: Vec<Level>,
    /// Issuer.
    pub issuer: String,
    /// Authorization endpoint.
    pub authorization_endpoint: String,
    /// Token endpoint.
    pub token_endpoint: String,
    /// Userinfo endpoint.
    pub userinfo_endpoint: String,
    /// Revocation endpoint.
    pub revocation_endpoint: String,
    /// Introspection endpoint.
    pub introspection_endpoint: String,
    /// OIDC-core keys.
    pub jwks: Jwks,
    /// The same keys as JSON (for openidconnect's key set).
    pub jwks_json: Value,
}

/// What the RP knows of an OP before reading its entity configuration.
#[derive(Debug, Clone)]
pub struct OpEntry {
    /// Short id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether it follows the CIE profile.
    pub cie: bool,
    /// The levels it offers.
    pub levels: Vec<Level>,
    /// Issuer.
    pub issuer: String,
}

fn text(v: &Value, k: &str) -> Result<String, RpError> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            RpError::refused(
                "op-entity-configuration",
                format!("openid_provider has no {k}"),
            )
        })
}

impl OpInfo {
    /// Reads `jwt`, the entity configuration of `entry`.
    pub fn from_entity_configuration(
        entry: &OpEntry,
        jwt: &str,
        now: OffsetDateTime,
        faults: &Faults,
    ) -> Result<Self, RpError> {
        let bad = |d: String| RpError::refused("op-entity-configuration", d);
        let unverified = jws::decode_unverified(jwt).map_err(|e| bad(format!("not a JWS: {e}")))?;
        let claims: Value = unverified.claims().map_err(|e| bad(e.to_string()))?;
        if faults.on("op-entity-configuration") {
            let fed_keys: Jwks = claims
                .get("jwks")
                .cloned()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|e| bad(format!("jwks: {e}")))?
                .ok_or_else(|| bad("no jwks".into()))?;
            jws::verify_decoded(
                unverified,
                &fed_keys,
                &[JwsAlg::ES256, JwsAlg::RS256, JwsAlg::RS512, JwsAlg::PS256],
            )
            .map_err(|e| bad(format!("self-signature: {e}")))?;
            for k in ["iss", "sub"] {
                if claims.get(k).and_then(Value::as_str) != Some(entry.issuer.as_str()) {
                    return Err(bad(format!("{k} is not the issuer {}", entry.issuer)));
                }
            }
            if claims
                .get("exp")
                .and_then(Value::as_i64)
                .is_none_or(|e| e <= now.unix_timestamp())
            {
                return Err(bad("expired or no exp".into()));
            }
        }
        let md = claims
            .pointer("/metadata/openid_provider")
            .ok_or_else(|| bad("no metadata.openid_provider".into()))?;
        Self::from_metadata(entry, md)
    }

    /// Reads `md`, an `openid_provider` metadata object (as published, or as the resolved
    /// trust chain's policies left it).
    pub fn from_metadata(entry: &OpEntry, md: &Value) -> Result<Self, RpError> {
        let bad = |d: String| RpError::refused("op-entity-configuration", d);
        let jwks_json = md
            .get("jwks")
            .cloned()
            .ok_or_else(|| bad("openid_provider has no jwks".into()))?;
        let jwks: Jwks = serde_json::from_value(jwks_json.clone())
            .map_err(|e| bad(format!("openid_provider jwks: {e}")))?;
        Ok(Self {
            id: entry.id.clone(),
            name: entry.name.clone(),
            cie: entry.cie,
            levels: entry.levels.clone(),
            issuer: text(md, "issuer")?,
            authorization_endpoint: text(md, "authorization_endpoint")?,
            token_endpoint: text(md, "token_endpoint")?,
            userinfo_endpoint: text(md, "userinfo_endpoint")?,
            revocation_endpoint: text(md, "revocation_endpoint")?,
            introspection_endpoint: text(md, "introspection_endpoint")?,
            jwks,
            jwks_json,
        })
    }
}

/// The OPs a mock federation serves, from its URLs.
pub fn entries_of(urls: &mock_idps::FederationUrls) -> Vec<OpEntry> {
    urls.oidc
        .iter()
        .map(|(id, u)| OpEntry {
            id: id.clone(),
            name: u.name.clone(),
            cie: u.profile == "cie",
            levels: u
                .levels
                .iter()
                .filter_map(|n| Level::try_from(*n).ok())
                .collect(),
            issuer: u.issuer.clone(),
        })
        .collect()
}
