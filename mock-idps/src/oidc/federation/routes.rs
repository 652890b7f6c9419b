//! The federation's HTTP endpoints (OpenID Federation 1.0, "Federation Endpoints") and its admin API.
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /oidc/fed/{name}/.well-known/openid-federation` | entity configuration, `application/entity-statement+jwt` |
//! | `GET /oidc/fed/{name}/fetch?sub=` | subordinate statement, `application/entity-statement+jwt` |
//! | `GET /oidc/fed/{name}/list[?entity_type=]` | JSON array of subordinate entity ids |
//! | `GET /oidc/fed/ta/resolve?sub=&trust_anchor=[&entity_type=]` | `application/resolve-response+jwt` |
//! | `GET/POST /oidc/fed/{ta,tmi}/trust_mark_status` (`trust_mark`, or `sub` + `trust_mark_type`/`id`) | `{"active": bool}` |
//! | `GET /oidc/fed/{ta,tmi}/trust_mark?sub=[&trust_mark_type=]` | the trust mark issued to `sub`, `application/trust-mark+jwt` |
//! | `POST /admin/oidc/rps` `{"entity_id", "superior"?, "trust_mark"?, "expired_statement"?, "entity_type"?}` | 201 with the on-boarding report |
//! | `GET /admin/oidc/rps` | the registered subordinates |
//! | `POST /admin/oidc/trust-mark-naming` `{"naming": "id" \| "trust_mark_type"}` | 204; marks issued from then on name their type so |
//!
//! Errors are `{"error", "error_description"}` with the federation code's status; the admin API
//! answers `{"code", "message"}` like the rest of `/admin`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::error::{FederationErrorBody, FederationErrorCode};
use super::local::{
    LocalFederation, LocalFederationError, OnboardRequest, Superior, TrustMarkFault,
};
use super::statement::{ENTITY_STATEMENT_MEDIA_TYPE, RESOLVE_RESPONSE_MEDIA_TYPE};
use crate::admin::{json_body, AdminError};

type Fed = State<Arc<LocalFederation>>;
type Params = Query<HashMap<String, String>>;

/// The router of the federation endpoints and `/admin/oidc/rps`.
pub fn router(fed: Arc<LocalFederation>) -> Router {
    Router::new()
        .route(
            "/oidc/fed/{name}/.well-known/openid-federation",
            get(configuration),
        )
        .route("/oidc/fed/{name}/fetch", get(fetch))
        .route("/oidc/fed/{name}/list", get(list))
        .route("/oidc/fed/{name}/resolve", get(resolve))
        .route(
            "/oidc/fed/{name}/trust_mark_status",
            get(status_get).post(status_post),
        )
        .route("/oidc/fed/{name}/trust_mark", get(trust_mark))
        .route("/admin/oidc/rps", get(admin_list).post(admin_onboard))
        .route(
            "/admin/oidc/trust-mark-naming",
            axum::routing::post(admin_naming),
        )
        .with_state(fed)
}

fn jwt(media_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, media_type)], body).into_response()
}

fn named<'a>(fed: &'a LocalFederation, name: &str) -> Result<&'a str, FederationErrorBody> {
    fed.entity_named(name).ok_or_else(|| {
        FederationErrorBody::new(
            FederationErrorCode::NotFound,
            format!("no federation entity {name:?} (there are ta, intermediate, intermediate-deep, tmi)"),
        )
    })
}

async fn configuration(State(fed): Fed, Path(name): Path<String>) -> Response {
    match named(&fed, &name).and_then(|id| fed.authority_configuration(id)) {
        Ok(body) => jwt(ENTITY_STATEMENT_MEDIA_TYPE, body),
        Err(e) => e.into_response(),
    }
}

async fn fetch(State(fed): Fed, Path(name): Path<String>, Query(q): Params) -> Response {
    let result = named(&fed, &name).and_then(|id| {
        if id == fed.trust_mark_issuer_id() {
            return Err(FederationErrorBody::new(
                FederationErrorCode::NotFound,
                "the trust-mark issuer has no subordinates and no fetch endpoint",
            ));
        }
        fed.subordinate_statement(id, q.get("sub").map(String::as_str))
    });
    match result {
        Ok(body) => jwt(ENTITY_STATEMENT_MEDIA_TYPE, body),
        Err(e) => e.into_response(),
    }
}

async fn list(State(fed): Fed, Path(name): Path<String>, Query(q): Params) -> Response {
    match named(&fed, &name).and_then(|id| fed.list(id, q.get("entity_type").map(String::as_str))) {
        Ok(ids) => Json(ids).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn resolve(State(fed): Fed, Path(name): Path<String>, Query(q): Params) -> Response {
    let id = match named(&fed, &name) {
        Ok(id) => id.to_owned(),
        Err(e) => return e.into_response(),
    };
    if id != fed.trust_anchor_id() {
        return FederationErrorBody::new(
            FederationErrorCode::NotFound,
            "only the trust anchor has a resolve endpoint",
        )
        .into_response();
    }
    let get = |k: &str| q.get(k).map(String::as_str);
    match fed
        .resolve_response(get("sub"), get("trust_anchor"), get("entity_type"))
        .await
    {
        Ok(body) => jwt(RESOLVE_RESPONSE_MEDIA_TYPE, body),
        Err(e) => e.into_response(),
    }
}

fn status(fed: &LocalFederation, name: &str, q: &HashMap<String, String>) -> Response {
    let id = match named(fed, name) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    if id != fed.trust_mark_issuer_id() && id != fed.trust_anchor_id() {
        return FederationErrorBody::new(
            FederationErrorCode::NotFound,
            "only the trust anchor and the trust-mark issuer answer trust mark status",
        )
        .into_response();
    }
    let get = |k: &str| q.get(k).map(String::as_str);
    let tm_type = get("trust_mark_type")
        .or_else(|| get("id"))
        .or_else(|| get("trust_mark_id"));
    match fed.trust_mark_status(get("trust_mark"), get("sub"), tm_type) {
        Ok(active) => Json(serde_json::json!({ "active": active })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn status_get(State(fed): Fed, Path(name): Path<String>, Query(q): Params) -> Response {
    status(&fed, &name, &q)
}

async fn status_post(State(fed): Fed, Path(name): Path<String>, body: Bytes) -> Response {
    let q: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    status(&fed, &name, &q)
}

/// The trust mark endpoint (OpenID Federation 1.0, "Trust Mark Endpoint"): the mark issued to
/// `sub` (of `trust_mark_type`, or `id`, when given), so that an entity on-boarded by someone
/// else (`spid-harness check --oidc`) can fetch what to publish in its `trust_marks`.
async fn trust_mark(State(fed): Fed, Path(name): Path<String>, Query(q): Params) -> Response {
    if let Err(e) = named(&fed, &name) {
        return e.into_response();
    }
    let Some(sub) = q.get("sub") else {
        return FederationErrorBody::new(FederationErrorCode::InvalidRequest, "sub is required")
            .into_response();
    };
    let wanted = q.get("trust_mark_type").or_else(|| q.get("id"));
    match fed
        .trust_marks_for(sub)
        .into_iter()
        .find(|m| wanted.is_none_or(|t| *t == m.trust_mark_type))
    {
        Some(m) => jwt(TRUST_MARK_MEDIA_TYPE, m.trust_mark),
        None => FederationErrorBody::new(
            FederationErrorCode::NotFound,
            format!("no trust mark is issued to {sub}"),
        )
        .into_response(),
    }
}

/// The media type of a trust mark (OpenID Federation 1.0).
pub const TRUST_MARK_MEDIA_TYPE: &str = "application/trust-mark+jwt";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnboardBody {
    entity_id: String,
    #[serde(default)]
    superior: Superior,
    /// `valid` (default), `none`, or a fault.
    #[serde(default)]
    trust_mark: Option<String>,
    #[serde(default)]
    expired_statement: bool,
    #[serde(default)]
    entity_type: Option<String>,
}

fn trust_mark_choice(s: Option<&str>) -> Result<Option<TrustMarkFault>, AdminError> {
    Ok(match s.unwrap_or("valid") {
        "none" => None,
        other => Some(
            serde_json::from_value(serde_json::Value::String(other.to_owned())).map_err(|_| {
                AdminError::bad_request(
                    "bad-trust-mark",
                    format!("trust_mark {other:?}: expected valid, none, expired, wrong_subject, unlisted_issuer or bad_signature"),
                )
            })?,
        ),
    })
}

async fn admin_onboard(State(fed): Fed, body: Bytes) -> Response {
    let shape = r#"{"entity_id": URL, "superior"?: "trust_anchor"|"intermediate"|"deep_intermediate", "trust_mark"?: "valid"|"none"|…, "expired_statement"?: bool}"#;
    let parsed: OnboardBody = match json_body(&body, shape) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let trust_mark = match trust_mark_choice(parsed.trust_mark.as_deref()) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let req = OnboardRequest {
        entity_id: parsed.entity_id,
        superior: parsed.superior,
        trust_mark,
        expired_statement: parsed.expired_statement,
        entity_type: parsed.entity_type,
        source: None,
    };
    match fed.onboard(req).await {
        Ok(report) => (StatusCode::CREATED, Json(report)).into_response(),
        Err(LocalFederationError::Refused { code, message }) => {
            let (status, code) = match code {
                FederationErrorCode::TemporarilyUnavailable => {
                    (StatusCode::BAD_GATEWAY, "rp-unreachable")
                }
                FederationErrorCode::InvalidRequest => (StatusCode::BAD_REQUEST, "bad-entity-id"),
                _ => (StatusCode::UNPROCESSABLE_ENTITY, "bad-entity-configuration"),
            };
            AdminError {
                status,
                code,
                message,
            }
            .into_response()
        }
        Err(e) => AdminError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "onboarding-failed",
            message: e.to_string(),
        }
        .into_response(),
    }
}

async fn admin_naming(State(fed): Fed, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        naming: super::trust_mark::TrustMarkNaming,
    }
    let shape = r#"{"naming": "id"} or {"naming": "trust_mark_type"}"#;
    match json_body::<Body>(&body, shape) {
        Ok(b) => {
            fed.set_naming(b.naming);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn admin_list(State(fed): Fed) -> Response {
    Json(fed.subordinates_summary()).into_response()
}

/// The URLs `--urls-json` lists for the federation.
#[derive(Debug, Clone, serde::Serialize, Deserialize, PartialEq, Eq)]
pub struct OidcFederationUrls {
    /// The trust anchor's entity id.
    pub trust_anchor: String,
    /// Its entity configuration.
    pub trust_anchor_configuration: String,
    /// Its fetch endpoint.
    pub fetch: String,
    /// Its list endpoint.
    pub list: String,
    /// Its resolve endpoint.
    pub resolve: String,
    /// The trust-mark status endpoint (the issuer's).
    pub trust_mark_status: String,
    /// The intermediate's entity id.
    pub intermediate: String,
    /// The second intermediate's entity id (chains past `max_path_length`).
    pub intermediate_deep: String,
    /// The trust-mark issuer's entity id.
    pub trust_mark_issuer: String,
    /// The relying-party trust mark type.
    pub rp_trust_mark_type: String,
    /// The OpenID-provider trust mark type (what an RP requires of an OP).
    #[serde(default)]
    pub op_trust_mark_type: String,
    /// The trust anchor's federation public keys, for an RP to configure out of band (a
    /// careful RP never takes them from the anchor's own configuration).
    #[serde(default)]
    pub trust_anchor_jwks: crate::oidc::jose::Jwks,
    /// The admin on-boarding endpoint.
    pub onboard: String,
}

/// The federation's URLs.
pub fn urls(fed: &LocalFederation) -> OidcFederationUrls {
    let ta = fed.trust_anchor_id().to_owned();
    let base = ta.trim_end_matches("/oidc/fed/ta").to_owned();
    OidcFederationUrls {
        trust_anchor_configuration: super::fetch::well_known_url(&ta),
        fetch: format!("{ta}/fetch"),
        list: format!("{ta}/list"),
        resolve: format!("{ta}/resolve"),
        trust_mark_status: format!("{}/trust_mark_status", fed.trust_mark_issuer_id()),
        intermediate: fed.intermediate_id().to_owned(),
        intermediate_deep: fed.deep_intermediate_id().to_owned(),
        trust_mark_issuer: fed.trust_mark_issuer_id().to_owned(),
        rp_trust_mark_type: fed
            .trust_mark_type("openid_relying_party")
            .unwrap_or_default(),
        op_trust_mark_type: fed.trust_mark_type("openid_provider").unwrap_or_default(),
        trust_anchor_jwks: fed.trust_anchor_jwks(),
        onboard: format!("{base}/admin/oidc/rps"),
        trust_anchor: ta,
    }
}
