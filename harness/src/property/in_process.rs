//! Driving a Rust service's login in-process: an axum [`Router`] called with
//! `tower::ServiceExt::oneshot` (no socket), as a browser would (the session cookie the login
//! sets goes back with the Response and the probe). The HTTP-Redirect binding is used.

use super::build::response_xml;
use super::model::{Binding, Combination};
use crate::conformance::runner::Target;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine;
use mock_idps::ids::IdGenerator;
use mock_idps::saml::authn_request::AuthnRequest;
use mock_idps::saml::binding::{decode_redirect, url_encode};
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::request_rules::{validate, Addressee, ValidatedRequest};
use tower::ServiceExt;

/// Why an in-process login could not be played.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InProcessError {
    /// The router failed to answer.
    #[error("the router failed: {0}")]
    Router(String),
    /// The login did not redirect to the IdP with a SAMLRequest.
    #[error("GET {path} answered {status} without a SAMLRequest redirect")]
    NoRequest {
        /// The path called.
        path: String,
        /// Its status.
        status: u16,
    },
    /// The SAMLRequest could not be read.
    #[error("the SAMLRequest cannot be read: {0}")]
    Request(String),
    /// The AuthnRequest breaks a SPID rule.
    #[error("the AuthnRequest breaks SPID rule nr{code:02}: {detail}")]
    Rule {
        /// SPID ErrorCode.
        code: u8,
        /// What is wrong.
        detail: String,
    },
    /// The Response could not be built.
    #[error(transparent)]
    Build(#[from] crate::conformance::runner::CaseError),
}

/// A captured login: the validated request, its RelayState and the browser's cookie.
#[derive(Debug, Clone)]
pub struct Login {
    /// The AuthnRequest as the IdP validated it.
    pub request: ValidatedRequest,
    /// The RelayState sent with it.
    pub relay_state: Option<String>,
    /// The `Cookie` header value the service set (empty if none).
    pub cookie: String,
    /// When the request was captured.
    pub captured: time::OffsetDateTime,
}

/// A service reached in-process and the identity the harness plays towards it.
#[derive(Debug, Clone)]
pub struct InProcess {
    /// The service's router.
    pub router: Router,
    /// The IdP, keys, user and URLs (paths are taken from its URLs; scheme and host dropped).
    pub target: Target,
    ids: std::sync::Arc<IdGenerator>,
}

/// The path and query of a URL (`http://h:p/a?b` → `/a?b`).
fn path_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".into(), |i| rest[i..].to_string()),
        None => url.to_string(),
    }
}

impl InProcess {
    /// A driver for `router`, playing `target`'s IdP.
    pub fn new(router: Router, target: Target) -> Self {
        Self {
            router,
            target,
            ids: std::sync::Arc::new(IdGenerator::random()),
        }
    }

    async fn call(&self, req: Request<Body>) -> Result<axum::response::Response, InProcessError> {
        self.router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| InProcessError::Router(e.to_string()))
    }

    /// Starts a login of `combo`'s level and Comparison and captures the AuthnRequest.
    pub async fn capture(&self, combo: &Combination) -> Result<Login, InProcessError> {
        let captured = time::OffsetDateTime::now_utc();
        let url = self.target.login_start(
            combo.level.number(),
            combo.comparison.as_str(),
            Binding::Redirect.as_str(),
        );
        let path = path_of(&url);
        let req = Request::get(&path)
            .body(Body::empty())
            .map_err(|e| InProcessError::Router(e.to_string()))?;
        let resp = self.call(req).await?;
        let cookie = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|l| l.contains("SAMLRequest="))
            .ok_or(InProcessError::NoRequest {
                path,
                status: resp.status().as_u16(),
            })?;
        let query = location.split_once('?').map_or("", |(_, q)| q);
        let m = decode_redirect(query).map_err(|e| InProcessError::Request(e.to_string()))?;
        let doc = XmlDoc::parse(&m.xml).map_err(|e| InProcessError::Request(e.to_string()))?;
        let parsed =
            AuthnRequest::from_doc(&doc).map_err(|e| InProcessError::Request(e.to_string()))?;
        let request = validate(
            &parsed,
            &self.target.sp_metadata,
            Addressee {
                entity_id: &self.target.idp.entity_id,
                sso_url: &self.target.idp.sso_url,
            },
            time::OffsetDateTime::now_utc(),
            self.target.skew,
        )
        .map_err(|v| InProcessError::Rule {
            code: v.code,
            detail: v.detail,
        })?;
        Ok(Login {
            request,
            relay_state: m.relay_state,
            cookie,
            captured,
        })
    }

    /// Renders `combo` for `login`'s request, posts it to the ACS with the login's cookie and
    /// RelayState, and probes the protected page: whether the service logged the user in.
    pub async fn respond(
        &self,
        login: &Login,
        combo: &Combination,
    ) -> Result<bool, InProcessError> {
        let judged = Combination {
            level: login.request.level,
            comparison: login.request.comparison,
            ..combo.clone()
        };
        let xml = response_xml(
            &self.target,
            &login.request,
            &judged,
            login.captured,
            &self.ids,
        )?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
        let mut form = format!("SAMLResponse={}", url_encode(&b64));
        if let Some(r) = &login.relay_state {
            form.push_str(&format!("&RelayState={}", url_encode(r)));
        }
        let acs = path_of(
            self.target
                .acs_url
                .as_deref()
                .unwrap_or(&login.request.acs_url),
        );
        let post = Request::post(&acs)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &login.cookie)
            .body(Body::from(form))
            .map_err(|e| InProcessError::Router(e.to_string()))?;
        let resp = self.call(post).await?;
        let mut cookie = login.cookie.clone();
        for v in resp.headers().get_all(header::SET_COOKIE) {
            if let Some(kv) = v.to_str().ok().and_then(|v| v.split(';').next()) {
                cookie = if cookie.is_empty() {
                    kv.to_string()
                } else {
                    format!("{cookie}; {kv}")
                };
            }
        }
        if !resp.status().is_redirection() && !resp.status().is_success() {
            return Ok(false);
        }
        let probe = Request::get(path_of(&self.target.probe_url))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .map_err(|e| InProcessError::Router(e.to_string()))?;
        Ok(self.call(probe).await?.status() == StatusCode::OK)
    }

    /// A fresh login answered with `combo`: whether the service logged the user in, and the
    /// model's verdict for the request it sent.
    pub async fn play(
        &self,
        combo: &Combination,
    ) -> Result<(bool, super::model::ModelVerdict), InProcessError> {
        let login = self.capture(combo).await?;
        let accepted = self.respond(&login, combo).await?;
        let judged = Combination {
            level: login.request.level,
            comparison: login.request.comparison,
            ..combo.clone()
        };
        Ok((accepted, judged.verdict()))
    }
}

/// The embedded reference SP (with `faults` switched off) and its in-process driver.
pub async fn reference(
    state: &mock_idps::spid::state::MockState,
    faults: reference_sp::faults::Faults,
) -> Result<(reference_sp::ReferenceSp, InProcess), crate::conformance::reference::SetupError> {
    let run = crate::conformance::reference::start(state, faults).await?;
    let driver = InProcess::new(run.sp.router(), run.target);
    Ok((run.sp, driver))
}

#[cfg(test)]
mod tests {
    use super::path_of;

    #[test]
    fn paths() {
        assert_eq!(path_of("http://127.0.0.1:1/login?x=1"), "/login?x=1");
        assert_eq!(path_of("http://h"), "/");
        assert_eq!(path_of("/acs"), "/acs");
    }
}
