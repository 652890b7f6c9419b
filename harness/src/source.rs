//! Reading a text input the user names on the command line: a file path or an http(s) URL
//! (service metadata for `check`, SP metadata for `serve`).

use crate::fetch::{FetchError, Fetcher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The total timeout of a URL fetch in seconds (`--fetch-timeout`; default 20).
static FETCH_TIMEOUT_SECS: AtomicU64 = AtomicU64::new(20);

/// Sets the total timeout of every later URL fetch (`--fetch-timeout SECS`, at least 1 s).
pub fn set_fetch_timeout(secs: u64) {
    FETCH_TIMEOUT_SECS.store(secs.max(1), Ordering::Relaxed);
}

fn fetcher() -> Fetcher {
    Fetcher::with_total_timeout(Duration::from_secs(
        FETCH_TIMEOUT_SECS.load(Ordering::Relaxed),
    ))
}

/// Why a file or URL could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The URL could not be fetched: refused, no answer within the timeouts, over the size
    /// cap, or an error status.
    #[error("fetching {url}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        #[source]
        source: FetchError,
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
    /// Whether the document could not be fetched (exit code 3): every fetch failure is.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, SourceError::Fetch { .. })
    }
}

/// Reads `source`: fetched (5 s to connect, `--fetch-timeout` in all, at most 4 MiB) when it
/// starts with `http://` or `https://`, read as a file otherwise.
pub async fn read_text(source: &str) -> Result<String, SourceError> {
    if crate::fetch::is_url(source) {
        fetcher()
            .fetch_text(source)
            .await
            .map_err(|e| SourceError::Fetch {
                url: source.to_string(),
                source: e,
            })
    } else {
        std::fs::read_to_string(source).map_err(|e| SourceError::Read {
            path: PathBuf::from(source),
            source: e,
        })
    }
}
