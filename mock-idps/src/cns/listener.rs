//! A mutual-TLS HTTP listener: a tokio-rustls accept loop in front of an axum router (axum's own
//! `serve` has no TLS). The configuration is fetched per connection, so a swapped configuration
//! (new CRLs) applies to the next connection; the verified client chain reaches handlers as the
//! [`PeerCertificates`] request extension; refused handshakes are kept in a [`HandshakeLog`].

use crate::clock::SharedClock;
use axum::Router;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::ServerConfig;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tower::ServiceExt;

/// The shared [`crate::clock::Clock`] as rustls' time source, so certificate validity follows
/// simulated time.
#[derive(Debug)]
pub struct ClockTime(pub SharedClock);

impl rustls::time_provider::TimeProvider for ClockTime {
    fn current_time(&self) -> Option<UnixTime> {
        let secs = u64::try_from(self.0.now().unix_timestamp()).ok()?;
        Some(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            secs,
        )))
    }
}

/// The client certificate chain the handshake verified (leaf first); empty when none.
#[derive(Debug, Clone, Default)]
pub struct PeerCertificates(pub Arc<Vec<CertificateDer<'static>>>);

/// One refused handshake.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HandshakeFailure {
    /// The client address.
    pub peer: String,
    /// rustls' reason (e.g. `invalid peer certificate: Revoked`).
    pub error: String,
}

/// The last refused handshakes (at most 256).
#[derive(Debug, Default)]
pub struct HandshakeLog {
    entries: Mutex<VecDeque<HandshakeFailure>>,
}

impl HandshakeLog {
    /// Records a failure.
    pub fn push(&self, peer: SocketAddr, error: String) {
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if e.len() == 256 {
            e.pop_front();
        }
        e.push_back(HandshakeFailure {
            peer: peer.to_string(),
            error,
        });
    }

    /// Every failure kept, oldest first.
    pub fn entries(&self) -> Vec<HandshakeFailure> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// The failures of the client at `peer`.
    pub fn for_peer(&self, peer: SocketAddr) -> Vec<HandshakeFailure> {
        let p = peer.to_string();
        self.entries().into_iter().filter(|f| f.peer == p).collect()
    }
}

/// Where a listener gets its TLS configuration for each new connection.
pub type ConfigSource = Arc<dyn Fn() -> Arc<ServerConfig> + Send + Sync>;

/// A running mutual-TLS listener; stops when dropped.
#[derive(Debug)]
pub struct MtlsServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MtlsServer {
    /// Binds `bind` and serves `app` over TLS with the configuration `config` returns at each
    /// accept.
    pub async fn start(
        bind: SocketAddr,
        config: ConfigSource,
        app: Router,
        log: Arc<HandshakeLog>,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        Self::start_on(listener, config, app, log)
    }

    /// Serves `app` over TLS on a listener already bound (so the caller knows the address
    /// before building the routes).
    pub fn start_on(
        listener: tokio::net::TcpListener,
        config: ConfigSource,
        app: Router,
        log: Arc<HandshakeLog>,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (tx, mut rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            loop {
                let (tcp, peer) = tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => match accepted {
                        Ok(pair) => pair,
                        Err(_) => continue,
                    },
                };
                // Small TLS records and delayed ACKs otherwise cost ~40 ms per exchange.
                let _ = tcp.set_nodelay(true);
                let acceptor = tokio_rustls::TlsAcceptor::from(config());
                let app = app.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            log.push(peer, e.to_string());
                            return;
                        }
                    };
                    let chain: Vec<CertificateDer<'static>> = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                        .unwrap_or_default();
                    let peer_certs = PeerCertificates(Arc::new(chain));
                    let service = hyper::service::service_fn(
                        move |mut req: hyper::Request<hyper::body::Incoming>| {
                            req.extensions_mut().insert(peer_certs.clone());
                            req.extensions_mut()
                                .insert(axum::extract::ConnectInfo(peer));
                            app.clone().oneshot(req.map(axum::body::Body::new))
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits for the accept loop.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MtlsServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
