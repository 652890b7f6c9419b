//! The HTTP-Redirect and HTTP-POST bindings (SAML Bindings §3.4, §3.5): decoding what an SP sends,
//! verifying Redirect signatures over the raw query bytes, and encoding what we send back.

use super::keys::{SigningKey, TrustedCert, UnsupportedAlgorithm};
use super::xml_read::MAX_XML_BYTES;
use base64::Engine;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::io::{Read, Write};

/// Why a binding could not be decoded (SPID ErrorCode nr04 family).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// Neither `SAMLRequest` nor `SAMLResponse` was present.
    #[error("no SAMLRequest or SAMLResponse parameter")]
    MissingMessage,
    /// A parameter appeared twice.
    #[error("parameter {0} appears more than once")]
    Duplicate(String),
    /// Percent-encoding was broken.
    #[error("parameter {0} is not valid percent-encoding")]
    PercentEncoding(String),
    /// The base64 payload does not decode.
    #[error("parameter {0} is not valid base64")]
    Base64(String),
    /// The Redirect payload is not raw DEFLATE.
    #[error("SAMLRequest is not DEFLATE-compressed data: {0}")]
    Deflate(String),
    /// The message inflates to more than the limit (a compression bomb).
    #[error("the message inflates beyond 256 KiB")]
    TooLarge,
    /// The message is not UTF-8.
    #[error("the message is not UTF-8 text")]
    Utf8,
}

/// Which SAML message a binding carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// `SAMLRequest` (AuthnRequest, LogoutRequest).
    Request,
    /// `SAMLResponse` (Response, LogoutResponse).
    Response,
}

impl MessageKind {
    /// The parameter name.
    pub fn param(self) -> &'static str {
        match self {
            MessageKind::Request => "SAMLRequest",
            MessageKind::Response => "SAMLResponse",
        }
    }
}

/// A message received on the HTTP-Redirect binding.
#[derive(Debug, Clone)]
pub struct RedirectMessage {
    /// Request or response.
    pub kind: MessageKind,
    /// The inflated XML.
    pub xml: String,
    /// The decoded RelayState.
    pub relay_state: Option<String>,
    /// The decoded SigAlg URI.
    pub sig_alg: Option<String>,
    /// The decoded signature bytes.
    pub signature: Option<Vec<u8>>,
    /// The octets the signature covers, rebuilt from the raw (still encoded) parameters.
    pub signed_octets: String,
}

/// The Redirect signature problems (SPID nr04 when absent, nr05 when wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectSignatureError {
    /// `SigAlg` or `Signature` missing.
    #[error("the Redirect binding needs SigAlg and Signature parameters")]
    Missing,
    /// The algorithm is not accepted.
    #[error(transparent)]
    Algorithm(#[from] UnsupportedAlgorithm),
    /// The signature does not verify.
    #[error("the Redirect signature does not verify with the SP's metadata certificate")]
    Invalid,
}

impl RedirectMessage {
    /// Verifies the signature over the raw query octets, as SAML Bindings §3.4.4.1 requires
    /// (never over a re-encoded query), with any of `certs`.
    pub fn verify(&self, certs: &[TrustedCert]) -> Result<(), RedirectSignatureError> {
        let (Some(alg), Some(sig)) = (&self.sig_alg, &self.signature) else {
            return Err(RedirectSignatureError::Missing);
        };
        let mut last_err = None;
        for cert in certs {
            match cert.verify_raw(alg, self.signed_octets.as_bytes(), sig) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => last_err = Some(e),
            }
        }
        match last_err {
            Some(e) if certs.len() == 1 => Err(e.into()),
            _ => Err(RedirectSignatureError::Invalid),
        }
    }
}

/// The fields of an HTTP-POST binding form (`application/x-www-form-urlencoded`). A SAML
/// parameter given twice (`SAMLRequest`, `SAMLResponse`, `RelayState`, or both messages at once)
/// is refused as on the Redirect binding, never resolved by taking one of the values.
pub fn post_form_fields(
    body: &[u8],
) -> Result<std::collections::HashMap<String, String>, BindingError> {
    let mut fields = std::collections::HashMap::new();
    let mut message_seen = false;
    for (name, value) in form_urlencoded::parse(body) {
        let saml = matches!(&*name, "SAMLRequest" | "SAMLResponse");
        if saml && message_seen {
            return Err(BindingError::Duplicate(name.into_owned()));
        }
        message_seen |= saml;
        let name = name.into_owned();
        if fields.contains_key(&name) {
            if name == "RelayState" {
                return Err(BindingError::Duplicate(name));
            }
            // Other fields (login pages) keep their first value.
            continue;
        }
        fields.insert(name, value.into_owned());
    }
    Ok(fields)
}

/// Decodes a raw query string (the part after `?`) carrying a Redirect-binding message.
pub fn decode_redirect(raw_query: &str) -> Result<RedirectMessage, BindingError> {
    let mut message: Option<(MessageKind, &str)> = None;
    let (mut relay, mut sig_alg, mut signature) = (None, None, None);
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "SAMLRequest" | "SAMLResponse" => {
                if message.is_some() {
                    return Err(BindingError::Duplicate(name.to_string()));
                }
                let kind = if name == "SAMLRequest" {
                    MessageKind::Request
                } else {
                    MessageKind::Response
                };
                message = Some((kind, value));
                continue;
            }
            "RelayState" => &mut relay,
            "SigAlg" => &mut sig_alg,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.is_some() {
            return Err(BindingError::Duplicate(name.to_string()));
        }
        *slot = Some(value);
    }
    let (kind, raw_msg) = message.ok_or(BindingError::MissingMessage)?;
    let mut signed_octets = format!("{}={raw_msg}", kind.param());
    if let Some(r) = relay {
        signed_octets.push_str("&RelayState=");
        signed_octets.push_str(r);
    }
    if let Some(a) = sig_alg {
        signed_octets.push_str("&SigAlg=");
        signed_octets.push_str(a);
    }
    let b64 = percent_decode(raw_msg, kind.param())?;
    let deflated = base64_decode(&b64, kind.param())?;
    let xml = inflate(&deflated)?;
    let signature = signature
        .map(|s| percent_decode(s, "Signature").and_then(|s| base64_decode(&s, "Signature")))
        .transpose()?;
    Ok(RedirectMessage {
        kind,
        xml,
        relay_state: relay.map(|r| percent_decode(r, "RelayState")).transpose()?,
        sig_alg: sig_alg.map(|a| percent_decode(a, "SigAlg")).transpose()?,
        signature,
        signed_octets,
    })
}

/// Decodes the base64 value of a POST-binding form field (line breaks tolerated).
pub fn decode_post(value: &str, param: &str) -> Result<String, BindingError> {
    let bytes = base64_decode(value, param)?;
    if bytes.len() > MAX_XML_BYTES {
        return Err(BindingError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| BindingError::Utf8)
}

fn percent_decode(s: &str, param: &str) -> Result<String, BindingError> {
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit())
        {
            return Err(BindingError::PercentEncoding(param.to_string()));
        }
    }
    let plus_as_space = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus_as_space)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| BindingError::PercentEncoding(param.to_string()))
}

fn base64_decode(s: &str, param: &str) -> Result<Vec<u8>, BindingError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|_| BindingError::Base64(param.to_string()))
}

fn inflate(data: &[u8]) -> Result<String, BindingError> {
    let mut out = Vec::new();
    let mut decoder = DeflateDecoder::new(data).take(MAX_XML_BYTES as u64 + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| BindingError::Deflate(e.to_string()))?;
    if out.len() > MAX_XML_BYTES {
        return Err(BindingError::TooLarge);
    }
    String::from_utf8(out).map_err(|_| BindingError::Utf8)
}

/// Query-component encoding: everything but unreserved characters is percent-encoded.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query value (uppercase hex).
pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY).to_string()
}

/// Builds a Redirect-binding query string, signed with RSA-SHA256 when `key` is given.
pub fn encode_redirect(
    kind: MessageKind,
    xml: &str,
    relay_state: Option<&str>,
    key: Option<&SigningKey>,
) -> String {
    let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(xml.as_bytes());
    let deflated = enc.finish().unwrap_or_default();
    let b64 = base64::engine::general_purpose::STANDARD.encode(deflated);
    let mut query = format!("{}={}", kind.param(), url_encode(&b64));
    if let Some(r) = relay_state {
        query.push_str("&RelayState=");
        query.push_str(&url_encode(r));
    }
    if let Some(key) = key {
        query.push_str("&SigAlg=");
        query.push_str(&url_encode(super::ns::SIG_RSA_SHA256));
        let sig = key.sign_rsa_sha256(query.as_bytes());
        query.push_str("&Signature=");
        query.push_str(&url_encode(
            &base64::engine::general_purpose::STANDARD.encode(sig),
        ));
    }
    query
}

/// An HTML page that posts `xml` (base64) to `action` as soon as it loads: the HTTP-POST binding.
pub fn post_form(action: &str, kind: MessageKind, xml: &str, relay_state: Option<&str>) -> String {
    use super::xml_writer::escape_text_into;
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
    let mut html = String::with_capacity(b64.len() + 512);
    html.push_str("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>SPID</title></head>");
    html.push_str("<body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"");
    crate::html::escape_into(&mut html, action);
    html.push_str("\"><input type=\"hidden\" name=\"");
    html.push_str(kind.param());
    html.push_str("\" value=\"");
    html.push_str(&b64);
    html.push_str("\">");
    if let Some(r) = relay_state {
        html.push_str("<input type=\"hidden\" name=\"RelayState\" value=\"");
        crate::html::escape_into(&mut html, r);
        html.push_str("\">");
    }
    html.push_str("<noscript><p>JavaScript is off: press the button to continue.</p></noscript>");
    html.push_str("<button type=\"submit\">Continua</button></form><p>");
    escape_text_into(&mut html, "Invio in corso…");
    html.push_str("</p></body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_round_trip_keeps_relay_state() {
        let q = encode_redirect(MessageKind::Request, "<a>è</a>", Some("abc 1"), None);
        let m = decode_redirect(&q).unwrap();
        assert_eq!(m.xml, "<a>è</a>");
        assert_eq!(m.relay_state.as_deref(), Some("abc 1"));
        assert_eq!(m.kind, MessageKind::Request);
        assert!(m.signature.is_none());
    }

    #[test]
    fn bad_inputs_have_specific_errors() {
        assert_eq!(
            decode_redirect("RelayState=x").unwrap_err(),
            BindingError::MissingMessage
        );
        assert_eq!(
            decode_redirect("SAMLRequest=%%%").unwrap_err(),
            BindingError::PercentEncoding("SAMLRequest".into())
        );
        assert_eq!(
            decode_redirect("SAMLRequest=!!!!").unwrap_err(),
            BindingError::Base64("SAMLRequest".into())
        );
        assert!(matches!(
            decode_redirect("SAMLRequest=aGVsbG8=").unwrap_err(),
            BindingError::Deflate(_)
        ));
        assert_eq!(
            decode_redirect("SAMLRequest=a&SAMLRequest=b").unwrap_err(),
            BindingError::Duplicate("SAMLRequest".into())
        );
    }

    #[test]
    fn inflation_bombs_are_stopped() {
        let big = "<a>".to_string() + &" ".repeat(MAX_XML_BYTES + 10) + "</a>";
        let q = encode_redirect(MessageKind::Request, &big, None, None);
        assert!(q.len() < 10_000, "compresses well");
        assert_eq!(decode_redirect(&q).unwrap_err(), BindingError::TooLarge);
    }
}
