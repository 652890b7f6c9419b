//! The SPID AuthnRequest we send (RT single-sign-on; domain-rules §1.3), written with our own
//! escaping writer (see [`crate::xml`] for why not samael's serializer).

use crate::keys::SIGNATURE_MARK;
use crate::level::{Comparison, Level};
use crate::ns;
use crate::xml::XmlWriter;

/// Everything one AuthnRequest says.
#[derive(Debug, Clone)]
pub struct AuthnRequestPlan<'a> {
    /// `ID` (an xs:ID, random).
    pub id: &'a str,
    /// `IssueInstant`, UTC with milliseconds.
    pub issue_instant: &'a str,
    /// `Destination`: the IdP SSO Location of the binding used.
    pub destination: &'a str,
    /// Our entityID (Issuer text and NameQualifier).
    pub sp_entity_id: &'a str,
    /// The requested level.
    pub level: Level,
    /// `Comparison`.
    pub comparison: Comparison,
    /// `AttributeConsumingServiceIndex` (0, 1 or 2 in our metadata).
    pub attribute_index: u8,
    /// ForceAuthn at every level (CIE manuale SP), not only above L1.
    pub force_authn_always: bool,
}

/// The AuthnRequest XML; `signed` leaves room for the enveloped signature after the Issuer
/// (HTTP-POST). On HTTP-Redirect the XML carries no signature (RT; SAML Bindings §3.4.4.1).
pub fn authn_request_xml(p: &AuthnRequestPlan<'_>, signed: bool) -> String {
    let index = p.attribute_index.to_string();
    let mut attrs: Vec<(&str, &str)> = vec![
        ("xmlns:samlp", ns::PROTOCOL),
        ("xmlns:saml", ns::ASSERTION),
        ("ID", p.id),
        ("Version", "2.0"),
        ("IssueInstant", p.issue_instant),
        ("Destination", p.destination),
    ];
    // ForceAuthn is required above L1 (RT single-sign-on; SPT authn_request checks).
    if p.level > Level::L1 || p.force_authn_always {
        attrs.push(("ForceAuthn", "true"));
    }
    attrs.push(("AssertionConsumerServiceIndex", "0"));
    attrs.push(("AttributeConsumingServiceIndex", &index));
    let mut w = XmlWriter::new();
    w.open("samlp:AuthnRequest", &attrs);
    w.leaf(
        "saml:Issuer",
        &[
            ("Format", ns::NAMEID_ENTITY),
            ("NameQualifier", p.sp_entity_id),
        ],
        p.sp_entity_id,
    );
    if signed {
        w.raw(SIGNATURE_MARK);
    }
    // Transient, and no AllowCreate (Avviso 5).
    w.empty("samlp:NameIDPolicy", &[("Format", ns::NAMEID_TRANSIENT)]);
    w.open(
        "samlp:RequestedAuthnContext",
        &[("Comparison", p.comparison.as_str())],
    )
    .leaf("saml:AuthnContextClassRef", &[], p.level.uri())
    .close();
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spid_shape() {
        let xml = authn_request_xml(
            &AuthnRequestPlan {
                id: "_abc",
                issue_instant: "2024-01-01T00:00:00.000Z",
                destination: "http://idp/sso?a=1&b=2",
                sp_entity_id: "https://sp.example",
                level: Level::L2,
                comparison: Comparison::Minimum,
                attribute_index: 1,
                force_authn_always: false,
            },
            false,
        );
        assert!(xml.contains("ForceAuthn=\"true\""));
        assert!(xml.contains("Destination=\"http://idp/sso?a=1&amp;b=2\""));
        assert!(xml.contains("AttributeConsumingServiceIndex=\"1\""));
        assert!(xml.contains("Comparison=\"minimum\""));
        assert!(!xml.contains("AllowCreate"));
        assert!(uppsala::parse(&xml).is_ok());
    }
}
