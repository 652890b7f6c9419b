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
        allowed: String,
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
    choose(
        requested,
        "signing alg",
        &[("RS256", JwsAlg::RS256), ("RS512", JwsAlg::RS512)],
    )
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

/// The value `requested` names among `choices` (the first one when nothing is requested); a
/// refusal names `what` was asked and what is allowed.
fn choose<T: Copy>(
    requested: Option<&str>,
    what: &'static str,
    choices: &[(&str, T)],
) -> Result<T, SealError> {
    let Some(name) = requested else {
        return Ok(choices[0].1);
    };
    let found = choices.iter().find(|(n, _)| *n == name);
    found.map(|(_, v)| *v).ok_or_else(|| {
        let mut names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        SealError::Algorithm {
            what,
            name: name.to_string(),
            allowed: names.join(", "),
        }
    })
}

/// The key-management algorithms the OP encrypts with, the default first.
const KEY_ALGS: &[(&str, KeyAlg)] = &[
    ("RSA-OAEP-256", KeyAlg::RsaOaep256),
    ("RSA-OAEP", KeyAlg::RsaOaep),
];

/// The content encryptions the OP uses, the default first.
const CONTENT_ENCS: &[(&str, ContentEnc)] = &[
    ("A256CBC-HS512", ContentEnc::A256CbcHs512),
    ("A128CBC-HS256", ContentEnc::A128CbcHs256),
];

fn key_alg(name: Option<&str>) -> Result<KeyAlg, SealError> {
    choose(name, "encryption alg", KEY_ALGS)
}

fn content_enc(name: Option<&str>) -> Result<ContentEnc, SealError> {
    choose(name, "encryption enc", CONTENT_ENCS)
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
