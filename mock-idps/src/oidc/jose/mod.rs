//! A small typed JOSE layer on aws-lc-rs: JWK/JWKS with RFC 7638 thumbprints, JWS compact
//! signing and verification, JWE compact encryption and decryption, and [`craft`] for tokens that
//! are wrong on purpose.
//!
//! Why not a crate: no pure-Rust JOSE crate covers the SPID/CIE MUST algorithms (RSA-OAEP-256 and
//! the AES-CBC-HMAC content encryptions), and the one that does needs OpenSSL. aws-lc-rs is
//! already in the dependency tree and has every primitive.
//!
//! | Item | What |
//! |---|---|
//! | [`PrivateKey`] | RSA or EC private key (PKCS#8 DER/PEM, generation), its public [`Jwk`] |
//! | [`Jwk`], [`Jwks`], [`Jwk::thumbprint`] | public keys (RFC 7517), RFC 7638 thumbprint |
//! | [`jws::sign`], [`jws::sign_claims`], [`jws::verify`], [`jws::decode_unverified`] | JWS compact (RFC 7515) |
//! | [`jwe::encrypt`], [`jwe::decrypt`], [`jwe::sign_then_encrypt`], [`jwe::decrypt_then_verify`] | JWE compact (RFC 7516), nested JWT with `cty: JWT` |
//! | [`JwsAlg`], [`KeyAlg`], [`ContentEnc`], [`EcCurve`] | the algorithms implemented (RFC 7518) |
//! | [`craft`] | `alg: none`, HS256 keyed with the public key, wrong kid, broken signature, RSA1_5 JWE |
//! | [`JoseError`] | every failure, typed |
//!
//! Verification always takes an explicit allow-list: `none`, `HS*` and `RSA1_5` are not even
//! variants of the algorithm enums, so normal code cannot accept them.

mod alg;
pub mod craft;
mod error;
mod header;
pub mod jwe;
mod jwk;
pub mod jws;

pub use alg::{ContentEnc, EcCurve, JwsAlg, KeyAlg};
pub use error::{JoseError, Part};
pub use header::Header;
pub use jwk::{Jwk, Jwks, KeyParams, KeyUse, PrivateKey};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Unpadded base64url.
pub fn b64e(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Strict unpadded base64url decoding of one part.
pub(crate) fn b64d(text: &str, part: Part) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| JoseError::Base64(part))
}

/// Random bytes from the system generator.
pub(crate) fn random(len: usize) -> Result<Vec<u8>, JoseError> {
    let mut buf = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut buf).map_err(|_| JoseError::Crypto("random bytes"))?;
    Ok(buf)
}

/// Splits a compact serialization into exactly `n` segments.
pub(crate) fn split<'a>(
    token: &'a str,
    n: usize,
    kind: &'static str,
) -> Result<Vec<&'a str>, JoseError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != n {
        return Err(JoseError::Shape {
            kind,
            expected: n,
            found: parts.len(),
        });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests;
