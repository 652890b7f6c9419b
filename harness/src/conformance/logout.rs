//! The single-logout cases: LogoutRequests the IdP sends to the service (correct, unsigned,
//! signed by a stranger, for another endpoint, for an unknown session, replayed) and
//! LogoutResponses answering the service's own LogoutRequest (correct, not answering it, signed
//! by a stranger, for another endpoint, replayed). None of the official tools has them.
//!
//! The oracle depends on the message: a LogoutRequest is judged by whether the browser's
//! session ended (a protected-page probe); one for an unknown session by the status of the
//! service's LogoutResponse; a LogoutResponse by the service's page (an error status or a
//! refusal marker is a refusal).

use super::case::Basis;
use super::edit;
use super::runner::{CaseError, Pending, Target, TargetCase};
use crate::browser::{saml_form, Browser, Hop, HopKind};
use crate::oracle::Verdict;
use crate::report::Entry;
use base64::Engine;
use mock_idps::clock::saml_instant;
use mock_idps::ids::IdGenerator;
use mock_idps::saml::binding::{decode_post, decode_redirect, encode_redirect, MessageKind};
use mock_idps::saml::dsig::sign_enveloped;
use mock_idps::saml::keys::SigningKey;
use mock_idps::saml::logout::{logout_request_xml, logout_response_xml, LogoutRequestPlan};
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::XmlDoc;
use std::sync::Arc;
use std::time::Instant;

/// The service's SingleLogoutService endpoint the cases use.
#[derive(Debug, Clone)]
struct Slo {
    location: String,
    /// Only HTTP-Redirect is offered.
    redirect: bool,
}

/// A logout message ready for its binding.
enum Message {
    /// The XML, signed (enveloped) unless the case sends it unsigned.
    Post(String),
    /// The unsigned XML, with the key of the query signature (none when sent unsigned).
    Redirect {
        xml: String,
        kind: MessageKind,
        key: Option<Arc<SigningKey>>,
    },
}

/// How a logout message is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spoil {
    /// Sent as it should be.
    None,
    /// Signed with a key the service does not trust for the IdP.
    StrangerKey,
    /// Not signed at all.
    Unsigned,
    /// `Destination` names another endpoint of the service.
    WrongDestination,
    /// `InResponseTo` names no LogoutRequest of the service (LogoutResponse only).
    WrongInResponseTo,
}

/// The verdict rule when the protected page after the LogoutRequest decided: the SP closes the
/// session the IdP names (SPID RT single-logout; docs/rules/sp-obligations.md, SP-SLO).
pub const RULE_SESSION_ENDED: &str =
    "probe after logout (SPID RT single-logout: the SP closes the session; docs/rules/sp-obligations.md SP-SLO)";
/// The verdict rule when the status of the service's LogoutResponse decided.
pub const RULE_LOGOUT_STATUS: &str =
    "logout-status (SAML Core §3.7.3: the LogoutResponse's top-level StatusCode)";
/// The verdict rule when the service's page after the IdP's LogoutResponse decided: no error
/// status and no refusing check named (this file, `page_verdict`).
pub const RULE_LOGOUT_PAGE: &str =
    "logout-page (harness/src/conformance/logout.rs: the SLO endpoint's answer, no error status, no refusal named)";

/// What a logout case plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutFlow {
    /// After a login, the IdP sends a LogoutRequest for the session; judged by whether the
    /// session ended.
    IdpRequest(Spoil),
    /// After a login, the IdP sends a LogoutRequest for a NameID the service never saw; judged
    /// by the status of the service's LogoutResponse (SAML Core §3.7.3.2).
    UnknownSession,
    /// A LogoutRequest already processed is sent again after a new login with the same NameID;
    /// judged by whether the new session ended.
    ReplayedRequest,
    /// The service starts logout; the IdP answers with a LogoutResponse; judged by the page.
    SpLogout(Spoil),
    /// The service's logout completes, and the same LogoutResponse is posted again.
    ReplayedResponse,
}

/// What a conforming service does with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutExpect {
    /// Acts on it (ends the session, or completes the logout).
    Accept,
    /// Refuses it.
    Refuse,
}

/// One logout case.
#[derive(Debug, Clone, Copy)]
pub struct LogoutCase {
    /// Stable id (`logout-1`…).
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The rule tested.
    pub rule: &'static str,
    /// What is played.
    pub flow: LogoutFlow,
    /// The verdict a conforming service reaches.
    pub expect: LogoutExpect,
    /// The reference-SP switches under which a refuse case fails.
    pub mutant: Option<&'static str>,
    /// Whether the expectation is an SP obligation (error) or advice (warning), and why.
    pub basis: Basis,
}

impl LogoutCase {
    const fn advice(mut self, why: &'static str) -> Self {
        self.basis = Basis::Advice(why);
        self
    }

    const fn obliged_by(mut self, id: &'static str) -> Self {
        self.basis = Basis::Sp(id);
        self
    }

    /// Whether the case starts the service's own logout (and so needs `--logout-url`).
    pub fn needs_logout_url(&self) -> bool {
        matches!(
            self.flow,
            LogoutFlow::SpLogout(_) | LogoutFlow::ReplayedResponse
        )
    }

    fn reported_title(&self) -> String {
        match self.basis {
            Basis::Sp(_) => self.title.to_string(),
            Basis::Advice(_) => format!("{} (advice, warning only)", self.title),
        }
    }
}

/// SP obligation: take part in single logout (docs/rules/sp-obligations.md).
pub const OB_SLO: &str = "SP-SLO";
const ADVICE_SLO_AUTH: &str = "SAML Profiles §4.4.3.1 and §4.4.4.1 put the MUST to authenticate on the requester (the IdP); no rule words a MUST on the SP to refuse an unauthenticated logout message, so refusing it is hardening";
const ADVICE_SLO_REPLAY: &str = "SAML Core §1.3.4 obliges the issuer to make IDs unique; no rule obliges the SP to keep a replay cache of logout messages";
const ADVICE_SLO_UNKNOWN: &str = "Regole tecniche SPID (single-logout, Sessioni individuali) ask the SP to notify the closure even of sessions never established, so a Success answer is also compliant";

const PROFILES_SLO: &str = "SAML Profiles §4.4.3–4.4.4; SPID RT single-logout";
const SIGNED: &str =
    "SAML Bindings §3.4.4.1, §3.5.4: logout messages signed by the IdP; SPID RT single-logout";
const DEST: &str = "SAML Bindings §3.4.5.2, §3.5.5.2: Destination = the endpoint that received it";
const ANSWERS: &str = "SAML Core §3.2.2, §3.7: a LogoutResponse answers one LogoutRequest, once";

const fn case(
    id: &'static str,
    title: &'static str,
    rule: &'static str,
    flow: LogoutFlow,
    mutant: Option<&'static str>,
) -> LogoutCase {
    LogoutCase {
        id,
        title,
        rule,
        flow,
        expect: if mutant.is_some() {
            LogoutExpect::Refuse
        } else {
            LogoutExpect::Accept
        },
        mutant,
        basis: Basis::Sp(OB_SLO),
    }
}

/// Every logout case.
pub static LOGOUT_CASES: &[LogoutCase] = &[
    case(
        "logout-1",
        "Correct LogoutRequest from the IdP ends the session",
        PROFILES_SLO,
        LogoutFlow::IdpRequest(Spoil::None),
        None,
    ),
    case(
        "logout-2",
        "LogoutRequest signed with a key the service does not trust",
        SIGNED,
        LogoutFlow::IdpRequest(Spoil::StrangerKey),
        Some("slo-signature"),
    )
    .advice(ADVICE_SLO_AUTH),
    case(
        "logout-3",
        "LogoutRequest not signed",
        SIGNED,
        LogoutFlow::IdpRequest(Spoil::Unsigned),
        Some("slo-signature"),
    )
    .advice(ADVICE_SLO_AUTH),
    case(
        "logout-4",
        "LogoutRequest whose Destination is another endpoint",
        DEST,
        LogoutFlow::IdpRequest(Spoil::WrongDestination),
        Some("slo-destination"),
    )
    .obliged_by(super::cases::OB_DESTINATION),
    case(
        "logout-5",
        "A processed LogoutRequest replayed after a new login with the same NameID",
        "SAML Core §1.3.4 (IDs used once); SAML Profiles §4.4.3.2",
        LogoutFlow::ReplayedRequest,
        Some("slo-replay"),
    )
    .advice(ADVICE_SLO_REPLAY),
    case(
        "logout-6",
        "LogoutRequest for a session the service does not have: the answer is not Success",
        "SAML Core §3.7.3.2",
        LogoutFlow::UnknownSession,
        Some("slo-unknown-session"),
    )
    .advice(ADVICE_SLO_UNKNOWN),
    case(
        "logout-7",
        "Correct LogoutResponse to the service's LogoutRequest completes the logout",
        PROFILES_SLO,
        LogoutFlow::SpLogout(Spoil::None),
        None,
    ),
    case(
        "logout-8",
        "LogoutResponse whose InResponseTo names no LogoutRequest of the service",
        ANSWERS,
        LogoutFlow::SpLogout(Spoil::WrongInResponseTo),
        Some("slo-in-response-to"),
    )
    .advice(ADVICE_SLO_REPLAY),
    case(
        "logout-9",
        "The same LogoutResponse posted twice",
        ANSWERS,
        LogoutFlow::ReplayedResponse,
        Some("slo-in-response-to"),
    )
    .advice(ADVICE_SLO_REPLAY),
    case(
        "logout-10",
        "LogoutResponse signed with a key the service does not trust",
        SIGNED,
        LogoutFlow::SpLogout(Spoil::StrangerKey),
        Some("slo-signature"),
    )
    .advice(ADVICE_SLO_AUTH),
    case(
        "logout-11",
        "LogoutResponse whose Destination is another endpoint",
        DEST,
        LogoutFlow::SpLogout(Spoil::WrongDestination),
        Some("slo-destination"),
    )
    .obliged_by(super::cases::OB_DESTINATION),
];

/// The logout cases whose id is in `only` (all when empty).
pub fn select(only: &[String]) -> Vec<&'static LogoutCase> {
    LOGOUT_CASES
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|o| o == c.id))
        .collect()
}

pub use super::runner::{run, run_reporting};

impl TargetCase for LogoutCase {
    async fn play(&'static self, target: Arc<Target>, _: usize, ids: Arc<IdGenerator>) -> Entry {
        run_case(&target, self, &ids).await
    }

    fn lost(&self, _: &Target) -> Entry {
        Entry {
            error: Some("the case's task panicked".into()),
            ..entry_for(self)
        }
    }
}

fn expected_word(case: &LogoutCase) -> &'static str {
    match case.expect {
        LogoutExpect::Accept => "accept",
        LogoutExpect::Refuse => "refuse",
    }
}

fn entry_for(case: &LogoutCase) -> Entry {
    Entry {
        id: case.id.to_string(),
        title: format!("{} [{}]", case.reported_title(), case.rule),
        level: Some(2),
        outcome: "logout".into(),
        expected: expected_word(case).into(),
        rule: Some(format!("{}; {}", case.rule, case.basis.describe())),
        severity: Some(case.basis.severity()),
        family: Some("logout".into()),
        ..Entry::default()
    }
}

/// Runs one logout case as an [`Entry`].
pub async fn run_case(target: &Target, case: &LogoutCase, ids: &IdGenerator) -> Entry {
    let began = Instant::now();
    let mut entry = entry_for(case);
    entry.provider = Some(target.idp.id.clone());
    if case.needs_logout_url() && target.logout_url.is_none() {
        entry.not_run = Some(crate::report::NotRun {
            kind: crate::report::NotRunKind::Skipped,
            reason: "the case starts the service's own logout: give --logout-url".into(),
        });
        return entry;
    }
    let mut hops = Vec::new();
    let mut play = Play {
        target,
        ids,
        hops: &mut hops,
    };
    match play.run(case.flow).await {
        Ok(verdict) => {
            entry.passed = verdict.accepted == (case.expect == LogoutExpect::Accept);
            entry.verdict = Some(verdict);
        }
        Err(e) => entry.error = Some(e.to_string()),
    }
    entry.hops = hops;
    entry.millis = began.elapsed().as_secs_f64() * 1000.0;
    entry
}

/// One case being played.
struct Play<'a> {
    target: &'a Target,
    ids: &'a IdGenerator,
    hops: &'a mut Vec<Hop>,
}

fn precondition(what: impl Into<String>) -> CaseError {
    CaseError::FlowPrecondition(what.into())
}

impl Play<'_> {
    async fn run(&mut self, flow: LogoutFlow) -> Result<Verdict, CaseError> {
        let slo = self.slo_url()?;
        match flow {
            LogoutFlow::IdpRequest(spoil) => {
                let (p, name_id) = self.login(None).await?;
                let xml = self.logout_request(&slo, &name_id, spoil)?;
                self.send(&p.browser, &slo, "SAMLRequest", &xml, None)
                    .await?;
                self.session_ended(&p.browser).await
            }
            LogoutFlow::UnknownSession => {
                let (p, _) = self.login(None).await?;
                let stranger = self.ids.name_id();
                let xml = self.logout_request(&slo, &stranger, Spoil::None)?;
                let answer = self
                    .send(&p.browser, &slo, "SAMLRequest", &xml, None)
                    .await?;
                Ok(answer_status_verdict(&answer))
            }
            LogoutFlow::ReplayedRequest => {
                let (p, name_id) = self.login(None).await?;
                let xml = self.logout_request(&slo, &name_id, Spoil::None)?;
                self.send(&p.browser, &slo, "SAMLRequest", &xml, None)
                    .await?;
                if !self.session_ended(&p.browser).await?.accepted {
                    return Err(precondition(
                        "the service did not end the session on a correct LogoutRequest",
                    ));
                }
                let (again, _) = self.login(Some((&p.browser, &name_id))).await?;
                self.send(&again.browser, &slo, "SAMLRequest", &xml, None)
                    .await?;
                self.session_ended(&again.browser).await
            }
            LogoutFlow::SpLogout(spoil) => {
                let (p, _) = self.login(None).await?;
                let (request_id, relay) = self.start_logout(&p.browser).await?;
                let xml = self.logout_response(&slo, &request_id, spoil)?;
                let answer = self
                    .send(&p.browser, &slo, "SAMLResponse", &xml, relay.as_deref())
                    .await?;
                Ok(page_verdict(&answer))
            }
            LogoutFlow::ReplayedResponse => {
                let (p, _) = self.login(None).await?;
                let (request_id, relay) = self.start_logout(&p.browser).await?;
                let xml = self.logout_response(&slo, &request_id, Spoil::None)?;
                let first = self
                    .send(&p.browser, &slo, "SAMLResponse", &xml, relay.as_deref())
                    .await?;
                if !page_verdict(&first).accepted {
                    return Err(precondition("the service refused a correct LogoutResponse"));
                }
                let answer = self
                    .send(&p.browser, &slo, "SAMLResponse", &xml, relay.as_deref())
                    .await?;
                Ok(page_verdict(&answer))
            }
        }
    }

    fn slo_url(&self) -> Result<Slo, CaseError> {
        pick_slo(&self.target.sp_metadata)
    }

    /// A completed login (level 2); in `reuse`'s browser with its NameID when given. Returns
    /// the pending request and the NameID the service received.
    async fn login(
        &mut self,
        reuse: Option<(&Browser, &str)>,
    ) -> Result<(Pending, String), CaseError> {
        let start = self.target.login_start(2, "minimum", "redirect");
        let t = self.target;
        let p = match reuse {
            Some((browser, _)) => t.capture_in(browser, &start).await?,
            None => t.capture(&start).await?,
        };
        self.hops.extend(p.hops.iter().cloned());
        let xml = match reuse {
            Some((_, name_id)) => {
                let xml = t.named_response_xml(&p.request, self.ids, name_id)?;
                t.complete_login_with(&p, xml, self.hops).await?
            }
            None => t.complete_login(&p, self.ids, self.hops).await?,
        };
        let doc = XmlDoc::parse(&xml).map_err(|e| precondition(e.to_string()))?;
        let name_id = doc
            .root()
            .and_then(|r| r.descendants(ns::ASSERTION, "NameID").into_iter().next())
            .map(|n| n.text())
            .ok_or_else(|| precondition("the Response has no NameID"))?;
        Ok((p, name_id))
    }

    fn logout_request(&self, slo: &Slo, name_id: &str, spoil: Spoil) -> Result<Message, CaseError> {
        let id = self.ids.saml_id();
        let destination = match spoil {
            Spoil::WrongDestination => format!("{}/elsewhere", slo.location),
            _ => slo.location.clone(),
        };
        let xml = logout_request_xml(&LogoutRequestPlan {
            id: &id,
            instant: &saml_instant(time::OffsetDateTime::now_utc()),
            destination: &destination,
            issuer: &self.target.idp.entity_id,
            name_id,
            name_qualifier: &self.target.idp.entity_id,
            session_index: None,
        });
        self.sign(xml, &id, spoil, slo, MessageKind::Request)
    }

    fn logout_response(
        &self,
        slo: &Slo,
        request_id: &str,
        spoil: Spoil,
    ) -> Result<Message, CaseError> {
        let id = self.ids.saml_id();
        let destination = match spoil {
            Spoil::WrongDestination => format!("{}/elsewhere", slo.location),
            _ => slo.location.clone(),
        };
        let irt = match spoil {
            Spoil::WrongInResponseTo => self.ids.saml_id(),
            _ => request_id.to_string(),
        };
        let xml = logout_response_xml(
            &id,
            &irt,
            &saml_instant(time::OffsetDateTime::now_utc()),
            &destination,
            &self.target.idp.entity_id,
            ns::STATUS_SUCCESS,
        );
        self.sign(xml, &id, spoil, slo, MessageKind::Response)
    }

    /// Signs the message as its binding does: an enveloped signature for HTTP-POST, the query
    /// signature for HTTP-Redirect (SAML Bindings §3.4.4.1, §3.5.4).
    fn sign(
        &self,
        xml: String,
        id: &str,
        spoil: Spoil,
        slo: &Slo,
        kind: MessageKind,
    ) -> Result<Message, CaseError> {
        let key = match spoil {
            Spoil::Unsigned => None,
            Spoil::StrangerKey => Some(self.target.rogue_key.clone()),
            _ => Some(self.target.idp.key.clone()),
        };
        if slo.redirect {
            return Ok(Message::Redirect { xml, kind, key });
        }
        match key {
            None => Ok(Message::Post(xml)),
            Some(key) => sign_enveloped(&xml, id, &key)
                .map(Message::Post)
                .map_err(|e| precondition(format!("signing: {e}"))),
        }
    }

    /// Sends a logout message in `browser` (posted, or as a redirect's GET); the service's
    /// answer is not followed.
    async fn send(
        &mut self,
        browser: &Browser,
        slo: &Slo,
        field: &str,
        message: &Message,
        relay_state: Option<&str>,
    ) -> Result<Answer, CaseError> {
        let url = slo.location.as_str();
        let (hop, headers, body) = match message {
            Message::Post(xml) => {
                let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
                let mut fields = vec![(field.to_string(), b64)];
                if let Some(r) = relay_state {
                    fields.push(("RelayState".into(), r.to_string()));
                }
                browser
                    .post_form(url, &fields, HopKind::SamlResponse)
                    .await?
            }
            Message::Redirect { xml, kind, key } => {
                let query = encode_redirect(*kind, xml, relay_state, key.as_deref());
                let sep = if url.contains('?') { '&' } else { '?' };
                browser
                    .get(&format!("{url}{sep}{query}"), HopKind::SamlResponse)
                    .await?
            }
        };
        let status = hop.status;
        self.hops.push(hop);
        Ok(Answer {
            url: url.to_string(),
            status,
            location: headers
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string),
            body,
        })
    }

    /// Whether the browser's session is gone: the verdict "accepted" means the service acted
    /// on the LogoutRequest.
    async fn session_ended(&mut self, browser: &Browser) -> Result<Verdict, CaseError> {
        let (hop, _, _) = browser.get(&self.target.probe_url, HopKind::Probe).await?;
        let status = hop.status;
        self.hops.push(hop);
        let ended = !(200..300).contains(&status);
        Ok(Verdict {
            accepted: ended,
            rule: RULE_SESSION_ENDED.into(),
            reason: if ended {
                format!("the session ended: the protected page answered {status}")
            } else {
                format!("the session is still open: the protected page answered {status}")
            },
            evidence: vec![format!(
                "probe GET {} answered {status}",
                self.target.probe_url
            )],
            spid_error: None,
        })
    }

    /// Starts the service's own logout (`logout_url`) and reads its LogoutRequest: its ID and
    /// RelayState.
    async fn start_logout(
        &mut self,
        browser: &Browser,
    ) -> Result<(String, Option<String>), CaseError> {
        let url = self
            .target
            .logout_url
            .clone()
            .ok_or_else(|| precondition("the LogoutResponse cases need --logout-url"))?;
        let (hop, headers, body) = browser.get(&url, HopKind::Start).await?;
        let answer = Answer {
            url: url.clone(),
            status: hop.status,
            location: headers
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string),
            body,
        };
        self.hops.push(hop);
        let (xml, relay) = answer
            .message("SAMLRequest")?
            .ok_or_else(|| precondition(format!("{url} sent no LogoutRequest to the IdP")))?;
        let doc = XmlDoc::parse(&xml).map_err(|e| precondition(e.to_string()))?;
        let id = doc
            .root()
            .filter(|r| r.is(ns::PROTOCOL, "LogoutRequest"))
            .and_then(|r| r.attr("ID"))
            .ok_or_else(|| precondition("the service's logout message is not a LogoutRequest"))?;
        Ok((id.to_string(), relay))
    }
}

/// The service's answer to a logout message.
struct Answer {
    url: String,
    status: u16,
    location: Option<String>,
    body: String,
}

impl Answer {
    /// The SAML message (`field`) the answer carries to the IdP, by redirect or auto-post form:
    /// its XML and RelayState.
    fn message(&self, field: &str) -> Result<Option<(String, Option<String>)>, CaseError> {
        if let Some((_, query)) = self.location.as_deref().and_then(|l| l.split_once('?')) {
            if query
                .split('&')
                .any(|p| p.starts_with(&format!("{field}=")))
            {
                let m = decode_redirect(query).map_err(|e| CaseError::Binding(e.to_string()))?;
                return Ok(Some((m.xml, m.relay_state)));
            }
        }
        let Some((_, fields)) = saml_form(&self.url, &self.body)? else {
            return Ok(None);
        };
        let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        match get(field) {
            Some(v) => {
                let xml = decode_post(&v, field).map_err(|e| CaseError::Binding(e.to_string()))?;
                Ok(Some((xml, get("RelayState"))))
            }
            None => Ok(None),
        }
    }
}

/// The service's SingleLogoutService from its metadata: HTTP-POST when it offers it, else
/// HTTP-Redirect (SAML Metadata §2.2.2: a message goes to an endpoint of its binding).
fn pick_slo(meta: &mock_idps::saml::sp_metadata::SpMetadata) -> Result<Slo, CaseError> {
    let pick = |binding: &str| {
        meta.slo
            .iter()
            .find(|s| s.binding == binding)
            .map(|s| s.location.clone())
    };
    if let Some(location) = pick(ns::BINDING_POST) {
        return Ok(Slo {
            location,
            redirect: false,
        });
    }
    if let Some(location) = pick(ns::BINDING_REDIRECT) {
        return Ok(Slo {
            location,
            redirect: true,
        });
    }
    Err(precondition(
        "the service's metadata has no SingleLogoutService for HTTP-POST or HTTP-Redirect",
    ))
}

/// "Accepted" when the service's LogoutResponse says Success.
fn answer_status_verdict(answer: &Answer) -> Verdict {
    let (status, evidence) = match answer.message("SAMLResponse") {
        Ok(Some((xml, _))) => {
            let value = XmlDoc::parse(&xml).ok().and_then(|d| {
                d.root()
                    .and_then(|r| r.child(ns::PROTOCOL, "Status"))
                    .and_then(|s| s.child(ns::PROTOCOL, "StatusCode"))
                    .and_then(|c| c.attr("Value"))
                    .map(str::to_string)
            });
            (
                value,
                format!(
                    "the service answered with a LogoutResponse: {}",
                    edit_status(&xml)
                ),
            )
        }
        Ok(None) => (
            None,
            format!(
                "the service answered {} without a LogoutResponse",
                answer.status
            ),
        ),
        Err(e) => (None, format!("the service's answer cannot be read: {e}")),
    };
    let success = status.as_deref() == Some(ns::STATUS_SUCCESS);
    Verdict {
        accepted: success,
        rule: RULE_LOGOUT_STATUS.into(),
        reason: match &status {
            Some(s) => format!("the LogoutResponse status is {s}"),
            None => "no LogoutResponse status".into(),
        },
        evidence: vec![evidence],
        spid_error: None,
    }
}

fn edit_status(xml: &str) -> String {
    edit::element(xml, "samlp:Status")
        .unwrap_or("(no samlp:Status)")
        .to_string()
}

/// "Accepted" when the service answered without an error status and without naming a refusing
/// check on its page.
fn page_verdict(answer: &Answer) -> Verdict {
    let marker = super::runner::refusal_check(&answer.body).or_else(|| {
        answer
            .body
            .contains("slo-error")
            .then(|| "slo-error".to_string())
    });
    let accepted = answer.status < 400 && marker.is_none();
    let mut evidence = vec![format!(
        "the SingleLogoutService {} answered {}",
        answer.url, answer.status
    )];
    if let Some(m) = &marker {
        evidence.push(format!("the page names a refusal: {m}"));
    }
    Verdict {
        accepted,
        rule: RULE_LOGOUT_PAGE.into(),
        reason: if accepted {
            format!("the service completed the logout ({})", answer.status)
        } else {
            format!("the service refused the LogoutResponse ({})", answer.status)
        },
        evidence,
        spid_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mock_idps::saml::sp_metadata::{SloEndpoint, SpMetadata};

    fn metadata_with(slo: &[(&str, &str)]) -> SpMetadata {
        SpMetadata {
            entity_id: "https://sp.example".into(),
            signing_certs: Vec::new(),
            acs: Vec::new(),
            attribute_services: Vec::new(),
            slo: slo
                .iter()
                .map(|(binding, location)| SloEndpoint {
                    binding: binding.to_string(),
                    location: location.to_string(),
                    response_location: None,
                })
                .collect(),
            display_name: None,
            xml: String::new(),
        }
    }

    #[test]
    fn logout_messages_go_to_an_endpoint_of_their_binding() {
        let both = metadata_with(&[
            (ns::BINDING_REDIRECT, "http://sp/slo-r"),
            (ns::BINDING_POST, "http://sp/slo-p"),
        ]);
        let slo = pick_slo(&both).unwrap();
        assert_eq!(
            (slo.location.as_str(), slo.redirect),
            ("http://sp/slo-p", false)
        );
        // A service that offers only HTTP-Redirect (python3-saml's only SLO binding) gets its
        // logout messages as signed redirects, never posted to a Redirect endpoint.
        let redirect_only = metadata_with(&[(ns::BINDING_REDIRECT, "http://sp/slo-r")]);
        let slo = pick_slo(&redirect_only).unwrap();
        assert_eq!(
            (slo.location.as_str(), slo.redirect),
            ("http://sp/slo-r", true)
        );
        let soap_only = metadata_with(&[(
            "urn:oasis:names:tc:SAML:2.0:bindings:SOAP",
            "http://sp/soap",
        )]);
        assert!(pick_slo(&soap_only).is_err());
    }

    #[test]
    fn ids_are_unique_and_refuse_cases_name_known_switches() {
        let mut seen = std::collections::BTreeSet::new();
        for c in LOGOUT_CASES {
            assert!(seen.insert(c.id), "duplicate {}", c.id);
            if let Some(m) = c.mutant {
                assert!(
                    reference_sp::faults::Faults::parse(m).is_ok(),
                    "{}: {m}",
                    c.id
                );
            }
        }
        assert!(LOGOUT_CASES.iter().filter(|c| c.mutant.is_some()).count() >= 5);
    }
}
