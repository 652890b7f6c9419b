//! Tokens that are wrong on purpose, for the mocks' anomalies and the relying-party suite: every
//! function here builds something a correct verifier MUST refuse.

use aws_lc_rs::hmac;
use aws_lc_rs::rsa::Pkcs1PublicEncryptingKey;
use serde_json::{Map, Value};

use super::jws::raw_sign;
use super::{b64e, random, split, ContentEnc, Header, JoseError, Jwk, JwsAlg, PrivateKey};

fn header_b64(header: &Map<String, Value>) -> Result<String, JoseError> {
    Ok(b64e(
        &serde_json::to_vec(header).map_err(JoseError::Serialize)?,
    ))
}

/// Joins an arbitrary header, payload and signature, unchanged.
pub fn compact(
    header: &Map<String, Value>,
    payload: &[u8],
    signature: &[u8],
) -> Result<String, JoseError> {
    Ok(format!(
        "{}.{}.{}",
        header_b64(header)?,
        b64e(payload),
        b64e(signature)
    ))
}

/// An unsecured JWS (`alg: none`, empty signature: RFC 7518 §3.6). `extra` adds header members.
pub fn unsigned(payload: &[u8], extra: &Map<String, Value>) -> Result<String, JoseError> {
    let mut header = Map::new();
    header.insert("alg".into(), "none".into());
    header.extend(extra.clone());
    compact(&header, payload, &[])
}

/// HS256 over the token keyed with arbitrary bytes.
pub fn hs256(
    key_bytes: &[u8],
    header: &Map<String, Value>,
    payload: &[u8],
) -> Result<String, JoseError> {
    let mut header = header.clone();
    header.insert("alg".into(), "HS256".into());
    let input = format!("{}.{}", header_b64(&header)?, b64e(payload));
    let key = hmac::Key::new(hmac::HMAC_SHA256, key_bytes);
    let tag = hmac::sign(&key, input.as_bytes());
    Ok(format!("{input}.{}", b64e(tag.as_ref())))
}

/// The algorithm-confusion attack: HS256 keyed with the victim's RSA public key as PEM, `kid`
/// of that key. A verifier that picks the algorithm from the header accepts it.
pub fn hs256_with_public_key(
    public: &Jwk,
    extra: &Map<String, Value>,
    payload: &[u8],
) -> Result<String, JoseError> {
    let mut header = extra.clone();
    if let Some(kid) = &public.kid {
        header.insert("kid".into(), kid.clone().into());
    }
    hs256(public.rsa_public_pem()?.as_bytes(), &header, payload)
}

/// A properly signed token with a caller-built header kept as is (any `kid`, `typ`, extra
/// members): e.g. a `kid` that is not in the issuer's key set.
pub fn signed_with_header(
    key: &PrivateKey,
    alg: JwsAlg,
    header: &Map<String, Value>,
    payload: &[u8],
) -> Result<String, JoseError> {
    let mut header = header.clone();
    header.insert("alg".into(), alg.name().into());
    let input = format!("{}.{}", header_b64(&header)?, b64e(payload));
    let sig = raw_sign(key, alg, input.as_bytes())?;
    Ok(format!("{input}.{}", b64e(&sig)))
}

/// Signed normally, but the header's `kid` says `kid`.
pub fn wrong_kid(
    key: &PrivateKey,
    alg: JwsAlg,
    kid: &str,
    payload: &[u8],
) -> Result<String, JoseError> {
    let mut header = Map::new();
    header.insert("kid".into(), kid.into());
    signed_with_header(key, alg, &header, payload)
}

/// The same compact JWS with one bit of its signature flipped.
pub fn corrupt_signature(token: &str) -> Result<String, JoseError> {
    let parts = split(token, 3, "JWS")?;
    let mut sig = super::b64d(parts[2], super::Part::Signature)?;
    match sig.first_mut() {
        Some(b) => *b ^= 0x01,
        None => sig.push(0),
    }
    Ok(format!("{}.{}.{}", parts[0], parts[1], b64e(&sig)))
}

/// The same compact JWS with its payload replaced (signature kept): a tampered token.
pub fn replace_payload(token: &str, payload: &[u8]) -> Result<String, JoseError> {
    let parts = split(token, 3, "JWS")?;
    Ok(format!("{}.{}.{}", parts[0], b64e(payload), parts[2]))
}

/// A real RSAES-PKCS1-v1_5 (`RSA1_5`) JWE, which SPID/CIE forbid: a decrypter that accepts it
/// is exposed to Bleichenbacher-style oracles (RFC 7516 §11.5).
pub fn jwe_rsa1_5(
    recipient: &Jwk,
    enc: ContentEnc,
    cty: Option<&str>,
    plaintext: &[u8],
) -> Result<String, JoseError> {
    let mut header = Header::new("RSA1_5");
    header.enc = Some(enc.name().into());
    header.kid = recipient.kid.clone();
    header.cty = cty.map(str::to_owned);
    let cek = random(enc.cek_len())?;
    let key = Pkcs1PublicEncryptingKey::new(recipient.rsa_encrypting_key()?)
        .map_err(|_| JoseError::KeyRejected("not an RSA encryption key".into()))?;
    let mut out = vec![0u8; key.ciphertext_size()];
    let len = key
        .encrypt(&cek, &mut out)
        .map_err(|_| JoseError::Crypto("RSA PKCS#1 v1.5 encryption"))?
        .len();
    out.truncate(len);
    let header_b64 = b64e(&serde_json::to_vec(&header).map_err(JoseError::Serialize)?);
    super::jwe::assemble(&header_b64, &out, enc, &cek, plaintext)
}

/// A JWE whose header is replaced by `header` after encryption with RSA-OAEP-256: the tag no
/// longer covers what the header says (e.g. it claims `alg: RSA1_5` or another `enc`).
pub fn jwe_with_forged_header(
    recipient: &Jwk,
    enc: ContentEnc,
    header: &Map<String, Value>,
    plaintext: &[u8],
) -> Result<String, JoseError> {
    let token = super::jwe::encrypt(recipient, super::KeyAlg::RsaOaep256, enc, None, plaintext)?;
    let parts = split(&token, 5, "JWE")?;
    Ok(format!(
        "{}.{}.{}.{}.{}",
        header_b64(header)?,
        parts[1],
        parts[2],
        parts[3],
        parts[4]
    ))
}
