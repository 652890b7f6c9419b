//! The login path of a mock SPID provider, as logic over [`MockState`]: decode and check the
//! AuthnRequest, then walk the user through credentials, OTP (L2), device PIN (L3) and consent,
//! or answer at once from the login script. Every failure ends as the SPID rules say.

use super::assertion::{error_plan, success_plan_for, Issuer};
use super::identity::{IdentityStatus, User};
use super::level::{negotiate, Level};
use super::pages;
use super::purpose::purpose_allows;
use super::request_rules::{validate_for, Addressee, ValidatedRequest};
use super::script::{Outcome, ScriptedLogin};
use super::state::{IdpRuntime, IdpSession, MockState, PendingLogin, ReceivedRequest, Stage};
use crate::cie::card::{CardUnusable, PinOutcome, Reader};
use crate::profile::L3Factor;
use crate::saml::authn_request::AuthnRequest;
use crate::saml::binding::{
    decode_post, decode_redirect, BindingError, MessageKind, RedirectSignatureError,
};
use crate::saml::dsig::verify_enveloped;
use crate::saml::response::ResponsePlan;
use crate::saml::status::{code, Delivery};
use crate::saml::xml_read::XmlDoc;
use serde::Deserialize;

/// What the provider answers to one browser request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// An HTML page (a login step, or the IdP's own error page).
    Page {
        /// HTTP status.
        status: u16,
        /// The page.
        html: String,
    },
    /// A Response to sign and post to the SP's ACS.
    Post {
        /// Provider id (whose key signs).
        provider: String,
        /// The ACS URL.
        acs: String,
        /// The Response.
        plan: Box<ResponsePlan>,
        /// RelayState to return.
        relay_state: Option<String>,
    },
    /// A browser redirect (an OpenID Provider's authorization response or error).
    Redirect {
        /// Where to.
        location: String,
    },
}

/// An AuthnRequest as it arrived.
#[derive(Debug, Clone)]
pub enum Inbound<'a> {
    /// HTTP-Redirect: the raw query string.
    Redirect(&'a str),
    /// HTTP-POST: the form fields, and the URL query (to catch a Redirect sent by POST).
    Post {
        /// `SAMLRequest` field.
        saml_request: Option<&'a str>,
        /// `RelayState` field.
        relay_state: Option<&'a str>,
        /// The URL's query string.
        query: Option<&'a str>,
    },
    /// An HTTP-POST form refused before reading it (a SAML parameter given twice: nr04).
    Refused(BindingError),
}

/// The fields any login page posts back.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepForm {
    /// The pending login.
    #[serde(default)]
    pub token: String,
    /// `continue` (default), `cancel`, `deny`.
    #[serde(default)]
    pub action: Option<String>,
    /// Login name.
    #[serde(default)]
    pub username: Option<String>,
    /// Password.
    #[serde(default)]
    pub password: Option<String>,
    /// One-time code.
    #[serde(default)]
    pub otp: Option<String>,
    /// Device PIN, or the CIE card PIN.
    #[serde(default)]
    pub pin: Option<String>,
    /// CIE: the number of the card on the simulated reader.
    #[serde(default)]
    pub card: Option<String>,
    /// CIE: the reader (`desktop` or `app`).
    #[serde(default)]
    pub reader: Option<String>,
}

/// An IdP error page for SPID code `nr`.
pub fn error_page(idp: Option<&IdpRuntime>, nr: u8, detail: &str) -> Answer {
    let c = code(nr);
    let status = match c.delivery {
        Delivery::Page(s) => s,
        Delivery::Response { .. } => 400,
    };
    Answer::Page {
        status,
        html: pages::error(idp, c, detail),
    }
}

/// Handles a request at `/idp/{id}/sso`.
pub fn handle_sso(state: &MockState, idp: &IdpRuntime, inbound: Inbound<'_>) -> Answer {
    let binding = match inbound {
        Inbound::Redirect(_) => "redirect",
        Inbound::Post { .. } | Inbound::Refused(_) => "post",
    };
    let mut log = ReceivedRequest {
        provider: idp.provider.id.clone(),
        binding: binding.into(),
        sp_entity_id: None,
        request_id: None,
        xml: String::new(),
        xml_bytes: 0,
        verdict: String::new(),
        detail: None,
    };
    let answer = sso(state, idp, inbound, &mut log);
    if log.verdict.is_empty() {
        log.verdict = "accepted".into();
    }
    state.record(log);
    answer
}

fn sso(
    state: &MockState,
    idp: &IdpRuntime,
    inbound: Inbound<'_>,
    log: &mut ReceivedRequest,
) -> Answer {
    let refuse = |nr: u8, detail: String, log: &mut ReceivedRequest| {
        log.verdict = format!("nr{nr:02}");
        log.detail = Some(detail.clone());
        error_page(Some(idp), nr, &detail)
    };
    // 1. Binding (nr04, nr06).
    let (xml, relay_state, redirect) = match inbound {
        Inbound::Redirect(query) => match decode_redirect(query) {
            Ok(m) if m.kind == MessageKind::Request => (m.xml.clone(), m.relay_state.clone(), Some(m)),
            Ok(_) => return refuse(4, "SAMLResponse sent to the SSO endpoint; an AuthnRequest goes in SAMLRequest".into(), log),
            Err(BindingError::Deflate(_)) if looks_like_post_encoding(query) => {
                return refuse(6, "the SAMLRequest on GET is not DEFLATE-compressed: HTTP-POST encoding sent with the Redirect method".into(), log)
            }
            Err(e) => return refuse(4, e.to_string(), log),
        },
        Inbound::Post { saml_request, relay_state, query } => match saml_request {
            Some(v) => match decode_post(v, "SAMLRequest") {
                Ok(xml) => (xml, relay_state.map(str::to_string), None),
                Err(e) => return refuse(4, e.to_string(), log),
            },
            None if query.is_some_and(|q| q.contains("SAMLRequest=")) => {
                return refuse(6, "SAMLRequest is in the URL of a POST: the Redirect binding uses GET".into(), log)
            }
            None => return refuse(4, "no SAMLRequest field in the POST form".into(), log),
        },
        Inbound::Refused(e) => return refuse(4, e.to_string(), log),
    };
    log.xml_bytes = xml.len();
    log.xml = xml
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| *end <= state.config.log_xml_excerpt)
        .last()
        .map_or_else(String::new, |end| xml[..end].to_string());
    // 2. XML and message type (nr08 page: no SP can be addressed yet).
    let doc = match XmlDoc::parse(&xml) {
        Ok(d) => d,
        Err(e) => return refuse(8, e.to_string(), log),
    };
    let req = match AuthnRequest::from_doc(&doc) {
        Ok(r) => r,
        Err(e) => return refuse(8, e.to_string(), log),
    };
    log.request_id = req.id.clone();
    // 3. Issuer and the SP's metadata (nr10).
    let issuer = match (&req.issuer, req.issuer_count) {
        (Some(i), 1) if !i.value.is_empty() => i,
        (_, n) => {
            return refuse(
                10,
                format!("{n} saml:Issuer elements with text; exactly one is required"),
                log,
            )
        }
    };
    if let Some(f) = issuer
        .format
        .as_deref()
        .filter(|f| *f != crate::saml::ns::NAMEID_ENTITY)
    {
        return refuse(
            10,
            format!(
                "Issuer Format is {f}, it must be {}",
                crate::saml::ns::NAMEID_ENTITY
            ),
            log,
        );
    }
    log.sp_entity_id = Some(issuer.value.clone());
    let Some(sp) = state.sp(&issuer.value) else {
        return refuse(
            10,
            format!("no SP with entityID {} is registered: pass --sp-metadata or POST its metadata to /admin/sp-metadata", issuer.value),
            log,
        );
    };
    // 4. Signature (nr04/nr05 on Redirect, nr07 on POST).
    match &redirect {
        Some(m) => match m.verify(&sp.signing_certs) {
            Ok(()) => {}
            Err(RedirectSignatureError::Missing) => {
                return refuse(4, RedirectSignatureError::Missing.to_string(), log)
            }
            Err(e) => return refuse(5, e.to_string(), log),
        },
        None => {
            let root = doc.root().expect("parsed AuthnRequest has a root");
            if let Err(e) = verify_enveloped(&doc, root, &sp.signing_certs) {
                return refuse(7, e.to_string(), log);
            }
        }
    }
    // 5. SPID rules (nr08–nr18), answered to the SP with a SAML Response.
    let addressee = Addressee {
        entity_id: &idp.entity_id,
        sso_url: &idp.sso_url,
    };
    let now = state.clock.now();
    let valid = match validate_for(
        idp.profile,
        &req,
        &sp,
        addressee,
        now,
        state.config.request_skew,
    ) {
        Ok(v) => v,
        Err(v) => {
            log.verdict = format!("nr{:02}", v.code);
            log.detail = Some(v.detail.clone());
            let plan = error_plan(
                issuer_of(idp),
                code(v.code),
                v.in_response_to.as_deref(),
                &v.reply_to,
                now,
                &state.ids,
            );
            return post(idp, &v.reply_to, plan, relay_state);
        }
    };
    start_login(state, idp, valid, relay_state)
}

/// Runs an accepted request through the script, the auto-login mix or the login pages: the one
/// login path of SAML and OpenID Connect requests (an OIDC request's id is in
/// `state.oidc`, and [`succeed`] / [`fail`] answer it as OIDC).
pub fn start_login(
    state: &MockState,
    idp: &IdpRuntime,
    valid: ValidatedRequest,
    relay_state: Option<String>,
) -> Answer {
    let now = state.clock.now();
    // 6. Script, or the login pages.
    if let Some(script) = state.take_script(&idp.provider.id) {
        return scripted(state, idp, &valid, relay_state, &script, Keep::Session);
    }
    // 7. Auto-login: the mix's entry for this request, with nothing kept about the login.
    if let Some(auto) = state.auto_login_for(&idp.provider.id) {
        if let Some(entry) = auto.pick(&valid.id) {
            let script = ScriptedLogin {
                provider: None,
                user: entry.user.clone(),
                level: entry.level,
                outcome: entry.outcome,
            };
            return scripted(state, idp, &valid, relay_state, &script, Keep::Nothing);
        }
    }
    // CIE L3 starts at the card on the reader: no user name nor password (CIE manuale SP).
    let card_level = (idp.profile.l3_factor == L3Factor::CieCard)
        .then(|| negotiate(valid.level, valid.comparison, Level::L3))
        .flatten()
        .filter(|l| *l == Level::L3);
    let login = PendingLogin {
        provider: idp.provider.id.clone(),
        request: valid,
        relay_state,
        started: now,
        stage: if card_level.is_some() {
            Stage::Card
        } else {
            Stage::Credentials
        },
        tries: crate::tries::Tries::new(state.config.max_attempts),
        user: None,
        level: card_level,
        otp: None,
    };
    let sp_name = display_name(state, &login.request.sp_entity_id);
    let token = state.put_pending(login.clone());
    page(stage_page(state, idp, &token, &login, &sp_name, None))
}

/// The name the pages show for the service: the SP's display name, an RP's organization name,
/// or its identifier.
fn display_name(state: &MockState, id: &str) -> String {
    state
        .sp(id)
        .and_then(|sp| sp.display_name.clone())
        .or_else(|| state.oidc_rp_name(id))
        .unwrap_or_else(|| id.to_string())
}

fn looks_like_post_encoding(query: &str) -> bool {
    decode_redirect(query).is_err()
        && query
            .split('&')
            .find_map(|p| p.strip_prefix("SAMLRequest="))
            .and_then(|v| {
                decode_post(
                    &percent_encoding::percent_decode_str(v).decode_utf8_lossy(),
                    "SAMLRequest",
                )
                .ok()
            })
            .is_some_and(|x| x.trim_start().starts_with('<'))
}

fn issuer_of(idp: &IdpRuntime) -> Issuer<'_> {
    Issuer {
        entity_id: &idp.entity_id,
        // SPID: Format=entity; CIE: no Format (the profile says).
        response_issuer_format: idp.profile.response_issuer_format,
    }
}

fn page(html: String) -> Answer {
    Answer::Page { status: 200, html }
}

fn post(idp: &IdpRuntime, acs: &str, plan: ResponsePlan, relay_state: Option<String>) -> Answer {
    Answer::Post {
        provider: idp.provider.id.clone(),
        acs: acs.to_string(),
        plan: Box::new(plan),
        relay_state,
    }
}

/// Ends a login with SPID error `nr`, sent to the SP.
fn fail(
    state: &MockState,
    idp: &IdpRuntime,
    req: &ValidatedRequest,
    relay: Option<String>,
    nr: u8,
) -> Answer {
    if let Some(authz) = state.oidc.take_authz(&req.id, state.clock.now()) {
        return crate::oidc::op::authorization::login_failed(&authz, idp, nr);
    }
    let plan = error_plan(
        issuer_of(idp),
        code(nr),
        Some(&req.id),
        &req.acs_url,
        state.clock.now(),
        &state.ids,
    );
    post(idp, &req.acs_url, plan, relay)
}

/// Ends a login with the code the provider's profile gives the anomaly `o` (SPID: nr19 for
/// repeated wrong credentials; CIE: 23 for blocked credentials…).
fn fail_as(
    state: &MockState,
    idp: &IdpRuntime,
    req: &ValidatedRequest,
    relay: Option<String>,
    o: Outcome,
) -> Answer {
    match idp.profile.outcome_code(o) {
        Some(nr) => fail(state, idp, req, relay, nr),
        None => error_page(
            Some(idp),
            3,
            &format!(
                "the {} profile has no error code for the outcome {o:?}",
                idp.profile.name
            ),
        ),
    }
}

/// Whether a finished login leaves an IdP session behind (for single logout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Keep the session (pages and scripted logins).
    Session,
    /// Keep nothing (auto-login: stateless, so replicas are interchangeable).
    Nothing,
}

/// Ends a login successfully for `user` at `level`.
fn succeed(
    state: &MockState,
    idp: &IdpRuntime,
    req: &ValidatedRequest,
    relay: Option<String>,
    user: &User,
    level: Level,
    keep: Keep,
) -> Answer {
    let oidc = state.oidc.take_authz(&req.id, state.clock.now());
    let name_id = match &oidc {
        Some(a) => crate::oidc::op::authorization::pairwise_sub(&a.op, &a.client_id, user),
        None => state.ids.name_id(),
    };
    let session_index = state.ids.saml_id();
    if keep == Keep::Session {
        state.add_session(IdpSession {
            provider: idp.provider.id.clone(),
            sp_entity_id: req.sp_entity_id.clone(),
            name_id: name_id.clone(),
            session_index: session_index.clone(),
            user: user.username.clone(),
            level,
            session_index_sent: crate::spid::assertion::sends_session_index(req.level),
        });
    }
    if let Some(authz) = oidc {
        return crate::oidc::op::authorization::login_succeeded(
            state,
            authz,
            user,
            level,
            name_id,
            session_index,
        );
    }
    let plan = success_plan_for(
        idp.profile,
        issuer_of(idp),
        req,
        user,
        level,
        name_id,
        &session_index,
        state.clock.now(),
        state.config.assertion_lifetime,
        &state.ids,
    );
    post(idp, &req.acs_url, plan, relay)
}

/// The identity checks after the credentials matched. SPID: status (nr23), purpose (nr30),
/// level (nr20). CIE: the holder's card must be neither expired nor revoked (23, CIE manuale SP),
/// and at L3 its PIN must not be blocked nor the card dead; a holder has every level.
fn identity_checks(
    state: &MockState,
    idp: &IdpRuntime,
    req: &ValidatedRequest,
    user: &User,
) -> Result<Level, Outcome> {
    if idp.profile.l3_factor == L3Factor::CieCard {
        let level = negotiate(req.level, req.comparison, Level::L3).ok_or(Outcome::NoLevel)?;
        let card = state
            .cards
            .card_of(&user.username)
            .ok_or(Outcome::WrongCredentials)?;
        return match card.unusable(state.clock.now().date()) {
            None => Ok(level),
            Some(CardUnusable::PinBlocked | CardUnusable::Dead) if level < Level::L3 => Ok(level),
            Some(_) => Err(Outcome::Suspended),
        };
    }
    if user.status != IdentityStatus::Active {
        return Err(Outcome::Suspended);
    }
    if !purpose_allows(req.purpose.as_deref(), user.kind).unwrap_or(false) {
        return Err(Outcome::PurposeMismatch);
    }
    negotiate(
        req.level,
        req.comparison,
        user.max_level.min(idp.provider.max_level),
    )
    .ok_or(Outcome::NoLevel)
}

fn scripted(
    state: &MockState,
    idp: &IdpRuntime,
    req: &ValidatedRequest,
    relay: Option<String>,
    script: &ScriptedLogin,
    keep: Keep,
) -> Answer {
    if script.outcome != Outcome::Success {
        return fail_as(state, idp, req, relay, script.outcome);
    }
    let Some(user) = state.fixtures.user(&script.user) else {
        return error_page(
            Some(idp),
            3,
            &format!("the scripted user {:?} is not in users.toml", script.user),
        );
    };
    match (identity_checks(state, idp, req, user), script.level) {
        (_, Some(forced)) => succeed(state, idp, req, relay, user, forced, keep),
        (Ok(level), None) => succeed(state, idp, req, relay, user, level, keep),
        (Err(o), None) => fail_as(state, idp, req, relay, o),
    }
}

/// Handles a form posted by one of the login pages.
pub fn handle_step(state: &MockState, idp: &IdpRuntime, form: &StepForm) -> Answer {
    // A client error, not a system error (nr03 is a 500): no SPID code applies to a form
    // without a pending login, so the page carries none.
    if form.token.trim().is_empty() {
        return Answer::Page {
            status: 400,
            html: pages::message(
                Some(idp),
                "Login",
                "the form has no token field: submit the login page the provider showed",
            ),
        };
    }
    let Some(mut login) = state
        .pending(&form.token)
        .filter(|l| l.provider == idp.provider.id)
    else {
        return Answer::Page {
            status: 404,
            html: pages::message(
                Some(idp),
                "Login",
                "this login is unknown, already finished or expired: start again from the service",
            ),
        };
    };
    let req = login.request.clone();
    let relay = login.relay_state.clone();
    let end = |answer: Answer| {
        state.finish_pending(&form.token);
        answer
    };
    let now = state.clock.now();
    // nr21: the whole login must end within the timeout (on the Clock).
    if now - login.started > state.config.login_timeout {
        return end(fail_as(state, idp, &req, relay, Outcome::Timeout));
    }
    match form.action.as_deref() {
        Some("cancel") => return end(fail_as(state, idp, &req, relay, Outcome::Cancel)),
        Some("deny") if login.stage == Stage::Consent => {
            return end(fail_as(state, idp, &req, relay, Outcome::ConsentDenied))
        }
        _ => {}
    }
    let sp_name = display_name(state, &req.sp_entity_id);
    // One more wrong credential; true when the attempt limit is reached (nr19).
    let limit_reached =
        |login: &mut PendingLogin| login.tries.fail() == crate::tries::Try::Exhausted;
    // A wrong credential, OTP or device PIN: the same page again with `error` and the attempt
    // count, or nr19 once the attempts are used up.
    let wrong = |login: &mut PendingLogin, italian: &str, english: &str| {
        if limit_reached(login) {
            return end(fail_as(
                state,
                idp,
                &req,
                relay.clone(),
                Outcome::WrongCredentials,
            ));
        }
        state.update_pending(&form.token, login.clone());
        let msg = format!(
            "{italian} (tentativo {} di {}). {english}",
            login.tries.failures(),
            login.tries.limit()
        );
        page(stage_page(
            state,
            idp,
            &form.token,
            login,
            &sp_name,
            Some(&msg),
        ))
    };
    match login.stage {
        Stage::Credentials => {
            let username = form.username.as_deref().unwrap_or("").trim();
            let cie = idp.profile.l3_factor == L3Factor::CieCard;
            // CIE L1/L2: the CieID app on the user's phone scans the page's QR code instead of
            // user name and password (docs/rules/cie.md); the form names the app's account.
            let qr = cie && form.action.as_deref() == Some("qr");
            let user = state
                .fixtures
                .user(username)
                .or_else(|| {
                    state
                        .fixtures
                        .users
                        .iter()
                        .find(|u| u.fiscal_code() == Some(username))
                })
                // A CieID account exists only for a CIE holder.
                .filter(|u| !cie || state.cards.card_of(&u.username).is_some())
                .filter(|u| qr || Some(u.password.as_str()) == form.password.as_deref());
            let Some(user) = user else {
                return wrong(
                    &mut login,
                    "Credenziali non valide",
                    "Wrong user name or password.",
                );
            };
            let level = match identity_checks(state, idp, &req, user) {
                Ok(level) => level,
                Err(o) => return end(fail_as(state, idp, &req, relay, o)),
            };
            login.user = Some(user.username.clone());
            login.level = Some(level);
            login.stage = match level {
                Level::L1 => Stage::Consent,
                // The app's QR confirmation is the second factor at L2 (docs/rules/cie.md).
                Level::L2 if qr => Stage::Consent,
                Level::L2 => {
                    login.otp = Some((state.ids.otp(6), now + state.config.otp_lifetime));
                    Stage::Otp
                }
                Level::L3 => Stage::Device,
            };
            state.update_pending(&form.token, login.clone());
            page(stage_page(state, idp, &form.token, &login, &sp_name, None))
        }
        Stage::Otp => {
            let given = form.otp.as_deref().unwrap_or("").trim();
            match login.otp.clone() {
                Some((otp, until)) if given == otp && now <= until => {
                    login.stage = Stage::Consent;
                    state.update_pending(&form.token, login.clone());
                    page(stage_page(state, idp, &form.token, &login, &sp_name, None))
                }
                Some((otp, until)) if given == otp && now > until => {
                    login.otp = Some((state.ids.otp(6), now + state.config.otp_lifetime));
                    state.update_pending(&form.token, login.clone());
                    let msg = "Il codice è scaduto: ne è stato inviato uno nuovo. The code expired; a new one was sent.";
                    page(stage_page(
                        state,
                        idp,
                        &form.token,
                        &login,
                        &sp_name,
                        Some(msg),
                    ))
                }
                _ => wrong(&mut login, "Codice errato", "Wrong code."),
            }
        }
        Stage::Device => {
            let user = login.user.as_deref().and_then(|u| state.fixtures.user(u));
            let ok =
                user.and_then(|u| u.device_pin.as_deref()) == form.pin.as_deref().map(str::trim);
            if ok {
                login.stage = Stage::Consent;
                state.update_pending(&form.token, login.clone());
                return page(stage_page(state, idp, &form.token, &login, &sp_name, None));
            }
            wrong(
                &mut login,
                "PIN del dispositivo errato",
                "Wrong device PIN.",
            )
        }
        Stage::Card => card_step(state, idp, form, login, &sp_name, end),
        Stage::Consent => {
            let user = login.user.as_deref().and_then(|u| state.fixtures.user(u));
            match (user, login.level) {
                (Some(user), Some(level)) => {
                    end(succeed(state, idp, &req, relay, user, level, Keep::Session))
                }
                _ => end(error_page(Some(idp), 3, "login state lost")),
            }
        }
    }
}

fn stage_page(
    state: &MockState,
    idp: &IdpRuntime,
    token: &str,
    login: &PendingLogin,
    sp_name: &str,
    error: Option<&str>,
) -> String {
    let user = login.user.as_deref().and_then(|u| state.fixtures.user(u));
    match login.stage {
        Stage::Credentials => pages::login(idp, token, login, sp_name, error),
        Stage::Otp => pages::otp(idp, token, login, error),
        Stage::Device => pages::device(idp, token, error),
        Stage::Card => pages::card(idp, token, sp_name, &state.cards.numbers(), error),
        Stage::Consent => pages::consent(idp, token, login, user, sp_name),
    }
}

/// CIE L3: the card on the page's simulated reader and its PIN (docs/rules/cie.md). A scripted
/// read failure, an unknown card or a wrong-shaped PIN keeps the user on the page without
/// counting; a wrong PIN counts on the card; the third blocks it and ends the login with the
/// profile's code for blocked credentials (23); an expired, revoked, blocked or dead card ends it
/// with 23 at once.
fn card_step(
    state: &MockState,
    idp: &IdpRuntime,
    form: &StepForm,
    mut login: PendingLogin,
    sp_name: &str,
    end: impl Fn(Answer) -> Answer,
) -> Answer {
    let req = login.request.clone();
    let relay = login.relay_state.clone();
    let again = |login: &PendingLogin, msg: &str| {
        page(stage_page(
            state,
            idp,
            &form.token,
            login,
            sp_name,
            Some(msg),
        ))
    };
    let reader = match form.reader.as_deref().map(str::trim) {
        None | Some("") => Reader::Desktop,
        Some(r) => match Reader::parse(r) {
            Some(r) => r,
            None => return again(&login, &format!("reader {r:?}: use desktop or app")),
        },
    };
    if let Some(failure) = state.cards.take_read_failure() {
        return again(&login, failure.message());
    }
    let number = form.card.as_deref().unwrap_or("").trim();
    let pin = form.pin.as_deref().unwrap_or("");
    let today = state.clock.now().date();
    let Some((outcome, holder)) = state.cards.with_card(number, |c| {
        (c.enter_pin(pin, reader, today), c.spec.holder.clone())
    }) else {
        return again(
            &login,
            &format!("Nessuna CIE con numero {number:?} sul lettore. No card {number:?} on the reader (see fixtures/cie-cards.toml)."),
        );
    };
    match outcome {
        PinOutcome::Accepted => {
            login.user = Some(holder);
            login.stage = Stage::Consent;
            state.update_pending(&form.token, login.clone());
            page(stage_page(state, idp, &form.token, &login, sp_name, None))
        }
        PinOutcome::Wrong { left } => {
            login.tries.fail();
            state.update_pending(&form.token, login.clone());
            again(
                &login,
                &format!("PIN errato: {left} tentativi rimasti prima del blocco. Wrong PIN: {left} tries left."),
            )
        }
        PinOutcome::NowBlocked => end(fail_as(state, idp, &req, relay, Outcome::WrongCredentials)),
        PinOutcome::Unusable(_) => end(fail_as(state, idp, &req, relay, Outcome::Suspended)),
        PinOutcome::BadEntry(msg) => again(&login, &msg),
    }
}
