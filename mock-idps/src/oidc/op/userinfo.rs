//! The userinfo endpoint (spid-cie-oidc-docs docs/en/userinfo_endpoint.rst): a Bearer access
//! token in, a JWS-in-JWE (`application/jwt`) out, signed with the OP key and encrypted for the
//! RP; SPID answers GET only, CIE GET and POST.

use super::provider::{OpRuntime, OpSet};
use super::seal::{sealed, signing_alg};
use super::token::live_access;
use crate::spid::state::MockState;
use serde_json::json;

/// A userinfo error: HTTP status, the `WWW-Authenticate` error (RFC 6750 §3.1), the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserinfoError {
    /// 401, 400 or 405.
    pub status: u16,
    /// `invalid_token`, `invalid_request` or `invalid_client`.
    pub error: &'static str,
    /// What is wrong.
    pub description: String,
}

/// Answers userinfo for `bearer` (the Authorization header's token) on `method`.
pub async fn handle(
    state: &MockState,
    ops: &OpSet,
    op: &OpRuntime,
    method_post: bool,
    bearer: Option<&str>,
) -> Result<String, UserinfoError> {
    if method_post && !op.profile.userinfo_post {
        return Err(UserinfoError {
            status: 405,
            error: "invalid_request",
            description: format!(
                "the {} profile's userinfo endpoint answers GET only",
                op.profile.name
            ),
        });
    }
    let Some(token) = bearer else {
        return Err(UserinfoError {
            status: 401,
            error: "invalid_request",
            description: "no Bearer access token in the Authorization header".into(),
        });
    };
    let Some((_, record)) = live_access(state, op, token) else {
        return Err(UserinfoError {
            status: 401,
            error: "invalid_token",
            description:
                "the access token is not one of this OP's live tokens (unknown, revoked or expired)"
                    .into(),
        });
    };
    let g = &record.grant;
    let now = state.clock.now();
    let rp = ops
        .resolver
        .resolve(&g.authz.client_id, &op.issuer, now)
        .await
        .map_err(|r| UserinfoError {
            status: 401,
            error: "invalid_client",
            description: r.to_string(),
        })?;
    let mut claims = json!({
        "iss": op.issuer,
        "sub": g.sub,
        "aud": g.authz.client_id,
        "iat": now.unix_timestamp(),
    });
    if let (Some(user), Some(obj)) = (state.fixtures.user(&g.user), claims.as_object_mut()) {
        obj.extend(super::claims::values(user, &g.authz.userinfo_claims));
    }
    let fail = |e: &dyn std::fmt::Display| UserinfoError {
        status: 400,
        error: "invalid_client",
        description: e.to_string(),
    };
    let alg = signing_alg(rp.userinfo_signed_response_alg.as_deref()).map_err(|e| fail(&e))?;
    let jwks = super::client_auth::rp_jwks(&rp).map_err(|e| fail(&e))?;
    let Some(craft) = state
        .oidc
        .craft(&g.authz.state, now)
        .and_then(|c| c.userinfo)
    else {
        return sealed(
            &op.core_key,
            alg,
            "JWT",
            &claims,
            &jwks,
            rp.userinfo_encrypted_response_alg.as_deref(),
            rp.userinfo_encrypted_response_enc.as_deref(),
        )
        .map_err(|e| fail(&e));
    };
    super::crafted::edit(&mut claims, &craft.edits, now);
    super::crafted::produce(
        &craft.wrap,
        &claims,
        &super::crafted::Producer {
            key: &op.core_key,
            foreign: &op.federation_key,
            alg,
            typ: "JWT",
            seal: Some(super::crafted::SealTo {
                jwks: &jwks,
                alg: rp.userinfo_encrypted_response_alg.as_deref(),
                enc: rp.userinfo_encrypted_response_enc.as_deref(),
            }),
            rp_jwks: Some(&jwks),
        },
    )
    .map_err(|e| fail(&e))
}
