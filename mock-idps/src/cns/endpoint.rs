//! The mock CNS login endpoint: its own mutual-TLS listener (client certificate required at
//! handshake, CRLs applied, docs/rules/cns.md relying-service pattern), which reads the holder from
//! the verified card and hands the identity to the service as JSON (`GET /cns/whoami`).

use crate::cns::authority::CnsAuthority;
use crate::cns::gateway::{tls_router as gateway_routes, CnsGateway};
use crate::cns::holder::read_holder;
use crate::cns::listener::{ListenerLimits, ListenerStats, MtlsServer, PeerCertificates};
use crate::cns::CnsError;
use crate::saml::keys::SigningKey;
use crate::spid::state::MockState;
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
    /// The OCSP responder of every test CA (RFC 6960: POST `application/ocsp-request`, or GET
    /// with the base64 request appended); the card certificates name
    /// `http://127.0.0.1:7000/cns/ocsp`, the default `serve` port.
    pub ocsp: String,
    /// The trusted CA certificates (PEM bundle), for a service's trust store.
    pub trust_bundle: String,
    /// The root CA certificate (PEM) the listener's server certificate chains to.
    pub server_root: String,
    /// `POST {"certificate": PEM}` or `{"ca": ID, "serial": HEX}` revokes a card.
    pub revoke: String,
    /// The CNS gateway identity provider's SSO endpoint (HTTP-Redirect, on the mutual-TLS
    /// listener), when the fixtures hold its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_sso: Option<String>,
    /// The CNS gateway's signed metadata (plain HTTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_metadata: Option<String>,
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
            ocsp: format!("{http_base}/cns/ocsp"),
            trust_bundle: format!("{http_base}/cns/trust.pem"),
            server_root: format!("{http_base}/cns/server-root.pem"),
            revoke: format!("{http_base}/admin/cns/revoke"),
            gateway_sso: None,
            gateway_metadata: None,
            base,
        }
    }
}

/// The mock's mutual-TLS endpoint, running.
#[derive(Debug)]
pub struct CnsEndpoint {
    server: MtlsServer,
    authority: Arc<CnsAuthority>,
    gateway: Option<Arc<CnsGateway>>,
}

impl CnsEndpoint {
    /// Starts the listener on `bind` (loopback, port 0 for a free one).
    pub async fn start(authority: Arc<CnsAuthority>, bind: SocketAddr) -> Result<Self, CnsError> {
        Self::start_with_gateway(authority, bind, None, ListenerLimits::default()).await
    }

    /// Starts the listener on `bind`, with the CNS gateway identity provider at `/cns/sso` when
    /// `gateway` gives the federation state (registered SPs, clock, ids) and the gateway's key.
    pub async fn start_with_gateway(
        authority: Arc<CnsAuthority>,
        bind: SocketAddr,
        gateway: Option<(Arc<MockState>, Arc<SigningKey>)>,
        limits: ListenerLimits,
    ) -> Result<Self, CnsError> {
        let io = |source| CnsError::Io {
            path: bind.to_string(),
            source,
        };
        let listener = tokio::net::TcpListener::bind(bind).await.map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let gateway = match gateway {
            Some((state, key)) => Some(Arc::new(
                CnsGateway::new(state, key, &format!("https://{addr}"))
                    .map_err(|e| CnsError::Gateway(e.to_string()))?,
            )),
            None => None,
        };
        let mut app = router(authority.clone());
        if let Some(g) = &gateway {
            app = app.merge(gateway_routes(g.clone()));
        }
        let source = authority.clone();
        let server = MtlsServer::start_on(
            listener,
            Arc::new(move || source.server_config()),
            app,
            authority.handshakes.clone(),
            limits,
        )
        .map_err(io)?;
        Ok(Self {
            server,
            authority,
            gateway,
        })
    }

    /// The CNS gateway identity provider, when started with one.
    pub fn gateway(&self) -> Option<&Arc<CnsGateway>> {
        self.gateway.as_ref()
    }

    /// The listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// What the listener's accept loop has seen (open connections, handshake timeouts).
    pub fn stats(&self) -> &Arc<ListenerStats> {
        self.server.stats()
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

/// An error body, the shape of every JSON error of the mocks: `{"code": "...", "message": "..."}`.
fn refuse(status: StatusCode, code: &'static str, message: String) -> Response {
    crate::admin::AdminError {
        status,
        code,
        message,
    }
    .into_response()
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
        return refuse(
            StatusCode::UNAUTHORIZED,
            "no-client-certificate",
            "no client certificate".into(),
        );
    };
    let Some(leaf) = chain.first() else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "no-client-certificate",
            "no client certificate".into(),
        );
    };
    match read_holder(leaf) {
        Ok(identity) => Json(identity).into_response(),
        Err(e) => refuse(StatusCode::FORBIDDEN, "card-refused", e.to_string()),
    }
}
