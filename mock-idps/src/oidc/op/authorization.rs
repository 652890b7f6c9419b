//! The authorization endpoint's rules (spid-cie-oidc-docs docs/en/authorization_endpoint.rst)
//! on a request object whose signature already verified with the RP's resolved keys, and the
//! two ways a login on the shared pages ends for an OIDC request: a code, or an error, both
//! redirected to the RP with `state` and `iss`.

use super::profile::{Duplication, OidcProfile};
use super::registry::RpMetadata;
use super::state::{Authz, Grant};
use crate::spid::identity::User;
use crate::spid::level::Level;
use crate::spid::login::Answer;
use crate::spid::state::{IdpRuntime, MockState};
use serde_json::Value;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// The OP as a request must address it.
#[derive(Debug, Clone, Copy)]
pub struct OpView<'a> {
    /// Provider id.
    pub id: &'a str,
    /// Issuer (entity ID).
    pub issuer: &'a str,
    /// The levels it offers.
    pub levels: &'a [Level],
    /// Its profile.
    pub profile: &'static OidcProfile,
}

/// Why a request is refused, and whether the RP may be told by redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzError {
    /// OAuth/OIDC `error` (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6, federation codes).
    pub error: &'static str,
    /// What exactly is wrong.
    pub description: String,
    /// Where the error may be sent (a redirect_uri the RP's metadata lists) with the RP's
    /// `state`; `None`: the OP shows an error page (RFC 6749 §4.1.2.1: never redirect to an
    /// unverified URI).
    pub redirect: Option<(String, Option<String>)>,
}

impl AuthzError {
    fn page(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
            redirect: None,
        }
    }
}

/// The HTTP parameters of the request (query or form), each name at most once.
#[derive(Debug, Clone, Default)]
pub struct Params(pub BTreeMap<String, String>);

impl Params {
    /// Reads `pairs`; a name given twice is refused (RFC 6749 §3.1).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, AuthzError> {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if map.insert(k.clone(), v).is_some() {
                return Err(AuthzError::page(
                    "invalid_request",
                    format!("parameter {k} appears twice (RFC 6749 §3.1: parameters MUST NOT be repeated)"),
                ));
            }
        }
        Ok(Self(map))
    }

    /// One parameter.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }
}

fn str_claim<'a>(o: &'a Value, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

fn alnum_len(s: &str) -> bool {
    s.len() >= 32 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn scopes(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split(' ')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Where a verified request object (and its HTTP parameters) may send the answer: its
/// `redirect_uri`, when the RP's resolved metadata lists it.
pub fn trusted_redirect(object: &Value, rp: &RpMetadata) -> Result<String, AuthzError> {
    let Some(uri) = str_claim(object, "redirect_uri") else {
        return Err(AuthzError::page(
            "invalid_request",
            "the request object has no redirect_uri (authorization_endpoint.rst: REQUIRED)",
        ));
    };
    if !rp.redirect_uris.iter().any(|u| u == uri) {
        return Err(AuthzError::page(
            "invalid_request",
            format!(
                "redirect_uri {uri} is not among the RP's redirect_uris in its resolved metadata ({})",
                rp.redirect_uris.join(", ")
            ),
        ));
    }
    Ok(uri.to_string())
}

/// Applies every rule of the profile to the HTTP parameters and the verified request object.
pub fn check(
    params: &Params,
    object: &Value,
    rp: &RpMetadata,
    op: OpView<'_>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<Authz, AuthzError> {
    let redirect_uri = trusted_redirect(object, rp)?;
    let state = str_claim(object, "state").map(str::to_string);
    let fail = |error: &'static str, d: String| AuthzError {
        error,
        description: d,
        redirect: Some((redirect_uri.clone(), state.clone())),
    };
    let bad = |d: String| fail("invalid_request", d);
    let bad_object = |d: String| fail("invalid_request_object", d);
    // The request object's own claims (authorization_endpoint.rst, table of request-object claims).
    if object.get("sub").is_some() {
        return Err(bad_object("the request object carries sub: it MUST NOT, so it cannot be replayed as a client assertion (OpenID Federation, automatic registration)".into()));
    }
    match str_claim(object, "iss") {
        Some(iss) if iss == rp.client_id => {}
        other => {
            return Err(bad_object(format!(
                "request object iss is {other:?}; it must be the client_id {}",
                rp.client_id
            )))
        }
    }
    let aud_ok = match object.get("aud") {
        Some(Value::String(a)) => a == op.issuer,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(op.issuer)),
        _ => false,
    };
    if !aud_ok {
        return Err(bad_object(format!(
            "request object aud must be the OP issuer {}",
            op.issuer
        )));
    }
    let time = |k: &str| object.get(k).and_then(Value::as_i64);
    let now_s = now.unix_timestamp();
    match (time("iat"), time("exp")) {
        (Some(iat), Some(exp)) if iat <= now_s + skew.whole_seconds() && exp > now_s - skew.whole_seconds() && exp >= iat => {}
        (iat, exp) => return Err(bad_object(format!("request object iat {iat:?} / exp {exp:?} are missing or outside the OP clock {now_s} ± {}s", skew.whole_seconds()))),
    }
    // client_id and response_type: duplicated and equal (SPID MUST, CIE SHOULD: the object wins).
    for k in ["client_id", "response_type"] {
        let in_object = str_claim(object, k);
        let in_params = params.get(k);
        if op.profile.client_id_duplication == Duplication::MustMatch && in_params != in_object {
            return Err(bad(format!("{k} must be sent both as a parameter and in the request object, equal (parameter {in_params:?}, object {in_object:?}; {} profile)", op.profile.name)));
        }
    }
    if str_claim(object, "client_id") != Some(rp.client_id.as_str()) {
        return Err(bad_object(format!(
            "request object client_id must be {}",
            rp.client_id
        )));
    }
    if str_claim(object, "response_type") != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "response_type must be code".into(),
        ));
    }
    // scope: in both, same value, openid included, only the profile's scopes.
    let Some(object_scope) = str_claim(object, "scope") else {
        return Err(bad_object("the request object has no scope".into()));
    };
    match params.get("scope") {
        Some(p) if scopes(p) == scopes(object_scope) => {}
        p => {
            return Err(bad(format!(
                "scope parameter {p:?} must equal the request object's scope {object_scope:?}"
            )))
        }
    }
    let scope = scopes(object_scope);
    if !scope.iter().any(|s| s == "openid") {
        return Err(fail("invalid_scope", "scope must include openid".into()));
    }
    if let Some(s) = scope.iter().find(|s| !op.profile.knows_scope(s)) {
        return Err(fail(
            "invalid_scope",
            format!(
                "scope {s} is not defined by the {} profile",
                op.profile.name
            ),
        ));
    }
    // PKCE S256 only (RFC 7636; authorization_endpoint.rst).
    for source in [
        params.get("code_challenge_method"),
        str_claim(object, "code_challenge_method"),
    ] {
        if source != Some("S256") {
            return Err(bad(format!("code_challenge_method {source:?}: only S256 is accepted, as a parameter and in the request object")));
        }
    }
    let challenge = str_claim(object, "code_challenge").unwrap_or("");
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad(format!(
            "code_challenge {challenge:?} is not a base64url SHA-256 (43 characters)"
        )));
    }
    if params.get("code_challenge").is_some_and(|c| c != challenge) {
        return Err(bad(
            "code_challenge parameter differs from the request object's".into(),
        ));
    }
    // nonce and state: at least 32 alphanumeric characters.
    let nonce = str_claim(object, "nonce").unwrap_or("");
    if !alnum_len(nonce) {
        return Err(bad(format!(
            "nonce must have at least 32 alphanumeric characters, has {:?}",
            nonce
        )));
    }
    let Some(state_value) = state.clone().filter(|s| alnum_len(s)) else {
        return Err(bad(format!(
            "state must have at least 32 alphanumeric characters, has {state:?}"
        )));
    };
    // prompt: consent or "consent login".
    let prompt = str_claim(object, "prompt").unwrap_or("");
    let mut p: Vec<&str> = prompt.split(' ').filter(|x| !x.is_empty()).collect();
    p.sort_unstable();
    if p != ["consent"] && p != ["consent", "login"] {
        return Err(bad(format!(
            "prompt {prompt:?}: use consent or \"consent login\""
        )));
    }
    // offline_access only with prompt=consent (OIDC Core §11); it always has consent here.
    // acr_values: SpidL1–L3, space separated, in order of preference.
    let acr = str_claim(object, "acr_values").unwrap_or("");
    let mut acr_values = Vec::new();
    for a in acr.split(' ').filter(|x| !x.is_empty()) {
        match Level::from_uri(a) {
            Some(l) => acr_values.push(l),
            None => {
                return Err(bad(format!(
                    "acr_values {a:?} is not https://www.spid.gov.it/SpidL1, SpidL2 or SpidL3"
                )))
            }
        }
    }
    if acr_values.is_empty() {
        return Err(bad("acr_values is missing: SPID and CIE require it".into()));
    }
    // claims parameter (OIDC Core §5.5): names must be known claims.
    let mut userinfo_claims = Vec::new();
    let mut id_token_claims = Vec::new();
    if let Some(c) = object.get("claims") {
        let Some(c) = c.as_object() else {
            return Err(bad("claims must be a JSON object".into()));
        };
        for (target, list) in c {
            let out = match target.as_str() {
                "userinfo" => &mut userinfo_claims,
                "id_token" => &mut id_token_claims,
                other => {
                    return Err(bad(format!(
                        "claims member {other:?}: use userinfo or id_token"
                    )))
                }
            };
            let Some(list) = list.as_object() else {
                return Err(bad(format!("claims.{target} must be an object")));
            };
            for name in list.keys() {
                if !super::claims::known(name) && name != "acr" {
                    return Err(bad(format!(
                        "claims.{target}.{name} is not a claim this OP releases"
                    )));
                }
                out.push(name.clone());
            }
        }
    }
    if !op.profile.claims_in_id_token && id_token_claims.iter().any(|c| c != "acr") {
        return Err(bad(format!(
            "the {} profile releases user claims at userinfo only, not in the ID token",
            op.profile.name
        )));
    }
    for c in op
        .profile
        .claims_for_scopes(scope.iter().map(String::as_str))
    {
        if !userinfo_claims.iter().any(|x| x == c) {
            userinfo_claims.push(c.to_string());
        }
    }
    if userinfo_claims.is_empty() {
        userinfo_claims = op
            .profile
            .default_claims
            .iter()
            .map(|c| c.to_string())
            .collect();
    }
    Ok(Authz {
        op: op.id.to_string(),
        issuer: op.issuer.to_string(),
        client_id: rp.client_id.clone(),
        redirect_uri,
        state: state_value,
        nonce: nonce.to_string(),
        scope,
        acr_values,
        code_challenge: challenge.to_string(),
        consent: true,
        userinfo_claims,
        id_token_claims,
    })
}

/// The level the login is asked for: the RP's first preference the OP offers (or its first
/// preference, which then fails as "no credential of the level" like SAML's nr20).
pub fn wanted_level(authz: &Authz, offered: &[Level]) -> Level {
    authz
        .acr_values
        .iter()
        .copied()
        .find(|l| offered.contains(l))
        .unwrap_or(authz.acr_values[0])
}

/// A redirect to `uri` with `pairs` added to its query.
pub fn redirect_with(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut u = match url::Url::parse(uri) {
        Ok(u) => u,
        Err(_) => return uri.to_string(),
    };
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    u.into()
}

/// The OAuth error a SPID anomaly code becomes at the RP (RFC 6749 §4.1.2.1): the user's
/// refusals and failed logins are `access_denied`, the OP's own trouble `server_error`; the
/// description names the SPID code so a test can tell them apart.
pub fn oauth_error_for(nr: u8) -> &'static str {
    match nr {
        1..=3 => "server_error",
        _ => "access_denied",
    }
}

/// A login on the shared pages ended with SPID anomaly `nr` for an OIDC request.
pub fn login_failed(authz: &Authz, _idp: &IdpRuntime, nr: u8) -> Answer {
    let c = crate::saml::status::code(nr);
    let description = format!("nr{nr:02}: {}", c.meaning_en);
    Answer::Redirect {
        location: redirect_with(
            &authz.redirect_uri,
            &[
                ("error", oauth_error_for(nr)),
                ("error_description", &description),
                ("state", &authz.state),
                ("iss", &authz.issuer),
            ],
        ),
    }
}

/// The pairwise subject of `user` at OP `op` for RP `client_id` (OIDC Core §8.1): a SHA-256
/// over the OP, the RP's host (its sector) and the user's stable identifier.
pub fn pairwise_sub(op: &str, client_id: &str, user: &User) -> String {
    let sector = url::Url::parse(client_id)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| client_id.to_string());
    let stable = user.fiscal_code().unwrap_or(&user.username);
    let d = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{op}\n{sector}\n{stable}").as_bytes(),
    );
    crate::ids::hex(d.as_ref())
}

/// A login on the shared pages succeeded for an OIDC request: a single-use code, redirected.
pub fn login_succeeded(
    state: &MockState,
    authz: Authz,
    user: &User,
    level: Level,
    sub: String,
    session_index: String,
) -> Answer {
    let now = state.clock.now();
    let code = state.ids.token();
    let location = redirect_with(
        &authz.redirect_uri,
        &[
            ("code", &code),
            ("state", &authz.state),
            ("iss", &authz.issuer),
        ],
    );
    state.oidc.put_code(
        &code,
        Grant {
            authz,
            user: user.username.clone(),
            level,
            sub,
            auth_time: now,
            session_index,
        },
        now,
    );
    Answer::Redirect { location }
}

/// Handles a request at the authorization endpoint of `op` (GET query or POST form pairs):
/// automatic registration of the RP, the request object's signature with the RP's resolved
/// keys, [`check`], then the shared login path.
pub async fn handle(
    state: &MockState,
    ops: &super::provider::OpSet,
    op: &super::provider::OpRuntime,
    pairs: Vec<(String, String)>,
) -> Answer {
    let page = |e: AuthzError| Answer::Page {
        status: 400,
        html: crate::spid::pages::message(
            None,
            "OpenID Connect",
            &format!("{}: {}", e.error, e.description),
        ),
    };
    let answer = |e: AuthzError| match &e.redirect {
        Some((uri, st)) => {
            let mut pairs = vec![
                ("error", e.error),
                ("error_description", e.description.as_str()),
            ];
            if let Some(s) = st {
                pairs.push(("state", s));
            }
            pairs.push(("iss", op.issuer.as_str()));
            Answer::Redirect {
                location: redirect_with(uri, &pairs),
            }
        }
        None => page(e),
    };
    let params = match Params::from_pairs(pairs) {
        Ok(p) => p,
        Err(e) => return page(e),
    };
    if params.get("request_uri").is_some() {
        return page(AuthzError::page(
            "request_uri_not_supported",
            "send the request object by value in `request`",
        ));
    }
    let Some(request) = params.get("request") else {
        return page(AuthzError::page(
            "invalid_request",
            "no request parameter: SPID and CIE require a signed request object",
        ));
    };
    let unverified = match crate::oidc::jose::jws::decode_unverified(request) {
        Ok(u) => u,
        Err(e) => {
            return page(AuthzError::page(
                "invalid_request_object",
                format!("the request object is not a signed JWT: {e}"),
            ))
        }
    };
    let peek: Value = match unverified.claims() {
        Ok(v) => v,
        Err(e) => {
            return page(AuthzError::page(
                "invalid_request_object",
                format!("request object payload: {e}"),
            ))
        }
    };
    let Some(client_id) = str_claim(&peek, "client_id")
        .or(params.get("client_id"))
        .map(str::to_string)
    else {
        return page(AuthzError::page(
            "invalid_request",
            "no client_id in the request object nor the parameters",
        ));
    };
    let now = state.clock.now();
    let rp = match ops.resolver.resolve(&client_id, &op.issuer, now).await {
        Ok(rp) => rp,
        Err(r) => {
            // The redirect_uri cannot be trusted without the RP's metadata: an OP page.
            return page(AuthzError::page(
                match r {
                    super::registry::Refusal::InvalidClient(_) => "invalid_client",
                    super::registry::Refusal::UnauthorizedClient(_) => "unauthorized_client",
                    super::registry::Refusal::InvalidRequest(_) => "invalid_request",
                    _ => "temporarily_unavailable",
                },
                r.description().to_string(),
            ));
        }
    };
    let jwks = match super::client_auth::rp_jwks(&rp) {
        Ok(j) => j,
        Err(e) => return page(AuthzError::page("invalid_client", e.description)),
    };
    if let Err(e) = crate::oidc::jose::jws::verify_decoded(
        unverified,
        &jwks,
        &super::provider::ACCEPTED_SIGNATURES,
    ) {
        // Not verified: its redirect_uri is not trusted either.
        return page(AuthzError::page(
            "invalid_request_object",
            format!(
                "the request object's signature does not verify with the RP's resolved keys: {e}"
            ),
        ));
    }
    let view = OpView {
        id: &op.provider.id,
        issuer: &op.issuer,
        levels: &op.levels,
        profile: op.profile,
    };
    let authz = match check(&params, &peek, &rp, view, now, ops.skew) {
        Ok(a) => a,
        Err(e) => return answer(e),
    };
    let Some(idp) = state.idp(&op.provider.id) else {
        return page(AuthzError::page(
            "server_error",
            format!("no login pages for provider {}", op.provider.id),
        ));
    };
    if let Some(name) = &rp.client_name {
        state.oidc.set_rp_name(&rp.client_id, name, now);
    }
    let level = wanted_level(&authz, &op.levels);
    let attributes = authz
        .userinfo_claims
        .iter()
        .filter_map(|c| super::claims::attribute_of(c))
        .map(str::to_string)
        .collect::<Vec<_>>();
    let id = format!("_oidc_{}", state.ids.token());
    let valid = crate::spid::request_rules::ValidatedRequest {
        id: id.clone(),
        sp_entity_id: rp.client_id.clone(),
        level,
        // Authenticating higher than asked is allowed (authorization_endpoint.rst, acr_values).
        comparison: crate::spid::level::Comparison::Minimum,
        acs_url: authz.redirect_uri.clone(),
        attributes,
        purpose: None,
    };
    state.oidc.put_authz(&id, authz, now);
    crate::spid::login::start_login(state, idp, valid, None)
}
