//! The token endpoint (spid-cie-oidc-docs docs/en/token_endpoint.rst): the authorization-code
//! grant with PKCE, the refresh-token grant, and what they issue: an `at+jwt` access token
//! (RFC 9068), an ID token (signed; CIE: signed then encrypted when the RP asks) and, with
//! `offline_access` and `prompt=consent`, a refresh token.

use super::client_auth::{authenticate, rp_jwks, ClientError};
use super::crafted;
use super::provider::{OpRuntime, OpSet};
use super::registry::RpMetadata;
use super::seal::{sealed, signed, signing_alg, SealError};
use super::state::{AccessRecord, Grant, RefreshRecord};
use crate::ids::IdGenerator;
use crate::spid::level::Level;
use crate::spid::state::MockState;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A token-endpoint error: HTTP status and the JSON body's `error` / `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// 400, or 401 for `invalid_client`.
    pub status: u16,
    /// The OAuth error.
    pub error: &'static str,
    /// What is wrong.
    pub description: String,
}

impl TokenError {
    fn grant(d: impl Into<String>) -> Self {
        Self {
            status: 400,
            error: "invalid_grant",
            description: d.into(),
        }
    }
    fn request(d: impl Into<String>) -> Self {
        Self {
            status: 400,
            error: "invalid_request",
            description: d.into(),
        }
    }
}

impl From<ClientError> for TokenError {
    fn from(e: ClientError) -> Self {
        Self {
            status: if e.error == "invalid_client" {
                401
            } else {
                400
            },
            error: e.error,
            description: e.description,
        }
    }
}

impl From<SealError> for TokenError {
    fn from(e: SealError) -> Self {
        Self {
            status: 400,
            error: "invalid_client",
            description: e.to_string(),
        }
    }
}

/// `BASE64URL(left half of SHA-256(ascii(token)))` (OIDC Core §3.1.3.6; SHA-512 for RS512).
pub fn half_hash(token: &str, alg_sha512: bool) -> String {
    let alg = if alg_sha512 {
        &aws_lc_rs::digest::SHA512
    } else {
        &aws_lc_rs::digest::SHA256
    };
    let d = aws_lc_rs::digest::digest(alg, token.as_bytes());
    crate::oidc::jose::b64e(&d.as_ref()[..d.as_ref().len() / 2])
}

/// `BASE64URL(SHA-256(verifier))` (RFC 7636 §4.2, S256).
pub fn s256(verifier: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    crate::oidc::jose::b64e(d.as_ref())
}

/// Authenticates the client of a POST to the token endpoint of `op`.
pub async fn client(
    state: &MockState,
    ops: &OpSet,
    op: &OpRuntime,
    form: &BTreeMap<String, String>,
) -> Result<RpMetadata, TokenError> {
    let now = state.clock.now();
    Ok(authenticate(
        form,
        &op.token_endpoint(),
        &op.issuer,
        ops,
        &state.oidc,
        now,
    )
    .await?)
}

/// Handles a POST to the token endpoint of `op` from the authenticated `rp`; the JSON body.
pub fn handle(
    state: &MockState,
    op: &OpRuntime,
    rp: &RpMetadata,
    form: &BTreeMap<String, String>,
) -> Result<Value, TokenError> {
    let call = TokenCall {
        state,
        op,
        rp,
        form,
        now: state.clock.now(),
    };
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => code_grant(&call),
        Some("refresh_token") => refresh_grant(&call),
        other => Err(TokenError {
            status: 400,
            error: "unsupported_grant_type",
            description: format!("grant_type {other:?}: use authorization_code or refresh_token"),
        }),
    }
}

/// One POST to the token endpoint: the OP asked, its authenticated client, the form, the instant.
#[derive(Clone, Copy)]
struct TokenCall<'a> {
    state: &'a MockState,
    op: &'a OpRuntime,
    rp: &'a RpMetadata,
    form: &'a BTreeMap<String, String>,
    now: OffsetDateTime,
}

impl TokenCall<'_> {
    /// The form's `name`, or an `invalid_request` saying `missing`.
    fn field(&self, name: &str, missing: &str) -> Result<&String, TokenError> {
        self.form
            .get(name)
            .ok_or_else(|| TokenError::request(missing))
    }

    /// Whether `grant` was issued to this client by this OP.
    fn issued_here(&self, grant: &Grant) -> bool {
        grant.authz.client_id == self.rp.client_id && grant.authz.op == self.op.provider.id
    }
}

fn code_grant(call: &TokenCall) -> Result<Value, TokenError> {
    let (state, form, now) = (call.state, call.form, call.now);
    let code = call.field("code", "no code")?;
    let verifier = call.field("code_verifier", "no code_verifier (PKCE is required)")?;
    // The code is gone whatever follows: single use (RFC 6749 §4.1.2).
    let Some(grant) = state.oidc.take_code(code, now) else {
        return Err(TokenError::grant(
            "the code is unknown, used already or expired",
        ));
    };
    if !call.issued_here(&grant) {
        return Err(TokenError::grant(
            "the code was issued to another client or by another OP",
        ));
    }
    if let Some(r) = form
        .get("redirect_uri")
        .filter(|r| **r != grant.authz.redirect_uri)
    {
        return Err(TokenError::grant(format!(
            "redirect_uri {r} differs from the authorization request's"
        )));
    }
    if !(43..=128).contains(&verifier.len()) || s256(verifier) != grant.authz.code_challenge {
        return Err(TokenError::grant(
            "code_verifier does not match the code_challenge (S256)",
        ));
    }
    let refresh = (grant.authz.consent && grant.authz.scope.iter().any(|s| s == "offline_access"))
        .then(|| state.ids.token());
    issue(call, grant, refresh, false)
}

fn refresh_grant(call: &TokenCall) -> Result<Value, TokenError> {
    let token = call.field("refresh_token", "no refresh_token")?;
    let Some(record) = call.state.oidc.refresh(token, call.now) else {
        return Err(TokenError::grant(
            "the refresh token is unknown, revoked or expired",
        ));
    };
    if !call.issued_here(&record.grant) {
        return Err(TokenError::grant(
            "the refresh token was issued to another client",
        ));
    }
    issue(call, record.grant, Some(token.clone()), true)
}

/// The access token's claims (RFC 9068 §2.2).
fn access_claims(
    op: &OpRuntime,
    g: &Grant,
    jti: &str,
    now: OffsetDateTime,
    exp: OffsetDateTime,
) -> Value {
    json!({
        "iss": op.issuer,
        "sub": g.sub,
        "aud": [op.userinfo_endpoint(), g.authz.client_id],
        "client_id": g.authz.client_id,
        "scope": g.authz.scope.join(" "),
        "iat": now.unix_timestamp(),
        "exp": exp.unix_timestamp(),
        "jti": jti,
    })
}

fn issue(
    call: &TokenCall,
    grant: Grant,
    refresh: Option<String>,
    refreshed: bool,
) -> Result<Value, TokenError> {
    let TokenCall {
        state, op, rp, now, ..
    } = *call;
    let ids: &IdGenerator = &state.ids;
    let limits = state.oidc.limits;
    let at_jti = ids.token();
    let exp = now + limits.access_lifetime;
    let access_token = signed(
        &op.core_key,
        crate::oidc::jose::JwsAlg::RS256,
        "at+jwt",
        &access_claims(op, &grant, &at_jti, now, exp),
    )?;
    let id_alg = signing_alg(rp.id_token_signed_response_alg.as_deref())?;
    // SPID's long revocable session: a refreshed ID token carries SpidL1 only
    // (differenze_spid_cie.rst).
    let acr = if refreshed && op.profile.refresh_acr_l1 {
        Level::L1
    } else {
        grant.level
    };
    let mut id = json!({
        "iss": op.issuer,
        "sub": grant.sub,
        "aud": [grant.authz.client_id],
        "acr": acr.uri(),
        "at_hash": half_hash(&access_token, id_alg == crate::oidc::jose::JwsAlg::RS512),
        "iat": now.unix_timestamp(),
        "nbf": now.unix_timestamp(),
        "exp": (now + limits.access_lifetime).unix_timestamp(),
        "jti": ids.token(),
        "nonce": grant.authz.nonce,
        "auth_time": grant.auth_time.unix_timestamp(),
    });
    if op.profile.claims_in_id_token && !grant.authz.id_token_claims.is_empty() {
        if let Some(user) = state.fixtures.user(&grant.user) {
            let extra = super::claims::values(user, &grant.authz.id_token_claims);
            if let Some(obj) = id.as_object_mut() {
                obj.extend(extra);
            }
        }
    }
    let seal = match (
        &rp.id_token_encrypted_response_alg,
        op.profile.id_token_encryption,
    ) {
        (Some(_), true) => Some(rp_jwks(rp)?),
        _ => None,
    };
    let craft = state.oidc.craft(&grant.authz.state, now).map(|c| {
        if refreshed {
            c.refreshed_id_token
        } else {
            c.id_token
        }
    });
    let id_token = match (&craft, &seal) {
        (None, Some(jwks)) => sealed(
            &op.core_key,
            id_alg,
            "JWT",
            &id,
            jwks,
            rp.id_token_encrypted_response_alg.as_deref(),
            rp.id_token_encrypted_response_enc.as_deref(),
        )?,
        (None, None) => signed(&op.core_key, id_alg, "JWT", &id)?,
        // A crafted login: keep what was issued (a later craft may replay it elsewhere).
        (Some(c), _) => {
            let c = c.clone().unwrap_or_default();
            crafted::edit(&mut id, &c.edits, now);
            let rp_keys = rp_jwks(rp).ok();
            let token = crafted::produce(
                &c.wrap,
                &id,
                &crafted::Producer {
                    key: &op.core_key,
                    foreign: &op.federation_key,
                    alg: id_alg,
                    typ: "JWT",
                    seal: seal.as_ref().map(|jwks| crafted::SealTo {
                        jwks,
                        alg: rp.id_token_encrypted_response_alg.as_deref(),
                        enc: rp.id_token_encrypted_response_enc.as_deref(),
                    }),
                    rp_jwks: rp_keys.as_ref(),
                },
            )?;
            state.oidc.put_issued(&grant.authz.state, &token, now);
            token
        }
    };
    if let Some(rt) = &refresh {
        state.oidc.put_refresh(
            rt,
            RefreshRecord {
                grant: grant.clone(),
                access_jti: at_jti.clone(),
            },
            now,
        );
    }
    state.oidc.put_access(
        &at_jti,
        AccessRecord {
            grant,
            refresh: refresh.clone(),
            exp,
        },
        now,
    );
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": limits.access_lifetime.whole_seconds(),
        "id_token": id_token,
    });
    // CIE: a refresh gives no ID token (differenze_spid_cie.rst), unless a test crafted one.
    let crafted_refresh = matches!(&craft, Some(Some(_)));
    if refreshed && !op.profile.refresh_id_token && !crafted_refresh {
        if let Some(obj) = body.as_object_mut() {
            obj.remove("id_token");
        }
    }
    if let (Some(rt), Some(obj)) = (refresh, body.as_object_mut()) {
        obj.insert("refresh_token".into(), Value::String(rt));
    }
    Ok(body)
}

/// Reads one of this OP's access tokens: its signature (the OP's own key, `typ: at+jwt`) and
/// its record; `None` when it is not a live token of `op`.
pub fn live_access(
    state: &MockState,
    op: &OpRuntime,
    token: &str,
) -> Option<(String, AccessRecord)> {
    let v =
        crate::oidc::jose::jws::verify(token, &op.core_jwks(), &[crate::oidc::jose::JwsAlg::RS256])
            .ok()?;
    if !v.header.typ_is("at+jwt") {
        return None;
    }
    let claims: Value = v.claims().ok()?;
    let jti = claims.get("jti")?.as_str()?.to_string();
    let record = state.oidc.access(&jti, state.clock.now())?;
    (record.grant.authz.op == op.provider.id).then_some((jti, record))
}
