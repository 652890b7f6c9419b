//! Runs Response cases against a service: per case a fresh browser asks the service for a login,
//! the AuthnRequest is captured before it reaches the IdP, a correct Response is built for it,
//! mutated, signed as the IdP the service trusts, posted to the ACS, and the oracle judges.

use super::case::{Ctx, Expect, Flow, Intact, Mutation, ResponseCase};
use super::edit;
use super::sign;
use crate::browser::{Browser, BrowserError, HopKind, RequestMessage, Trace};
use crate::oracle::{judge, OracleConfig, Verdict};
use crate::report::Entry;
use base64::Engine;
use mock_idps::ids::IdGenerator;
use mock_idps::saml::authn_request::AuthnRequest;
use mock_idps::saml::binding::{decode_post, decode_redirect, url_encode};
use mock_idps::saml::keys::SigningKey;
use mock_idps::saml::response::BuildError;
use mock_idps::saml::sp_metadata::SpMetadata;
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::assertion::{success_plan_for, Issuer};
use mock_idps::spid::identity::User;
use mock_idps::spid::level::{negotiate, Level};
use mock_idps::spid::request_rules::{validate_for, Addressee, ValidatedRequest};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The IdP the harness signs as: one the service trusts.
#[derive(Debug, Clone)]
pub struct IdpIdentity {
    /// Mock provider id (`poste`).
    pub id: String,
    /// Its entityID.
    pub entity_id: String,
    /// Its SSO URL (the AuthnRequest Destination).
    pub sso_url: String,
    /// Its signing key (its metadata certificate).
    pub key: Arc<SigningKey>,
    /// The SAML profile it speaks (SPID, or CIE for a CIE ID provider): the request rules the
    /// captured AuthnRequest is held to and the shape of the correct Response.
    pub profile: &'static mock_idps::profile::SamlProfile,
}

/// The service under test and the identity the harness plays.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL that starts a login; `{level}`, `{comparison}`, `{binding}` and `{entity_id}`
    /// (URL-encoded IdP entityID) are replaced per case.
    pub login_url: String,
    /// Where to post Responses; `None`: the ACS the request names, resolved in the metadata.
    pub acs_url: Option<String>,
    /// The protected page the oracle probes (2xx = logged in).
    pub probe_url: String,
    /// The service's metadata.
    pub sp_metadata: Arc<SpMetadata>,
    /// The IdP the harness signs as.
    pub idp: IdpIdentity,
    /// A key the service does not trust for that IdP (cases 4, 5, 100).
    pub rogue_key: Arc<SigningKey>,
    /// The identity released (must hold every requested attribute).
    pub user: User,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Clock skew allowed when validating the captured AuthnRequest's IssueInstant.
    pub skew: time::Duration,
    /// The service URL that ends the browser's session (SP-initiated logout); the cases that
    /// need a logged-out browser with history, and the LogoutResponse cases, need it.
    pub logout_url: Option<String>,
    /// Where the service shows the logged-in identity, for the "read it whole" cases
    /// (comment-1, comment-2); `None`: the probe page.
    pub identity_url: Option<String>,
    /// A regular expression whose first group is the identity value the identity page shows;
    /// `None`: the page is searched for the value.
    pub identity_pattern: Option<regex::Regex>,
}

/// Why a case could not be run (not a verdict: the service or the input failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// An HTTP exchange failed or the login never produced a SAMLRequest.
    #[error(transparent)]
    Browser(#[from] BrowserError),
    /// The captured SAMLRequest could not be decoded.
    #[error("the SAMLRequest cannot be decoded: {0}")]
    Binding(String),
    /// The captured message is not an AuthnRequest.
    #[error("the SAMLRequest is not an AuthnRequest: {0}")]
    Request(String),
    /// The AuthnRequest breaks a SPID rule, so no Response can be built for it.
    #[error("the AuthnRequest breaks SPID rule nr{code:02}: {detail}")]
    Rule {
        /// SPID ErrorCode.
        code: u8,
        /// What is wrong.
        detail: String,
    },
    /// Signing the Response failed.
    #[error("building the Response: {0}")]
    Build(#[from] BuildError),
    /// A flow's first, correct Response was refused: the case cannot be judged.
    #[error("the correct Response of the flow was refused ({0}); the case cannot be judged")]
    FlowPrecondition(String),
    /// The service cannot produce the case's premise (it was not sent).
    #[error("not applicable: {0}")]
    NotApplicable(String),
    /// An input the case needs was not given (it was not sent).
    #[error("skipped: {0}")]
    Skipped(String),
    /// Sent, but what the service exposes does not decide the verdict.
    #[error("not determinable: {0}")]
    NotDeterminable(String),
}

impl CaseError {
    /// The report's "no verdict" for the errors that are not failures.
    pub fn not_run(&self) -> Option<crate::report::NotRun> {
        use crate::report::{NotRun, NotRunKind};
        let (kind, reason) = match self {
            CaseError::NotApplicable(r) => (NotRunKind::NotApplicable, r),
            CaseError::Skipped(r) => (NotRunKind::Skipped, r),
            CaseError::NotDeterminable(r) => (NotRunKind::NotDeterminable, r),
            _ => return None,
        };
        Some(NotRun {
            kind,
            reason: reason.clone(),
        })
    }
}

/// A captured, validated AuthnRequest and the browser that made it.
pub(crate) struct Pending {
    /// `redirect` or `post`: how the service actually sent the request.
    pub(crate) binding: &'static str,
    pub(crate) browser: Browser,
    pub(crate) request: ValidatedRequest,
    pub(crate) relay_state: Option<String>,
    pub(crate) hops: Vec<crate::browser::Hop>,
}

impl Pending {
    /// What playing a case gave when the Response answering this request was `sent`.
    fn played(
        self,
        (trace, verdict): (Trace, Verdict),
        intact: Option<bool>,
        correct: Option<String>,
    ) -> Played {
        (self.request, self.binding, verdict, trace, intact, correct)
    }
}

/// One case being played: where its logins start, the IDs its Responses draw on, and the hops
/// so far (kept when the case cannot run).
struct Play<'a> {
    start: String,
    ids: &'a IdGenerator,
    hops: &'a mut Vec<crate::browser::Hop>,
}

/// The expected verdict as a word, and as a boolean when fixed.
fn expected(case: &ResponseCase, request: Option<&ValidatedRequest>) -> (String, Option<bool>) {
    let resolved = match (case.expect, request) {
        (Expect::ByLevel(_), None) => None,
        (e, Some(r)) => e.resolve(r.level, r.comparison),
        (e, None) => e.resolve(Level::L2, mock_idps::spid::level::Comparison::Minimum),
    };
    let word = match (case.expect, resolved) {
        (Expect::Either, _) => "either".to_string(),
        (Expect::RefuseOrIntact(Intact::SignedSubject), _) => {
            "refuse-or-signed-subject".to_string()
        }
        (Expect::RefuseOrIntact(_), _) => "refuse-or-intact".to_string(),
        (Expect::ByLevel(_), None) => "by-level".to_string(),
        (_, Some(true)) => "accept".to_string(),
        (_, Some(false)) => "refuse".to_string(),
        (_, None) => "either".to_string(),
    };
    (word, resolved)
}

impl Target {
    pub(crate) fn start_url(&self, case: &ResponseCase, binding: &str) -> String {
        self.login_start(case.login.level, case.login.comparison, binding)
    }

    /// The login URL for a level, Comparison and binding.
    pub fn login_start(&self, level: u8, comparison: &str, binding: &str) -> String {
        self.login_url
            .replace("{level}", &level.to_string())
            .replace("{comparison}", comparison)
            .replace("{binding}", binding)
            .replace("{entity_id}", &url_encode(&self.idp.entity_id))
    }

    pub(crate) async fn capture(&self, start_url: &str) -> Result<Pending, CaseError> {
        let browser = Browser::new(self.timeout)?;
        self.capture_in(&browser, start_url).await
    }

    /// [`Self::capture`] in a fresh browser at the play's start URL, its hops added to the play's.
    async fn capture_into(&self, play: &mut Play<'_>) -> Result<Pending, CaseError> {
        let p = self.capture(&play.start).await?;
        play.hops.extend(p.hops.iter().cloned());
        Ok(p)
    }

    /// Posts `xml` in `p`'s browser, with `p`'s RelayState, as the answer to `p`'s request.
    async fn answer(&self, p: &Pending, xml: String) -> Result<(Trace, Verdict), CaseError> {
        self.post(&p.browser, &p.request, p.relay_state.as_deref(), xml)
            .await
    }

    /// A correct Response to `p`'s request, posted in its browser; the case cannot run unless
    /// the service accepts it. Returns the XML posted.
    pub(crate) async fn complete_login(
        &self,
        p: &Pending,
        ids: &IdGenerator,
        hops: &mut Vec<crate::browser::Hop>,
    ) -> Result<String, CaseError> {
        let xml = self.response_xml(&p.request, &Mutation::None, ids)?;
        self.complete_login_with(p, xml, hops).await
    }

    /// Posts `xml` (a correct Response to `p`'s request) in `p`'s browser; the case cannot run
    /// unless the service accepts it. Returns the XML posted.
    pub(crate) async fn complete_login_with(
        &self,
        p: &Pending,
        xml: String,
        hops: &mut Vec<crate::browser::Hop>,
    ) -> Result<String, CaseError> {
        let (first, v) = self.answer(p, xml.clone()).await?;
        hops.extend(first.hops);
        if !v.accepted {
            return Err(CaseError::FlowPrecondition(v.reason));
        }
        Ok(xml)
    }

    /// Starts a login in `browser` (keeping its cookies) and captures the AuthnRequest.
    pub(crate) async fn capture_in(
        &self,
        browser: &Browser,
        start_url: &str,
    ) -> Result<Pending, CaseError> {
        let browser = browser.clone();
        let captured = browser.capture_request(start_url).await?;
        let binding = match &captured.message {
            RequestMessage::Redirect { .. } => "redirect",
            RequestMessage::Post { .. } => "post",
        };
        let (xml, relay_state) = match &captured.message {
            RequestMessage::Redirect { query, .. } => {
                let m = decode_redirect(query).map_err(|e| CaseError::Binding(e.to_string()))?;
                (m.xml, m.relay_state)
            }
            RequestMessage::Post { fields, .. } => {
                let field = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
                let value = field("SAMLRequest").unwrap_or_default();
                let xml = decode_post(&value, "SAMLRequest")
                    .map_err(|e| CaseError::Binding(e.to_string()))?;
                (xml, field("RelayState"))
            }
        };
        let doc = XmlDoc::parse(&xml).map_err(|e| CaseError::Request(e.to_string()))?;
        let req = AuthnRequest::from_doc(&doc).map_err(|e| CaseError::Request(e.to_string()))?;
        let now = time::OffsetDateTime::now_utc();
        let request = validate_for(
            self.idp.profile,
            &req,
            &self.sp_metadata,
            Addressee {
                entity_id: &self.idp.entity_id,
                sso_url: &self.idp.sso_url,
            },
            now,
            self.skew,
        )
        .map_err(|v| CaseError::Rule {
            code: v.code,
            detail: v.detail,
        })?;
        Ok(Pending {
            binding,
            browser,
            request,
            relay_state,
            hops: captured.hops,
        })
    }

    /// The correct Response plan answering `request`, at `now`, with a fresh NameID.
    pub(crate) fn correct_plan(
        &self,
        request: &ValidatedRequest,
        ids: &IdGenerator,
        now: time::OffsetDateTime,
    ) -> mock_idps::saml::response::ResponsePlan {
        let level =
            negotiate(request.level, request.comparison, Level::L3).unwrap_or(request.level);
        success_plan_for(
            self.idp.profile,
            Issuer {
                entity_id: &self.idp.entity_id,
                response_issuer_format: self.idp.profile.response_issuer_format,
            },
            request,
            &self.user,
            level,
            ids.name_id(),
            &ids.token(),
            now,
            time::Duration::minutes(5),
            ids,
        )
    }

    /// A correct, signed Response answering `request` whose NameID is `name_id`.
    pub(crate) fn named_response_xml(
        &self,
        request: &ValidatedRequest,
        ids: &IdGenerator,
        name_id: &str,
    ) -> Result<String, CaseError> {
        let mut plan = self.correct_plan(request, ids, time::OffsetDateTime::now_utc());
        if let Some(a) = plan.assertion.as_mut() {
            a.name_id = Some(name_id.to_string());
        }
        Ok(plan.sign(&self.idp.key)?)
    }

    /// The Response XML for `pending`, mutated by `mutation`.
    pub(crate) fn response_xml(
        &self,
        request: &ValidatedRequest,
        mutation: &Mutation,
        ids: &IdGenerator,
    ) -> Result<String, CaseError> {
        Ok(self.response_pair(request, mutation, ids)?.0)
    }

    /// What a mutation sees of a Response to `request` built at `now` by this target's IdP.
    pub(crate) fn ctx<'a>(
        &'a self,
        request: &'a ValidatedRequest,
        now: time::OffsetDateTime,
        ids: &'a IdGenerator,
    ) -> Ctx<'a> {
        Ctx {
            request,
            idp_entity_id: &self.idp.entity_id,
            now,
            key: &self.idp.key,
            rogue_key: &self.rogue_key,
            ids,
        }
    }

    /// The Response XML for `request` mutated by `mutation`, and the correct Response built from
    /// the same plan (same IDs, instants and NameID) before the mutation: the two differ only by
    /// what the case changed (and the signature values that change with it).
    pub(crate) fn response_pair(
        &self,
        request: &ValidatedRequest,
        mutation: &Mutation,
        ids: &IdGenerator,
    ) -> Result<(String, String), CaseError> {
        let now = time::OffsetDateTime::now_utc();
        let mut plan = self.correct_plan(request, ids, now);
        let correct = plan.sign(&self.idp.key)?;
        let ctx = self.ctx(request, now, ids);
        let xml = match mutation {
            Mutation::None | Mutation::Flow(_) => plan.sign(&self.idp.key)?,
            Mutation::Plan(f) => {
                f(&mut plan, &ctx);
                plan.sign(&self.idp.key)?
            }
            Mutation::Unsigned(f) => sign::edit_then_sign(&plan, &ctx, *f)?,
            Mutation::Xml(f) => f(plan.sign(&self.idp.key)?, &ctx),
            Mutation::Sign(f) => f(&plan, &ctx)?,
        };
        Ok((xml, correct))
    }

    pub(crate) async fn post(
        &self,
        browser: &Browser,
        request: &ValidatedRequest,
        relay_state: Option<&str>,
        xml: String,
    ) -> Result<(Trace, Verdict), CaseError> {
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
        let mut fields = vec![("SAMLResponse".to_string(), b64)];
        if let Some(r) = relay_state {
            fields.push(("RelayState".to_string(), r.to_string()));
        }
        let acs = self.acs_url.as_deref().unwrap_or(&request.acs_url);
        let mut trace = browser.post_saml_response(acs, fields, xml).await?;
        let oracle = OracleConfig {
            probe_url: Some(self.probe_url.clone()),
            ..OracleConfig::default()
        };
        let mut verdict = judge(&oracle, browser, &mut trace).await;
        // The reference SP (and any SP that wants to) names the refusing check on its page.
        if let Some(check) = refusal_check(&trace.last.body) {
            verdict
                .evidence
                .push(format!("the page names the refusing check: {check}"));
        }
        Ok((trace, verdict))
    }

    /// Plays one case; the hops so far are kept on error.
    async fn play(
        &self,
        case: &ResponseCase,
        binding: &str,
        ids: &IdGenerator,
        hops: &mut Vec<crate::browser::Hop>,
    ) -> Result<Played, CaseError> {
        let start = self.start_url(case, binding);
        if matches!(case.mutation, Mutation::Flow(Flow::ConsumedRequest))
            && self.logout_url.is_none()
        {
            return Err(CaseError::Skipped(
                "this case ends a session the service's own way before its second login: give --logout-url".into(),
            ));
        }
        let play = &mut Play { start, ids, hops };
        match case.mutation {
            Mutation::Flow(Flow::ReplayResponse) => self.replay_response(play).await,
            Mutation::Flow(Flow::OtherSessionRequest) => self.other_session(play).await,
            Mutation::Flow(Flow::ConsumedRequest) => self.consumed_request(play).await,
            Mutation::Flow(Flow::ReplayAssertion) => self.replay_assertion(play).await,
            Mutation::Flow(flow @ (Flow::TamperRelayState | Flow::DropRelayState)) => {
                self.relay_state(flow, play).await
            }
            ref m => self.mutated(case, m, play).await,
        }
    }

    /// Posts a correct Response to `request` in `session`'s browser, with that session's
    /// RelayState: the answer to a request other than the one the session waits on.
    async fn answer_in(
        &self,
        session: &Pending,
        request: &ValidatedRequest,
        ids: &IdGenerator,
    ) -> Result<(Trace, Verdict), CaseError> {
        let xml = self.response_xml(request, &Mutation::None, ids)?;
        self.post(
            &session.browser,
            request,
            session.relay_state.as_deref(),
            xml,
        )
        .await
    }

    /// Replays an accepted Response from a second browser.
    async fn replay_response(&self, play: &mut Play<'_>) -> Result<Played, CaseError> {
        let p = self.capture_into(play).await?;
        let xml = self.complete_login(&p, play.ids, play.hops).await?;
        let attacker = Browser::new(self.timeout)?;
        let sent = self
            .post(&attacker, &p.request, p.relay_state.as_deref(), xml)
            .await?;
        Ok(p.played(sent, None, None))
    }

    /// Answers the request of another session (the victim's) in the attacker's browser.
    async fn other_session(&self, play: &mut Play<'_>) -> Result<Played, CaseError> {
        let victim = self.capture_into(play).await?;
        let p = self.capture_into(play).await?;
        let sent = self.answer_in(&p, &victim.request, play.ids).await?;
        Ok(p.played(sent, None, None))
    }

    /// Answers again a request whose login already happened and ended.
    async fn consumed_request(&self, play: &mut Play<'_>) -> Result<Played, CaseError> {
        let p = self.capture_into(play).await?;
        self.complete_login(&p, play.ids, play.hops).await?;
        // End the session the service's own way (its answer to the IdP is not sent).
        let logout = self
            .logout_url
            .as_deref()
            .ok_or_else(|| CaseError::FlowPrecondition("this case needs --logout-url".into()))?;
        let (hop, _, _) = p.browser.get(logout, HopKind::Start).await?;
        play.hops.push(hop);
        let second = self.capture_in(&p.browser, &play.start).await?;
        play.hops.extend(second.hops.iter().cloned());
        // A fresh, correctly signed Response to the first request, already consumed.
        let sent = self.answer_in(&second, &p.request, play.ids).await?;
        Ok(p.played(sent, None, None))
    }

    /// Carries the victim's signed Assertion in a fresh, unsigned Response.
    async fn replay_assertion(&self, play: &mut Play<'_>) -> Result<Played, CaseError> {
        let victim = self.capture_into(play).await?;
        let first = self.complete_login(&victim, play.ids, play.hops).await?;
        let old = edit::element(&first, "saml:Assertion")
            .ok_or_else(|| CaseError::FlowPrecondition("no Assertion to replay".into()))?
            .to_string();
        let p = self.capture_into(play).await?;
        // A new Response to the attacker's own request, not signed itself, carrying the
        // victim's signed Assertion.
        let unsigned = Mutation::Plan(|plan, _| plan.signed = false);
        let fresh = self.response_xml(&p.request, &unsigned, play.ids)?;
        let xml = edit::replace(&fresh, "saml:Assertion", &old);
        let correct = self.response_xml(&p.request, &Mutation::None, play.ids)?;
        let sent = self.answer(&p, xml).await?;
        Ok(p.played(sent, None, Some(correct)))
    }

    /// Sends a correct Response with the RelayState changed or dropped.
    async fn relay_state(&self, flow: Flow, play: &mut Play<'_>) -> Result<Played, CaseError> {
        let p = self.capture_into(play).await?;
        let xml = self.response_xml(&p.request, &Mutation::None, play.ids)?;
        let relay = match (flow, p.relay_state.as_deref()) {
            (Flow::DropRelayState, _) => None,
            (_, Some(r)) => Some(tampered(r)),
            (_, None) => {
                return Err(CaseError::FlowPrecondition(
                    "the service sent no RelayState to tamper with".into(),
                ))
            }
        };
        if flow == Flow::DropRelayState && p.relay_state.is_none() {
            return Err(CaseError::FlowPrecondition(
                "the service sent no RelayState to drop".into(),
            ));
        }
        let sent = self
            .post(&p.browser, &p.request, relay.as_deref(), xml)
            .await?;
        Ok(p.played(sent, None, None))
    }

    /// Sends the case's mutated Response to a fresh request; for the "read it whole" cases, reads
    /// the identity page after an acceptance.
    async fn mutated(
        &self,
        case: &ResponseCase,
        m: &Mutation,
        play: &mut Play<'_>,
    ) -> Result<Played, CaseError> {
        let p = self.capture_into(play).await?;
        if !case
            .premise
            .holds(case.login, p.request.level, p.request.comparison)
        {
            return Err(CaseError::NotApplicable(format!(
                "the case needs {}, and the service asked for {} {} when the login URL asked for SpidL{} {} (it does not honour {{level}}/{{comparison}}); not sent",
                case.premise.describe(case.login),
                p.request.level,
                p.request.comparison.as_str(),
                case.login.level,
                case.login.comparison
            )));
        }
        let (xml, correct) = self.response_pair(&p.request, m, play.ids)?;
        let wanted = match case.expect {
            Expect::RefuseOrIntact(which) => wanted_identity(&xml, &correct, which),
            _ => None,
        };
        let (trace, mut verdict) = self.answer(&p, xml).await?;
        let intact = match wanted {
            Some(wanted) if verdict.accepted => {
                let url = self.identity_url.as_deref().unwrap_or(&self.probe_url);
                let (hop, _, body) = p.browser.get(url, HopKind::Probe).await?;
                play.hops.push(hop);
                let seen = wanted.judge(self.identity_pattern.as_ref(), &body);
                verdict.evidence.push(wanted.evidence(&seen, url));
                match seen {
                    IdentitySeen::Whole => Some(true),
                    IdentitySeen::Part(_) | IdentitySeen::Other(_) | IdentitySeen::Wrapped(_) => {
                        Some(false)
                    }
                    IdentitySeen::Nothing => {
                        return Err(CaseError::NotDeterminable(format!(
                            "the service accepted the Response but {url} shows no identity ({}{}); point --identity-url (and --identity-pattern) at a page that shows the logged-in identity",
                            wanted.looked_for(),
                            if self.identity_pattern.is_some() { ", and --identity-pattern matched nothing" } else { "" }
                        )));
                    }
                }
            }
            _ => None,
        };
        Ok(p.played((trace, verdict), intact, Some(correct)))
    }

    /// Runs one case and reports it as an [`Entry`]; failures to run are the entry's `error`,
    /// cases the service cannot run are "not applicable"/"skipped"/"not determinable".
    pub async fn run_case(&self, case: &ResponseCase, binding: &str, ids: &IdGenerator) -> Entry {
        let began = Instant::now();
        let mut hops = Vec::new();
        let outcome = self.play(case, binding, ids, &mut hops).await;
        let millis = began.elapsed().as_secs_f64() * 1000.0;
        let base = Entry {
            id: case.id.to_string(),
            provider: Some(self.idp.id.clone()),
            outcome: format!("{} mutation", case.mutation.kind()),
            millis,
            rule: Some(case_rule(case)),
            severity: Some(case.basis.severity()),
            family: Some("response".into()),
            ..Entry::default()
        };
        match outcome {
            Ok((request, sent_binding, verdict, trace, intact, correct)) => {
                let sent = trace
                    .saml_response
                    .as_deref()
                    .map(crate::report::pretty_xml);
                let reference = correct.as_deref().map(crate::report::pretty_xml);
                let (word, want) = expected(case, Some(&request));
                hops.extend(trace.hops);
                let passed = match case.expect {
                    Expect::RefuseOrIntact(_) => !verdict.accepted || intact == Some(true),
                    _ => want.is_none_or(|w| w == verdict.accepted),
                };
                Entry {
                    // The title names the request the service actually sent.
                    title: format!(
                        "{} [{}; request {} {}, {sent_binding} binding]",
                        case.reported_title(),
                        case.rule,
                        request.level,
                        request.comparison.as_str(),
                    ),
                    level: Some(request.level.number()),
                    expected: word,
                    passed,
                    verdict: Some(verdict),
                    hops,
                    sent,
                    reference,
                    ..base
                }
            }
            Err(e) => Entry {
                title: format!(
                    "{} [{}; login asked SpidL{} {}, {binding} binding]",
                    case.reported_title(),
                    case.rule,
                    case.login.level,
                    case.login.comparison
                ),
                level: Some(case.login.level),
                expected: expected(case, None).0,
                not_run: e.not_run(),
                error: e.not_run().is_none().then(|| e.to_string()),
                hops,
                ..base
            },
        }
    }
}

/// What playing a case gave: the request answered, the binding it came on, the verdict, the
/// trace of the post, whether the identity shown was the one wanted (a comment-injection value
/// whole, the signed Assertion's subject), and the correct Response
/// for the same request.
type Played = (
    ValidatedRequest,
    &'static str,
    Verdict,
    Trace,
    Option<bool>,
    Option<String>,
);

/// The rule of a case as reported: the rule tested and whether it binds the SP.
fn case_rule(case: &ResponseCase) -> String {
    format!("{}; {}", case.rule, case.basis.describe())
}

/// Called with each entry as its case ends (a progress bar).
pub type OnDone = Arc<dyn Fn(&Entry) + Send + Sync>;

/// A case [`run`] plays against a [`Target`]: a Response case, or a logout case
/// ([`super::logout::LogoutCase`]).
pub trait TargetCase: Sync + 'static {
    /// Plays the case; `i` is its place in the run.
    fn play(
        &'static self,
        target: Arc<Target>,
        i: usize,
        ids: Arc<IdGenerator>,
    ) -> impl std::future::Future<Output = Entry> + Send + 'static;

    /// The entry of the case when its task panicked.
    fn lost(&self, target: &Target) -> Entry;
}

impl TargetCase for ResponseCase {
    /// Response cases alternate the binding: HTTP-Redirect at even places, HTTP-POST at odd.
    fn play(
        &'static self,
        target: Arc<Target>,
        i: usize,
        ids: Arc<IdGenerator>,
    ) -> impl std::future::Future<Output = Entry> + Send + 'static {
        let binding = if i.is_multiple_of(2) {
            "redirect"
        } else {
            "post"
        };
        async move { target.run_case(self, binding, &ids).await }
    }

    fn lost(&self, target: &Target) -> Entry {
        Entry {
            id: self.id.to_string(),
            title: self.title.to_string(),
            provider: Some(target.idp.id.clone()),
            level: Some(self.login.level),
            outcome: format!("{} mutation", self.mutation.kind()),
            expected: expected(self, None).0,
            error: Some("the case's task panicked".into()),
            rule: Some(case_rule(self)),
            severity: Some(self.basis.severity()),
            family: Some("response".into()),
            ..Entry::default()
        }
    }
}

/// Runs `cases` against `target`, up to `jobs` at a time (0 = the number of cores); entries come
/// back in the order of `cases`. A case that cannot run is an entry with an error, never an abort.
pub async fn run<C: TargetCase>(target: &Target, cases: &[&'static C], jobs: usize) -> Vec<Entry> {
    run_reporting(target, cases, jobs, Arc::new(|_| {})).await
}

/// [`run`], calling `on_done` as each case ends.
pub async fn run_reporting<C: TargetCase>(
    target: &Target,
    cases: &[&'static C],
    jobs: usize,
    on_done: OnDone,
) -> Vec<Entry> {
    let target = Arc::new(target.clone());
    let ids = Arc::new(IdGenerator::random());
    let player = target.clone();
    run_bounded(
        cases,
        jobs,
        on_done,
        move |i, case: &'static C| case.play(player.clone(), i, ids.clone()),
        |case| case.lost(&target),
    )
    .await
}

/// A result [`run_bounded`] can stamp with the moment its case began.
pub(crate) trait Stamped {
    /// Records `began` (milliseconds since the Unix epoch) unless a start is already set.
    fn stamp_start(&mut self, began: f64);
}

impl Stamped for Entry {
    fn stamp_start(&mut self, began: f64) {
        self.started_unix_ms.get_or_insert(began);
    }
}

/// Plays `cases` with `play` (given each case's index), up to `jobs` at a time (0 = the number
/// of cores), calling `on_done` as each ends; results come back in case order, and a case whose
/// task panicked becomes `lost(case)`. Shared by every case family (and the property runner).
pub(crate) async fn run_bounded<C, T, F, Fut>(
    cases: &[C],
    jobs: usize,
    on_done: Arc<dyn Fn(&T) + Send + Sync>,
    play: F,
    lost: impl Fn(&C) -> T,
) -> Vec<T>
where
    C: Copy + Send + 'static,
    T: Stamped + Send + 'static,
    F: Fn(usize, C) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        jobs
    };
    let limit = Arc::new(tokio::sync::Semaphore::new(jobs));
    let mut set = tokio::task::JoinSet::new();
    for (i, case) in cases.iter().copied().enumerate() {
        let (limit, on_done, game) = (limit.clone(), on_done.clone(), play(i, case));
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.ok();
            let began = crate::report::unix_ms_now();
            let mut entry = game.await;
            entry.stamp_start(began);
            on_done(&entry);
            (i, entry)
        });
    }
    let mut out: Vec<Option<T>> = (0..cases.len()).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        if let Ok((i, entry)) = joined {
            out[i] = Some(entry);
        }
    }
    out.into_iter()
        .zip(cases)
        .map(|(e, case)| e.unwrap_or_else(|| lost(case)))
        .collect()
}

/// The value a comment-injection case must find whole, and the two parts the comment splits it
/// into (what a service that reads only one text node would take).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WholeValue {
    /// The text of the element, the injected comment removed.
    pub whole: String,
    /// The text before the comment.
    pub before: String,
    /// The text after the comment.
    pub after: String,
}

/// The value a comment-injection case must find whole on the identity page: the text of the
/// element in the posted XML, split at the injected comment.
pub fn intact_value(xml: &str, which: Intact) -> Option<WholeValue> {
    let element = match which {
        Intact::NameId => edit::element(xml, "saml:NameID")?,
        Intact::FiscalNumber => {
            let at = xml.find("Name=\"fiscalNumber\"")?;
            edit::element(&xml[at..], "saml:AttributeValue")?
        }
        Intact::SignedSubject => return None,
    };
    let inner = &element[element.find('>')? + 1..element.rfind("</")?];
    let (before, after) = inner.split_once("<!---->").unwrap_or((inner, ""));
    Some(WholeValue {
        whole: format!("{before}{after}").trim().to_string(),
        before: before.trim().to_string(),
        after: after.trim().to_string(),
    })
}

/// The subject of the signed Assertion and of the Assertions wrapped beside it, as their
/// NameID and fiscalNumber values (the identities a service may show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedSubject {
    /// The signed Assertion's NameID and fiscalNumber.
    pub signed: Vec<String>,
    /// The other values the Response's Assertions carry (the wrapped subject's).
    pub wrapped: Vec<String>,
}

/// The subject a signature-wrapping case must find: the signed Assertion's is that of `correct`
/// (the correct Response built from the same plan, whose Assertion the mutation keeps signed);
/// the wrapped one's are the other NameID and fiscalNumber values of every Assertion in `sent`.
pub fn signed_subject(sent: &str, correct: &str) -> Option<SignedSubject> {
    let signed = subject_values(edit::element(correct, "saml:Assertion")?);
    if signed.is_empty() {
        return None;
    }
    let mut wrapped = Vec::new();
    let mut from = 0;
    while let Some((start, end)) = edit::span(sent, "saml:Assertion", from) {
        for v in subject_values(&sent[start..end]) {
            if !signed.contains(&v) && !wrapped.contains(&v) {
                wrapped.push(v);
            }
        }
        from = start + 1;
    }
    Some(SignedSubject { signed, wrapped })
}

/// The NameID and fiscalNumber texts of the first Subject and attribute of `assertion`.
fn subject_values(assertion: &str) -> Vec<String> {
    let fiscal = assertion
        .find("Name=\"fiscalNumber\"")
        .and_then(|at| edit::element(&assertion[at..], "saml:AttributeValue"));
    [edit::element(assertion, "saml:NameID"), fiscal]
        .into_iter()
        .flatten()
        .filter_map(element_text)
        .filter(|v| !v.is_empty())
        .collect()
}

/// The text content of an element's markup (between its start and end tags), trimmed.
fn element_text(element: &str) -> Option<String> {
    Some(
        element[element.find('>')? + 1..element.rfind("</")?]
            .trim()
            .to_string(),
    )
}

/// What a "refuse or intact" case must find on the identity page after an acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WantedIdentity {
    /// A value read whole (comment injection).
    Whole(WholeValue),
    /// The signed Assertion's subject (signature wrapping).
    Signed(SignedSubject),
}

/// The identity a "refuse or intact" case must find, from the XML sent and the correct
/// Response for the same request.
pub fn wanted_identity(sent: &str, correct: &str, which: Intact) -> Option<WantedIdentity> {
    match which {
        Intact::SignedSubject => signed_subject(sent, correct).map(WantedIdentity::Signed),
        _ => intact_value(sent, which).map(WantedIdentity::Whole),
    }
}

impl WantedIdentity {
    /// Judges the identity page `body` (see [`judge_identity`] and [`judge_subject`]).
    pub fn judge(&self, pattern: Option<&regex::Regex>, body: &str) -> IdentitySeen {
        match self {
            WantedIdentity::Whole(v) => judge_identity(v, pattern, body),
            WantedIdentity::Signed(s) => judge_subject(s, pattern, body),
        }
    }

    fn evidence(&self, seen: &IdentitySeen, url: &str) -> String {
        match self {
            WantedIdentity::Whole(v) => seen.evidence(v, url),
            WantedIdentity::Signed(s) => seen.subject_evidence(s, url),
        }
    }

    /// What was looked for, for the "not determinable" reason.
    fn looked_for(&self) -> String {
        match self {
            WantedIdentity::Whole(v) => {
                format!("neither the whole value {:?} nor a part of it", v.whole)
            }
            WantedIdentity::Signed(s) => format!(
                "neither the signed Assertion's subject {:?} nor the wrapped one's {:?}",
                s.signed, s.wrapped
            ),
        }
    }
}

/// Whether `shown` is `value`, a fiscal number also without its `TINIT-` prefix.
fn same_identity(shown: &str, value: &str) -> bool {
    let shown = shown.trim();
    shown == value || value.strip_prefix("TINIT-") == Some(shown)
}

/// Whether `body` contains `value`, a fiscal number also without its `TINIT-` prefix.
fn page_shows(body: &str, value: &str) -> bool {
    body.contains(value)
        || value
            .strip_prefix("TINIT-")
            .is_some_and(|b| body.contains(b))
}

/// The identity `pattern` reads on a page: its first group, else the whole match.
fn shown_by(pattern: &regex::Regex, body: &str) -> Option<String> {
    pattern
        .captures(body)
        .and_then(|c| c.get(1).or_else(|| c.get(0)))
        .map(|m| m.as_str().to_string())
}

/// Judges an identity page after a signature-wrapping case was accepted: with `pattern`, its
/// first group is the identity shown; without, the page is searched for the signed subject's
/// values, then for the wrapped subject's.
pub fn judge_subject(
    subject: &SignedSubject,
    pattern: Option<&regex::Regex>,
    body: &str,
) -> IdentitySeen {
    let named = |s: String| {
        if subject.signed.iter().any(|v| same_identity(&s, v)) {
            IdentitySeen::Whole
        } else if subject.wrapped.iter().any(|v| same_identity(&s, v)) {
            IdentitySeen::Wrapped(s)
        } else {
            IdentitySeen::Other(s)
        }
    };
    judge_page(pattern, body, named, || {
        if subject.signed.iter().any(|v| page_shows(body, v)) {
            return IdentitySeen::Whole;
        }
        match subject.wrapped.iter().find(|v| page_shows(body, v)) {
            Some(v) => IdentitySeen::Wrapped(v.clone()),
            None => IdentitySeen::Nothing,
        }
    })
}

/// With `pattern`, its first group on the page is the identity shown, told apart by `named`;
/// without, `searched` looks for the identity in the page.
fn judge_page(
    pattern: Option<&regex::Regex>,
    body: &str,
    named: impl FnOnce(String) -> IdentitySeen,
    searched: impl FnOnce() -> IdentitySeen,
) -> IdentitySeen {
    match pattern {
        Some(re) => shown_by(re, body).map_or(IdentitySeen::Nothing, named),
        None => searched(),
    }
}

/// What the identity page shows of a value the service had to keep intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySeen {
    /// The whole value (a fiscal number also without its `TINIT-` prefix), or the signed
    /// Assertion's subject.
    Whole,
    /// Only one of the parts the comment split it into: someone else's identity.
    Part(String),
    /// The subject of an unsigned Assertion wrapped beside the signed one: someone else's.
    Wrapped(String),
    /// The pattern found another value.
    Other(String),
    /// No identity at all: the verdict cannot be determined.
    Nothing,
}

impl IdentitySeen {
    fn subject_evidence(&self, subject: &SignedSubject, url: &str) -> String {
        match self {
            IdentitySeen::Whole => format!(
                "{url} shows the signed Assertion's subject (one of {:?}): the service consumed what the signature covers",
                subject.signed
            ),
            IdentitySeen::Wrapped(w) => format!(
                "{url} shows {w:?}, the subject of the unsigned Assertion wrapped beside the signed one: the service consumed an element no signature covers"
            ),
            IdentitySeen::Other(o) | IdentitySeen::Part(o) => format!(
                "{url} shows the identity {o:?}, not the signed Assertion's subject {:?}",
                subject.signed
            ),
            IdentitySeen::Nothing => format!("{url} shows no identity"),
        }
    }

    fn evidence(&self, value: &WholeValue, url: &str) -> String {
        match self {
            IdentitySeen::Whole => format!("{url} shows the whole value {:?}", value.whole),
            IdentitySeen::Part(p) => format!(
                "{url} shows only {p:?} of {:?}: the service read part of the value (someone else's identity)",
                value.whole
            ),
            IdentitySeen::Other(o) | IdentitySeen::Wrapped(o) => format!(
                "{url} shows the identity {o:?}, not the whole value {:?}: the service read part of it",
                value.whole
            ),
            IdentitySeen::Nothing => format!("{url} shows no identity"),
        }
    }
}

/// Judges an identity page: with `pattern`, its first group is the identity shown; without, the
/// page is searched for the whole value, then for either part.
pub fn judge_identity(
    value: &WholeValue,
    pattern: Option<&regex::Regex>,
    body: &str,
) -> IdentitySeen {
    let searched = || {
        if page_shows(body, &value.whole) {
            return IdentitySeen::Whole;
        }
        for part in [&value.before, &value.after] {
            let bare_part = part.strip_prefix("TINIT-").unwrap_or(part);
            if bare_part.len() >= 4 && body.contains(bare_part) {
                return IdentitySeen::Part(part.clone());
            }
        }
        IdentitySeen::Nothing
    };
    let named = |s: String| {
        if same_identity(&s, &value.whole) {
            IdentitySeen::Whole
        } else {
            IdentitySeen::Other(s)
        }
    };
    judge_page(pattern, body, named, searched)
}

/// A RelayState that differs from `r` in its last character (same length and alphabet).
fn tampered(r: &str) -> String {
    let mut out: String = r
        .chars()
        .take(r.chars().count().saturating_sub(1))
        .collect();
    out.push(if r.ends_with('0') { '1' } else { '0' });
    out
}

/// The `data-check="NAME"` an error page carries, if any (the reference SP's refusal marker).
pub fn refusal_check(body: &str) -> Option<String> {
    let marker = "data-check=\"";
    let i = body.find(marker)? + marker.len();
    let rest = &body[i..];
    Some(rest[..rest.find('"')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: &str = "<saml:Assertion ID=\"_a\"><saml:Subject><saml:NameID Format=\"t\">_n1</saml:NameID></saml:Subject><saml:Attribute Name=\"fiscalNumber\"><saml:AttributeValue>TINIT-RSSMRA80A01H501U</saml:AttributeValue></saml:Attribute></saml:Assertion>";

    fn subject() -> SignedSubject {
        let wrapped = SIGNED
            .replace("_n1", "evil-subject")
            .replace("RSSMRA80A01H501U", "NTRGNT80A01H501C");
        let sent = format!("<samlp:Response><samlp:Extensions>{wrapped}</samlp:Extensions>{SIGNED}</samlp:Response>");
        signed_subject(&sent, &format!("<samlp:Response>{SIGNED}</samlp:Response>")).unwrap()
    }

    #[test]
    fn the_signed_and_the_wrapped_subjects_are_told_apart() {
        let s = subject();
        assert_eq!(s.signed, ["_n1", "TINIT-RSSMRA80A01H501U"]);
        assert_eq!(s.wrapped, ["evil-subject", "TINIT-NTRGNT80A01H501C"]);
    }

    #[test]
    fn the_page_is_judged_on_the_subject_it_shows() {
        let s = subject();
        let judge = |body: &str| judge_subject(&s, None, body);
        assert_eq!(judge("<p>CF RSSMRA80A01H501U</p>"), IdentitySeen::Whole);
        assert_eq!(
            judge("<p>CF NTRGNT80A01H501C</p>"),
            IdentitySeen::Wrapped("TINIT-NTRGNT80A01H501C".into())
        );
        assert_eq!(judge("<p>Benvenuto</p>"), IdentitySeen::Nothing);
        let re = regex::Regex::new(r"CF ([A-Z0-9-]+)").unwrap();
        let judge = |body: &str| judge_subject(&s, Some(&re), body);
        assert_eq!(judge("CF TINIT-RSSMRA80A01H501U"), IdentitySeen::Whole);
        assert_eq!(
            judge("CF NTRGNT80A01H501C"),
            IdentitySeen::Wrapped("NTRGNT80A01H501C".into())
        );
        assert_eq!(judge("CF XXXXXX"), IdentitySeen::Other("XXXXXX".into()));
        assert_eq!(judge("nothing"), IdentitySeen::Nothing);
    }
}
