//! Member-by-member checks of the RP's `openid_relying_party` metadata, one per rule that AgID's
//! spid-oidc-check-rp judges in its `1.3.x` tests (and a few it does not), in the family of
//! [`super::entity`]. The coarse [`super::entity::ENTITY_CHECKS`] stay: `oidc-ec-rp-metadata`
//! still says in one line what is missing, and these say which rule each finding breaks. Each
//! check records the AgID test it corresponds to; [`AGID_COVERED`] maps the AgID tests that a
//! coarse check already covers, and [`AGID_NOT_CHECKS`] lists, with the reason, the `1.x` tests
//! that are no check here (also in `docs/rules/oidc.md`). Every check is proven on a fixture
//! (the reference RP's document with the member broken, re-signed) in the harness tests.

use super::cases::Rule;
use super::entity::Fetched;
use super::RP_MD;
use crate::report::{Entry, MapsTo, Severity};
use serde_json::Value;

/// What a check asks of its member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Present, not null, not empty.
    Present,
    /// A JSON array (of at least one value).
    Array,
    /// An array whose every value is one of these.
    OnlyValues(&'static [&'static str]),
    /// An array (or a string) holding this value.
    Contains(&'static str),
    /// An `https` URL with a host and no query or fragment (`http` on a loopback host is
    /// accepted, for an RP under test on this machine).
    EntityUrl,
    /// The RP's entity ID.
    EntityId,
    /// Every value an absolute URI without fragment; an `http` one only on a loopback host.
    RedirectUris,
    /// `jwks` with keys, or `signed_jwks_uri` (the member named is `jwks`).
    KeySource,
}

/// One check on one member of `openid_relying_party`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldCheck {
    /// Stable id (`oidc-ec-rp-…`).
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The member of `openid_relying_party` it judges.
    pub member: &'static str,
    /// What it asks of it.
    pub test: Test,
    /// The rule, in our words.
    pub rule: Rule,
    /// Error when the rule binds the RP; warning when it is advice or only AgID's tool asks.
    pub severity: Severity,
    /// What to change.
    pub fix: &'static str,
    /// The AgID spid-oidc-check-rp test with the same aim.
    pub agid: &'static str,
    /// The reference RP's sending switch whose mutant publishes a document this check refuses,
    /// where there is one (every check is proven on a fixture either way).
    pub mutant: Option<&'static str>,
}

const REG: &str = "OpenID Connect Dynamic Client Registration 1.0 §2";

#[allow(clippy::too_many_arguments)]
const fn field(
    id: &'static str,
    title: &'static str,
    member: &'static str,
    test: Test,
    source: &'static str,
    words: &'static str,
    fix: &'static str,
    agid: &'static str,
) -> FieldCheck {
    FieldCheck {
        id,
        title,
        member,
        test,
        rule: Rule { source, words },
        severity: Severity::Error,
        fix,
        agid,
        mutant: None,
    }
}

const fn with_mutant(mut c: FieldCheck, switch: &'static str) -> FieldCheck {
    c.mutant = Some(switch);
    c
}

const fn advice(mut c: FieldCheck) -> FieldCheck {
    c.severity = Severity::Warning;
    c
}

/// Every member check, in the order of AgID's tests.
pub static FIELD_CHECKS: &[FieldCheck] = &[
    field(
        "oidc-ec-rp-client-id",
        "openid_relying_party has a client_id",
        "client_id",
        Test::Present,
        RP_MD,
        "client_id is one of the mandatory members of the RP metadata",
        "publish client_id in openid_relying_party",
        "1.3.0",
    ),
    field(
        "oidc-ec-rp-client-id-url",
        "client_id is an https URL without query or fragment",
        "client_id",
        Test::EntityUrl,
        "spid-cie-oidc-docs docs/en/metadata_oidc_rp.rst; OpenID Federation 1.0, Entity Identifier",
        "client_id MUST be an HTTPS URL that identifies the RP; an entity identifier is an https URL with a host and no query or fragment",
        "use your entity ID, https://host[/path], as client_id",
        "1.3.1",
    ),
    field(
        "oidc-ec-rp-client-id-entity",
        "client_id is the entity ID whose well-known URL served the document",
        "client_id",
        Test::EntityId,
        "OpenID Federation 1.0, Automatic Registration; spid-cie-oidc-docs docs/en/metadata_oidc_rp.rst",
        "with automatic registration the RP's client_id is its entity identifier, the URL its entity configuration is published under",
        "set client_id to the entity ID the document is served for",
        "1.3.2",
    ),
    field(
        "oidc-ec-rp-redirect-uris",
        "openid_relying_party has redirect_uris",
        "redirect_uris",
        Test::Present,
        RP_MD,
        "redirect_uris is one of the mandatory members of the RP metadata",
        "list your callback URLs in redirect_uris",
        "1.3.3",
    ),
    field(
        "oidc-ec-rp-redirect-uris-array",
        "redirect_uris is a JSON array",
        "redirect_uris",
        Test::Array,
        REG,
        "redirect_uris is an array of redirection URI values",
        "write redirect_uris as an array, even for one URL",
        "1.3.4",
    ),
    with_mutant(
        field(
        "oidc-ec-rp-redirect-uris-valid",
        "every redirect URI is an absolute URI, https for a web client, without fragment",
        "redirect_uris",
        Test::RedirectUris,
        "spid-cie-oidc-docs docs/en/metadata_oidc_rp.rst; RFC 6749 §3.1.2",
        "a web-based client MUST use the HTTPS scheme in redirect_uris (custom schemes are allowed for mobile apps); a redirection URI is absolute and MUST NOT include a fragment",
        "publish absolute https callback URLs without #fragment",
        "1.3.5",
        ),
        "ec-redirect-uri-http",
    ),
    field(
        "oidc-ec-rp-key-source",
        "openid_relying_party has jwks or signed_jwks_uri",
        "jwks",
        Test::KeySource,
        RP_MD,
        "the RP metadata MUST use jwks or signed_jwks_uri for SPID, and jwks for CIE",
        "publish the OIDC-core keys in openid_relying_party.jwks",
        "1.3.7",
    ),
    advice(field(
        "oidc-ec-rp-client-name",
        "openid_relying_party has a client_name",
        "client_name",
        Test::Present,
        "OpenID Connect Dynamic Client Registration 1.0 §2 (OPTIONAL); asked by AgID spid-oidc-check-rp",
        "client_name is optional in the registration metadata and not listed by the SPID/CIE rules, but AgID's onboarding tool fails an RP without it",
        "add client_name, the service's name as users see it",
        "1.3.8",
    )),
    advice(field(
        "oidc-ec-rp-response-types",
        "openid_relying_party has response_types (advice, warning only)",
        "response_types",
        Test::Present,
        REG,
        "response_types is OPTIONAL (default [\"code\"]); metadata_oidc_rp.rst does not list it among the mandatory members, so its absence breaks no rule binding the RP; AgID's tool asks for it",
        "publish response_types [\"code\"]",
        "1.3.9",
    )),
    advice(field(
        "oidc-ec-rp-response-types-array",
        "response_types is a JSON array (advice, warning only)",
        "response_types",
        Test::Array,
        REG,
        "response_types, when given, is a JSON array of the response types the RP restricts itself to; the member is optional in the SPID/CIE RP metadata",
        "write response_types as [\"code\"]",
        "1.3.10",
    )),
    with_mutant(
        advice(field(
            "oidc-ec-rp-response-types-code",
            "response_types holds code and nothing else (advice, warning only)",
            "response_types",
            Test::OnlyValues(&["code"]),
            "spid-cie-oidc-docs docs/en/authorization_endpoint.rst",
            "the authorization request's response_type MUST be code (a rule on the request, judged by oidc-req-authz-response-type); publishing other response types breaks no metadata rule but announces flows the RP may not use",
            "publish response_types [\"code\"] only",
            "1.3.11",
        )),
        "ec-response-types-extra",
    ),
    field(
        "oidc-ec-rp-grant-types",
        "openid_relying_party has grant_types",
        "grant_types",
        Test::Present,
        RP_MD,
        "grant_types is one of the mandatory members of the RP metadata",
        "publish grant_types [\"authorization_code\"] (and refresh_token if you use it)",
        "1.3.12",
    ),
    field(
        "oidc-ec-rp-grant-types-array",
        "grant_types is a JSON array",
        "grant_types",
        Test::Array,
        REG,
        "grant_types is a JSON array of the OAuth 2.0 grant types the client restricts itself to",
        "write grant_types as an array",
        "1.3.13",
    ),
    field(
        "oidc-ec-rp-grant-types-code",
        "grant_types holds authorization_code",
        "grant_types",
        Test::Contains("authorization_code"),
        RP_MD,
        "the RP uses the authorization code flow: grant_types carries authorization_code",
        "add authorization_code to grant_types",
        "1.3.14",
    ),
    advice(field(
        "oidc-ec-rp-grant-types-supported",
        "grant_types holds only authorization_code and refresh_token",
        "grant_types",
        Test::OnlyValues(&["authorization_code", "refresh_token"]),
        RP_MD,
        "the supported grant types are authorization_code and refresh_token; another value cannot be used with a SPID/CIE OP",
        "drop grant types other than authorization_code and refresh_token",
        "1.3.15",
    )),
    field(
        "oidc-ec-rp-id-token-alg",
        "openid_relying_party has id_token_signed_response_alg",
        "id_token_signed_response_alg",
        Test::Present,
        RP_MD,
        "id_token_signed_response_alg is one of the mandatory members of the RP metadata",
        "publish id_token_signed_response_alg, e.g. RS256",
        "1.3.16",
    ),
    field(
        "oidc-ec-rp-userinfo-alg",
        "openid_relying_party has userinfo_signed_response_alg",
        "userinfo_signed_response_alg",
        Test::Present,
        RP_MD,
        "userinfo_signed_response_alg is one of the mandatory members of the RP metadata",
        "publish userinfo_signed_response_alg, e.g. RS256",
        "1.3.17",
    ),
    field(
        "oidc-ec-rp-userinfo-enc-alg",
        "openid_relying_party has userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_alg",
        Test::Present,
        RP_MD,
        "userinfo_encrypted_response_alg is one of the mandatory members of the RP metadata",
        "publish userinfo_encrypted_response_alg, e.g. RSA-OAEP-256",
        "1.3.18",
    ),
    field(
        "oidc-ec-rp-userinfo-enc-enc",
        "openid_relying_party has userinfo_encrypted_response_enc",
        "userinfo_encrypted_response_enc",
        Test::Present,
        RP_MD,
        "userinfo_encrypted_response_enc is one of the mandatory members of the RP metadata",
        "publish userinfo_encrypted_response_enc, e.g. A256CBC-HS512",
        "1.3.19",
    ),
    field(
        "oidc-ec-rp-token-auth-method",
        "openid_relying_party has token_endpoint_auth_method",
        "token_endpoint_auth_method",
        Test::Present,
        RP_MD,
        "token_endpoint_auth_method is one of the mandatory members of the RP metadata (its value private_key_jwt)",
        "publish token_endpoint_auth_method private_key_jwt",
        "1.3.20",
    ),
];

/// AgID `1.x` tests that a check of [`super::entity`] (or the fetch itself) already covers:
/// (AgID test, our id).
pub static AGID_COVERED: &[(&str, &str)] = &[
    ("1.2.0", "oidc-ec-fetch"),
    ("1.2.1", "oidc-ec-fetch"),
    ("1.2.2", "oidc-ec-self-signed"),
    ("1.2.3", "oidc-ec-content-type"),
    ("1.2.4", "oidc-ec-self-signed"),
    ("1.2.5", "oidc-ec-iss-sub"),
    ("1.2.6", "oidc-ec-iss-sub"),
    ("1.2.7", "oidc-ec-iss-sub"),
    ("1.2.8", "oidc-ec-validity"),
    ("1.2.9", "oidc-ec-validity"),
    ("1.2.10", "oidc-ec-validity"),
    ("1.2.11", "oidc-ec-validity"),
    ("1.2.12", "oidc-ec-jwks"),
    ("1.2.13", "oidc-ec-authority-hints"),
    ("1.2.15", "oidc-ec-rp-metadata"),
];

/// AgID `1.x` tests that are no check here: (AgID test, why).
pub static AGID_NOT_CHECKS: &[(&str, &str)] = &[
    (
        "1.0.0",
        "deprecated and manual in AgID's tool: it judges where the tester downloaded the document (the SPID registry), not the RP",
    ),
    (
        "1.1.0",
        "judges a plain openid-configuration JSON document; a SPID/CIE federation RP publishes an entity configuration instead (AgID's tool answers N/A for those)",
    ),
    (
        "1.1.1",
        "judges a plain openid-configuration JSON document (see 1.1.0)",
    ),
    (
        "1.1.2",
        "judges a plain openid-configuration JSON document (see 1.1.0); the entity configuration's content type is oidc-ec-content-type",
    ),
    (
        "1.2.14",
        "asks for the production registry in authority_hints; the rules bind authority_hints to the RP's immediate superiors (the anchor or an intermediate), which oidc-ec-authority-hints checks and the trust chain resolves",
    ),
];

/// The AgID tests an entry id corresponds to, comma-separated (empty when none).
pub fn agid_of(id: &str) -> String {
    FIELD_CHECKS
        .iter()
        .filter(|c| c.id == id)
        .map(|c| c.agid)
        .chain(
            AGID_COVERED
                .iter()
                .filter(|(_, i)| *i == id)
                .map(|(a, _)| *a),
        )
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn values(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn judge_field(c: &FieldCheck, rp: &Value, entity_id: &str) -> Result<(), String> {
    let v = rp.get(c.member).filter(|v| match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    });
    if c.test == Test::KeySource {
        let keys = v.and_then(|j| j.get("keys")).and_then(Value::as_array);
        let signed = rp
            .get("signed_jwks_uri")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        return if keys.is_some_and(|k| !k.is_empty()) || signed {
            Ok(())
        } else {
            Err("neither jwks with keys nor signed_jwks_uri".into())
        };
    }
    let Some(v) = v else {
        return Err(format!("no {}", c.member));
    };
    match c.test {
        Test::Present | Test::KeySource => Ok(()),
        Test::Array => match v {
            Value::Array(_) => Ok(()),
            other => Err(format!("{} is {other}, not an array", c.member)),
        },
        Test::OnlyValues(allowed) => {
            let bad: Vec<String> = values(v)
                .into_iter()
                .filter(|x| !x.as_str().is_some_and(|s| allowed.contains(&s)))
                .map(Value::to_string)
                .collect();
            if bad.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{} holds {} (allowed: {})",
                    c.member,
                    bad.join(", "),
                    allowed.join(", ")
                ))
            }
        }
        Test::Contains(want) => {
            if values(v).iter().any(|x| x.as_str() == Some(want)) {
                Ok(())
            } else {
                Err(format!("{} is {v} without {want}", c.member))
            }
        }
        Test::EntityUrl => {
            let s = v
                .as_str()
                .ok_or_else(|| format!("{} is {v}, not a string", c.member))?;
            let u = url::Url::parse(s).map_err(|e| format!("{s:?} is not a URL: {e}"))?;
            if u.host().is_none() {
                Err(format!("{s} has no host"))
            } else if u.scheme() != "https" && !(u.scheme() == "http" && is_loopback(&u)) {
                Err(format!("{s} is not https"))
            } else if u.query().is_some() || u.fragment().is_some() {
                Err(format!("{s} has a query or a fragment"))
            } else {
                Ok(())
            }
        }
        Test::EntityId => {
            let s = v.as_str().unwrap_or_default();
            if s.trim_end_matches('/') == entity_id.trim_end_matches('/') {
                Ok(())
            } else {
                Err(format!("client_id {v} is not the entity ID {entity_id}"))
            }
        }
        Test::RedirectUris => {
            let mut bad = Vec::new();
            for x in values(v) {
                let s = x.as_str().unwrap_or_default();
                match url::Url::parse(s) {
                    Err(e) => bad.push(format!("{x}: {e}")),
                    Ok(u) if u.fragment().is_some() => bad.push(format!("{s}: a fragment")),
                    Ok(u) if u.scheme() == "http" && !is_loopback(&u) => {
                        bad.push(format!("{s}: http on a web client"))
                    }
                    Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_none() => {
                        bad.push(format!("{s}: no host"))
                    }
                    Ok(_) => {}
                }
            }
            if bad.is_empty() {
                Ok(())
            } else {
                Err(bad.join("; "))
            }
        }
    }
}

/// Judges each member check on a fetched entity configuration of `entity_id`; a document that
/// is not a JWS fails them all, saying so.
pub fn judge(f: &Fetched, entity_id: &str) -> Vec<(&'static FieldCheck, super::entity::Verdict)> {
    let rp = mock_idps::oidc::jose::jws::decode_unverified(f.body.trim())
        .map_err(|e| format!("not a JWS: {e}"))
        .and_then(|u| u.claims::<Value>().map_err(|e| format!("payload: {e}")))
        .map(|c| {
            c.pointer("/metadata/openid_relying_party")
                .cloned()
                .unwrap_or(Value::Null)
        });
    FIELD_CHECKS
        .iter()
        .map(|c| {
            let r = rp
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|rp| judge_field(c, rp, entity_id))
                .map_err(super::entity::Finding);
            (c, r)
        })
        .collect()
}

/// The report's mapping of an entry id to AgID's tests (`None` when it has none).
pub fn maps_to(id: &str) -> Option<MapsTo> {
    let agid = agid_of(id);
    (!agid.is_empty()).then(|| MapsTo {
        line: format!("AgID spid-oidc-check-rp {agid}"),
        agid: Some(agid),
        ..MapsTo::default()
    })
}

/// Adds to the entries of the coarse checks (`entries`) the AgID tests each corresponds to, and
/// appends an entry per member check (the hook [`super::entity::entries`] calls).
pub fn extend(entries: &mut Vec<Entry>, f: &Fetched, entity_id: &str, millis: f64) {
    for e in entries.iter_mut() {
        e.maps_to = e.maps_to.take().or_else(|| maps_to(&e.id));
    }
    entries.extend(judge(f, entity_id).into_iter().map(|(c, r)| Entry {
        maps_to: maps_to(c.id),
        ..super::entity::entry(
            c.id,
            c.title,
            c.rule,
            c.severity,
            r,
            millis,
            vec![format!("fix: {}", c.fix)],
        )
    }));
}
