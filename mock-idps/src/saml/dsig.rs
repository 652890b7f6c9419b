//! Enveloped XML signatures: signing our own messages, and verifying an SP's signed messages
//! with the rule that the signed node must be the element we consume (XSW protection).
//!
//! Signing canonicalizes with bergshamra's exclusive C14N (byte-identical to libxml2's) and signs
//! with the aws-lc key parsed once at start; the `SignedInfo` is emitted in canonical form by
//! construction. Verification is bergshamra's `verify_all` plus our node and algorithm checks.

use super::keys::{SigningKey, TrustedCert};
use super::ns;
use super::xml_read::{Node, XmlDoc};
use base64::Engine;
use bergshamra::c14n::C14nMode;
use bergshamra::xml::nodeset::NodeSet;
use uppsala::{Document, NodeId, NodeKind};

/// Why signing or verifying failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DsigError {
    /// The XML to sign or verify is not well-formed.
    #[error("the XML cannot be parsed: {0}")]
    Xml(String),
    /// No element carries the ID to sign.
    #[error("no element has ID=\"{0}\"")]
    NoSuchId(String),
    /// The element to verify has no `ds:Signature` child.
    #[error("the element is not signed (no ds:Signature child)")]
    Missing,
    /// The signature is there but does not verify with any trusted certificate.
    #[error("the signature does not verify with the trusted certificate: {0}")]
    Invalid(String),
    /// The signature is valid but covers another node: signature wrapping.
    #[error("the signature does not cover the element consumed (signature wrapping)")]
    Wrapped,
    /// A signature, digest or transform algorithm outside the allow-list (SHA-1, XSLT…).
    #[error("algorithm {0} is not allowed (SPID technical rules require SHA-256 or stronger)")]
    Algorithm(String),
    /// Canonicalization failed.
    #[error("canonicalization failed: {0}")]
    C14n(String),
}

/// The signature methods allowed: RSA or ECDSA with SHA-256, -384 or -512 (the constants of the
/// AgID SP test tool, spid-sp-test). The one table: the mocks' verifier and the harness's
/// metadata and AuthnRequest checks read it.
pub const SIG_ALLOWED: &[&str] = &[
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
/// The digest methods allowed beside [`SIG_ALLOWED`]: SHA-256, -384, -512.
pub const DIGEST_ALLOWED: &[&str] = &[
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];
const TRANSFORM_ALLOWED: &[&str] = &[
    ns::TRANSFORM_ENVELOPED,
    ns::C14N_EXCLUSIVE,
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2006/12/xml-c14n11",
];

/// Signs the element whose `ID` is `id` with an enveloped RSA-SHA256 signature (SHA-256 digest,
/// exclusive C14N), placed after its `Issuer` child or, without one, as its first child.
pub fn sign_enveloped(xml: &str, id: &str, key: &SigningKey) -> Result<String, DsigError> {
    let doc = uppsala::parse(xml).map_err(|e| DsigError::Xml(e.to_string()))?;
    let target = find_by_id(&doc, id).ok_or_else(|| DsigError::NoSuchId(id.to_string()))?;
    let set = NodeSet::tree_without_comments(target, &doc);
    let canonical =
        bergshamra::c14n::canonicalize_doc(&doc, C14nMode::Exclusive, Some(&set), &[] as &[&str])
            .map_err(|e| DsigError::C14n(e.to_string()))?;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &canonical);
    let b64 = base64::engine::general_purpose::STANDARD;
    let signed_info_body = signed_info_body(id, &b64.encode(digest.as_ref()));
    // Canonical form of SignedInfo on its own: exc-C14N renders the visibly used ds prefix on it.
    let canonical_signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{}\">{signed_info_body}</ds:SignedInfo>",
        ns::DSIG
    );
    let signature_value = b64.encode(key.sign_rsa_sha256(canonical_signed_info.as_bytes()));
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{}\"><ds:SignedInfo>{signed_info_body}</ds:SignedInfo>\
         <ds:SignatureValue>{signature_value}</ds:SignatureValue><ds:KeyInfo><ds:X509Data>\
         <ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        ns::DSIG,
        key.cert_base64()
    );
    let at = insertion_point(&doc, xml, target)?;
    let mut out = String::with_capacity(xml.len() + signature.len());
    out.push_str(&xml[..at]);
    out.push_str(&signature);
    out.push_str(&xml[at..]);
    Ok(out)
}

fn signed_info_body(id: &str, digest_b64: &str) -> String {
    format!(
        "<ds:CanonicalizationMethod Algorithm=\"{c14n}\"></ds:CanonicalizationMethod>\
         <ds:SignatureMethod Algorithm=\"{sig}\"></ds:SignatureMethod>\
         <ds:Reference URI=\"#{id}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"{env}\"></ds:Transform>\
         <ds:Transform Algorithm=\"{c14n}\"></ds:Transform></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{dig}\"></ds:DigestMethod>\
         <ds:DigestValue>{digest_b64}</ds:DigestValue></ds:Reference>",
        c14n = ns::C14N_EXCLUSIVE,
        sig = ns::SIG_RSA_SHA256,
        env = ns::TRANSFORM_ENVELOPED,
        dig = ns::DIGEST_SHA256,
    )
}

/// Where the signature goes: after the target's first child if that is a `saml:Issuer`
/// (protocol messages and assertions), else right after the target's start tag (metadata).
fn insertion_point(doc: &Document<'_>, xml: &str, target: NodeId) -> Result<usize, DsigError> {
    let first = doc
        .children_iter(target)
        .find(|c| matches!(doc.node_kind(*c), Some(NodeKind::Element(_))));
    if let Some(first) = first {
        let is_issuer = doc
            .element(first)
            .is_some_and(|e| e.name.matches(Some(ns::ASSERTION), "Issuer"));
        if is_issuer {
            return doc
                .node_range(first)
                .map(|r| r.end)
                .ok_or_else(|| DsigError::Xml("no source range for Issuer".into()));
        }
    }
    let range = doc
        .node_range(target)
        .ok_or_else(|| DsigError::Xml("no source range for the signed element".into()))?;
    start_tag_end(&xml[range.start..range.end])
        .map(|n| range.start + n)
        .ok_or_else(|| DsigError::Xml("unterminated start tag".into()))
}

/// Offset just past the `>` closing the start tag at the beginning of `s`.
fn start_tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Finds the element whose `ID` attribute is `id`.
pub fn find_by_id(doc: &Document<'_>, id: &str) -> Option<NodeId> {
    let root = doc.document_element()?;
    std::iter::once(root)
        .chain(doc.descendants(root))
        .find(|n| doc.element(*n).and_then(|e| e.get_attribute("ID")) == Some(id))
}

/// Verifies the enveloped signature of `element` (a direct `ds:Signature` child whose only
/// reference is the element itself) against `certs`, refusing weak algorithms and wrapping.
pub fn verify_enveloped(
    doc: &XmlDoc<'_>,
    element: Node<'_, '_>,
    certs: &[TrustedCert],
) -> Result<(), DsigError> {
    let sig = element
        .child(ns::DSIG, "Signature")
        .ok_or(DsigError::Missing)?;
    check_algorithms(sig)?;
    let element_id = element.attr("ID").unwrap_or_default();
    let references: Vec<_> = sig
        .child(ns::DSIG, "SignedInfo")
        .map(|si| si.children(ns::DSIG, "Reference").collect())
        .unwrap_or_default();
    if references.len() != 1
        || references[0].attr("URI") != Some(&format!("#{element_id}"))
        || element_id.is_empty()
    {
        return Err(DsigError::Wrapped);
    }
    let mut keys = bergshamra::KeysManager::new();
    for cert in certs {
        let key = bergshamra::keys::loader::load_x509_cert_der(cert.der())
            .map_err(|e| DsigError::Invalid(format!("trusted certificate unusable: {e}")))?;
        keys.add_key(key);
    }
    // bergshamra registers ID, Id, id and AssertionID itself; adding "ID" again would make
    // every element look like a duplicate ID.
    let ctx = bergshamra::DsigContext::new(keys);
    let results = bergshamra::dsig::verify::verify_all_document(&ctx, doc.document())
        .map_err(|e| DsigError::Invalid(e.to_string()))?;
    let mut reason = String::from("no signature verified");
    for result in results {
        match result {
            bergshamra::VerifyResult::Valid {
                signature_node,
                references,
                ..
            } if signature_node == sig.id() => {
                let covers = !references.is_empty()
                    && references
                        .iter()
                        .all(|r| r.digest_verified && r.resolved_node == Some(element.id()));
                return if covers {
                    Ok(())
                } else {
                    Err(DsigError::Wrapped)
                };
            }
            bergshamra::VerifyResult::Invalid { reason: r } => reason = r,
            _ => {}
        }
    }
    Err(DsigError::Invalid(reason))
}

fn check_algorithms(sig: Node<'_, '_>) -> Result<(), DsigError> {
    let Some(si) = sig.child(ns::DSIG, "SignedInfo") else {
        return Err(DsigError::Invalid("no SignedInfo".into()));
    };
    allowed(si.child(ns::DSIG, "SignatureMethod"), SIG_ALLOWED)?;
    for reference in si.children(ns::DSIG, "Reference") {
        allowed(reference.child(ns::DSIG, "DigestMethod"), DIGEST_ALLOWED)?;
        if let Some(transforms) = reference.child(ns::DSIG, "Transforms") {
            for t in transforms.children(ns::DSIG, "Transform") {
                allowed(Some(t), TRANSFORM_ALLOWED)?;
            }
        }
    }
    Ok(())
}

/// Refuses an `Algorithm` attribute of `method` (absent counts as empty) not in `list`.
fn allowed(method: Option<Node<'_, '_>>, list: &[&str]) -> Result<(), DsigError> {
    let alg = method.and_then(|m| m.attr("Algorithm")).unwrap_or("");
    if list.contains(&alg) {
        Ok(())
    } else {
        Err(DsigError::Algorithm(alg.to_string()))
    }
}

#[cfg(test)]
mod tests;
