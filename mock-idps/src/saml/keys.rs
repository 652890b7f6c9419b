//! Signing keys and trusted certificates, parsed once at start and reused for every signature.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use std::sync::{Arc, OnceLock};
use time::OffsetDateTime;

/// Why a key or certificate could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not PEM with the expected label.
    #[error("expected a PEM block labelled {label}: {detail}")]
    Pem {
        /// The PEM label that was looked for.
        label: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The private key is not an RSA PKCS#8 key that the crypto provider accepts.
    #[error("the private key is not a usable RSA PKCS#8 key: {0}")]
    PrivateKey(String),
    /// The certificate is not valid DER X.509.
    #[error("the certificate cannot be parsed: {0}")]
    Certificate(String),
    /// The key type of the certificate is not RSA or ECDSA P-256/P-384.
    #[error("unsupported certificate key type (OID {0}); use RSA or ECDSA P-256/P-384")]
    UnsupportedKey(String),
}

/// An RSA private key with its certificate, ready to sign XML and Redirect queries.
pub struct SigningKey {
    key: KeyPair,
    cert_der: Vec<u8>,
    cert_base64: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("modulus_bits", &(self.key.public_modulus_len() * 8))
            .finish()
    }
}

impl SigningKey {
    /// Parses a PKCS#8 PEM private key and its PEM certificate.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, KeyError> {
        let key_der = pem_block(key_pem, "PRIVATE KEY")?;
        let cert_der = pem_block(cert_pem, "CERTIFICATE")?;
        let key = KeyPair::from_pkcs8(&key_der).map_err(|e| KeyError::PrivateKey(e.to_string()))?;
        x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|e| KeyError::Certificate(e.to_string()))?;
        Ok(Self {
            key,
            cert_base64: base64::engine::general_purpose::STANDARD.encode(&cert_der),
            cert_der,
            rng: SystemRandom::new(),
        })
    }

    /// Signs `message` with RSA PKCS#1 v1.5 SHA-256.
    pub fn sign_rsa_sha256(&self, message: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        // Invariant: the buffer has the modulus length and the key was accepted at load time,
        // so aws-lc cannot fail here short of memory exhaustion.
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
            .expect("RSA signing with a validated key");
        sig
    }

    /// The certificate in DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate in base64, as `ds:X509Certificate` carries it.
    pub fn cert_base64(&self) -> &str {
        &self.cert_base64
    }

    /// The certificate as a trusted verifier (for self-checks and tests).
    pub fn trusted_cert(&self) -> TrustedCert {
        // Invariant: the certificate was parsed in `from_pem`.
        TrustedCert::from_der(self.cert_der.clone()).expect("certificate parsed at load")
    }
}

/// The public key type of a trusted certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyKind {
    /// RSA.
    Rsa,
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
}

/// A certificate whose key we trust to verify signatures (an SP's metadata signing certificate).
#[derive(Debug, Clone)]
pub struct TrustedCert {
    der: Vec<u8>,
    public_key: Vec<u8>,
    kind: PublicKeyKind,
    not_after: OffsetDateTime,
    key_bits: usize,
    /// The key parsed for each verification algorithm on first use, shared by the clones, so a
    /// verification does not parse the DER key again (one parse per algorithm per certificate).
    parsed: Arc<ParsedKeys>,
}

/// The verification algorithms a trusted key may be used with, in [`ParsedKeys`] slot order.
static VERIFIERS: [&'static dyn VerificationAlgorithm; 7] = [
    &signature::RSA_PKCS1_2048_8192_SHA256,
    &signature::RSA_PKCS1_2048_8192_SHA384,
    &signature::RSA_PKCS1_2048_8192_SHA512,
    &signature::ECDSA_P256_SHA256_FIXED,
    &signature::ECDSA_P256_SHA256_ASN1,
    &signature::ECDSA_P384_SHA384_FIXED,
    &signature::ECDSA_P384_SHA384_ASN1,
];

/// One lazily parsed key per entry of [`VERIFIERS`] (`None` inside: the key does not parse for
/// that algorithm, so every signature checked with it is refused).
#[derive(Default)]
struct ParsedKeys([OnceLock<Option<ParsedPublicKey>>; 7]);

impl std::fmt::Debug for ParsedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parsed = self.0.iter().filter(|s| s.get().is_some()).count();
        f.debug_struct("ParsedKeys")
            .field("parsed", &parsed)
            .finish()
    }
}

impl ParsedKeys {
    fn verify(&self, slot: usize, public_key: &[u8], message: &[u8], sig: &[u8]) -> bool {
        self.0[slot]
            .get_or_init(|| ParsedPublicKey::new(VERIFIERS[slot], public_key).ok())
            .as_ref()
            .is_some_and(|key| key.verify_sig(message, sig).is_ok())
    }
}

impl TrustedCert {
    /// Parses a DER certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Self, KeyError> {
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| KeyError::Certificate(e.to_string()))?;
        let spki = cert.public_key();
        let oid = spki.algorithm.algorithm.to_id_string();
        let public_key = spki.subject_public_key.data.to_vec();
        let kind = match oid.as_str() {
            "1.2.840.113549.1.1.1" => PublicKeyKind::Rsa,
            "1.2.840.10045.2.1" => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string())
                    .unwrap_or_default();
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => PublicKeyKind::EcP256,
                    "1.3.132.0.34" => PublicKeyKind::EcP384,
                    other => return Err(KeyError::UnsupportedKey(format!("{oid} curve {other}"))),
                }
            }
            other => return Err(KeyError::UnsupportedKey(other.to_string())),
        };
        let key_bits = match kind {
            PublicKeyKind::Rsa => aws_lc_rs::rsa::PublicKey::from_der(&public_key)
                .map(|k| k.modulus_len() * 8)
                .unwrap_or(0),
            PublicKeyKind::EcP256 => 256,
            PublicKeyKind::EcP384 => 384,
        };
        let not_after = OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp())
            .map_err(|e| KeyError::Certificate(e.to_string()))?;
        Ok(Self {
            der,
            public_key,
            kind,
            not_after,
            key_bits,
            parsed: Arc::default(),
        })
    }

    /// Parses a PEM certificate.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_der(pem_block(pem, "CERTIFICATE")?)
    }

    /// Parses the base64 body of a `ds:X509Certificate` element (whitespace allowed).
    pub fn from_base64(b64: &str) -> Result<Self, KeyError> {
        let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(clean)
            .map_err(|e| KeyError::Certificate(format!("bad base64: {e}")))?;
        Self::from_der(der)
    }

    /// The certificate in DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The key type.
    pub fn kind(&self) -> PublicKeyKind {
        self.kind
    }

    /// The key size in bits.
    pub fn key_bits(&self) -> usize {
        self.key_bits
    }

    /// The end of the certificate's validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Verifies a raw signature (`Signature` parameter of the Redirect binding) over `message`
    /// with the algorithm named by `sig_alg` (an XML-DSig URI). `Ok(false)` means a bad signature.
    pub fn verify_raw(
        &self,
        sig_alg: &str,
        message: &[u8],
        sig: &[u8],
    ) -> Result<bool, UnsupportedAlgorithm> {
        // Slots of VERIFIERS: ECDSA signatures come as fixed-width r||s or as ASN.1.
        let slots: &[usize] = match (self.kind, sig_alg) {
            (PublicKeyKind::Rsa, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") => &[0],
            (PublicKeyKind::Rsa, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384") => &[1],
            (PublicKeyKind::Rsa, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512") => &[2],
            (PublicKeyKind::EcP256, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256") => {
                &[3, 4]
            }
            (PublicKeyKind::EcP384, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384") => {
                &[5, 6]
            }
            _ => return Err(UnsupportedAlgorithm(sig_alg.to_string())),
        };
        Ok(slots
            .iter()
            .any(|slot| self.parsed.verify(*slot, &self.public_key, message, sig)))
    }
}

/// A signature algorithm we do not accept (SHA-1, unknown URIs, or one that does not fit the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signature algorithm {0} is not accepted: use rsa-sha256/384/512 or ecdsa-sha256/384")]
pub struct UnsupportedAlgorithm(pub String);

/// Extracts and decodes the first PEM block labelled `label`.
pub fn pem_block(text: &str, label: &'static str) -> Result<Vec<u8>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let err = |detail: &str| KeyError::Pem {
        label,
        detail: detail.to_string(),
    };
    let start = text.find(&begin).ok_or_else(|| err("no BEGIN line"))? + begin.len();
    let stop = text[start..].find(&end).ok_or_else(|| err("no END line"))? + start;
    let body: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| err(&format!("bad base64: {e}")))
}
