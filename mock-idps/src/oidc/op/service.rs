//! The HTTP face of the OpenID Providers: under each OP's issuer path, its entity configuration,
//! authorization (GET and POST), token, userinfo, revocation and introspection endpoints; every
//! request at the authorization, token, revocation and introspection endpoints is kept in the
//! OPs' bounded record ([`super::record`]) with the answer given.

use super::provider::{OpRuntime, OpSet};
use super::record::{Endpoint, Method, ObservedRequest};
use super::revocation::TokenPost;
use super::token::TokenError;
use crate::spid::service::respond_page;
use crate::spid::state::MockState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The media type of entity statements (entity_configuration.rst).
pub const ENTITY_STATEMENT_TYPE: &str = "application/entity-statement+jwt";

/// What every OP handler shares.
#[derive(Debug, Clone)]
pub struct OidcApp {
    /// The mock's state (users, pages, sessions, the OP tables).
    pub state: Arc<MockState>,
    /// The OPs.
    pub ops: Arc<OpSet>,
    /// The local federation the OPs belong to (their entity configurations, RP chains).
    pub federation: Arc<crate::oidc::federation::LocalFederation>,
}

#[derive(Clone)]
struct OneOp {
    app: OidcApp,
    op: Arc<OpRuntime>,
}

/// The routes of every OP, each under its issuer's path.
pub fn router(app: OidcApp) -> Router {
    let mut r = Router::new();
    for op in &app.ops.ops {
        let path = url::Url::parse(&op.issuer)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        let one = OneOp {
            app: app.clone(),
            op: op.clone(),
        };
        r = r.nest(&path, op_router(one));
    }
    r
}

fn op_router(one: OneOp) -> Router {
    Router::new()
        .route("/.well-known/openid-federation", get(entity_configuration))
        .route(
            "/authorization",
            get(authorization_get).post(authorization_post),
        )
        .route("/token", post(token))
        .route("/userinfo", get(userinfo_get).post(userinfo_post))
        .route("/revocation", post(revocation))
        .route("/introspection", post(introspection))
        .route("/logo.svg", get(logo))
        .route("/policy", get(policy))
        .with_state(one)
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// A form whose names appear once each; a repeated name is an `invalid_request`.
fn unique_form(body: &[u8]) -> Result<BTreeMap<String, String>, TokenError> {
    let mut m = BTreeMap::new();
    for (k, v) in form_pairs(body) {
        if m.insert(k.clone(), v).is_some() {
            return Err(TokenError {
                status: 400,
                error: "invalid_request",
                description: format!("parameter {k} appears twice"),
            });
        }
    }
    Ok(m)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .starts_with("application/x-www-form-urlencoded")
        })
}

fn json_error(status: u16, error: &str, description: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn token_error(e: TokenError) -> Response {
    json_error(e.status, e.error, &e.description)
}

/// Reads a form body after checking its content type (token_endpoint.rst: form-urlencoded).
fn read_form(headers: &HeaderMap, body: &[u8]) -> Result<BTreeMap<String, String>, TokenError> {
    if !is_form(headers) {
        return Err(TokenError {
            status: 400,
            error: "invalid_request",
            description: "the body must be application/x-www-form-urlencoded".into(),
        });
    }
    unique_form(body)
}

async fn entity_configuration(State(one): State<OneOp>) -> Response {
    match super::federated::entity_configuration(&one.app.federation, &one.op) {
        Ok(jwt) => ([(header::CONTENT_TYPE, ENTITY_STATEMENT_TYPE)], jwt).into_response(),
        Err(e) => json_error(500, "server_error", &e.to_string()),
    }
}

async fn logo(State(one): State<OneOp>) -> Response {
    let initial = one.op.provider.name.chars().next().unwrap_or('?');
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\"><rect width=\"64\" height=\"64\" fill=\"#0066cc\"/><text x=\"32\" y=\"42\" font-size=\"32\" text-anchor=\"middle\" fill=\"#fff\">{initial}</text></svg>"
    );
    ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

async fn policy(State(one): State<OneOp>) -> Response {
    respond_page(crate::spid::login::Answer::Page {
        status: 200,
        html: crate::spid::pages::message(
            one.app.state.idp(&one.op.provider.id),
            "Privacy",
            "A mock OpenID Provider for tests: it keeps logins in memory only, on loopback.",
        ),
    })
}

/// Keeps what the RP sent and what the OP answered in the OPs' record ([`super::record`]).
fn observe(
    one: &OneOp,
    endpoint: Endpoint,
    method: Method,
    headers: Option<&HeaderMap>,
    params: Vec<(String, String)>,
    status: u16,
    refusal: Option<String>,
) {
    let state = &one.app.state;
    state.oidc.record().push(ObservedRequest {
        seq: 0,
        op: one.op.provider.id.clone(),
        endpoint,
        url: one.op.endpoint(endpoint.name()),
        method,
        content_type: headers
            .and_then(|h| h.get(header::CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        params,
        status,
        refusal,
        at: state.clock.now(),
    });
}

/// The status and refusal of an authorization endpoint's answer: an error redirect or an
/// error page is a refusal; the login page (or a code) is not.
fn authorization_outcome(answer: &crate::spid::login::Answer) -> (u16, Option<String>) {
    match answer {
        crate::spid::login::Answer::Redirect { location } => {
            let error = url::Url::parse(location).ok().and_then(|u| {
                let q: BTreeMap<String, String> = u.query_pairs().into_owned().collect();
                q.get("error").map(|e| {
                    format!(
                        "{e}: {}",
                        q.get("error_description").map_or("", String::as_str)
                    )
                })
            });
            (303, error)
        }
        crate::spid::login::Answer::Page { status, .. } if *status >= 400 => {
            (*status, Some(format!("error page, HTTP {status}")))
        }
        crate::spid::login::Answer::Page { status, .. } => (*status, None),
        crate::spid::login::Answer::Post { .. } => (500, Some("not an OIDC answer".into())),
    }
}

async fn authorization_get(State(one): State<OneOp>, RawQuery(q): RawQuery) -> Response {
    let pairs = form_pairs(q.as_deref().unwrap_or("").as_bytes());
    authorize(&one, Method::Get, None, pairs).await
}

async fn authorization_post(State(one): State<OneOp>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    if !is_form(&headers) {
        let d = "the body must be application/x-www-form-urlencoded";
        observe(
            &one,
            Endpoint::Authorization,
            Method::Post,
            Some(&headers),
            pairs,
            400,
            Some(format!("invalid_request: {d}")),
        );
        return json_error(400, "invalid_request", d);
    }
    authorize(&one, Method::Post, Some(&headers), pairs).await
}

/// Answers the authorization request `pairs` and records it with what the OP made of it.
async fn authorize(
    one: &OneOp,
    method: Method,
    headers: Option<&HeaderMap>,
    pairs: Vec<(String, String)>,
) -> Response {
    let answer =
        super::authorization::handle(&one.app.state, &one.app.ops, &one.op, pairs.clone()).await;
    let (status, refusal) = authorization_outcome(&answer);
    observe(
        one,
        Endpoint::Authorization,
        method,
        headers,
        pairs,
        status,
        refusal,
    );
    respond_page(answer)
}

/// A form-posting endpoint (token, revocation, introspection): the form read (a token error
/// when the body is not one), `answer` run on it, the request recorded with its outcome.
async fn form_endpoint<F, Fut>(
    one: OneOp,
    endpoint: Endpoint,
    headers: HeaderMap,
    body: Bytes,
    answer: F,
) -> Response
where
    F: FnOnce(OneOp, BTreeMap<String, String>) -> Fut,
    Fut: std::future::Future<Output = Result<Response, TokenError>>,
{
    let r = match read_form(&headers, &body) {
        Ok(form) => answer(one.clone(), form).await.unwrap_or_else(token_error),
        Err(e) => token_error(e),
    };
    let status = r.status().as_u16();
    // A refusal is a small JSON error: its `error` and `error_description` go in the record.
    let (r, refusal) = if status >= 400 {
        let (parts, answer_body) = r.into_parts();
        let bytes = axum::body::to_bytes(answer_body, 64 << 10)
            .await
            .unwrap_or_default();
        let text = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                Some(format!(
                    "{}: {}",
                    v.get("error")?.as_str()?,
                    v.get("error_description")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                ))
            })
            .unwrap_or_else(|| format!("HTTP {status}"));
        (
            Response::from_parts(parts, axum::body::Body::from(bytes)),
            Some(text),
        )
    } else {
        (r, None)
    };
    observe(
        &one,
        endpoint,
        Method::Post,
        Some(&headers),
        form_pairs(&body),
        status,
        refusal,
    );
    r
}

async fn token(State(one): State<OneOp>, headers: HeaderMap, body: Bytes) -> Response {
    form_endpoint(one, Endpoint::Token, headers, body, token_answer).await
}

async fn token_answer(one: OneOp, form: BTreeMap<String, String>) -> Result<Response, TokenError> {
    let rp = super::token::client(&one.app.state, &one.app.ops, &one.op, &form).await?;
    let app = one.app.clone();
    let op = one.op.clone();
    // Signing (and CIE encryption) are CPU work: off the async workers.
    let result =
        tokio::task::spawn_blocking(move || super::token::handle(&app.state, &op, &rp, &form))
            .await;
    match result {
        Ok(Ok(body)) => Ok((
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(body),
        )
            .into_response()),
        Ok(Err(e)) => Err(e),
        Err(_) => Ok(json_error(500, "server_error", "the token handler stopped")),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

async fn userinfo_at(one: OneOp, post: bool, headers: HeaderMap) -> Response {
    let token = bearer(&headers);
    let result = super::userinfo::handle(
        &one.app.state,
        &one.app.ops,
        &one.op,
        post,
        token.as_deref(),
    )
    .await;
    match result {
        Ok(jwt) => (
            [
                (header::CONTENT_TYPE, "application/jwt"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            jwt,
        )
            .into_response(),
        Err(e) => {
            let challenge = format!(
                "Bearer error=\"{}\", error_description=\"{}\"",
                e.error,
                e.description.replace('"', "'")
            );
            let mut r = json_error(e.status, e.error, &e.description);
            if let Ok(v) = axum::http::HeaderValue::from_str(&challenge) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            r
        }
    }
}

async fn userinfo_get(State(one): State<OneOp>, headers: HeaderMap) -> Response {
    userinfo_at(one, false, headers).await
}

async fn userinfo_post(State(one): State<OneOp>, headers: HeaderMap) -> Response {
    userinfo_at(one, true, headers).await
}

async fn revocation(State(one): State<OneOp>, headers: HeaderMap, body: Bytes) -> Response {
    token_post(one, Endpoint::Revocation, headers, body, |post| {
        post.revoke();
        StatusCode::OK.into_response()
    })
    .await
}

async fn introspection(State(one): State<OneOp>, headers: HeaderMap, body: Bytes) -> Response {
    token_post(one, Endpoint::Introspection, headers, body, |post| {
        Json(post.introspect()).into_response()
    })
    .await
}

/// A form POST to `which`, the revocation or introspection endpoint: `answer` runs once the
/// client is authenticated and the token it names is read.
async fn token_post(
    one: OneOp,
    which: Endpoint,
    headers: HeaderMap,
    body: Bytes,
    answer: fn(&TokenPost<'_>) -> Response,
) -> Response {
    form_endpoint(one, which, headers, body, move |one, form| async move {
        let url = one.op.endpoint(which.name());
        let post = TokenPost::read(&one.app.state, &one.app.ops, &one.op, &url, &form).await?;
        Ok(answer(&post))
    })
    .await
}
