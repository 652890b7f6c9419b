//! Plays the OIDC cases against a relying party as its browser and its OpenID Provider: starts a
//! login at the RP, reads the `state` from the request object, tells the mock OP how to craft
//! its answers for that login, lets the OP answer, carries the authorization response (changed,
//! for the callback cases) to the RP's callback, and probes the RP's protected page.
//!
//! The verdict is the RP's: a login is a callback after which the RP's protected page (the
//! probe) answers 2xx to the same browser (its cookies kept per origin, one browser per login);
//! anything else is a refusal. The RP is reached only through its URLs ([`RpUrls`]): the
//! embedded reference RP ([`super::reference`]) or one we did not write ([`super::outside`]).

use super::cases::{CallbackChange, Expect, OidcCase, Play, Tweak};
use crate::report::Entry;
use mock_idps::oidc::op::crafted::{AnswerCraft, Craft, Edit, Wrap};
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use mock_idps::MockFederation;
use std::time::Instant;

/// The fixture user every case logs in as (holds SPID and CIE credentials at every level).
pub const USER: &str = "francesca.romano";
/// The level every case asks for (SpidL2).
pub const LEVEL: u8 = 2;

/// Why a case could not be played (not a verdict on the RP).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcRunError {
    /// An HTTP exchange failed.
    #[error("{what} {url}")]
    Http {
        /// Which step.
        what: &'static str,
        /// The URL.
        url: String,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A step answered something the flow cannot go on from.
    #[error("{what}: HTTP {status}: {detail}")]
    Unexpected {
        /// Which step.
        what: &'static str,
        /// The status.
        status: u16,
        /// The Location or the start of the body.
        detail: String,
    },
    /// The RP's authorization request carries no readable `state`.
    #[error("the RP's authorization request has no state in its request object: {0}")]
    NoState(String),
    /// The mock OP did not take the scripted login.
    #[error("scripting the login")]
    Script(#[source] mock_idps::spid::state::ScriptRefused),
    /// A claim value in the case table is not JSON.
    #[error("case table: {0:?} is not JSON")]
    Table(&'static str),
    /// The mock OP kept no ID token for an earlier crafted login.
    #[error("the mock OP kept no ID token for the earlier login")]
    NoEarlierToken,
    /// A correct login, needed before the case's own step, was refused.
    #[error("the correct login before the case's step was refused: {0}")]
    PremiseRefused(String),
    /// The RP's login URL never led to the mock OP's authorization endpoint.
    #[error("the login URL {url} led to no authorization request at the mock OP {op}: the path ended with HTTP {status} at {at}")]
    NoAuthorizationRequest {
        /// The login URL as filled in.
        url: String,
        /// The OP the login was for.
        op: String,
        /// The last status.
        status: u16,
        /// Where the path ended.
        at: String,
    },
    /// The login URL of the options is not usable.
    #[error("the login URL {0:?} is not a URL")]
    LoginUrl(String),
}

/// Where the harness reaches the RP, as a browser would.
#[derive(Debug, Clone)]
pub struct RpUrls {
    /// The URL that starts a login; `{op}` (the mock OP's id, e.g. `poste`), `{op_entity_id}`
    /// (its entity id, URL-encoded) and `{level}` (1–3) are filled in per login.
    pub login: String,
    /// The protected page: 2xx when the browser's session is logged in, else 401/403.
    pub probe: String,
    /// Where a POST refreshes the session's tokens (2xx: the refreshed ID token accepted);
    /// without it the refresh cases are skipped.
    pub refresh: Option<String>,
    /// `(registered, reached)`: the OP's redirect to a URL starting with `registered` is
    /// carried to `reached` instead (the reference RP registers a public redirect URI and
    /// answers on loopback); `None`: the redirect is followed as it is.
    pub callback_rewrite: Option<(String, String)>,
    /// The URL that logs the browser's session out at the RP (POSTed; fetched with GET when
    /// the RP answers 405), where the RP revokes its tokens at the OP; without it the request
    /// checks of the revocation at logout are skipped.
    pub logout: Option<String>,
}

/// The cookies of one browser, per origin (scheme, host and port).
#[derive(Debug, Default, Clone)]
pub(super) struct Jar(
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
);

fn origin(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

impl Jar {
    fn header(&self, url: &str) -> Option<String> {
        let cookies = self.0.get(&origin(url))?;
        let line: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        (!line.is_empty()).then(|| line.join("; "))
    }

    /// Keeps the `Set-Cookie`s of an answer from `url` (an empty value or `Max-Age=0` removes).
    fn keep(&mut self, url: &str, headers: &reqwest::header::HeaderMap) {
        let cookies = self.0.entry(origin(url)).or_default();
        for v in headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let mut parts = v.split(';');
            let Some((k, val)) = parts.next().and_then(|c| c.split_once('=')) else {
                continue;
            };
            let expired = parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if val.trim().is_empty() || expired {
                cookies.remove(k.trim());
            } else {
                cookies.insert(k.trim().to_string(), val.trim().to_string());
            }
        }
    }
}

/// The RP under test and the mock OPs it trusts.
#[derive(Debug)]
pub struct OidcTarget<'a> {
    federation: &'a MockFederation,
    urls: RpUrls,
    client_id: String,
    http: reqwest::Client,
}

/// What the RP answered to one authorization response, and the browser after it.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: String,
    pub(super) jar: Jar,
}

/// The verdict of one play: whether the RP logged the user in, and the evidence.
#[derive(Debug, Clone)]
pub struct Played {
    /// Whether the RP accepted (a session under which its protected page answers).
    pub accepted: bool,
    /// What the RP answered, in one line.
    pub evidence: String,
}

fn excerpt(s: &str) -> String {
    let text: String = s.chars().take(400).collect();
    text.replace('\n', " ")
}

/// The text of an RP refusal page: the tags dropped, entities of `server.rs`'s escaping undone.
fn page_text(body: &str) -> String {
    let body = body.split_once("<body>").map_or(body, |(_, b)| b);
    crate::driver::strip_tags(body)
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `state` inside the `request` object of an authorization URL (its payload, unverified:
/// the harness reads its own RP's request, it does not judge it here).
fn state_of(authz_url: &str) -> Result<String, OidcRunError> {
    let url = url::Url::parse(authz_url).map_err(|e| OidcRunError::NoState(e.to_string()))?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let Some(request) = param("request") else {
        // No request object: the plain parameter (the request checks judge that).
        return param("state").ok_or_else(|| {
            OidcRunError::NoState("no request parameter and no state parameter".into())
        });
    };
    let claims = mock_idps::oidc::jose::jws::decode_unverified(&request)
        .and_then(|u| u.claims::<serde_json::Value>())
        .map_err(|e| OidcRunError::NoState(e.to_string()))?;
    claims
        .get("state")
        .and_then(|s| s.as_str())
        .map(str::to_string)
        .ok_or_else(|| OidcRunError::NoState("no state claim".into()))
}

fn change_query(query: &str, change: CallbackChange) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded_pairs(query);
    let set = |pairs: &mut Vec<(String, String)>, k: &str, v: String| {
        pairs.retain(|(n, _)| n != k);
        pairs.push((k.to_string(), v));
    };
    match change {
        CallbackChange::WrongState => set(&mut pairs, "state", "X".repeat(43)),
        CallbackChange::NoState => pairs.retain(|(k, _)| k != "state"),
        CallbackChange::WrongIss => set(&mut pairs, "iss", "https://evil.example.it".into()),
        CallbackChange::NoIss => pairs.retain(|(k, _)| k != "iss"),
        CallbackChange::Error(code) => {
            pairs.retain(|(k, _)| k != "code");
            set(&mut pairs, "error", code.to_string());
            set(
                &mut pairs,
                "error_description",
                format!("the OP answers {code}"),
            );
        }
    }
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

impl<'a> OidcTarget<'a> {
    /// The embedded reference RP at `rp_base` (its `/oidc/login`, `/oidc/callback`, `/me`,
    /// `/refresh`, `/logout`), whose registered redirect URI `redirect_uri` is carried to its local
    /// callback, logging in at `federation`'s OPs.
    pub fn new(
        federation: &'a MockFederation,
        rp_base: &str,
        redirect_uri: &str,
        client_id: &str,
    ) -> Result<Self, reqwest::Error> {
        let base = rp_base.trim_end_matches('/');
        Self::at(
            federation,
            RpUrls {
                login: format!("{base}/oidc/login?op={{op}}&level={{level}}"),
                probe: format!("{base}/me"),
                refresh: Some(format!("{base}/refresh")),
                callback_rewrite: Some((redirect_uri.to_string(), format!("{base}/oidc/callback"))),
                logout: Some(format!("{base}/logout")),
            },
            client_id,
        )
    }

    /// Any RP, reached only through `urls`, whose client_id (entity ID) is `client_id`.
    pub fn at(
        federation: &'a MockFederation,
        urls: RpUrls,
        client_id: &str,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            federation,
            urls,
            client_id: client_id.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(20))
                .build()?,
        })
    }

    /// The HTTP client (no redirects followed, no cookie store).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The RP's URLs.
    pub fn urls(&self) -> &RpUrls {
        &self.urls
    }

    /// The mock OPs the RP logs in at.
    pub fn federation(&self) -> &'a MockFederation {
        self.federation
    }

    /// The origin the RP's login URL answers at (the embedded reference RP's base URL).
    pub fn rp_base(&self) -> String {
        origin(&self.urls.login)
    }

    /// The RP's registered redirect URI (where the OPs send the browser back), when known.
    pub fn redirect_uri(&self) -> &str {
        self.urls
            .callback_rewrite
            .as_ref()
            .map_or("", |(registered, _)| registered.as_str())
    }

    async fn get(
        &self,
        what: &'static str,
        url: &str,
        jar: &mut Jar,
    ) -> Result<reqwest::Response, OidcRunError> {
        let mut r = self.http.get(url);
        if let Some(c) = jar.header(url) {
            r = r.header(reqwest::header::COOKIE, c);
        }
        let r = r.send().await.map_err(|source| OidcRunError::Http {
            what,
            url: url.to_string(),
            source,
        })?;
        jar.keep(url, r.headers());
        Ok(r)
    }

    /// One URL of the mock OP `op` (empty for an OP the federation does not run).
    fn op_url(
        &self,
        op: &str,
        which: impl Fn(&mock_idps::federation::OpUrls) -> &String,
    ) -> String {
        self.federation
            .urls()
            .oidc
            .get(op)
            .map(|o| which(o).clone())
            .unwrap_or_default()
    }

    /// The login URL for `op`, its placeholders filled in.
    pub fn login_url(&self, op: &str) -> String {
        let entity_id = self.op_url(op, |o| &o.issuer);
        let encoded: String = url::form_urlencoded::byte_serialize(entity_id.as_bytes()).collect();
        self.urls
            .login
            .replace("{op_entity_id}", &encoded)
            .replace("{op}", op)
            .replace("{level}", &LEVEL.to_string())
    }

    /// Starts a login at the RP (redirects followed, cookies kept, until the mock OP's
    /// authorization endpoint): the OP's authorization URL and the login's `state`.
    async fn start(&self, op: &str, jar: &mut Jar) -> Result<(String, String), OidcRunError> {
        let url = self.reach_authorization(op, jar).await?;
        let state = state_of(&url)?;
        Ok((url, state))
    }

    /// Opens the login URL for `op` in the browser `jar` and follows the RP's redirects (cookies
    /// kept) until the mock OP's authorization endpoint: that URL, not yet fetched.
    pub(super) async fn reach_authorization(
        &self,
        op: &str,
        jar: &mut Jar,
    ) -> Result<String, OidcRunError> {
        let first = self.login_url(op);
        let authorization = self.op_url(op, |o| &o.authorization);
        let mut url = first.clone();
        for _ in 0..10 {
            let r = self.get("starting a login at", &url, jar).await?;
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let Some(location) = location.filter(|_| (300..400).contains(&status)) else {
                return Err(OidcRunError::NoAuthorizationRequest {
                    url: first,
                    op: op.to_string(),
                    status,
                    at: format!(
                        "{url}: {}",
                        excerpt(&page_text(&r.text().await.unwrap_or_default()))
                    ),
                });
            };
            let next = url::Url::parse(&url)
                .and_then(|base| base.join(&location))
                .map_err(|_| OidcRunError::LoginUrl(location.clone()))?
                .to_string();
            if !authorization.is_empty() && next.starts_with(&authorization) {
                return Ok(next);
            }
            url = next;
        }
        Err(OidcRunError::NoAuthorizationRequest {
            url: first,
            op: op.to_string(),
            status: 0,
            at: format!("{url} after 10 redirects"),
        })
    }

    /// Lets the OP answer the authorization request (the user logs in and consents): the
    /// authorization response, as the URL the OP redirects the browser to.
    pub(super) async fn authorize(&self, op: &str, url: &str) -> Result<String, OidcRunError> {
        self.federation
            .script_next_login(ScriptedLogin {
                provider: Some(op.into()),
                user: USER.into(),
                level: None,
                outcome: Outcome::Success,
            })
            .map_err(OidcRunError::Script)?;
        // The OP's cookies are not the RP's: a jar of its own.
        let r = self
            .get("the OP's authorization endpoint", url, &mut Jar::default())
            .await?;
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
            .unwrap_or_default();
        if (300..400).contains(&status) && location.contains('?') {
            return Ok(location);
        }
        Err(OidcRunError::Unexpected {
            what: "the OP's authorization endpoint",
            status,
            detail: if location.is_empty() {
                excerpt(&r.text().await.unwrap_or_default())
            } else {
                location
            },
        })
    }

    /// Carries an authorization response (the OP's redirect, its query as given) to the RP's
    /// callback in the browser `jar`.
    pub(super) async fn callback(
        &self,
        redirect: &str,
        query: &str,
        jar: Jar,
    ) -> Result<Answer, OidcRunError> {
        let (to, _) = redirect.split_once('?').unwrap_or((redirect, ""));
        let to = match &self.urls.callback_rewrite {
            Some((registered, reached)) if to.starts_with(registered.as_str()) => {
                format!("{reached}{}", &to[registered.len()..])
            }
            _ => to.to_string(),
        };
        let url = format!("{to}?{query}");
        let mut jar = jar;
        let r = self.get("the RP's callback", &url, &mut jar).await?;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        Ok(Answer { status, body, jar })
    }

    /// Whether the RP's protected page answers 2xx to the browser `jar`.
    pub(super) async fn logged_in(&self, jar: &Jar) -> Result<bool, OidcRunError> {
        let url = self.urls.probe.clone();
        let r = self
            .get("the RP's protected page", &url, &mut jar.clone())
            .await?;
        Ok(r.status().is_success())
    }

    /// Logs the browser `jar` out at the RP's logout URL ([`RpUrls::logout`]): a POST, and a
    /// GET when the RP answers 405 Method Not Allowed; the status of the RP's answer (not
    /// judged: the requests that reach the OPs meanwhile are). `None` without a logout URL.
    pub(super) async fn logout(&self, jar: &mut Jar) -> Option<Result<u16, OidcRunError>> {
        let url = self.urls.logout.clone()?;
        let mut post = self.http.post(&url);
        if let Some(c) = jar.header(&url) {
            post = post.header(reqwest::header::COOKIE, c);
        }
        let r = match post.send().await {
            Ok(r) => r,
            Err(source) => {
                return Some(Err(OidcRunError::Http {
                    what: "the RP's logout",
                    url,
                    source,
                }))
            }
        };
        jar.keep(&url, r.headers());
        if r.status() != reqwest::StatusCode::METHOD_NOT_ALLOWED {
            return Some(Ok(r.status().as_u16()));
        }
        Some(
            self.get("the RP's logout", &url, jar)
                .await
                .map(|r| r.status().as_u16()),
        )
    }

    /// The verdict on an answer of the callback: the probe, in the same browser.
    async fn judge(&self, a: &Answer) -> Result<Played, OidcRunError> {
        let accepted = self.logged_in(&a.jar).await?;
        let evidence = if accepted {
            format!("HTTP {}: a session; the protected page answers", a.status)
        } else {
            format!("HTTP {}: {}", a.status, excerpt(&page_text(&a.body)))
        };
        Ok(Played { accepted, evidence })
    }

    fn edits(&self, tweaks: &[Tweak]) -> Result<Vec<Edit>, OidcRunError> {
        tweaks
            .iter()
            .map(|t| {
                Ok(match *t {
                    Tweak::Set(k, json) => Edit::Set(
                        k.into(),
                        serde_json::from_str(json).map_err(|_| OidcRunError::Table(json))?,
                    ),
                    Tweak::Remove(k) => Edit::Remove(k.into()),
                    Tweak::Time(k, secs) => Edit::SetTime(k.into(), secs),
                    Tweak::ExtraAudience(other) => Edit::Set(
                        "aud".into(),
                        serde_json::json!([self.client_id.clone(), other]),
                    ),
                })
            })
            .collect()
    }

    /// The crafted answer the claim `tweaks` and then `wrap` make.
    fn craft(&self, tweaks: &[Tweak], wrap: &Wrap) -> Result<Craft, OidcRunError> {
        Ok(Craft {
            edits: self.edits(tweaks)?,
            wrap: wrap.clone(),
        })
    }

    /// A login at `op` answered as `craft` says, and the RP's verdict on it.
    async fn judged_login(
        &self,
        op: &str,
        craft: Option<AnswerCraft>,
    ) -> Result<Played, OidcRunError> {
        let (_, a) = self.crafted_login(op, craft).await?;
        self.judge(&a).await
    }

    /// A login in a new browser whose OP answers are crafted by `craft`: the login's `state`
    /// and the RP's answer to the callback.
    async fn crafted_login(
        &self,
        op: &str,
        craft: Option<AnswerCraft>,
    ) -> Result<(String, Answer), OidcRunError> {
        let mut jar = Jar::default();
        let (url, state) = self.start(op, &mut jar).await?;
        if let Some(craft) = craft {
            self.federation.script_oidc_answer(&state, craft);
        }
        let redirect = self.authorize(op, &url).await?;
        let query = redirect.split_once('?').map_or("", |(_, q)| q).to_string();
        Ok((state, self.callback(&redirect, &query, jar).await?))
    }

    /// Plays one case: the RP's verdict.
    pub async fn play(&self, case: &OidcCase) -> Result<Played, OidcRunError> {
        let op = case.op();
        match case.play {
            Play::Correct => self.judged_login(op, None).await,
            Play::IdToken(tweaks, ref wrap) | Play::Userinfo(tweaks, ref wrap) => {
                let crafted = Some(self.craft(tweaks, wrap)?);
                let mut craft = AnswerCraft::default();
                match case.play {
                    Play::IdToken(..) => craft.id_token = crafted,
                    _ => craft.userinfo = crafted,
                }
                self.judged_login(op, Some(craft)).await
            }
            Play::Refresh(..) | Play::RefreshIdToken => {
                let craft = match case.play {
                    // A plain refresh: the OP answers as its profile says.
                    Play::Refresh(&[], Wrap::Normal) => AnswerCraft::default(),
                    Play::Refresh(tweaks, ref wrap) => AnswerCraft {
                        refreshed_id_token: Some(self.craft(tweaks, wrap)?),
                        ..AnswerCraft::default()
                    },
                    _ => AnswerCraft {
                        refreshed_id_token: Some(Craft::default()),
                        ..AnswerCraft::default()
                    },
                };
                let (_, a) = self.crafted_login(op, Some(craft)).await?;
                let first = self.judge(&a).await?;
                if !first.accepted {
                    return Err(OidcRunError::PremiseRefused(first.evidence));
                }
                let url = self.urls.refresh.clone().unwrap_or_default();
                let mut post = self.http.post(&url);
                if let Some(c) = a.jar.header(&url) {
                    post = post.header(reqwest::header::COOKIE, c);
                }
                let r = post.send().await.map_err(|source| OidcRunError::Http {
                    what: "the RP's refresh",
                    url,
                    source,
                })?;
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                Ok(Played {
                    accepted: (200..300).contains(&status),
                    evidence: format!("refresh: HTTP {status}: {}", excerpt(&body)),
                })
            }
            Play::Callback(change) => {
                let mut jar = Jar::default();
                let (url, _) = self.start(op, &mut jar).await?;
                let redirect = self.authorize(op, &url).await?;
                let query = redirect.split_once('?').map_or("", |(_, q)| q);
                let a = self
                    .callback(&redirect, &change_query(query, change), jar)
                    .await?;
                self.judge(&a).await
            }
            Play::ReplayCode => {
                let mut jar = Jar::default();
                let (url, _) = self.start(op, &mut jar).await?;
                let redirect = self.authorize(op, &url).await?;
                let query = redirect.split_once('?').map_or("", |(_, q)| q);
                let first = self
                    .judge(&self.callback(&redirect, query, jar).await?)
                    .await?;
                if !first.accepted {
                    return Err(OidcRunError::PremiseRefused(first.evidence));
                }
                // The same answer again, in another browser with a login outstanding (as an
                // attacker who captured it would send it; the first browser is logged in
                // already, so its probe could not tell).
                let mut other = Jar::default();
                let _ = self.start(op, &mut other).await?;
                let a = self.callback(&redirect, query, other).await?;
                self.judge(&a).await
            }
            Play::OtherSessionIdToken => {
                let (earlier, a) = self.crafted_login(op, Some(AnswerCraft::default())).await?;
                let first = self.judge(&a).await?;
                if !first.accepted {
                    return Err(OidcRunError::PremiseRefused(first.evidence));
                }
                let token = self
                    .federation
                    .crafted_id_token(&earlier)
                    .ok_or(OidcRunError::NoEarlierToken)?;
                let craft = AnswerCraft {
                    id_token: Some(Craft::wrap(Wrap::Verbatim(token))),
                    ..AnswerCraft::default()
                };
                self.judged_login(op, Some(craft)).await
            }
            Play::Federation(_) => self.play_broken_op(op).await,
        }
    }

    /// Plays one case: its report entry.
    pub async fn run_case(&self, case: &OidcCase) -> Entry {
        let started = crate::report::unix_ms_now();
        let began = Instant::now();
        let skipped = (matches!(case.play, Play::Refresh(..) | Play::RefreshIdToken)
            && self.urls.refresh.is_none())
        .then(|| crate::report::NotRun {
            kind: crate::report::NotRunKind::Skipped,
            reason: "needs the RP's refresh URL (--refresh-url)".into(),
        });
        let played = match skipped {
            Some(_) => None,
            None => Some(self.play(case).await),
        };
        let base = Entry {
            id: case.id.to_string(),
            title: format!("{} [{}]", case.title, case.rule.source),
            provider: Some(case.op().to_string()),
            level: Some(LEVEL),
            outcome: play_kind(&case.play).to_string(),
            expected: case.expect.word().to_string(),
            millis: began.elapsed().as_secs_f64() * 1000.0,
            rule: Some(super::cases::rule_line(case)),
            severity: Some(case.severity),
            family: Some(FAMILY.into()),
            sent: Some(format!(
                "{} by {}: {:?}",
                play_kind(&case.play),
                case.op(),
                case.play
            )),
            started_unix_ms: Some(started),
            maps_to: maps_to(&case.maps),
            ..Entry::default()
        };
        match played {
            None => Entry {
                not_run: skipped,
                ..base
            },
            Some(Ok(p)) => Entry {
                passed: p.accepted == (case.expect == Expect::Accept),
                verdict: Some(crate::oracle::Verdict {
                    accepted: p.accepted,
                    rule: "probe".into(),
                    reason: p.evidence.clone(),
                    evidence: vec![p.evidence],
                    spid_error: None,
                }),
                ..base
            },
            Some(Err(e)) => Entry {
                error: Some(crate::report::error_chain(&e)),
                ..base
            },
        }
    }
}

impl OidcTarget<'_> {
    /// A login at `op`, whose entity configuration, chain or trust marks the federation serves
    /// broken: an RP that refuses the OP does not send the browser to its authorization
    /// endpoint at all (its answer to the login start is the evidence); one that does is judged
    /// on the rest of the login.
    async fn play_broken_op(&self, op: &str) -> Result<Played, OidcRunError> {
        let mut jar = Jar::default();
        let url = match self.start(op, &mut jar).await {
            Ok((url, _)) => url,
            Err(OidcRunError::NoAuthorizationRequest { status, at, .. }) => {
                return Ok(Played {
                    accepted: false,
                    evidence: format!("login start: HTTP {status}: {at}"),
                })
            }
            Err(OidcRunError::NoState(why)) => {
                return Ok(Played {
                    accepted: false,
                    evidence: format!(
                        "the login start did not lead to the OP's authorization endpoint: {why}"
                    ),
                })
            }
            Err(e) => return Err(e),
        };
        let redirect = self.authorize(op, &url).await?;
        let query = redirect.split_once('?').map_or("", |(_, q)| q).to_string();
        let a = self.callback(&redirect, &query, jar).await?;
        self.judge(&a).await
    }
}

/// A case's mappings as the report shows them (`None` when nothing is mapped).
fn maps_to(m: &super::cases::Maps) -> Option<crate::report::MapsTo> {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    (!m.is_empty()).then(|| crate::report::MapsTo {
        oidf: some(m.oidf),
        oidf_legacy: some(m.oidf_legacy),
        agid: some(m.agid),
        line: m.line(),
    })
}

/// The report family of the OIDC response cases.
pub const FAMILY: &str = "oidc-response";

/// What a play does, in a word or two (the entry's `outcome`).
pub fn play_kind(p: &Play) -> &'static str {
    match p {
        Play::Correct => "correct login",
        Play::IdToken(..) => "crafted ID token",
        Play::Userinfo(..) => "crafted userinfo",
        Play::Refresh(..) => "crafted refreshed ID token",
        Play::RefreshIdToken => "ID token in a refresh answer",
        Play::Callback(_) => "changed authorization response",
        Play::ReplayCode => "replayed authorization response",
        Play::OtherSessionIdToken => "ID token of another login",
        Play::Federation(_) => "login at an OP with a broken federation entry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_changes_touch_only_their_parameter() {
        let q = "code=c&state=s&iss=https%3A%2F%2Fop";
        assert_eq!(
            change_query(q, CallbackChange::NoState),
            "code=c&iss=https%3A%2F%2Fop"
        );
        assert_eq!(
            change_query(q, CallbackChange::Error("access_denied")),
            "state=s&iss=https%3A%2F%2Fop&error=access_denied&error_description=the+OP+answers+access_denied"
        );
    }

    /// `--logout-url` is POSTed; an RP whose logout takes GET only (405 to the POST) is
    /// fetched with GET; either way with the session's cookies, once per method.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_logout_url_is_posted_and_fetched_with_get_on_405() {
        use axum::routing::{get, post};
        use std::sync::{Arc, Mutex};
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = |method: &'static str| {
            let seen = seen.clone();
            move |h: axum::http::HeaderMap| async move {
                let cookie = h
                    .get("cookie")
                    .and_then(|c| c.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                seen.lock().unwrap().push(format!("{method} {cookie}"));
                axum::http::StatusCode::SEE_OTHER
            }
        };
        let app = axum::Router::new()
            .route("/get-only", get(record("GET")))
            .route("/post-only", post(record("POST")));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let federation = MockFederation::start().await.expect("federation");
        for (path, want) in [("post-only", "POST sid=abc"), ("get-only", "GET sid=abc")] {
            seen.lock().unwrap().clear();
            let urls = RpUrls {
                login: format!("{base}/login?op={{op}}"),
                probe: format!("{base}/me"),
                refresh: None,
                callback_rewrite: None,
                logout: Some(format!("{base}/{path}")),
            };
            let target = OidcTarget::at(&federation, urls, "x").unwrap();
            let mut jar = Jar::default();
            jar.0
                .entry(origin(&base))
                .or_default()
                .insert("sid".into(), "abc".into());
            let status = target.logout(&mut jar).await.expect("a logout URL");
            assert_eq!(status.expect("answered"), 303, "{path}");
            assert_eq!(*seen.lock().unwrap(), vec![want.to_string()], "{path}");
        }
        let urls = RpUrls {
            login: format!("{base}/login?op={{op}}"),
            probe: format!("{base}/me"),
            refresh: None,
            callback_rewrite: None,
            logout: None,
        };
        let target = OidcTarget::at(&federation, urls, "x").unwrap();
        assert!(target.logout(&mut Jar::default()).await.is_none());
    }

    #[test]
    fn a_refusal_page_reads_as_its_text() {
        assert_eq!(
            page_text("<h1>Accesso rifiutato</h1>nonce: &quot;x&quot; &lt;"),
            "Accesso rifiutato nonce: \"x\" <"
        );
    }
}
