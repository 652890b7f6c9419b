//! Every fault switch: the strict RP refuses the bad answer with that switch's check, and the
//! RP with only that switch off accepts it. Bad answers are crafted by a test OP double (an OP
//! key from the fixtures and `mock_idps::oidc::jose::craft`), or, for the callback and the
//! entity configuration, by tampering with what the mock OP sent.

use crate::support::{world, CLIENT_ID};
use mock_idps::oidc::jose::{craft, jwe, jws, ContentEnc, Jwks, JwsAlg, KeyAlg, PrivateKey};
use mock_idps::oidc::keys::{load, KeyRole};
use mock_idps::oidc::op::token::half_hash;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use mock_idps::FixtureSource;
use reference_rp::check::{self, Expect, IdToken};
use reference_rp::keys::RpKeys;
use reference_rp::op::OpInfo;
use reference_rp::{Faults, RpError};
use rstest::rstest;
use serde_json::{json, Value};
use time::OffsetDateTime;

const ISSUER: &str = "http://127.0.0.1:1/oidc/op/poste";
const NONCE: &str = "n0nce0000000000000000000000000000000000000";
const AT: &str = "an-access-token";

struct Double {
    key: PrivateKey,
    op: OpInfo,
    rp: RpKeys,
    now: OffsetDateTime,
}

fn double(cie: bool) -> Double {
    let key = load(&FixtureSource::Embedded, "poste", KeyRole::Signing).expect("OP key");
    let jwks = Jwks::new(vec![key.public_jwk().clone()]);
    let at = |n: &str| format!("{ISSUER}/{n}");
    Double {
        op: OpInfo {
            id: "poste".into(),
            name: "Poste".into(),
            cie,
            levels: Level::ALL.to_vec(),
            issuer: ISSUER.into(),
            authorization_endpoint: at("authorization"),
            token_endpoint: at("token"),
            userinfo_endpoint: at("userinfo"),
            revocation_endpoint: at("revocation"),
            introspection_endpoint: at("introspection"),
            jwks_json: serde_json::to_value(&jwks).expect("jwks"),
            jwks,
        },
        key,
        rp: RpKeys::from_fixtures(&FixtureSource::Embedded, "reference-rp").expect("RP keys"),
        now: OffsetDateTime::now_utc(),
    }
}

impl Double {
    fn claims(&self) -> Value {
        let t = self.now.unix_timestamp();
        json!({
            "iss": ISSUER, "sub": "s1", "aud": [CLIENT_ID], "acr": Level::L2.uri(),
            "at_hash": half_hash(AT, false), "iat": t, "nbf": t, "exp": t + 600,
            "jti": "j1", "nonce": NONCE,
        })
    }
    fn sign(&self, claims: &Value) -> String {
        jws::sign_claims(&self.key, JwsAlg::RS256, Some("JWT"), claims).expect("sign")
    }
    fn seal(&self, jws: &str) -> String {
        jwe::encrypt(
            self.rp.encryption.public_jwk(),
            KeyAlg::RsaOaep256,
            ContentEnc::A256CbcHs512,
            Some("JWT"),
            jws.as_bytes(),
        )
        .expect("encrypt")
    }
    fn expect(&self, refreshed: bool) -> Expect<'_> {
        Expect {
            op: &self.op,
            client_id: CLIENT_ID,
            nonce: NONCE,
            level: if refreshed { Level::L1 } else { Level::L2 },
            access_token: AT,
            now: self.now,
            refreshed,
            encrypted_id_token: self.op.cie,
        }
    }
    /// The RP's ID-token check of `token` (a login's, or a refresh's) with the switches `off`.
    fn id_token(&self, token: &str, refreshed: bool, off: &str) -> Result<IdToken, RpError> {
        let off = Faults::parse(off).expect("switches");
        check::id_token(token, &self.expect(refreshed), &self.rp.encryption, &off)
    }
    /// The RP's userinfo check of `body` (ID token subject `s1`) with the switches `off`.
    fn userinfo(&self, body: &str, off: &str) -> Result<Value, RpError> {
        let off = Faults::parse(off).expect("switches");
        check::userinfo(body, &self.expect(false), "s1", &self.rp.encryption, &off)
    }
}

fn with(mut v: Value, k: &str, new: Value) -> Value {
    v[k] = new;
    v
}

/// A bad ID token for `switch` (and whether it is a refresh, whether the OP is CIE).
fn bad_id_token(d: &Double, switch: &str) -> (String, bool) {
    let c = d.claims();
    let t = d.now.unix_timestamp();
    let payload = |v: &Value| serde_json::to_vec(v).expect("json");
    let token = match switch {
        "acr" => d.sign(&with(c, "acr", json!(Level::L1.uri()))),
        "at-hash" => d.sign(&with(
            c,
            "at_hash",
            json!(half_hash("another token", false)),
        )),
        // PS512 verifies with the OP's RSA key but is not on the RP's list (at_hash: SHA-512).
        "id-token-alg" => jws::sign_claims(
            &d.key,
            JwsAlg::PS512,
            Some("JWT"),
            &with(c, "at_hash", json!(half_hash(AT, true))),
        )
        .expect("PS512"),
        "id-token-aud" => d.sign(&with(c, "aud", json!(["https://other.example.it"]))),
        "id-token-claims" => d.sign(&with(c, "given_name", json!("Francesca"))),
        "id-token-encryption" => return (d.sign(&c), false),
        "id-token-exp" => d.sign(&with(with(c, "exp", json!(t - 60)), "iat", json!(t - 120))),
        "id-token-iat" => d.sign(&with(c, "iat", json!(t + 3600))),
        "id-token-iss" => d.sign(&with(c, "iss", json!("https://evil.example.it"))),
        "id-token-kid" => {
            craft::signed_with_header(&d.key, JwsAlg::RS256, &serde_json::Map::new(), &payload(&c))
                .expect("no kid")
        }
        "id-token-signature" => craft::corrupt_signature(&d.sign(&c)).expect("corrupt"),
        "id-token-nbf" => d.sign(&with(c, "nbf", json!(t + 3600))),
        "nonce" => d.sign(&with(
            c,
            "nonce",
            json!("another0nonce00000000000000000000000000000"),
        )),
        "refresh-acr" => return (d.sign(&c), true),
        other => panic!("no ID-token case for {other}"),
    };
    let token = if d.op.cie { d.seal(&token) } else { token };
    (token, false)
}

#[rstest]
#[case::acr("acr", false)]
#[case::at_hash("at-hash", false)]
#[case::alg("id-token-alg", false)]
#[case::aud("id-token-aud", false)]
#[case::claims("id-token-claims", false)]
#[case::encryption("id-token-encryption", true)]
#[case::exp("id-token-exp", false)]
#[case::iat("id-token-iat", false)]
#[case::iss("id-token-iss", false)]
#[case::kid("id-token-kid", false)]
#[case::signature("id-token-signature", false)]
#[case::nbf("id-token-nbf", false)]
#[case::nbf_cie("id-token-nbf", true)]
#[case::signature_cie("id-token-signature", true)]
#[case::nonce("nonce", false)]
#[case::refresh_acr("refresh-acr", false)]
fn each_id_token_switch_refuses_on_and_accepts_off(#[case] switch: &str, #[case] cie: bool) {
    let d = double(cie);
    let (token, refreshed) = bad_id_token(&d, switch);
    let err = d
        .id_token(&token, refreshed, "")
        .expect_err("the strict RP refuses");
    assert_eq!(err.check(), Some(switch), "{err}");
    d.id_token(&token, refreshed, switch)
        .unwrap_or_else(|e| panic!("with {switch} off: {e}"));
    // The good token passes the strict RP (so the case is the switch's, nothing else).
    let good = if cie {
        d.seal(&d.sign(&d.claims()))
    } else {
        d.sign(&d.claims())
    };
    d.id_token(&good, false, "").expect("good token");
}

#[test]
fn a_cie_id_token_sealed_in_rsa1_5_or_unsigned_is_refused_even_by_the_mutants() {
    let d = double(true);
    let c = d.claims();
    let inner = d.sign(&c);
    let rsa15 = craft::jwe_rsa1_5(
        d.rp.encryption.public_jwk(),
        ContentEnc::A128CbcHs256,
        Some("JWT"),
        inner.as_bytes(),
    )
    .expect("rsa1_5");
    let e = d
        .id_token(&rsa15, false, "id-token-encryption")
        .expect_err("RSA1_5");
    assert_eq!(e.check(), Some("id-token-encryption"), "{e}");
    let none = craft::unsigned(
        &serde_json::to_vec(&c).expect("json"),
        &serde_json::Map::new(),
    )
    .expect("none");
    let e = d
        .id_token(&none, false, "id-token-encryption,id-token-kid")
        .expect_err("alg none");
    assert!(
        matches!(e.check(), Some("id-token-signature" | "id-token-alg")),
        "{e}"
    );
}

fn userinfo_claims() -> Value {
    json!({ "iss": ISSUER, "sub": "s1", "aud": CLIENT_ID, "given_name": "Francesca" })
}

#[rstest]
#[case("userinfo-encryption")]
#[case("userinfo-signature")]
#[case("userinfo-sub")]
#[case("userinfo-aud")]
#[case("userinfo-iss")]
fn each_userinfo_switch_refuses_on_and_accepts_off(#[case] switch: &str) {
    let d = double(false);
    let c = userinfo_claims();
    let body = match switch {
        "userinfo-encryption" => d.sign(&c),
        "userinfo-signature" => d.seal(&craft::corrupt_signature(&d.sign(&c)).expect("corrupt")),
        "userinfo-sub" => d.seal(&d.sign(&with(c, "sub", json!("someone-else")))),
        "userinfo-aud" => d.seal(&d.sign(&with(c, "aud", json!("https://other.example.it")))),
        "userinfo-iss" => d.seal(&d.sign(&with(c, "iss", json!("https://evil.example.it")))),
        other => panic!("{other}"),
    };
    let e = d.userinfo(&body, "").expect_err("strict");
    assert_eq!(e.check(), Some(switch), "{e}");
    let ok = d
        .userinfo(&body, switch)
        .unwrap_or_else(|e| panic!("with {switch} off: {e}"));
    assert_eq!(ok["given_name"], "Francesca");
    d.userinfo(&d.seal(&d.sign(&userinfo_claims())), "")
        .expect("good userinfo");
}

/// Rewrites one parameter of a callback query.
fn tamper(query: &str, name: &str, value: &str) -> String {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .map(|(k, v)| {
            if k == name {
                (k, value.to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[rstest]
#[case("state")]
#[case("iss")]
#[tokio::test]
async fn each_callback_switch_refuses_on_and_accepts_off(#[case] switch: &str) {
    for (faults, accepted) in [("", false), (switch, true)] {
        let w = world(faults).await;
        let q = w.authorize("poste", Level::L2, Outcome::Success).await;
        let value = match switch {
            "state" => "X".repeat(43),
            _ => "https://evil.example.it".to_string(),
        };
        let r = w.rp.finish(&tamper(&q, switch, &value)).await;
        match (r, accepted) {
            (Ok(_), true) => {}
            (Err(e), false) => assert_eq!(e.check(), Some(switch), "{e}"),
            (r, _) => panic!("faults {faults:?}: {r:?}"),
        }
    }
}

#[tokio::test]
async fn a_broken_op_entity_configuration_is_refused_unless_the_switch_is_off() {
    let w = world("").await;
    let urls = w.fed.urls();
    let entry = reference_rp::op::entries_of(&urls)
        .into_iter()
        .find(|e| e.id == "poste")
        .expect("poste");
    let jwt = w.op_entity_configuration("poste").await;
    let broken = craft::corrupt_signature(&jwt).expect("corrupt");
    let now = OffsetDateTime::now_utc();
    OpInfo::from_entity_configuration(&entry, &jwt, now, &Faults::none())
        .expect("the real one is fine");
    let e = OpInfo::from_entity_configuration(&entry, &broken, now, &Faults::none())
        .expect_err("strict");
    assert_eq!(e.check(), Some("op-entity-configuration"));
    OpInfo::from_entity_configuration(
        &entry,
        &broken,
        now,
        &Faults::parse("op-entity-configuration").expect("f"),
    )
    .expect("mutant");
}

/// The `state` inside the request object of an authorization URL.
fn state_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("url");
    let request = url
        .query_pairs()
        .find(|(k, _)| k == "request")
        .map(|(_, v)| v.into_owned())
        .expect("request");
    let claims: Value = jws::decode_unverified(&request)
        .and_then(|u| u.claims())
        .expect("claims");
    claims["state"].as_str().expect("state").to_string()
}

/// Logs `francesca.romano` in at `op` through the RP with `faults`, the OP answering the
/// refresh as `craft` says, and returns what the RP makes of the refresh.
async fn refresh_after_crafted_login(
    faults: &str,
    op: &str,
    craft: mock_idps::oidc::op::crafted::AnswerCraft,
) -> Result<Option<IdToken>, RpError> {
    use mock_idps::spid::script::ScriptedLogin;
    let w = world(faults).await;
    let url = w.rp.start(op, Level::L2).expect("start");
    w.fed.script_oidc_answer(&state_of(&url), craft);
    w.fed
        .script_next_login(ScriptedLogin {
            provider: Some(op.into()),
            user: "francesca.romano".into(),
            level: None,
            outcome: Outcome::Success,
        })
        .expect("script");
    let r = w.http.get(&url).send().await.expect("authorization");
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let (_, query) = location.split_once('?').expect("query");
    let (sid, _) = w.rp.finish(query).await.expect("the login itself is sound");
    w.rp.refresh(&sid).await
}

#[rstest]
#[case::strict("", false)]
#[case::mutant("refresh-sub", true)]
#[tokio::test]
async fn a_refreshed_id_token_of_another_subject_is_refused_unless_refresh_sub_is_off(
    #[case] faults: &str,
    #[case] accepted: bool,
) {
    use mock_idps::oidc::op::crafted::{AnswerCraft, Craft, Edit};
    let craft = AnswerCraft {
        refreshed_id_token: Some(Craft::edits(vec![Edit::Set(
            "sub".into(),
            json!("someone-else"),
        )])),
        ..AnswerCraft::default()
    };
    match (
        refresh_after_crafted_login(faults, "poste", craft).await,
        accepted,
    ) {
        (Ok(Some(id)), true) => assert_eq!(id.sub, "someone-else"),
        (Err(e), false) => assert_eq!(e.check(), Some("refresh-sub"), "{e}"),
        (r, _) => panic!("faults {faults:?}: {r:?}"),
    }
}

#[rstest]
#[case::strict("", false)]
#[case::mutant("refresh-cie-id-token", true)]
#[tokio::test]
async fn a_cie_refresh_answered_with_an_id_token_is_refused_unless_the_switch_is_off(
    #[case] faults: &str,
    #[case] accepted: bool,
) {
    use mock_idps::oidc::op::crafted::{AnswerCraft, Craft};
    // The mock CIE OP sends no ID token on refresh, unless one is crafted: here, a sound one.
    let craft = AnswerCraft {
        refreshed_id_token: Some(Craft::default()),
        ..AnswerCraft::default()
    };
    match (
        refresh_after_crafted_login(faults, "cie", craft).await,
        accepted,
    ) {
        (Ok(Some(id)), true) => assert_eq!(id.level, Some(Level::L2)),
        (Err(e), false) => assert_eq!(e.check(), Some("refresh-cie-id-token"), "{e}"),
        (r, _) => panic!("faults {faults:?}: {r:?}"),
    }
}

#[test]
fn every_switch_has_a_case_here() {
    // The OP trust-chain and trust-mark switches have their cases in op_trust.rs.
    let src = [include_str!("faults.rs"), include_str!("op_trust.rs")].concat();
    for f in reference_rp::faults::ALL {
        assert!(
            src.contains(&format!("\"{}\"", f.name)),
            "no test case for switch {}",
            f.name
        );
    }
}
