//! The RP's entity configuration (`/.well-known/openid-federation`), the second OIDC family:
//! what an OP and the federation read about the RP before any login. Each check names its rule
//! and is proven twice (see the harness tests): on a fixture (the reference RP's own document
//! with one thing broken, re-signed with its key), which [`EntityCheck::fixture`] describes, and
//! on the reference RP's mutant that publishes such a document ([`EntityCheck::mutant`], a
//! sending switch of `reference_rp::sending`).

use super::cases::Rule;
use super::{ALGS, RP_MD};
use crate::report::{Entry, Severity};
use mock_idps::oidc::jose::{jws, Jwks, JwsAlg, KeyParams};
use serde_json::Value;

/// The report family of these checks.
pub const FAMILY: &str = "oidc-entity-configuration";

/// One check on the RP's entity configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityCheck {
    /// Stable id (`oidc-ec-…`).
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The rule.
    pub rule: Rule,
    /// Whether a failure fails the run.
    pub severity: Severity,
    /// The broken fixture the check is proven on.
    pub fixture: &'static str,
    /// The reference RP's sending switch whose mutant publishes a document this check refuses.
    pub mutant: &'static str,
}

const FED: &str = "OpenID Federation 1.0";
const EC_DOC: &str = "spid-cie-oidc-docs docs/en/entity_configuration.rst";

const fn check(
    id: &'static str,
    title: &'static str,
    source: &'static str,
    words: &'static str,
    fixture: &'static str,
    mutant: &'static str,
) -> EntityCheck {
    EntityCheck {
        id,
        title,
        rule: Rule { source, words },
        severity: Severity::Error,
        fixture,
        mutant,
    }
}

/// Every check, in order.
pub static ENTITY_CHECKS: &[EntityCheck] = &[
    check(
        "oidc-ec-content-type",
        "served as application/entity-statement+jwt",
        FED,
        "the well-known openid-federation answer is the signed entity configuration with the content type application/entity-statement+jwt",
        "the document served as application/json",
        "ec-content-type",
    ),
    check(
        "oidc-ec-typ",
        "JOSE header typ entity-statement+jwt",
        FED,
        "entity statements are explicitly typed: their JWS header carries typ entity-statement+jwt, so that no other JWT can pass for one",
        "the same claims signed with typ JWT",
        "ec-typ",
    ),
    check(
        "oidc-ec-self-signed",
        "self-signed with a key of its own jwks",
        FED,
        "an entity configuration is signed by the entity itself with one of the federation keys its jwks claim publishes",
        "the signature made with a key outside its jwks (its OIDC signing key)",
        "ec-foreign-key",
    ),
    check(
        "oidc-ec-iss-sub",
        "iss and sub are both the RP's entity ID",
        EC_DOC,
        "in an entity configuration the issuer and the subject are the same entity, the one whose well-known URL served it",
        "sub naming another entity",
        "ec-sub",
    ),
    check(
        "oidc-ec-validity",
        "iat not in the future, exp not passed",
        "RFC 7519 §4.1.4 and §4.1.6; spid-cie-oidc-docs docs/en/entity_configuration.rst",
        "iat and exp are REQUIRED; a statement past its exp must not be used, and one issued in the future cannot be current",
        "exp an hour ago",
        "ec-expired",
    ),
    check(
        "oidc-ec-jwks",
        "federation jwks: RSA keys of 2048 bits or more, each with a distinct kid",
        ALGS,
        "RSA keys are at least 2048 bits long (4096 recommended); keys are told apart by kid (RFC 7638 thumbprints in the examples)",
        "a 1024-bit RSA key in the jwks",
        "ec-weak-key",
    ),
    check(
        "oidc-ec-authority-hints",
        "authority_hints lists the RP's superiors",
        EC_DOC,
        "authority_hints is REQUIRED in the entity configuration of leaves and intermediates: the entity IDs of the superiors that issue statements about it",
        "no authority_hints",
        "ec-no-authority-hints",
    ),
    check(
        "oidc-ec-trust-marks",
        "trust_marks present, each with its id and a JWT",
        EC_DOC,
        "the entity configuration of a SPID/CIE relying party carries the trust marks issued to it (id or trust_mark_type, and the trust_mark JWT)",
        "no trust_marks",
        "ec-no-trust-marks",
    ),
    check(
        "oidc-ec-rp-metadata",
        "openid_relying_party carries the mandatory members",
        RP_MD,
        "openid_relying_party MUST carry at least client_id (its entity ID), client_registration_types automatic, redirect_uris, grant_types with authorization_code, jwks, token_endpoint_auth_method private_key_jwt, id_token_signed_response_alg, userinfo_signed_response_alg and userinfo_encrypted_response_alg/enc (response_types, client_name and contacts are not in that list, contacts belonging to federation_entity; the member checks judge them on their own)",
        "openid_relying_party without token_endpoint_auth_method",
        "ec-missing-metadata",
    ),
    check(
        "oidc-ec-rp-algorithms",
        "the algorithms the RP metadata asks for are allowed ones",
        ALGS,
        "signatures RS256/RS512 (ES256, ES512, PS256, PS512 recommended), key encryption RSA-OAEP or RSA-OAEP-256, content encryption A128CBC-HS256 or A256CBC-HS512; none, HS* and RSA1_5 MUST NOT be used",
        "userinfo_encrypted_response_alg RSA1_5",
        "ec-weak-encryption",
    ),
];

/// What the RP's well-known URL answered.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The Content-Type, without parameters.
    pub content_type: Option<String>,
    /// The body.
    pub body: String,
}

fn claims_of(jwt: &str) -> Result<(Value, Value), String> {
    let u = jws::decode_unverified(jwt).map_err(|e| format!("not a JWS: {e}"))?;
    let header = serde_json::to_value(&u.header).map_err(|e| e.to_string())?;
    let claims: Value = u.claims().map_err(|e| format!("payload: {e}"))?;
    Ok((header, claims))
}

fn judge_one(id: &str, f: &Fetched, entity_id: &str, now: i64) -> Result<(), String> {
    if id == "oidc-ec-content-type" {
        return match f.content_type.as_deref() {
            Some("application/entity-statement+jwt") => Ok(()),
            other => Err(format!("content type {other:?}")),
        };
    }
    let (header, c) = claims_of(f.body.trim())?;
    let s = |k: &str| c.get(k).and_then(Value::as_str);
    let rp = c
        .pointer("/metadata/openid_relying_party")
        .cloned()
        .unwrap_or(Value::Null);
    match id {
        "oidc-ec-typ" => match header.get("typ").and_then(Value::as_str) {
            Some("entity-statement+jwt") => Ok(()),
            other => Err(format!("typ {other:?}")),
        },
        "oidc-ec-self-signed" => {
            let jwks = own_jwks(&c)?;
            jws::verify(
                f.body.trim(),
                &jwks,
                &[JwsAlg::RS256, JwsAlg::RS512, JwsAlg::PS256, JwsAlg::ES256],
            )
            .map(|_| ())
            .map_err(|e| format!("does not verify with its own jwks: {e}"))
        }
        "oidc-ec-iss-sub" => match (s("iss"), s("sub")) {
            (Some(i), Some(u)) if i == entity_id && u == entity_id => Ok(()),
            (i, u) => Err(format!("iss {i:?}, sub {u:?}, entity ID {entity_id}")),
        },
        "oidc-ec-validity" => {
            let (iat, exp) = (
                c.get("iat").and_then(Value::as_i64),
                c.get("exp").and_then(Value::as_i64),
            );
            match (iat, exp) {
                (Some(iat), Some(exp)) if iat <= now + 60 && exp > now => Ok(()),
                _ => Err(format!("iat {iat:?}, exp {exp:?}, now {now}")),
            }
        }
        "oidc-ec-jwks" => jwks_sound(&c),
        "oidc-ec-authority-hints" => match c.get("authority_hints").and_then(Value::as_array) {
            Some(a)
                if !a.is_empty()
                    && a.iter()
                        .all(|h| h.as_str().is_some_and(|h| h.starts_with("http"))) =>
            {
                Ok(())
            }
            other => Err(format!("authority_hints {other:?}")),
        },
        "oidc-ec-trust-marks" => match c.get("trust_marks").and_then(Value::as_array) {
            Some(a)
                if !a.is_empty()
                    && a.iter().all(|t| {
                        (t.get("id").is_some() || t.get("trust_mark_type").is_some())
                            && t.get("trust_mark")
                                .and_then(Value::as_str)
                                .is_some_and(|j| j.split('.').count() == 3)
                    }) =>
            {
                Ok(())
            }
            _ => Err("no trust_marks with an id and a trust_mark JWT".into()),
        },
        "oidc-ec-rp-metadata" => rp_metadata_complete(&rp, entity_id),
        "oidc-ec-rp-algorithms" => rp_algorithms_allowed(&rp),
        other => Err(format!("no such check {other}")),
    }
}

/// The entity's own `jwks` claim.
fn own_jwks(c: &Value) -> Result<Jwks, String> {
    serde_json::from_value(c.get("jwks").cloned().unwrap_or_default())
        .map_err(|e| format!("jwks: {e}"))
}

/// `oidc-ec-jwks`: keys with a kid each, no kid twice, no RSA key under 2048 bits.
fn jwks_sound(c: &Value) -> Result<(), String> {
    let jwks = own_jwks(c)?;
    if jwks.keys.is_empty() {
        return Err("empty jwks".into());
    }
    let mut kids = std::collections::BTreeSet::new();
    for k in &jwks.keys {
        let kid = k.kid.clone().ok_or("a key without kid")?;
        if !kids.insert(kid.clone()) {
            return Err(format!("kid {kid} twice"));
        }
        if let KeyParams::Rsa { n, .. } = &k.params {
            let bits = rsa_bits(n);
            if bits < 2048 {
                return Err(format!("key {kid}: RSA {bits} bits"));
            }
        }
    }
    Ok(())
}

/// `oidc-ec-rp-metadata`: the members the RP's metadata must have, its client_id the entity
/// ID, and the code flow with automatic registration and private_key_jwt.
fn rp_metadata_complete(rp: &Value, entity_id: &str) -> Result<(), String> {
    let missing: Vec<&str> = [
        "client_id",
        "client_registration_types",
        "redirect_uris",
        "grant_types",
        "token_endpoint_auth_method",
        "id_token_signed_response_alg",
        "userinfo_signed_response_alg",
        "userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_enc",
    ]
    .into_iter()
    .filter(|k| rp.get(*k).is_none())
    .chain(
        (rp.get("jwks").is_none()
            && rp.get("signed_jwks_uri").is_none()
            && rp.get("jwks_uri").is_none())
        .then_some("jwks"),
    )
    .collect();
    let has = |k: &str, v: &str| {
        rp.get(k).is_some_and(|x| {
            x.as_str() == Some(v)
                || x.as_array()
                    .is_some_and(|a| a.iter().any(|i| i.as_str() == Some(v)))
        })
    };
    if !missing.is_empty() {
        Err(format!("missing {}", missing.join(", ")))
    } else if rp.get("client_id").and_then(Value::as_str) != Some(entity_id) {
        Err(format!(
            "client_id {:?} is not the entity ID",
            rp.get("client_id")
        ))
    } else if !has("client_registration_types", "automatic")
        || (rp.get("response_types").is_some() && !has("response_types", "code"))
        || !has("grant_types", "authorization_code")
        || !has("token_endpoint_auth_method", "private_key_jwt")
    {
        Err("client_registration_types automatic, grant_types authorization_code and private_key_jwt are required (and response_types, when given, has code)".into())
    } else {
        Ok(())
    }
}

/// `oidc-ec-rp-algorithms`: each algorithm the RP names is one the guidelines allow.
fn rp_algorithms_allowed(rp: &Value) -> Result<(), String> {
    let allowed_sig = ["RS256", "RS512", "ES256", "ES512", "PS256", "PS512"];
    let allowed_alg = [
        "RSA-OAEP",
        "RSA-OAEP-256",
        "ECDH-ES",
        "ECDH-ES+A128KW",
        "ECDH-ES+A256KW",
    ];
    let allowed_enc = ["A128CBC-HS256", "A256CBC-HS512"];
    let mut bad = Vec::new();
    for (k, list) in [
        ("id_token_signed_response_alg", &allowed_sig[..]),
        ("userinfo_signed_response_alg", &allowed_sig[..]),
        ("id_token_encrypted_response_alg", &allowed_alg[..]),
        ("userinfo_encrypted_response_alg", &allowed_alg[..]),
        ("id_token_encrypted_response_enc", &allowed_enc[..]),
        ("userinfo_encrypted_response_enc", &allowed_enc[..]),
    ] {
        if let Some(v) = rp.get(k).and_then(Value::as_str) {
            if !list.contains(&v) {
                bad.push(format!("{k} {v}"));
            }
        }
    }
    super::request::none_of(&bad)
}

/// Bits of an RSA modulus given base64url.
fn rsa_bits(n: &str) -> usize {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(n.trim_end_matches('='))
        .unwrap_or_default();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let rest = &bytes[skip..];
    rest.first().map_or(0, |b| {
        (rest.len() - 1) * 8 + (8 - b.leading_zeros() as usize)
    })
}

/// What a check found wrong in an RP's entity configuration: the evidence of its failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Finding(pub String);

/// A check's verdict on an entity configuration: `Err` with what it found.
pub type Verdict = Result<(), Finding>;

/// Judges a fetched entity configuration of `entity_id` at `now` (Unix seconds): each check's
/// verdict.
pub fn judge(f: &Fetched, entity_id: &str, now: i64) -> Vec<(&'static EntityCheck, Verdict)> {
    ENTITY_CHECKS
        .iter()
        .map(|c| (c, judge_one(c.id, f, entity_id, now).map_err(Finding)))
        .collect()
}

/// The report entries of [`judge`].
pub fn entries(f: &Fetched, entity_id: &str, now: i64, millis: f64) -> Vec<Entry> {
    let mut out: Vec<Entry> = judge(f, entity_id, now)
        .into_iter()
        .map(|(c, r)| entry(c.id, c.title, c.rule, c.severity, r, millis, Vec::new()))
        .collect();
    super::entity_fields::extend(&mut out, f, entity_id, millis);
    out
}

/// One entry of this family: a check's verdict on the RP's entity configuration (shared by the
/// coarse checks and the member checks of `entity_fields`).
pub(crate) fn entry(
    id: &str,
    title: &str,
    rule: Rule,
    severity: Severity,
    verdict: Verdict,
    millis: f64,
    evidence: Vec<String>,
) -> Entry {
    Entry {
        id: id.to_string(),
        title: format!("{title} [{}]", rule.source),
        outcome: "entity configuration".into(),
        expected: "conform".into(),
        passed: verdict.is_ok(),
        millis,
        rule: Some(format!("{}: {}", rule.source, rule.words)),
        severity: Some(severity),
        family: Some(FAMILY.into()),
        verdict: Some(crate::oracle::Verdict {
            accepted: verdict.is_ok(),
            rule: "entity-configuration".into(),
            reason: verdict
                .err()
                .map_or_else(|| "as the rule says".into(), |f| f.0),
            evidence,
            spid_error: None,
        }),
        ..Entry::default()
    }
}

/// Fetches `{entity_id-or-base}/.well-known/openid-federation` with `http`.
pub async fn fetch(http: &reqwest::Client, url: &str) -> Result<Fetched, reqwest::Error> {
    let r = http.get(url).send().await?.error_for_status()?;
    let content_type = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_string());
    Ok(Fetched {
        content_type,
        body: r.text().await?,
    })
}

/// A JWT with these header and claims signed by `key` (for the fixtures the checks are proven
/// on: header members kept as given).
pub fn resign(
    key: &mock_idps::oidc::jose::PrivateKey,
    header: &serde_json::Map<String, Value>,
    claims: &Value,
) -> Result<String, mock_idps::oidc::jose::JoseError> {
    let payload =
        serde_json::to_vec(claims).map_err(mock_idps::oidc::jose::JoseError::Serialize)?;
    mock_idps::oidc::jose::craft::signed_with_header(key, JwsAlg::RS256, header, &payload)
}
