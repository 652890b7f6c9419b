//! The RP's pages: the index with "Entra con CIE (OIDC)" and the SPID OIDC provider chooser,
//! the login start, the callback, the protected page showing the user, refresh and logout (which
//! calls the OP's revocation endpoint), and the RP's metadata as JSON.

use crate::rp::ReferenceRp;
use axum::extract::{Query, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mock_idps::spid::level::Level;
use serde::Deserialize;
use std::sync::Arc;

/// The cookie carrying the RP session id.
pub const COOKIE: &str = "rp_session";

/// The RP's router.
pub fn router(rp: Arc<ReferenceRp>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/oidc/login", get(login))
        .route("/oidc/callback", get(callback))
        .route("/me", get(me))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
        .route("/oidc/metadata.json", get(metadata))
        .route("/.well-known/openid-federation", get(entity_configuration))
        .with_state(rp)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
}

async fn index(State(rp): State<Arc<ReferenceRp>>) -> Html<String> {
    let mut cie = String::new();
    let mut spid = String::new();
    for op in rp.ops() {
        let links: Vec<String> = op
            .levels
            .iter()
            .map(|l| {
                format!(
                    "<a href=\"/oidc/login?op={}&level={}\">{}</a>",
                    esc(&op.id),
                    l.number(),
                    l
                )
            })
            .collect();
        let line = format!("<li>{} — {}</li>", esc(&op.name), links.join(" · "));
        if op.cie {
            cie.push_str(&line);
        } else {
            spid.push_str(&line);
        }
    }
    page(
        "Servizio di riferimento (OIDC)",
        &format!("<h2>Entra con CIE (OIDC)</h2><ul>{cie}</ul><h2>Entra con SPID (OIDC)</h2><ul>{spid}</ul>"),
    )
}

#[derive(Deserialize)]
struct LoginQuery {
    op: String,
    #[serde(default)]
    level: Option<u8>,
}

async fn login(State(rp): State<Arc<ReferenceRp>>, Query(q): Query<LoginQuery>) -> Response {
    let level = match q.level.map(Level::try_from).transpose() {
        Ok(l) => l.unwrap_or(Level::L2),
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                page("Errore", &esc(&e.to_string())),
            )
                .into_response()
        }
    };
    match rp.start(&q.op, level) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            page("Errore", &esc(&e.to_string())),
        )
            .into_response(),
    }
}

async fn callback(State(rp): State<Arc<ReferenceRp>>, RawQuery(q): RawQuery) -> Response {
    match rp.finish(q.as_deref().unwrap_or("")).await {
        Ok((sid, _)) => (
            StatusCode::SEE_OTHER,
            [
                (
                    header::SET_COOKIE,
                    format!("{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"),
                ),
                (header::LOCATION, "/me".to_string()),
            ],
        )
            .into_response(),
        Err(e) => (StatusCode::FORBIDDEN, refusal_page(&e)).into_response(),
    }
}

/// The courtesy page of a refused login: the reason, and for a SPID anomaly its code (the SPID
/// rules ask the service to tell the user why the login failed), marked up as
/// `data-spid-error="nrNN"` for a machine to read.
fn refusal_page(e: &crate::RpError) -> Html<String> {
    let code = match e {
        crate::RpError::OpError { description, .. } => description
            .get(..4)
            .filter(|c| c.starts_with("nr") && c[2..].bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string),
        _ => None,
    };
    let body = match code {
        Some(c) => format!(
            "<p data-spid-error=\"{c}\">Accesso non riuscito (anomalia {c}).</p><p>{}</p>",
            esc(&e.to_string())
        ),
        None => format!("<p>{}</p>", esc(&e.to_string())),
    };
    page("Accesso rifiutato", &body)
}

fn sid_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
        .next()
}

async fn me(State(rp): State<Arc<ReferenceRp>>, headers: axum::http::HeaderMap) -> Response {
    let Some(s) = sid_of(&headers).and_then(|sid| rp.session(&sid)) else {
        return (
            StatusCode::UNAUTHORIZED,
            page(
                "Area riservata",
                "Non hai effettuato l'accesso. <a href=\"/\">Accedi</a>",
            ),
        )
            .into_response();
    };
    let rows: String = s
        .userinfo
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    format!(
                        "<tr><th>{}</th><td>{}</td></tr>",
                        esc(k),
                        esc(&v.to_string())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    page(
        "Area riservata",
        &format!(
            "<p>OP: {} · livello {}</p><table>{rows}</table><form method=\"post\" action=\"/logout\"><button>Esci</button></form>",
            esc(&s.op),
            s.level.map(|l| l.to_string()).unwrap_or_default()
        ),
    )
    .into_response()
}

async fn refresh(State(rp): State<Arc<ReferenceRp>>, headers: axum::http::HeaderMap) -> Response {
    let Some(sid) = sid_of(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match rp.refresh(&sid).await {
        Ok(Some(id)) => Json(id.claims).into_response(),
        // CIE: a new access token, no ID token.
        Ok(None) => Json(serde_json::json!({ "access_token_renewed": true })).into_response(),
        Err(e) => (StatusCode::FORBIDDEN, e.to_string()).into_response(),
    }
}

async fn logout(State(rp): State<Arc<ReferenceRp>>, headers: axum::http::HeaderMap) -> Response {
    if let Some(sid) = sid_of(&headers) {
        if let Err(e) = rp.logout(&sid).await {
            return (
                StatusCode::BAD_GATEWAY,
                page("Uscita", &esc(&e.to_string())),
            )
                .into_response();
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, format!("{COOKIE}=; Path=/; Max-Age=0")),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}

async fn entity_configuration(State(rp): State<Arc<ReferenceRp>>) -> Response {
    match rp.entity_configuration() {
        Ok(jwt) => (
            [(
                header::CONTENT_TYPE,
                crate::sending::entity_configuration_type(&rp.config.faults),
            )],
            jwt,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn metadata(State(rp): State<Arc<ReferenceRp>>) -> Json<serde_json::Value> {
    Json(rp.metadata())
}
