//! The AuthnRequest as received: every field the SPID rules look at, kept raw (absent, empty or
//! valued) so that the rules can name exactly what is wrong.

use super::ns;
use super::xml_read::{Node, XmlDoc};

/// The `saml:Issuer` of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerField {
    /// Text content (trimmed).
    pub value: String,
    /// `Format` attribute.
    pub format: Option<String>,
    /// `NameQualifier` attribute.
    pub name_qualifier: Option<String>,
}

/// The `RequestedAuthnContext` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedAuthnContext {
    /// `Comparison` attribute.
    pub comparison: Option<String>,
    /// Every `AuthnContextClassRef`, trimmed.
    pub class_refs: Vec<String>,
}

/// A parsed AuthnRequest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthnRequest {
    /// `ID`.
    pub id: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `IssueInstant`.
    pub issue_instant: Option<String>,
    /// `Destination`.
    pub destination: Option<String>,
    /// `ForceAuthn`.
    pub force_authn: Option<String>,
    /// `IsPassive`.
    pub is_passive: Option<String>,
    /// `AssertionConsumerServiceIndex`.
    pub acs_index: Option<String>,
    /// `AssertionConsumerServiceURL`.
    pub acs_url: Option<String>,
    /// `ProtocolBinding`.
    pub protocol_binding: Option<String>,
    /// `AttributeConsumingServiceIndex`.
    pub attribute_service_index: Option<String>,
    /// How many `saml:Issuer` elements there are.
    pub issuer_count: usize,
    /// The first `saml:Issuer`.
    pub issuer: Option<IssuerField>,
    /// How many `NameIDPolicy` elements there are.
    pub name_id_policy_count: usize,
    /// `NameIDPolicy/@Format`, when the element is present.
    pub name_id_policy_format: Option<Option<String>>,
    /// How many `RequestedAuthnContext` elements there are.
    pub requested_authn_context_count: usize,
    /// The first `RequestedAuthnContext`.
    pub requested_authn_context: Option<RequestedAuthnContext>,
    /// `Extensions/spid:Purpose` text.
    pub purpose: Option<String>,
    /// `Scoping/@ProxyCount`, when `Scoping` is present.
    pub scoping_proxy_count: Option<Option<String>>,
}

/// Why the XML is not an AuthnRequest at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthnRequestError {
    /// Not well-formed, DOCTYPE, too large.
    #[error(transparent)]
    Xml(#[from] super::xml_read::XmlError),
    /// The root is something else.
    #[error("the root element is {{{0}}}{1}, not samlp:AuthnRequest")]
    NotAuthnRequest(String, String),
}

impl AuthnRequest {
    /// Reads the request fields from a parsed document.
    pub fn from_doc(doc: &XmlDoc<'_>) -> Result<Self, AuthnRequestError> {
        let root = doc
            .root()
            .ok_or_else(|| AuthnRequestError::NotAuthnRequest(String::new(), String::new()))?;
        if !root.is(ns::PROTOCOL, "AuthnRequest") {
            return Err(AuthnRequestError::NotAuthnRequest(
                root.namespace().unwrap_or("").to_string(),
                root.local_name().to_string(),
            ));
        }
        Ok(Self::from_root(root))
    }

    fn from_root(root: Node<'_, '_>) -> Self {
        let attr = |n: &str| root.attr(n).map(str::to_string);
        let issuers: Vec<_> = root.children(ns::ASSERTION, "Issuer").collect();
        let policies: Vec<_> = root.children(ns::PROTOCOL, "NameIDPolicy").collect();
        let racs: Vec<_> = root
            .children(ns::PROTOCOL, "RequestedAuthnContext")
            .collect();
        AuthnRequest {
            id: attr("ID"),
            version: attr("Version"),
            issue_instant: attr("IssueInstant"),
            destination: attr("Destination"),
            force_authn: attr("ForceAuthn"),
            is_passive: attr("IsPassive"),
            acs_index: attr("AssertionConsumerServiceIndex"),
            acs_url: attr("AssertionConsumerServiceURL"),
            protocol_binding: attr("ProtocolBinding"),
            attribute_service_index: attr("AttributeConsumingServiceIndex"),
            issuer_count: issuers.len(),
            issuer: issuers.first().map(|i| IssuerField {
                value: i.text().trim().to_string(),
                format: i.attr("Format").map(str::to_string),
                name_qualifier: i.attr("NameQualifier").map(str::to_string),
            }),
            name_id_policy_count: policies.len(),
            name_id_policy_format: policies
                .first()
                .map(|p| p.attr("Format").map(str::to_string)),
            requested_authn_context_count: racs.len(),
            requested_authn_context: racs.first().map(|r| RequestedAuthnContext {
                comparison: r.attr("Comparison").map(str::to_string),
                class_refs: r
                    .children(ns::ASSERTION, "AuthnContextClassRef")
                    .map(|c| c.text().trim().to_string())
                    .collect(),
            }),
            purpose: root
                .child(ns::PROTOCOL, "Extensions")
                .and_then(|e| e.child(ns::SPID, "Purpose"))
                .map(|p| p.text().trim().to_string()),
            scoping_proxy_count: root
                .child(ns::PROTOCOL, "Scoping")
                .map(|s| s.attr("ProxyCount").map(str::to_string)),
        }
    }
}
