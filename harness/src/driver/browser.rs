//! Drives a service's login path as a headless browser would (no JavaScript): cookies, redirects,
//! SAML auto-post forms, and the mock providers' login, OTP, device and consent forms. Every hop
//! is recorded with its timing; the final answer goes to the oracle.

use scraper::{Html, Selector};
use serde::Serialize;
use std::time::{Duration, Instant};
use url::Url;

/// Why a drive could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// A URL could not be parsed or joined.
    #[error("bad URL {0:?}: {1}")]
    Url(String, String),
    /// The HTTP exchange failed (connection refused, timeout, TLS).
    #[error("{method} {url} failed: {source}")]
    Http {
        /// Method.
        method: String,
        /// URL.
        url: String,
        /// The client error.
        #[source]
        source: reqwest::Error,
    },
    /// More hops than the limit: a redirect loop.
    #[error("more than {0} hops: a redirect or form loop")]
    TooManyHops(usize),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The login URL never led to a `SAMLRequest` (no redirect or form carrying one).
    #[error("the login URL produced no SAMLRequest: the last page was {url} with status {status}")]
    NoSamlRequest {
        /// The last URL fetched.
        url: String,
        /// Its status.
        status: u16,
    },
}

/// An AuthnRequest on its way to the IdP, captured instead of sent.
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    /// The hops up to (not including) the IdP.
    pub hops: Vec<Hop>,
    /// The message, as the binding carries it.
    pub message: RequestMessage,
}

/// A captured `SAMLRequest` on either binding.
#[derive(Debug, Clone)]
pub enum RequestMessage {
    /// HTTP-Redirect: the full IdP URL and its raw query.
    Redirect {
        /// The Location URL.
        url: String,
        /// The raw query (after `?`), still encoded.
        query: String,
    },
    /// HTTP-POST: the form's action and its hidden fields.
    Post {
        /// The form action (the IdP SSO URL).
        action: String,
        /// The hidden fields (`SAMLRequest`, `RelayState`…).
        fields: Vec<(String, String)>,
    },
}

/// What a hop was, in the login path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopKind {
    /// The first request, to the service's login URL.
    Start,
    /// A redirect followed.
    Redirect,
    /// An auto-post form carrying a SAMLRequest (to the IdP).
    SamlRequest,
    /// An auto-post form carrying a SAMLResponse (to the SP's ACS).
    SamlResponse,
    /// A form of the identity provider's login pages.
    IdpForm,
    /// A follow-up request made by the oracle.
    Probe,
}

/// One request and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// What the hop was.
    pub kind: HopKind,
    /// HTTP method.
    pub method: String,
    /// URL requested.
    pub url: String,
    /// Status answered.
    pub status: u16,
    /// Wall time of the exchange, in milliseconds.
    pub millis: f64,
}

/// The last page reached.
#[derive(Debug, Clone, Serialize)]
pub struct FinalPage {
    /// Its URL.
    pub url: String,
    /// Its status.
    pub status: u16,
    /// Its body.
    pub body: String,
    /// Set-Cookie names seen on the hop that delivered the SAMLResponse (the ACS) and after it.
    pub cookies_after_acs: Vec<String>,
    /// Whether the ACS answered with a redirect.
    pub acs_redirected: bool,
    /// Whether a SAMLResponse was posted at all.
    pub reached_acs: bool,
}

/// A drive's record: every hop and the final page.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// The hops, in order.
    pub hops: Vec<Hop>,
    /// Where it ended.
    pub last: FinalPage,
    /// The SAMLResponse posted to the ACS (decoded), if any.
    pub saml_response: Option<String>,
}

/// How to behave on the identity provider's pages.
#[derive(Debug, Clone, Default)]
pub struct IdpScript {
    /// User name to type.
    pub username: String,
    /// Password to type.
    pub password: String,
    /// Device PIN for L3.
    pub device_pin: Option<String>,
    /// Type a wrong password this many times first.
    pub wrong_passwords: u32,
    /// Press "Annulla" on the login page.
    pub cancel: bool,
    /// Press "Non acconsento" on the consent page.
    pub deny_consent: bool,
}

/// A headless browser with a cookie store that follows a login path.
#[derive(Debug, Clone)]
pub struct Browser {
    client: reqwest::Client,
    max_hops: usize,
}

impl Browser {
    /// A new browser with an empty cookie jar and a per-request timeout.
    pub fn new(timeout: Duration) -> Result<Self, BrowserError> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(BrowserError::Client)?;
        Ok(Self {
            client,
            max_hops: 40,
        })
    }

    /// A browser on a client built elsewhere (a load run's virtual user, which resets its cookie
    /// jar between logins and keeps its connections). The client must not follow redirects.
    pub fn with_client(client: reqwest::Client) -> Self {
        Self {
            client,
            max_hops: 40,
        }
    }

    /// The underlying client (it shares the cookie jar), for probes.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// GETs `url` once, recording the hop.
    pub async fn get(
        &self,
        url: &str,
        kind: HopKind,
    ) -> Result<(Hop, reqwest::header::HeaderMap, String), BrowserError> {
        self.exchange(reqwest::Method::GET, url, &[], kind).await
    }

    /// POSTs `form` to `url` once (no redirect or form followed), recording the hop.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(String, String)],
        kind: HopKind,
    ) -> Result<(Hop, reqwest::header::HeaderMap, String), BrowserError> {
        self.exchange(reqwest::Method::POST, url, form, kind).await
    }

    async fn exchange(
        &self,
        method: reqwest::Method,
        url: &str,
        form: &[(String, String)],
        kind: HopKind,
    ) -> Result<(Hop, reqwest::header::HeaderMap, String), BrowserError> {
        let started = Instant::now();
        let mut req = self.client.request(method.clone(), url);
        if method == reqwest::Method::POST {
            req = req.form(form);
        }
        let http_err = |source| BrowserError::Http {
            method: method.to_string(),
            url: url.to_string(),
            source,
        };
        let resp = req.send().await.map_err(http_err)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.map_err(http_err)?;
        let hop = Hop {
            kind,
            method: method.to_string(),
            url: url.to_string(),
            status,
            millis: started.elapsed().as_secs_f64() * 1000.0,
        };
        Ok((hop, headers, body))
    }

    /// Starts at `start_url` (GET) and follows the path to its end, acting on IdP pages as
    /// `script` says.
    pub async fn drive(&self, start_url: &str, script: &IdpScript) -> Result<Trace, BrowserError> {
        self.follow(
            (
                reqwest::Method::GET,
                start_url.to_string(),
                Vec::new(),
                HopKind::Start,
            ),
            script,
            None,
        )
        .await
    }

    /// Posts `fields` (a `SAMLResponse` form) to `action` with this browser's cookies, then
    /// follows redirects and auto-post forms as [`Browser::drive`] does; the trace records
    /// `saml_response` (the XML posted).
    pub async fn post_saml_response(
        &self,
        action: &str,
        fields: Vec<(String, String)>,
        saml_response_xml: String,
    ) -> Result<Trace, BrowserError> {
        self.follow(
            (
                reqwest::Method::POST,
                action.to_string(),
                fields,
                HopKind::SamlResponse,
            ),
            &IdpScript::default(),
            Some(saml_response_xml),
        )
        .await
    }

    /// GETs a service's login URL and follows its redirects and forms until the hop that would
    /// carry a `SAMLRequest` to the IdP (a redirect whose Location has `SAMLRequest`, or an
    /// auto-post form with a `SAMLRequest` field); that hop is not sent.
    pub async fn capture_request(&self, start_url: &str) -> Result<CapturedRequest, BrowserError> {
        let mut hops = Vec::new();
        let mut url = start_url.to_string();
        let mut kind = HopKind::Start;
        loop {
            if hops.len() >= self.max_hops {
                return Err(BrowserError::TooManyHops(self.max_hops));
            }
            let (hop, headers, body) = self.exchange(reqwest::Method::GET, &url, &[], kind).await?;
            let status = hop.status;
            hops.push(hop);
            if (300..400).contains(&status) {
                if let Some(loc) = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                {
                    let next = join(&url, loc)?;
                    if let Some((_, query)) = next.split_once('?') {
                        if query.split('&').any(|p| p.starts_with("SAMLRequest=")) {
                            return Ok(CapturedRequest {
                                hops,
                                message: RequestMessage::Redirect {
                                    query: query.to_string(),
                                    url: next.clone(),
                                },
                            });
                        }
                    }
                    url = next;
                    kind = HopKind::Redirect;
                    continue;
                }
            }
            return match next_form(&url, &body, &IdpScript::default(), &mut 0)? {
                Some((action, fields, HopKind::SamlRequest)) => Ok(CapturedRequest {
                    hops,
                    message: RequestMessage::Post { action, fields },
                }),
                _ => Err(BrowserError::NoSamlRequest { url, status }),
            };
        }
    }

    async fn follow(
        &self,
        first: (reqwest::Method, String, Vec<(String, String)>, HopKind),
        script: &IdpScript,
        posted_response: Option<String>,
    ) -> Result<Trace, BrowserError> {
        let mut hops = Vec::new();
        let mut wrong_left = script.wrong_passwords;
        let mut next = first;
        let mut saml_response = posted_response;
        let mut cookies_after_acs = Vec::new();
        let (mut acs_redirected, mut reached_acs, mut after_acs) = (false, false, false);
        loop {
            if hops.len() >= self.max_hops {
                return Err(BrowserError::TooManyHops(self.max_hops));
            }
            let (method, url, form, kind) = next;
            let (hop, headers, body) = self.exchange(method, &url, &form, kind).await?;
            let status = hop.status;
            hops.push(hop);
            if kind == HopKind::SamlResponse {
                reached_acs = true;
                after_acs = true;
                acs_redirected = (300..400).contains(&status);
            }
            if after_acs {
                cookies_after_acs.extend(
                    headers
                        .get_all(reqwest::header::SET_COOKIE)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .filter_map(|v| v.split('=').next())
                        .map(|n| n.trim().to_string()),
                );
            }
            if (300..400).contains(&status) {
                if let Some(loc) = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                {
                    next = (
                        reqwest::Method::GET,
                        join(&url, loc)?,
                        Vec::new(),
                        HopKind::Redirect,
                    );
                    continue;
                }
            }
            match next_form(&url, &body, script, &mut wrong_left)? {
                Some((action, fields, kind)) => {
                    if kind == HopKind::SamlResponse {
                        saml_response = fields
                            .iter()
                            .find(|(k, _)| k == "SAMLResponse")
                            .and_then(|(_, v)| base64_decode(v));
                    }
                    next = (reqwest::Method::POST, action, fields, kind);
                }
                None => {
                    return Ok(Trace {
                        hops,
                        last: FinalPage {
                            url,
                            status,
                            body,
                            cookies_after_acs,
                            acs_redirected,
                            reached_acs,
                        },
                        saml_response,
                    })
                }
            }
        }
    }
}

fn base64_decode(v: &str) -> Option<String> {
    use base64::Engine;
    // Most values are plain ASCII base64 and are decoded as they are; only values with
    // whitespace (or anything outside ASCII) are cleaned first, character by character.
    let plain = v
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b.is_ascii_whitespace());
    let clean: std::borrow::Cow<'_, str> = if plain {
        v.into()
    } else {
        v.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .into()
    };
    base64::engine::general_purpose::STANDARD
        .decode(clean.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

fn join(base: &str, href: &str) -> Result<String, BrowserError> {
    let base = Url::parse(base).map_err(|e| BrowserError::Url(base.to_string(), e.to_string()))?;
    base.join(href)
        .map(|u| u.to_string())
        .map_err(|e| BrowserError::Url(href.to_string(), e.to_string()))
}

/// A form's action and its fields.
pub type Form = (String, Vec<(String, String)>);

/// The auto-post SAML form on `body` (one with a `SAMLRequest` or `SAMLResponse` field), if any:
/// its action and fields.
pub fn saml_form(url: &str, body: &str) -> Result<Option<Form>, BrowserError> {
    Ok(match next_form(url, body, &IdpScript::default(), &mut 0)? {
        Some((action, fields, HopKind::SamlRequest | HopKind::SamlResponse)) => {
            Some((action, fields))
        }
        _ => None,
    })
}

/// The form to submit next on `body`, if the page is one the browser acts on: an auto-post SAML
/// form, or one of the mock IdP's forms.
/// A form to submit: action, fields, and the kind of hop it makes.
type FormHop = (String, Vec<(String, String)>, HopKind);

fn next_form(
    url: &str,
    body: &str,
    script: &IdpScript,
    wrong_left: &mut u32,
) -> Result<Option<FormHop>, BrowserError> {
    // Only a `<form` start tag (in any case) makes a form element: a page without one has
    // nothing to submit, and is not parsed (the protected page after every login).
    let bytes = body.as_bytes();
    let has_form = body.match_indices('<').any(|(i, _)| {
        bytes
            .get(i + 1..i + 5)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"form"))
    });
    if !has_form {
        return Ok(None);
    }
    let doc = Html::parse_document(body);
    // Invariant: these selectors are constant and valid.
    let form_sel = Selector::parse("form").expect("valid selector");
    let input_sel = Selector::parse("input[name]").expect("valid selector");
    let otp_sel = Selector::parse("#simulated-otp").expect("valid selector");
    for form in doc.select(&form_sel) {
        let method = form
            .value()
            .attr("method")
            .unwrap_or("get")
            .to_ascii_lowercase();
        let action = join(url, form.value().attr("action").unwrap_or(url))?;
        let mut fields: Vec<(String, String)> = form
            .select(&input_sel)
            .filter(|i| {
                i.value()
                    .attr("type")
                    .is_none_or(|t| t.eq_ignore_ascii_case("hidden"))
            })
            .filter_map(|i| {
                Some((
                    i.value().attr("name")?.to_string(),
                    i.value().attr("value").unwrap_or("").to_string(),
                ))
            })
            .collect();
        let has = |n: &str| fields.iter().any(|(k, _)| k == n);
        if method == "post" && has("SAMLResponse") {
            return Ok(Some((action, fields, HopKind::SamlResponse)));
        }
        if method == "post" && has("SAMLRequest") {
            return Ok(Some((action, fields, HopKind::SamlRequest)));
        }
        // What the mock IdP's forms are answered with, by the script.
        let answers: Vec<(&str, &str)> = match form.value().attr("id") {
            Some("login-form") if script.cancel => vec![("action", "cancel")],
            Some("login-form") => {
                let password = if *wrong_left > 0 {
                    *wrong_left -= 1;
                    "wrong-password"
                } else {
                    &script.password
                };
                let user = ("username", script.username.as_str());
                vec![user, ("password", password), ("action", "continue")]
            }
            Some("otp-form") => {
                let otp = doc
                    .select(&otp_sel)
                    .next()
                    .map(|e| e.text().collect::<String>())
                    .unwrap_or_default();
                fields.push(("otp".into(), otp.trim().to_string()));
                vec![("action", "continue")]
            }
            Some("device-form") => {
                let pin = script.device_pin.as_deref().unwrap_or("");
                vec![("pin", pin), ("action", "continue")]
            }
            Some("consent-form") if script.deny_consent => vec![("action", "deny")],
            Some("consent-form") => vec![("action", "continue")],
            _ => continue,
        };
        fields.extend(answers.into_iter().map(|(k, v)| (k.into(), v.into())));
        return Ok(Some((action, fields, HopKind::IdpForm)));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saml_values_decode_with_or_without_line_breaks() {
        let xml = "<samlp:Response ID=\"_x\"/>";
        let plain = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml);
        let wrapped = format!("{}\r\n {}\n", &plain[..10], &plain[10..]);
        assert_eq!(base64_decode(&plain).as_deref(), Some(xml));
        assert_eq!(base64_decode(&wrapped).as_deref(), Some(xml));
        assert_eq!(base64_decode("not base64 ???"), None);
    }

    #[test]
    fn a_page_without_a_form_start_tag_has_no_form() {
        let none = next_form(
            "http://sp/me",
            "<p>formal: <b>form</b></p>",
            &IdpScript::default(),
            &mut 0,
        );
        assert!(matches!(none, Ok(None)));
        let upper =
            "<FORM method=POST action=/acs><input type=hidden name=SAMLResponse value=x></FORM>";
        let found = next_form("http://sp/", upper, &IdpScript::default(), &mut 0).unwrap();
        assert!(matches!(found, Some((_, _, HopKind::SamlResponse))));
    }

    #[test]
    fn finds_auto_post_forms_in_any_markup() {
        let html = r#"<html><body onload="document.forms[0].submit()"><FORM METHOD="POST" ACTION="/acs">
            <input type=hidden name=SAMLResponse value="PHg+PC94Pg=="><input type="hidden" name="RelayState" value="r&amp;1">
            </FORM></body></html>"#;
        let (action, fields, kind) =
            next_form("http://sp.test/x/y", html, &IdpScript::default(), &mut 0)
                .unwrap()
                .unwrap();
        assert_eq!(action, "http://sp.test/acs");
        assert_eq!(kind, HopKind::SamlResponse);
        assert!(fields.contains(&("RelayState".into(), "r&1".into())));
    }

    #[test]
    fn plays_the_login_form_as_scripted() {
        let html = r#"<form method="post" action="login" id="login-form"><input type="hidden" name="token" value="t1">
            <input type="text" name="username"><input type="password" name="password"></form>"#;
        let script = IdpScript {
            username: "u".into(),
            password: "p".into(),
            wrong_passwords: 1,
            ..IdpScript::default()
        };
        let mut wrong = script.wrong_passwords;
        let (_, first, _) = next_form("http://idp.test/idp/x/sso", html, &script, &mut wrong)
            .unwrap()
            .unwrap();
        assert!(first.contains(&("password".into(), "wrong-password".into())));
        let (action, second, _) = next_form("http://idp.test/idp/x/sso", html, &script, &mut wrong)
            .unwrap()
            .unwrap();
        assert_eq!(action, "http://idp.test/idp/x/login");
        assert!(
            second.contains(&("password".into(), "p".into()))
                && second.contains(&("token".into(), "t1".into()))
        );
    }

    #[test]
    fn a_plain_page_ends_the_drive() {
        assert!(next_form(
            "http://a.test/",
            "<p>Benvenuto</p>",
            &IdpScript::default(),
            &mut 0
        )
        .unwrap()
        .is_none());
    }
}
