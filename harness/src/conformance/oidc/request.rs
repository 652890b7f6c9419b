//! The third OIDC family, `oidc-request`: what the RP *sends*. The harness plays logins through
//! the RP as its browser, reached only through its URLs ([`super::RpUrls`]: the embedded
//! reference RP or any other), two at a SPID OP and one at CIE ([`plan`]), a logout after the
//! first and the last (skipped without the RP's logout URL, and the revocation checks with it),
//! and reads back what reached the mock OPs from their request record
//! ([`mock_idps::oidc::op::record`]): the authorization requests (request object, PKCE, nonce,
//! state, scope…), the token requests (form, grant, client assertion, code_verifier) and the
//! revocations at logout. Each rule is one check with its own entry ([`REQUEST_CHECKS`]), judged
//! on every request it applies to; the strict mock OPs may refuse a request and stop the login,
//! the checks still judge what was sent. A check with nothing to judge (no token request ever
//! reached an OP, say) is reported as not determinable, never as passed.
//!
//! Every error check is proven on a mutant of the reference RP: a sending switch of
//! `reference_rp::sending` that makes it send the broken request (see the harness tests).

use super::cases::Rule;
use super::runner::{Jar, OidcTarget};
use super::AUTHZ;
use crate::conformance::check::shown;
use crate::report::{Entry, NotRun, NotRunKind, Severity};
use mock_idps::oidc::jose::{jws, Header, Jwks, JwsAlg};
use mock_idps::oidc::op::record::{Endpoint, Method, ObservedRequest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// The report family of these checks.
pub const FAMILY: &str = "oidc-request";

/// The id prefix every check of the family has.
pub const PREFIX: &str = "oidc-req-";

/// Which request a check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The authorization request (and its request object).
    Authorization,
    /// The token request.
    Token,
    /// The revocation at logout.
    Revocation,
}

impl Stage {
    fn word(self) -> &'static str {
        match self {
            Self::Authorization => "authorization request",
            Self::Token => "token request",
            Self::Revocation => "revocation at logout",
        }
    }
}

/// One check on what the RP sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestCheck {
    /// Stable id (`oidc-req-…`).
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The request it judges.
    pub stage: Stage,
    /// The rule, in our words, with its source.
    pub rule: Rule,
    /// Whether a failure fails the run.
    pub severity: Severity,
    /// What to change when it fails.
    pub fix: &'static str,
    /// The reference RP's sending switch whose mutant breaks this rule (`None` only for
    /// warnings).
    pub mutant: Option<&'static str>,
    /// The AgID spid-oidc-check-rp test with the same aim, where there is one.
    pub agid: Option<&'static str>,
    /// Judged only on logins at a CIE OP (not applicable when the plan plays none).
    pub cie_only: bool,
}

const TOKEN: &str = "spid-cie-oidc-docs docs/en/token_endpoint.rst, Request";
const REVOCATION: &str =
    "spid-cie-oidc-docs docs/en/revocation_endpoint.rst (SPID) and docs/en/logout.rst (CIE)";

#[allow(clippy::too_many_arguments)]
const fn check(
    id: &'static str,
    title: &'static str,
    stage: Stage,
    source: &'static str,
    words: &'static str,
    fix: &'static str,
    mutant: &'static str,
    agid: Option<&'static str>,
) -> RequestCheck {
    RequestCheck {
        id,
        title,
        stage,
        rule: Rule { source, words },
        severity: Severity::Error,
        fix,
        mutant: Some(mutant),
        agid,
        cie_only: false,
    }
}

impl RequestCheck {
    /// The check judged only on logins at a CIE OP.
    const fn at_cie_only(self) -> Self {
        Self {
            cie_only: true,
            ..self
        }
    }
}

use Stage::{Authorization as A, Revocation as R, Token as T};

/// Every check, in order.
pub static REQUEST_CHECKS: &[RequestCheck] = &[
    check(
        "oidc-req-authz-object",
        "the authorization request carries a request object by value",
        A,
        AUTHZ,
        "the RP sends the authorization request as a signed JWT in the request parameter (by value; the OPs do not fetch request_uri)",
        "put every authorization parameter in a JWT signed with your OIDC-core key and send it as `request`",
        "request-object-absent",
        Some("2.0.1"),
    ),
    check(
        "oidc-req-authz-object-alg",
        "the request object is signed with an allowed algorithm",
        A,
        "spid-cie-oidc-docs docs/en/authorization_endpoint.rst (JWT header) and docs/en/cryptographic_algos.rst",
        "the request object MUST be a signed JWT whose alg is one the OP lists in request_object_signing_alg_values_supported; none and the HMAC algorithms MUST NOT be used",
        "sign request objects with RS256 (or another asymmetric algorithm the OP lists)",
        "request-object-unsigned",
        None,
    ),
    check(
        "oidc-req-authz-object-kid",
        "the request object's kid names a key of the RP's published jwks",
        A,
        "spid-cie-oidc-docs docs/en/authorization_endpoint.rst (JWT header kid, RFC 7638)",
        "the request object's header carries the kid of the key that signed it, a key of the RP's openid_relying_party jwks, where the OP looks it up",
        "set kid to the signing key's kid as your metadata publishes it; publish a new key before signing with it",
        "request-object-kid",
        None,
    ),
    check(
        "oidc-req-authz-object-signature",
        "the request object's signature verifies with the RP's published key",
        A,
        "RFC 9101 §6.2; OpenID Connect Core 1.0 §6.3.2",
        "the OP validates the request object's signature with the RP's registered keys and refuses a request object that does not verify",
        "sign with the private half of the OIDC-core key your jwks publishes (not the federation key)",
        "request-object-signature",
        None,
    ),
    check(
        "oidc-req-authz-object-iss",
        "the request object's iss is the client_id",
        A,
        AUTHZ,
        "iss of the request object MUST be the RP's client_id",
        "set iss to your client_id (your entity ID)",
        "request-object-iss",
        None,
    ),
    check(
        "oidc-req-authz-object-aud",
        "the request object's aud is the OP",
        A,
        AUTHZ,
        "aud of the request object MUST be the OP's identifier, the issuer of its metadata",
        "set aud to the issuer of the OP the request goes to (a fresh request object per OP)",
        "request-object-aud",
        None,
    ),
    check(
        "oidc-req-authz-object-no-sub",
        "the request object carries no sub",
        A,
        "OpenID Federation 1.0, automatic registration (Request Object)",
        "with automatic registration the request object MUST NOT carry sub, so that it can never pass for a private_key_jwt client assertion",
        "drop sub from the request object",
        "request-object-sub",
        None,
    ),
    check(
        "oidc-req-authz-object-times",
        "the request object's iat and exp are present and current",
        A,
        "spid-cie-oidc-docs docs/en/authorization_endpoint.rst (exp, iat); RFC 7519 §4.1.4",
        "iat and exp are REQUIRED in the request object; iat is not in the future and exp is after the moment the OP receives it",
        "set iat to now and exp a few minutes later, from a synchronised clock, each time you build a request",
        "request-object-expired",
        None,
    ),
    check(
        "oidc-req-authz-duplicated",
        "client_id, response_type and scope in the query equal the request object's",
        A,
        "spid-cie-oidc-docs docs/en/authorization_endpoint.rst (warning box); OpenID Connect Core 1.0 §6.1",
        "scope MUST be sent both as an HTTP parameter and in the request object with the same value; SPID: client_id and response_type MUST be in both and equal (CIE: SHOULD; where sent they must match, OIDC Core §6.1)",
        "copy client_id, response_type and scope from the request object into the query unchanged",
        "query-mismatch",
        None,
    ),
    check(
        "oidc-req-authz-redirect-uri",
        "redirect_uri is one the RP's metadata lists",
        A,
        AUTHZ,
        "redirect_uri MUST be one of the URLs of the RP's metadata (openid_relying_party.redirect_uris)",
        "send exactly one of the redirect_uris your entity configuration publishes",
        "redirect-uri-unregistered",
        None,
    ),
    check(
        "oidc-req-authz-response-type",
        "response_type is code",
        A,
        AUTHZ,
        "response_type is one of the OP's response_types_supported, which for SPID and CIE is code alone (authorization code flow)",
        "send response_type=code",
        "response-type-wrong",
        None,
    ),
    check(
        "oidc-req-authz-scope",
        "scope has openid and only values the OP offers",
        A,
        AUTHZ,
        "scope holds values the OP lists in scopes_supported, and at least openid",
        "ask for openid, plus offline_access (and for CIE profile or email) only",
        "scope-unknown",
        None,
    ),
    check(
        "oidc-req-authz-offline-access",
        "offline_access only with prompt consent",
        A,
        "spid-cie-oidc-docs docs/en/token_endpoint.rst (Refresh Token); OpenID Connect Core 1.0 §11",
        "to get a refresh token the RP MUST put offline_access in scope and consent in prompt; offline access without consent is not granted",
        "when scope has offline_access, send prompt consent (or \"consent login\")",
        "offline-without-consent",
        None,
    ),
    check(
        "oidc-req-authz-acr-values",
        "acr_values lists SPID/CIE levels the OP offers",
        A,
        AUTHZ,
        "acr_values is a space-separated list, in order of preference, of values from the OP's acr_values_supported: https://www.spid.gov.it/SpidL1, SpidL2, SpidL3",
        "send the level URIs https://www.spid.gov.it/SpidL1..3, separated by single spaces",
        "acr-values-invalid",
        None,
    ),
    check(
        "oidc-req-authz-prompt",
        "prompt is consent or \"consent login\"",
        A,
        AUTHZ,
        "the allowed values of prompt are consent and \"consent login\"",
        "send prompt=consent, or \"consent login\" to force a new authentication",
        "prompt-invalid",
        None,
    ),
    check(
        "oidc-req-authz-pkce-method",
        "code_challenge_method is S256",
        A,
        "spid-cie-oidc-docs docs/en/authorization_endpoint.rst (code_challenge_method); RFC 7636 §4.2",
        "code_challenge_method is one of the OP's code_challenge_methods_supported, S256 only; a client able to use S256 MUST use it",
        "send code_challenge_method=S256 with BASE64URL(SHA-256(verifier))",
        "pkce-plain",
        None,
    ),
    check(
        "oidc-req-authz-pkce-challenge",
        "code_challenge is a base64url SHA-256 (43 characters)",
        A,
        "RFC 7636 §4.2",
        "with S256, code_challenge is BASE64URL-ENCODE(SHA256(ASCII(code_verifier))): 43 characters of the base64url alphabet, no padding; sent twice, the two are equal",
        "hash the verifier with SHA-256 and encode the 32 bytes base64url without padding (not hex)",
        "pkce-challenge-hex",
        None,
    ),
    check(
        "oidc-req-authz-nonce",
        "nonce has at least 32 alphanumeric characters",
        A,
        AUTHZ,
        "nonce MUST be a random string of at least 32 alphanumeric characters",
        "generate nonce as 32 or more random alphanumeric characters",
        "nonce-short",
        None,
    ),
    check(
        "oidc-req-authz-state",
        "state has at least 32 alphanumeric characters",
        A,
        AUTHZ,
        "state is a random string of at least 32 alphanumeric characters identifying the RP-side session",
        "generate state as 32 or more random alphanumeric characters",
        "state-short",
        None,
    ),
    check(
        "oidc-req-authz-nonce-fresh",
        "nonce is new in every login",
        A,
        "OpenID Connect Core 1.0 §3.1.2.1 and §15.5.2; spid-cie-oidc-docs docs/en/authorization_endpoint.rst",
        "nonce ties one authentication to its ID token against replay, so it is a fresh random value per request: two logins never share one",
        "draw a new nonce for each authorization request and keep it in that login's session",
        "nonce-reused",
        None,
    ),
    check(
        "oidc-req-authz-state-fresh",
        "state is new in every login",
        A,
        "RFC 6749 §10.12; spid-cie-oidc-docs docs/en/authorization_endpoint.rst",
        "state binds the answer to the browser session that asked (CSRF defence), so it is an unguessable value per request: two logins never share one",
        "draw a new state for each authorization request",
        "state-reused",
        None,
    ),
    check(
        "oidc-req-authz-pkce-fresh",
        "the PKCE challenge is new in every login",
        A,
        "RFC 7636 §4.1",
        "the client creates a new code_verifier for each authorization request, so two requests never carry the same code_challenge",
        "generate a new random code_verifier (32 random bytes) for every login",
        "pkce-reused",
        None,
    ),
    check(
        "oidc-req-authz-claims",
        "the claims parameter has the shape of OIDC Core §5.5",
        A,
        "OpenID Connect Core 1.0 §5.5; spid-cie-oidc-docs docs/en/authorization_endpoint.rst (scope and claims)",
        "claims, where sent, is a JSON object whose members are userinfo and/or id_token, each an object mapping claim names to null or to an object (essential, value, values); SPID releases user attributes at userinfo only, so a SPID request asks none in id_token",
        "send claims as {\"userinfo\": {\"given_name\": null, …}}",
        "claims-shape",
        None,
    ),
    check(
        "oidc-req-token-form",
        "the token request is a form-encoded POST, each parameter once",
        T,
        "spid-cie-oidc-docs docs/en/token_endpoint.rst; RFC 6749 §4.1.3 and §3.2",
        "the RP POSTs the token request with its parameters in an application/x-www-form-urlencoded body, each parameter at most once",
        "POST the parameters form-encoded, not as JSON nor in the query",
        "token-json",
        Some("3.0.0"),
    ),
    check(
        "oidc-req-token-grant-type",
        "the code is exchanged with grant_type authorization_code",
        T,
        TOKEN,
        "to exchange the code, grant_type is authorization_code, sent with code and code_verifier",
        "send grant_type=authorization_code",
        "grant-type-wrong",
        None,
    ),
    check(
        "oidc-req-token-assertion-type",
        "client authentication is private_key_jwt",
        T,
        TOKEN,
        "the RP authenticates with private_key_jwt: client_assertion_type urn:ietf:params:oauth:client-assertion-type:jwt-bearer and the JWT in client_assertion",
        "send client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer with a client_assertion",
        "client-assertion-type",
        None,
    ),
    check(
        "oidc-req-token-assertion-iss-sub",
        "the client assertion's iss and sub are the client_id",
        T,
        "spid-cie-oidc-docs docs/en/token_endpoint.rst (client_assertion); RFC 7523 §3",
        "in the client assertion iss MUST be the client_id and sub MUST equal iss; the client_id parameter, where sent, is the same",
        "set iss and sub of the assertion to your client_id",
        "client-assertion-sub",
        None,
    ),
    check(
        "oidc-req-token-assertion-aud",
        "the client assertion's aud is the token endpoint",
        T,
        "spid-cie-oidc-docs docs/en/token_endpoint.rst (client_assertion); RFC 7523 §3",
        "aud of the client assertion is the URL of the OP's token endpoint (RFC 7523 also lets it name the OP's issuer)",
        "set aud to the token endpoint URL of the OP's metadata",
        "client-assertion-aud",
        None,
    ),
    check(
        "oidc-req-token-assertion-jti",
        "every client assertion has its own jti",
        T,
        "spid-cie-oidc-docs docs/en/token_endpoint.rst (jti); OpenID Connect Core 1.0 §9",
        "jti is a unique identifier generated for each assertion, and an assertion is used only once: no two assertions the RP sends carry the same jti",
        "draw a new jti (a uuid4) for every client assertion",
        "client-assertion-jti-reused",
        None,
    ),
    check(
        "oidc-req-token-assertion-exp",
        "the client assertion's exp is present and near",
        T,
        "RFC 7523 §3; spid-cie-oidc-docs docs/en/token_endpoint.rst (exp)",
        "exp is REQUIRED and limits the window the assertion can be used in: after the moment the OP receives it, and not unreasonably far ahead (the OPs here refuse more than an hour, as RFC 7523 allows)",
        "set exp a few minutes after iat",
        "client-assertion-exp",
        None,
    ),
    RequestCheck {
        id: "oidc-req-token-assertion-short",
        title: "the client assertion lives ten minutes at most",
        stage: T,
        rule: Rule {
            source: "RFC 7523 §3 (exp); advice",
            words: "an assertion needs to live only as long as the request it authenticates; no rule sets a figure, ten minutes is ample",
        },
        severity: Severity::Warning,
        fix: "set exp a few minutes after iat",
        mutant: Some("client-assertion-exp"),
        agid: None,
        cie_only: false,
    },
    check(
        "oidc-req-token-assertion-signature",
        "the client assertion is signed with a published RP key",
        T,
        "spid-cie-oidc-docs docs/en/token_endpoint.rst (client_assertion) and docs/en/cryptographic_algos.rst",
        "the client assertion is signed with the RP's private key: an alg from the OP's token_endpoint_auth_signing_alg_values_supported, the kid of a key of the RP's openid_relying_party jwks, and a signature that verifies with it",
        "sign assertions with the OIDC-core key your openid_relying_party jwks publishes, with its kid",
        "client-assertion-key",
        None,
    ),
    check(
        "oidc-req-token-code-verifier",
        "code_verifier matches the login's code_challenge",
        T,
        "RFC 7636 §4.1 and §4.5; spid-cie-oidc-docs docs/en/token_endpoint.rst (code_verifier)",
        "code_verifier is 43 to 128 unreserved characters and its S256 hash is the code_challenge of the authorization request whose code is exchanged",
        "keep the verifier in the login's session and send that one with its code",
        "code-verifier-wrong",
        None,
    ),
    check(
        "oidc-req-revoke-at-logout",
        "logout revokes the access token at the OP",
        R,
        REVOCATION,
        "when the user logs out the RP MUST revoke the access token it holds at the OP's revocation endpoint",
        "at logout POST the access token to the OP's revocation_endpoint (private_key_jwt) before dropping the session",
        "logout-no-revocation",
        None,
    ),
    check(
        "oidc-req-revoke-client-auth",
        "revocation requests authenticate with private_key_jwt for the revocation endpoint",
        R,
        "spid-cie-oidc-docs docs/en/revocation_endpoint.rst (Request); RFC 7009 §2.1",
        "a revocation request is a form-encoded POST with token and a client assertion like the token endpoint's: client_assertion_type jwt-bearer, signed with an RP key, iss = sub = client_id, aud the revocation endpoint (or the issuer), a jti of its own, exp current",
        "build a fresh assertion for each revocation, with aud the revocation endpoint",
        "revocation-assertion-aud",
        None,
    ),
    check(
        "oidc-req-revoke-cie-refresh-kept",
        "CIE: logout does not revoke the refresh token",
        R,
        "spid-cie-oidc-docs docs/en/logout.rst (CIE)",
        "where the OP supports offline_access, the refresh token MUST NOT be revoked following a logout: only the access tokens are",
        "at CIE logout revoke the access token only; keep the refresh token for offline use",
        "logout-revokes-refresh",
        None,
    )
    .at_cie_only(),
];

/// A check by id.
pub fn by_id(id: &str) -> Option<&'static RequestCheck> {
    REQUEST_CHECKS.iter().find(|c| c.id == id)
}

/// Whether `only` asks for any check of this family (all when empty).
pub fn wanted(only: &[String]) -> bool {
    only.is_empty() || only.iter().any(|id| by_id(id).is_some())
}

/// The OIDC profile of an OP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// SPID.
    Spid,
    /// CIE.
    Cie,
}

/// What the checks need to know of an OP (from its `openid_provider` metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpFacts {
    /// Its issuer.
    pub issuer: String,
    /// Its token endpoint.
    pub token_endpoint: String,
    /// Its revocation endpoint.
    pub revocation_endpoint: String,
    /// Its profile.
    pub profile: Profile,
    /// `scopes_supported`.
    pub scopes: Vec<String>,
    /// `acr_values_supported`.
    pub acr_values: Vec<String>,
    /// `request_object_signing_alg_values_supported`.
    pub request_object_algs: Vec<String>,
    /// `token_endpoint_auth_signing_alg_values_supported`.
    pub assertion_algs: Vec<String>,
}

impl OpFacts {
    /// Reads the facts from an OP's `openid_provider` metadata.
    pub fn from_metadata(md: &Value, profile: Profile) -> Self {
        let s = |k: &str| {
            md.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let list = |k: &str| strings(md.get(k));
        Self {
            issuer: s("issuer"),
            token_endpoint: s("token_endpoint"),
            revocation_endpoint: s("revocation_endpoint"),
            profile,
            scopes: list("scopes_supported"),
            acr_values: list("acr_values_supported"),
            request_object_algs: list("request_object_signing_alg_values_supported"),
            assertion_algs: list("token_endpoint_auth_signing_alg_values_supported"),
        }
    }
}

/// What the checks need to know of the RP (from its entity configuration, read unverified:
/// verifying it is the `oidc-entity-configuration` family's work).
#[derive(Debug, Clone, Default)]
pub struct RpFacts {
    /// Its client_id.
    pub client_id: String,
    /// `openid_relying_party.jwks`, when readable.
    pub jwks: Option<Jwks>,
    /// `openid_relying_party.redirect_uris`.
    pub redirect_uris: Vec<String>,
    /// Why the entity configuration could not be read, if it could not.
    pub problem: Option<String>,
}

impl RpFacts {
    /// Reads the facts from the RP's entity configuration `jwt` (client_id `client_id`).
    pub fn from_entity_configuration(jwt: &str, client_id: &str) -> Self {
        let mut facts = Self {
            client_id: client_id.to_string(),
            ..Self::default()
        };
        let md = jws::decode_unverified(jwt.trim())
            .and_then(|u| u.claims::<Value>())
            .map(|c| c.pointer("/metadata/openid_relying_party").cloned());
        match md {
            Ok(Some(md)) => {
                facts.jwks = md
                    .get("jwks")
                    .and_then(|j| serde_json::from_value(j.clone()).ok());
                facts.redirect_uris = strings(md.get("redirect_uris"));
                if facts.jwks.is_none() {
                    facts.problem = Some("openid_relying_party has no readable jwks".into());
                }
            }
            Ok(None) => facts.problem = Some("no openid_relying_party metadata".into()),
            Err(e) => facts.problem = Some(format!("the entity configuration is not a JWS: {e}")),
        }
        facts
    }
}

/// The strings of a JSON array (none when `v` is absent or not an array).
fn strings(v: Option<&Value>) -> Vec<String> {
    let items = v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// One login played through the RP, and what reached the OPs during it.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    /// The OP (provider id).
    pub op: String,
    /// The requests at an authorization endpoint while the browser went to the OP.
    pub authorization: Vec<ObservedRequest>,
    /// The code the OP answered with, if it did.
    pub code: Option<String>,
    /// The token requests while the RP handled the callback.
    pub token: Vec<ObservedRequest>,
    /// Whether the RP logged the user in.
    pub logged_in: bool,
    /// The requests at the OPs while the RP logged the user out (`None`: no logout played).
    pub logout: Option<Vec<ObservedRequest>>,
    /// Where the login stopped, when it did.
    pub stopped: Option<String>,
}

/// Everything the checks judge.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The RP.
    pub rp: RpFacts,
    /// The OPs by provider id.
    pub ops: BTreeMap<String, OpFacts>,
    /// The logins, in order.
    pub logins: Vec<LoginRecord>,
    /// Why no logout was played, when the RP's logout URL is not known (the revocation
    /// checks are then skipped, not judged).
    pub no_logout: Option<String>,
}

/// Why the revocation checks are skipped without the RP's logout URL.
pub const NO_LOGOUT_URL: &str = "needs the RP's logout URL (--logout-url): no logout was played, so no revocation at logout can be seen";

/// The logins played: OP, and whether to log out after it.
pub const PLAN: &[(&str, bool)] = &[("poste", true), ("poste", false), ("cie", true)];

/// The facts of every OP the federation runs.
pub fn op_facts(federation: &mock_idps::MockFederation) -> BTreeMap<String, OpFacts> {
    federation
        .oidc_op()
        .ops
        .ops
        .iter()
        .map(|op| {
            let profile = if op.profile.name == "cie" {
                Profile::Cie
            } else {
                Profile::Spid
            };
            (
                op.provider.id.clone(),
                OpFacts::from_metadata(&op.openid_provider_metadata(), profile),
            )
        })
        .collect()
}

fn in_range(all: &[ObservedRequest], from: u64, to: u64) -> Vec<ObservedRequest> {
    all.iter()
        .filter(|r| r.seq >= from && r.seq < to)
        .cloned()
        .collect()
}

/// Plays one login (and its logout) through the RP as its browser: the login URL, the RP's
/// redirects to the OP's authorization endpoint, the OP's redirect back to the RP's own
/// `redirect_uri` (whatever its path), the probe, then the logout URL; the marks of the record
/// around each step.
async fn play_login(target: &OidcTarget<'_>, op: &str, logout: bool) -> (LoginRecord, [u64; 5]) {
    let fed = target.federation();
    let mut rec = LoginRecord {
        op: op.to_string(),
        authorization: Vec::new(),
        code: None,
        token: Vec::new(),
        logged_in: false,
        logout: None,
        stopped: None,
    };
    let m0 = fed.oidc_request_mark();
    let mut marks = [m0; 5];
    let mut jar = Jar::default();
    let authz_url = match target.reach_authorization(op, &mut jar).await {
        Ok(u) => u,
        Err(e) => {
            rec.stopped = Some(crate::report::error_chain(&e));
            return (rec, marks);
        }
    };
    let answer = target.authorize(op, &authz_url).await;
    marks[1] = fed.oidc_request_mark();
    marks[2] = marks[1];
    let redirect = match answer {
        Ok(r) => r,
        Err(e) => {
            rec.stopped = Some(format!(
                "the OP did not answer with a code: {}",
                crate::report::error_chain(&e)
            ));
            return (rec, marks);
        }
    };
    let query = redirect.split_once('?').map_or("", |(_, q)| q).to_string();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if let Some((_, e)) = pairs.iter().find(|(k, _)| k == "error") {
        rec.stopped = Some(format!("the OP answered error={e}: {redirect}"));
        return (rec, marks);
    }
    rec.code = pairs.into_iter().find(|(k, _)| k == "code").map(|(_, v)| v);
    let answered = target.callback(&redirect, &query, jar).await;
    marks[2] = fed.oidc_request_mark();
    let mut jar = match answered {
        Ok(a) => a.jar,
        Err(e) => {
            rec.stopped = Some(crate::report::error_chain(&e));
            return (rec, marks);
        }
    };
    rec.logged_in = target.logged_in(&jar).await.unwrap_or(false);
    if !(logout && rec.logged_in) {
        return (rec, marks);
    }
    marks[3] = fed.oidc_request_mark();
    let out = target.logout(&mut jar).await;
    marks[4] = fed.oidc_request_mark();
    match out {
        None => return (rec, marks),
        Some(Err(e)) => rec.stopped = Some(crate::report::error_chain(&e)),
        Some(Ok(_)) => {}
    }
    rec.logout = Some(Vec::new());
    (rec, marks)
}

/// The logins to play for `profile` (both kinds when `None`: [`PLAN`]): OP, and whether to log
/// out after it. A profile plays two logins at an OP of its kind, the first logged out.
pub fn plan(profile: Option<super::OidcProfile>) -> &'static [(&'static str, bool)] {
    match profile {
        None => PLAN,
        Some(super::OidcProfile::SpidOidcRp) => &[("poste", true), ("poste", false)],
        Some(super::OidcProfile::CieOidcRp) => &[("cie", true), ("cie", false)],
    }
}

/// Plays the logins of `plan` (see [`plan`]) through the RP under `target` and gathers what
/// reached the OPs; `ec` is the RP's entity configuration (for its keys and redirect URIs),
/// `client_id` its client_id.
pub async fn observe_plan(
    target: &OidcTarget<'_>,
    ec: Option<&str>,
    client_id: &str,
    plan: &[(&str, bool)],
) -> Observation {
    let fed = target.federation();
    let first = fed.oidc_request_mark();
    let mut played = Vec::new();
    for (op, logout) in plan {
        played.push(play_login(target, op, *logout).await);
    }
    let all = fed.oidc_requests_since(first);
    let logins = played
        .into_iter()
        .map(|(mut rec, m)| {
            rec.authorization = in_range(&all, m[0], m[1])
                .into_iter()
                .filter(|r| r.endpoint == Endpoint::Authorization)
                .collect();
            rec.token = in_range(&all, m[1], m[2])
                .into_iter()
                .filter(|r| r.endpoint == Endpoint::Token)
                .collect();
            if rec.logout.is_some() {
                rec.logout = Some(in_range(&all, m[3], m[4]));
            }
            rec
        })
        .collect();
    let rp = match ec {
        Some(jwt) => RpFacts::from_entity_configuration(jwt, client_id),
        None => RpFacts {
            client_id: client_id.to_string(),
            problem: Some("the RP's entity configuration could not be fetched".into()),
            ..RpFacts::default()
        },
    };
    Observation {
        rp,
        ops: op_facts(fed),
        logins,
        no_logout: target
            .urls()
            .logout
            .is_none()
            .then(|| NO_LOGOUT_URL.to_string()),
    }
}

/// A check's verdict on an observation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// Every request it applies to keeps the rule; what was judged.
    Pass(String),
    /// At least one does not; which and why.
    Fail(String),
    /// Nothing it applies to was sent (the login stopped earlier); why.
    Unseen(String),
}

/// One authorization request, decoded.
struct Authz<'a> {
    login: usize,
    op: &'a str,
    req: &'a ObservedRequest,
    header: Option<Header>,
    object: Option<Value>,
    decode_error: Option<String>,
}

impl Authz<'_> {
    /// The value of `name`: the request object's member where there is an object, else the
    /// query's.
    fn value(&self, name: &str) -> Option<String> {
        match &self.object {
            Some(o) => o.get(name).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            None => self.req.param(name).map(str::to_string),
        }
    }

    fn label(&self) -> String {
        format!("login {} ({})", self.login + 1, self.op)
    }
}

fn decode_authz<'a>(login: usize, op: &'a str, req: &'a ObservedRequest) -> Authz<'a> {
    let mut a = Authz {
        login,
        op,
        req,
        header: None,
        object: None,
        decode_error: None,
    };
    if let Some(r) = req.param("request") {
        match jws::decode_unverified(r).and_then(|u| {
            let claims: Value = u.claims()?;
            Ok((u.header, claims))
        }) {
            Ok((h, c)) => {
                a.header = Some(h);
                a.object = Some(c);
            }
            Err(e) => a.decode_error = Some(e.to_string()),
        }
    }
    a
}

fn authz_requests(obs: &Observation) -> Vec<Authz<'_>> {
    obs.logins
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            l.authorization
                .iter()
                .map(move |r| decode_authz(i, &l.op, r))
        })
        .collect()
}

/// A client assertion as sent (`None` fields when absent or unreadable).
struct Assertion<'a> {
    label: String,
    login: usize,
    req: &'a ObservedRequest,
    jwt: Option<&'a str>,
    header: Option<Header>,
    claims: Option<Value>,
}

fn assertions<'a>(obs: &'a Observation, stage: Stage) -> Vec<Assertion<'a>> {
    let mut out = Vec::new();
    for (i, l) in obs.logins.iter().enumerate() {
        let reqs: Vec<&ObservedRequest> = match stage {
            Stage::Token => l.token.iter().collect(),
            Stage::Revocation => l
                .logout
                .iter()
                .flatten()
                .filter(|r| r.endpoint == Endpoint::Revocation)
                .collect(),
            Stage::Authorization => Vec::new(),
        };
        for req in reqs {
            let jwt = req.param("client_assertion");
            let decoded = jwt.and_then(|j| {
                let u = jws::decode_unverified(j).ok()?;
                let c: Value = u.claims().ok()?;
                Some((u.header, c))
            });
            let (header, claims) = decoded.map_or((None, None), |(h, c)| (Some(h), Some(c)));
            out.push(Assertion {
                label: format!("login {} ({}) {}", i + 1, l.op, req.endpoint.name()),
                login: i,
                req,
                jwt,
                header,
                claims,
            });
        }
    }
    out
}

fn alnum32(s: &str) -> bool {
    s.len() >= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `Ok` when nothing is wrong, else the wrong things, comma-separated.
pub(super) fn none_of<T: AsRef<str>>(wrong: &[T]) -> Result<(), String> {
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", "))
    }
}

/// [`none_of`], its error worded by `message` from the wrong values and the OP's `offered` ones.
fn none_outside(
    wrong: &[&str],
    offered: &[String],
    message: impl Fn(&str, &str) -> String,
) -> Result<(), String> {
    none_of(wrong).map_err(|w| message(&w, &offered.join(", ")))
}

fn words(s: &str) -> Vec<&str> {
    s.split(' ').filter(|w| !w.is_empty()).collect()
}

fn aud_names(v: Option<&Value>, want: &[&str]) -> bool {
    match v {
        Some(Value::String(a)) => want.contains(&a.as_str()),
        Some(Value::Array(a)) => a
            .iter()
            .any(|x| x.as_str().is_some_and(|x| want.contains(&x))),
        _ => false,
    }
}

fn claim_str<'v>(c: &'v Value, k: &str) -> Option<&'v str> {
    c.get(k).and_then(Value::as_str)
}

fn claim_i64(c: &Value, k: &str) -> Option<i64> {
    c.get(k).and_then(Value::as_i64)
}

/// Whether a token is one of the OPs' access tokens (a JWS typed `at+jwt`).
fn is_access_token(token: &str) -> bool {
    jws::decode_unverified(token).is_ok_and(|u| u.header.typ_is("at+jwt"))
}

/// Whether `jwt` verifies with the RP's published keys under `algs` (names), the kid it names
/// being one of them: `Err` saying why not.
fn signed_by_rp(
    header: Option<&Header>,
    jwt: &str,
    jwks: Option<&Jwks>,
    algs: &[String],
    what: &str,
) -> Result<(), String> {
    let Some(jwks) = jwks else {
        return Err("the RP's openid_relying_party jwks could not be read".into());
    };
    let alg_name = header.map_or("?", |h| h.alg.as_str());
    if !algs.iter().any(|a| a == alg_name) {
        return Err(format!("{what} alg {alg_name} is not one the OP lists"));
    }
    let alg = JwsAlg::from_str(alg_name).map_err(|e| format!("{what} alg {alg_name}: {e}"))?;
    jws::verify(jwt, jwks, &[alg])
        .map(|_| ())
        .map_err(|e| format!("{what} does not verify with the RP's published keys: {e}"))
}

/// Collects per-request failures into one verdict: `Unseen(none)` when `judged` is zero.
fn verdict(judged: usize, fails: Vec<String>, pass: String, none: &str) -> Judged {
    if judged == 0 {
        Judged::Unseen(none.to_string())
    } else if fails.is_empty() {
        Judged::Pass(pass)
    } else {
        Judged::Fail(fails.join("; "))
    }
}

fn judge_authz(id: &str, obs: &Observation) -> Judged {
    let reqs = authz_requests(obs);
    let n = reqs.len();
    let none = "no authorization request reached an OP";
    let pass = format!("{n} authorization request(s) judged");
    let mut fails = Vec::new();
    let fresh = |name: &str, fails: &mut Vec<String>| {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for a in &reqs {
            if let Some(v) = a.value(name) {
                if let Some(first) = seen.insert(v.clone(), a.label()) {
                    fails.push(format!(
                        "{} sends the {name} {first} sent ({v:?})",
                        a.label()
                    ));
                }
            }
        }
    };
    match id {
        "oidc-req-authz-nonce-fresh" => fresh("nonce", &mut fails),
        "oidc-req-authz-state-fresh" => fresh("state", &mut fails),
        "oidc-req-authz-pkce-fresh" => fresh("code_challenge", &mut fails),
        _ => {}
    }
    if id.ends_with("-fresh") {
        return if n < 2 {
            Judged::Unseen("fewer than two authorization requests reached the OPs".into())
        } else {
            verdict(n, fails, pass, none)
        };
    }
    for a in &reqs {
        let op = obs.ops.get(a.op);
        let r = judge_one_authz(id, a, op, &obs.rp);
        if let Err(e) = r {
            fails.push(format!("{}: {e}", a.label()));
        }
    }
    verdict(n, fails, pass, none)
}

fn judge_one_authz(
    id: &str,
    a: &Authz<'_>,
    op: Option<&OpFacts>,
    rp: &RpFacts,
) -> Result<(), String> {
    let object = || -> Result<&Value, String> {
        match (&a.object, &a.decode_error) {
            (Some(o), _) => Ok(o),
            (None, Some(e)) => Err(format!("the request parameter is not a readable JWT: {e}")),
            (None, None) => Err("no request object".into()),
        }
    };
    let op = op.ok_or_else(|| format!("unknown OP {}", a.op))?;
    let v = |k: &str| a.value(k);
    match id {
        "oidc-req-authz-object" => {
            if a.req.param("request_uri").is_some() {
                return Err("request_uri sent; the OPs take the request object by value".into());
            }
            object().map(|_| ())
        }
        "oidc-req-authz-object-alg" => {
            object()?;
            let alg = a.header.as_ref().map_or("", |h| h.alg.as_str());
            if op.request_object_algs.iter().any(|x| x == alg) {
                Ok(())
            } else {
                Err(format!(
                    "alg {alg:?}; the OP lists {}",
                    op.request_object_algs.join(", ")
                ))
            }
        }
        "oidc-req-authz-object-kid" => {
            object()?;
            let kid = a.header.as_ref().and_then(|h| h.kid.clone());
            let jwks = rp.jwks.as_ref().ok_or("the RP's jwks could not be read")?;
            match kid {
                Some(k) if jwks.find(&k).is_some() => Ok(()),
                Some(k) => Err(format!(
                    "kid {k:?} is not in the RP's jwks ({})",
                    jwks.kids().join(", ")
                )),
                None => Err("no kid in the header".into()),
            }
        }
        "oidc-req-authz-object-signature" => {
            object()?;
            let jwt = a.req.param("request").unwrap_or_default();
            signed_by_rp(
                a.header.as_ref(),
                jwt,
                rp.jwks.as_ref(),
                &op.request_object_algs,
                "the request object",
            )
        }
        "oidc-req-authz-object-iss" => match claim_str(object()?, "iss") {
            Some(i) if i == rp.client_id => Ok(()),
            other => Err(format!("iss {}, client_id {}", shown(&other), rp.client_id)),
        },
        "oidc-req-authz-object-aud" => {
            let o = object()?;
            if aud_names(o.get("aud"), &[&op.issuer]) {
                Ok(())
            } else {
                Err(format!(
                    "aud {}, the OP is {}",
                    o.get("aud").unwrap_or(&Value::Null),
                    op.issuer
                ))
            }
        }
        "oidc-req-authz-object-no-sub" => match object()?.get("sub") {
            None => Ok(()),
            Some(s) => Err(format!("sub {s}")),
        },
        "oidc-req-authz-object-times" => {
            let o = object()?;
            let at = a.req.at.unix_timestamp();
            match (claim_i64(o, "iat"), claim_i64(o, "exp")) {
                (Some(iat), Some(exp)) if iat <= at + 60 && exp > at && exp > iat => Ok(()),
                (iat, exp) => Err(format!(
                    "iat {}, exp {}, received at {at} (OP clock)",
                    shown(&iat),
                    shown(&exp)
                )),
            }
        }
        "oidc-req-authz-duplicated" => {
            let o = object()?;
            let q = |k: &str| a.req.param(k);
            let mut bad = Vec::new();
            match (q("scope"), claim_str(o, "scope")) {
                (Some(p), Some(s))
                    if {
                        let (mut x, mut y) = (words(p), words(s));
                        x.sort_unstable();
                        y.sort_unstable();
                        x == y
                    } => {}
                (p, s) => bad.push(format!("scope: query {}, object {}", shown(&p), shown(&s))),
            }
            for k in ["client_id", "response_type"] {
                match (q(k), claim_str(o, k)) {
                    (Some(p), Some(s)) if p == s => {}
                    (None, _) if op.profile == Profile::Cie => {}
                    (p, s) => bad.push(format!("{k}: query {}, object {}", shown(&p), shown(&s))),
                }
            }
            for k in ["code_challenge", "code_challenge_method"] {
                if let (Some(p), Some(s)) = (q(k), claim_str(o, k)) {
                    if p != s {
                        bad.push(format!("{k}: query {p:?}, object {s:?}"));
                    }
                }
            }
            none_of(&bad)
        }
        "oidc-req-authz-redirect-uri" => match v("redirect_uri") {
            Some(u) if rp.redirect_uris.contains(&u) => Ok(()),
            other => Err(format!(
                "redirect_uri {}; the metadata lists {}",
                shown(&other),
                rp.redirect_uris.join(", ")
            )),
        },
        "oidc-req-authz-response-type" => match v("response_type").as_deref() {
            Some("code") => Ok(()),
            other => Err(format!("response_type {}", shown(&other))),
        },
        "oidc-req-authz-scope" => {
            let scope = v("scope").unwrap_or_default();
            let w = words(&scope);
            if !w.contains(&"openid") {
                return Err(format!("scope {scope:?} lacks openid"));
            }
            let unknown: Vec<&str> = w
                .into_iter()
                .filter(|s| !op.scopes.iter().any(|x| x == s))
                .collect();
            none_outside(&unknown, &op.scopes, |u, all| {
                format!("scope {u} not offered (the OP lists {all})")
            })
        }
        "oidc-req-authz-offline-access" => {
            let scope = v("scope").unwrap_or_default();
            let prompt = v("prompt").unwrap_or_default();
            if !words(&scope).contains(&"offline_access") || words(&prompt).contains(&"consent") {
                Ok(())
            } else {
                Err(format!("offline_access with prompt {prompt:?}"))
            }
        }
        "oidc-req-authz-acr-values" => {
            let acr = v("acr_values").unwrap_or_default();
            let w = words(&acr);
            let bad: Vec<&str> = w
                .iter()
                .copied()
                .filter(|x| {
                    mock_idps::spid::level::Level::from_uri(x).is_none()
                        || !op.acr_values.iter().any(|y| y == x)
                })
                .collect();
            if w.is_empty() {
                Err("no acr_values".into())
            } else if acr.contains("  ") || acr.starts_with(' ') || acr.ends_with(' ') {
                Err(format!("acr_values {acr:?}: single spaces between values"))
            } else {
                none_outside(&bad, &op.acr_values, |b, all| {
                    format!("acr_values {b} not among the OP's {all}")
                })
            }
        }
        "oidc-req-authz-prompt" => {
            let prompt = v("prompt").unwrap_or_default();
            let mut w = words(&prompt);
            w.sort_unstable();
            if w == ["consent"] || w == ["consent", "login"] {
                Ok(())
            } else {
                Err(format!("prompt {prompt:?}"))
            }
        }
        "oidc-req-authz-pkce-method" => {
            let mut bad = Vec::new();
            for (where_, m) in [
                ("request", v("code_challenge_method")),
                (
                    "query",
                    a.req.param("code_challenge_method").map(str::to_string),
                ),
            ] {
                match m.as_deref() {
                    Some("S256") => {}
                    None if where_ == "query" => {}
                    other => bad.push(format!("{where_}: code_challenge_method {}", shown(&other))),
                }
            }
            none_of(&bad)
        }
        "oidc-req-authz-pkce-challenge" => {
            let c = v("code_challenge").unwrap_or_default();
            if c.len() != 43 || !base64url(&c) {
                return Err(format!(
                    "code_challenge {c:?} ({} characters) is not a base64url SHA-256",
                    c.len()
                ));
            }
            match a.req.param("code_challenge") {
                Some(q) if q != c => Err(format!("the query's code_challenge {q:?} differs")),
                _ => Ok(()),
            }
        }
        "oidc-req-authz-nonce" => match v("nonce") {
            Some(n) if alnum32(&n) => Ok(()),
            other => Err(format!("nonce {}", shown(&other))),
        },
        "oidc-req-authz-state" => match v("state") {
            Some(s) if alnum32(&s) => Ok(()),
            other => Err(format!("state {}", shown(&other))),
        },
        "oidc-req-authz-claims" => {
            let claims = match &a.object {
                Some(o) => o.get("claims").cloned(),
                None => match a.req.param("claims") {
                    Some(c) => Some(
                        serde_json::from_str(c).map_err(|e| format!("claims is not JSON: {e}"))?,
                    ),
                    None => None,
                },
            };
            let Some(claims) = claims else {
                return Ok(());
            };
            let Some(members) = claims.as_object() else {
                return Err(format!("claims is not an object: {claims}"));
            };
            for (target, list) in members {
                if target != "userinfo" && target != "id_token" {
                    return Err(format!("claims member {target:?}"));
                }
                let Some(list) = list.as_object() else {
                    return Err(format!("claims.{target} is not an object: {list}"));
                };
                for (name, ask) in list {
                    let shape_ok = match ask {
                        Value::Null => true,
                        Value::Object(o) => o.iter().all(|(k, x)| match k.as_str() {
                            "essential" => x.is_boolean(),
                            "values" => x.is_array(),
                            _ => true,
                        }),
                        _ => false,
                    };
                    if !shape_ok {
                        return Err(format!("claims.{target}.{name} is {ask}"));
                    }
                    if target == "id_token" && op.profile == Profile::Spid && name != "acr" {
                        return Err(format!(
                            "claims.id_token.{name}: SPID releases user attributes at userinfo only"
                        ));
                    }
                }
            }
            Ok(())
        }
        other => Err(format!("no such check {other}")),
    }
}

fn judge_assertion(
    id: &str,
    a: &Assertion<'_>,
    op: &OpFacts,
    rp: &RpFacts,
    endpoint: &str,
) -> Result<(), String> {
    let claims = || a.claims.as_ref().ok_or("no readable client_assertion");
    let at = a.req.at.unix_timestamp();
    match id {
        "oidc-req-token-assertion-type" => {
            match a.req.param("client_assertion_type") {
                Some(mock_idps::oidc::op::client_auth::JWT_BEARER) => {}
                other => return Err(format!("client_assertion_type {}", shown(&other))),
            }
            a.jwt
                .map(|_| ())
                .ok_or_else(|| "no client_assertion".into())
        }
        "oidc-req-token-assertion-iss-sub" => {
            let c = claims()?;
            let (iss, sub) = (claim_str(c, "iss"), claim_str(c, "sub"));
            if iss != Some(rp.client_id.as_str()) || sub != iss {
                return Err(format!(
                    "iss {}, sub {}, client_id {}",
                    shown(&iss),
                    shown(&sub),
                    rp.client_id
                ));
            }
            match a.req.param("client_id") {
                Some(p) if p != rp.client_id => Err(format!("client_id parameter {p:?}")),
                _ => Ok(()),
            }
        }
        "oidc-req-token-assertion-aud" => {
            let c = claims()?;
            if aud_names(c.get("aud"), &[endpoint, &op.issuer]) {
                Ok(())
            } else {
                Err(format!(
                    "aud {}, the endpoint is {endpoint}",
                    c.get("aud").unwrap_or(&Value::Null)
                ))
            }
        }
        "oidc-req-token-assertion-exp" => match claim_i64(claims()?, "exp") {
            Some(exp) if exp > at && exp <= at + 3600 => Ok(()),
            exp => Err(format!("exp {}, received at {at} (OP clock)", shown(&exp))),
        },
        "oidc-req-token-assertion-short" => match claim_i64(claims()?, "exp") {
            Some(exp) if exp <= at + 600 => Ok(()),
            exp => Err(format!(
                "exp {}, {}s after it arrived",
                shown(&exp),
                exp.map_or(0, |e| e - at)
            )),
        },
        "oidc-req-token-assertion-signature" => signed_by_rp(
            a.header.as_ref(),
            a.jwt.ok_or("no client_assertion")?,
            rp.jwks.as_ref(),
            &op.assertion_algs,
            "the client assertion",
        ),
        other => Err(format!("no such check {other}")),
    }
}

fn form_encoded(req: &ObservedRequest) -> Result<(), String> {
    if req.method != Method::Post {
        return Err("not a POST".into());
    }
    let ct = req.content_type.as_deref().unwrap_or("");
    if !ct.split(';').next().is_some_and(|t| {
        t.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    }) {
        return Err(format!("Content-Type {ct:?}"));
    }
    let mut names = BTreeSet::new();
    for (k, _) in &req.params {
        if !names.insert(k) {
            return Err(format!("parameter {k} sent twice"));
        }
    }
    Ok(())
}

fn judge_token(id: &str, obs: &Observation) -> Judged {
    let none = "no token request reached an OP (the logins stopped before the code exchange)";
    if id == "oidc-req-token-assertion-jti" {
        let mut all = assertions(obs, Stage::Token);
        all.extend(assertions(obs, Stage::Revocation));
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut fails = Vec::new();
        for a in &all {
            match a.claims.as_ref().and_then(|c| claim_str(c, "jti")) {
                Some(j) if !j.is_empty() => {
                    if let Some(first) = seen.insert(j.to_string(), a.label.clone()) {
                        fails.push(format!("{} reuses the jti of {first} ({j:?})", a.label));
                    }
                }
                _ => fails.push(format!("{}: no jti", a.label)),
            }
        }
        let n = all.len();
        return verdict(n, fails, format!("{n} client assertion(s) judged"), none);
    }
    let mut fails = Vec::new();
    let mut n = 0;
    for (i, l) in obs.logins.iter().enumerate() {
        let Some(op) = obs.ops.get(&l.op) else {
            continue;
        };
        for req in &l.token {
            n += 1;
            let label = format!("login {} ({})", i + 1, l.op);
            let r = match id {
                "oidc-req-token-form" => form_encoded(req),
                "oidc-req-token-grant-type" => match (
                    req.param("grant_type"),
                    req.param("code"),
                    req.param("code_verifier"),
                ) {
                    (Some("authorization_code"), Some(_), Some(_)) => Ok(()),
                    (Some("refresh_token"), None, _) if req.param("refresh_token").is_some() => {
                        Ok(())
                    }
                    (g, c, v) => Err(format!(
                        "grant_type {} (code {}, code_verifier {})",
                        shown(&g),
                        if c.is_some() { "sent" } else { "missing" },
                        if v.is_some() { "sent" } else { "missing" }
                    )),
                },
                "oidc-req-token-code-verifier" => code_verifier(l, req),
                _ => {
                    let a = assertions(obs, Stage::Token)
                        .into_iter()
                        .find(|a| a.req.seq == req.seq);
                    match a {
                        Some(a) => judge_assertion(id, &a, op, &obs.rp, &op.token_endpoint),
                        None => Err("no assertion".into()),
                    }
                }
            };
            if let Err(e) = r {
                fails.push(format!("{label}: {e}"));
            }
        }
    }
    verdict(n, fails, format!("{n} token request(s) judged"), none)
}

fn code_verifier(l: &LoginRecord, req: &ObservedRequest) -> Result<(), String> {
    if req.param("grant_type") == Some("refresh_token") {
        return Ok(());
    }
    let verifier = req.param("code_verifier").ok_or("no code_verifier")?;
    if !(43..=128).contains(&verifier.len())
        || !verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    {
        return Err(format!(
            "code_verifier of {} characters outside the unreserved set or 43..128",
            verifier.len()
        ));
    }
    if l.code.is_some() && req.param("code") != l.code.as_deref() {
        return Err("the code sent is not the one of this login".into());
    }
    let challenge = l
        .authorization
        .last()
        .and_then(|r| decode_authz(0, &l.op, r).value("code_challenge"))
        .ok_or("the login's authorization request carried no code_challenge")?;
    let s256 = mock_idps::oidc::op::token::s256(verifier);
    if s256 == challenge {
        Ok(())
    } else {
        Err(format!(
            "S256(code_verifier) is {s256}, the login's code_challenge {challenge}"
        ))
    }
}

fn judge_revocation(id: &str, obs: &Observation) -> Judged {
    let mut fails = Vec::new();
    let mut n = 0;
    let none = "no logout was played (no login reached a session)";
    for (i, l) in obs.logins.iter().enumerate() {
        let Some(logout) = &l.logout else {
            continue;
        };
        let Some(op) = obs.ops.get(&l.op) else {
            continue;
        };
        let label = format!("logout {} ({})", i + 1, l.op);
        let revocations: Vec<&ObservedRequest> = logout
            .iter()
            .filter(|r| r.endpoint == Endpoint::Revocation && r.op == l.op)
            .collect();
        match id {
            "oidc-req-revoke-at-logout" => {
                n += 1;
                if !revocations
                    .iter()
                    .any(|r| r.param("token").is_some_and(is_access_token))
                {
                    fails.push(format!(
                        "{label}: no revocation of the access token ({} revocation request(s))",
                        revocations.len()
                    ));
                }
            }
            "oidc-req-revoke-cie-refresh-kept" => {
                if op.profile != Profile::Cie {
                    continue;
                }
                n += 1;
                if let Some(r) = revocations
                    .iter()
                    .find(|r| r.param("token").is_some_and(|t| !is_access_token(t)))
                {
                    fails.push(format!(
                        "{label}: revoked a token that is not the access token (the refresh token), request {}",
                        r.seq
                    ));
                }
            }
            "oidc-req-revoke-client-auth" => {
                let all = assertions(obs, Stage::Revocation);
                for a in all.iter().filter(|a| a.login == i) {
                    n += 1;
                    let mut r = form_encoded(a.req);
                    if r.is_ok() && a.req.param("token").is_none() {
                        r = Err("no token".into());
                    }
                    for sub in [
                        "oidc-req-token-assertion-type",
                        "oidc-req-token-assertion-iss-sub",
                        "oidc-req-token-assertion-aud",
                        "oidc-req-token-assertion-exp",
                        "oidc-req-token-assertion-signature",
                    ] {
                        if r.is_ok() {
                            r = judge_assertion(sub, a, op, &obs.rp, &op.revocation_endpoint);
                        }
                    }
                    if let Err(e) = r {
                        fails.push(format!("{label}: {e}"));
                    }
                }
            }
            _ => {}
        }
    }
    let none = if id == "oidc-req-revoke-client-auth" && n == 0 {
        "no revocation request reached an OP"
    } else if id == "oidc-req-revoke-cie-refresh-kept" && n == 0 {
        "no CIE logout was played"
    } else {
        none
    };
    verdict(n, fails, format!("{n} judged"), none)
}

/// Judges one check on an observation.
pub fn judge(check: &RequestCheck, obs: &Observation) -> Judged {
    if let Some(p) = &obs.rp.problem {
        if matches!(
            check.id,
            "oidc-req-authz-object-kid"
                | "oidc-req-authz-object-signature"
                | "oidc-req-authz-redirect-uri"
                | "oidc-req-token-assertion-signature"
                | "oidc-req-revoke-client-auth"
        ) {
            return Judged::Unseen(format!("the RP's metadata is needed: {p}"));
        }
    }
    match check.stage {
        Stage::Authorization => judge_authz(check.id, obs),
        Stage::Token => judge_token(check.id, obs),
        Stage::Revocation => judge_revocation(check.id, obs),
    }
}

/// One line per login: where it went.
fn summary(obs: &Observation) -> String {
    obs.logins
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let refused: Vec<String> = l
                .authorization
                .iter()
                .chain(&l.token)
                .chain(l.logout.iter().flatten())
                .filter_map(|r| {
                    r.refusal
                        .as_ref()
                        .map(|why| format!("the OP refused at {}: {why}", r.endpoint.name()))
                })
                .collect();
            format!(
                "login {} at {}: {} authorization, {} token, {} at logout{}{}{}",
                i + 1,
                l.op,
                l.authorization.len(),
                l.token.len(),
                l.logout.as_ref().map_or(0, Vec::len),
                if l.logged_in { ", logged in" } else { "" },
                l.stopped
                    .as_ref()
                    .map(|s| format!(", stopped: {s}"))
                    .unwrap_or_default(),
                refused.iter().map(|r| format!(", {r}")).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `obs` holds a login at an OP of `profile`.
fn played_at(obs: &Observation, profile: Profile) -> bool {
    obs.logins
        .iter()
        .any(|l| obs.ops.get(&l.op).is_some_and(|o| o.profile == profile))
}

/// The report entries of the checks `only` selects (all when empty), `millis` the time the
/// observation took (shared out).
pub fn entries(obs: &Observation, only: &[String], millis: f64) -> Vec<Entry> {
    let chosen: Vec<&RequestCheck> = REQUEST_CHECKS
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|id| id == c.id))
        .collect();
    let share = millis / chosen.len().max(1) as f64;
    let seen = summary(obs);
    chosen
        .into_iter()
        .map(|c| {
            let j = judge(c, obs);
            let skipped = obs
                .no_logout
                .as_ref()
                .filter(|_| c.stage == Stage::Revocation);
            let (passed, reason, not_run) = match (&j, skipped) {
                // A CIE-only check when the plan (--profile spid-oidc-rp) logs in at no CIE OP.
                _ if c.cie_only && !played_at(obs, Profile::Cie) => {
                    let why =
                        "no login at a CIE OP was played (--profile spid-oidc-rp)".to_string();
                    (
                        false,
                        why.clone(),
                        Some(NotRun {
                            kind: NotRunKind::NotApplicable,
                            reason: why,
                        }),
                    )
                }
                (_, Some(why)) => (
                    false,
                    why.clone(),
                    Some(NotRun {
                        kind: NotRunKind::Skipped,
                        reason: why.clone(),
                    }),
                ),
                (Judged::Pass(s), None) => (true, s.clone(), None),
                (Judged::Fail(s), None) => (false, s.clone(), None),
                (Judged::Unseen(s), None) => (
                    false,
                    s.clone(),
                    Some(NotRun {
                        kind: NotRunKind::NotDeterminable,
                        reason: s.clone(),
                    }),
                ),
            };
            Entry {
                id: c.id.to_string(),
                title: format!("{} [{}]", c.title, c.rule.source),
                outcome: c.stage.word().into(),
                expected: "conform".into(),
                passed,
                millis: share,
                rule: Some(format!("{}: {}", c.rule.source, c.rule.words)),
                severity: Some(c.severity),
                family: Some(FAMILY.into()),
                sent: Some(seen.clone()),
                not_run,
                verdict: Some(crate::oracle::Verdict {
                    accepted: passed,
                    rule: "request".into(),
                    reason,
                    evidence: vec![format!("fix: {}", c.fix)],
                    spid_error: None,
                }),
                ..Entry::default()
            }
        })
        .collect()
}

/// Plays the logins of `plan` through the RP under `target` whose pages are at `rp_base` (its
/// entity configuration fetched from there), client_id `client_id`, and judges the checks `only`
/// selects.
pub async fn request_entries(
    target: &OidcTarget<'_>,
    rp_base: &str,
    client_id: &str,
    plan: &[(&str, bool)],
    only: &[String],
) -> Vec<Entry> {
    let url = format!(
        "{}/.well-known/openid-federation",
        rp_base.trim_end_matches('/')
    );
    let ec = super::entity::fetch(target.http(), &url).await.ok();
    plan_entries(
        target,
        ec.as_ref().map(|f| f.body.as_str()),
        client_id,
        plan,
        only,
    )
    .await
}

/// Plays the logins of `plan` through the RP under `target` (reached only through its URLs),
/// whose entity configuration `ec` (as read, `None` when it could not be) names `client_id`, and
/// judges the checks `only` selects: the request family of `check --oidc` against any RP.
pub async fn plan_entries(
    target: &OidcTarget<'_>,
    ec: Option<&str>,
    client_id: &str,
    plan: &[(&str, bool)],
    only: &[String],
) -> Vec<Entry> {
    let began = std::time::Instant::now();
    let obs = observe_plan(target, ec, client_id, plan).await;
    entries(&obs, only, began.elapsed().as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_prefixed_and_errors_have_a_mutant() {
        let mut seen = BTreeSet::new();
        for c in REQUEST_CHECKS {
            assert!(seen.insert(c.id), "{}", c.id);
            assert!(c.id.starts_with(PREFIX), "{}", c.id);
            assert!(
                c.rule.words.len() > 40 && !c.rule.source.is_empty(),
                "{}",
                c.id
            );
            assert!(!c.fix.is_empty(), "{}", c.id);
            if c.severity == Severity::Error {
                let m = c.mutant.expect("an error check has a mutant");
                assert!(
                    reference_rp::sending::ALL.iter().any(|f| f.name == m),
                    "{}: {m} is not a sending switch",
                    c.id
                );
            }
        }
    }

    #[test]
    fn a_form_is_judged_on_its_content_type_and_repeats() {
        let req = |ct: &str, params: &[(&str, &str)]| ObservedRequest {
            seq: 1,
            op: "poste".into(),
            endpoint: Endpoint::Token,
            url: "http://op/token".into(),
            method: Method::Post,
            content_type: Some(ct.into()),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status: 200,
            refusal: None,
            at: time::OffsetDateTime::UNIX_EPOCH,
        };
        assert!(form_encoded(&req(
            "application/x-www-form-urlencoded; charset=utf-8",
            &[("a", "1")]
        ))
        .is_ok());
        assert!(form_encoded(&req("application/json", &[("a", "1")])).is_err());
        assert!(form_encoded(&req(
            "application/x-www-form-urlencoded",
            &[("a", "1"), ("a", "2")]
        ))
        .is_err());
    }
}
