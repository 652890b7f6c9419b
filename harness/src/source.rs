//! Reading a text input the user names on the command line: a file path or an http(s) URL
//! (service metadata for `check`, SP metadata for `serve`).

use std::path::PathBuf;

/// Why a file or URL could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The URL could not be fetched (refused, timed out, no such host…).
    #[error("fetching {url}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The URL answered with a status other than 2xx.
    #[error("fetching {url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// What it answered.
        status: reqwest::StatusCode,
    },
    /// The file could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl SourceError {
    /// Whether the server could not be reached at all (refused, timed out, no such host).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SourceError::Fetch { source, .. } if source.is_connect() || source.is_timeout())
    }
}

/// Reads `source`: fetched when it starts with `http://` or `https://`, read as a file otherwise.
pub async fn read_text(source: &str) -> Result<String, SourceError> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let fetch = |e| SourceError::Fetch {
            url: source.to_string(),
            source: e,
        };
        let resp = reqwest::get(source).await.map_err(fetch)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(SourceError::Status {
                url: source.to_string(),
                status,
            });
        }
        resp.text().await.map_err(fetch)
    } else {
        std::fs::read_to_string(source).map_err(|e| SourceError::Read {
            path: PathBuf::from(source),
            source: e,
        })
    }
}
