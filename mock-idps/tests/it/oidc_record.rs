//! The OPs' request record: what an RP sent reaches it as sent (method, content type,
//! parameters in order with repeats), with the OP's answer and, for a refusal, its error.

use mock_idps::oidc::op::record::{Endpoint, Method};
use mock_idps::MockFederation;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_and_authorization_requests_are_recorded_as_sent_with_the_refusal() {
    let fed = MockFederation::start().await.expect("federation");
    let op = fed.urls().oidc.get("poste").expect("poste").clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mark = fed.oidc_request_mark();
    let r = http
        .post(&op.token)
        .header("content-type", "application/json")
        .body(r#"{"grant_type":"authorization_code"}"#)
        .send()
        .await
        .expect("token");
    assert_eq!(r.status().as_u16(), 400);
    let body = r.text().await.expect("body");
    assert!(body.contains("invalid_request"), "{body}");
    let r = http
        .get(format!("{}?scope=openid&scope=again", op.authorization))
        .send()
        .await
        .expect("authorization");
    assert_eq!(r.status().as_u16(), 400);
    let seen = fed.oidc_requests_since(mark);
    assert_eq!(seen.len(), 2, "{seen:?}");
    let token = &seen[0];
    assert_eq!(
        (token.endpoint, token.method, token.status),
        (Endpoint::Token, Method::Post, 400)
    );
    assert_eq!(token.content_type.as_deref(), Some("application/json"));
    assert!(
        token
            .refusal
            .as_deref()
            .is_some_and(|r| r.starts_with("invalid_request: ")),
        "{token:?}"
    );
    let authz = &seen[1];
    assert_eq!(
        (authz.endpoint, authz.method),
        (Endpoint::Authorization, Method::Get)
    );
    assert_eq!(authz.count("scope"), 2, "repeats are kept");
    assert!(authz.refusal.is_some());
    assert!(seen[0].seq < seen[1].seq);
    assert!(fed.oidc_requests_since(fed.oidc_request_mark()).is_empty());
    fed.shutdown().await;
}
