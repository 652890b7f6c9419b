//! Single logout (SAML Profiles §4.4; RT single-logout): our LogoutRequest and LogoutResponse,
//! and reading the IdP's after verifying their signature (Redirect: over the raw query; POST:
//! enveloped, signed node = root).

use crate::binding::{decode_post, decode_redirect, BindingError, Kind};
use crate::dom;
use crate::head::Head;
use crate::idp::{has_dtd, IdpRegistry, TrustedIdp};
use crate::keys::SIGNATURE_MARK;
use crate::ns;
use crate::xml::XmlWriter;
use std::sync::Arc;

/// A LogoutRequest we send.
#[derive(Debug, Clone)]
pub struct LogoutRequestPlan<'a> {
    /// `ID`, `IssueInstant`, `Destination` (the IdP's SLO endpoint) and our entityID.
    pub head: Head<'a>,
    /// The NameID we received.
    pub name_id: &'a str,
    /// Its NameQualifier.
    pub name_qualifier: &'a str,
    /// SessionIndex, when we received one (L1).
    pub session_index: Option<&'a str>,
}

/// The LogoutRequest XML; `signed` marks the place of an enveloped signature (HTTP-POST).
pub fn logout_request_xml(p: &LogoutRequestPlan<'_>, signed: bool) -> String {
    let mut w = XmlWriter::new();
    open_message(&mut w, "samlp:LogoutRequest", &p.head, None, signed);
    w.leaf(
        "saml:NameID",
        &[
            ("Format", ns::NAMEID_TRANSIENT),
            ("NameQualifier", p.name_qualifier),
        ],
        p.name_id,
    );
    if let Some(s) = p.session_index {
        w.leaf("samlp:SessionIndex", &[], s);
    }
    w.finish()
}

/// A LogoutResponse we send to an IdP-initiated LogoutRequest.
#[derive(Debug, Clone)]
pub struct LogoutResponsePlan<'a> {
    /// `ID`, `IssueInstant`, `Destination` and our entityID.
    pub head: Head<'a>,
    /// `InResponseTo`: the IdP's request ID.
    pub in_response_to: &'a str,
    /// Top-level status code.
    pub status: &'a str,
}

/// The LogoutResponse XML; `signed` marks the place of an enveloped signature (HTTP-POST).
pub fn logout_response_xml(p: &LogoutResponsePlan<'_>, signed: bool) -> String {
    let mut w = XmlWriter::new();
    let answers = ("InResponseTo", p.in_response_to);
    open_message(
        &mut w,
        "samlp:LogoutResponse",
        &p.head,
        Some(answers),
        signed,
    );
    w.open("samlp:Status", &[])
        .empty("samlp:StatusCode", &[("Value", p.status)])
        .close();
    w.finish()
}

/// Opens a logout message: its root with the head's attributes (and `extra` last), the
/// Issuer, and, when `signed`, the place of the enveloped signature.
fn open_message(
    w: &mut XmlWriter,
    root: &'static str,
    head: &Head<'_>,
    extra: Option<(&str, &str)>,
    signed: bool,
) {
    let mut attrs = vec![
        ("xmlns:samlp", ns::PROTOCOL),
        ("xmlns:saml", ns::ASSERTION),
        ("ID", head.id),
        ("Version", "2.0"),
        ("IssueInstant", head.issue_instant),
        ("Destination", head.destination),
    ];
    attrs.extend(extra);
    w.open(root, &attrs);
    issuer(w, head.sp_entity_id);
    if signed {
        w.raw(SIGNATURE_MARK);
    }
}

fn issuer(w: &mut XmlWriter, sp: &str) {
    w.leaf(
        "saml:Issuer",
        &[("Format", ns::NAMEID_ENTITY), ("NameQualifier", sp)],
        sp,
    );
}

/// Why an inbound logout message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SloError {
    /// The binding could not be decoded or its signature is wrong.
    #[error(transparent)]
    Binding(#[from] BindingError),
    /// Not a logout message we can read.
    #[error("not a samlp:LogoutRequest or samlp:LogoutResponse: {0}")]
    Malformed(String),
    /// The Issuer is not a trusted IdP.
    #[error("the logout message comes from an IdP we do not trust ({0:?})")]
    UnknownIssuer(String),
    /// The POST signature is missing, wrong, or covers another node.
    #[error("the logout message signature is missing or invalid: {0}")]
    Signature(String),
}

/// A verified logout message from an IdP.
#[derive(Debug, Clone)]
pub enum Inbound {
    /// The IdP asks us to end the sessions of `name_id`.
    Request {
        /// The IdP.
        idp: Arc<TrustedIdp>,
        /// Its `ID` (our InResponseTo).
        id: String,
        /// The NameID to log out.
        name_id: String,
        /// RelayState to echo.
        relay_state: Option<String>,
        /// `Destination`, when present.
        destination: Option<String>,
    },
    /// The IdP answers our LogoutRequest.
    Response {
        /// The IdP.
        idp: Arc<TrustedIdp>,
        /// `InResponseTo`.
        in_response_to: Option<String>,
        /// Top-level status code.
        status: Option<String>,
        /// `Destination`, when present.
        destination: Option<String>,
    },
}

/// How the message arrived at `/slo`.
#[derive(Debug, Clone, Copy)]
pub enum Received<'a> {
    /// GET with the raw query.
    Redirect(&'a str),
    /// POST form fields.
    Post {
        /// Which field.
        kind: Kind,
        /// Its base64 value.
        value: &'a str,
        /// RelayState.
        relay_state: Option<&'a str>,
    },
}

/// Decodes, identifies the IdP, verifies (unless `verify` is false: the `slo-signature`
/// mutant) and reads an inbound logout message.
pub fn receive(
    idps: &IdpRegistry,
    received: Received<'_>,
    verify: bool,
) -> Result<Inbound, SloError> {
    let (xml, relay, redirect) = match received {
        Received::Redirect(q) => {
            let m = decode_redirect(q)?;
            (m.xml.clone(), m.relay_state.clone(), Some(m))
        }
        Received::Post {
            kind,
            value,
            relay_state,
        } => (
            decode_post(value, kind.param())?,
            relay_state.map(str::to_string),
            None,
        ),
    };
    if has_dtd(&xml) {
        return Err(SloError::Malformed("DOCTYPE refused".into()));
    }
    let doc = uppsala::parse(&xml).map_err(|e| SloError::Malformed(e.to_string()))?;
    let root = doc
        .document_element()
        .ok_or_else(|| SloError::Malformed("empty".into()))?;
    let issuer = dom::child(&doc, root, ns::ASSERTION, "Issuer")
        .map(|i| dom::text(&doc, i))
        .unwrap_or_default();
    let idp = idps
        .get(&issuer)
        .cloned()
        .ok_or_else(|| SloError::UnknownIssuer(issuer.clone()))?;
    match &redirect {
        Some(m) if verify => m.verify(&idp.certs)?,
        None if verify => verify_root(&idp, &doc, &xml, root)?,
        _ => {}
    }
    let destination = dom::attr(&doc, root, "Destination").map(str::to_string);
    if dom::is(&doc, root, ns::PROTOCOL, "LogoutRequest") {
        Ok(Inbound::Request {
            idp,
            id: dom::attr(&doc, root, "ID").unwrap_or_default().to_string(),
            name_id: dom::child(&doc, root, ns::ASSERTION, "NameID")
                .map(|n| dom::text(&doc, n))
                .unwrap_or_default(),
            relay_state: relay,
            destination,
        })
    } else if dom::is(&doc, root, ns::PROTOCOL, "LogoutResponse") {
        Ok(Inbound::Response {
            idp,
            in_response_to: dom::attr(&doc, root, "InResponseTo").map(str::to_string),
            status: dom::child(&doc, root, ns::PROTOCOL, "Status")
                .and_then(|st| dom::child(&doc, st, ns::PROTOCOL, "StatusCode"))
                .and_then(|c| dom::attr(&doc, c, "Value"))
                .map(str::to_string),
            destination,
        })
    } else {
        Err(SloError::Malformed("another message".into()))
    }
}

/// The enveloped signature of the root verifies with the IdP's certificate and covers the root.
fn verify_root(
    idp: &TrustedIdp,
    doc: &uppsala::Document<'_>,
    xml: &str,
    root: uppsala::NodeId,
) -> Result<(), SloError> {
    let sig = dom::child(doc, root, ns::DSIG, "Signature")
        .ok_or_else(|| SloError::Signature("not signed".into()))?;
    let results =
        bergshamra::dsig::verify::verify_all_document_with_source(&idp.dsig, doc, Some(xml))
            .map_err(|e| SloError::Signature(e.to_string()))?;
    for r in results {
        if let bergshamra::VerifyResult::Valid {
            signature_node,
            references,
            ..
        } = r
        {
            if signature_node == sig {
                return match references.as_slice() {
                    [r] if r.resolved_node == Some(root) && r.digest_verified => Ok(()),
                    _ => Err(SloError::Signature("it does not cover the message".into())),
                };
            }
        }
    }
    Err(SloError::Signature("it does not verify".into()))
}
