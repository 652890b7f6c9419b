//! The mock CNS (Carta Nazionale dei Servizi, docs/rules/cns.md): a test PKI with a root and
//! issuing CAs standing for a Regione and a Camera di Commercio ([`pki`]), card certificates in
//! every variant ([`mint`]), live revocation with CRLs ([`revocation`]) and an OCSP responder ([`ocsp`]), and a mutual-TLS login endpoint ([`listener`], [`endpoint`]) that reads the holder
//! from the card ([`holder`]) and hands it to the service as JSON or as a SAML Response.

pub mod authority;
pub mod endpoint;
pub mod gateway;
pub mod holder;
pub mod http;
pub mod listener;
pub mod mint;
pub mod ocsp;
pub mod pki;
pub mod revocation;

pub use authority::CnsAuthority;
pub use pki::{CnsPki, POLICY_CIE, POLICY_CNS};

use crate::fixtures::FixtureError;

/// Why a CNS operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CnsError {
    /// A fixture file is missing or unreadable.
    #[error(transparent)]
    Fixture(Box<FixtureError>),
    /// `pki.toml` or `cards.toml` is invalid.
    #[error("{path}: {message}")]
    Table {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A PEM file could not be read.
    #[error("{path}: not a valid PEM key or certificate: {message}")]
    Pem {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// No such variant.
    #[error("unknown CNS card variant {name:?}; known variants: {known}")]
    UnknownVariant {
        /// The name given.
        name: String,
        /// The known names.
        known: String,
    },
    /// A holder of `pki.toml` is not a fixture identity with a codice fiscale and names.
    #[error("card holder {0:?} is not a fixture identity with fiscalNumber, name and familyName")]
    UnknownHolder(String),
    /// A dotted OID is malformed.
    #[error("malformed OID {0:?}")]
    BadOid(String),
    /// No such CA.
    #[error("unknown CA {0:?}")]
    UnknownCa(String),
    /// A certificate could not be parsed.
    #[error("certificate not readable: {0}")]
    Certificate(String),
    /// A certificate was not issued by a CA of the PKI.
    #[error("certificate issued by {0:?}, which is not a CA of the test PKI")]
    ForeignIssuer(String),
    /// rcgen failed.
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// The CNS gateway's metadata could not be signed.
    #[error("CNS gateway metadata: {0}")]
    Gateway(String),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl From<FixtureError> for CnsError {
    fn from(e: FixtureError) -> Self {
        CnsError::Fixture(Box::new(e))
    }
}
