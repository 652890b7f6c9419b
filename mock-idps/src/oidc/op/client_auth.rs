//! Client authentication at the token, revocation and introspection endpoints: `private_key_jwt`
//! only (spid-cie-oidc-docs docs/en/token_endpoint.rst; RFC 7523 §3): a `client_assertion`
//! signed with a key of the RP's resolved jwks, `iss` = `sub` = client_id, `aud` = the endpoint,
//! `exp` in the future and not too far, a `jti` never seen before.

use super::provider::{OpSet, ACCEPTED_SIGNATURES};
use super::registry::RpMetadata;
use super::state::OpState;
use crate::oidc::jose::{jws, Jwks};
use serde_json::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The one assertion type accepted.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A refused client, with the OAuth error it becomes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct ClientError {
    /// `invalid_client`, `unauthorized_client` or `invalid_request`.
    pub error: &'static str,
    /// What exactly is wrong.
    pub description: String,
}

fn invalid(d: impl Into<String>) -> ClientError {
    ClientError {
        error: "invalid_client",
        description: d.into(),
    }
}

/// The RP's jwks as typed keys.
pub fn rp_jwks(rp: &RpMetadata) -> Result<Jwks, ClientError> {
    serde_json::from_value(rp.jwks.clone())
        .map_err(|e| invalid(format!("the RP's resolved jwks is not a JWK Set: {e}")))
}

/// Authenticates the client of `form` at `endpoint` of OP `issuer`.
pub async fn authenticate(
    form: &BTreeMap<String, String>,
    endpoint: &str,
    issuer: &str,
    ops: &OpSet,
    tables: &OpState,
    now: OffsetDateTime,
) -> Result<RpMetadata, ClientError> {
    match form.get("client_assertion_type").map(String::as_str) {
        Some(JWT_BEARER) => {}
        other => {
            return Err(invalid(format!(
            "client_assertion_type is {other:?}; only private_key_jwt ({JWT_BEARER}) is accepted"
        )))
        }
    }
    let Some(assertion) = form.get("client_assertion") else {
        return Err(invalid(
            "no client_assertion: only private_key_jwt is accepted",
        ));
    };
    let unverified = jws::decode_unverified(assertion)
        .map_err(|e| invalid(format!("client_assertion is not a JWS: {e}")))?;
    let claims: Value = unverified
        .claims()
        .map_err(|e| invalid(format!("client_assertion payload: {e}")))?;
    let Some(client_id) = claims
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(invalid("client_assertion has no iss"));
    };
    let client_id = client_id.as_str();
    if let Some(c) = form.get("client_id").filter(|c| *c != client_id) {
        return Err(invalid(format!(
            "client_id {c} differs from the assertion's iss {client_id}"
        )));
    }
    let rp = ops
        .resolver
        .resolve(client_id, issuer, now)
        .await
        .map_err(|r| ClientError {
            error: r.code(),
            description: r.description().to_string(),
        })?;
    let jwks = rp_jwks(&rp)?;
    jws::verify_decoded(unverified, &jwks, &ACCEPTED_SIGNATURES)
        .map_err(|e| invalid(format!("client_assertion signature: {e}")))?;
    if claims.get("sub").and_then(Value::as_str) != Some(client_id) {
        return Err(invalid(
            "client_assertion sub must equal iss (the client_id)",
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == endpoint || a == issuer,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(endpoint)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid(format!("client_assertion aud must be {endpoint}")));
    }
    let now_s = now.unix_timestamp();
    let skew = ops.skew.whole_seconds();
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now_s - skew && exp <= now_s + ops.max_assertion_lifetime.whole_seconds() => {}
        exp => {
            return Err(invalid(format!(
                "client_assertion exp {exp:?} is missing, past, or more than {} s ahead of the OP clock {now_s}",
                ops.max_assertion_lifetime.whole_seconds()
            )))
        }
    }
    if let Some(iat) = claims
        .get("iat")
        .and_then(Value::as_i64)
        .filter(|i| *i > now_s + skew)
    {
        return Err(invalid(format!(
            "client_assertion iat {iat} is in the future"
        )));
    }
    let Some(jti) = claims
        .get("jti")
        .and_then(Value::as_str)
        .filter(|j| !j.is_empty())
    else {
        return Err(invalid("client_assertion has no jti"));
    };
    if !tables.first_use_of_jti(client_id, jti, now) {
        return Err(invalid(format!(
            "client_assertion jti {jti} was used already: a replay"
        )));
    }
    Ok(rp)
}
