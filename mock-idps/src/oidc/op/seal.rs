//! Signing and signing-then-encrypting what the OPs emit, with `oidc::jose`: the one place the
//! OP code calls the JOSE layer to produce tokens.

use crate::oidc::jose::{
    jwe, jws, ContentEnc, JoseError, Jwk, Jwks, JwsAlg, KeyAlg, KeyUse, PrivateKey,
};
use serde_json::Value;

/// Why a token could not be produced for an RP.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The RP's metadata names an algorithm the OP does not implement or refuses.
    #[error("the RP's metadata asks for {what} {name:?}, which this OP does not use (allowed: {allowed})")]
    Algorithm {
        /// Which metadata member.
        what: &'static str,
        /// The value.
        name: String,
        /// What would be accepted.
        allowed: &'static str,
    },
    /// The RP's jwks has no encryption key.
    #[error("the RP's jwks has no RSA key for encryption (use \"enc\" or no use)")]
    NoEncryptionKey,
    /// The JOSE layer failed.
    #[error(transparent)]
    Jose(#[from] JoseError),
}

/// A signature algorithm the OP emits with (RS256 default; RS512 on request).
pub fn signing_alg(requested: Option<&str>) -> Result<JwsAlg, SealError> {
    match requested {
        None | Some("RS256") => Ok(JwsAlg::RS256),
        Some("RS512") => Ok(JwsAlg::RS512),
        Some(other) => Err(SealError::Algorithm {
            what: "signing alg",
            name: other.to_string(),
            allowed: "RS256, RS512",
        }),
    }
}

/// Signs `claims` with the OP key.
pub fn signed(
    key: &PrivateKey,
    alg: JwsAlg,
    typ: &str,
    claims: &Value,
) -> Result<String, SealError> {
    Ok(jws::sign_claims(key, alg, Some(typ), claims)?)
}

fn key_alg(name: Option<&str>) -> Result<KeyAlg, SealError> {
    match name {
        None | Some("RSA-OAEP-256") => Ok(KeyAlg::RsaOaep256),
        Some("RSA-OAEP") => Ok(KeyAlg::RsaOaep),
        Some(other) => Err(SealError::Algorithm {
            what: "encryption alg",
            name: other.to_string(),
            allowed: "RSA-OAEP, RSA-OAEP-256",
        }),
    }
}

fn content_enc(name: Option<&str>) -> Result<ContentEnc, SealError> {
    match name {
        None | Some("A256CBC-HS512") => Ok(ContentEnc::A256CbcHs512),
        Some("A128CBC-HS256") => Ok(ContentEnc::A128CbcHs256),
        Some(other) => Err(SealError::Algorithm {
            what: "encryption enc",
            name: other.to_string(),
            allowed: "A128CBC-HS256, A256CBC-HS512",
        }),
    }
}

/// The RP's encryption key: the first RSA key whose `use` is `enc` or absent.
pub fn encryption_key(jwks: &Jwks) -> Result<&Jwk, SealError> {
    jwks.keys
        .iter()
        .find(|k| k.kty() == "RSA" && k.key_use != Some(KeyUse::Sig))
        .ok_or(SealError::NoEncryptionKey)
}

/// Signs `claims` with the OP key, then encrypts the JWS for the RP (nested JWT, `cty: JWT`).
pub fn sealed(
    key: &PrivateKey,
    alg: JwsAlg,
    typ: &str,
    claims: &Value,
    rp_jwks: &Jwks,
    enc_alg: Option<&str>,
    enc: Option<&str>,
) -> Result<String, SealError> {
    let to = encryption_key(rp_jwks)?;
    Ok(jwe::sign_then_encrypt(
        key,
        alg,
        Some(typ),
        claims,
        to,
        key_alg(enc_alg)?,
        content_enc(enc)?,
    )?)
}
