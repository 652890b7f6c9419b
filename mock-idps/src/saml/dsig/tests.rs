//! Unit tests of enveloped signing and verification.

use super::*;
use crate::fixtures::Fixtures;
use crate::saml::response::{AssertionPlan, AttributePlan, IssuerPlan, ResponsePlan, StatusPlan};
use std::sync::Arc;

/// Verifies the signature of `xml`'s root element against `k`'s certificate.
fn verify_root(xml: &str, k: &SigningKey) -> Result<(), DsigError> {
    let doc = XmlDoc::parse(xml).unwrap();
    verify_enveloped(&doc, doc.root().unwrap(), &[k.trusted_cert()])
}

fn assertion_of<'d, 'a>(doc: &'d XmlDoc<'a>) -> Node<'d, 'a> {
    doc.root()
        .unwrap()
        .child(ns::ASSERTION, "Assertion")
        .unwrap()
}

/// The sample Response signed by aruba's key, and the key.
fn signed_sample() -> (Arc<SigningKey>, String) {
    let k = key("aruba");
    let xml = sample_plan().sign(&k).unwrap();
    (k, xml)
}

fn key(id: &str) -> Arc<SigningKey> {
    Fixtures::embedded().unwrap().keys[id].clone()
}

pub(crate) fn sample_plan() -> ResponsePlan {
    let issuer = IssuerPlan {
        value: "https://idp.example".into(),
        format: Some(ns::NAMEID_ENTITY.into()),
    };
    let s = |v: &str| Some(v.to_string());
    ResponsePlan {
        id: s("_resp1"),
        version: s("2.0"),
        issue_instant: s("2026-01-01T10:00:00.000Z"),
        in_response_to: s("_req1"),
        destination: s("https://sp.example/acs"),
        issuer: Some(issuer.clone()),
        status: StatusPlan::success(),
        assertion: Some(AssertionPlan {
            id: s("_assert1"),
            version: s("2.0"),
            issue_instant: s("2026-01-01T10:00:00.000Z"),
            issuer: Some(issuer),
            name_id: s("_nameid"),
            name_id_format: s(ns::NAMEID_TRANSIENT),
            name_id_qualifier: s("https://idp.example"),
            name_id_sp_qualifier: None,
            confirmation_method: s(ns::CM_BEARER),
            recipient: s("https://sp.example/acs"),
            confirmation_in_response_to: s("_req1"),
            confirmation_not_on_or_after: s("2026-01-01T10:05:00.000Z"),
            not_before: s("2026-01-01T09:58:00.000Z"),
            not_on_or_after: s("2026-01-01T10:05:00.000Z"),
            audience: s("https://sp.example"),
            authn_instant: s("2026-01-01T10:00:00.000Z"),
            session_index: None,
            authn_context_class_ref: s("https://www.spid.gov.it/SpidL2"),
            attributes: vec![AttributePlan {
                name: "address".into(),
                name_format: s(ns::ATTRNAME_BASIC),
                friendly_name: None,
                value: "Via \"Roma\" 1 & <Scala B> D'Amico Niccolò".into(),
                xsi_type: s("xs:string"),
            }],
            signed: true,
        }),
        signed: true,
    }
}

#[test]
fn signed_response_and_assertion_verify() {
    let (k, xml) = signed_sample();
    let doc = XmlDoc::parse(&xml).unwrap();
    let root = doc.root().unwrap();
    verify_enveloped(&doc, root, &[k.trusted_cert()]).unwrap();
    let assertion = root.child(ns::ASSERTION, "Assertion").unwrap();
    verify_enveloped(&doc, assertion, &[k.trusted_cert()]).unwrap();
    // Escaped values survive signing and parsing.
    let value = assertion.descendants(ns::ASSERTION, "AttributeValue")[0].text();
    assert_eq!(value, "Via \"Roma\" 1 & <Scala B> D'Amico Niccolò");
}

#[test]
fn another_key_does_not_verify() {
    let xml = sample_plan().sign(&key("aruba")).unwrap();
    let err = verify_root(&xml, &key("poste")).unwrap_err();
    assert!(matches!(err, DsigError::Invalid(_)), "{err:?}");
}

#[test]
fn tampering_breaks_the_signature() {
    let k = key("aruba");
    let xml = sample_plan().sign(&k).unwrap().replace("SpidL2", "SpidL3");
    let doc = XmlDoc::parse(&xml).unwrap();
    let assertion = assertion_of(&doc);
    assert!(verify_enveloped(&doc, assertion, &[k.trusted_cert()]).is_err());
}

#[test]
fn unsigned_element_is_missing() {
    let k = key("aruba");
    let mut plan = sample_plan();
    plan.signed = false;
    let xml = plan.sign(&k).unwrap();
    assert_eq!(verify_root(&xml, &k), Err(DsigError::Missing));
}

#[test]
fn signature_of_another_node_is_wrapping() {
    // A valid signed Assertion moved under a forged root that claims its signature.
    let (k, signed) = signed_sample();
    let doc = XmlDoc::parse(&signed).unwrap();
    let assertion = assertion_of(&doc);
    let range = assertion.source_range().unwrap();
    let sig = assertion
        .child(ns::DSIG, "Signature")
        .unwrap()
        .source_range()
        .unwrap();
    let forged = format!(
        "<samlp:Response xmlns:samlp=\"{}\" xmlns:saml=\"{}\" ID=\"_evil\">{}<samlp:Extensions>{}</samlp:Extensions></samlp:Response>",
        ns::PROTOCOL,
        ns::ASSERTION,
        &signed[sig.clone()],
        &signed[range],
    );
    let err = verify_root(&forged, &k).unwrap_err();
    assert_eq!(err, DsigError::Wrapped);
}

#[test]
fn sha1_is_refused() {
    let k = key("aruba");
    let xml = sample_plan().sign(&k).unwrap().replacen(
        ns::SIG_RSA_SHA256,
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        1,
    );
    let err = verify_root(&xml, &k).unwrap_err();
    assert!(matches!(err, DsigError::Algorithm(_)), "{err:?}");
}

#[test]
fn signed_info_is_canonical_by_construction() {
    let (_, xml) = signed_sample();
    let doc = uppsala::parse(&xml).unwrap();
    let si = doc
        .descendants(doc.document_element().unwrap())
        .into_iter()
        .find(|n| {
            doc.element(*n)
                .is_some_and(|e| e.name.matches(Some(ns::DSIG), "SignedInfo"))
        })
        .unwrap();
    let set = NodeSet::tree_without_comments(si, &doc);
    let c14n =
        bergshamra::c14n::canonicalize_doc(&doc, C14nMode::Exclusive, Some(&set), &[] as &[&str])
            .unwrap();
    let text = String::from_utf8(c14n).unwrap();
    assert!(text.starts_with(
        "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:CanonicalizationMethod"
    ));
}
