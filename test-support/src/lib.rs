//! What the integration tests of several crates of this workspace share (a dev-dependency only,
//! never published):
//!
//! - [`serve`]: a router on an ephemeral loopback port, for tests that need a real peer;
//! - [`call`]: one request through a router in-process (`tower::ServiceExt::oneshot`), for
//!   tests of a handler that need no socket;
//! - [`free_port`]: a loopback port nothing listens on (a peer that is down);
//! - [`browser`]: an HTTP client that keeps cookies and does not follow redirects;
//! - [`fetch_text`], [`fetch_json`]: the body of a `GET` over a real socket;
//! - [`send`]: any request over a real socket, its status, headers and body as an [`Answer`];
//! - [`form_value`], [`form_action`], [`between`]: reading the HTML forms the services write.
//!
//! Helpers here panic on failure: they are for tests, where a panic is the failure report.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use axum::{routing::get, Router};
//! let app = Router::new().route("/", get(|| async { "<input name=\"t\" value=\"a&amp;b\">" }));
//! let answer = test_support::call(&app, test_support::get("/")).await;
//! assert_eq!(answer.status, 200);
//! assert_eq!(test_support::form_value(&answer.body, "t").as_deref(), Some("a&b"));
//! # }
//! ```

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

/// Serves `app` on `127.0.0.1` at an ephemeral port until the test's runtime ends; its base
/// URL, `http://127.0.0.1:PORT`.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding an ephemeral loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A loopback port that nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// An HTTP client as a browser that the test steps by hand: cookies kept, no redirects followed.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building the HTTP client")
}

/// The body of `GET url` sent with `client`, as text (whatever the status).
pub async fn fetch_text(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("sending the GET")
        .text()
        .await
        .expect("reading the body")
}

/// The body of `GET url` sent with `client`, read as JSON (whatever the status).
pub async fn fetch_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: impl reqwest::IntoUrl,
) -> T {
    client
        .get(url)
        .send()
        .await
        .expect("sending the GET")
        .json()
        .await
        .expect("reading the body as JSON")
}

/// Sends `request` over a real socket and reads the whole answer (whatever the status).
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let resp = request.send().await.expect("sending the request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text().await.expect("reading the body");
    Answer {
        status,
        headers,
        body,
    }
}

/// What a router answered to [`call`], or a server to [`send`].
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as text (lossy UTF-8; at most 16 MiB are read).
    pub body: String,
}

/// Sends `request` through `app` in-process, without a socket.
pub async fn call(app: &Router, request: Request<Body>) -> Answer {
    let resp = app
        .clone()
        .oneshot(request)
        .await
        .expect("a router never fails");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
        .await
        .expect("reading the body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A `GET uri` request for [`call`].
pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .body(Body::empty())
        .expect("a valid request")
}

/// A `POST uri` request with a form body for [`call`].
pub fn post_form(uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("a valid request")
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The text between the first `start` in `s` and the next `end` after it.
pub fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let to = s[from..].find(end)? + from;
    Some(s[from..to].to_string())
}

/// The value of the input named `name` (`name="…" value="…"`), unescaped.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    between(html, &format!("name=\"{name}\" value=\""), "\"").map(|v| unescape(&v))
}

/// The `action` of the first form, unescaped.
pub fn form_action(html: &str) -> Option<String> {
    between(html, "action=\"", "\"").map(|v| unescape(&v))
}

/// HTML's five escapes undone (`&amp;` last).
pub fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_served_router_and_a_called_one_answer_alike() {
        use axum::routing::{get as route_get, post};
        let app = Router::new()
            .route(
                "/",
                route_get(|| async { "<form action=\"/a?x=1&amp;y=2\">" }),
            )
            .route("/f", post(|body: String| async move { body }));
        let base = serve(app.clone()).await;
        let served = fetch_text(&reqwest::Client::new(), &base).await;
        let called = call(&app, get("/")).await;
        assert_eq!(called.status, StatusCode::OK);
        assert_eq!(served, called.body);
        assert_eq!(form_action(&served).as_deref(), Some("/a?x=1&y=2"));
        let echoed = call(&app, post_form("/f", &[("a b", "c&d")])).await;
        assert_eq!(echoed.body, "a%20b=c%26d");
        let down = format!("http://127.0.0.1:{}/", free_port());
        assert!(reqwest::get(down).await.is_err());
    }
}
