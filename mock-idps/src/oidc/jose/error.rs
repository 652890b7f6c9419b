//! The one error type of the JOSE layer.

use thiserror::Error;

/// Which part of a compact token a decoding error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The protected header (first segment).
    Header,
    /// The JWS payload (second segment).
    Payload,
    /// The JWS signature (third segment).
    Signature,
    /// The JWE encrypted key (second segment).
    EncryptedKey,
    /// The JWE initialization vector (third segment).
    Iv,
    /// The JWE ciphertext (fourth segment).
    Ciphertext,
    /// The JWE authentication tag (fifth segment).
    Tag,
    /// A JSON Web Key member.
    Key,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Header => "protected header",
            Part::Payload => "payload",
            Part::Signature => "signature",
            Part::EncryptedKey => "encrypted key",
            Part::Iv => "initialization vector",
            Part::Ciphertext => "ciphertext",
            Part::Tag => "authentication tag",
            Part::Key => "JSON Web Key",
        })
    }
}

/// Why a JOSE operation failed. Every variant names what was wrong, never a secret.
#[derive(Debug, Error)]
pub enum JoseError {
    /// The token does not have the compact shape (5 segments for JWE, 3 for JWS).
    #[error("not a compact {kind}: expected {expected} dot-separated segments, found {found}")]
    Shape {
        /// "JWS" or "JWE".
        kind: &'static str,
        /// Segments the serialization has.
        expected: usize,
        /// Segments found.
        found: usize,
    },
    /// A segment is not unpadded base64url (RFC 7515 §2).
    #[error("the {0} is not unpadded base64url")]
    Base64(Part),
    /// A segment is not the JSON it must be.
    #[error("the {part} is not valid JSON: {source}")]
    Json {
        /// Which part.
        part: Part,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The header names an algorithm this layer does not implement at all.
    #[error("unsupported {what} {value:?}")]
    Unsupported {
        /// "alg" or "enc" or "kty" or "crv".
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// The algorithm is known but the caller did not allow it (e.g. `none`, HS256, RSA1_5).
    #[error("{what} {value:?} is not allowed here (allowed: {allowed})")]
    NotAllowed {
        /// "alg" or "enc".
        what: &'static str,
        /// The value found.
        value: String,
        /// The allowed list, comma separated.
        allowed: String,
    },
    /// The header carries `crit` (RFC 7515 §4.1.11): no extension is understood, so it is refused.
    #[error("the header lists critical extensions {0:?}, none of which is understood")]
    Critical(Vec<String>),
    /// The header carries `zip`: compression is refused (not used by the Italian profiles).
    #[error("the header asks for compression {0:?}, which is refused")]
    Compression(String),
    /// No key of the set has the header's `kid`.
    #[error("no key with kid {0:?} in the key set")]
    UnknownKid(String),
    /// No key of the set can be used with this algorithm.
    #[error("no {0} key in the key set fits this token")]
    NoKey(&'static str),
    /// The key is of the wrong type or curve for the algorithm, or its own `alg`/`use` forbid it.
    #[error("key {kid:?} cannot be used: {reason}")]
    KeyMismatch {
        /// The key's id.
        kid: String,
        /// Why.
        reason: String,
    },
    /// The key material is not acceptable (bad encoding, too small, not a private key).
    #[error("key rejected: {0}")]
    KeyRejected(String),
    /// The signature does not verify with the selected key.
    #[error("the signature does not verify")]
    BadSignature,
    /// Content decryption or key unwrapping failed, or the tag does not match (one error for all,
    /// so the failure is no oracle: RFC 7516 §11.5).
    #[error("decryption failed")]
    Decryption,
    /// A cryptographic primitive failed where it should not (key generation, random numbers).
    #[error("cryptographic operation failed: {0}")]
    Crypto(&'static str),
    /// Serialising a header or claim set failed.
    #[error("could not serialise JSON: {0}")]
    Serialize(#[source] serde_json::Error),
}
