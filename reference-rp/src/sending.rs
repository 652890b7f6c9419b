//! Sending switches: each makes the reference RP *send* one thing wrong (a request to an OP, or
//! its own entity configuration), so that a check of what an RP sends can be shown failing on a
//! mutant and passing on the strict RP. They are parsed with the checking switches
//! ([`crate::faults::Faults::parse`]) but listed apart: switching every checking switch off
//! (the "all-off" mutant) still sends correct requests.
//!
//! A strict OP may refuse what a switched RP sends (the login then stops there); the point is
//! what was sent.

use crate::faults::{Fault, Faults};
use crate::keys::RpKeys;
use mock_idps::oidc::jose::{craft, jws, Header, JoseError, JwsAlg};
use serde_json::{json, Value};

/// Every sending switch, sorted by name (the data is `sending.txt`, one `name: description` a
/// line).
pub static ALL: &[Fault] = fault_switches::table!(include_str!("sending.txt"));

/// What a login mints: state, nonce and PKCE.
#[derive(Debug, Clone)]
pub(crate) struct Minted {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub challenge: String,
    pub method: &'static str,
}

const REUSED: &str = "ReusedValueReusedValueReusedValueReusedVal";

impl Minted {
    /// Fresh values, or the switched wrong ones.
    pub fn new(faults: &Faults) -> Self {
        let alnum = crate::rp::alnum;
        // 43 random characters; 16 under the `-short` switch, a fixed value under `-reused`.
        let fresh = |short: &str, reused: &str, mark: char| {
            if faults.is_off(short) {
                alnum(16)
            } else if faults.is_off(reused) {
                format!("{mark}{REUSED}")
            } else {
                alnum(43)
            }
        };
        let state = fresh("state-short", "state-reused", 'S');
        let nonce = fresh("nonce-short", "nonce-reused", 'N');
        let verifier = if faults.is_off("pkce-reused") {
            format!("V{REUSED}")
        } else {
            alnum(64)
        };
        // The S256 challenge from openidconnect, not from the mocks' code.
        let s256 = openidconnect::PkceCodeChallenge::from_code_verifier_sha256(
            &openidconnect::PkceCodeVerifier::new(verifier.clone()),
        )
        .as_str()
        .to_string();
        let (challenge, method) = if faults.is_off("pkce-plain") {
            (verifier.clone(), "plain")
        } else if faults.is_off("pkce-challenge-hex") {
            use base64::Engine;
            let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&s256)
                .unwrap_or_default();
            (digest.iter().map(|b| format!("{b:02x}")).collect(), "S256")
        } else {
            (s256, "S256")
        };
        Self {
            state,
            nonce,
            verifier,
            challenge,
            method,
        }
    }
}

/// The scope and response_type a login asks for, switched.
pub(crate) fn scope_and_type(faults: &Faults, scope: String) -> (String, &'static str) {
    let scope = if faults.is_off("scope-unknown") {
        format!("{scope} address")
    } else {
        scope
    };
    let response_type = if faults.is_off("response-type-wrong") {
        "code id_token"
    } else {
        "code"
    };
    (scope, response_type)
}

/// The request object's claims, switched (`now`: Unix seconds).
pub(crate) fn edit_object(faults: &Faults, object: &mut Value, client_id: &str, now: i64) {
    let Some(o) = object.as_object_mut() else {
        return;
    };
    if faults.is_off("request-object-iss") {
        o.insert("iss".into(), json!("https://not-the-client.example.it"));
    }
    if faults.is_off("request-object-aud") {
        o.insert("aud".into(), json!([client_id]));
    }
    if faults.is_off("request-object-sub") {
        o.insert("sub".into(), json!(client_id));
    }
    if faults.is_off("request-object-expired") {
        o.insert("iat".into(), json!(now - 600));
        o.insert("exp".into(), json!(now - 300));
    }
    if faults.is_off("redirect-uri-unregistered") {
        o.insert(
            "redirect_uri".into(),
            json!(format!(
                "{}/unregistered-callback",
                client_id.trim_end_matches('/')
            )),
        );
    }
    if faults.is_off("offline-without-consent") {
        o.insert("prompt".into(), json!("login"));
    }
    if faults.is_off("prompt-invalid") {
        o.insert("prompt".into(), json!("consent select_account"));
    }
    if faults.is_off("acr-values-invalid") {
        o.insert(
            "acr_values".into(),
            json!("urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2"),
        );
    }
    if faults.is_off("claims-shape") {
        o.insert(
            "claims".into(),
            json!({ "userinfo": ["given_name", "family_name"] }),
        );
    }
}

/// The `request` parameter: the signed request object, switched; `None` when the switch sends
/// none.
pub(crate) fn sign_request(
    faults: &Faults,
    keys: &RpKeys,
    object: &Value,
) -> Result<Option<String>, JoseError> {
    if faults.is_off("request-object-absent") {
        return Ok(None);
    }
    let payload = serde_json::to_vec(object).map_err(JoseError::Serialize)?;
    let header = |kid: &str| {
        let mut h = Header::new(JwsAlg::RS256.name());
        h.typ = Some("JWT".into());
        h.kid = Some(kid.to_string());
        h
    };
    Ok(Some(if faults.is_off("request-object-unsigned") {
        let mut extra = serde_json::Map::new();
        extra.insert("typ".into(), json!("JWT"));
        craft::unsigned(&payload, &extra)?
    } else if faults.is_off("request-object-kid") {
        jws::sign_with_header(
            &keys.core,
            JwsAlg::RS256,
            header("unpublished-key"),
            &payload,
        )?
    } else if faults.is_off("request-object-signature") {
        jws::sign_with_header(
            &keys.federation,
            JwsAlg::RS256,
            header(keys.core.kid()),
            &payload,
        )?
    } else {
        jws::sign_with_header(&keys.core, JwsAlg::RS256, header(keys.core.kid()), &payload)?
    }))
}

/// The query parameters besides `request`: the object's `client_id`, `response_type`, `scope`
/// and PKCE, switched; without a request object, every member of the object.
pub(crate) fn query(faults: &Faults, object: &Value, with_request: bool) -> Vec<(String, String)> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let Some(o) = object.as_object() else {
        return Vec::new();
    };
    let names: Vec<&str> = if with_request {
        vec![
            "client_id",
            "response_type",
            "scope",
            "code_challenge",
            "code_challenge_method",
        ]
    } else {
        o.keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "iss" | "aud" | "iat" | "exp" | "jti"))
            .collect()
    };
    names
        .into_iter()
        .filter_map(|k| {
            let v = o.get(k)?;
            let v = if k == "scope" && faults.is_off("query-mismatch") {
                "openid".to_string()
            } else {
                text(v)
            };
            Some((k.to_string(), v))
        })
        .collect()
}

/// A client assertion's claims, switched.
pub(crate) fn edit_assertion(faults: &Faults, claims: &mut Value, client_id: &str, now: i64) {
    let Some(o) = claims.as_object_mut() else {
        return;
    };
    if faults.is_off("client-assertion-aud") {
        o.insert("aud".into(), json!(client_id));
    }
    if faults.is_off("client-assertion-sub") {
        o.insert("sub".into(), json!("https://another-client.example.it"));
    }
    if faults.is_off("client-assertion-exp") {
        o.insert("exp".into(), json!(now + 86_400));
    }
    if faults.is_off("client-assertion-jti-reused") {
        o.insert("jti".into(), json!(format!("J{REUSED}")));
    }
}

/// The key a client assertion is signed with, switched.
pub(crate) fn assertion_key<'k>(
    faults: &Faults,
    keys: &'k RpKeys,
) -> &'k mock_idps::oidc::jose::PrivateKey {
    if faults.is_off("client-assertion-key") {
        &keys.federation
    } else {
        &keys.core
    }
}

/// The token request's form, switched (`code_verifier`, `grant_type`, `client_assertion_type`).
pub(crate) fn edit_form(faults: &Faults, form: &mut [(&str, String)]) {
    for (k, v) in form.iter_mut() {
        match *k {
            "grant_type" if faults.is_off("grant-type-wrong") && v == "authorization_code" => {
                *v = "code".into();
            }
            "code_verifier" if faults.is_off("code-verifier-wrong") => {
                *v = crate::rp::alnum(64);
            }
            "client_assertion_type" if faults.is_off("client-assertion-type") => {
                *v = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer".into();
            }
            _ => {}
        }
    }
}

/// The content type the entity configuration is served with, switched.
pub fn entity_configuration_type(faults: &Faults) -> &'static str {
    if faults.is_off("ec-content-type") {
        "application/json"
    } else {
        "application/entity-statement+jwt"
    }
}

/// The entity configuration, switched: edits the statement, then signs it (`key` the
/// federation key, `core` the OIDC-core key).
pub(crate) fn sign_entity_configuration(
    faults: &Faults,
    mut st: mock_idps::oidc::federation::EntityStatement,
    keys: &RpKeys,
    now: i64,
) -> Result<String, JoseError> {
    if faults.is_off("ec-expired") {
        st.iat = now - 7200;
        st.exp = now - 3600;
    }
    if faults.is_off("ec-sub") {
        st.sub = "https://other-rp.example.it".into();
    }
    if faults.is_off("ec-weak-key") {
        // A 1024-bit modulus: only its size is judged.
        let weak: mock_idps::oidc::jose::Jwk = serde_json::from_value(json!({
            "kty": "RSA", "kid": "weak-1024", "e": "AQAB",
            "n": mock_idps::oidc::jose::b64e(&[0xc5; 128]),
        }))
        .map_err(JoseError::Serialize)?;
        st.jwks.keys.push(weak);
    }
    if faults.is_off("ec-no-authority-hints") {
        st.authority_hints = None;
    }
    if faults.is_off("ec-no-trust-marks") {
        st.trust_marks = None;
    }
    if let Some(rp) = st
        .metadata
        .as_mut()
        .and_then(|m| m.get_mut("openid_relying_party"))
        .and_then(Value::as_object_mut)
    {
        if faults.is_off("ec-missing-metadata") {
            rp.remove("token_endpoint_auth_method");
        }
        if faults.is_off("ec-redirect-uri-http") {
            rp.insert(
                "redirect_uris".into(),
                json!(["http://rp.example.it/oidc/callback"]),
            );
        }
        if faults.is_off("ec-response-types-extra") {
            rp.insert("response_types".into(), json!(["code", "id_token"]));
        }
        if faults.is_off("ec-weak-encryption") {
            rp.insert("userinfo_encrypted_response_alg".into(), json!("RSA1_5"));
        }
    }
    if faults.is_off("ec-typ") {
        return jws::sign_claims(&keys.federation, JwsAlg::RS256, Some("JWT"), &st);
    }
    if faults.is_off("ec-foreign-key") {
        return st.sign(&keys.core);
    }
    st.sign(&keys.federation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sending_switches_parse_with_the_checking_ones() {
        // Sorted, kebab-case and apart from the checking switches: `faults`, the catalogue test.
        let f = Faults::parse("pkce-plain,nonce").expect("both lists parse");
        assert!(f.is_off("pkce-plain") && f.is_off("nonce"));
    }

    #[test]
    fn the_minted_values_follow_the_switches() {
        let strict = Minted::new(&Faults::none());
        assert_eq!(strict.state.len(), 43);
        assert_eq!(strict.challenge.len(), 43);
        assert_eq!(
            mock_idps::oidc::op::token::s256(&strict.verifier),
            strict.challenge
        );
        let a = Minted::new(&Faults::parse("state-reused,nonce-reused,pkce-reused").unwrap());
        let b = Minted::new(&Faults::parse("state-reused,nonce-reused,pkce-reused").unwrap());
        assert_eq!(
            (a.state, a.nonce, a.challenge),
            (b.state, b.nonce, b.challenge)
        );
        let plain = Minted::new(&Faults::parse("pkce-plain").unwrap());
        assert_eq!((plain.method, &plain.challenge), ("plain", &plain.verifier));
        assert_eq!(
            Minted::new(&Faults::parse("pkce-challenge-hex").unwrap())
                .challenge
                .len(),
            64
        );
    }
}
