//! JSON Web Keys (RFC 7517) for the public side, private keys as PKCS#8 DER in memory, and the
//! RFC 7638 thumbprint used as `kid`.

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PrivateDecryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use serde::{Deserialize, Serialize};

use super::alg::EcCurve;
use super::{b64d, b64e, JoseError, Part};

/// What a key is published for (RFC 7517 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyUse {
    /// Signatures.
    #[serde(rename = "sig")]
    Sig,
    /// Encryption.
    #[serde(rename = "enc")]
    Enc,
}

/// The type-specific public members of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kty")]
pub enum KeyParams {
    /// An RSA public key (RFC 7518 §6.3.1).
    #[serde(rename = "RSA")]
    Rsa {
        /// Modulus, base64url big-endian.
        n: String,
        /// Public exponent, base64url big-endian.
        e: String,
    },
    /// An elliptic-curve public key (RFC 7518 §6.2.1).
    #[serde(rename = "EC")]
    Ec {
        /// The curve name.
        crv: String,
        /// X coordinate, base64url.
        x: String,
        /// Y coordinate, base64url.
        y: String,
    },
}

/// A public JSON Web Key. Private members are never part of this type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `kty` and the type's members.
    #[serde(flatten)]
    pub params: KeyParams,
    /// Key id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kid: Option<String>,
    /// Intended use.
    #[serde(rename = "use", skip_serializing_if = "Option::is_none", default)]
    pub key_use: Option<KeyUse>,
    /// The one algorithm the key is for, if restricted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alg: Option<String>,
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// A set of the given keys.
    pub fn new(keys: Vec<Jwk>) -> Self {
        Self { keys }
    }

    /// The key with this `kid`.
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }

    /// The kids of the set, in order (keys without kid skipped).
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref()).collect()
    }
}

impl Jwk {
    /// The RFC 7638 thumbprint (SHA-256, base64url) of the key's required members.
    pub fn thumbprint(&self) -> String {
        // RFC 7638 §3.2: the required members only, lexicographic order, no whitespace.
        let canonical = match &self.params {
            KeyParams::Rsa { n, e } => {
                serde_json::json!({"e": e, "kty": "RSA", "n": n}).to_string()
            }
            KeyParams::Ec { crv, x, y } => {
                serde_json::json!({"crv": crv, "kty": "EC", "x": x, "y": y}).to_string()
            }
        };
        b64e(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref())
    }

    /// The kid, or the thumbprint when the key has none (for messages).
    pub fn kid_or_thumbprint(&self) -> String {
        self.kid.clone().unwrap_or_else(|| self.thumbprint())
    }

    /// `"RSA"` or `"EC"`.
    pub fn kty(&self) -> &'static str {
        match self.params {
            KeyParams::Rsa { .. } => "RSA",
            KeyParams::Ec { .. } => "EC",
        }
    }

    /// The decoded RSA modulus and exponent.
    pub(crate) fn rsa_components(&self) -> Result<(Vec<u8>, Vec<u8>), JoseError> {
        match &self.params {
            KeyParams::Rsa { n, e } => {
                let n = b64d(n, Part::Key)?;
                let e = b64d(e, Part::Key)?;
                if n.len() < 256 {
                    return Err(JoseError::KeyRejected(format!(
                        "RSA key {} has {} bits, below the 2048 the profiles require",
                        self.kid_or_thumbprint(),
                        n.iter().skip_while(|b| **b == 0).count() * 8
                    )));
                }
                Ok((n, e))
            }
            KeyParams::Ec { .. } => Err(self.mismatch("an EC key where an RSA key is needed")),
        }
    }

    /// The curve and the uncompressed point `04 || x || y`.
    pub(crate) fn ec_point(&self) -> Result<(EcCurve, Vec<u8>), JoseError> {
        match &self.params {
            KeyParams::Ec { crv, x, y } => {
                let curve: EcCurve = crv.parse()?;
                let x = b64d(x, Part::Key)?;
                let y = b64d(y, Part::Key)?;
                let len = curve.coordinate_len();
                if x.len() != len || y.len() != len {
                    return Err(JoseError::KeyRejected(format!(
                        "EC key {}: coordinates must be {len} bytes on {crv}",
                        self.kid_or_thumbprint()
                    )));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Ok((curve, point))
            }
            KeyParams::Rsa { .. } => Err(self.mismatch("an RSA key where an EC key is needed")),
        }
    }

    /// The key as an X.509 SubjectPublicKeyInfo DER (RSA only).
    pub fn rsa_spki_der(&self) -> Result<Vec<u8>, JoseError> {
        let (n, e) = self.rsa_components()?;
        Ok(der::rsa_spki(&n, &e))
    }

    /// The key as a PEM `PUBLIC KEY` (RSA only): the bytes an alg-confusion attack keys HMAC with.
    pub fn rsa_public_pem(&self) -> Result<String, JoseError> {
        Ok(pem::encode(&pem::Pem::new(
            "PUBLIC KEY",
            self.rsa_spki_der()?,
        )))
    }

    pub(crate) fn rsa_encrypting_key(&self) -> Result<PublicEncryptingKey, JoseError> {
        PublicEncryptingKey::from_der(&self.rsa_spki_der()?).map_err(|e| {
            JoseError::KeyRejected(format!("RSA key {}: {e}", self.kid_or_thumbprint()))
        })
    }

    pub(crate) fn mismatch(&self, reason: &str) -> JoseError {
        JoseError::KeyMismatch {
            kid: self.kid_or_thumbprint(),
            reason: reason.to_owned(),
        }
    }
}

#[derive(Debug)]
enum Secret {
    Rsa {
        sign: RsaKeyPair,
        decrypt: PrivateDecryptingKey,
    },
    Ec {
        curve: EcCurve,
        pair: EcdsaKeyPair,
    },
}

/// A private key (RSA or EC) with its public JWK. Cheap to clone (the secret is shared).
#[derive(Debug, Clone)]
pub struct PrivateKey {
    secret: Arc<Inner>,
    public: Jwk,
}

#[derive(Debug)]
struct Inner {
    der: Vec<u8>,
    secret: Secret,
}

fn ec_signing(curve: EcCurve) -> &'static signature::EcdsaSigningAlgorithm {
    match curve {
        EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        EcCurve::P521 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
    }
}

impl PrivateKey {
    /// A fresh RSA key of 2048, 3072 or 4096 bits (about 0.1–1 s for 2048 bits on this class of
    /// machine: prefer the embedded fixture keys in tests).
    pub fn generate_rsa(bits: usize) -> Result<Self, JoseError> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            other => {
                return Err(JoseError::KeyRejected(format!(
                    "RSA keys are generated with 2048, 3072 or 4096 bits, not {other}"
                )))
            }
        };
        let pair =
            RsaKeyPair::generate(size).map_err(|_| JoseError::Crypto("RSA key generation"))?;
        let der = pair
            .as_der()
            .map_err(|_| JoseError::Crypto("PKCS#8 encoding"))?;
        Self::from_pkcs8_der(der.as_ref())
    }

    /// A fresh EC key on `curve`.
    pub fn generate_ec(curve: EcCurve) -> Result<Self, JoseError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(ec_signing(curve), &rng)
            .map_err(|_| JoseError::Crypto("EC key generation"))?;
        Self::from_pkcs8_der(doc.as_ref())
    }

    /// Reads a PKCS#8 private key (RSA, or EC on P-256/P-384/P-521). The `kid` is the RFC 7638
    /// thumbprint until [`PrivateKey::with_kid`] changes it.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, JoseError> {
        let (secret, params) = if let Ok(sign) = RsaKeyPair::from_pkcs8(der) {
            let decrypt = PrivateDecryptingKey::from_pkcs8(der)
                .map_err(|e| JoseError::KeyRejected(format!("RSA key: {e}")))?;
            if sign.public_modulus_len() < 256 {
                return Err(JoseError::KeyRejected(
                    "RSA keys must have at least 2048 bits".into(),
                ));
            }
            let public = sign.public_key();
            let params = KeyParams::Rsa {
                n: b64e(public.modulus().big_endian_without_leading_zero()),
                e: b64e(public.exponent().big_endian_without_leading_zero()),
            };
            (Secret::Rsa { sign, decrypt }, params)
        } else {
            let (curve, pair) = [EcCurve::P256, EcCurve::P384, EcCurve::P521]
                .into_iter()
                .find_map(|c| {
                    EcdsaKeyPair::from_pkcs8(ec_signing(c), der)
                        .ok()
                        .map(|p| (c, p))
                })
                .ok_or_else(|| {
                    JoseError::KeyRejected(
                        "not a PKCS#8 RSA or EC (P-256, P-384, P-521) private key".into(),
                    )
                })?;
            let point = pair.public_key().as_ref();
            let len = curve.coordinate_len();
            let params = KeyParams::Ec {
                crv: curve.name().to_owned(),
                x: b64e(&point[1..=len]),
                y: b64e(&point[1 + len..]),
            };
            (Secret::Ec { curve, pair }, params)
        };
        let mut public = Jwk {
            params,
            kid: None,
            key_use: None,
            alg: None,
        };
        public.kid = Some(public.thumbprint());
        Ok(Self {
            secret: Arc::new(Inner {
                der: der.to_vec(),
                secret,
            }),
            public,
        })
    }

    /// Reads a PEM `PRIVATE KEY` (PKCS#8).
    pub fn from_pkcs8_pem(text: &str) -> Result<Self, JoseError> {
        let block = pem::parse(text).map_err(|e| JoseError::KeyRejected(format!("PEM: {e}")))?;
        if block.tag() != "PRIVATE KEY" {
            return Err(JoseError::KeyRejected(format!(
                "expected a PEM \"PRIVATE KEY\" (PKCS#8) block, found {:?}",
                block.tag()
            )));
        }
        Self::from_pkcs8_der(block.contents())
    }

    /// The PKCS#8 DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.secret.der
    }

    /// The PKCS#8 PEM.
    pub fn pkcs8_pem(&self) -> String {
        pem::encode(&pem::Pem::new("PRIVATE KEY", self.secret.der.clone()))
    }

    /// The public JWK (with kid, and use/alg when set).
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        self.public.kid.as_deref().unwrap_or_default()
    }

    /// The same key with another public `kid`.
    pub fn with_kid(&self, kid: impl Into<String>) -> Self {
        self.with_public(|p| p.kid = Some(kid.into()))
    }

    /// The same key published with `use`.
    pub fn with_use(&self, key_use: KeyUse) -> Self {
        self.with_public(|p| p.key_use = Some(key_use))
    }

    fn with_public(&self, change: impl FnOnce(&mut Jwk)) -> Self {
        let mut public = self.public.clone();
        change(&mut public);
        Self {
            secret: Arc::clone(&self.secret),
            public,
        }
    }

    /// `"RSA"` or `"EC"`.
    pub fn kty(&self) -> &'static str {
        self.public.kty()
    }

    /// The curve of an EC key.
    pub fn curve(&self) -> Option<EcCurve> {
        match &self.secret.secret {
            Secret::Ec { curve, .. } => Some(*curve),
            Secret::Rsa { .. } => None,
        }
    }

    pub(crate) fn rsa_signer(&self) -> Option<&RsaKeyPair> {
        match &self.secret.secret {
            Secret::Rsa { sign, .. } => Some(sign),
            Secret::Ec { .. } => None,
        }
    }

    pub(crate) fn rsa_decrypter(&self) -> Option<&PrivateDecryptingKey> {
        match &self.secret.secret {
            Secret::Rsa { decrypt, .. } => Some(decrypt),
            Secret::Ec { .. } => None,
        }
    }

    pub(crate) fn ec_signer(&self) -> Option<&EcdsaKeyPair> {
        match &self.secret.secret {
            Secret::Ec { pair, .. } => Some(pair),
            Secret::Rsa { .. } => None,
        }
    }
}

/// The few DER structures the layer writes.
mod der {
    fn len(out: &mut Vec<u8>, n: usize) {
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes = n.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        len(&mut out, body.len());
        out.extend_from_slice(body);
        out
    }

    fn uint(bytes: &[u8]) -> Vec<u8> {
        let trimmed: &[u8] = {
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            &bytes[skip.min(bytes.len().saturating_sub(1))..]
        };
        let mut body = Vec::with_capacity(trimmed.len() + 1);
        if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            body.push(0);
        }
        body.extend_from_slice(trimmed);
        tlv(0x02, &body)
    }

    /// SubjectPublicKeyInfo { rsaEncryption, RSAPublicKey { n, e } } (RFC 8017 A.1.1, RFC 5280).
    pub(super) fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
        // 1.2.840.113549.1.1.1 with NULL parameters.
        const ALG: [u8; 15] = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let rsa_key = tlv(0x30, &[uint(n), uint(e)].concat());
        let mut bits = vec![0u8];
        bits.extend_from_slice(&rsa_key);
        tlv(0x30, &[ALG.to_vec(), tlv(0x03, &bits)].concat())
    }
}
