//! JWS compact serialization (RFC 7515 §7.1): signing with a [`PrivateKey`], verification
//! against a [`Jwks`] with an explicit allow-list of algorithms.

use aws_lc_rs::signature::{self, RsaEncoding, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::alg::list;
use super::{b64d, b64e, split, EcCurve, Header, JoseError, Jwk, Jwks, JwsAlg, KeyUse, Part};
use super::{KeyParams, PrivateKey};

/// A token whose signature has been checked.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The protected header.
    pub header: Header,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The algorithm that verified.
    pub alg: JwsAlg,
    /// The `kid` of the key that verified it (its thumbprint if the key has none).
    pub kid: String,
}

impl Verified {
    /// The payload as a JSON claim set.
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, JoseError> {
        serde_json::from_slice(&self.payload).map_err(|source| JoseError::Json {
            part: Part::Payload,
            source,
        })
    }
}

/// A token split and decoded, signature not checked: for reading a self-signed entity
/// configuration's keys before verifying it with them.
#[derive(Debug, Clone)]
pub struct Unverified {
    /// The protected header.
    pub header: Header,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`.
    pub signing_input: String,
}

impl Unverified {
    /// The payload as a JSON claim set.
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, JoseError> {
        serde_json::from_slice(&self.payload).map_err(|source| JoseError::Json {
            part: Part::Payload,
            source,
        })
    }
}

/// Decodes a compact JWS without verifying it.
pub fn decode_unverified(token: &str) -> Result<Unverified, JoseError> {
    let parts = split(token, 3, "JWS")?;
    let header = Header::decode(parts[0])?;
    let payload = b64d(parts[1], Part::Payload)?;
    let signature = b64d(parts[2], Part::Signature)?;
    Ok(Unverified {
        header,
        payload,
        signature,
        signing_input: format!("{}.{}", parts[0], parts[1]),
    })
}

/// Signs `payload` with `key`: header `alg`, `kid` (the key's), and `typ` when given.
pub fn sign(
    key: &PrivateKey,
    alg: JwsAlg,
    typ: Option<&str>,
    payload: &[u8],
) -> Result<String, JoseError> {
    let mut header = Header::new(alg.name());
    header.typ = typ.map(str::to_owned);
    sign_with_header(key, alg, header, payload)
}

/// Signs a JSON claim set (see [`sign`]).
pub fn sign_claims<T: Serialize>(
    key: &PrivateKey,
    alg: JwsAlg,
    typ: Option<&str>,
    claims: &T,
) -> Result<String, JoseError> {
    let payload = serde_json::to_vec(claims).map_err(JoseError::Serialize)?;
    sign(key, alg, typ, &payload)
}

/// Signs with a caller-built header: `alg` is set to `alg`, `kid` to the key's unless the
/// header already has one.
pub fn sign_with_header(
    key: &PrivateKey,
    alg: JwsAlg,
    mut header: Header,
    payload: &[u8],
) -> Result<String, JoseError> {
    header.alg = alg.name().to_owned();
    if header.kid.is_none() {
        header.kid = Some(key.kid().to_owned());
    }
    let header = serde_json::to_vec(&header).map_err(JoseError::Serialize)?;
    let input = format!("{}.{}", b64e(&header), b64e(payload));
    let signature = raw_sign(key, alg, input.as_bytes())?;
    Ok(format!("{input}.{}", b64e(&signature)))
}

/// Verifies a compact JWS with a key of `jwks`, accepting only the algorithms in `allowed`.
///
/// The key is the one named by the header's `kid`; without `kid`, every key of the right type
/// is tried. A key whose `use` is `enc` or whose `alg` differs is not used.
pub fn verify(token: &str, jwks: &Jwks, allowed: &[JwsAlg]) -> Result<Verified, JoseError> {
    let token = decode_unverified(token)?;
    verify_decoded(token, jwks, allowed)
}

/// [`verify`] on a token already decoded.
pub fn verify_decoded(
    token: Unverified,
    jwks: &Jwks,
    allowed: &[JwsAlg],
) -> Result<Verified, JoseError> {
    let alg = allowed_alg(&token.header.alg, allowed)?;
    token.header.refuse_extensions()?;
    let candidates: Vec<&Jwk> = match &token.header.kid {
        Some(kid) => vec![jwks
            .find(kid)
            .ok_or_else(|| JoseError::UnknownKid(kid.clone()))?],
        None => jwks.keys.iter().filter(|k| fits(k, alg).is_ok()).collect(),
    };
    if candidates.is_empty() {
        return Err(JoseError::NoKey(kty_for(alg)));
    }
    let mut last = JoseError::BadSignature;
    for key in candidates {
        if let Err(e) = fits(key, alg) {
            last = e;
            continue;
        }
        match raw_verify(key, alg, token.signing_input.as_bytes(), &token.signature) {
            Ok(()) => {
                return Ok(Verified {
                    header: token.header,
                    payload: token.payload,
                    alg,
                    kid: key.kid_or_thumbprint(),
                })
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Parses `name` and checks it is in `allowed`; `none` and `HS*` are refused as not allowed.
pub(crate) fn allowed_alg(name: &str, allowed: &[JwsAlg]) -> Result<JwsAlg, JoseError> {
    let not_allowed = || JoseError::NotAllowed {
        what: "alg",
        value: name.to_owned(),
        allowed: list(allowed),
    };
    match name.parse::<JwsAlg>() {
        Ok(alg) if allowed.contains(&alg) => Ok(alg),
        Ok(_) => Err(not_allowed()),
        Err(_) if name.eq_ignore_ascii_case("none") || name.starts_with("HS") => Err(not_allowed()),
        Err(e) => Err(e),
    }
}

fn kty_for(alg: JwsAlg) -> &'static str {
    if alg.curve().is_some() {
        "EC"
    } else {
        "RSA"
    }
}

/// Whether the public key may verify `alg`.
fn fits(key: &Jwk, alg: JwsAlg) -> Result<(), JoseError> {
    if key.key_use == Some(KeyUse::Enc) {
        return Err(key.mismatch("published for encryption (use: enc)"));
    }
    if let Some(key_alg) = &key.alg {
        if key_alg != alg.name() {
            return Err(key.mismatch(&format!("restricted to alg {key_alg}, token uses {alg}")));
        }
    }
    match (&key.params, alg.curve()) {
        (KeyParams::Rsa { .. }, None) => Ok(()),
        (KeyParams::Ec { crv, .. }, Some(curve)) if crv == curve.name() => Ok(()),
        (KeyParams::Ec { crv, .. }, Some(curve)) => {
            Err(key.mismatch(&format!("curve {crv}, {alg} needs {}", curve.name())))
        }
        _ => Err(key.mismatch(&format!("a {} key cannot verify {alg}", key.kty()))),
    }
}

fn rsa_encoding(alg: JwsAlg) -> Option<&'static dyn RsaEncoding> {
    Some(match alg {
        JwsAlg::RS256 => &signature::RSA_PKCS1_SHA256,
        JwsAlg::RS384 => &signature::RSA_PKCS1_SHA384,
        JwsAlg::RS512 => &signature::RSA_PKCS1_SHA512,
        JwsAlg::PS256 => &signature::RSA_PSS_SHA256,
        JwsAlg::PS384 => &signature::RSA_PSS_SHA384,
        JwsAlg::PS512 => &signature::RSA_PSS_SHA512,
        JwsAlg::ES256 | JwsAlg::ES384 | JwsAlg::ES512 => return None,
    })
}

/// The raw signature of `input` (for JWS and for [`super::craft`]).
pub(crate) fn raw_sign(key: &PrivateKey, alg: JwsAlg, input: &[u8]) -> Result<Vec<u8>, JoseError> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    if let Some(encoding) = rsa_encoding(alg) {
        let pair = key.rsa_signer().ok_or_else(|| {
            key.public_jwk()
                .mismatch(&format!("an EC key cannot sign {alg}"))
        })?;
        let mut sig = vec![0u8; pair.public_modulus_len()];
        pair.sign(encoding, &rng, input, &mut sig)
            .map_err(|_| JoseError::Crypto("RSA signing"))?;
        return Ok(sig);
    }
    let pair = key.ec_signer().ok_or_else(|| {
        key.public_jwk()
            .mismatch(&format!("an RSA key cannot sign {alg}"))
    })?;
    if alg.curve() != key.curve() {
        return Err(key.public_jwk().mismatch(&format!(
            "curve {}, {alg} needs {}",
            key.curve().map(EcCurve::name).unwrap_or_default(),
            alg.curve().map(EcCurve::name).unwrap_or_default()
        )));
    }
    let sig = pair
        .sign(&rng, input)
        .map_err(|_| JoseError::Crypto("ECDSA signing"))?;
    Ok(sig.as_ref().to_vec())
}

fn raw_verify(key: &Jwk, alg: JwsAlg, input: &[u8], sig: &[u8]) -> Result<(), JoseError> {
    let params: &'static signature::RsaParameters = match alg {
        JwsAlg::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        JwsAlg::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        JwsAlg::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        JwsAlg::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        JwsAlg::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        JwsAlg::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        JwsAlg::ES256 | JwsAlg::ES384 | JwsAlg::ES512 => {
            let (curve, point) = key.ec_point()?;
            let verifier: &'static signature::EcdsaVerificationAlgorithm = match curve {
                EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
                EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
                EcCurve::P521 => &signature::ECDSA_P521_SHA512_FIXED,
            };
            return UnparsedPublicKey::new(verifier, &point)
                .verify(input, sig)
                .map_err(|_| JoseError::BadSignature);
        }
    };
    let (n, e) = key.rsa_components()?;
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(params, input, sig)
        .map_err(|_| JoseError::BadSignature)
}
