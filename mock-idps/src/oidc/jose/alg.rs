//! The algorithm names of RFC 7518 this layer implements, as closed enums.
//!
//! SPID/CIE OIDC (spid-cie-oidc-docs, "Cryptographic algorithms"): RS256, RS512, RSA-OAEP,
//! RSA-OAEP-256, A128CBC-HS256, A256CBC-HS512 are MUST; ES256, ES512, PS256, PS512 RECOMMENDED;
//! `none`, HS256/384/512 and RSA1_5 MUST NOT be used. The refused names are not variants here:
//! only [`super::craft`] can emit them.

use std::fmt;
use std::str::FromStr;

use super::JoseError;

/// A JWS signature algorithm (RFC 7518 §3.1) this layer signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JwsAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
}

impl JwsAlg {
    /// Every algorithm, in a stable order.
    pub const ALL: [JwsAlg; 9] = [
        JwsAlg::RS256,
        JwsAlg::RS384,
        JwsAlg::RS512,
        JwsAlg::PS256,
        JwsAlg::PS384,
        JwsAlg::PS512,
        JwsAlg::ES256,
        JwsAlg::ES384,
        JwsAlg::ES512,
    ];
    /// The algorithms SPID/CIE OIDC allow (MUST and RECOMMENDED; ES512 and PS512 included).
    pub const SPID_CIE: [JwsAlg; 6] = [
        JwsAlg::RS256,
        JwsAlg::RS512,
        JwsAlg::PS256,
        JwsAlg::PS512,
        JwsAlg::ES256,
        JwsAlg::ES512,
    ];

    /// The registered name.
    pub fn name(self) -> &'static str {
        match self {
            JwsAlg::RS256 => "RS256",
            JwsAlg::RS384 => "RS384",
            JwsAlg::RS512 => "RS512",
            JwsAlg::PS256 => "PS256",
            JwsAlg::PS384 => "PS384",
            JwsAlg::PS512 => "PS512",
            JwsAlg::ES256 => "ES256",
            JwsAlg::ES384 => "ES384",
            JwsAlg::ES512 => "ES512",
        }
    }

    /// The curve an ECDSA algorithm needs, `None` for the RSA ones.
    pub fn curve(self) -> Option<EcCurve> {
        match self {
            JwsAlg::ES256 => Some(EcCurve::P256),
            JwsAlg::ES384 => Some(EcCurve::P384),
            JwsAlg::ES512 => Some(EcCurve::P521),
            _ => None,
        }
    }
}

/// A JWE key-management algorithm (RFC 7518 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlg {
    /// RSAES OAEP with SHA-1 and MGF1-SHA-1 (RFC 7518 §4.3).
    RsaOaep,
    /// RSAES OAEP with SHA-256 and MGF1-SHA-256 (RFC 7518 §4.3).
    RsaOaep256,
}

impl KeyAlg {
    /// Both algorithms.
    pub const ALL: [KeyAlg; 2] = [KeyAlg::RsaOaep, KeyAlg::RsaOaep256];

    /// The registered name.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlg::RsaOaep => "RSA-OAEP",
            KeyAlg::RsaOaep256 => "RSA-OAEP-256",
        }
    }
}

/// A JWE content-encryption algorithm (RFC 7518 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentEnc {
    /// AES-128-CBC with HMAC-SHA-256 truncated to 128 bits (RFC 7518 §5.2.3).
    A128CbcHs256,
    /// AES-256-CBC with HMAC-SHA-512 truncated to 256 bits (RFC 7518 §5.2.5).
    A256CbcHs512,
    /// AES-128-GCM (RFC 7518 §5.3).
    A128Gcm,
    /// AES-256-GCM (RFC 7518 §5.3).
    A256Gcm,
}

impl ContentEnc {
    /// Every content encryption.
    pub const ALL: [ContentEnc; 4] = [
        ContentEnc::A128CbcHs256,
        ContentEnc::A256CbcHs512,
        ContentEnc::A128Gcm,
        ContentEnc::A256Gcm,
    ];

    /// The registered name.
    pub fn name(self) -> &'static str {
        match self {
            ContentEnc::A128CbcHs256 => "A128CBC-HS256",
            ContentEnc::A256CbcHs512 => "A256CBC-HS512",
            ContentEnc::A128Gcm => "A128GCM",
            ContentEnc::A256Gcm => "A256GCM",
        }
    }

    /// Length in bytes of the content-encryption key.
    pub fn cek_len(self) -> usize {
        match self {
            ContentEnc::A128CbcHs256 => 32,
            ContentEnc::A256CbcHs512 => 64,
            ContentEnc::A128Gcm => 16,
            ContentEnc::A256Gcm => 32,
        }
    }

    /// Length in bytes of the initialization vector.
    pub fn iv_len(self) -> usize {
        match self {
            ContentEnc::A128CbcHs256 | ContentEnc::A256CbcHs512 => 16,
            ContentEnc::A128Gcm | ContentEnc::A256Gcm => 12,
        }
    }
}

/// An elliptic curve of RFC 7518 §6.2.1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EcCurve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl EcCurve {
    /// The registered `crv` name.
    pub fn name(self) -> &'static str {
        match self {
            EcCurve::P256 => "P-256",
            EcCurve::P384 => "P-384",
            EcCurve::P521 => "P-521",
        }
    }

    /// Length in bytes of one coordinate.
    pub fn coordinate_len(self) -> usize {
        match self {
            EcCurve::P256 => 32,
            EcCurve::P384 => 48,
            EcCurve::P521 => 66,
        }
    }

    /// The signature algorithm that goes with the curve.
    pub fn jws_alg(self) -> JwsAlg {
        match self {
            EcCurve::P256 => JwsAlg::ES256,
            EcCurve::P384 => JwsAlg::ES384,
            EcCurve::P521 => JwsAlg::ES512,
        }
    }
}

macro_rules! named {
    ($ty:ident, $what:literal, $all:expr) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl FromStr for $ty {
            type Err = JoseError;
            fn from_str(s: &str) -> Result<Self, JoseError> {
                $all.into_iter()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| JoseError::Unsupported {
                        what: $what,
                        value: s.to_owned(),
                    })
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

named!(JwsAlg, "alg", JwsAlg::ALL);
named!(KeyAlg, "alg", KeyAlg::ALL);
named!(ContentEnc, "enc", ContentEnc::ALL);
named!(
    EcCurve,
    "crv",
    [EcCurve::P256, EcCurve::P384, EcCurve::P521]
);

/// Comma-separated names, for error messages.
pub(crate) fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
