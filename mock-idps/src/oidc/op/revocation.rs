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
use time::OffsetDateTime;

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

/// A POST to the revocation or introspection endpoint: the client it authenticated and the token
/// it names.
pub struct TokenPost<'a> {
    state: &'a MockState,
    op: &'a OpRuntime,
    rp: RpMetadata,
    token: &'a str,
    now: OffsetDateTime,
}

impl<'a> TokenPost<'a> {
    /// Authenticates the client of a POST to `endpoint` of `op` (`private_key_jwt`) and reads
    /// the `token` the form names.
    pub async fn read(
        state: &'a MockState,
        ops: &OpSet,
        op: &'a OpRuntime,
        endpoint: &str,
        form: &'a BTreeMap<String, String>,
    ) -> Result<Self, TokenError> {
        let now = state.clock.now();
        let rp = authenticate(form, endpoint, &op.issuer, ops, &state.oidc, now).await?;
        let Some(token) = form.get("token") else {
            return Err(TokenError {
                status: 400,
                error: "invalid_request",
                description: "no token".into(),
            });
        };
        Ok(Self {
            state,
            op,
            rp,
            token,
            now,
        })
    }

    /// Revokes the token if it is a live token of this client; the endpoint answers 200 with an
    /// empty body whatever the token was (RFC 7009 §2.2).
    pub fn revoke(&self) -> Revoked {
        let (state, op, token) = (self.state, self.op, self.token);
        let mut done = Revoked::default();
        if let Some((jti, record)) = live_access(state, op, token) {
            if record.grant.authz.client_id != self.rp.client_id {
                return done;
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
        } else if let Some(record) = state.oidc.refresh(token, self.now) {
            if record.grant.authz.client_id != self.rp.client_id {
                return done;
            }
            state.oidc.revoke_refresh(token);
            done.refresh += 1;
            if op.profile.rt_revokes_at {
                done.access += usize::from(state.oidc.revoke_access(&record.access_jti).is_some());
            }
        }
        done
    }

    /// The introspection answer: `{"active": false}` for anything that is not a live token of
    /// this client, the token's claims otherwise.
    pub fn introspect(&self) -> Value {
        let (state, op, client_id) = (self.state, self.op, &self.rp.client_id);
        if let Some((jti, r)) = live_access(state, op, self.token)
            .filter(|(_, r)| r.grant.authz.client_id == *client_id)
        {
            return json!({
                "active": true,
                "token_type": "Bearer",
                "scope": r.grant.authz.scope.join(" "),
                "client_id": r.grant.authz.client_id,
                "sub": r.grant.sub,
                "iss": op.issuer,
                "exp": r.exp.unix_timestamp(),
                "jti": jti,
            });
        }
        if let Some(r) = state
            .oidc
            .refresh(self.token, self.now)
            .filter(|r| r.grant.authz.client_id == *client_id && r.grant.authz.op == op.provider.id)
        {
            return json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": r.grant.authz.scope.join(" "),
                "client_id": r.grant.authz.client_id,
                "sub": r.grant.sub,
                "iss": op.issuer,
            });
        }
        json!({ "active": false })
    }
}
