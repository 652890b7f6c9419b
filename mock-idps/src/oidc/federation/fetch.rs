//! Getting entity statements: the [`EntityFetcher`] trait, over HTTP with timeouts and a size
//! cap ([`HttpFetcher`]) for on-boarded external relying parties, and in-process for the
//! entities the mocks serve themselves (see `LocalFederation`).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, for the object-safe fetcher trait.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a statement could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL is not an absolute http(s) URL.
    #[error("{0:?} is not an absolute http or https URL")]
    BadUrl(String),
    /// Nothing answers there (connection refused, DNS, timeout).
    #[error("{url} is unreachable: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The answer is not 200.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The answer is not `application/entity-statement+jwt` (or the expected type).
    #[error("{url} answered Content-Type {found:?}, expected {expected}")]
    ContentType {
        /// The URL.
        url: String,
        /// The type received.
        found: String,
        /// The type expected.
        expected: &'static str,
    },
    /// The answer is larger than the cap.
    #[error("{url} answered more than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// No such entity or subordinate here.
    #[error("{0} is not known")]
    NotFound(String),
}

/// Gets one statement: `url` is an entity's well-known URL or a fetch endpoint with `?sub=`.
pub trait EntityFetcher: Send + Sync + std::fmt::Debug {
    /// The body of a 200 answer with Content-Type `application/entity-statement+jwt`.
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<String, FetchError>>;
}

/// Limits of [`HttpFetcher`].
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Largest body read.
    pub max_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            max_bytes: 64 * 1024,
        }
    }
}

/// Fetches over HTTP(S): no redirects followed, timeouts, a size cap, the content type checked.
#[derive(Debug, Clone)]
pub struct HttpFetcher {
    /// The client, or why it could not be built (then every fetch fails saying so).
    client: Result<reqwest::Client, String>,
    limits: HttpLimits,
}

impl HttpFetcher {
    /// A fetcher with `limits`.
    pub fn new(limits: HttpLimits) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"));
        Self { client, limits }
    }
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self::new(HttpLimits::default())
    }
}

/// Checks `url` is absolute http(s).
pub fn check_url(url: &str) -> Result<url::Url, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(FetchError::BadUrl(url.to_owned()));
    }
    Ok(parsed)
}

impl EntityFetcher for HttpFetcher {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<String, FetchError>> {
        Box::pin(async move {
            check_url(url)?;
            let unreachable = |e: reqwest::Error| FetchError::Unreachable {
                url: url.to_owned(),
                reason: e.to_string(),
            };
            let client = self
                .client
                .as_ref()
                .map_err(|reason| FetchError::Unreachable {
                    url: url.to_owned(),
                    reason: reason.clone(),
                })?;
            let mut resp = client
                .get(url)
                .header("accept", super::statement::ENTITY_STATEMENT_MEDIA_TYPE)
                .send()
                .await
                .map_err(unreachable)?;
            if resp.status() != reqwest::StatusCode::OK {
                return Err(FetchError::Status {
                    url: url.to_owned(),
                    status: resp.status().as_u16(),
                });
            }
            let ctype = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let essence = ctype.split(';').next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case(super::statement::ENTITY_STATEMENT_MEDIA_TYPE) {
                return Err(FetchError::ContentType {
                    url: url.to_owned(),
                    found: ctype,
                    expected: super::statement::ENTITY_STATEMENT_MEDIA_TYPE,
                });
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(unreachable)? {
                if body.len() + chunk.len() > self.limits.max_bytes {
                    return Err(FetchError::TooLarge {
                        url: url.to_owned(),
                        limit: self.limits.max_bytes,
                    });
                }
                body.extend_from_slice(&chunk);
            }
            String::from_utf8(body).map_err(|_| FetchError::Unreachable {
                url: url.to_owned(),
                reason: "the body is not UTF-8".into(),
            })
        })
    }
}

/// The well-known URL of an entity id.
pub fn well_known_url(entity_id: &str) -> String {
    format!(
        "{}{}",
        entity_id.trim_end_matches('/'),
        super::statement::WELL_KNOWN
    )
}

/// A fetch-endpoint URL for `sub`.
pub fn fetch_url(endpoint: &str, sub: &str) -> String {
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    let sub: String = form_urlencoded::byte_serialize(sub.as_bytes()).collect();
    format!("{endpoint}{sep}sub={sub}")
}
