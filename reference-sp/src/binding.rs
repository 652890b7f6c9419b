//! The HTTP-Redirect and HTTP-POST bindings as the SP uses them (SAML Bindings §3.4, §3.5):
//! signed Redirect URLs over the raw query (§3.4.4.1), verification of the IdP's Redirect
//! signatures over the octets as received, and auto-posting forms.

use crate::keys::{KeyError, SpKeys};
use crate::pages::escape_html;
use aws_lc_rs::signature::{
    UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA384,
    RSA_PKCS1_2048_8192_SHA512,
};
use base64::Engine;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::io::{Read, Write};

/// The Redirect signature algorithm we use (SHA-256, RT trasmissione).
pub const SIG_ALG: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// Largest message we inflate or decode (a compression bomb stops here).
pub const MAX_MESSAGE: usize = 256 * 1024;

/// Why a binding message could not be read or trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// Neither `SAMLRequest` nor `SAMLResponse`.
    #[error("no SAMLRequest or SAMLResponse parameter")]
    Missing,
    /// A parameter appears twice.
    #[error("parameter {0} appears more than once")]
    Duplicate(&'static str),
    /// Broken percent-encoding, base64, DEFLATE or UTF-8.
    #[error("parameter {0} cannot be decoded")]
    Encoding(&'static str),
    /// The message is larger than we accept.
    #[error("the message is larger than 256 KiB")]
    TooLarge,
    /// `SigAlg` or `Signature` missing.
    #[error("the Redirect message is not signed (SigAlg and Signature are required)")]
    Unsigned,
    /// `SigAlg` not one we accept.
    #[error("SigAlg {0} is not accepted (RSA with SHA-256 or stronger)")]
    Algorithm(String),
    /// No certificate verifies the signature.
    #[error("the Redirect signature does not verify with the IdP's metadata certificate")]
    Invalid,
}

/// Which parameter carries the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SAMLRequest`.
    Request,
    /// `SAMLResponse`.
    Response,
}

impl Kind {
    /// The parameter name.
    pub fn param(self) -> &'static str {
        match self {
            Kind::Request => "SAMLRequest",
            Kind::Response => "SAMLResponse",
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The signed query string (without `?`) carrying `xml` on HTTP-Redirect: DEFLATE, base64,
/// URL-encode, then RSA-SHA256 over `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as sent.
pub fn redirect_query(
    kind: Kind,
    xml: &str,
    relay_state: Option<&str>,
    keys: &SpKeys,
) -> Result<String, KeyError> {
    let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes())
        .map_err(|e| KeyError::Xml(e.to_string()))?;
    let deflated = enc.finish().map_err(|e| KeyError::Xml(e.to_string()))?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(deflated);
    let mut q = format!("{}={}", kind.param(), urlencode(&b64));
    if let Some(r) = relay_state {
        q.push_str("&RelayState=");
        q.push_str(&urlencode(r));
    }
    q.push_str("&SigAlg=");
    q.push_str(&urlencode(SIG_ALG));
    let sig = keys.sign_rsa_sha256(q.as_bytes())?;
    q.push_str("&Signature=");
    q.push_str(&urlencode(
        &base64::engine::general_purpose::STANDARD.encode(sig),
    ));
    Ok(q)
}

/// A message received on HTTP-Redirect, with the octets its signature covers.
#[derive(Debug, Clone)]
pub struct RedirectMessage {
    /// Request or response.
    pub kind: Kind,
    /// The inflated XML.
    pub xml: String,
    /// RelayState, decoded.
    pub relay_state: Option<String>,
    sig_alg: Option<String>,
    signature: Option<Vec<u8>>,
    signed_octets: String,
}

impl RedirectMessage {
    /// Verifies the signature over the raw octets with any of `certs` (DER).
    pub fn verify(&self, certs: &[Vec<u8>]) -> Result<(), BindingError> {
        let (Some(alg), Some(sig)) = (&self.sig_alg, &self.signature) else {
            return Err(BindingError::Unsigned);
        };
        let params = match alg.as_str() {
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => &RSA_PKCS1_2048_8192_SHA256,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => &RSA_PKCS1_2048_8192_SHA384,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => &RSA_PKCS1_2048_8192_SHA512,
            other => return Err(BindingError::Algorithm(other.to_string())),
        };
        for cert in certs {
            let Some(public) = rsa_public_key(cert) else {
                continue;
            };
            if UnparsedPublicKey::new(params, &public)
                .verify(self.signed_octets.as_bytes(), sig)
                .is_ok()
            {
                return Ok(());
            }
        }
        Err(BindingError::Invalid)
    }
}

/// The PKCS#1 RSAPublicKey inside a certificate's SubjectPublicKeyInfo.
fn rsa_public_key(cert_der: &[u8]) -> Option<Vec<u8>> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der).ok()?;
    Some(cert.public_key().subject_public_key.data.to_vec())
}

/// Decodes a raw query string (after `?`) carrying a Redirect-binding message.
pub fn decode_redirect(raw_query: &str) -> Result<RedirectMessage, BindingError> {
    let mut message: Option<(Kind, &str)> = None;
    let (mut relay, mut sig_alg, mut signature) = (None, None, None);
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (slot, label) = match name {
            "SAMLRequest" | "SAMLResponse" => {
                if message.is_some() {
                    return Err(BindingError::Duplicate("SAMLRequest/SAMLResponse"));
                }
                let kind = if name == "SAMLRequest" {
                    Kind::Request
                } else {
                    Kind::Response
                };
                message = Some((kind, value));
                continue;
            }
            "RelayState" => (&mut relay, "RelayState"),
            "SigAlg" => (&mut sig_alg, "SigAlg"),
            "Signature" => (&mut signature, "Signature"),
            _ => continue,
        };
        if slot.is_some() {
            return Err(BindingError::Duplicate(label));
        }
        *slot = Some(value);
    }
    let (kind, raw) = message.ok_or(BindingError::Missing)?;
    // The signed octets are the parameters as received, in the order the spec fixes.
    let mut signed_octets = format!("{}={raw}", kind.param());
    if let Some(r) = relay {
        signed_octets.push_str("&RelayState=");
        signed_octets.push_str(r);
    }
    if let Some(a) = sig_alg {
        signed_octets.push_str("&SigAlg=");
        signed_octets.push_str(a);
    }
    let param = kind.param();
    let deflated = base64_decode(&percent_decode(raw, param)?, param)?;
    let mut xml = String::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(MAX_MESSAGE as u64 + 1)
        .read_to_string(&mut xml)
        .map_err(|_| BindingError::Encoding(param))?;
    if xml.len() > MAX_MESSAGE {
        return Err(BindingError::TooLarge);
    }
    Ok(RedirectMessage {
        kind,
        xml,
        relay_state: relay.map(|r| percent_decode(r, "RelayState")).transpose()?,
        sig_alg: sig_alg.map(|a| percent_decode(a, "SigAlg")).transpose()?,
        signature: signature
            .map(|s| percent_decode(s, "Signature").and_then(|s| base64_decode(&s, "Signature")))
            .transpose()?,
        signed_octets,
    })
}

/// Decodes the base64 value of an HTTP-POST form field.
pub fn decode_post(value: &str, param: &'static str) -> Result<String, BindingError> {
    if value.len() > MAX_MESSAGE * 4 / 3 + 1024 {
        return Err(BindingError::TooLarge);
    }
    String::from_utf8(base64_decode(value, param)?).map_err(|_| BindingError::Encoding(param))
}

fn percent_decode(s: &str, param: &'static str) -> Result<String, BindingError> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| BindingError::Encoding(param))
}

fn base64_decode(s: &str, param: &'static str) -> Result<Vec<u8>, BindingError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|_| BindingError::Encoding(param))
}

/// An HTML page that posts `xml` (base64) in `kind`'s field to `action` on load (SAML Bindings
/// §3.5.4), with a button for browsers without JavaScript.
pub fn post_form(action: &str, kind: Kind, xml: &str, relay_state: Option<&str>) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
    let relay = relay_state
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\"/>",
                escape_html(r)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>SPID</title></head>\
         <body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"{param}\" value=\"{b64}\"/>{relay}\
         <noscript><p>JavaScript è disattivato: premi il pulsante per proseguire verso il gestore \
         dell'identità. JavaScript is off: press the button to continue.</p></noscript>\
         <button type=\"submit\">Continua</button></form></body></html>",
        action = escape_html(action),
        param = kind.param(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_round_trip_verifies_over_raw_octets() {
        let keys = SpKeys::embedded().unwrap();
        let q = redirect_query(Kind::Request, "<x a=\"1\"/>", Some("tok en"), &keys).unwrap();
        let m = decode_redirect(&q).unwrap();
        assert_eq!(m.xml, "<x a=\"1\"/>");
        assert_eq!(m.relay_state.as_deref(), Some("tok en"));
        m.verify(&[keys.cert_der().to_vec()]).unwrap();
        let tampered = q.replace("RelayState=tok", "RelayState=tak");
        assert_eq!(
            decode_redirect(&tampered)
                .unwrap()
                .verify(&[keys.cert_der().to_vec()]),
            Err(BindingError::Invalid)
        );
    }

    #[test]
    fn garbage_never_panics() {
        for q in [
            "",
            "SAMLRequest=%%%",
            "SAMLRequest=AAAA&SAMLRequest=B",
            "Signature=x",
        ] {
            let _ = decode_redirect(q);
        }
        assert!(decode_post("not base64!", "SAMLResponse").is_err());
    }
}
