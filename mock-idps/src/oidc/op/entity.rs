//! An OP's entity configuration (spid-cie-oidc-docs docs/en/entity_configuration.rst): a JWT
//! signed with its federation key, `iss` = `sub` = its entity ID, its federation `jwks`,
//! `openid_provider` and `federation_entity` metadata, `authority_hints` and `trust_marks`,
//! served at `/.well-known/openid-federation` as `application/entity-statement+jwt`.

use super::provider::OpRuntime;
use crate::oidc::jose::{jws, JoseError, JwsAlg};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

/// The media type of entity statements.
pub const ENTITY_STATEMENT_TYPE: &str = "application/entity-statement+jwt";

/// How long an OP's entity configuration is valid.
pub const LIFETIME: Duration = Duration::hours(24);

/// Where the OP sits in the federation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placement {
    /// Its superiors' entity IDs (the local Trust Anchor).
    pub authority_hints: Vec<String>,
    /// Its trust marks as the federation issued them (`{id|trust_mark_type, trust_mark}`).
    pub trust_marks: Vec<Value>,
}

/// The entity configuration's claims at `now`.
pub fn claims(op: &OpRuntime, placement: &Placement, now: OffsetDateTime) -> Value {
    json!({
        "iss": op.issuer,
        "sub": op.issuer,
        "iat": now.unix_timestamp(),
        "exp": (now + LIFETIME).unix_timestamp(),
        "jwks": op.federation_jwks(),
        "authority_hints": placement.authority_hints,
        "trust_marks": placement.trust_marks,
        "metadata": {
            "openid_provider": op.openid_provider_metadata(),
            "federation_entity": op.federation_entity_metadata(),
        },
    })
}

/// The signed entity configuration at `now`.
pub fn signed(
    op: &OpRuntime,
    placement: &Placement,
    now: OffsetDateTime,
) -> Result<String, JoseError> {
    jws::sign_claims(
        &op.federation_key,
        JwsAlg::RS256,
        Some("entity-statement+jwt"),
        &claims(op, placement, now),
    )
}
