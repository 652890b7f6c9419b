//! The HTTP face of the PIN service: a JSON API under `/api` and the legacy login form (codice
//! fiscale + PIN, PIN-12) under `/login`. Errors are JSON `{code, message}` with an HTTP status.
//!
//! Every backend call runs on the blocking pool: a commit to the file store waits for `fsync`.

use super::backend::PinBackend;
use super::delegation::DelegationRequest;
use super::error::PinError;
use super::issuance::{Conversion, RecoveryContacts};
use super::model::{Channel, LoginMethod};
use super::phone_pin::PhoneValidity;
use super::services::SERVICES;
use crate::html::escape;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The PIN service's routes; mount it under a prefix such as `/pin`.
pub fn router(backend: Arc<PinBackend>) -> Router {
    Router::new()
        .route("/login", get(login_page).post(login_form))
        .route("/openapi.json", get(super::openapi::document))
        .nest("/api", api_routes())
        .with_state(backend)
}

// One row an operation: the table stays a table.
#[rustfmt::skip]
fn api_routes() -> Router<Arc<PinBackend>> {
    // Any other path under /api: a JSON 404 (a nested router's fallback would not be used).
    let other = "/{*rest}";
    let (ok, created) = (StatusCode::OK, StatusCode::CREATED);
    Router::new()
        .route("/services", get(list_services))
        .route("/services/{id}/open", post_json_at(ok, |b, id, r: TokenBody| b.open_service(&r.token, &id)))
        .route("/timeline", get(timeline))
        .route("/requests", post_json(created, |b, r: RequestBody| b.request(&r.fiscal_code, r.channel)))
        .route("/first-access", post_json(ok, |b, r: FirstAccessBody| {
            done(b.first_access(&r.fiscal_code, &r.initial_pin, &r.new_pin))
        }))
        .route("/login", post_json(ok, |b, r: LoginBody| b.login(&r.fiscal_code, &r.pin)))
        .route("/renew", post_json(ok, |b, r: RenewBody| done(b.renew(&r.fiscal_code, &r.pin, &r.new_pin))))
        .route("/recover", post_json(ok, |b, r: RecoverBody| b.recover(&r.fiscal_code, &r.contacts)))
        .route("/revoke", post_json(ok, |b, r: PersonBody| done(b.revoke(&r.fiscal_code))))
        .route("/convert", post_json(ok, |b, r: ConvertBody| {
            b.convert(&r.fiscal_code, &r.conversion)
                .map(|released| serde_json::json!({"released_claims": released}))
        }))
        .route("/claims", post_json(created, |b, r: ClaimBody| b.submit_claim(&r.token, &r.service)))
        .route("/people/{cf}/status", get_person(|b, cf| b.status(cf)))
        .route("/people/{cf}/outbox", get_person(|b, cf| b.person(cf).map(|p| b.outbox(&p.fiscal_code))))
        .route("/people/{cf}/claims", get_person(|b, cf| b.person(cf).map(|p| b.claims(&p.fiscal_code))))
        .route("/people/{cf}/delegations", get_person(|b, cf| {
            b.person(cf).map(|p| b.delegations(&p.fiscal_code))
        }))
        .route("/phone-pin", post_json(created, |b, r: PhonePinBody| {
            let validity = PhoneValidity::parse(&r.validity)?;
            b.generate_phone_pin(&r.fiscal_code, r.via, validity)
        }))
        .route("/contact-center", post_json(ok, |b, r: ContactCenterBody| {
            b.contact_center(&r.fiscal_code, &r.phone_pin)
        }))
        .route("/delegations", post_json(created, |b, r: DelegationRequest| b.delegate(&r)))
        .route("/delegations/{id}/revoke", post_json_at(ok, |b, id, r: RevokeDelegationBody| {
            b.revoke_delegation(&id, &r.by)
        }))
        .route("/delegations/act", post_json(ok, |b, r: ActBody| {
            b.act_for(&r.delegato, &r.delegante, r.via, &r.service)
        }))
        .route(other, axum::routing::any(no_such_operation))
        .layer(axum::middleware::map_response(json_error_shape))
}

async fn no_such_operation() -> ApiError {
    ApiError::NoSuchOperation
}

/// Codes of the errors the HTTP layer answers with before a request reaches the PIN rules.
pub const HTTP_ERROR_CODES: &[&str] = &[
    "PIN_BAD_REQUEST",
    "PIN_BODY_TOO_LARGE",
    "PIN_INTERNAL",
    "PIN_METHOD_NOT_ALLOWED",
    "PIN_NO_SUCH_OPERATION",
];

/// One error shape on the whole API: an error answer that is not already `{code, message}`
/// (an extractor's plain-text rejection, an empty 405 or 413) is rewritten into it, keeping its
/// status and a short excerpt of its text.
async fn json_error_shape(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let detail = axum::body::to_bytes(resp.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (code, what) = match status.as_u16() {
        404 => (
            "PIN_NO_SUCH_OPERATION",
            "no such operation; the operations are listed in /pin/openapi.json",
        ),
        405 => (
            "PIN_METHOD_NOT_ALLOWED",
            "this operation does not take this HTTP method; see /pin/openapi.json",
        ),
        413 => (
            "PIN_BODY_TOO_LARGE",
            "the request body is larger than the API accepts (2 MiB)",
        ),
        s if s >= 500 => ("PIN_INTERNAL", "internal error; try again"),
        _ => ("PIN_BAD_REQUEST", "the request is not valid"),
    };
    let message = if detail.is_empty() {
        what.to_string()
    } else {
        let excerpt: String = detail.chars().take(200).collect();
        format!("{what}: {excerpt}")
    };
    (status, Json(ErrorBody { code, message })).into_response()
}

type AppState = State<Arc<PinBackend>>;

/// An API error as sent: `{code, message}` with the status of its kind.
#[derive(Debug)]
enum ApiError {
    BadRequest(String),
    Internal,
    NoSuchOperation,
    Pin(PinError),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: String,
}

impl From<PinError> for ApiError {
    fn from(e: PinError) -> Self {
        ApiError::Pin(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::BadRequest(m) => (400, "PIN_BAD_REQUEST", m),
            ApiError::Internal => (500, "PIN_INTERNAL", "internal error; try again".to_string()),
            ApiError::NoSuchOperation => (
                404,
                "PIN_NO_SUCH_OPERATION",
                "no such operation; the operations are listed in /pin/openapi.json".to_string(),
            ),
            ApiError::Pin(e) => (e.http_status(), e.code(), e.to_string()),
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { code, message })).into_response()
    }
}

type ApiResult = Result<Response, ApiError>;

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// Runs a backend call on the blocking pool and answers with its JSON result.
async fn call<T, F>(backend: Arc<PinBackend>, status: StatusCode, f: F) -> ApiResult
where
    T: Serialize + Send + 'static,
    F: FnOnce(&PinBackend) -> Result<T, PinError> + Send + 'static,
{
    let out = tokio::task::spawn_blocking(move || f(&backend))
        .await
        .map_err(|_| ApiError::Internal)??;
    Ok((status, Json(out)).into_response())
}

/// A POST operation on a JSON body `T`: the body is parsed (a 400 if it does not fit `T`) and
/// `op` runs with it on the blocking pool; its result is the answer, with `status`.
fn post_json<T, O, F>(status: StatusCode, op: F) -> MethodRouter<Arc<PinBackend>>
where
    T: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
    F: Fn(&PinBackend, T) -> Result<O, PinError> + Copy + Send + Sync + 'static,
{
    post(move |State(b): AppState, body: Bytes| async move {
        let r: T = parse(&body)?;
        call(b, status, move |b| op(b, r)).await
    })
}

/// [`post_json`] at a path with one parameter (`{id}`), handed to `op` too.
fn post_json_at<T, O, F>(status: StatusCode, op: F) -> MethodRouter<Arc<PinBackend>>
where
    T: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
    F: Fn(&PinBackend, String, T) -> Result<O, PinError> + Copy + Send + Sync + 'static,
{
    post(
        move |State(b): AppState, Path(id): Path<String>, body: Bytes| async move {
            let r: T = parse(&body)?;
            call(b, status, move |b| op(b, id, r)).await
        },
    )
}

/// A GET about the person whose codice fiscale is the path's `{cf}`.
fn get_person<O, F>(op: F) -> MethodRouter<Arc<PinBackend>>
where
    O: Serialize + Send + 'static,
    F: Fn(&PinBackend, &str) -> Result<O, PinError> + Copy + Send + Sync + 'static,
{
    get(move |State(b): AppState, Path(cf): Path<String>| {
        call(b, StatusCode::OK, move |b| op(b, &cf))
    })
}

/// The answer of an operation that returns nothing: `{"done": true}`.
fn done(r: Result<(), PinError>) -> Result<serde_json::Value, PinError> {
    r.map(|()| serde_json::json!({"done": true}))
}

async fn list_services() -> Json<&'static [super::services::Service]> {
    Json(SERVICES)
}

#[derive(Deserialize)]
struct TimelineQuery {
    fiscal_code: String,
    date: Option<String>,
}

async fn timeline(State(b): AppState, Query(q): Query<TimelineQuery>) -> ApiResult {
    let date = match q.date.as_deref() {
        Some(d) => Some(
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| ApiError::BadRequest(format!("date {d:?} is not YYYY-MM-DD")))?,
        ),
        None => None,
    };
    call(b, StatusCode::OK, move |b| {
        b.allowance(&q.fiscal_code, date)
    })
    .await
}

// ---- the JSON bodies of the operations ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    fiscal_code: String,
    channel: Channel,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstAccessBody {
    fiscal_code: String,
    initial_pin: String,
    new_pin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    fiscal_code: String,
    pin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenewBody {
    fiscal_code: String,
    pin: String,
    new_pin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoverBody {
    fiscal_code: String,
    #[serde(flatten)]
    contacts: RecoveryContacts,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonBody {
    fiscal_code: String,
}

#[derive(Deserialize)]
struct ConvertBody {
    fiscal_code: String,
    #[serde(flatten)]
    conversion: Conversion,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    token: String,
    service: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PhonePinBody {
    fiscal_code: String,
    via: LoginMethod,
    validity: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactCenterBody {
    fiscal_code: String,
    phone_pin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeDelegationBody {
    by: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActBody {
    delegato: String,
    delegante: String,
    via: LoginMethod,
    service: String,
}

// ---- the legacy HTML form (PIN-12) ----

async fn login_page() -> Html<String> {
    Html(page("Accesso con PIN", None, ""))
}

async fn login_form(State(b): AppState, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let cf = form.get("codice_fiscale").cloned().unwrap_or_default();
    let pin = form.get("pin").cloned().unwrap_or_default();
    let result = tokio::task::spawn_blocking(move || b.login(&cf, &pin)).await;
    match result {
        Ok(Ok(session)) => Html(page(
            "Accesso eseguito",
            None,
            &format!(
                "<p id=\"session\" data-token=\"{}\">Benvenuto, {}. Sessione valida fino a {}.</p>",
                escape(&session.token),
                escape(&session.fiscal_code),
                escape(&session.expires_at.to_string())
            ),
        ))
        .into_response(),
        Ok(Err(e)) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Html(page("Accesso con PIN", Some(&e), ""))).into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The legacy login page: codice fiscale + PIN (PIN-12), with the contact-center numbers (PIN-13).
fn page(title: &str, error: Option<&PinError>, extra: &str) -> String {
    let error = error
        .map(|e| {
            format!(
                "<p class=\"error\" id=\"error\" data-code=\"{}\">{}</p>",
                e.code(),
                escape(&e.to_string())
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"it\"><head><meta charset=\"utf-8\"><title>INPS - {t}</title></head>\n\
         <body><h1>{t}</h1>{error}{extra}\n\
         <form method=\"post\" action=\"login\">\n\
         <label>Codice fiscale <input name=\"codice_fiscale\" maxlength=\"16\" autocomplete=\"username\"></label>\n\
         <label>PIN <input name=\"pin\" type=\"password\" maxlength=\"16\" autocomplete=\"current-password\"></label>\n\
         <button type=\"submit\">Accedi</button>\n</form>\n\
         <p>Hai smarrito il tuo PIN? Contact center 803 164 (rete fissa), 06 164 164 (cellulare).</p>\n\
         </body></html>\n",
        t = escape(title)
    )
}
