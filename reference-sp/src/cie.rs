//! "Entra con CIE": what the reference SP does differently for a CIE ID identity provider
//! (CIE manuale SP, docs/rules/cie.md): which IdPs are CIE, the request rules (ForceAuthn always,
//! Comparison only exact or minimum, the CIE attribute set), and the CIE-only checks on the
//! Assertion (each CIE attribute with its FriendlyName; NameID SPNameQualifier = our entityID).
//! The Response Issuer without Format is accepted by the common `issuer-format` check.

use crate::dom;
use crate::level::Comparison;
use crate::ns;
use uppsala::{Document, NodeId};

/// Our AttributeConsumingService for CIE (the CIE set; metadata index 2).
pub const ATTRIBUTE_INDEX: u8 = 2;

/// The CIE attributes and their FriendlyNames (CIE manuale SP, chapter "Protocolli", the Response
/// example).
pub const FRIENDLY_NAMES: &[(&str, &str)] = &[
    ("name", "Nome"),
    ("familyName", "Cognome"),
    ("dateOfBirth", "Data di Nascita"),
    ("fiscalNumber", "Codice Fiscale"),
];

/// Fault switch: a CIE attribute's FriendlyName, when present, is the one of its Name (absent is
/// accepted: SAML Core §2.7.3.1 makes it optional and informational).
pub const CHECK_FRIENDLY_NAMES: &str = "cie-friendly-names";
/// Fault switch: the NameID's SPNameQualifier is our entityID.
pub const CHECK_SP_NAME_QUALIFIER: &str = "cie-sp-name-qualifier";

/// Whether a request to CIE may use `c` (CIE manuale SP: exact, the default, or minimum).
pub fn comparison_allowed(c: Comparison) -> bool {
    matches!(c, Comparison::Exact | Comparison::Minimum)
}

/// Every `saml:Attribute` of the Assertion is a CIE attribute, and its FriendlyName, if any, is
/// the CIE one of its Name: a label that contradicts the Name (`FriendlyName="Cognome"` on
/// `name`) is refused as a broken or forged mapping (hardening: no CIE rule obliges it).
pub(crate) fn friendly_names(doc: &Document<'_>, assertion: NodeId) -> Result<(), String> {
    let a = ns::ASSERTION;
    for statement in dom::children(doc, assertion, a, "AttributeStatement") {
        for at in dom::children(doc, statement, a, "Attribute") {
            let name = dom::attr(doc, at, "Name").unwrap_or("");
            let want = FRIENDLY_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| format!("attribute {name:?} is not a CIE attribute"))?;
            match dom::attr(doc, at, "FriendlyName") {
                None => {}
                Some(f) if f == want => {}
                Some(other) => {
                    return Err(format!(
                        "attribute {name:?} has FriendlyName {other:?}, CIE writes {want:?}"
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The Subject's NameID, when it carries `SPNameQualifier`, names us (a NameID qualified for
/// another SP belongs to a Response meant for it). Absent is accepted: the CIE manual's own
/// Assertion example has only `NameQualifier`.
pub(crate) fn sp_name_qualifier(
    doc: &Document<'_>,
    assertion: NodeId,
    entity_id: &str,
) -> Result<(), String> {
    let a = ns::ASSERTION;
    let got = dom::child(doc, assertion, a, "Subject")
        .and_then(|s| dom::child(doc, s, a, "NameID"))
        .and_then(|n| dom::attr(doc, n, "SPNameQualifier"));
    match got {
        None => Ok(()),
        Some(v) if v == entity_id => Ok(()),
        other => Err(format!(
            "NameID SPNameQualifier is {}, it must be our entityID {entity_id}",
            crate::acs::checks::shown(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion_doc(attr: &str, spnq: &str) -> String {
        format!(
            r#"<saml:Assertion xmlns:saml="{a}"><saml:Subject><saml:NameID {spnq}>x</saml:NameID></saml:Subject><saml:AttributeStatement>{attr}</saml:AttributeStatement></saml:Assertion>"#,
            a = ns::ASSERTION
        )
    }

    #[test]
    fn friendly_names_are_checked() {
        let ok = assertion_doc(r#"<saml:Attribute FriendlyName="Nome" Name="name"/>"#, "");
        let doc = uppsala::parse(&ok).unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(friendly_names(&doc, root), Ok(()));
        let bare = assertion_doc(r#"<saml:Attribute Name="name"/>"#, "");
        let doc = uppsala::parse(&bare).unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(friendly_names(&doc, root), Ok(()), "absent is accepted");
        for bad in [
            r#"<saml:Attribute FriendlyName="Cognome" Name="name"/>"#,
            r#"<saml:Attribute FriendlyName="Email" Name="email"/>"#,
        ] {
            let xml = assertion_doc(bad, "");
            let doc = uppsala::parse(&xml).unwrap();
            let root = doc.document_element().unwrap();
            assert!(friendly_names(&doc, root).is_err(), "{bad}");
        }
    }

    #[test]
    fn sp_name_qualifier_is_checked() {
        let xml = assertion_doc("", r#"SPNameQualifier="https://sp""#);
        let doc = uppsala::parse(&xml).unwrap();
        let root = doc.document_element().unwrap();
        assert!(sp_name_qualifier(&doc, root, "https://sp").is_ok());
        assert!(sp_name_qualifier(&doc, root, "https://other").is_err());
        let bare = assertion_doc("", "");
        let doc = uppsala::parse(&bare).unwrap();
        let root = doc.document_element().unwrap();
        assert!(
            sp_name_qualifier(&doc, root, "https://sp").is_ok(),
            "absent is accepted"
        );
        assert!(comparison_allowed(Comparison::Minimum));
        assert!(!comparison_allowed(Comparison::Better));
    }
}
