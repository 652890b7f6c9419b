//! The admin API's protection and its one error shape.
//!
//! The admin API (`/admin/…` on the federation's HTTP port) lets tests and CI scripts register
//! SP metadata, script the next login, read the request log and sessions, and revoke CNS cards.
//! It has no user accounts; it is protected against the two ways a web page in a browser on the
//! same machine could reach it:
//!
//! - **cross-site requests**: a request with a body must say `Content-Type: application/json`
//!   (`application/xml` for SP metadata), which a page cannot send without a CORS preflight the
//!   server never grants, and a request whose `Origin` is not this server is refused;
//! - **DNS rebinding**: the `Host` header must name a loopback address, `localhost`, or the
//!   address the server is bound to.
//!
//! On a shared machine, an optional token ([`AdminGuard::token`], `serve --admin-token`) is also
//! required, in the `x-admin-token` header or as `Authorization: Bearer TOKEN`.
//!
//! Every refusal, here and in the admin handlers, is `{"code": "...", "message": "..."}`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The header that carries the admin token.
pub const TOKEN_HEADER: &str = "x-admin-token";

/// Longest excerpt of client input an error message repeats, in characters.
pub const EXCERPT_CHARS: usize = 64;

/// A short excerpt of client input for an error message: at most [`EXCERPT_CHARS`] characters,
/// cut on a character boundary, with the full length named when cut.
pub fn excerpt(input: &str) -> String {
    let mut chars = input.char_indices();
    match chars.nth(EXCERPT_CHARS) {
        None => input.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &input[..cut], input.len()),
    }
}

/// Longest message an error page or body carries, in bytes.
pub const MAX_MESSAGE: usize = 1024;

/// `message` cut to [`MAX_MESSAGE`] bytes on a character boundary (error texts quote input).
pub fn bounded_message(message: &str) -> std::borrow::Cow<'_, str> {
    if message.len() <= MAX_MESSAGE {
        return message.into();
    }
    let mut cut = MAX_MESSAGE;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes in all)", &message[..cut], message.len()).into()
}

/// An admin API error: its HTTP status, a stable machine-readable code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code (`bad-json`, `unknown-user`, `forbidden-host`…).
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl AdminError {
    /// A 400 with `code` and `message`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }
}

/// An admin request `body` parsed as JSON, or a 400 `bad-json` that shows the `shape` the
/// endpoint expects and an excerpt of the parser's complaint.
pub fn json_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    shape: &str,
) -> Result<T, AdminError> {
    serde_json::from_slice(body).map_err(|e| {
        AdminError::bad_request(
            "bad-json",
            format!("body must be JSON {shape}: {}", excerpt(&e.to_string())),
        )
    })
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(
                serde_json::json!({ "code": self.code, "message": bounded_message(&self.message) }),
            ),
        )
            .into_response()
    }
}

/// How the admin API is guarded.
#[derive(Debug, Clone)]
pub struct AdminGuard {
    /// The address the server is bound to (its IP is an accepted `Host`).
    pub bound: SocketAddr,
    /// The token every admin request must carry, when set.
    pub token: Option<String>,
}

/// The middleware: checks every request under `/admin` (other paths pass untouched).
pub async fn guard(State(g): State<Arc<AdminGuard>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path != "/admin" && !path.starts_with("/admin/") {
        return next.run(req).await;
    }
    match check(&g, req.method(), path, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// The checks of [`guard`], as a function of the request head.
pub fn check(
    g: &AdminGuard,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<(), AdminError> {
    let text = |name: header::HeaderName| {
        headers
            .get(&name)
            .map(|v| v.to_str().map_err(|_| name.clone()))
            .transpose()
    };
    let forbidden = |code: &'static str, message: String| AdminError {
        status: StatusCode::FORBIDDEN,
        code,
        message,
    };
    let host = text(header::HOST)
        .map_err(|_| AdminError::bad_request("bad-host", "the Host header is not ASCII"))?
        .ok_or_else(|| {
            AdminError::bad_request("missing-host", "the admin API needs a Host header")
        })?;
    if !allowed_authority(host, g.bound) {
        return Err(forbidden(
            "forbidden-host",
            format!(
                "Host {:?} is not a loopback name nor {}: the admin API answers only requests addressed to this machine (DNS rebinding protection)",
                excerpt(host),
                g.bound
            ),
        ));
    }
    match text(header::ORIGIN) {
        Err(_) => {
            return Err(forbidden(
                "forbidden-origin",
                "the Origin header is not ASCII".into(),
            ))
        }
        Ok(Some(origin)) if !same_machine_origin(origin, g.bound) => {
            return Err(forbidden(
                "forbidden-origin",
                format!(
                    "Origin {:?} is a foreign web page: the admin API refuses cross-site requests",
                    excerpt(origin)
                ),
            ))
        }
        Ok(_) => {}
    }
    if let Some(expected) = &g.token {
        let bearer = text(header::AUTHORIZATION)
            .ok()
            .flatten()
            .and_then(|a| a.strip_prefix("Bearer "));
        let given = headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .or(bearer);
        if !given.is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes())) {
            return Err(AdminError {
                status: StatusCode::UNAUTHORIZED,
                code: "unauthorized",
                message: format!(
                    "this admin API needs its token: send it in the {TOKEN_HEADER} header or as Authorization: Bearer TOKEN"
                ),
            });
        }
    }
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        let xml_body = path == "/admin/sp-metadata";
        let ct = text(header::CONTENT_TYPE).ok().flatten().unwrap_or("");
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let ok = if xml_body {
            matches!(
                essence.as_str(),
                "application/xml" | "text/xml" | "application/samlmetadata+xml"
            )
        } else {
            essence == "application/json" || essence.ends_with("+json")
        };
        if !ok {
            let wanted = if xml_body {
                "application/xml (or application/samlmetadata+xml)"
            } else {
                "application/json"
            };
            return Err(AdminError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "unsupported-media-type",
                message: format!(
                    "Content-Type {:?} refused: send the body as {wanted}",
                    excerpt(ct)
                ),
            });
        }
    }
    Ok(())
}

/// Whether `authority` (`host[:port]`) names this machine: a loopback IP, `localhost` (or a name
/// under `.localhost`, RFC 6761 §6.3), or the bound IP.
fn allowed_authority(authority: &str, bound: SocketAddr) -> bool {
    let host = host_of(authority);
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == bound.ip(),
        Err(_) => false,
    }
}

/// The host part of `host[:port]` or `[v6]:port`.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// Whether an `Origin` (`scheme://host[:port]`) is a page of this machine.
fn same_machine_origin(origin: &str, bound: SocketAddr) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    !rest.contains('/') && allowed_authority(rest, bound)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn g(token: Option<&str>) -> AdminGuard {
        AdminGuard {
            bound: "127.0.0.1:7000".parse().unwrap(),
            token: token.map(str::to_string),
        }
    }

    fn heads(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn a_body_that_is_not_the_json_shape_is_a_bad_json_400_naming_the_shape() {
        #[derive(Debug, serde::Deserialize)]
        struct Body {
            n: u8,
        }
        let b: Body = json_body(br#"{"n": 7}"#, "{\"n\": 0..255}").unwrap();
        assert_eq!(b.n, 7);
        let e = json_body::<Body>(b"{\"n\": ", "{\"n\": 0..255}").unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, "bad-json"));
        assert!(
            e.message
                .starts_with("body must be JSON {\"n\": 0..255}: EOF while parsing"),
            "{}",
            e.message
        );
    }

    #[test]
    fn excerpt_cuts_on_a_char_boundary_and_names_the_length() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(1000);
        let e = excerpt(&long);
        assert!(e.starts_with(&"é".repeat(EXCERPT_CHARS)));
        assert!(e.ends_with("(2000 bytes in all)"), "{e}");
    }

    #[test]
    fn hosts_and_origins() {
        let bound: SocketAddr = "127.0.0.1:7000".parse().unwrap();
        for ok in [
            "127.0.0.1:7000",
            "localhost",
            "LOCALHOST.:80",
            "[::1]:7000",
            "127.0.0.2",
            "app.localhost",
        ] {
            assert!(allowed_authority(ok, bound), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:7000",
            "10.0.0.1",
            "localhost.evil.example",
            "",
        ] {
            assert!(!allowed_authority(bad, bound), "{bad}");
        }
        assert!(same_machine_origin("http://127.0.0.1:7000", bound));
        assert!(!same_machine_origin("null", bound));
        assert!(!same_machine_origin("https://evil.example", bound));
        assert!(!same_machine_origin("http://127.0.0.1.evil.example", bound));
    }

    #[test]
    fn a_body_needs_its_content_type_and_the_token_its_header() {
        let json = [
            ("host", "127.0.0.1:7000"),
            ("content-type", "application/json"),
        ];
        assert!(check(&g(None), &Method::POST, "/admin/next-login", &heads(&json)).is_ok());
        let plain = [("host", "127.0.0.1:7000"), ("content-type", "text/plain")];
        let e = check(&g(None), &Method::POST, "/admin/next-login", &heads(&plain)).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // With a token set, a GET needs it (in its header or as a bearer token).
        let guarded = |path: &str, h: &[(&'static str, &str)]| {
            check(&g(Some("s3cret")), &Method::GET, path, &heads(h))
        };
        let e = guarded("/admin/requests", &json).unwrap_err();
        assert_eq!(e.code, "unauthorized");
        let with = [("host", "localhost"), (TOKEN_HEADER, "s3cret")];
        assert!(guarded("/admin/requests", &with).is_ok());
        let bearer = [("host", "localhost"), ("authorization", "Bearer s3cret")];
        assert!(guarded("/admin/urls", &bearer).is_ok());
        let wrong = [("host", "localhost"), ("authorization", "Bearer s3creT")];
        assert!(guarded("/admin/urls", &wrong).is_err());
    }
}
