//! The RP's checks on what the OP answers: the ID token (through `openidconnect`'s verifier:
//! signature, alg, iss, aud, exp, iat, nonce, acr; `at_hash` with its `AccessTokenHash`), after
//! decrypting it when the OP encrypted it (CIE), and the userinfo JWS-in-JWE (with
//! `mock_idps::oidc::jose`, since openidconnect has no JWE). Each refusal names its switch.

use crate::error::{require, shown_json, RpError};
use crate::faults::Faults;
use crate::op::OpInfo;
use mock_idps::oidc::jose::{jwe, jws, ContentEnc, KeyAlg, PrivateKey};
use mock_idps::oidc::op::provider::ACCEPTED_SIGNATURES;
use mock_idps::spid::level::Level;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, AccessTokenHash, ClaimsVerificationError, ClientId, IssuerUrl, Nonce,
    SignatureVerificationError,
};
use serde_json::Value;
use std::str::FromStr;
use time::{Duration, OffsetDateTime};

/// The key-management algorithms the RP decrypts (cryptographic_algos.rst; never RSA1_5).
pub const KEY_ALGS: [KeyAlg; 2] = [KeyAlg::RsaOaep, KeyAlg::RsaOaep256];
/// The content encryptions the RP decrypts.
pub const CONTENT_ENCS: [ContentEnc; 2] = [ContentEnc::A128CbcHs256, ContentEnc::A256CbcHs512];

/// How far the OP clock may be ahead of ours.
pub const SKEW: Duration = Duration::minutes(2);
/// Oldest ID token accepted (its iat).
pub const MAX_AGE: Duration = Duration::minutes(10);

/// What an answer is checked against.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// The OP the request went to.
    pub op: &'a OpInfo,
    /// Our client_id.
    pub client_id: &'a str,
    /// The nonce our request sent.
    pub nonce: &'a str,
    /// The level we asked for.
    pub level: Level,
    /// The access token issued with the ID token.
    pub access_token: &'a str,
    /// Our clock.
    pub now: OffsetDateTime,
    /// The ID token comes from a refresh.
    pub refreshed: bool,
    /// Our metadata asks this OP to encrypt ID tokens (CIE).
    pub encrypted_id_token: bool,
}

/// A verified ID token.
#[derive(Debug, Clone)]
pub struct IdToken {
    /// `sub`.
    pub sub: String,
    /// The level `acr` names.
    pub level: Option<Level>,
    /// Every claim, as sent.
    pub claims: Value,
}

fn jwe_parts(s: &str) -> bool {
    s.split('.').count() == 5
}

fn decrypt(raw: &str, key: &PrivateKey, check: &'static str) -> Result<String, RpError> {
    let d = jwe::decrypt(raw, std::slice::from_ref(key), &KEY_ALGS, &CONTENT_ENCS)
        .map_err(|e| RpError::refused(check, format!("cannot decrypt with our key: {e}")))?;
    String::from_utf8(d.plaintext)
        .map_err(|_| RpError::refused(check, "the decrypted content is not text"))
}

fn chrono_of(t: OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default()
}

fn map_claims_error(e: ClaimsVerificationError) -> RpError {
    match e {
        // openidconnect reports the iat check as `Expired` too: our iat messages start "iat ".
        ClaimsVerificationError::Expired(d) if d.starts_with("iat ") => {
            RpError::refused("id-token-iat", d)
        }
        ClaimsVerificationError::Expired(d) => RpError::refused("id-token-exp", d),
        ClaimsVerificationError::InvalidAudience(d) => RpError::refused("id-token-aud", d),
        ClaimsVerificationError::InvalidIssuer(d) => RpError::refused("id-token-iss", d),
        ClaimsVerificationError::InvalidNonce(d) => RpError::refused("nonce", d),
        ClaimsVerificationError::InvalidAuthContext(d) => RpError::refused("acr", d),
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(d),
        ) => RpError::refused("id-token-alg", d),
        ClaimsVerificationError::SignatureVerification(s) => {
            RpError::refused("id-token-signature", s.to_string())
        }
        other => RpError::refused("id-token-signature", other.to_string()),
    }
}

/// The claims an ID token may carry besides user attributes (OIDC Core §2 and §3.1.3.6, the
/// SPID ID-token table of token_endpoint.rst).
const ID_TOKEN_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "c_hash",
    "auth_time",
    "sid",
];

/// Checks an ID token (decrypting it first when it is a JWE).
pub fn id_token(
    raw: &str,
    x: &Expect<'_>,
    enc_key: &PrivateKey,
    faults: &Faults,
) -> Result<IdToken, RpError> {
    let inner = if jwe_parts(raw) {
        decrypt(raw, enc_key, "id-token-encryption")?
    } else {
        require(faults, "id-token-encryption", !x.encrypted_id_token, || {
            "the ID token is not encrypted although our metadata asks for id_token_encrypted_response_alg".into()
        })?;
        raw.to_string()
    };
    let unverified = jws::decode_unverified(&inner)
        .map_err(|e| RpError::refused("id-token-signature", format!("not a JWS: {e}")))?;
    if faults.on("id-token-kid") {
        match &unverified.header.kid {
            Some(kid) if x.op.jwks.find(kid).is_some() => {}
            Some(kid) => {
                return Err(RpError::refused(
                    "id-token-kid",
                    format!(
                        "kid {kid} is not in the OP's resolved jwks ({})",
                        x.op.jwks.kids().join(", ")
                    ),
                ))
            }
            None => return Err(RpError::refused("id-token-kid", "the header has no kid")),
        }
    }
    let token = CoreIdToken::from_str(&inner)
        .map_err(|e| RpError::refused("id-token-signature", format!("not an ID token: {e}")))?;
    let keys: CoreJsonWebKeySet = serde_json::from_value(x.op.jwks_json.clone())
        .map_err(|e| RpError::Internal(format!("the OP's jwks: {e}")))?;
    let issuer =
        IssuerUrl::new(x.op.issuer.clone()).map_err(|e| RpError::Internal(e.to_string()))?;
    let mut verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(x.client_id.to_string()),
        issuer,
        keys,
    );
    if faults.is_off("id-token-signature") {
        verifier = verifier.insecure_disable_signature_check();
    }
    verifier = if faults.on("id-token-alg") {
        verifier.set_allowed_algs(ACCEPTED_SIGNATURES.iter().filter_map(|a| {
            serde_json::from_value::<CoreJwsSigningAlgorithm>(Value::String(a.name().into())).ok()
        }))
    } else {
        verifier.allow_any_alg()
    };
    verifier = verifier
        .require_issuer_match(faults.on("id-token-iss"))
        .require_audience_match(faults.on("id-token-aud"));
    let now = x.now;
    let check_exp = faults.on("id-token-exp");
    verifier = verifier.set_time_fn(move || {
        if check_exp {
            chrono_of(now)
        } else {
            chrono::DateTime::UNIX_EPOCH
        }
    });
    if faults.on("id-token-iat") {
        verifier = verifier.set_issue_time_verifier_fn(move |iat| {
            let iat = iat.timestamp();
            if iat > (now + SKEW).unix_timestamp() {
                Err(format!(
                    "iat {iat} is in the future (our clock {})",
                    now.unix_timestamp()
                ))
            } else if iat < (now - MAX_AGE).unix_timestamp() {
                Err(format!(
                    "iat {iat} is more than {} minutes old",
                    MAX_AGE.whole_minutes()
                ))
            } else {
                Ok(())
            }
        });
    }
    let wanted = x.level;
    if faults.on("acr") {
        verifier = verifier.set_auth_context_verifier_fn(move |acr| {
            match acr.map(|a| Level::from_uri(a.as_str())) {
                Some(Some(l)) if l >= wanted => Ok(()),
                Some(Some(l)) => Err(format!("acr {l} is below the requested {wanted}")),
                Some(None) => Err(format!(
                    "acr {} is not a SPID level",
                    crate::error::shown(acr.map(|a| a.to_string()))
                )),
                None => Err("no acr (SPID and CIE make it REQUIRED)".into()),
            }
        });
    }
    let nonce = Nonce::new(x.nonce.to_string());
    let claims = if faults.on("nonce") {
        token.claims(&verifier, &nonce)
    } else {
        token.claims(&verifier, |_: Option<&Nonce>| Ok(()))
    }
    .map_err(map_claims_error)?;
    if faults.on("at-hash") {
        let sent = claims
            .access_token_hash()
            .ok_or_else(|| RpError::refused("at-hash", "no at_hash"))?;
        let alg = token
            .signing_alg()
            .map_err(|e| RpError::refused("at-hash", e.to_string()))?;
        let key = token
            .signing_key(&verifier)
            .map_err(|e| RpError::refused("at-hash", e.to_string()))?;
        let expected =
            AccessTokenHash::from_token(&AccessToken::new(x.access_token.to_string()), alg, key)
                .map_err(|e| RpError::refused("at-hash", e.to_string()))?;
        if *sent != expected {
            return Err(RpError::refused(
                "at-hash",
                format!(
                    "at_hash {} is not the access token's {}",
                    sent.as_str(),
                    expected.as_str()
                ),
            ));
        }
    }
    let level = claims
        .auth_context_ref()
        .and_then(|a| Level::from_uri(a.as_str()));
    // SPID long revocable session: a refreshed ID token carries SpidL1 only (differenze_spid_cie.rst).
    if x.refreshed && !x.op.cie {
        require(faults, "refresh-acr", level == Some(Level::L1), || {
            format!(
                "a refreshed SPID ID token must carry acr SpidL1, not {}",
                claims
                    .auth_context_ref()
                    .map_or_else(|| "none".to_string(), |a| a.as_str().to_string())
            )
        })?;
    }
    let payload: Value = unverified
        .claims()
        .map_err(|e| RpError::refused("id-token-signature", e.to_string()))?;
    // SPID: user attributes are not requested in the ID token, only at userinfo
    // (authorization_endpoint.rst, parameters scope and claims).
    if !x.op.cie && faults.on("id-token-claims") {
        let extra: Vec<&str> = payload
            .as_object()
            .map(|o| {
                o.keys()
                    .map(String::as_str)
                    .filter(|k| !ID_TOKEN_CLAIMS.contains(k))
                    .collect()
            })
            .unwrap_or_default();
        if !extra.is_empty() {
            return Err(RpError::refused(
                "id-token-claims",
                format!(
                    "a SPID ID token carries user claims ({}): SPID releases them at userinfo only",
                    extra.join(", ")
                ),
            ));
        }
    }
    // RFC 7519 §4.1.5: a JWT MUST NOT be accepted before its nbf (openidconnect ignores it).
    if faults.on("id-token-nbf") {
        if let Some(nbf) = payload.get("nbf") {
            let limit = (x.now + SKEW).unix_timestamp();
            if nbf.as_i64().is_none_or(|n| n > limit) {
                return Err(RpError::refused(
                    "id-token-nbf",
                    format!(
                        "nbf {nbf} is in the future or not a number (our clock {})",
                        x.now.unix_timestamp()
                    ),
                ));
            }
        }
    }
    Ok(IdToken {
        sub: claims.subject().to_string(),
        level,
        claims: payload,
    })
}

/// Checks a userinfo answer: a JWE to our key around a JWS of the OP, `sub` and `aud`.
pub fn userinfo(
    body: &str,
    x: &Expect<'_>,
    id_sub: &str,
    enc_key: &PrivateKey,
    faults: &Faults,
) -> Result<Value, RpError> {
    let body = body.trim();
    let inner = if jwe_parts(body) {
        decrypt(body, enc_key, "userinfo-encryption")?
    } else if faults.on("userinfo-encryption") {
        return Err(RpError::refused(
            "userinfo-encryption",
            "the userinfo answer is not a JWE (userinfo_endpoint.rst: signed and encrypted)",
        ));
    } else {
        body.to_string()
    };
    let claims: Value = if inner.trim_start().starts_with('{') {
        if faults.on("userinfo-signature") {
            return Err(RpError::refused(
                "userinfo-signature",
                "the userinfo content is plain JSON, not a JWS",
            ));
        }
        serde_json::from_str(&inner)
            .map_err(|e| RpError::refused("userinfo-signature", e.to_string()))?
    } else if faults.on("userinfo-signature") {
        jws::verify(&inner, &x.op.jwks, &ACCEPTED_SIGNATURES)
            .and_then(|v| v.claims())
            .map_err(|e| RpError::refused("userinfo-signature", e.to_string()))?
    } else {
        jws::decode_unverified(&inner)
            .and_then(|u| u.claims())
            .map_err(|e| RpError::refused("userinfo-signature", e.to_string()))?
    };
    let sub = claims.get("sub");
    require(
        faults,
        "userinfo-sub",
        sub.and_then(Value::as_str) == Some(id_sub),
        || {
            format!(
                "userinfo sub {} is not the ID token's {id_sub}",
                shown_json(sub)
            )
        },
    )?;
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == x.client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(x.client_id)),
        _ => false,
    };
    require(faults, "userinfo-aud", aud_ok, || {
        format!(
            "userinfo aud {} is not our client_id {}",
            shown_json(claims.get("aud")),
            x.client_id
        )
    })?;
    // userinfo_endpoint.rst: iss is the URI of the OP (Core §5.3.2: the OP's issuer); the
    // guidelines do not make the RP check it, this RP does (a userinfo of another OP is not
    // this login's).
    let iss = claims.get("iss");
    require(
        faults,
        "userinfo-iss",
        iss.and_then(Value::as_str) == Some(x.op.issuer.as_str()),
        || {
            format!(
                "userinfo iss {} is not the OP {}",
                shown_json(iss),
                x.op.issuer
            )
        },
    )?;
    Ok(claims)
}
