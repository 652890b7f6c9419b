//! The local OpenID Federation over HTTP: the entities' configurations and endpoints with their
//! media types and error codes, on-boarding an external RP served on its own loopback port
//! (fetched with timeouts), and snapshots of the anchor's and the intermediate's configurations.

use std::sync::{Arc, Mutex};

use mock_idps::clock::SimClock;
use mock_idps::federation::{FederationConfig, MockFederation};
use mock_idps::fixtures::FixtureSource;
use mock_idps::oidc::federation::routes::OidcFederationUrls;
use mock_idps::oidc::federation::testing::rp_metadata;
use mock_idps::oidc::federation::{DecodedStatement, EntityStatement, TrustMarkRef};
use mock_idps::oidc::jose::{jws, Jwks, JwsAlg};
use mock_idps::oidc::keys::{self, KeyRole};
use serde_json::{json, Value};
use time::macros::datetime;

async fn start() -> MockFederation {
    MockFederation::start_with(FederationConfig {
        clock: Some(Arc::new(SimClock::new(datetime!(2026-06-01 10:00 UTC)))),
        ..FederationConfig::default()
    })
    .await
    .unwrap()
}

async fn get(url: &str) -> (u16, String, String) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ctype, r.text().await.unwrap())
}

/// The decoded header and payload with ports, keys, kids and instants redacted.
fn decoded(jwt: &str, base: &str) -> Value {
    let st = jws::decode_unverified(jwt).unwrap();
    let text = json!({"header": st.header, "payload": st.claims::<Value>().unwrap()})
        .to_string()
        .replace(base, "[base]");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match k.as_str() {
                        "n" | "x" | "y" | "kid" | "iat" | "exp" => *x = Value::from("[redacted]"),
                        _ => walk(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

#[tokio::test]
async fn entity_configurations_are_served_signed_with_their_media_type() {
    let fed = start().await;
    let urls = fed.urls().oidc_federation.unwrap();
    let base = fed.urls().base;
    let (status, ctype, ta_jwt) = get(&urls.trust_anchor_configuration).await;
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/entity-statement+jwt")
    );
    let ta = DecodedStatement::decode(&ta_jwt).unwrap();
    ta.verify_with(&fed.oidc_federation().trust_anchor_jwks())
        .unwrap();
    assert_eq!(ta.claims.iss, urls.trust_anchor);
    insta::assert_json_snapshot!("oidc_trust_anchor_configuration", decoded(&ta_jwt, &base));
    let (status, _, im_jwt) = get(&format!(
        "{}/.well-known/openid-federation",
        urls.intermediate
    ))
    .await;
    assert_eq!(status, 200);
    insta::assert_json_snapshot!("oidc_intermediate_configuration", decoded(&im_jwt, &base));
    // The anchor's statement about the intermediate verifies with the anchor's keys and vouches
    // for the intermediate's.
    let (status, ctype, es) = get(&format!(
        "{}?sub={}",
        urls.fetch,
        form_urlencoded::byte_serialize(urls.intermediate.as_bytes()).collect::<String>()
    ))
    .await;
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/entity-statement+jwt")
    );
    let es = DecodedStatement::decode(&es).unwrap();
    es.verify_with(&ta.claims.jwks).unwrap();
    DecodedStatement::decode(&im_jwt)
        .unwrap()
        .verify_with(&es.claims.jwks)
        .unwrap();
    let (status, ctype, list) = get(&urls.list).await;
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    let list: Vec<String> = serde_json::from_str(&list).unwrap();
    assert!(list.contains(&urls.intermediate) && list.contains(&urls.trust_mark_issuer));
}

#[rstest::rstest]
#[case::fetch_without_sub("/oidc/fed/ta/fetch", 400, "invalid_request")]
#[case::fetch_unknown_sub(
    "/oidc/fed/ta/fetch?sub=https%3A%2F%2Fnobody.example",
    404,
    "not_found"
)]
#[case::unknown_entity("/oidc/fed/nobody/.well-known/openid-federation", 404, "not_found")]
#[case::tmi_has_no_fetch("/oidc/fed/tmi/fetch?sub=x", 404, "not_found")]
#[case::resolve_without_params("/oidc/fed/ta/resolve", 400, "invalid_request")]
#[case::resolve_unknown_leaf(
    "/oidc/fed/ta/resolve?sub=BASE%2Fnobody&trust_anchor=TA",
    401,
    "invalid_client"
)]
#[case::resolve_never_fetches_strangers(
    "/oidc/fed/ta/resolve?sub=http%3A%2F%2F127.0.0.1%3A9&trust_anchor=TA",
    401,
    "invalid_client"
)]
#[case::resolve_unknown_anchor(
    "/oidc/fed/ta/resolve?sub=BASE&trust_anchor=https%3A%2F%2Fta.example",
    400,
    "invalid_request"
)]
#[case::resolve_on_intermediate(
    "/oidc/fed/intermediate/resolve?sub=a&trust_anchor=b",
    404,
    "not_found"
)]
#[case::status_without_params("/oidc/fed/tmi/trust_mark_status", 400, "invalid_request")]
#[case::trust_mark_without_sub("/oidc/fed/tmi/trust_mark", 400, "invalid_request")]
#[case::trust_mark_of_a_stranger(
    "/oidc/fed/tmi/trust_mark?sub=https%3A%2F%2Fnobody.example",
    404,
    "not_found"
)]
#[tokio::test]
async fn endpoint_errors_carry_the_federation_code_and_status(
    #[case] path: &str,
    #[case] status: u16,
    #[case] code: &str,
) {
    let fed = start().await;
    let ta = fed.oidc_federation().trust_anchor_id().to_owned();
    let enc: String = form_urlencoded::byte_serialize(ta.as_bytes()).collect();
    let base = fed.urls().base;
    let enc_base: String = form_urlencoded::byte_serialize(base.as_bytes()).collect();
    let path = path
        .replace("=TA", &format!("={enc}"))
        .replace("=BASE", &format!("={enc_base}"));
    let url = format!("{base}{path}");
    let (got, ctype, body) = get(&url).await;
    assert_eq!(got, status, "{body}");
    assert_eq!(ctype, "application/json");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(!body["error_description"].as_str().unwrap().is_empty());
}

/// An RP outside the mocks: its own server on a loopback port serving its entity configuration.
struct ExternalRp {
    entity_id: String,
    marks: Arc<Mutex<Vec<TrustMarkRef>>>,
    _task: tokio::task::JoinHandle<()>,
}

async fn external_rp(authority_hint: String, content_type: &'static str) -> ExternalRp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let entity_id = format!("http://{}", listener.local_addr().unwrap());
    let fkey = keys::load(&FixtureSource::Embedded, "test-rp-3", KeyRole::Federation).unwrap();
    let skey = keys::load(&FixtureSource::Embedded, "test-rp-3", KeyRole::Signing).unwrap();
    let ekey = keys::load(&FixtureSource::Embedded, "test-rp-3", KeyRole::Encryption).unwrap();
    let marks: Arc<Mutex<Vec<TrustMarkRef>>> = Arc::default();
    let (id, m) = (entity_id.clone(), marks.clone());
    let handler = move || {
        let (id, m, fkey) = (id.clone(), m.clone(), fkey.clone());
        let metadata = rp_metadata(&id, &skey, &ekey);
        async move {
            // The mocks run on a simulated clock at 2026-06-01 10:00: issue around it.
            let iat = datetime!(2026-06-01 09:59 UTC).unix_timestamp();
            let mut st = EntityStatement::new(
                &id,
                &id,
                iat,
                iat + 86_400,
                Jwks::new(vec![fkey.public_jwk().clone()]),
            );
            st.authority_hints = Some(vec![authority_hint.clone()]);
            st.metadata = Some(metadata);
            let marks = m.lock().unwrap().clone();
            if !marks.is_empty() {
                st.trust_marks = Some(marks);
            }
            ([("content-type", content_type)], st.sign(&fkey).unwrap())
        }
    };
    let app = axum::Router::new().route(
        "/.well-known/openid-federation",
        axum::routing::get(handler),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    ExternalRp {
        entity_id,
        marks,
        _task: task,
    }
}

/// An external RP below the trust anchor, on-boarded by its entity id; its on-boarding report.
async fn onboarded(fed: &MockFederation) -> (ExternalRp, Value) {
    let anchor = fed.urls().oidc_federation.unwrap().trust_anchor;
    let rp = external_rp(anchor, "application/entity-statement+jwt").await;
    let (status, report) = onboard(fed, json!({"entity_id": rp.entity_id})).await;
    assert_eq!(status, 201, "{report}");
    (rp, report)
}

/// The resolve endpoint asked for `sub`'s chain to the trust anchor.
fn resolve_url(urls: &OidcFederationUrls, sub: &str) -> String {
    let q = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let ta = q(&urls.trust_anchor);
    format!("{}?sub={}&trust_anchor={ta}", urls.resolve, q(sub))
}

async fn onboard(fed: &MockFederation, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(fed.urls().oidc_federation.unwrap().onboard)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn an_external_rp_is_onboarded_by_entity_id_and_resolves() {
    let fed = start().await;
    let urls = fed.urls().oidc_federation.unwrap();
    let (rp, report) = onboarded(&fed).await;
    assert_eq!(report["warnings"], json!([]));
    let marks: Vec<TrustMarkRef> = serde_json::from_value(report["trust_marks"].clone()).unwrap();
    assert_eq!(marks.len(), 1);
    *rp.marks.lock().unwrap() = marks;
    let url = resolve_url(&urls, &rp.entity_id) + "&entity_type=openid_relying_party";
    let (status, ctype, body) = get(&url).await;
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/resolve-response+jwt"),
        "{body}"
    );
    let v = jws::verify(
        &body,
        &fed.oidc_federation().trust_anchor_jwks(),
        &[JwsAlg::RS256],
    )
    .unwrap();
    let claims: Value = v.claims().unwrap();
    assert_eq!(
        claims["metadata"]["openid_relying_party"]["client_id"],
        rp.entity_id.as_str()
    );
    assert_eq!(claims["trust_marks"].as_array().unwrap().len(), 1);
    // The admin list shows it, and the status endpoint says its mark is active.
    let (_, _, listed) = get(&format!("{}/admin/oidc/rps", fed.urls().base)).await;
    assert!(listed.contains(&rp.entity_id));
    let r = reqwest::Client::new()
        .post(&urls.trust_mark_status)
        .form(&[(
            "trust_mark",
            claims["trust_marks"][0]["trust_mark"].as_str().unwrap(),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"active": true}));
}

#[tokio::test]
async fn onboarding_refusals_name_the_problem() {
    let fed = start().await;
    let urls = fed.urls().oidc_federation.unwrap();
    for (request, refusal) in [
        (json!({"entity": "x"}), (400, "bad-json")),
        (json!({"entity_id": "ftp://x"}), (400, "bad-entity-id")),
        (
            json!({"entity_id": "http://127.0.0.1:9", "trust_mark": "shiny"}),
            (400, "bad-trust-mark"),
        ),
        // Nothing listens on port 9 (discard is not served on loopback): unreachable.
        (
            json!({"entity_id": "http://127.0.0.1:9"}),
            (502, "rp-unreachable"),
        ),
    ] {
        let (status, body) = onboard(&fed, request).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (refusal.0, Some(refusal.1)),
            "{body}"
        );
    }
    // The wrong media type is refused, as the federation requires it.
    let rp = external_rp(urls.trust_anchor.clone(), "application/json").await;
    let (status, body) = onboard(&fed, json!({"entity_id": rp.entity_id})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("bad-entity-configuration")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("Content-Type"),
        "{body}"
    );
    // An RP naming another superior is registered with a warning.
    let rp = external_rp(
        "https://elsewhere.example".into(),
        "application/entity-statement+jwt",
    )
    .await;
    let (status, body) = onboard(&fed, json!({"entity_id": rp.entity_id})).await;
    assert_eq!(status, 201);
    assert!(
        body["warnings"][0]
            .as_str()
            .unwrap()
            .contains("authority_hints"),
        "{body}"
    );
}

#[tokio::test]
async fn an_onboarded_rp_that_goes_away_is_temporarily_unavailable_and_admin_needs_the_token() {
    let fed = MockFederation::start_with(FederationConfig {
        clock: Some(Arc::new(SimClock::new(datetime!(2026-06-01 10:00 UTC)))),
        admin_token: Some("s3cret".into()),
        ..FederationConfig::default()
    })
    .await
    .unwrap();
    let urls = fed.urls().oidc_federation.unwrap();
    let rp = external_rp(
        urls.trust_anchor.clone(),
        "application/entity-statement+jwt",
    )
    .await;
    let body = json!({"entity_id": rp.entity_id});
    let r = reqwest::Client::new()
        .post(&urls.onboard)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = reqwest::Client::new()
        .post(&urls.onboard)
        .bearer_auth("s3cret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    rp._task.abort();
    let _ = rp._task.await;
    let (status, _, body) = get(&resolve_url(&urls, &rp.entity_id)).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("temporarily_unavailable"), "{body}");
}

#[tokio::test]
async fn the_trust_mark_naming_is_switched_over_the_admin_api() {
    let fed = start().await;
    let naming_url = format!("{}/admin/oidc/trust-mark-naming", fed.urls().base);
    let client = reqwest::Client::new();
    for (naming, member) in [("trust_mark_type", "trust_mark_type"), ("id", "id")] {
        let r = client
            .post(&naming_url)
            .json(&json!({ "naming": naming }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 204);
        let (_rp, report) = onboarded(&fed).await;
        let entry = &report["trust_marks"][0];
        assert!(entry.get(member).is_some(), "{report}");
        let jwt = entry["trust_mark"].as_str().unwrap();
        let claims: Value = jws::decode_unverified(jwt).unwrap().claims().unwrap();
        assert!(claims.get(member).is_some(), "{claims}");
    }
    let r = client
        .post(&naming_url)
        .json(&json!({ "naming": "tmt" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn the_trust_mark_endpoint_serves_the_mark_issued_to_an_onboarded_rp() {
    let fed = start().await;
    let urls = fed.urls().oidc_federation.unwrap();
    let id = format!("{}/rp/tm", fed.urls().base);
    let onboarded = mock_idps::oidc::federation::testing::onboard_rp(
        fed.oidc_federation(),
        &FixtureSource::Embedded,
        "test-rp",
        &id,
        None,
        mock_idps::oidc::federation::testing::RpSetup::valid(),
    )
    .await
    .unwrap();
    let issued = &onboarded.report.trust_marks[0];
    let sub: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let tmt: String = form_urlencoded::byte_serialize(issued.trust_mark_type.as_bytes()).collect();
    let endpoint = format!("{}/trust_mark", urls.trust_mark_issuer);
    let (status, ctype, body) = get(&format!("{endpoint}?sub={sub}&trust_mark_type={tmt}")).await;
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/trust-mark+jwt")
    );
    assert_eq!(body, issued.trust_mark);
    // Another type than the one issued: none.
    let (status, _, _) = get(&format!(
        "{endpoint}?sub={sub}&trust_mark_type=https%3A%2F%2Fother"
    ))
    .await;
    assert_eq!(status, 404);
}
