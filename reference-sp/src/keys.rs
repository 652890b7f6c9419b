//! The SP's own credential (the Avviso 29 fixture key and certificate, embedded so the binary
//! runs anywhere), parsed once at start: an aws-lc key for Redirect-binding signatures and a
//! bergshamra context for enveloped XML signatures.

use crate::ns;
use crate::xml::escape;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine;
use bergshamra::dsig::sign::sign_document_node;

/// The reference SP's private key (PKCS#8 PEM), from `fixtures/keys`.
pub const KEY_PEM: &str = include_str!("../../fixtures/keys/reference-sp.key.pem");
/// The reference SP's certificate (PEM), from `fixtures/keys`.
pub const CERT_PEM: &str = include_str!("../../fixtures/keys/reference-sp.crt.pem");

/// Marks where the enveloped signature goes in XML we build (replaced before signing).
pub const SIGNATURE_MARK: &str = "<?reference-sp-signature?>";

/// Why the credential is unusable or a signature could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The PEM text is not what was expected.
    #[error("the SP {what} PEM cannot be read: {detail}")]
    Pem {
        /// `key` or `certificate`.
        what: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// RSA signing failed.
    #[error("RSA signing failed")]
    Sign,
    /// XML signing failed.
    #[error("XML signing failed: {0}")]
    Xml(String),
}

/// Algorithms and certificate of an enveloped signature; `None` is our default (RSA-SHA256,
/// SHA-256, our certificate).
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// `SignatureMethod` algorithm URI.
    pub signature: Option<&'static str>,
    /// `DigestMethod` algorithm URI.
    pub digest: Option<&'static str>,
    /// Base64 DER of the certificate to put in `KeyInfo`.
    pub cert_base64: Option<String>,
}

/// The SP's signing credential.
pub struct SpKeys {
    rsa: RsaKeyPair,
    dsig: bergshamra::DsigContext,
    cert_der: Vec<u8>,
    cert_b64: String,
}

impl std::fmt::Debug for SpKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpKeys").finish_non_exhaustive()
    }
}

impl SpKeys {
    /// Parses the embedded fixture credential.
    pub fn embedded() -> Result<Self, KeyError> {
        Self::from_pem(KEY_PEM, CERT_PEM)
    }

    /// Parses a PKCS#8 RSA key and its certificate.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, KeyError> {
        let key = pem::parse(key_pem).map_err(|e| KeyError::Pem {
            what: "key",
            detail: e.to_string(),
        })?;
        let rsa = RsaKeyPair::from_pkcs8(key.contents()).map_err(|e| KeyError::Pem {
            what: "key",
            detail: e.to_string(),
        })?;
        let cert = pem::parse(cert_pem).map_err(|e| KeyError::Pem {
            what: "certificate",
            detail: e.to_string(),
        })?;
        let signing =
            bergshamra::keys::loader::load_rsa_private_pem(key_pem.as_bytes()).map_err(|e| {
                KeyError::Pem {
                    what: "key",
                    detail: e.to_string(),
                }
            })?;
        let mut keys = bergshamra::KeysManager::new();
        keys.add_key(signing);
        let cert_der = cert.contents().to_vec();
        Ok(Self {
            rsa,
            dsig: bergshamra::DsigContext::new(keys),
            cert_b64: base64::engine::general_purpose::STANDARD.encode(&cert_der),
            cert_der,
        })
    }

    /// The certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate, base64 (for `ds:X509Certificate`).
    pub fn cert_base64(&self) -> &str {
        &self.cert_b64
    }

    /// RSA PKCS#1 v1.5 SHA-256 over `message` (Redirect binding, SAML Bindings §3.4.4.1).
    pub fn sign_rsa_sha256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut sig = vec![0u8; self.rsa.public_modulus_len()];
        self.rsa
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(|_| KeyError::Sign)?;
        Ok(sig)
    }

    /// Signs the element whose ID is `id` in `xml`: an enveloped RSA-SHA256 signature (SHA-256
    /// digest, exclusive C14N) put where `xml` holds [`SIGNATURE_MARK`], computed by bergshamra.
    pub fn sign_enveloped(&self, xml: &str, id: &str) -> Result<String, KeyError> {
        self.sign_enveloped_with(xml, id, &SignOptions::default())
    }

    /// [`SpKeys::sign_enveloped`] with other algorithms or another certificate in `KeyInfo`
    /// (what the `md-*` and `req-*` fault switches need to build a non-conforming message).
    pub fn sign_enveloped_with(
        &self,
        xml: &str,
        id: &str,
        options: &SignOptions,
    ) -> Result<String, KeyError> {
        // aws-lc cannot sign RSA-SHA1: a SHA-1 mutant is signed RSA-SHA256, then relabelled, so
        // it shows the weak algorithm (its SignatureValue then no longer verifies).
        let relabel = options.signature.filter(|a| *a == ns::SIG_RSA_SHA1);
        let signature_alg = match relabel {
            Some(_) => ns::SIG_RSA_SHA256,
            None => options.signature.unwrap_or(ns::SIG_RSA_SHA256),
        };
        let template = format!(
            "<ds:Signature xmlns:ds=\"{dsig}\"><ds:SignedInfo>\
             <ds:CanonicalizationMethod Algorithm=\"{c14n}\"/>\
             <ds:SignatureMethod Algorithm=\"{sig}\"/>\
             <ds:Reference URI=\"#{id}\"><ds:Transforms>\
             <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
             <ds:Transform Algorithm=\"{c14n}\"/></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{digest}\"/><ds:DigestValue></ds:DigestValue>\
             </ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>\
             <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>\
             </ds:X509Data></ds:KeyInfo></ds:Signature>",
            dsig = ns::DSIG,
            c14n = ns::C14N_EXCLUSIVE,
            sig = signature_alg,
            digest = options.digest.unwrap_or(ns::DIGEST_SHA256),
            id = escape(id, true),
            cert = options.cert_base64.as_deref().unwrap_or(&self.cert_b64),
        );
        if !xml.contains(SIGNATURE_MARK) {
            return Err(KeyError::Xml("no place for the signature".into()));
        }
        let text = xml.replacen(SIGNATURE_MARK, &template, 1);
        let mut doc = uppsala::parse(&text).map_err(|e| KeyError::Xml(e.to_string()))?;
        let root = doc
            .document_element()
            .ok_or_else(|| KeyError::Xml("no root".into()))?;
        let sig = std::iter::once(root)
            .chain(doc.descendants(root))
            .find(|n| {
                doc.element(*n)
                    .is_some_and(|e| e.name.matches(Some(ns::DSIG), "Signature"))
            })
            .ok_or_else(|| KeyError::Xml("template lost".into()))?;
        sign_document_node(&self.dsig, &mut doc, sig).map_err(|e| KeyError::Xml(e.to_string()))?;
        let signed = doc.to_xml();
        Ok(match relabel {
            Some(weak) => signed.replacen(
                &format!("Algorithm=\"{}\"", ns::SIG_RSA_SHA256),
                &format!("Algorithm=\"{weak}\""),
                1,
            ),
            None => signed,
        })
    }
}
