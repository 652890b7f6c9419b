//! The HTTP face of the reference SP: the axum router, its handlers, and [`ReferenceSp`], the
//! running server (loopback only, graceful shutdown, stops on drop).

use crate::acs::{self, AcsInput, Refusal};
use crate::authn_request::AuthnRequestPlan;
use crate::binding::{post_form, redirect_query, Kind};
use crate::config::SpConfig;
use crate::error::SpError;
use crate::head::Head;
use crate::idp::IdpRegistry;
use crate::keys::{KeyError, SpKeys};
use crate::level::{Comparison, Level};
use crate::metadata::{signed_metadata, MetadataPlan, Scheme};
use crate::ns;
use crate::pages;
use crate::session::{random_token, Outstanding, Sessions, COOKIE};
use crate::slo::{self, Inbound, LogoutRequestPlan, LogoutResponsePlan, Received};
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use mock_idps::server_task::{self, ServerTask};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Every URL of a running reference SP.
#[derive(Serialize, Clone, Debug)]
pub struct SpUrls {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// `GET` the signed metadata (SPID).
    pub metadata: String,
    /// `GET` the signed metadata for "Entra con CIE" (CIE attribute set and census contact).
    pub cie_metadata: String,
    /// `GET` to start a login (`?idp=…&level=…&comparison=…&binding=…`).
    pub login: String,
    /// The Assertion Consumer Service (HTTP-POST).
    pub acs: String,
    /// The protected page.
    pub me: String,
    /// `GET` to start single logout.
    pub logout: String,
    /// The single logout endpoint (both bindings).
    pub slo: String,
    /// "Entra con CNS" (mutual TLS), when enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cns_login: Option<String>,
}

/// What every handler shares.
#[derive(Debug)]
struct SpState {
    config: SpConfig,
    urls: SpUrls,
    keys: SpKeys,
    idps: IdpRegistry,
    sessions: Sessions,
    pin: Option<crate::pin_login::PinSide>,
    metadata: String,
    cie_metadata: String,
    /// LogoutRequests we sent, awaiting their LogoutResponse (bounded, expiring).
    pending_logouts: Mutex<mock_idps::bounded::BoundedMap<String, ()>>,
}

/// A running reference SP; it stops when dropped.
#[derive(Debug)]
pub struct ReferenceSp {
    state: Arc<SpState>,
    cns: Option<crate::cns::CnsSide>,
    /// Stopping it, or dropping it (with the SP), starts the server's graceful shutdown.
    server: ServerTask,
}

impl ReferenceSp {
    /// Parses the key and the IdP metadata, binds (loopback only), signs the metadata once and
    /// serves until [`ReferenceSp::shutdown`] or drop.
    pub async fn start(config: SpConfig) -> Result<Self, SpError> {
        if !config.bind.ip().is_loopback() {
            return Err(SpError::NotLoopback(config.bind));
        }
        let keys = SpKeys::embedded()?;
        let pin_only = config.pin_backend.is_some()
            && config.idp_metadata.is_empty()
            && config.cie_idp_metadata.is_empty();
        // A service offering only "Entra con PIN" trusts no IdP.
        let idps = if pin_only {
            IdpRegistry::default()
        } else {
            IdpRegistry::from_metadata_with_cie(&config.idp_metadata, &config.cie_idp_metadata)?
        };
        let (listener, addr) = server_task::bind(config.bind).await?;
        let cns = match &config.cns {
            Some(cns) => Some(
                crate::cns::CnsSide::start(
                    cns.clone(),
                    config.faults.clone(),
                    config.clock.clone(),
                )
                .await?,
            ),
            None => None,
        };
        let mut urls = urls_for(addr);
        urls.cns_login = cns.as_ref().map(|c| c.login_url());
        let plan = MetadataPlan {
            entity_id: &config.entity_id,
            acs: &urls.acs,
            slo: &urls.slo,
            profile: config.profile,
            scheme: Scheme::Spid,
            faults: &config.faults,
        };
        let metadata = signed_metadata(&plan, &keys)?;
        let cie_metadata = signed_metadata(
            &MetadataPlan {
                scheme: Scheme::Cie,
                ..plan
            },
            &keys,
        )?;
        let pin = match &config.pin_backend {
            Some(backend) => {
                let timeline = match &config.pin_timeline {
                    Some(t) => t.clone(),
                    None => mock_idps::pin::Timeline::builtin()?,
                };
                Some(crate::pin_login::PinSide::new(backend, timeline))
            }
            None => None,
        };
        let sessions = Sessions::new(config.clock.clone(), config.session_limits);
        let state = Arc::new(SpState {
            pin,
            config,
            urls,
            keys,
            idps,
            sessions,
            metadata,
            cie_metadata,
            pending_logouts: Mutex::new(mock_idps::bounded::BoundedMap::new(
                mock_idps::bounded::Limits {
                    max_entries: 10_000,
                    max_bytes: 10_000 * 256,
                    ttl: time::Duration::hours(1),
                },
            )),
        });
        let server = ServerTask::serve(listener, router(state.clone()));
        Ok(Self { state, cns, server })
    }

    /// Every URL.
    pub fn urls(&self) -> SpUrls {
        self.state.urls.clone()
    }

    /// Browser sessions kept, their bytes, and the replay cache's size (see
    /// [`crate::session::SessionLimits`]).
    pub fn session_usage(&self) -> (usize, usize, usize) {
        self.state.sessions.usage()
    }

    /// The router the server serves, sharing its state (sessions, keys, trusted IdPs): for
    /// driving the SP in-process (`tower::ServiceExt::oneshot`) without a socket.
    pub fn router(&self) -> Router {
        router(self.state.clone())
    }

    /// The signed metadata (the same bytes `GET /metadata` serves).
    pub fn metadata_xml(&self) -> &str {
        &self.state.metadata
    }

    /// The signed "Entra con CIE" metadata (the same bytes `GET /cie/metadata` serves).
    pub fn cie_metadata_xml(&self) -> &str {
        &self.state.cie_metadata
    }

    /// The "Entra con CNS" listener, when enabled.
    pub fn cns(&self) -> Option<&crate::cns::CnsSide> {
        self.cns.as_ref()
    }

    /// Replaces the CNS listener's CRLs (DER); the next connection uses them.
    pub fn set_cns_crls(&self, crls: Vec<Vec<u8>>) -> Result<(), SpError> {
        match &self.cns {
            Some(cns) => Ok(cns.set_crls(crls)?),
            None => Ok(()),
        }
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        let Self { cns, server, .. } = self;
        if let Some(cns) = cns {
            cns.shutdown().await;
        }
        server.stop().await;
    }
}

fn urls_for(addr: SocketAddr) -> SpUrls {
    let base = format!("http://{addr}");
    SpUrls {
        metadata: format!("{base}/metadata"),
        cie_metadata: format!("{base}/cie/metadata"),
        login: format!("{base}/login"),
        acs: format!("{base}/acs"),
        me: format!("{base}/me"),
        logout: format!("{base}/logout"),
        slo: format!("{base}/slo"),
        cns_login: None,
        base,
    }
}

type AppState = State<Arc<SpState>>;

fn router(state: Arc<SpState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login))
        .route("/acs", post(acs_post))
        .route("/me", get(me))
        .route("/metadata", get(metadata))
        .route("/cie/metadata", get(cie_metadata))
        .route("/logout", get(logout))
        .route("/slo", get(slo_get).post(slo_post))
        .route("/pin-login", get(pin_login_page).post(pin_login_post))
        .with_state(state)
}

/// How SAML wants an instant: UTC, `Z`, milliseconds.
const SAML_INSTANT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// Formats an instant as SAML wants it (an instant past year 9999 formats as an empty string,
/// which every check refuses).
fn saml_instant(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(SAML_INSTANT)
        .unwrap_or_default()
}

/// A 302 to `destination` with the binding's query appended.
fn found(destination: &str, query: &str) -> Response {
    let sep = if destination.contains('?') { '&' } else { '?' };
    match HeaderValue::from_str(&format!("{destination}{sep}{query}")) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn page(status: StatusCode, html: String) -> Response {
    (status, Html(html)).into_response()
}

fn bad_request(text: &str) -> Response {
    tracing::info!(check = "bad-request", reason = text, "request refused");
    page(
        StatusCode::BAD_REQUEST,
        pages::message("Richiesta non valida", text, "bad-request"),
    )
}

/// The session cookie's value, if it names a live session.
fn session_of(state: &SpState, headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|sid| state.sessions.exists(sid))
}

/// The session of this browser, creating one (and its Set-Cookie) if needed.
fn ensure_session(state: &SpState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match session_of(state, headers) {
        Some(sid) => (sid, None),
        None => {
            let sid = state.sessions.create();
            // HttpOnly; no SameSite attribute: the IdP posts to the ACS from another site.
            let cookie = HeaderValue::from_str(&format!("{COOKIE}={sid}; Path=/; HttpOnly")).ok();
            (sid, cookie)
        }
    }
}

fn with_cookie(mut r: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

async fn index(State(state): AppState) -> Html<String> {
    Html(pages::picker(
        state.idps.all(),
        &state.config.faults.names(),
    ))
}

async fn metadata(State(state): AppState) -> Response {
    metadata_response(state.metadata.clone())
}

async fn cie_metadata(State(state): AppState) -> Response {
    metadata_response(state.cie_metadata.clone())
}

fn metadata_response(xml: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/samlmetadata+xml; charset=utf-8",
        )],
        xml,
    )
        .into_response()
}

async fn login(
    State(state): AppState,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(idp) = q.get("idp").and_then(|e| state.idps.get(e)).cloned() else {
        let known: Vec<&str> = state
            .idps
            .all()
            .iter()
            .map(|i| i.entity_id.as_str())
            .collect();
        return bad_request(&format!(
            "Unknown or missing idp {:?}. Known IdPs: {}.",
            q.get("idp").map(String::as_str).unwrap_or(""),
            known.join(", ")
        ));
    };
    let level = match q.get("level").map(String::as_str).unwrap_or("2") {
        "1" => Level::L1,
        "2" => Level::L2,
        "3" => Level::L3,
        other => return bad_request(&format!("level {other:?}: use 1, 2 or 3")),
    };
    let cmp_text = q.get("comparison").map(String::as_str).unwrap_or("minimum");
    let Some(comparison) = Comparison::parse(cmp_text) else {
        return bad_request(&format!(
            "comparison {cmp_text:?}: use exact, minimum, better or maximum"
        ));
    };
    // "Entra con CIE": Comparison exact or minimum only, the CIE attribute set (crate::cie).
    if idp.cie && !crate::cie::comparison_allowed(comparison) {
        return bad_request(&format!(
            "comparison {cmp_text:?}: CIE accepts only exact or minimum"
        ));
    }
    let default_attrs = if idp.cie { "2" } else { "0" };
    // `auto` (the picker's default) is the IdP's own set: SPID's 0, CIE's.
    let attrs = q
        .get("attrs")
        .map(String::as_str)
        .filter(|a| !a.is_empty() && *a != "auto");
    let attribute_index = match attrs.unwrap_or(default_attrs) {
        "0" => 0u8,
        "1" => 1,
        "2" => crate::cie::ATTRIBUTE_INDEX,
        other => return bad_request(&format!("attrs {other:?}: use auto, 0, 1 or 2")),
    };
    let post = match q.get("binding").map(String::as_str).unwrap_or("redirect") {
        "redirect" => false,
        "post" => true,
        other => return bad_request(&format!("binding {other:?}: use redirect or post")),
    };
    let destination = if post {
        idp.sso_post.clone()
    } else {
        idp.sso_redirect.clone()
    };
    let Some(destination) = destination else {
        return bad_request("the IdP's metadata has no SingleSignOnService for that binding");
    };
    let (sid, cookie) = ensure_session(&state, &headers);
    let now = state.config.clock.now();
    let id = format!("_{}", random_token());
    let relay = random_token();
    state.sessions.add_outstanding(
        &sid,
        Outstanding {
            id: id.clone(),
            idp: idp.entity_id.clone(),
            level,
            comparison,
            attribute_index,
            issued: Some(now),
            relay_state: Some(relay.clone()),
        },
    );
    let worker = state.clone();
    let built = tokio::task::spawn_blocking(move || {
        let state = worker;
        let instant = saml_instant(now);
        let plan = AuthnRequestPlan {
            head: Head {
                id: &id,
                issue_instant: &instant,
                destination: &destination,
                sp_entity_id: &state.config.entity_id,
            },
            level,
            comparison,
            attribute_index,
            acs_url: &state.urls.acs,
            faults: &state.config.faults,
            force_authn_always: idp.cie,
        };
        crate::authn_request::encode(&plan, post, &relay, &state.keys).map(
            |encoded| match encoded {
                crate::authn_request::Encoded::Post { xml, relay } => Html(post_form(
                    &destination,
                    Kind::Request,
                    &xml,
                    relay.as_deref(),
                ))
                .into_response(),
                crate::authn_request::Encoded::Redirect { query } => found(&destination, &query),
            },
        )
    })
    .await;
    match built {
        Ok(Ok(r)) => with_cookie(r, cookie),
        Ok(Err(e)) => signing_failed(&e),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn pin_disabled() -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::message(
            "PIN non disponibile",
            "Questo servizio non offre l'accesso con PIN INPS.",
            "pin-disabled",
        ),
    )
}

async fn pin_login_page(State(state): AppState) -> Response {
    match state.pin {
        Some(_) => page(StatusCode::OK, crate::pin_login::form_page()),
        None => pin_disabled(),
    }
}

async fn pin_login_post(State(state): AppState, headers: HeaderMap, body: Bytes) -> Response {
    let Some(pin) = &state.pin else {
        return pin_disabled();
    };
    // The timeline's days are calendar days; read in UTC, as the PIN backend does by default.
    let date = state
        .config
        .clock
        .now()
        .to_offset(time::UtcOffset::UTC)
        .date();
    match pin.login(&parse_form(&body), date).await {
        crate::pin_login::Outcome::LoggedIn(login) => {
            let (sid, cookie) = ensure_session(&state, &headers);
            state.sessions.set_login(&sid, login);
            with_cookie(Redirect::to("/me").into_response(), cookie)
        }
        crate::pin_login::Outcome::Refused(status, html) => {
            tracing::info!(check = "pin-login", status, "PIN login refused");
            page(
                StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
                html,
            )
        }
    }
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

async fn acs_post(State(state): AppState, headers: HeaderMap, body: Bytes) -> Response {
    if !state.config.acs_delay.is_zero() {
        tokio::time::sleep(state.config.acs_delay).await;
    }
    let form = parse_form(&body);
    let Some(response) = form.get("SAMLResponse").cloned() else {
        tracing::info!(
            check = acs::MALFORMED,
            reason = "no SAMLResponse field in the form",
            "Response refused"
        );
        return page(
            StatusCode::FORBIDDEN,
            pages::refusal(&Refusal {
                check: acs::MALFORMED,
                reason: "no SAMLResponse field in the form".into(),
                spid_error: None,
            }),
        );
    };
    let sid = session_of(&state, &headers);
    let relay_state = form.get("RelayState").cloned();
    let worker = state.clone();
    let sid_worker = sid.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let state = worker;
        let input = AcsInput {
            entity_id: &state.config.entity_id,
            acs_url: &state.urls.acs,
            skew: state.config.skew,
            faults: &state.config.faults,
            idps: &state.idps,
            sessions: &state.sessions,
            sid: sid_worker.as_deref(),
            now: state.config.clock.now(),
            relay_state: relay_state.as_deref(),
        };
        acs::consume(&input, &response)
    })
    .await;
    match outcome {
        Ok(Ok(login)) => {
            let (sid, cookie) = match sid {
                Some(s) => (s, None),
                None => ensure_session(&state, &HeaderMap::new()),
            };
            state.sessions.set_login(&sid, login);
            with_cookie(Redirect::to("/me").into_response(), cookie)
        }
        Ok(Err(refusal)) => {
            tracing::info!(check = refusal.check, reason = %refusal.reason, "Response refused");
            page(StatusCode::FORBIDDEN, pages::refusal(&refusal))
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn me(State(state): AppState, headers: HeaderMap) -> Response {
    match session_of(&state, &headers).and_then(|sid| state.sessions.login(&sid)) {
        Some(login) => page(StatusCode::OK, pages::me(&login)),
        None => page(
            StatusCode::UNAUTHORIZED,
            pages::message(
                "Accesso richiesto",
                "Non sei autenticato: entra con SPID.",
                "not-logged-in",
            ),
        ),
    }
}

async fn logout(State(state): AppState, headers: HeaderMap) -> Response {
    let Some(sid) = session_of(&state, &headers) else {
        return Redirect::to("/").into_response();
    };
    let Some(login) = state.sessions.logout(&sid) else {
        return page(
            StatusCode::OK,
            pages::message("Logout", "Non eri autenticato.", "logged-out"),
        );
    };
    let Some(idp) = state.idps.get(&login.idp).cloned() else {
        return page(
            StatusCode::OK,
            pages::message("Logout", "Sessione locale chiusa.", "logged-out"),
        );
    };
    // The request goes out on HTTP-Redirect where the IdP has it.
    let Some(endpoint) = idp.slo_endpoint(false) else {
        return page(
            StatusCode::OK,
            pages::message(
                "Logout",
                "Sessione locale chiusa (l'IdP non ha SingleLogoutService).",
                "logged-out",
            ),
        );
    };
    let relay = random_token();
    let sent = send_logout(
        &state,
        Kind::Request,
        endpoint,
        Some(&relay),
        |head, signed| {
            let plan = LogoutRequestPlan {
                head,
                name_id: &login.name_id,
                name_qualifier: &login.name_qualifier,
                session_index: login.session_index.as_deref(),
            };
            slo::logout_request_xml(&plan, signed)
        },
    );
    match sent {
        Ok((id, r)) => {
            let now = state.config.clock.now();
            state
                .pending_logouts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, (), now);
            r
        }
        Err(e) => signing_failed(&e),
    }
}

/// Sends one logout message of ours to an IdP's SLO endpoint `(URL, HTTP-POST?)`: in an
/// auto-posted form with an enveloped signature, or on the signed HTTP-Redirect query.
/// `xml(head, signed)` writes the message under a fresh head; the answer carries its ID.
fn send_logout(
    state: &SpState,
    kind: Kind,
    (destination, post): (&str, bool),
    relay: Option<&str>,
    xml: impl Fn(Head<'_>, bool) -> String,
) -> Result<(String, Response), KeyError> {
    let id = format!("_{}", random_token());
    let now = saml_instant(state.config.clock.now());
    let head = Head {
        id: &id,
        issue_instant: &now,
        destination,
        sp_entity_id: &state.config.entity_id,
    };
    let answer = if post {
        let signed = state.keys.sign_enveloped(&xml(head, true), &id)?;
        Html(post_form(destination, kind, &signed, relay)).into_response()
    } else {
        let query = redirect_query(kind, &xml(head, false), relay, &state.keys)?;
        found(destination, &query)
    };
    Ok((id, answer))
}

fn signing_failed(e: &KeyError) -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::message("Errore", &format!("signing failed: {e}"), "sp-internal"),
    )
}

async fn slo_get(State(state): AppState, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    slo_handle(&state, Received::Redirect(&q))
}

async fn slo_post(State(state): AppState, body: Bytes) -> Response {
    let form = parse_form(&body);
    let (kind, value) = match (form.get("SAMLRequest"), form.get("SAMLResponse")) {
        (Some(v), None) => (Kind::Request, v),
        (None, Some(v)) => (Kind::Response, v),
        _ => return bad_request("the form needs exactly one of SAMLRequest or SAMLResponse"),
    };
    slo_handle(
        &state,
        Received::Post {
            kind,
            value,
            relay_state: form.get("RelayState").map(String::as_str),
        },
    )
}

/// A refused logout message, logged at `info` with the check that refused it.
fn slo_refused(check: &str, reason: &str) -> Response {
    tracing::info!(check, reason, "logout message refused");
    page(
        StatusCode::FORBIDDEN,
        pages::message("Logout rifiutato", reason, "slo-error"),
    )
}

fn slo_handle(state: &SpState, received: Received<'_>) -> Response {
    let faults = &state.config.faults;
    // SAML Profiles §4.4.4 / RT single-logout: logout messages are signed by the IdP.
    let inbound = match slo::receive(&state.idps, received, !faults.is_off("slo-signature")) {
        Err(e) => {
            let check = match &e {
                slo::SloError::Signature(_) => "slo-signature",
                slo::SloError::UnknownIssuer(_) => "untrusted-idp",
                slo::SloError::Binding(_) | slo::SloError::Malformed(_) => acs::MALFORMED,
            };
            return slo_refused(check, &e.to_string());
        }
        Ok(i) => i,
    };
    let destination = match &inbound {
        Inbound::Request { destination, .. } | Inbound::Response { destination, .. } => {
            destination.clone()
        }
    };
    // SAML Bindings §3.4.5.2 / §3.5.5.2: a signed message's Destination must be the endpoint
    // that received it.
    if !faults.is_off("slo-destination") && destination.as_deref() != Some(state.urls.slo.as_str())
    {
        return slo_refused(
            "slo-destination",
            &format!(
                "the logout message's Destination {} is not our SLO endpoint",
                crate::acs::checks::shown(destination.as_deref())
            ),
        );
    }
    match inbound {
        Inbound::Response {
            in_response_to,
            status,
            ..
        } => {
            let now = state.config.clock.now();
            let known = in_response_to.as_deref().is_some_and(|id| {
                let mut pending = state
                    .pending_logouts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let live = pending.get(&id.to_string(), now).is_some();
                pending.remove(&id.to_string()).is_some() && live
            });
            // SAML Core §3.7: a LogoutResponse answers one LogoutRequest of ours, once.
            if !known && !faults.is_off("slo-in-response-to") {
                tracing::info!(
                    check = "slo-in-response-to",
                    in_response_to = ?in_response_to,
                    "logout message refused: the LogoutResponse does not answer a LogoutRequest of ours"
                );
                return page(
                    StatusCode::FORBIDDEN,
                    pages::message(
                        "Logout rifiutato",
                        "the LogoutResponse does not answer a LogoutRequest of ours",
                        "slo-error",
                    ),
                );
            }
            let ok = status.as_deref() == Some(ns::STATUS_SUCCESS);
            let text = if ok {
                "Logout completato (single logout)."
            } else {
                "Sessione locale chiusa; l'IdP non ha confermato il logout."
            };
            page(StatusCode::OK, pages::message("Logout", text, "logged-out"))
        }
        Inbound::Request {
            idp,
            id,
            name_id,
            relay_state,
            ..
        } => {
            // A LogoutRequest is processed once: its ID goes to the replay cache.
            let now = state.config.clock.now();
            let key = format!("logout:{id}");
            if !faults.is_off("slo-replay") {
                if let Some(seen) = state.sessions.replayed(&[key.as_str()], now) {
                    return slo_refused(
                        "slo-replay",
                        &format!("LogoutRequest {seen} was already processed"),
                    );
                }
            }
            state
                .sessions
                .remember(&[key.as_str()], now + time::Duration::hours(1), now);
            let ended = state.sessions.logout_name_id(&idp.entity_id, &name_id);
            // SAML Core §3.7.3.2: Success only when the sessions were found and ended.
            let status = if ended > 0 || faults.is_off("slo-unknown-session") {
                ns::STATUS_SUCCESS
            } else {
                ns::STATUS_REQUESTER
            };
            // The response goes back on HTTP-POST where the IdP has it.
            let Some(endpoint) = idp.slo_endpoint(true) else {
                return page(
                    StatusCode::OK,
                    pages::message("Logout", "Sessione chiusa.", "logged-out"),
                );
            };
            let relay = relay_state.as_deref();
            let sent = send_logout(state, Kind::Response, endpoint, relay, |head, signed| {
                let plan = LogoutResponsePlan {
                    head,
                    in_response_to: &id,
                    status,
                };
                slo::logout_response_xml(&plan, signed)
            });
            sent.map_or_else(|e| signing_failed(&e), |(_, r)| r)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saml_instant_is_utc_with_milliseconds_and_z() {
        let t = time::macros::datetime!(2024-03-05 01:02:03.0456 +02:00);
        assert_eq!(saml_instant(t), "2024-03-04T23:02:03.045Z");
        let t = time::macros::datetime!(0999-12-31 23:59:59 UTC);
        assert_eq!(saml_instant(t), "0999-12-31T23:59:59.000Z");
    }
}
