//! Single logout messages: parsing an SP's LogoutRequest or LogoutResponse, and building ours.

use super::ns;
use super::xml_read::XmlDoc;
use super::xml_writer::XmlWriter;

/// A parsed LogoutRequest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogoutRequest {
    /// `ID`.
    pub id: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `IssueInstant`.
    pub issue_instant: Option<String>,
    /// `Destination`.
    pub destination: Option<String>,
    /// `saml:Issuer` text.
    pub issuer: Option<String>,
    /// `saml:NameID` text.
    pub name_id: Option<String>,
    /// `samlp:SessionIndex` text.
    pub session_index: Option<String>,
}

/// A parsed LogoutResponse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogoutResponse {
    /// `ID`.
    pub id: Option<String>,
    /// `InResponseTo`.
    pub in_response_to: Option<String>,
    /// `Destination`.
    pub destination: Option<String>,
    /// `saml:Issuer` text.
    pub issuer: Option<String>,
    /// Top-level status code.
    pub status: Option<String>,
}

/// Either logout message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutMessage {
    /// A request to end a session.
    Request(LogoutRequest),
    /// The answer to our request.
    Response(LogoutResponse),
}

/// Why the XML is not a logout message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutError {
    /// Not XML we accept.
    #[error(transparent)]
    Xml(#[from] super::xml_read::XmlError),
    /// Another message.
    #[error("expected samlp:LogoutRequest or samlp:LogoutResponse, found {0}")]
    NotLogout(String),
}

impl LogoutMessage {
    /// Reads a logout message from a parsed document.
    pub fn from_doc(doc: &XmlDoc<'_>) -> Result<Self, LogoutError> {
        let root = doc
            .root()
            .ok_or_else(|| LogoutError::NotLogout(String::new()))?;
        let attr = |n: &str| root.attr(n).map(str::to_string);
        let issuer = root
            .child(ns::ASSERTION, "Issuer")
            .map(|i| i.text().trim().to_string());
        if root.is(ns::PROTOCOL, "LogoutRequest") {
            Ok(LogoutMessage::Request(LogoutRequest {
                id: attr("ID"),
                version: attr("Version"),
                issue_instant: attr("IssueInstant"),
                destination: attr("Destination"),
                issuer,
                name_id: root
                    .child(ns::ASSERTION, "NameID")
                    .map(|n| n.text().trim().to_string()),
                session_index: root
                    .child(ns::PROTOCOL, "SessionIndex")
                    .map(|n| n.text().trim().to_string()),
            }))
        } else if root.is(ns::PROTOCOL, "LogoutResponse") {
            Ok(LogoutMessage::Response(LogoutResponse {
                id: attr("ID"),
                in_response_to: attr("InResponseTo"),
                destination: attr("Destination"),
                issuer,
                status: root
                    .child(ns::PROTOCOL, "Status")
                    .and_then(|s| s.child(ns::PROTOCOL, "StatusCode"))
                    .and_then(|c| c.attr("Value"))
                    .map(str::to_string),
            }))
        } else {
            Err(LogoutError::NotLogout(root.local_name().to_string()))
        }
    }
}

/// Builds an (unsigned) LogoutResponse.
pub fn logout_response_xml(
    id: &str,
    in_response_to: &str,
    instant: &str,
    destination: &str,
    issuer: &str,
    status: &str,
) -> String {
    let mut w = XmlWriter::new();
    w.open(
        "samlp:LogoutResponse",
        &[
            ("xmlns:samlp", ns::PROTOCOL),
            ("xmlns:saml", ns::ASSERTION),
            ("Destination", destination),
            ("ID", id),
            ("InResponseTo", in_response_to),
            ("IssueInstant", instant),
            ("Version", "2.0"),
        ],
    )
    .leaf("saml:Issuer", &[("Format", ns::NAMEID_ENTITY)], issuer)
    .open("samlp:Status", &[])
    .empty("samlp:StatusCode", &[("Value", status)])
    .close("samlp:Status")
    .close("samlp:LogoutResponse");
    w.finish()
}

/// What an IdP-initiated LogoutRequest carries.
#[derive(Debug, Clone)]
pub struct LogoutRequestPlan<'a> {
    /// `ID`.
    pub id: &'a str,
    /// `IssueInstant`.
    pub instant: &'a str,
    /// `Destination`.
    pub destination: &'a str,
    /// IdP entityID.
    pub issuer: &'a str,
    /// The transient NameID of the session.
    pub name_id: &'a str,
    /// IdP entityID as NameQualifier.
    pub name_qualifier: &'a str,
    /// The session's index, when the SP was given one.
    pub session_index: Option<&'a str>,
}

/// Builds an (unsigned) LogoutRequest.
pub fn logout_request_xml(p: &LogoutRequestPlan<'_>) -> String {
    let mut w = XmlWriter::new();
    w.open(
        "samlp:LogoutRequest",
        &[
            ("xmlns:samlp", ns::PROTOCOL),
            ("xmlns:saml", ns::ASSERTION),
            ("Destination", p.destination),
            ("ID", p.id),
            ("IssueInstant", p.instant),
            ("Version", "2.0"),
        ],
    )
    .leaf("saml:Issuer", &[("Format", ns::NAMEID_ENTITY)], p.issuer)
    .leaf(
        "saml:NameID",
        &[
            ("Format", ns::NAMEID_TRANSIENT),
            ("NameQualifier", p.name_qualifier),
        ],
        p.name_id,
    );
    if let Some(index) = p.session_index {
        w.leaf("samlp:SessionIndex", &[], index);
    }
    w.close("samlp:LogoutRequest");
    w.finish()
}
