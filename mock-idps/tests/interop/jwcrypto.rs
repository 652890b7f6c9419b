//! Our JOSE layer against Python `jwcrypto` (an implementation we do not own), both ways: every
//! JWS algorithm and every JWE alg/enc pair we emit verifies and decrypts there, and what
//! jwcrypto emits verifies and decrypts here. Also the local trust anchor's entity
//! configuration, verified there with the anchor's published key.
//!
//! jwcrypto is installed with pip into a virtualenv under `target/` (reused across runs; set
//! `JWCRYPTO_VENV` to use another). Measured on the 2-core machine: 27 s the first time (venv and
//! pip install), 1.5 s a run after.

use std::path::PathBuf;
use std::process::Command;

use mock_idps::fixtures::FixtureSource;
use mock_idps::oidc::jose::{jwe, jws, ContentEnc, Jwks, JwsAlg, KeyAlg};
use mock_idps::oidc::keys::{self, KeyRole};
use serde_json::{json, Value};

const JWCRYPTO: &str = "jwcrypto==1.6.1";

fn python() -> PathBuf {
    let venv = std::env::var_os("JWCRYPTO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/interop-jwcrypto-venv")
        });
    let py = venv.join("bin/python");
    let ready = py.exists()
        && Command::new(&py)
            .args(["-c", "import jwcrypto"])
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv (Debian: python3-venv)");
        assert!(made.success(), "python3 -m venv failed");
        let pip = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", JWCRYPTO])
            .status()
            .expect("pip");
        assert!(pip.success(), "pip install {JWCRYPTO} failed");
    }
    py
}

/// Runs `script` with `input` on stdin, returns its JSON stdout.
fn run(script: &str, input: &Value) -> Value {
    use std::io::Write;
    let mut child = Command::new(python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "jwcrypto script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the script")
}

const VERIFY_AND_EMIT: &str = r#"
import json, sys
from jwcrypto import jwk, jws, jwe
from jwcrypto.common import json_encode
inp = json.load(sys.stdin)
out = {"verified": [], "decrypted": [], "jws": [], "jwe": []}
for t in inp["jws"]:
    key = jwk.JWK(**t["jwk"])
    s = jws.JWS()
    s.deserialize(t["token"])
    s.verify(key, alg=t["alg"])
    out["verified"].append(json.loads(s.payload)["n"])
enc_priv = jwk.JWK.from_pem(inp["enc_private_pem"].encode())
for t in inp["jwe"]:
    e = jwe.JWE()
    e.deserialize(t["token"], key=enc_priv)
    inner = e.payload.decode()
    sig_key = jwk.JWK(**inp["sig_jwk"])
    s = jws.JWS()
    s.deserialize(inner)
    s.verify(sig_key, alg="RS256")
    out["decrypted"].append(json.loads(s.payload)["n"])
ta = jws.JWS()
ta.deserialize(inp["ta_ec"])
ta.verify(jwk.JWK(**inp["ta_jwk"]), alg="RS256")
out["ta_sub"] = json.loads(ta.payload)["sub"]
# The other direction: jwcrypto signs and encrypts, we check.
sig_priv = jwk.JWK.from_pem(inp["sig_private_pem"].encode())
for alg in ["RS256", "RS512", "PS256"]:
    s = jws.JWS(json.dumps({"n": alg}).encode())
    s.add_signature(sig_priv, alg=alg, protected=json_encode({"alg": alg, "kid": inp["sig_jwk"]["kid"]}))
    out["jws"].append({"alg": alg, "token": s.serialize(compact=True)})
ec_priv = jwk.JWK.from_pem(inp["ec_private_pem"].encode())
s = jws.JWS(json.dumps({"n": "ES256"}).encode())
s.add_signature(ec_priv, alg="ES256", protected=json_encode({"alg": "ES256", "kid": inp["ec_jwk"]["kid"]}))
out["jws"].append({"alg": "ES256", "token": s.serialize(compact=True)})
enc_pub = jwk.JWK(**inp["enc_jwk"])
for alg in ["RSA-OAEP", "RSA-OAEP-256"]:
    for enc in ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"]:
        e = jwe.JWE(json.dumps({"n": alg + "/" + enc}).encode(), json_encode({"alg": alg, "enc": enc, "kid": inp["enc_jwk"]["kid"]}))
        e.add_recipient(enc_pub)
        out["jwe"].append({"alg": alg, "enc": enc, "token": e.serialize(compact=True)})
print(json.dumps(out))
"#;

#[test]
fn jose_both_ways_with_jwcrypto() {
    let src = FixtureSource::Embedded;
    let sig = keys::load(&src, "test-rp", KeyRole::Signing).unwrap();
    let enc = keys::load(&src, "test-rp", KeyRole::Encryption).unwrap();
    let ec = mock_idps::oidc::jose::PrivateKey::generate_ec(mock_idps::oidc::jose::EcCurve::P256)
        .unwrap();
    let mut jws_cases = Vec::new();
    for alg in [JwsAlg::RS256, JwsAlg::RS512, JwsAlg::PS256, JwsAlg::ES256] {
        let key = if alg == JwsAlg::ES256 { &ec } else { &sig };
        let token = jws::sign_claims(key, alg, Some("JWT"), &json!({"n": alg.name()})).unwrap();
        jws_cases.push(json!({"alg": alg.name(), "jwk": key.public_jwk(), "token": token}));
    }
    let mut jwe_cases = Vec::new();
    let mut expected = Vec::new();
    for alg in KeyAlg::ALL {
        for e in ContentEnc::ALL {
            let label = format!("{alg}/{e}");
            let token = jwe::sign_then_encrypt(
                &sig,
                JwsAlg::RS256,
                None,
                &json!({"n": label}),
                enc.public_jwk(),
                alg,
                e,
            )
            .unwrap();
            jwe_cases.push(json!({"token": token}));
            expected.push(label);
        }
    }
    let fed = mock_idps::oidc::federation::LocalFederation::new(
        "http://127.0.0.1:9",
        &src,
        std::sync::Arc::new(mock_idps::clock::SystemClock),
        Default::default(),
    )
    .unwrap();
    let ta = fed.trust_anchor_id().to_owned();
    let input = json!({
        "jws": jws_cases,
        "jwe": jwe_cases,
        "sig_jwk": sig.public_jwk(),
        "enc_jwk": enc.public_jwk(),
        "ec_jwk": ec.public_jwk(),
        "sig_private_pem": sig.pkcs8_pem(),
        "enc_private_pem": enc.pkcs8_pem(),
        "ec_private_pem": ec.pkcs8_pem(),
        "ta_ec": fed.authority_configuration(&ta).unwrap(),
        "ta_jwk": fed.trust_anchor_jwks().keys[0],
    });
    let out = run(VERIFY_AND_EMIT, &input);
    assert_eq!(out["verified"], json!(["RS256", "RS512", "PS256", "ES256"]));
    assert_eq!(out["decrypted"], json!(expected));
    assert_eq!(out["ta_sub"], ta.as_str());
    // jwcrypto's tokens, checked here.
    let sig_set = Jwks::new(vec![sig.public_jwk().clone(), ec.public_jwk().clone()]);
    for t in out["jws"].as_array().unwrap() {
        let alg: JwsAlg = t["alg"].as_str().unwrap().parse().unwrap();
        let v = jws::verify(t["token"].as_str().unwrap(), &sig_set, &[alg]).unwrap();
        assert_eq!(v.claims::<Value>().unwrap()["n"], alg.name());
    }
    let cases = out["jwe"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for t in cases {
        let d = jwe::decrypt(
            t["token"].as_str().unwrap(),
            std::slice::from_ref(&enc),
            &KeyAlg::ALL,
            &ContentEnc::ALL,
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&d.plaintext).unwrap();
        assert_eq!(
            v["n"],
            format!(
                "{}/{}",
                t["alg"].as_str().unwrap(),
                t["enc"].as_str().unwrap()
            )
        );
    }
}
