//! The relying party's flow: an authorization request with a signed request object and PKCE,
//! the callback's checks (state, iss), the code exchange with a `private_key_jwt` assertion, the
//! ID token and userinfo checks ([`crate::check`]), refresh, and logout by revocation.

use crate::check::{self, Expect, IdToken};
use crate::error::{require, RpError};
use crate::faults::Faults;
use crate::keys::RpKeys;
use crate::op::{OpEntry, OpInfo};
use crate::trust::{self, Resolver, TrustAnchor};
use mock_idps::bounded::{BoundedMap, Limits, Weigh};
use mock_idps::oidc::jose::{jws, JwsAlg};
use mock_idps::oidc::op::registry::RpMetadata;
use mock_idps::spid::level::Level;
use mock_idps::SharedClock;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;
use time::Duration;

/// The assertion type of `private_key_jwt` (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the RP is set up.
#[derive(Debug, Clone)]
pub struct RpConfig {
    /// Our entity ID and client_id (an https URL in production; the loopback base URL here).
    pub client_id: String,
    /// Organization name shown by the OPs' pages.
    pub organization_name: String,
    /// The checks switched off.
    pub faults: Faults,
    /// The clock.
    pub clock: SharedClock,
    /// Ask for `offline_access` (refresh tokens).
    pub offline_access: bool,
    /// The federation's trust anchor: every OP's trust chain must resolve to it
    /// ([`crate::trust`]).
    pub trust_anchor: TrustAnchor,
}

impl RpConfig {
    /// Our redirect_uri.
    pub fn redirect_uri(&self) -> String {
        format!("{}/oidc/callback", self.client_id.trim_end_matches('/'))
    }
}

/// A login started and not finished.
#[derive(Debug, Clone)]
struct Pending {
    op: String,
    nonce: String,
    verifier: String,
    level: Level,
}

impl Weigh for Pending {
    fn weight(&self) -> usize {
        self.op.len() + self.nonce.len() + self.verifier.len() + 16
    }
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// The OP.
    pub op: String,
    /// The pairwise subject.
    pub sub: String,
    /// The level the OP authenticated at.
    pub level: Option<Level>,
    /// The ID token's claims.
    pub id_token: Value,
    /// The userinfo claims.
    pub userinfo: Value,
    /// The access token.
    pub access_token: String,
    /// The refresh token, if the OP issued one.
    pub refresh_token: Option<String>,
    /// The level asked for.
    pub requested: Level,
    /// The ID token as the token endpoint sent it (a JWE for CIE).
    pub id_token_raw: String,
    /// The userinfo answer as sent (a JWE).
    pub userinfo_raw: String,
}

impl Weigh for Session {
    fn weight(&self) -> usize {
        self.op.len()
            + self.sub.len()
            + self.id_token.to_string().len()
            + self.userinfo.to_string().len()
            + self.access_token.len()
            + self.refresh_token.as_ref().map_or(0, String::len)
            + self.id_token_raw.len()
            + self.userinfo_raw.len()
    }
}

/// The reference relying party.
#[derive(Debug)]
pub struct ReferenceRp {
    /// Settings.
    pub config: RpConfig,
    /// Keys.
    pub keys: RpKeys,
    ops: BTreeMap<String, OpInfo>,
    pending: Mutex<BoundedMap<String, Pending>>,
    sessions: Mutex<BoundedMap<String, Session>>,
    placement: Mutex<Placement>,
    /// OPs refused at discovery, and why ([`Self::discover_each`]).
    refused: BTreeMap<String, String>,
    http: reqwest::Client,
}

/// Where the RP sits in the federation: its superiors and the trust marks it was issued.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// `authority_hints`.
    pub authority_hints: Vec<String>,
    /// `trust_marks`.
    pub trust_marks: Vec<mock_idps::oidc::federation::TrustMarkRef>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `n` random alphanumeric characters (state and nonce: at least 32, authorization_endpoint.rst).
pub fn alnum(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn bounded_body(s: &str) -> String {
    s.chars().take(600).collect()
}

/// Sends `request` to the OP's `endpoint`: the answer's status and body.
async fn answer(
    endpoint: &'static str,
    request: reqwest::RequestBuilder,
) -> Result<(u16, String), RpError> {
    let r = request
        .send()
        .await
        .map_err(|source| RpError::Transport { endpoint, source })?;
    let status = r.status().as_u16();
    let body = r
        .text()
        .await
        .map_err(|source| RpError::Transport { endpoint, source })?;
    Ok((status, body))
}

/// The body of the `endpoint`'s answer, an error unless its status is 200.
fn ok_body(endpoint: &'static str, (status, body): (u16, String)) -> Result<String, RpError> {
    if status == 200 {
        Ok(body)
    } else {
        Err(RpError::Http {
            endpoint,
            status,
            body: bounded_body(&body),
        })
    }
}

impl ReferenceRp {
    /// A new RP with no OP known yet.
    pub fn new(config: RpConfig, keys: RpKeys) -> Result<Self, RpError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| RpError::Internal(e.to_string()))?;
        let limits = |ttl| Limits {
            max_entries: 10_000,
            max_bytes: 16 << 20,
            ttl,
        };
        Ok(Self {
            config,
            keys,
            ops: BTreeMap::new(),
            pending: Mutex::new(BoundedMap::new(limits(Duration::minutes(20)))),
            sessions: Mutex::new(BoundedMap::new(limits(Duration::hours(8)))),
            placement: Mutex::default(),
            refused: BTreeMap::new(),
            http,
        })
    }

    /// The OPs discovered.
    pub fn ops(&self) -> impl Iterator<Item = &OpInfo> {
        self.ops.values()
    }

    /// One OP.
    pub fn op(&self, id: &str) -> Option<&OpInfo> {
        self.ops.get(id)
    }

    /// Fetches and checks each OP's entity configuration, resolves its trust chain to the
    /// configured anchor (its endpoints and keys are then read from the metadata the chain's
    /// policies leave) and checks its trust marks.
    pub async fn discover(&mut self, entries: &[OpEntry]) -> Result<(), RpError> {
        for e in entries {
            let url = format!("{}/.well-known/openid-federation", e.issuer);
            let endpoint = "entity configuration";
            let body = ok_body(endpoint, answer(endpoint, self.http.get(&url)).await?)?;
            let now = self.config.clock.now();
            let faults = &self.config.faults;
            let mut info = OpInfo::from_entity_configuration(e, &body, now, faults)?;
            let resolver = Resolver {
                http: &self.http,
                anchor: &self.config.trust_anchor,
                now: now.unix_timestamp(),
            };
            if faults.on(trust::CHAIN) {
                let chain = resolver.resolve(&e.issuer, &body).await?;
                let md = chain.metadata.get("openid_provider").ok_or_else(|| {
                    RpError::refused(
                        trust::CHAIN,
                        format!("{}: the resolved metadata has no openid_provider", e.issuer),
                    )
                })?;
                info = OpInfo::from_metadata(e, md)?;
            }
            if faults.on(trust::MARK) {
                resolver.verify_trust_marks(&e.issuer, &body).await?;
            }
            self.ops.insert(e.id.clone(), info);
        }
        Ok(())
    }

    /// Discovers each OP on its own ([`Self::discover`]): an OP whose entity configuration,
    /// trust chain or trust marks are refused is left out, and a login started at it is
    /// refused with that reason ([`RpError::OpRefused`]). The refused OPs, with why.
    pub async fn discover_each(&mut self, entries: &[OpEntry]) -> Vec<(String, RpError)> {
        let mut refused = Vec::new();
        for e in entries {
            match self.discover(std::slice::from_ref(e)).await {
                Ok(()) => {
                    self.refused.remove(&e.id);
                }
                Err(err) => {
                    self.ops.remove(&e.id);
                    self.refused.insert(e.id.clone(), err.to_string());
                    refused.push((e.id.clone(), err));
                }
            }
        }
        refused
    }

    /// Our `openid_relying_party` metadata (metadata_oidc_rp.rst).
    pub fn metadata(&self) -> Value {
        json!({
            "client_id": self.config.client_id,
            "client_name": self.config.organization_name,
            "redirect_uris": [self.config.redirect_uri()],
            "response_types": ["code"],
            "grant_types": ["authorization_code", "refresh_token"],
            "client_registration_types": ["automatic"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": self.keys.core_jwks(),
            "id_token_signed_response_alg": "RS256",
            "id_token_encrypted_response_alg": "RSA-OAEP-256",
            "id_token_encrypted_response_enc": "A256CBC-HS512",
            "userinfo_signed_response_alg": "RS256",
            "userinfo_encrypted_response_alg": "RSA-OAEP-256",
            "userinfo_encrypted_response_enc": "A256CBC-HS512",
            "contacts": ["ops@rp.example.it"],
        })
    }

    /// Our entity configuration's `metadata`: `openid_relying_party` and `federation_entity`
    /// (metadata_oidc_rp.rst).
    pub fn federation_metadata(&self) -> serde_json::Map<String, Value> {
        let id = self.config.client_id.trim_end_matches('/');
        let mut m = serde_json::Map::new();
        m.insert("openid_relying_party".into(), self.metadata());
        m.insert(
            "federation_entity".into(),
            json!({
                "organization_name": self.config.organization_name,
                "homepage_uri": id,
                "policy_uri": format!("{id}/privacy"),
                "logo_uri": format!("{id}/logo.svg"),
                "contacts": ["ops@pec.rp.example.it"],
                "federation_resolve_endpoint": format!("{id}/resolve"),
            }),
        );
        m
    }

    /// Records what on-boarding gave us (listed in our entity configuration from now on).
    pub fn set_placement(&self, placement: Placement) {
        *lock(&self.placement) = placement;
    }

    /// Our entity configuration (entity_configuration.rst): self-signed with the federation key,
    /// `iss` = `sub` = our entity ID, our federation `jwks`, `authority_hints`, `trust_marks`,
    /// and [`Self::federation_metadata`].
    pub fn entity_configuration(&self) -> Result<String, RpError> {
        let now = self.config.clock.now().unix_timestamp();
        let id = &self.config.client_id;
        let mut st = mock_idps::oidc::federation::EntityStatement::new(
            id,
            id,
            now,
            now + 86_400,
            mock_idps::oidc::jose::Jwks::new(vec![self.keys.federation.public_jwk().clone()]),
        );
        let p = lock(&self.placement).clone();
        st.authority_hints = Some(p.authority_hints);
        st.metadata = Some(self.federation_metadata());
        if !p.trust_marks.is_empty() {
            st.trust_marks = Some(p.trust_marks);
        }
        crate::sending::sign_entity_configuration(&self.config.faults, st, &self.keys, now)
            .map_err(|e| RpError::Internal(e.to_string()))
    }

    /// Our metadata as the OP's registration table takes it.
    pub fn registration(&self) -> Result<RpMetadata, RpError> {
        serde_json::from_value(self.metadata()).map_err(|e| RpError::Internal(e.to_string()))
    }

    /// Starts a login at `op` for `level`: the URL to send the browser to.
    pub fn start(&self, op: &str, level: Level) -> Result<String, RpError> {
        let info = self.ops.get(op).ok_or_else(|| match self.refused.get(op) {
            Some(reason) => RpError::OpRefused {
                op: op.to_string(),
                reason: reason.clone(),
            },
            None => RpError::UnknownOp(op.to_string()),
        })?;
        let faults = &self.config.faults;
        let minted = crate::sending::Minted::new(faults);
        let mut scope = vec!["openid"];
        if info.cie {
            scope.extend(["profile", "email"]);
        }
        if self.config.offline_access {
            scope.push("offline_access");
        }
        let (scope, response_type) = crate::sending::scope_and_type(faults, scope.join(" "));
        let now = self.config.clock.now().unix_timestamp();
        let userinfo_claims = json!({
            "given_name": null,
            "family_name": null,
            "email": null,
            "https://attributes.eid.gov.it/fiscal_number": { "essential": true },
        });
        let mut object = json!({
            "iss": self.config.client_id,
            "aud": [info.issuer],
            "client_id": self.config.client_id,
            "response_type": response_type,
            "scope": scope,
            "code_challenge": minted.challenge,
            "code_challenge_method": minted.method,
            "nonce": minted.nonce,
            "state": minted.state,
            "prompt": "consent login",
            "redirect_uri": self.config.redirect_uri(),
            "acr_values": level.uri(),
            "claims": { "userinfo": userinfo_claims },
            "iat": now,
            "exp": now + 300,
            "jti": alnum(32),
        });
        crate::sending::edit_object(faults, &mut object, &self.config.client_id, now);
        let request = crate::sending::sign_request(faults, &self.keys, &object)
            .map_err(|e| RpError::Internal(e.to_string()))?;
        let mut url = url::Url::parse(&info.authorization_endpoint)
            .map_err(|e| RpError::Internal(e.to_string()))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in crate::sending::query(faults, &object, request.is_some()) {
                q.append_pair(&k, &v);
            }
            if let Some(request) = &request {
                q.append_pair("request", request);
            }
        }
        let (state, nonce, verifier) = (minted.state, minted.nonce, minted.verifier);
        lock(&self.pending).insert(
            state,
            Pending {
                op: op.to_string(),
                nonce,
                verifier,
                level,
            },
            self.config.clock.now(),
        );
        Ok(url.into())
    }

    /// A fresh `private_key_jwt` assertion for `aud` (tests replay it).
    pub fn client_assertion_for(&self, aud: &str) -> Result<String, RpError> {
        self.client_assertion(aud)
    }

    fn client_assertion(&self, aud: &str) -> Result<String, RpError> {
        let now = self.config.clock.now().unix_timestamp();
        let mut claims = json!({
            "iss": self.config.client_id,
            "sub": self.config.client_id,
            "aud": aud,
            "iat": now,
            "exp": now + 300,
            "jti": alnum(32),
        });
        let faults = &self.config.faults;
        crate::sending::edit_assertion(faults, &mut claims, &self.config.client_id, now);
        let key = crate::sending::assertion_key(faults, &self.keys);
        jws::sign_claims(key, JwsAlg::RS256, Some("JWT"), &claims)
            .map_err(|e| RpError::Internal(e.to_string()))
    }

    /// POSTs `form` to the OP's token endpoint: the answer's JSON and its access token (empty
    /// when absent).
    async fn token_call(
        &self,
        info: &OpInfo,
        form: Vec<(&str, String)>,
    ) -> Result<(Value, String), RpError> {
        let answer = self.post_form("token", &info.token_endpoint, form).await?;
        let body = ok_body("token", answer)?;
        let tokens: Value = serde_json::from_str(&body).map_err(|e| RpError::Http {
            endpoint: "token",
            status: 200,
            body: format!("not JSON: {e}"),
        })?;
        let access_token = tokens
            .get("access_token")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok((tokens, access_token))
    }

    async fn post_form(
        &self,
        endpoint: &'static str,
        url: &str,
        form: Vec<(&str, String)>,
    ) -> Result<(u16, String), RpError> {
        self.post_form_to(endpoint, url, url, form).await
    }

    /// POSTs `form` to `url` with a client assertion for `aud`.
    async fn post_form_to(
        &self,
        endpoint: &'static str,
        url: &str,
        aud: &str,
        mut form: Vec<(&str, String)>,
    ) -> Result<(u16, String), RpError> {
        form.push(("client_id", self.config.client_id.clone()));
        form.push(("client_assertion_type", JWT_BEARER.into()));
        form.push(("client_assertion", self.client_assertion(aud)?));
        crate::sending::edit_form(&self.config.faults, &mut form);
        let request = self.http.post(url);
        let request = if endpoint == "token" && self.config.faults.is_off("token-json") {
            request.json(&form.iter().cloned().collect::<BTreeMap<_, _>>())
        } else {
            request.form(&form)
        };
        answer(endpoint, request).await
    }

    /// Handles the redirect back from the OP (`query` is the callback's query string): on
    /// success, a new session and its id.
    pub async fn finish(&self, query: &str) -> Result<(String, Session), RpError> {
        let q: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let faults = &self.config.faults;
        let now = self.config.clock.now();
        let given_state = q.get("state").cloned().unwrap_or_default();
        let pending = {
            let mut t = lock(&self.pending);
            match t.remove(&given_state) {
                Some(p) => Some(p),
                None if faults.is_off("state") => {
                    // The mutant takes whichever login is outstanding (the newest).
                    let newest = t.iter(now).next_back().map(|(k, _)| k.clone());
                    newest.and_then(|k| t.remove(&k))
                }
                None => None,
            }
        };
        let Some(pending) = pending else {
            return Err(RpError::refused(
                "state",
                format!("state {given_state:?} is not one of ours (unknown, used or expired)"),
            ));
        };
        let info = self
            .ops
            .get(&pending.op)
            .ok_or_else(|| RpError::UnknownOp(pending.op.clone()))?;
        require(faults, "iss", q.get("iss") == Some(&info.issuer), || {
            format!(
                "iss {} is not the OP the request went to ({})",
                crate::error::shown(q.get("iss")),
                info.issuer
            )
        })?;
        if let Some(error) = q.get("error") {
            return Err(RpError::OpError {
                error: error.clone(),
                description: q.get("error_description").cloned().unwrap_or_default(),
            });
        }
        let Some(code) = q.get("code") else {
            return Err(RpError::OpError {
                error: "no code".into(),
                description: "the answer has neither code nor error".into(),
            });
        };
        let (tokens, access_token) = self
            .token_call(
                info,
                vec![
                    ("grant_type", "authorization_code".into()),
                    ("code", code.clone()),
                    ("code_verifier", pending.verifier.clone()),
                    ("redirect_uri", self.config.redirect_uri()),
                ],
            )
            .await?;
        let raw_id = tokens
            .get("id_token")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let x = Expect {
            op: info,
            client_id: &self.config.client_id,
            nonce: &pending.nonce,
            level: pending.level,
            access_token: &access_token,
            now,
            refreshed: false,
            encrypted_id_token: info.cie,
        };
        let id = check::id_token(raw_id, &x, &self.keys.encryption, faults)?;
        let (userinfo, userinfo_raw) = self.userinfo(info, &access_token, &x, &id).await?;
        let session = Session {
            op: pending.op.clone(),
            sub: id.sub.clone(),
            level: id.level,
            id_token: id.claims,
            userinfo,
            access_token,
            refresh_token: tokens
                .get("refresh_token")
                .and_then(Value::as_str)
                .map(str::to_string),
            requested: pending.level,
            id_token_raw: raw_id.to_string(),
            userinfo_raw,
        };
        let sid = alnum(43);
        lock(&self.sessions).insert(sid.clone(), session.clone(), now);
        Ok((sid, session))
    }

    async fn userinfo(
        &self,
        info: &OpInfo,
        access_token: &str,
        x: &Expect<'_>,
        id: &IdToken,
    ) -> Result<(Value, String), RpError> {
        let request = self
            .http
            .get(&info.userinfo_endpoint)
            .bearer_auth(access_token);
        let body = ok_body("userinfo", answer("userinfo", request).await?)?;
        let claims = check::userinfo(
            &body,
            x,
            &id.sub,
            &self.keys.encryption,
            &self.config.faults,
        )?;
        Ok((claims, body))
    }

    /// A session by id.
    pub fn session(&self, sid: &str) -> Option<Session> {
        lock(&self.sessions)
            .get(&sid.to_string(), self.config.clock.now())
            .cloned()
    }

    /// Uses the session's refresh token: a new access token and, for SPID, the new ID token,
    /// checked (acr SpidL1 only). CIE's refresh gives no ID token and renews no authentication
    /// (differenze_spid_cie.rst, "Refresh Token"): `None`, and an ID token in a CIE refresh
    /// answer is refused (switch `refresh-cie-id-token`).
    pub async fn refresh(&self, sid: &str) -> Result<Option<IdToken>, RpError> {
        let s = self
            .session(sid)
            .ok_or_else(|| RpError::Internal("no such session".into()))?;
        let info = self
            .ops
            .get(&s.op)
            .ok_or_else(|| RpError::UnknownOp(s.op.clone()))?;
        let Some(rt) = s.refresh_token.clone() else {
            return Err(RpError::Internal(
                "the OP issued no refresh token for this session".into(),
            ));
        };
        let form = vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", rt),
        ];
        let (tokens, access_token) = self.token_call(info, form).await?;
        let raw_id = tokens.get("id_token").and_then(Value::as_str);
        if info.cie {
            match raw_id {
                None => {
                    self.renew_access_token(sid, access_token);
                    return Ok(None);
                }
                Some(_) if self.config.faults.on("refresh-cie-id-token") => {
                    return Err(RpError::refused(
                        "refresh-cie-id-token",
                        "a CIE refresh answered with an ID token: CIE's refresh token renews no authentication",
                    ));
                }
                Some(_) => {}
            }
        }
        let nonce = s
            .id_token
            .get("nonce")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let x = Expect {
            op: info,
            client_id: &self.config.client_id,
            nonce: &nonce,
            // A refresh asks for no level; SPID's refreshed tokens are L1.
            level: Level::L1,
            access_token: &access_token,
            now: self.config.clock.now(),
            refreshed: true,
            encrypted_id_token: info.cie,
        };
        let id = check::id_token(
            raw_id.unwrap_or_default(),
            &x,
            &self.keys.encryption,
            &self.config.faults,
        )?;
        // OpenID Connect Core §12.2: a refreshed ID token keeps the original subject.
        require(&self.config.faults, "refresh-sub", id.sub == s.sub, || {
            format!(
                "the refreshed ID token's sub {} is not the session's {}",
                id.sub, s.sub
            )
        })?;
        self.renew_access_token(sid, access_token);
        Ok(Some(id))
    }

    fn renew_access_token(&self, sid: &str, access_token: String) {
        let mut t = lock(&self.sessions);
        let now = self.config.clock.now();
        if let Some(mut cur) = t.get(&sid.to_string(), now).cloned() {
            cur.access_token = access_token;
            t.insert(sid.to_string(), cur, now);
        }
    }

    /// Revokes `token` at the session's OP (RFC 7009).
    pub async fn revoke(&self, op: &str, token: &str) -> Result<(), RpError> {
        let info = self
            .ops
            .get(op)
            .ok_or_else(|| RpError::UnknownOp(op.to_string()))?;
        // The revocation endpoint is the assertion's audience (a switch names the token one).
        let aud = if self.config.faults.is_off("revocation-assertion-aud") {
            &info.token_endpoint
        } else {
            &info.revocation_endpoint
        };
        ok_body(
            "revocation",
            self.post_form_to(
                "revocation",
                &info.revocation_endpoint,
                aud,
                vec![("token", token.to_string())],
            )
            .await?,
        )?;
        Ok(())
    }

    /// Asks the session's OP whether `token` is active (RFC 7662).
    pub async fn introspect(&self, op: &str, token: &str) -> Result<Value, RpError> {
        let info = self
            .ops
            .get(op)
            .ok_or_else(|| RpError::UnknownOp(op.to_string()))?;
        let body = ok_body(
            "introspection",
            self.post_form(
                "introspection",
                &info.introspection_endpoint,
                vec![("token", token.to_string())],
            )
            .await?,
        )?;
        serde_json::from_str(&body).map_err(|e| RpError::Internal(e.to_string()))
    }

    /// Logout: revokes the access token (revocation_endpoint.rst: the RP MUST at logout; CIE:
    /// refresh tokens MUST NOT be revoked then) and forgets the session.
    pub async fn logout(&self, sid: &str) -> Result<(), RpError> {
        let Some(s) = lock(&self.sessions).remove(&sid.to_string()) else {
            return Ok(());
        };
        let faults = &self.config.faults;
        if faults.is_off("logout-no-revocation") {
            return Ok(());
        }
        self.revoke(&s.op, &s.access_token).await?;
        match &s.refresh_token {
            Some(rt) if faults.is_off("logout-revokes-refresh") => self.revoke(&s.op, rt).await,
            _ => Ok(()),
        }
    }
}
