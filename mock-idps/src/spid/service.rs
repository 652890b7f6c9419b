//! The HTTP face of the mock providers: an axum router with the SPID endpoints of every provider,
//! the registry feed, the index page and the admin API.

use super::login::{handle_sso, handle_step, Answer, Inbound, StepForm};
use super::pages;
use super::script::{AutoLogin, ScriptedLogin};
use super::slo::{handle_slo, idp_initiated, SloAnswer, SloInbound};
use super::state::{IdpRuntime, MockState, ScriptRefused};
use crate::admin::{excerpt, AdminError};
use crate::cie::web::{self as cie_web, WebAnswer};
use crate::profile::LogoutKind;
use crate::saml::binding::{post_form, post_form_fields, MessageKind};
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::sync::Arc;

/// The router of every provider endpoint, the registry, the index and the admin API.
pub fn router(state: Arc<MockState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/registry/idps.xml", get(registry))
        .route("/idp/{id}/metadata", get(metadata))
        .route("/idp/{id}/sso", get(sso_get).post(sso_post))
        .route("/idp/{id}/login", post(step))
        .route("/idp/{id}/slo", get(slo_get).post(slo_post))
        .route("/idp/{id}/logout", get(logout))
        .route(
            "/idp/{id}/card/unblock",
            get(cie_unblock_form).post(cie_unblock),
        )
        .nest("/admin", admin_routes())
        .with_state(state)
}

fn admin_routes() -> Router<Arc<MockState>> {
    Router::new()
        .route("/sp-metadata", post(admin_register_sp).get(admin_list_sps))
        .route("/next-login", post(admin_script).delete(admin_clear_script))
        .route(
            "/auto-login",
            get(admin_auto_logins)
                .put(admin_set_auto_login)
                .delete(admin_clear_auto_login),
        )
        .route(
            "/requests",
            get(admin_requests).delete(admin_clear_requests),
        )
        .route("/sessions", get(admin_sessions))
        .route("/urls", get(admin_urls))
        .route("/cie-read-failure", post(admin_cie_read_failure))
}

type AppState = State<Arc<MockState>>;

fn unknown_provider(id: &str, state: &MockState) -> Response {
    let ids: Vec<&str> = state.idps.iter().map(|i| i.provider.id.as_str()).collect();
    let html = pages::message(
        None,
        "Unknown provider",
        &format!("No provider {id:?}. Known: {}.", ids.join(", ")),
    );
    (StatusCode::NOT_FOUND, Html(html)).into_response()
}

fn with_idp(state: &MockState, id: &str, f: impl FnOnce(&IdpRuntime) -> Response) -> Response {
    match state.idp(id) {
        Some(idp) => f(idp),
        None => unknown_provider(id, state),
    }
}

/// [`with_idp`] for the login flow: the provider's [`Answer`], signed off the async workers
/// when it is a Response.
async fn answered_by(
    state: Arc<MockState>,
    id: &str,
    f: impl FnOnce(&MockState, &IdpRuntime) -> Answer,
) -> Response {
    let answer = match state.idp(id) {
        Some(idp) => f(&state, idp),
        None => return unknown_provider(id, &state),
    };
    respond(state, answer).await
}

async fn index(State(state): AppState) -> Html<String> {
    Html(pages::index(&state))
}

fn xml(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/samlmetadata+xml; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn registry(State(state): AppState) -> Response {
    xml(state.registry_xml.clone())
}

async fn metadata(State(state): AppState, Path(id): Path<String>) -> Response {
    with_idp(&state, &id, |idp| xml(idp.metadata.clone()))
}

async fn sso_get(
    State(state): AppState,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answered_by(state, &id, |state, idp| {
        handle_sso(state, idp, Inbound::Redirect(q.as_deref().unwrap_or("")))
    })
    .await
}

async fn sso_post(
    State(state): AppState,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    answered_by(state, &id, |state, idp| match post_form_fields(&body) {
        Ok(form) => handle_sso(
            state,
            idp,
            Inbound::Post {
                saml_request: form.get("SAMLRequest").map(String::as_str),
                relay_state: form.get("RelayState").map(String::as_str),
                query: q.as_deref(),
            },
        ),
        Err(e) => handle_sso(state, idp, Inbound::Refused(e)),
    })
    .await
}

async fn step(State(state): AppState, Path(id): Path<String>, body: Bytes) -> Response {
    let form = parse_form(&body);
    let get = |k: &str| form.get(k).cloned();
    let step = StepForm {
        token: get("token").unwrap_or_default(),
        action: get("action"),
        username: get("username"),
        password: get("password"),
        otp: get("otp"),
        pin: get("pin"),
        card: get("card"),
        reader: get("reader"),
    };
    answered_by(state, &id, |state, idp| handle_step(state, idp, &step)).await
}

async fn slo_get(
    State(state): AppState,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    with_idp(&state, &id, |idp| {
        if idp.profile.logout == LogoutKind::PlainHttp {
            return web(cie_web::no_saml_slo(idp));
        }
        slo_response(handle_slo(
            &state,
            idp,
            SloInbound::Redirect(q.as_deref().unwrap_or("")),
        ))
    })
}

async fn slo_post(State(state): AppState, Path(id): Path<String>, body: Bytes) -> Response {
    let form = post_form_fields(&body);
    with_idp(&state, &id, |idp| {
        if idp.profile.logout == LogoutKind::PlainHttp {
            return web(cie_web::no_saml_slo(idp));
        }
        let form = match form {
            Ok(f) => f,
            Err(e) => return respond_page(super::login::error_page(Some(idp), 4, &e.to_string())),
        };
        let (kind, value) = match (form.get("SAMLRequest"), form.get("SAMLResponse")) {
            (Some(v), None) => (MessageKind::Request, v),
            (None, Some(v)) => (MessageKind::Response, v),
            _ => {
                return respond_page(super::login::error_page(
                    Some(idp),
                    4,
                    "the form needs exactly one of SAMLRequest or SAMLResponse",
                ));
            }
        };
        slo_response(handle_slo(
            &state,
            idp,
            SloInbound::Post {
                kind,
                value,
                relay_state: form.get("RelayState").map(String::as_str),
            },
        ))
    })
}

async fn logout(
    State(state): AppState,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_idp(&state, &id, |idp| {
        if idp.profile.logout == LogoutKind::PlainHttp {
            return web(cie_web::plain_logout(
                &state,
                idp,
                q.get("session_index").map(String::as_str),
                q.get("return_to").map(String::as_str),
            ));
        }
        slo_response(idp_initiated(
            &state,
            idp,
            q.get("session_index").map(String::as_str),
        ))
    })
}

/// An HTML page with `status` (200 if that is not a status).
fn page(status: u16, html: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, Html(html)).into_response()
}

fn web(a: WebAnswer) -> Response {
    match a {
        WebAnswer::Page { status, html } => page(status, html),
        WebAnswer::Redirect(url) => Redirect::to(&url).into_response(),
    }
}

fn cie_idp<'a>(state: &'a MockState, id: &str) -> Result<&'a IdpRuntime, Box<Response>> {
    match state.idp(id) {
        Some(idp) if idp.profile.l3_factor == crate::profile::L3Factor::CieCard => Ok(idp),
        Some(_) => Err(Box::new(
            (
                StatusCode::NOT_FOUND,
                Html(pages::message(
                    None,
                    "Not a CIE provider",
                    &format!("{id:?} is not a CIE ID provider: only CIE ID has card pages."),
                )),
            )
                .into_response(),
        )),
        None => Err(Box::new(unknown_provider(id, state))),
    }
}

async fn cie_unblock_form(State(state): AppState, Path(id): Path<String>) -> Response {
    match cie_idp(&state, &id) {
        Ok(idp) => web(cie_web::unblock_form(idp)),
        Err(r) => *r,
    }
}

async fn cie_unblock(State(state): AppState, Path(id): Path<String>, body: Bytes) -> Response {
    let form = parse_form(&body);
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    match cie_idp(&state, &id) {
        Ok(idp) => web(cie_web::unblock_submit(
            &state,
            idp,
            field("card"),
            field("puk"),
            field("new_pin"),
        )),
        Err(r) => *r,
    }
}

async fn admin_cie_read_failure(State(state): AppState, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        failure: crate::cie::cards::ReadFailure,
    }
    match serde_json::from_slice::<Body>(&body) {
        Ok(b) => {
            state.cards.push_read_failure(b.failure);
            StatusCode::CREATED.into_response()
        }
        Err(e) => AdminError::bad_request(
            "bad-json",
            format!("bad read-failure JSON ({}); expected {{\"failure\": \"nfc-off\"}} or {{\"failure\": \"card-moved\"}}", excerpt(&e.to_string())),
        )
        .into_response(),
    }
}

fn slo_response(a: SloAnswer) -> Response {
    match a {
        SloAnswer::Html { status, html } => page(status, html),
        SloAnswer::Redirect(url) => Redirect::to(&url).into_response(),
    }
}

/// Turns a page or redirect answer into HTTP (a SAML Post is a 500 here).
pub fn respond_page(a: Answer) -> Response {
    match a {
        Answer::Page { status, html } => page(status, html),
        Answer::Post { .. } => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Answer::Redirect { location } => redirect_to(&location),
    }
}

/// A 303 to `location` (an OpenID Provider's answer to the RP's redirect_uri).
pub fn redirect_to(location: &str) -> Response {
    match axum::http::HeaderValue::from_str(location) {
        Ok(v) => (
            StatusCode::SEE_OTHER,
            [
                (axum::http::header::LOCATION, v),
                (
                    axum::http::header::CACHE_CONTROL,
                    axum::http::HeaderValue::from_static("no-store"),
                ),
            ],
        )
            .into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "redirect target is not a valid header value",
        )
            .into_response(),
    }
}

/// Turns an answer into HTTP; Responses are signed on the blocking pool, off the async workers.
async fn respond(state: Arc<MockState>, answer: Answer) -> Response {
    match answer {
        Answer::Page { .. } | Answer::Redirect { .. } => respond_page(answer),
        Answer::Post {
            provider,
            acs,
            plan,
            relay_state,
        } => {
            let signed = tokio::task::spawn_blocking(move || {
                let key = state.idp(&provider).map(|i| i.key.clone());
                key.map(|k| plan.sign(&k))
            })
            .await;
            match signed {
                Ok(Some(Ok(xml))) => Html(post_form(
                    &acs,
                    MessageKind::Response,
                    &xml,
                    relay_state.as_deref(),
                ))
                .into_response(),
                other => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("signing the Response failed: {other:?}"),
                )
                    .into_response(),
            }
        }
    }
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

async fn admin_register_sp(State(state): AppState, body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return AdminError::bad_request("bad-encoding", "the body is not UTF-8 XML")
            .into_response();
    };
    match state.register_sp(text) {
        Ok(entity_id) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "entity_id": entity_id })),
        )
            .into_response(),
        Err(e) => AdminError::bad_request(
            "bad-sp-metadata",
            format!("SP metadata refused: {}", excerpt(&e.to_string())),
        )
        .into_response(),
    }
}

async fn admin_list_sps(State(state): AppState) -> Json<Vec<String>> {
    Json(state.sp_ids())
}

async fn admin_script(State(state): AppState, body: Bytes) -> Response {
    match check_script(&state, &body) {
        Ok(script) => match state.push_script(script) {
            Ok(()) => StatusCode::CREATED.into_response(),
            Err(e @ ScriptRefused::QueueFull(_)) => AdminError {
                status: StatusCode::CONFLICT,
                code: "script-queue-full",
                message: e.to_string(),
            }
            .into_response(),
            Err(e) => AdminError::bad_request("no-such-outcome", e.to_string()).into_response(),
        },
        Err(e) => e.into_response(),
    }
}

fn check_script(state: &MockState, body: &[u8]) -> Result<ScriptedLogin, AdminError> {
    let script: ScriptedLogin = serde_json::from_slice(body).map_err(|e| {
        AdminError::bad_request(
            "bad-json",
            format!("bad next-login JSON ({}); expected {{\"user\": \"mario.rossi\", \"provider\": \"aruba\", \"level\": 2, \"outcome\": \"success\"}}", excerpt(&e.to_string())),
        )
    })?;
    if let Some(p) = script
        .provider
        .as_deref()
        .filter(|p| state.idp(p).is_none())
    {
        return Err(AdminError::bad_request(
            "unknown-provider",
            format!(
                "unknown provider {:?}: GET /admin/urls lists them",
                excerpt(p)
            ),
        ));
    }
    if state.fixtures.user(&script.user).is_none() {
        return Err(AdminError::bad_request(
            "unknown-user",
            format!(
                "unknown user {:?}: see the users table on /",
                excerpt(&script.user)
            ),
        ));
    }
    if let Some(idp) = script.provider.as_deref().and_then(|p| state.idp(p)) {
        if idp.profile.l3_factor == crate::profile::L3Factor::CieCard
            && state.cards.card_of(&script.user).is_none()
        {
            return Err(AdminError::bad_request(
                "no-cie-card",
                format!(
                    "user {:?} holds no CIE: see fixtures/cie-cards.toml",
                    script.user
                ),
            ));
        }
    }
    Ok(script)
}

async fn admin_clear_script(State(state): AppState) -> StatusCode {
    state.clear_script();
    StatusCode::NO_CONTENT
}

async fn admin_requests(State(state): AppState) -> Response {
    Json(state.received()).into_response()
}

async fn admin_clear_requests(State(state): AppState) -> StatusCode {
    state.clear_received();
    StatusCode::NO_CONTENT
}

async fn admin_sessions(State(state): AppState) -> Response {
    Json(state.sessions()).into_response()
}

async fn admin_urls(State(state): AppState) -> Response {
    Json(crate::federation::urls_of(&state)).into_response()
}

/// `PUT /admin/auto-login`: `{"spec": "mario.rossi@2,provider=poste"}`, or the structured form
/// `{"entries": [{"user": "mario.rossi", "level": 2, "outcome": "success", "weight": 1}],
/// "providers": ["poste"]}`.
async fn admin_set_auto_login(State(state): AppState, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Body {
        Spec { spec: String },
        Structured(AutoLogin),
    }
    let auto = match serde_json::from_slice::<Body>(&body) {
        Ok(Body::Spec { spec }) => match spec.parse::<AutoLogin>() {
            Ok(a) => a,
            Err(e) => {
                return AdminError::bad_request("bad-auto-login", excerpt(&e.to_string()))
                    .into_response()
            }
        },
        Ok(Body::Structured(a)) => a,
        Err(e) => {
            return AdminError::bad_request(
                "bad-json",
                format!("bad auto-login JSON ({e}); expected {{\"spec\": \"mario.rossi@2,provider=poste\"}} or {{\"entries\": [{{\"user\": \"mario.rossi\"}}], \"providers\": []}}"),
            )
            .into_response()
        }
    };
    match state.set_auto_login(auto) {
        Ok(()) => (StatusCode::OK, Json(state.auto_logins())).into_response(),
        Err(e) => AdminError::bad_request("bad-auto-login", e.to_string()).into_response(),
    }
}

async fn admin_auto_logins(State(state): AppState) -> Response {
    Json(state.auto_logins()).into_response()
}

/// `DELETE /admin/auto-login[?provider=ID]`.
async fn admin_clear_auto_login(
    State(state): AppState,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match q.get("provider") {
        Some(p) if state.idp(p).is_none() => AdminError::bad_request(
            "unknown-provider",
            format!(
                "unknown provider {:?}: GET /admin/urls lists them",
                excerpt(p)
            ),
        )
        .into_response(),
        p => {
            state.clear_auto_login(p.map(String::as_str));
            StatusCode::NO_CONTENT.into_response()
        }
    }
}
