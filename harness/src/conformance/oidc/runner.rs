//! Plays the OIDC cases against a relying party as its browser and its OpenID Provider: starts a
//! login at the RP, reads the `state` from the request object, tells the mock OP how to craft
//! its answers for that login, lets the OP answer, carries the authorization response (changed,
//! for the callback cases) to the RP's callback, and probes the RP's protected page.
//!
//! The verdict is the RP's: a callback answered with a redirect and a session cookie under
//! which the protected page answers 2xx is a login; anything else is a refusal.

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
    /// The mock OP's login queue is full.
    #[error("scripting the login")]
    Script(#[source] mock_idps::spid::state::ScriptQueueFull),
    /// A claim value in the case table is not JSON.
    #[error("case table: {0:?} is not JSON")]
    Table(&'static str),
    /// The mock OP kept no ID token for an earlier crafted login.
    #[error("the mock OP kept no ID token for the earlier login")]
    NoEarlierToken,
    /// A correct login, needed before the case's own step, was refused.
    #[error("the correct login before the case's step was refused: {0}")]
    PremiseRefused(String),
}

/// The RP under test and the mock OPs it trusts.
#[derive(Debug)]
pub struct OidcTarget<'a> {
    federation: &'a MockFederation,
    rp_base: String,
    redirect_uri: String,
    client_id: String,
    http: reqwest::Client,
}

/// What the RP answered to one authorization response.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    cookie: Option<String>,
    body: String,
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
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `state` inside the `request` object of an authorization URL (its payload, unverified:
/// the harness reads its own RP's request, it does not judge it here).
fn state_of(authz_url: &str) -> Result<String, OidcRunError> {
    let url = url::Url::parse(authz_url).map_err(|e| OidcRunError::NoState(e.to_string()))?;
    let request = url
        .query_pairs()
        .find(|(k, _)| k == "request")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| OidcRunError::NoState("no request parameter".into()))?;
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
    /// The RP at `rp_base` (its `/oidc/login`, `/oidc/callback`, `/me`, `/refresh`), whose
    /// registered redirect URI is `redirect_uri`, logging in at `federation`'s OPs.
    pub fn new(
        federation: &'a MockFederation,
        rp_base: &str,
        redirect_uri: &str,
        client_id: &str,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            federation,
            rp_base: rp_base.trim_end_matches('/').to_string(),
            redirect_uri: redirect_uri.to_string(),
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

    /// The mock OPs the RP logs in at.
    pub fn federation(&self) -> &'a MockFederation {
        self.federation
    }

    /// Where the RP's pages answer.
    pub fn rp_base(&self) -> &str {
        &self.rp_base
    }

    /// The RP's registered redirect URI (where the OPs send the browser back).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    async fn get(
        &self,
        what: &'static str,
        url: &str,
        cookie: Option<&str>,
    ) -> Result<reqwest::Response, OidcRunError> {
        let mut r = self.http.get(url);
        if let Some(c) = cookie {
            r = r.header(reqwest::header::COOKIE, c);
        }
        r.send().await.map_err(|source| OidcRunError::Http {
            what,
            url: url.to_string(),
            source,
        })
    }

    /// Starts a login at the RP: the OP's authorization URL and the login's `state`.
    async fn start(&self, op: &str) -> Result<(String, String), OidcRunError> {
        let url = format!("{}/oidc/login?op={op}&level={LEVEL}", self.rp_base);
        let r = self.get("starting a login at", &url, None).await?;
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let Some(location) = location.filter(|_| (300..400).contains(&status)) else {
            return Err(OidcRunError::Unexpected {
                what: "the RP's login start",
                status,
                detail: excerpt(&page_text(&r.text().await.unwrap_or_default())),
            });
        };
        let state = state_of(&location)?;
        Ok((location, state))
    }

    /// Lets the OP answer the authorization request (the user logs in and consents): the
    /// authorization response's query.
    async fn authorize(&self, op: &str, url: &str) -> Result<String, OidcRunError> {
        self.federation
            .script_next_login(ScriptedLogin {
                provider: Some(op.into()),
                user: USER.into(),
                level: None,
                outcome: Outcome::Success,
            })
            .map_err(OidcRunError::Script)?;
        let r = self
            .get("the OP's authorization endpoint", url, None)
            .await?;
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string)
            .unwrap_or_default();
        match location.strip_prefix(&format!("{}?", self.redirect_uri)) {
            Some(q) if (300..400).contains(&status) => Ok(q.to_string()),
            _ => Err(OidcRunError::Unexpected {
                what: "the OP's authorization endpoint",
                status,
                detail: if location.is_empty() {
                    excerpt(&r.text().await.unwrap_or_default())
                } else {
                    location
                },
            }),
        }
    }

    /// Carries an authorization response to the RP's callback.
    async fn callback(&self, query: &str) -> Result<Answer, OidcRunError> {
        let url = format!("{}/oidc/callback?{query}", self.rp_base);
        let r = self.get("the RP's callback", &url, None).await?;
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|c| c.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
            .map(str::to_string);
        let body = r.text().await.unwrap_or_default();
        Ok(Answer {
            status,
            cookie,
            body,
        })
    }

    /// Whether the RP's protected page answers 2xx with `cookie`.
    async fn logged_in(&self, cookie: &str) -> Result<bool, OidcRunError> {
        let url = format!("{}/me", self.rp_base);
        let r = self
            .get("the RP's protected page", &url, Some(cookie))
            .await?;
        Ok(r.status().is_success())
    }

    /// The verdict on an answer of the callback.
    async fn judge(&self, a: &Answer) -> Result<Played, OidcRunError> {
        let accepted = match (&a.cookie, (300..400).contains(&a.status)) {
            (Some(c), true) => self.logged_in(c).await?,
            _ => false,
        };
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

    /// A login whose OP answers are crafted by `craft`: the RP's answer to the callback.
    async fn crafted_login(
        &self,
        op: &str,
        craft: Option<AnswerCraft>,
    ) -> Result<(String, Answer), OidcRunError> {
        let (url, state) = self.start(op).await?;
        if let Some(craft) = craft {
            self.federation.script_oidc_answer(&state, craft);
        }
        let query = self.authorize(op, &url).await?;
        Ok((state, self.callback(&query).await?))
    }

    /// Plays one case: the RP's verdict.
    pub async fn play(&self, case: &OidcCase) -> Result<Played, OidcRunError> {
        let op = case.op();
        match case.play {
            Play::Correct => {
                let (_, a) = self.crafted_login(op, None).await?;
                self.judge(&a).await
            }
            Play::IdToken(tweaks, ref wrap) => {
                let craft = AnswerCraft {
                    id_token: Some(Craft {
                        edits: self.edits(tweaks)?,
                        wrap: wrap.clone(),
                    }),
                    ..AnswerCraft::default()
                };
                let (_, a) = self.crafted_login(op, Some(craft)).await?;
                self.judge(&a).await
            }
            Play::Userinfo(tweaks, ref wrap) => {
                let craft = AnswerCraft {
                    userinfo: Some(Craft {
                        edits: self.edits(tweaks)?,
                        wrap: wrap.clone(),
                    }),
                    ..AnswerCraft::default()
                };
                let (_, a) = self.crafted_login(op, Some(craft)).await?;
                self.judge(&a).await
            }
            Play::Refresh(..) | Play::RefreshIdToken => {
                let craft = match case.play {
                    // A plain refresh: the OP answers as its profile says.
                    Play::Refresh(&[], Wrap::Normal) => AnswerCraft::default(),
                    Play::Refresh(tweaks, ref wrap) => AnswerCraft {
                        refreshed_id_token: Some(Craft {
                            edits: self.edits(tweaks)?,
                            wrap: wrap.clone(),
                        }),
                        ..AnswerCraft::default()
                    },
                    _ => AnswerCraft {
                        refreshed_id_token: Some(Craft::default()),
                        ..AnswerCraft::default()
                    },
                };
                let (_, a) = self.crafted_login(op, Some(craft)).await?;
                let first = self.judge(&a).await?;
                let (Some(cookie), true) = (&a.cookie, first.accepted) else {
                    return Err(OidcRunError::PremiseRefused(first.evidence));
                };
                let url = format!("{}/refresh", self.rp_base);
                let r = self
                    .http
                    .post(&url)
                    .header(reqwest::header::COOKIE, cookie)
                    .send()
                    .await
                    .map_err(|source| OidcRunError::Http {
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
                let (url, _) = self.start(op).await?;
                let query = self.authorize(op, &url).await?;
                let a = self.callback(&change_query(&query, change)).await?;
                self.judge(&a).await
            }
            Play::ReplayCode => {
                let (url, _) = self.start(op).await?;
                let query = self.authorize(op, &url).await?;
                let first = self.judge(&self.callback(&query).await?).await?;
                if !first.accepted {
                    return Err(OidcRunError::PremiseRefused(first.evidence));
                }
                // Another login outstanding, as a busy RP would have.
                let _ = self.start(op).await?;
                let a = self.callback(&query).await?;
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
                let (_, a) = self.crafted_login(op, Some(craft)).await?;
                self.judge(&a).await
            }
            Play::Federation(_) => self.play_broken_op(op).await,
        }
    }

    /// Plays one case: its report entry.
    pub async fn run_case(&self, case: &OidcCase) -> Entry {
        let started = crate::report::unix_ms_now();
        let began = Instant::now();
        let played = self.play(case).await;
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
            Ok(p) => Entry {
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
            Err(e) => Entry {
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
        let url = match self.start(op).await {
            Ok((url, _)) => url,
            Err(OidcRunError::Unexpected { status, detail, .. }) => {
                return Ok(Played {
                    accepted: false,
                    evidence: format!("login start: HTTP {status}: {detail}"),
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
        let query = self.authorize(op, &url).await?;
        let a = self.callback(&query).await?;
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

    #[test]
    fn a_refusal_page_reads_as_its_text() {
        assert_eq!(
            page_text("<h1>Accesso rifiutato</h1>nonce: &quot;x&quot; &lt;"),
            "Accesso rifiutato nonce: \"x\" <"
        );
    }
}
