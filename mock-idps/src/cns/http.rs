//! The CNS routes on the federation's plain-HTTP port: each CA's CRL at its distribution point
//! (`/cns/crl/<ca>.crl`, DER, RFC 5280), the OCSP responder (`/cns/ocsp`, RFC 6960, see
//! [`crate::cns::ocsp`]), the trust bundle, and the admin API that revokes a card at runtime.

use crate::admin::{excerpt, json_body, AdminError};
use crate::cns::authority::CnsAuthority;
use crate::cns::ocsp;
use crate::cns::CnsError;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

/// The plain-HTTP CNS routes.
pub fn router(authority: Arc<CnsAuthority>) -> Router {
    Router::new()
        .route("/cns/crl/{file}", get(crl))
        .route(
            "/cns/ocsp",
            post(ocsp_post).layer(DefaultBodyLimit::max(ocsp::MAX_REQUEST_BYTES)),
        )
        .route("/cns/ocsp/{*request}", get(ocsp_get))
        .route("/cns/trust.pem", get(trust_bundle))
        .route("/cns/server-root.pem", get(server_root))
        .route("/admin/cns/revoke", post(revoke))
        .route("/admin/cns/handshakes", get(handshakes))
        .with_state(authority)
}

async fn crl(State(authority): State<Arc<CnsAuthority>>, Path(file): Path<String>) -> Response {
    let Some(ca) = file.strip_suffix(".crl") else {
        return (StatusCode::NOT_FOUND, "CRL names end in .crl\n").into_response();
    };
    match authority.crl(ca) {
        Some(der) => (
            [(header::CONTENT_TYPE, "application/pkix-crl")],
            der.as_ref().clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, format!("no CA {ca:?}\n")).into_response(),
    }
}

/// `POST /cns/ocsp`: the DER OCSPRequest as the body (RFC 6960 Appendix A.1).
async fn ocsp_post(
    State(authority): State<Arc<CnsAuthority>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !media
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/ocsp-request"))
    {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "an OCSP request is POSTed as Content-Type: application/ocsp-request (RFC 6960 Appendix A.1), not {:?}\n",
                excerpt(media)
            ),
        )
            .into_response();
    }
    ocsp_response(&authority, &body)
}

/// `GET /cns/ocsp/<url-encoded base64 of the DER OCSPRequest>` (RFC 6960 Appendix A.1); the
/// base64 may also arrive with its `/` unencoded.
async fn ocsp_get(
    State(authority): State<Arc<CnsAuthority>>,
    Path(request): Path<String>,
) -> Response {
    use base64::Engine;
    if request.len() > ocsp::MAX_REQUEST_BYTES * 2 {
        return (StatusCode::URI_TOO_LONG, "OCSP request too long\n").into_response();
    }
    match base64::engine::general_purpose::STANDARD.decode(request.trim()) {
        Ok(der) => ocsp_response(&authority, &der),
        // Not base64: not an OCSPRequest either.
        Err(_) => ocsp_response(&authority, &[]),
    }
}

fn ocsp_response(authority: &CnsAuthority, der: &[u8]) -> Response {
    let answer = ocsp::respond(authority, der);
    match &answer.outcome {
        ocsp::OcspOutcome::Answered(statuses) => {
            tracing::debug!(?statuses, "OCSP answered")
        }
        other => tracing::info!(outcome = ?other, "OCSP request refused"),
    }
    (
        [(header::CONTENT_TYPE, "application/ocsp-response")],
        answer.der,
    )
        .into_response()
}

async fn trust_bundle(State(authority): State<Arc<CnsAuthority>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        authority.pki().trusted_ca_pem(),
    )
        .into_response()
}

async fn server_root(State(authority): State<Arc<CnsAuthority>>) -> Response {
    match authority.pki().server_root_pem() {
        Some(pem) => (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            pem.to_string(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no root CA\n").into_response(),
    }
}

/// Body of `POST /admin/cns/revoke`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    /// The card certificate, PEM.
    #[serde(default)]
    certificate: Option<String>,
    /// Or: the CA id…
    #[serde(default)]
    ca: Option<String>,
    /// …and the serial, hex.
    #[serde(default)]
    serial: Option<String>,
}

async fn revoke(State(authority): State<Arc<CnsAuthority>>, body: Bytes) -> Response {
    let shape = r#"{"certificate": PEM} or {"ca": ID, "serial": HEX}"#;
    let parsed: RevokeBody = match json_body(&body, shape) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let result = match (parsed.certificate, parsed.ca, parsed.serial) {
        (Some(pem), None, None) => authority.revoke_certificate(pem.as_bytes()),
        (None, Some(ca), Some(serial)) => authority
            .revoke_serial(&ca, &serial)
            .map(|()| (ca, serial.trim().to_ascii_lowercase())),
        _ => {
            return AdminError::bad_request(
                "bad-revocation",
                "give either \"certificate\" or both \"ca\" and \"serial\"",
            )
            .into_response()
        }
    };
    match result {
        Ok((ca, serial)) => Json(serde_json::json!({
            "ca": ca,
            "serial": serial,
            "crlNumber": authority.crl_number(),
        }))
        .into_response(),
        Err(e) => {
            let code = match &e {
                CnsError::UnknownCa(_) => "unknown-ca",
                CnsError::ForeignIssuer(_) => "foreign-issuer",
                CnsError::Certificate(m) if m.starts_with("serial") => "bad-serial",
                CnsError::Certificate(_) => "bad-certificate",
                _ => "revocation-failed",
            };
            AdminError::bad_request(code, excerpt_tail(&e.to_string())).into_response()
        }
    }
}

/// A message capped like any echo of client input (the error texts quote what was sent).
fn excerpt_tail(message: &str) -> String {
    if message.len() <= 512 {
        message.to_string()
    } else {
        excerpt(message)
    }
}

async fn handshakes(State(authority): State<Arc<CnsAuthority>>) -> Response {
    Json(authority.handshakes.entries()).into_response()
}
