//! Revocation (RFC 7009) and introspection (RFC 7662), both behind `private_key_jwt`, with each
//! profile's refresh-token rules (spid-cie-oidc-docs docs/en/revocation_endpoint.rst: SPID
//! revoking the access token revokes its refresh tokens and ends the SSO session; CIE: an access
//! token's revocation leaves the refresh token, a refresh token's revocation takes the access
//! token with it).

use super::client_auth::authenticate;
use super::provider::{OpRuntime, OpSet};
use super::registry::RpMetadata;
use super::token::{live_access, TokenError};
use crate::spid::state::MockState;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What a revocation did, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Revoked {
    /// Access tokens revoked.
    pub access: usize,
    /// Refresh tokens revoked.
    pub refresh: usize,
    /// SSO sessions ended.
    pub sessions: usize,
}

/// The client a POST to `endpoint` authenticates (`private_key_jwt`, at `now`) and the `token`
/// it names.
async fn client_and_token<'f>(
    state: &MockState,
    ops: &OpSet,
    op: &OpRuntime,
    endpoint: &str,
    form: &'f BTreeMap<String, String>,
    now: time::OffsetDateTime,
) -> Result<(RpMetadata, &'f String), TokenError> {
    let rp = authenticate(form, endpoint, &op.issuer, ops, &state.oidc, now).await?;
    let Some(token) = form.get("token") else {
        return Err(TokenError {
            status: 400,
            error: "invalid_request",
            description: "no token".into(),
        });
    };
    Ok((rp, token))
}

/// Handles a POST to the revocation endpoint; 200 with an empty body whatever the token was
/// (RFC 7009 §2.2), errors only for the client or the request.
pub async fn revoke(
    state: &MockState,
    ops: &OpSet,
    op: &OpRuntime,
    form: &BTreeMap<String, String>,
) -> Result<Revoked, TokenError> {
    let now = state.clock.now();
    let (rp, token) =
        client_and_token(state, ops, op, &op.revocation_endpoint(), form, now).await?;
    let mut done = Revoked::default();
    if let Some((jti, record)) = live_access(state, op, token) {
        if record.grant.authz.client_id != rp.client_id {
            return Ok(done);
        }
        state.oidc.revoke_access(&jti);
        done.access += 1;
        if op.profile.at_revokes_rt {
            if let Some(rt) = &record.refresh {
                done.refresh += usize::from(state.oidc.revoke_refresh(rt).is_some());
            }
            done.sessions += usize::from(
                state
                    .end_session_by_index(&record.grant.session_index)
                    .is_some(),
            );
        }
    } else if let Some(record) = state.oidc.refresh(token, now) {
        if record.grant.authz.client_id != rp.client_id {
            return Ok(done);
        }
        state.oidc.revoke_refresh(token);
        done.refresh += 1;
        if op.profile.rt_revokes_at {
            done.access += usize::from(state.oidc.revoke_access(&record.access_jti).is_some());
        }
    }
    Ok(done)
}

/// Handles a POST to the introspection endpoint: `{"active": false}` for anything that is not
/// a live token of this client, the token's claims otherwise.
pub async fn introspect(
    state: &MockState,
    ops: &OpSet,
    op: &OpRuntime,
    form: &BTreeMap<String, String>,
) -> Result<Value, TokenError> {
    let now = state.clock.now();
    let (rp, token) =
        client_and_token(state, ops, op, &op.introspection_endpoint(), form, now).await?;
    if let Some((jti, r)) =
        live_access(state, op, token).filter(|(_, r)| r.grant.authz.client_id == rp.client_id)
    {
        return Ok(json!({
            "active": true,
            "token_type": "Bearer",
            "scope": r.grant.authz.scope.join(" "),
            "client_id": r.grant.authz.client_id,
            "sub": r.grant.sub,
            "iss": op.issuer,
            "exp": r.exp.unix_timestamp(),
            "jti": jti,
        }));
    }
    if let Some(r) = state
        .oidc
        .refresh(token, now)
        .filter(|r| r.grant.authz.client_id == rp.client_id && r.grant.authz.op == op.provider.id)
    {
        return Ok(json!({
            "active": true,
            "token_type": "refresh_token",
            "scope": r.grant.authz.scope.join(" "),
            "client_id": r.grant.authz.client_id,
            "sub": r.grant.sub,
            "iss": op.issuer,
        }));
    }
    Ok(json!({ "active": false }))
}
