//! Presents a CNS card certificate to a service's own CNS endpoint (mutual TLS, a new connection
//! each time) and records what happened: accepted (2xx), refused in the handshake (with the TLS
//! alert as evidence) or refused by the application (status and page).

use std::time::{Duration, Instant};

/// A service's CNS endpoint.
#[derive(Debug, Clone)]
pub struct CnsTarget {
    /// The URL that logs a card holder in (e.g. `https://127.0.0.1:8443/cns/login`).
    pub login_url: String,
    /// Extra root certificates (PEM) to trust for the service's server certificate.
    pub server_roots_pem: Vec<String>,
    /// Accept any server certificate (a service on loopback with a self-signed certificate).
    pub accept_invalid_server_cert: bool,
}

/// What the service did with one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CnsOutcome {
    /// 2xx: logged in; the page is kept.
    Accepted {
        /// Status.
        status: u16,
        /// Page body.
        body: String,
    },
    /// The handshake (or the first read after it, in TLS 1.3) failed.
    RefusedTls {
        /// The TLS error chain (e.g. `received fatal alert: CertificateRevoked`).
        reason: String,
    },
    /// The application answered non-2xx.
    RefusedHttp {
        /// Status.
        status: u16,
        /// Page body (first 500 characters).
        body: String,
    },
}

impl CnsOutcome {
    /// Whether the holder was logged in.
    pub fn accepted(&self) -> bool {
        matches!(self, CnsOutcome::Accepted { .. })
    }

    /// One line of evidence.
    pub fn evidence(&self) -> String {
        match self {
            CnsOutcome::Accepted { status, .. } => format!("accepted: HTTP {status}"),
            CnsOutcome::RefusedTls { reason } => format!("refused at the TLS layer: {reason}"),
            CnsOutcome::RefusedHttp { status, body } => {
                format!(
                    "refused by the application: HTTP {status}: {}",
                    super::strip_tags(body)
                )
            }
        }
    }
}

/// Why a presentation could not be judged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CnsLoginError {
    /// The card's PEM or a root is unusable.
    #[error("bad certificate or key")]
    BadPem(#[source] reqwest::Error),
    /// Nothing listens at the URL.
    #[error("the CNS endpoint {url} is unreachable")]
    Unreachable {
        /// The URL.
        url: String,
        /// The client error.
        #[source]
        source: reqwest::Error,
    },
}

/// Presents `credential_pem` (certificate + PKCS#8 key) — or nothing, when `None` — to `target`.
pub async fn present(
    target: &CnsTarget,
    credential_pem: Option<&str>,
) -> Result<(CnsOutcome, Duration), CnsLoginError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .danger_accept_invalid_certs(target.accept_invalid_server_cert);
    for pem in &target.server_roots_pem {
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(pem.as_bytes()).map_err(CnsLoginError::BadPem)?,
        );
    }
    if let Some(cred) = credential_pem {
        builder = builder
            .identity(reqwest::Identity::from_pem(cred.as_bytes()).map_err(CnsLoginError::BadPem)?);
    }
    let client = builder.build().map_err(CnsLoginError::BadPem)?;
    let started = Instant::now();
    let outcome = match client.get(&target.login_url).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.text().await {
                Ok(body) if (200..300).contains(&status) => CnsOutcome::Accepted { status, body },
                Ok(body) => CnsOutcome::RefusedHttp {
                    status,
                    body: body.chars().take(500).collect(),
                },
                Err(e) => CnsOutcome::RefusedTls { reason: chain(&e) },
            }
        }
        Err(e) => {
            if refused_connection(&e) {
                return Err(CnsLoginError::Unreachable {
                    url: target.login_url.clone(),
                    source: e,
                });
            }
            CnsOutcome::RefusedTls { reason: chain(&e) }
        }
    };
    Ok((outcome, started.elapsed()))
}

use crate::report::error_chain as chain;

fn refused_connection(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        src = s.source();
    }
    false
}
