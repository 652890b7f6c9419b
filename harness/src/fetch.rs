//! Outbound fetches of documents the harness reads from other servers (SP metadata today, OIDC
//! entity configurations later): a connect timeout, a total timeout covering headers and body,
//! and a size cap, each failure with its own message. The CLI ends a failed fetch with exit
//! code 3 (unreachable): see [`crate::cli`].

use std::time::Duration;

/// Limits of one fetch.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// Until the TCP (and TLS) connection is up.
    pub connect_timeout: Duration,
    /// From the first byte sent to the last byte of the body.
    pub total_timeout: Duration,
    /// The largest body accepted, in bytes.
    pub max_bytes: usize,
}

impl Default for Fetcher {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
            max_bytes: 4 << 20,
        }
    }
}

/// Why a document could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// No connection (refused, no such host, or not within the connect timeout).
    #[error("cannot connect to {url}: {source} (is the server running, and is the URL right?)")]
    Connect {
        /// The URL.
        url: String,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The whole exchange took longer than the total timeout.
    #[error("{url} did not send a complete answer within {secs} s (the server accepted the connection but is stuck or too slow; raise --fetch-timeout if it is just slow)")]
    Timeout {
        /// The URL.
        url: String,
        /// The limit, in seconds.
        secs: f64,
    },
    /// The body is over the size cap.
    #[error("{url} sent more than {max} bytes, more than any metadata document needs; is it the right URL?")]
    TooLarge {
        /// The URL.
        url: String,
        /// The cap.
        max: usize,
    },
    /// The server answered with an error status.
    #[error("{url} answered HTTP {status}; is it the right URL?")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The body is not UTF-8 text.
    #[error("{url} sent a body that is not UTF-8 text")]
    NotText {
        /// The URL.
        url: String,
    },
    /// The exchange broke off (reset, malformed HTTP).
    #[error("fetching {url}: {source}")]
    Transfer {
        /// The URL.
        url: String,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
}

impl Fetcher {
    /// The default limits with `total` as the total timeout (the connect timeout never exceeds it).
    pub fn with_total_timeout(total: Duration) -> Self {
        let d = Self::default();
        Self {
            connect_timeout: d.connect_timeout.min(total),
            total_timeout: total,
            ..d
        }
    }

    /// Fetches `url` (http or https) as text, within the limits.
    pub async fn fetch_text(&self, url: &str) -> Result<String, FetchError> {
        let timeout = self.total_timeout;
        match tokio::time::timeout(timeout, self.fetch_inner(url)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout {
                url: url.to_string(),
                secs: timeout.as_secs_f64(),
            }),
        }
    }

    async fn fetch_inner(&self, url: &str) -> Result<String, FetchError> {
        let client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|source| FetchError::Transfer {
                url: url.to_string(),
                source,
            })?;
        let mut resp = client.get(url).send().await.map_err(|source| {
            if source.is_connect() {
                FetchError::Connect {
                    url: url.to_string(),
                    source,
                }
            } else {
                FetchError::Transfer {
                    url: url.to_string(),
                    source,
                }
            }
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            });
        }
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            max: self.max_bytes,
        };
        if resp
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|source| FetchError::Transfer {
            url: url.to_string(),
            source,
        })? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| FetchError::NotText {
            url: url.to_string(),
        })
    }
}

/// Whether `source` names an http(s) URL rather than a file.
pub fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A loopback server that accepts connections, reads the request and then does `answer`.
    fn server(answer: impl Fn(std::net::TcpStream) + Send + 'static) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten().take(4) {
                let mut s = stream;
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf);
                answer(s);
            }
        });
        format!("http://{addr}/metadata.xml")
    }

    fn quick() -> Fetcher {
        Fetcher {
            connect_timeout: Duration::from_millis(500),
            total_timeout: Duration::from_millis(600),
            max_bytes: 1024,
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// Defect 8 of issue 11: a server that accepts and never answers used to hang the fetch.
    #[test]
    fn defect8_a_server_that_accepts_and_never_answers_times_out() {
        let url = server(|s| {
            std::thread::sleep(Duration::from_secs(5));
            drop(s);
        });
        let started = std::time::Instant::now();
        let e = run(quick().fetch_text(&url)).unwrap_err();
        assert!(matches!(e, FetchError::Timeout { .. }), "{e}");
        assert!(started.elapsed() < Duration::from_secs(4));
        assert!(e.to_string().contains("--fetch-timeout"), "{e}");
    }

    #[test]
    fn a_body_that_never_ends_times_out_too() {
        let url = server(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\n\r\n<a>");
            for _ in 0..50 {
                std::thread::sleep(Duration::from_millis(100));
                let _ = s.write_all(b" ");
            }
        });
        let mut f = quick();
        f.max_bytes = 1 << 20;
        let e = run(f.fetch_text(&url)).unwrap_err();
        assert!(matches!(e, FetchError::Timeout { .. }), "{e}");
    }

    #[test]
    fn a_body_over_the_cap_is_refused_with_or_without_a_length() {
        let declared = server(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n");
            let _ = s.write_all(&[b'x'; 5000]);
        });
        let e = run(quick().fetch_text(&declared)).unwrap_err();
        assert!(matches!(e, FetchError::TooLarge { max: 1024, .. }), "{e}");
        let chunked = server(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
            let _ = s.write_all(&[b'x'; 5000]);
        });
        let e = run(quick().fetch_text(&chunked)).unwrap_err();
        assert!(matches!(e, FetchError::TooLarge { .. }), "{e}");
    }

    #[test]
    fn refused_connections_and_error_statuses_are_named() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = run(quick().fetch_text(&format!("http://127.0.0.1:{port}/m"))).unwrap_err();
        assert!(matches!(e, FetchError::Connect { .. }), "{e}");
        let url = server(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        });
        let e = run(quick().fetch_text(&url)).unwrap_err();
        assert!(matches!(e, FetchError::Status { status: 404, .. }), "{e}");
    }

    #[test]
    fn a_small_document_is_fetched() {
        let url = server(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n<a/>");
        });
        assert_eq!(run(quick().fetch_text(&url)).unwrap(), "<a/>");
    }
}
