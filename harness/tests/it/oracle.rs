//! The oracle against two fake services: one that answers a refused login with a friendly 200
//! page, one that logs in with a redirect and a session cookie.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use harness::browser::{Browser, IdpScript};
use harness::oracle::{judge, OracleConfig};
use std::time::Duration;

const AUTO_POST: &str = r#"<html><body onload="document.forms[0].submit()"><form method="post" action="/acs">
<input type="hidden" name="SAMLResponse" value="PHNhbWxwOlJlc3BvbnNlLz4="><input type="hidden" name="RelayState" value="r1"></form></body></html>"#;

async fn fake_sp(logs_in: bool) -> String {
    let app = Router::new()
        .route("/start", get(|| async { Html(AUTO_POST) }))
        .route(
            "/acs",
            post(move || async move {
                if logs_in {
                    (StatusCode::SEE_OTHER, [(header::LOCATION, "/home"), (header::SET_COOKIE, "session=abc; Path=/; HttpOnly")]).into_response()
                } else {
                    Html("<h1>Spiacenti</h1><p>Non è stato possibile completare l'accesso. Riprova.</p>").into_response()
                }
            }),
        )
        .route(
            "/home",
            get(|req: Request| async move {
                let has = req.headers().get(header::COOKIE).and_then(|c| c.to_str().ok()).is_some_and(|c| c.contains("session=abc"));
                let r: Response = if has { Html("Benvenuto").into_response() } else { StatusCode::UNAUTHORIZED.into_response() };
                r
            }),
        );
    test_support::serve(app).await
}

async fn verdict(logs_in: bool, config: &OracleConfig) -> bool {
    let base = fake_sp(logs_in).await;
    let browser = Browser::new(Duration::from_secs(5)).unwrap();
    let mut trace = browser
        .drive(&format!("{base}/start"), &IdpScript::default())
        .await
        .unwrap();
    let config = OracleConfig {
        probe_url: config.probe_url.as_ref().map(|p| format!("{base}{p}")),
        ..config.clone()
    };
    judge(&config, &browser, &mut trace).await.accepted
}

#[tokio::test]
async fn a_friendly_200_error_page_is_not_a_login() {
    assert!(!verdict(false, &OracleConfig::default()).await);
    assert!(verdict(true, &OracleConfig::default()).await);
}

#[tokio::test]
async fn the_probe_decides_when_configured() {
    let probe = OracleConfig {
        probe_url: Some("/home".into()),
        ..OracleConfig::default()
    };
    assert!(!verdict(false, &probe).await);
    assert!(verdict(true, &probe).await);
}

#[tokio::test]
async fn explicit_rules() {
    let status_only = OracleConfig {
        final_status: Some(vec![200]),
        ..OracleConfig::default()
    };
    // Status 200 alone cannot tell the two apart: both end on a 200 page.
    assert!(verdict(false, &status_only).await);
    assert!(verdict(true, &status_only).await);
    let cookie = OracleConfig {
        cookie: Some("session".into()),
        ..OracleConfig::default()
    };
    assert!(!verdict(false, &cookie).await);
    assert!(verdict(true, &cookie).await);
}
