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

/// Every sending switch, sorted by name.
pub static ALL: &[Fault] = &[
    Fault { name: "acr-values-invalid", description: "sends acr_values in the SAML form (urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2), not a SPID/CIE acr URI" },
    Fault { name: "claims-shape", description: "sends the claims parameter with userinfo as an array of names instead of an object" },
    Fault { name: "client-assertion-aud", description: "the client assertion's aud is our own client_id instead of the OP endpoint" },
    Fault { name: "client-assertion-exp", description: "the client assertion expires a day after it is made" },
    Fault { name: "client-assertion-jti-reused", description: "every client assertion carries the same jti" },
    Fault { name: "client-assertion-key", description: "the client assertion is signed with our federation key, which our openid_relying_party jwks does not list" },
    Fault { name: "client-assertion-sub", description: "the client assertion's sub is another entity than its iss" },
    Fault { name: "client-assertion-type", description: "sends client_assertion_type saml2-bearer instead of jwt-bearer" },
    Fault { name: "code-verifier-wrong", description: "sends a fresh random code_verifier at the token endpoint, not the one of the login" },
    Fault { name: "ec-content-type", description: "serves the entity configuration as application/json" },
    Fault { name: "ec-expired", description: "publishes an entity configuration that expired an hour ago" },
    Fault { name: "ec-foreign-key", description: "signs the entity configuration with the OIDC-core key, outside its federation jwks" },
    Fault { name: "ec-missing-metadata", description: "publishes openid_relying_party without token_endpoint_auth_method" },
    Fault { name: "ec-no-authority-hints", description: "publishes no authority_hints" },
    Fault { name: "ec-no-trust-marks", description: "publishes no trust_marks" },
    Fault { name: "ec-redirect-uri-http", description: "publishes redirect_uris with an http callback URL" },
    Fault { name: "ec-response-types-extra", description: "publishes response_types code and id_token" },
    Fault { name: "ec-sub", description: "publishes an entity configuration whose sub is another entity" },
    Fault { name: "ec-typ", description: "signs the entity configuration with typ JWT instead of entity-statement+jwt" },
    Fault { name: "ec-weak-encryption", description: "asks for userinfo encrypted with RSA1_5" },
    Fault { name: "ec-weak-key", description: "adds a 1024-bit RSA key to the federation jwks" },
    Fault { name: "grant-type-wrong", description: "sends grant_type code instead of authorization_code" },
    Fault { name: "logout-no-revocation", description: "at logout forgets the session without revoking the access token" },
    Fault { name: "logout-revokes-refresh", description: "at logout revokes the refresh token too" },
    Fault { name: "nonce-reused", description: "sends the same nonce in every login" },
    Fault { name: "nonce-short", description: "sends a 16-character nonce" },
    Fault { name: "offline-without-consent", description: "asks for offline_access with prompt login (no consent)" },
    Fault { name: "pkce-challenge-hex", description: "sends the SHA-256 of the verifier in hex (64 characters) as code_challenge" },
    Fault { name: "pkce-plain", description: "sends code_challenge_method plain (the challenge is the verifier)" },
    Fault { name: "pkce-reused", description: "uses the same PKCE verifier (and challenge) in every login" },
    Fault { name: "prompt-invalid", description: "sends prompt \"consent select_account\"" },
    Fault { name: "query-mismatch", description: "the scope in the query is openid alone while the request object's asks for more" },
    Fault { name: "redirect-uri-unregistered", description: "sends a redirect_uri our metadata does not list" },
    Fault { name: "request-object-absent", description: "sends the authorization parameters in the query, without a request object" },
    Fault { name: "request-object-aud", description: "the request object's aud is our own client_id instead of the OP" },
    Fault { name: "request-object-expired", description: "the request object expired five minutes before it is sent" },
    Fault { name: "request-object-iss", description: "the request object's iss is not our client_id" },
    Fault { name: "request-object-kid", description: "the request object's header names a kid our jwks does not publish" },
    Fault { name: "request-object-signature", description: "the request object is signed with our federation key under the OIDC-core key's kid" },
    Fault { name: "request-object-sub", description: "the request object carries sub" },
    Fault { name: "request-object-unsigned", description: "the request object is an unsecured JWT (alg none)" },
    Fault { name: "response-type-wrong", description: "sends response_type \"code id_token\"" },
    Fault { name: "revocation-assertion-aud", description: "the client assertion at the revocation endpoint names the token endpoint as aud" },
    Fault { name: "scope-unknown", description: "adds the scope address, which no SPID/CIE OP offers" },
    Fault { name: "state-reused", description: "sends the same state in every login" },
    Fault { name: "state-short", description: "sends a 16-character state" },
    Fault { name: "token-json", description: "sends the token request as a JSON body" },
];

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
        // Sorted, kebab-case and apart from the checking switches: `faults::tests`.
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
