//! The SAML Assertion as the SP consumes it, read from the verified uppsala tree: a typed view
//! of the elements the SPID profile uses (SAML Core §2).
//!
//! Why not samael's model: samael 0.0.22 without its default `xmlsec` feature does not compile
//! (`service_provider/mod.rs` uses `quick_xml::name::ResolveResult` and `BytesStart`, imported
//! only under `cfg(feature = "xmlsec")`), and that feature needs libclang and libxmlsec1 at build
//! time. Reading the same tree bergshamra verified also rules out a parser differential between
//! what was verified and what is consumed.

use crate::dom;
use crate::ns;
use uppsala::{Document, NodeId};

/// `saml:Issuer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// Text, trimmed.
    pub value: String,
    /// `Format`.
    pub format: Option<String>,
}

/// `saml:NameID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    /// Text, trimmed.
    pub value: String,
    /// `Format`.
    pub format: Option<String>,
    /// `NameQualifier`.
    pub name_qualifier: Option<String>,
}

/// `saml:SubjectConfirmation` with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// `Method`.
    pub method: Option<String>,
    /// Whether `SubjectConfirmationData` is present.
    pub has_data: bool,
    /// `SubjectConfirmationData/@Recipient`.
    pub recipient: Option<String>,
    /// `SubjectConfirmationData/@InResponseTo`.
    pub in_response_to: Option<String>,
    /// `SubjectConfirmationData/@NotOnOrAfter`.
    pub not_on_or_after: Option<String>,
}

/// `saml:Conditions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditions {
    /// `NotBefore`.
    pub not_before: Option<String>,
    /// `NotOnOrAfter`.
    pub not_on_or_after: Option<String>,
    /// Every `AudienceRestriction/Audience` text.
    pub audiences: Vec<String>,
}

/// `saml:AuthnStatement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnStatement {
    /// `SessionIndex`.
    pub session_index: Option<String>,
    /// `AuthnContext/AuthnContextClassRef` text.
    pub class_ref: Option<String>,
}

/// The Assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// `Issuer`.
    pub issuer: Option<Issuer>,
    /// `Subject/NameID`.
    pub name_id: Option<NameId>,
    /// `Subject/SubjectConfirmation`s.
    pub confirmations: Vec<Confirmation>,
    /// `Conditions`.
    pub conditions: Option<Conditions>,
    /// `AuthnStatement`s.
    pub authn_statements: Vec<AuthnStatement>,
    /// `AttributeStatement/Attribute`s: name and first value.
    pub attributes: Vec<(String, Option<String>)>,
}

impl Assertion {
    /// Reads the Assertion element `node`.
    pub fn read(doc: &Document<'_>, node: NodeId) -> Self {
        Self::read_with(doc, node, dom::text)
    }

    /// Reads the Assertion element `node`, taking element text with `text`.
    pub fn read_with(
        doc: &Document<'_>,
        node: NodeId,
        text: fn(&Document<'_>, NodeId) -> String,
    ) -> Self {
        let a = ns::ASSERTION;
        let attr = |n: NodeId, name: &str| dom::attr(doc, n, name).map(str::to_string);
        let subject = dom::child(doc, node, a, "Subject");
        let name_id = subject
            .and_then(|s| dom::child(doc, s, a, "NameID"))
            .map(|n| NameId {
                value: text(doc, n),
                format: attr(n, "Format"),
                name_qualifier: attr(n, "NameQualifier"),
            });
        let confirmations = subject
            .map(|s| {
                dom::children(doc, s, a, "SubjectConfirmation")
                    .map(|c| {
                        let data = dom::child(doc, c, a, "SubjectConfirmationData");
                        Confirmation {
                            method: attr(c, "Method"),
                            has_data: data.is_some(),
                            recipient: data.and_then(|d| attr(d, "Recipient")),
                            in_response_to: data.and_then(|d| attr(d, "InResponseTo")),
                            not_on_or_after: data.and_then(|d| attr(d, "NotOnOrAfter")),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let conditions = dom::child(doc, node, a, "Conditions").map(|c| Conditions {
            not_before: attr(c, "NotBefore"),
            not_on_or_after: attr(c, "NotOnOrAfter"),
            audiences: dom::children(doc, c, a, "AudienceRestriction")
                .flat_map(|r| dom::children(doc, r, a, "Audience").collect::<Vec<_>>())
                .map(|x| text(doc, x))
                .collect(),
        });
        let authn_statements = dom::children(doc, node, a, "AuthnStatement")
            .map(|s| AuthnStatement {
                session_index: attr(s, "SessionIndex"),
                class_ref: dom::child(doc, s, a, "AuthnContext")
                    .and_then(|c| dom::child(doc, c, a, "AuthnContextClassRef"))
                    .map(|r| text(doc, r)),
            })
            .collect();
        let attributes = dom::children(doc, node, a, "AttributeStatement")
            .flat_map(|s| dom::children(doc, s, a, "Attribute").collect::<Vec<_>>())
            .map(|at| {
                (
                    dom::attr(doc, at, "Name").unwrap_or("").to_string(),
                    dom::child(doc, at, a, "AttributeValue").map(|v| text(doc, v)),
                )
            })
            .collect();
        Assertion {
            issuer: dom::child(doc, node, a, "Issuer").map(|i| Issuer {
                value: text(doc, i),
                format: attr(i, "Format"),
            }),
            name_id,
            confirmations,
            conditions,
            authn_statements,
            attributes,
        }
    }
}
