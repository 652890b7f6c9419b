//! What the `reference-rp` binary runs (`reference_rp::app::start`, the function `main` calls):
//! it on-boards itself to the local federation over `POST /admin/oidc/rps`, publishes the
//! anchor in `authority_hints` and the trust mark it was issued, and a browser then logs in
//! through an OP that knows the RP only by resolving its trust chain (no hand registration).

use crate::support::USER;
use mock_idps::oidc::jose::jws;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use mock_idps::MockFederation;
use reference_rp::app::{start, AppConfig, AppError};
use reference_rp::Faults;
use serde_json::Value;
use std::sync::Arc;

fn config(fed: &MockFederation) -> AppConfig {
    AppConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        urls: fed.urls(),
        faults: Faults::none(),
        admin_token: None,
        clock: Arc::new(mock_idps::SystemClock),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_binary_onboards_itself_and_logs_in_through_the_federation() {
    let fed = MockFederation::start().await.expect("mocks");
    let fed_urls = fed.urls().oidc_federation.expect("federation");
    let rp = start(config(&fed)).await.expect("the RP starts");
    let base = rp.base_url();
    assert!(rp.warnings.is_empty(), "{:?}", rp.warnings);
    assert_eq!(rp.trust_marks.len(), 1);
    assert_eq!(
        rp.trust_marks[0].trust_mark_type,
        fed_urls.rp_trust_mark_type
    );

    // The federation lists it below the anchor, and its entity configuration says so.
    let subs = fed.oidc_federation().subordinates_summary();
    let me = subs
        .iter()
        .find(|s| s["entity_id"] == base.as_str())
        .unwrap_or_else(|| panic!("{base} registered: {subs:?}"));
    assert_eq!(me["superior"], fed_urls.trust_anchor.as_str());
    let http = client();
    let ec = http
        .get(format!("{base}/.well-known/openid-federation"))
        .send()
        .await
        .expect("entity configuration")
        .text()
        .await
        .expect("body");
    let claims: Value = jws::decode_unverified(&ec)
        .expect("JWS")
        .claims()
        .expect("claims");
    assert_eq!(claims["authority_hints"][0], fed_urls.trust_anchor.as_str());
    assert_eq!(
        claims["trust_marks"][0]["trust_mark"],
        rp.trust_marks[0].trust_mark.as_str()
    );

    // A login as a browser: the RP's login page, the OP, the callback, the protected page.
    for (op, level) in [("poste", Level::L2), ("cie", Level::L3)] {
        let r = http
            .get(format!(
                "{base}/oidc/login?op={op}&level={}",
                level.number()
            ))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status().as_u16(), 303, "{op}");
        let to_op = location(&r);
        fed.script_next_login(ScriptedLogin {
            provider: Some(op.into()),
            user: USER.into(),
            level: None,
            outcome: Outcome::Success,
        })
        .expect("script");
        let r = http.get(&to_op).send().await.expect("authorization");
        let status = r.status().as_u16();
        let back = location(&r);
        assert_eq!(
            status,
            303,
            "{op}: the OP resolved the RP's chain: {}",
            r.text().await.unwrap_or_default()
        );
        assert!(
            back.starts_with(&format!("{base}/oidc/callback?")),
            "{back}"
        );
        let r = http.get(&back).send().await.expect("callback");
        assert_eq!(r.status().as_u16(), 303, "{op}: {}", location(&r));
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_string();
        let page = http
            .get(format!("{base}/me"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("me");
        assert_eq!(page.status().as_u16(), 200, "{op}");
        let html = page.text().await.expect("html");
        assert!(html.contains("Francesca"), "{op}: {html}");
    }
    rp.shutdown().await;
}

#[tokio::test]
async fn the_binary_stops_when_the_federation_refuses_it() {
    let fed = MockFederation::start_with(mock_idps::federation::FederationConfig {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await
    .expect("mocks");
    match start(config(&fed)).await {
        Err(AppError::Onboard { status, .. }) => assert_eq!(status, 401),
        other => panic!("expected an on-boarding refusal: {other:?}"),
    }
    let mut with_token = config(&fed);
    with_token.admin_token = Some("s3cret".into());
    let rp = start(with_token)
        .await
        .expect("with the token it on-boards");
    assert_eq!(rp.trust_marks.len(), 1);
    rp.shutdown().await;
}
