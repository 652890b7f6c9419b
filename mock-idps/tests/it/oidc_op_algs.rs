//! The OPs' signature algorithms on what the RP signs (spid-cie-oidc-docs
//! cryptographic_algos.rst: RS256 and PS256/ES256 RECOMMENDED, never `none` nor HMAC): a request
//! object or a client assertion signed `none` or HS256 (keyed with the RP's public key, the
//! algorithm-confusion attack) is refused with `invalid_request_object` (OIDC Core §6.1, RFC
//! 9101 §6.3) or `invalid_client` (RFC 6749 §5.2); ES256 and PS256 request objects are accepted.

use mock_idps::oidc::jose::{craft, jws, EcCurve, Jwks, JwsAlg, PrivateKey};
use mock_idps::oidc::keys::{load, KeyRole};
use mock_idps::oidc::op::registry::RpMetadata;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use mock_idps::{FixtureSource, MockFederation};
use rstest::rstest;
use serde_json::{json, Map, Value};

const CLIENT_ID: &str = "https://rp-algs.example.it";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct Rp {
    fed: MockFederation,
    rsa: PrivateKey,
    ec: PrivateKey,
    http: reqwest::Client,
}

fn redirect_uri() -> String {
    format!("{CLIENT_ID}/callback")
}

async fn rp() -> Rp {
    let fed = MockFederation::start().await.expect("mocks");
    let rsa = load(&FixtureSource::Embedded, "test-rp", KeyRole::Signing).expect("RSA key");
    let enc = load(&FixtureSource::Embedded, "test-rp", KeyRole::Encryption).expect("enc key");
    let ec = PrivateKey::generate_ec(EcCurve::P256).expect("EC key");
    let jwks = Jwks::new(vec![
        rsa.public_jwk().clone(),
        ec.public_jwk().clone(),
        enc.public_jwk().clone(),
    ]);
    let md: RpMetadata = serde_json::from_value(json!({
        "client_id": CLIENT_ID,
        "redirect_uris": [redirect_uri()],
        "jwks": jwks,
        "grant_types": ["authorization_code"],
        "id_token_signed_response_alg": "RS256",
        "userinfo_signed_response_alg": "RS256",
        "userinfo_encrypted_response_alg": "RSA-OAEP",
        "userinfo_encrypted_response_enc": "A128CBC-HS256",
    }))
    .expect("metadata");
    fed.register_oidc_rp(md).expect("registered");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Rp { fed, rsa, ec, http }
}

fn alnum(c: char) -> String {
    std::iter::repeat_n(c, 43).collect()
}

/// The claims of a correct SPID request object for `issuer`.
fn request_claims(issuer: &str) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "iss": CLIENT_ID,
        "aud": [issuer],
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": "openid",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "nonce": alnum('n'),
        "state": alnum('s'),
        "prompt": "consent login",
        "redirect_uri": redirect_uri(),
        "acr_values": Level::L2.uri(),
        "claims": {"userinfo": {"given_name": null}},
        "iat": now,
        "exp": now + 300,
        "jti": alnum('j'),
    })
}

fn header_kid(key: &PrivateKey) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kid".into(), key.kid().into());
    m
}

/// The request object signed as `how` says.
fn signed(rp: &Rp, how: &str, claims: &Value) -> String {
    let payload = serde_json::to_vec(claims).expect("json");
    match how {
        "RS256" => jws::sign(&rp.rsa, JwsAlg::RS256, Some("JWT"), &payload),
        "PS256" => jws::sign(&rp.rsa, JwsAlg::PS256, Some("JWT"), &payload),
        "ES256" => jws::sign(&rp.ec, JwsAlg::ES256, Some("JWT"), &payload),
        "none" => craft::unsigned(&payload, &header_kid(&rp.rsa)),
        "HS256" => craft::hs256_with_public_key(rp.rsa.public_jwk(), &Map::new(), &payload),
        other => panic!("{other}"),
    }
    .expect("token")
}

/// Sends the browser to `op`'s authorization endpoint with a request object signed `how`:
/// the status and the Location (or the page).
async fn authorize(rp: &Rp, op: &str, how: &str) -> (u16, String) {
    let urls = rp.fed.urls();
    let o = &urls.oidc[op];
    let request = signed(rp, how, &request_claims(&o.issuer));
    let mut url = url::Url::parse(&o.authorization).expect("url");
    url.query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256")
        .append_pair("request", &request);
    rp.fed
        .script_next_login(ScriptedLogin {
            provider: Some(op.into()),
            user: "francesca.romano".into(),
            level: None,
            outcome: Outcome::Success,
        })
        .expect("script");
    let r = rp
        .http
        .get(url.as_str())
        .send()
        .await
        .expect("authorization");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        status,
        location.unwrap_or(r.text().await.unwrap_or_default()),
    )
}

#[rstest]
#[case::rs256("RS256")]
#[case::ps256("PS256")]
#[case::es256("ES256")]
#[tokio::test]
async fn a_request_object_signed_with_a_recommended_algorithm_is_accepted(#[case] alg: &str) {
    let rp = rp().await;
    for op in ["poste", "cie"] {
        let (status, location) = authorize(&rp, op, alg).await;
        assert_eq!(status, 303, "{op} {alg}: {location}");
        assert!(
            location.starts_with(&format!("{}?code=", redirect_uri())),
            "{op} {alg}: {location}"
        );
    }
}

#[rstest]
#[case::none("none")]
#[case::hs256_keyed_with_the_public_key("HS256")]
#[tokio::test]
async fn a_request_object_signed_none_or_hs256_is_refused_invalid_request_object(
    #[case] alg: &str,
) {
    let rp = rp().await;
    for op in ["poste", "cie"] {
        let (status, page) = authorize(&rp, op, alg).await;
        assert_eq!(status, 400, "{op} {alg}: {page}");
        assert!(
            page.contains("invalid_request_object"),
            "{op} {alg}: {page}"
        );
        assert!(
            !page.contains("code="),
            "{op} {alg}: no code for an unsigned request"
        );
    }
}

/// A client assertion for the token endpoint of `op`, signed as `how` says.
fn assertion(rp: &Rp, token_endpoint: &str, how: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": token_endpoint,
        "iat": now, "exp": now + 300, "jti": format!("{how} {token_endpoint}"),
    });
    signed(rp, how, &claims)
}

#[rstest]
#[case::none("none", "invalid_client")]
#[case::hs256_keyed_with_the_public_key("HS256", "invalid_client")]
#[case::rs256_is_authenticated("RS256", "invalid_grant")]
#[case::es256_is_authenticated("ES256", "invalid_grant")]
#[case::ps256_is_authenticated("PS256", "invalid_grant")]
#[tokio::test]
async fn a_client_assertion_signed_none_or_hs256_is_invalid_client_and_es256_ps256_authenticate(
    #[case] alg: &str,
    #[case] error: &str,
) {
    let rp = rp().await;
    for op in ["poste", "cie"] {
        let token = rp.fed.urls().oidc[op].token.clone();
        let form = [
            ("grant_type", "authorization_code".to_string()),
            ("code", "no-such-code".to_string()),
            ("code_verifier", alnum('v')),
            ("redirect_uri", redirect_uri()),
            ("client_id", CLIENT_ID.to_string()),
            ("client_assertion_type", JWT_BEARER.to_string()),
            ("client_assertion", assertion(&rp, &token, alg)),
        ];
        let r = rp.http.post(&token).form(&form).send().await.expect("post");
        let status = r.status().as_u16();
        let body: Value = r.json().await.expect("json");
        // A well-signed assertion gets past client authentication to the (bogus) code.
        assert_eq!(body["error"], error, "{op} {alg}: {body}");
        assert_eq!(
            status,
            if error == "invalid_client" { 401 } else { 400 },
            "{op} {alg}"
        );
    }
}
