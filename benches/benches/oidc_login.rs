//! The OP's share of one OIDC login, in-process and without HTTP: the authorization endpoint
//! (automatic registration from the cache, request-object signature, the profile's rules, the
//! shared login path in auto-login mode, the code), the token endpoint (client assertion,
//! PKCE, at+jwt access token, ID token; CIE: signed then encrypted) and userinfo (JWS in JWE).
//! What the RP signs (request object, client assertion) is made in the untimed setup.
//! Target: ≤ 3 ms of CPU per login (issue #16).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mock_idps::oidc::jose::{jws, JwsAlg};
use mock_idps::oidc::op::{authorization, token, userinfo};
use mock_idps::spid::level::Level;
use mock_idps::spid::login::Answer;
use reference_rp::keys::RpKeys;
use reference_rp::rp::{alnum, JWT_BEARER};
use reference_rp::{Faults, ReferenceRp, RpConfig};
use serde_json::json;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

const CLIENT: &str = "https://rp.example.it";
const VERIFIER: &str = "bench-verifier-0000000000000000000000000000000";

/// The mocks, with the reference RP registered at the OPs and on-boarded; `app`: its keys.
type World = benches::World<RpKeys>;

fn world() -> World {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    World::start(rt, async |fed| {
        let keys = RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp")
            .expect("keys");
        let rp = ReferenceRp::new(
            RpConfig {
                client_id: CLIENT.into(),
                organization_name: "bench".into(),
                faults: Faults::none(),
                clock: Arc::new(mock_idps::SystemClock),
                offline_access: false,
                trust_anchor: reference_rp::app::trust_anchor_of(&fed.urls()).expect("anchor"),
            },
            keys.clone(),
        )
        .expect("rp");
        fed.register_oidc_rp(rp.registration().expect("md"))
            .expect("register");
        fed.set_auto_login("francesca.romano".parse().expect("spec"))
            .expect("auto-login");
        keys
    })
}

/// What the RP prepares for one login: the authorization parameters and a client assertion.
fn prepared(w: &World, op: &str) -> (Vec<(String, String)>, String) {
    let app = w.fed.oidc_op();
    let o = app.ops.op(op).expect("op");
    let now = w.fed.state().clock.now().unix_timestamp();
    let scope = if o.profile.name == "cie" {
        "openid profile email"
    } else {
        "openid"
    };
    let challenge = token::s256(VERIFIER);
    let object = json!({
        "iss": CLIENT, "aud": o.issuer, "client_id": CLIENT, "response_type": "code",
        "scope": scope, "code_challenge": challenge, "code_challenge_method": "S256",
        "nonce": alnum(40), "state": alnum(40), "prompt": "consent login",
        "redirect_uri": format!("{CLIENT}/oidc/callback"), "acr_values": Level::L2.uri(),
        "iat": now, "exp": now + 300, "jti": alnum(32),
    });
    let request = jws::sign_claims(&w.app.core, JwsAlg::RS256, Some("JWT"), &object).expect("sign");
    let params = vec![
        ("client_id".to_string(), CLIENT.to_string()),
        ("response_type".into(), "code".into()),
        ("scope".into(), scope.into()),
        ("code_challenge".into(), challenge),
        ("code_challenge_method".into(), "S256".into()),
        ("request".into(), request),
    ];
    let assertion = jws::sign_claims(
        &w.app.core,
        JwsAlg::RS256,
        Some("JWT"),
        &json!({ "iss": CLIENT, "sub": CLIENT, "aud": o.token_endpoint(), "iat": now, "exp": now + 300, "jti": alnum(32) }),
    )
    .expect("assertion");
    (params, assertion)
}

/// The OP's part of one login; returns the userinfo JWE.
fn op_login(w: &World, op: &str, params: Vec<(String, String)>, assertion: String) -> String {
    let app = w.fed.oidc_op();
    let o = app.ops.op(op).expect("op");
    w.rt.block_on(async {
        let Answer::Redirect { location } =
            authorization::handle(&app.state, &app.ops, o, params).await
        else {
            panic!("the authorization endpoint did not redirect");
        };
        let url = url_query(&location);
        let code = url.get("code").expect("code").clone();
        let form: BTreeMap<String, String> = [
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("code_verifier", VERIFIER.to_string()),
            ("client_id", CLIENT.to_string()),
            ("client_assertion_type", JWT_BEARER.to_string()),
            ("client_assertion", assertion),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let rp = token::client(&app.state, &app.ops, o, &form)
            .await
            .expect("client");
        let body = token::handle(&app.state, o, &rp, &form).expect("tokens");
        let at = body["access_token"].as_str().expect("at").to_string();
        userinfo::handle(&app.state, &app.ops, o, false, Some(&at))
            .await
            .expect("userinfo")
    })
}

fn url_query(location: &str) -> BTreeMap<String, String> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn bench(c: &mut Criterion) {
    let w = world();
    let mut group = c.benchmark_group("oidc_op");
    group.throughput(Throughput::Elements(1));
    for op in ["poste", "cie"] {
        group.bench_function(format!("login_{op}"), |b| {
            b.iter_batched(
                || prepared(&w, op),
                |(params, assertion)| black_box(op_login(&w, op, params, assertion)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
