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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Semaphore};
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

/// The limits of a mutual-TLS listener, so idle or silent clients cannot hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// A client that has not finished the TLS handshake by then is disconnected.
    pub handshake_timeout: Duration,
    /// An open connection that sends no complete request head for this long is closed (idle
    /// keep-alive connections included).
    pub idle_timeout: Duration,
    /// Most connections served at once; beyond it, new ones wait in the kernel's backlog until
    /// one ends.
    pub max_connections: usize,
    /// First pause after `accept` fails for lack of resources (EMFILE, ENFILE, ENOBUFS,
    /// ENOMEM); doubled on each repeat up to `max_accept_backoff`.
    pub accept_backoff: Duration,
    /// Longest pause after repeated `accept` failures.
    pub max_accept_backoff: Duration,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            accept_backoff: Duration::from_millis(10),
            max_accept_backoff: Duration::from_secs(1),
        }
    }
}

/// Whether an `accept` error means the process or the system is out of a resource (retrying
/// at once would spin), rather than one connection failing.
pub fn is_resource_exhaustion(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    // EMFILE 24, ENFILE 23, ENOBUFS 105, ENOMEM 12 on Linux; the kinds cover the rest.
    matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12))
        || matches!(e.kind(), ErrorKind::OutOfMemory)
}

/// The pause after `failures` consecutive resource errors.
pub fn accept_backoff(limits: &ListenerLimits, failures: u32) -> Duration {
    let factor = 1u32 << failures.saturating_sub(1).min(16);
    limits
        .accept_backoff
        .saturating_mul(factor)
        .min(limits.max_accept_backoff)
}

/// What the accept loop has seen (for tests and the admin API).
#[derive(Debug, Default)]
pub struct ListenerStats {
    /// Connections open now.
    pub open: AtomicUsize,
    /// Handshakes cut by the timeout.
    pub handshake_timeouts: AtomicUsize,
    /// `accept` failures for lack of resources.
    pub accept_errors: AtomicUsize,
}

/// A running mutual-TLS listener; stops when dropped.
#[derive(Debug)]
pub struct MtlsServer {
    addr: SocketAddr,
    stats: Arc<ListenerStats>,
    server: crate::server_task::ServerTask,
}

impl MtlsServer {
    /// Binds `bind` and serves `app` over TLS with the configuration `config` returns at each
    /// accept, with the default [`ListenerLimits`].
    pub async fn start(
        bind: SocketAddr,
        config: ConfigSource,
        app: Router,
        log: Arc<HandshakeLog>,
    ) -> std::io::Result<Self> {
        Self::start_limited(bind, config, app, log, ListenerLimits::default()).await
    }

    /// [`MtlsServer::start`] with `limits`.
    pub async fn start_limited(
        bind: SocketAddr,
        config: ConfigSource,
        app: Router,
        log: Arc<HandshakeLog>,
        limits: ListenerLimits,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        Self::start_on(listener, config, app, log, limits)
    }

    /// Serves `app` over TLS on a listener already bound (so the caller knows the address
    /// before building the routes).
    pub fn start_on(
        listener: tokio::net::TcpListener,
        config: ConfigSource,
        app: Router,
        log: Arc<HandshakeLog>,
        limits: ListenerLimits,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let stats = Arc::new(ListenerStats::default());
        let task = tokio::spawn(accept_loop(
            listener,
            config,
            app,
            log,
            limits,
            stats.clone(),
            rx,
        ));
        Ok(Self {
            addr,
            stats,
            server: crate::server_task::ServerTask::new(tx, task),
        })
    }

    /// What the accept loop has seen.
    pub fn stats(&self) -> &Arc<ListenerStats> {
        &self.stats
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits for the accept loop.
    pub async fn shutdown(self) {
        self.server.stop().await;
    }
}

/// The one accept loop of every mutual-TLS listener (the mock's CNS endpoint and the reference
/// SP's): a connection slot is taken before `accept`, so at most `max_connections` are served;
/// the handshake runs under `handshake_timeout`; resource errors back off instead of spinning.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    config: ConfigSource,
    app: Router,
    log: Arc<HandshakeLog>,
    limits: ListenerLimits,
    stats: Arc<ListenerStats>,
    mut rx: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut failures = 0u32;
    loop {
        let permit = tokio::select! {
            _ = &mut rx => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (tcp, peer) = tokio::select! {
            _ = &mut rx => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => {
                    failures = 0;
                    pair
                }
                Err(e) if is_resource_exhaustion(&e) => {
                    failures += 1;
                    stats.accept_errors.fetch_add(1, Ordering::Relaxed);
                    let pause = accept_backoff(&limits, failures);
                    if failures == 1 || failures.is_power_of_two() {
                        tracing::warn!(error = %e, ?pause, failures, "accept failed for lack of resources; backing off");
                    }
                    drop(permit);
                    tokio::select! {
                        _ = &mut rx => break,
                        _ = tokio::time::sleep(pause) => continue,
                    }
                }
                // One connection failed (reset before accept…): the next is unaffected.
                Err(_) => continue,
            },
        };
        // Small TLS records and delayed ACKs otherwise cost ~40 ms per exchange.
        let _ = tcp.set_nodelay(true);
        let acceptor = tokio_rustls::TlsAcceptor::from(config());
        let app = app.clone();
        let log = log.clone();
        let stats = stats.clone();
        stats.open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let _permit = permit;
            serve_one(tcp, peer, acceptor, app, &log, &limits, &stats).await;
            stats.open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn serve_one(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: tokio_rustls::TlsAcceptor,
    app: Router,
    log: &HandshakeLog,
    limits: &ListenerLimits,
    stats: &ListenerStats,
) {
    // The handshake future owns the connection: keep it alive until the timeout is counted, so a
    // client that sees the close also sees the count.
    let accept = acceptor.accept(tcp);
    tokio::pin!(accept);
    let tls = match tokio::time::timeout(limits.handshake_timeout, &mut accept).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            log.push(peer, e.to_string());
            return;
        }
        Err(_) => {
            stats.handshake_timeouts.fetch_add(1, Ordering::Relaxed);
            log.push(
                peer,
                format!(
                    "TLS handshake not finished within {:?}: disconnected",
                    limits.handshake_timeout
                ),
            );
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
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(peer_certs.clone());
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .serve_connection(TokioIo::new(tls), service)
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let l = ListenerLimits::default();
        assert_eq!(accept_backoff(&l, 1), Duration::from_millis(10));
        assert_eq!(accept_backoff(&l, 2), Duration::from_millis(20));
        assert_eq!(accept_backoff(&l, 4), Duration::from_millis(80));
        assert_eq!(accept_backoff(&l, 40), Duration::from_secs(1));
    }

    #[test]
    fn emfile_and_enfile_are_resource_errors_a_reset_is_not() {
        for code in [23, 24, 105, 12] {
            assert!(is_resource_exhaustion(&std::io::Error::from_raw_os_error(
                code
            )));
        }
        assert!(!is_resource_exhaustion(&std::io::Error::from(
            std::io::ErrorKind::ConnectionAborted
        )));
    }
}
