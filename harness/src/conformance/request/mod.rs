//! AuthnRequest checks (spid-sp-test's `authnrequest_strict` and `--extra` sets, RT
//! single-sign-on.rst, SAML Bindings §3.4–3.5): the service's login URL is followed until the
//! AuthnRequest would leave for the IdP, on each binding, and every check of
//! [`checks::REQUEST_CHECKS`] runs over each captured request.

pub mod checks;

use super::check::{self, CheckInfo, Outcome};
use super::runner::Target;
use crate::browser::{Browser, RequestMessage};
use crate::report::Entry;
use mock_idps::saml::binding::{decode_post, decode_redirect, RedirectMessage};
use mock_idps::saml::sp_metadata::SpMetadata;
use mock_idps::saml::xml_read::{Node, XmlDoc};

/// The binding a request was captured on, or a service is asked to send it on (serialized
/// `redirect`, `post`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Binding {
    /// HTTP-Redirect.
    Redirect,
    /// HTTP-POST.
    Post,
}

impl Binding {
    /// `redirect` or `post` (the `{binding}` value of the login URL).
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::Redirect => "redirect",
            Binding::Post => "post",
        }
    }
}

/// Which captures a check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    /// Requests on either binding.
    Both,
    /// HTTP-Redirect requests only.
    Redirect,
    /// HTTP-POST requests only.
    Post,
}

/// One row of the AuthnRequest check table.
#[derive(Debug, Clone, Copy)]
pub struct RequestCheck {
    /// Id, severity, rule, fix.
    pub info: CheckInfo,
    /// The bindings it applies to.
    pub applies: Applies,
    /// Runs it.
    pub eval: fn(&Ctx<'_, '_>) -> Outcome,
}

/// An AuthnRequest as captured and decoded.
#[derive(Debug, Clone)]
pub struct Captured {
    /// Its binding.
    pub binding: Binding,
    /// Where it was going (the Location without its query, or the form action).
    pub sent_to: String,
    /// The decoded XML, or why it could not be decoded.
    pub xml: Result<String, ReadError>,
    /// RelayState, decoded.
    pub relay_state: Option<String>,
    /// The Redirect message (signature parameters and signed octets).
    pub redirect: Option<RedirectMessage>,
}

impl Captured {
    /// Decodes a captured binding message.
    pub fn decode(message: &RequestMessage) -> Self {
        match message {
            RequestMessage::Redirect { url, query } => {
                let sent_to = url.split('?').next().unwrap_or_default().to_string();
                match decode_redirect(query) {
                    Ok(m) => Captured {
                        binding: Binding::Redirect,
                        sent_to,
                        xml: Ok(m.xml.clone()),
                        relay_state: m.relay_state.clone(),
                        redirect: Some(m),
                    },
                    Err(e) => Captured {
                        binding: Binding::Redirect,
                        sent_to,
                        xml: Err(e.into()),
                        relay_state: None,
                        redirect: None,
                    },
                }
            }
            RequestMessage::Post { action, fields } => {
                let field = |name: &str| {
                    fields
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                };
                let xml = field("SAMLRequest")
                    .ok_or(ReadError::NoSamlRequest)
                    .and_then(|v| Ok(decode_post(&v, "SAMLRequest")?));
                Captured {
                    binding: Binding::Post,
                    sent_to: action.clone(),
                    xml,
                    relay_state: field("RelayState"),
                    redirect: None,
                }
            }
        }
    }
}

/// What a check reads.
pub struct Ctx<'d, 'a> {
    /// The capture.
    pub captured: &'d Captured,
    /// The parsed XML, or why not.
    pub doc: Result<&'d XmlDoc<'a>, ReadError>,
    /// The SP's metadata.
    pub metadata: &'d SpMetadata,
    /// The IdP the request went to: entityID and SSO URL.
    pub idp_entity_id: &'d str,
    /// Its SSO URL.
    pub idp_sso_url: &'d str,
    /// Now (for IssueInstant).
    pub now: time::OffsetDateTime,
    /// Allowed clock skew.
    pub skew: time::Duration,
    /// The IDs of the other captured requests.
    pub other_ids: &'d [String],
}

impl<'d, 'a> Ctx<'d, 'a> {
    /// The AuthnRequest element, or why there is none.
    pub fn root(&self) -> Result<Node<'d, 'a>, ReadError> {
        let doc = self.doc.as_ref().map_err(|e| e.clone())?;
        let root = doc.root().ok_or(ReadError::NoRoot)?;
        if root.is(mock_idps::saml::ns::PROTOCOL, "AuthnRequest") {
            Ok(root)
        } else {
            Err(ReadError::NotAuthnRequest(root.local_name().to_string()))
        }
    }
}

/// Why a captured AuthnRequest could not be read (the binding's and the parser's errors kept as
/// they are, so their messages and sources reach the report unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// An HTTP-POST form without the field.
    #[error("the form has no SAMLRequest field")]
    NoSamlRequest,
    /// The binding could not be decoded (base64, DEFLATE, parameters).
    #[error(transparent)]
    Binding(#[from] mock_idps::saml::binding::BindingError),
    /// The XML is not well-formed or is refused by the parser.
    #[error(transparent)]
    Xml(#[from] mock_idps::saml::xml_read::XmlError),
    /// The document has no root element.
    #[error("the message has no root element")]
    NoRoot,
    /// The root element is something else (its local name).
    #[error("the root element is {0}, not samlp:AuthnRequest")]
    NotAuthnRequest(String),
}

/// Runs `f` on the AuthnRequest element, or fails with why it could not be read.
pub fn with_root<'d, 'a>(ctx: &Ctx<'d, 'a>, f: impl FnOnce(Node<'d, 'a>) -> Outcome) -> Outcome {
    match ctx.root() {
        Ok(root) => f(root),
        Err(e) => Outcome::Fail(format!("the AuthnRequest could not be read: {e}")),
    }
}

/// Why no AuthnRequest could be captured.
#[derive(Debug, thiserror::Error)]
#[error("no AuthnRequest captured from {url}: {reason}")]
pub struct CaptureError {
    /// The login URL followed.
    pub url: String,
    /// What went wrong.
    pub reason: String,
}

/// The login URLs to capture from: one per binding when the template has `{binding}`, else the
/// same URL twice (the second request proves the ID is fresh).
pub fn login_urls(target: &Target) -> Vec<(Option<Binding>, String)> {
    let base = target
        .login_url
        .replace("{level}", "2")
        .replace("{comparison}", "minimum")
        .replace(
            "{entity_id}",
            &url::form_urlencoded::byte_serialize(target.idp.entity_id.as_bytes())
                .collect::<String>(),
        );
    if base.contains("{binding}") {
        [Binding::Redirect, Binding::Post]
            .into_iter()
            .map(|b| (Some(b), base.replace("{binding}", b.as_str())))
            .collect()
    } else {
        vec![(None, base.clone()), (None, base)]
    }
}

/// Captures an AuthnRequest from each login URL.
pub async fn capture_all(target: &Target) -> Vec<Result<Captured, CaptureError>> {
    let mut out = Vec::new();
    for (_, url) in login_urls(target) {
        let result = async {
            let browser = Browser::new(target.timeout).map_err(|e| e.to_string())?;
            let captured = browser
                .capture_request(&url)
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(Captured::decode(&captured.message))
        }
        .await
        .map_err(|reason| CaptureError {
            url: url.clone(),
            reason,
        });
        out.push(result);
    }
    out
}

/// The ID attribute of a captured request, if it can be read.
fn request_id(c: &Captured) -> Option<String> {
    let xml = c.xml.as_ref().ok()?;
    let doc = XmlDoc::parse(xml).ok()?;
    doc.root()?.attr("ID").map(str::to_string)
}

/// Every selected check over every capture, as report entries (family `authn-request`); a
/// capture that failed gives one error entry.
pub fn evaluate(
    captures: &[Result<Captured, CaptureError>],
    target: &Target,
    now: time::OffsetDateTime,
    only: &[String],
) -> Vec<Entry> {
    let ids: Vec<Option<String>> = captures
        .iter()
        .map(|c| c.as_ref().ok().and_then(request_id))
        .collect();
    let mut entries = Vec::new();
    let mut seen_bindings: Vec<Binding> = Vec::new();
    for (i, capture) in captures.iter().enumerate() {
        let captured = match capture {
            Ok(c) => c,
            Err(e) => {
                entries.push(Entry {
                    id: format!("req-capture/{i}"),
                    title: "capture an AuthnRequest from the login URL".into(),
                    outcome: "check".into(),
                    expected: "pass".into(),
                    error: Some(e.to_string()),
                    family: Some("authn-request".into()),
                    severity: Some(crate::report::Severity::Error),
                    rule: Some("RT single-sign-on.rst".into()),
                    ..Entry::default()
                });
                continue;
            }
        };
        // Suffix: the binding, and a counter when a binding was captured twice.
        let n = seen_bindings
            .iter()
            .filter(|b| **b == captured.binding)
            .count();
        seen_bindings.push(captured.binding);
        let suffix = if n == 0 {
            format!("/{}", captured.binding.as_str())
        } else {
            format!("/{}-{}", captured.binding.as_str(), n + 1)
        };
        let other_ids: Vec<String> = ids
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .filter_map(|(_, id)| id.clone())
            .collect();
        let parsed = captured
            .xml
            .as_ref()
            .map_err(|e| e.clone())
            .and_then(|x| Ok(XmlDoc::parse(x)?));
        let ctx = Ctx {
            captured,
            doc: parsed.as_ref().map_err(|e| e.clone()),
            metadata: &target.sp_metadata,
            idp_entity_id: &target.idp.entity_id,
            idp_sso_url: &target.idp.sso_url,
            now,
            skew: target.skew,
            other_ids: &other_ids,
        };
        let evidence = captured.xml.as_ref().ok().cloned();
        for c in checks::REQUEST_CHECKS {
            let applies = match c.applies {
                Applies::Both => true,
                Applies::Redirect => captured.binding == Binding::Redirect,
                Applies::Post => captured.binding == Binding::Post,
            };
            if !applies || !check::selected(c.info.id, only) {
                continue;
            }
            let outcome = (c.eval)(&ctx);
            let mut entry = check::entry(&c.info, "authn-request", &suffix, &outcome, None);
            entry.title = format!("{} ({} binding)", entry.title, captured.binding.as_str());
            if !outcome.passed() {
                entry.sent = evidence.clone();
            }
            entries.push(entry);
        }
    }
    entries
}

/// Captures from the target's login URL and runs the checks.
pub async fn run(target: &Target, only: &[String]) -> Vec<Entry> {
    if !checks::REQUEST_CHECKS
        .iter()
        .any(|c| check::selected(c.info.id, only))
    {
        return Vec::new();
    }
    let captures = capture_all(target).await;
    let now = mock_idps::clock::Clock::now(&mock_idps::clock::SystemClock);
    evaluate(&captures, target, now, only)
}

/// Whether `id` names an AuthnRequest check.
pub fn is_check(id: &str) -> bool {
    checks::REQUEST_CHECKS.iter().any(|c| c.info.id == id)
}
