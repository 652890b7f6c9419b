//! Snapshots of what the OPs emit, decoded: an OP's entity configuration, and the ID token,
//! access token and userinfo of a SPID and a CIE login (keys, times, ids and the port redacted).

use crate::support::{world_with, Registration};
use mock_idps::oidc::federation::testing::RpSetup;
use mock_idps::oidc::jose::jws;
use mock_idps::spid::level::Level;
use serde_json::{json, Value};

fn payload(jwt: &str) -> Value {
    jws::decode_unverified(jwt)
        .expect("JWS")
        .claims()
        .expect("claims")
}

fn header(jwt: &str) -> Value {
    serde_json::to_value(jws::decode_unverified(jwt).expect("JWS").header).expect("header")
}

/// The JOSE header of a compact JWE (its first segment).
fn jwe_header(jwe: &str) -> Value {
    use base64::Engine as _;
    let first = jwe.split('.').next().expect("segment");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(first)
        .expect("b64");
    serde_json::from_slice(&bytes).expect("json")
}

/// Replaces the loopback base URL (its port changes) by `[base]`.
fn unported(v: Value, base: &str) -> Value {
    serde_json::from_str(&v.to_string().replace(base, "[base]")).expect("json")
}

const TIMES: [&str; 5] = ["iat", "exp", "nbf", "auth_time", "jti"];

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_sort_maps(true);
    s
}

#[tokio::test]
async fn op_entity_configuration() {
    let w = world_with("", Registration::Federation(RpSetup::valid())).await;
    let urls = w.fed.urls();
    let jwt = w.op_entity_configuration("poste").await;
    let doc = json!({ "header": header(&jwt), "payload": payload(&jwt) });
    settings().bind(|| {
        insta::assert_json_snapshot!("op_entity_configuration_poste", unported(doc, &urls.base), {
            ".header.kid" => "[kid]",
            ".payload.iat" => "[iat]",
            ".payload.exp" => "[exp]",
            ".payload.jwks.keys[].n" => "[n]",
            ".payload.jwks.keys[].kid" => "[kid]",
            ".payload.metadata.openid_provider.jwks.keys[].n" => "[n]",
            ".payload.metadata.openid_provider.jwks.keys[].kid" => "[kid]",
            ".payload.trust_marks[].trust_mark" => "[trust mark JWT]",
        });
    });
}

#[tokio::test]
async fn decoded_tokens_of_a_spid_and_a_cie_login() {
    let w = world_with("", Registration::Federation(RpSetup::valid())).await;
    let base = w.fed.urls().base;
    for op in ["poste", "cie"] {
        let (_, s) = w.login(op, Level::L2).await.expect("login");
        let mut doc = json!({
            "access_token": { "header": header(&s.access_token), "claims": payload(&s.access_token) },
            "id_token": { "claims": s.id_token },
            "userinfo": { "jwe_header": jwe_header(&s.userinfo_raw), "claims": s.userinfo },
        });
        doc["id_token"]["outer_header"] = if s.id_token_raw.split('.').count() == 5 {
            jwe_header(&s.id_token_raw)
        } else {
            header(&s.id_token_raw)
        };
        let mut redactions = settings();
        for part in ["access_token", "id_token", "userinfo"] {
            for k in TIMES {
                redactions.add_redaction(&format!(".{part}.claims.{k}"), format!("[{k}]"));
            }
            redactions.add_redaction(&format!(".{part}.claims.sub"), "[pairwise sub]");
        }
        redactions.add_redaction(".id_token.claims.nonce", "[nonce]");
        redactions.add_redaction(".id_token.claims.at_hash", "[at_hash]");
        redactions.add_redaction(".access_token.header.kid", "[kid]");
        redactions.add_redaction(".id_token.outer_header.kid", "[kid]");
        redactions.add_redaction(".userinfo.jwe_header.kid", "[kid]");
        redactions.bind(|| {
            insta::assert_json_snapshot!(format!("decoded_tokens_{op}"), unported(doc, &base));
        });
    }
}
