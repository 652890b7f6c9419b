//! The mock CNS login endpoint: its own mutual-TLS listener (client certificate required at
//! handshake, CRLs applied, domain-rules §6 relying-service pattern), which reads the holder from
//! the verified card and hands the identity to the service as JSON (`GET /cns/whoami`).

use crate::cns::authority::CnsAuthority;
use crate::cns::holder::read_holder;
use crate::cns::listener::{MtlsServer, PeerCertificates};
use crate::cns::CnsError;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Every CNS URL (the `cns` part of `--urls-json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CnsUrls {
    /// `https://127.0.0.1:PORT`: the mutual-TLS listener.
    pub base: String,
    /// `GET`: the card holder as JSON.
    pub whoami: String,
    /// The CRL of each CA, by CA id (plain HTTP on the federation's port).
    pub crls: BTreeMap<String, String>,
    /// The trusted CA certificates (PEM bundle), for a service's trust store.
    pub trust_bundle: String,
    /// The root CA certificate (PEM) the listener's server certificate chains to.
    pub server_root: String,
    /// `POST {"certificate": PEM}` or `{"ca": ID, "serial": HEX}` revokes a card.
    pub revoke: String,
}

impl CnsUrls {
    /// The URLs of an endpoint at `tls_addr`, with the plain-HTTP parts under `http_base`.
    pub fn new(tls_addr: SocketAddr, http_base: &str, cas: &[String]) -> Self {
        let base = format!("https://{tls_addr}");
        Self {
            whoami: format!("{base}/cns/whoami"),
            crls: cas
                .iter()
                .map(|ca| (ca.clone(), format!("{http_base}/cns/crl/{ca}.crl")))
                .collect(),
            trust_bundle: format!("{http_base}/cns/trust.pem"),
            server_root: format!("{http_base}/cns/server-root.pem"),
            revoke: format!("{http_base}/admin/cns/revoke"),
            base,
        }
    }
}

/// The mock's mutual-TLS endpoint, running.
#[derive(Debug)]
pub struct CnsEndpoint {
    server: MtlsServer,
    authority: Arc<CnsAuthority>,
}

impl CnsEndpoint {
    /// Starts the listener on `bind` (loopback, port 0 for a free one).
    pub async fn start(authority: Arc<CnsAuthority>, bind: SocketAddr) -> Result<Self, CnsError> {
        let source = authority.clone();
        let server = MtlsServer::start(
            bind,
            Arc::new(move || source.server_config()),
            router(authority.clone()),
            authority.handshakes.clone(),
        )
        .await
        .map_err(|source| CnsError::Io {
            path: bind.to_string(),
            source,
        })?;
        Ok(Self { server, authority })
    }

    /// The listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The authority (PKI, revocation).
    pub fn authority(&self) -> &Arc<CnsAuthority> {
        &self.authority
    }

    /// Stops the listener.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// An error body: `{"error": "..."}`.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
}

fn refuse(status: StatusCode, error: String) -> Response {
    (status, Json(ErrorBody { error })).into_response()
}

/// The routes of the mutual-TLS listener.
pub fn router(authority: Arc<CnsAuthority>) -> Router {
    Router::new()
        .route("/cns/whoami", get(whoami))
        .with_state(authority)
}

async fn whoami(
    State(_authority): State<Arc<CnsAuthority>>,
    peer: Option<Extension<PeerCertificates>>,
) -> Response {
    let Some(Extension(PeerCertificates(chain))) = peer else {
        return refuse(StatusCode::UNAUTHORIZED, "no client certificate".into());
    };
    let Some(leaf) = chain.first() else {
        return refuse(StatusCode::UNAUTHORIZED, "no client certificate".into());
    };
    match read_holder(leaf) {
        Ok(identity) => Json(identity).into_response(),
        Err(e) => refuse(StatusCode::FORBIDDEN, e.to_string()),
    }
}
