//! A server running on its own task until a one-shot signal: sent by [`ServerTask::stop`],
//! which then waits for the task, or when the handle is dropped. Not protocol code: the mocks'
//! listeners, the reference SP and RP and the harness's embedded servers all run this way.

use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A listener that could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct BindError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// The OS error.
    #[source]
    pub source: std::io::Error,
}

/// Binds `addr` (port 0 picks one): the listener and the address it got.
pub async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), BindError> {
    let failed = |source| BindError { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    Ok((listener, bound))
}

/// The running task of a server and the sender of its stop signal.
#[derive(Debug)]
pub struct ServerTask {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ServerTask {
    /// `task` serves until `stop` fires.
    pub(crate) fn new(stop: oneshot::Sender<()>, task: JoinHandle<()>) -> Self {
        Self {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Serves `app` on `listener` (HTTP) until stopped; requests in flight finish first.
    pub fn serve(listener: TcpListener, app: axum::Router) -> Self {
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self::new(tx, task)
    }

    /// Signals the server to stop and waits for its task.
    pub async fn stop(mut self) {
        self.signal();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits for the task to end without signalling it (a binary that serves until it is
    /// killed); the error is the task's panic.
    pub async fn wait(mut self) -> Result<(), tokio::task::JoinError> {
        match self.task.take() {
            Some(task) => task.await,
            None => Ok(()),
        }
    }

    fn signal(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.signal();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bound_server_answers_and_a_taken_address_is_named() {
        let (listener, addr) = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        assert_ne!(addr.port(), 0, "the port the OS picked");
        let err = bind(addr).await.unwrap_err();
        assert_eq!(err.addr, addr);
        assert!(err
            .to_string()
            .starts_with(&format!("cannot listen on {addr}: ")));
        let app = axum::Router::new().route("/", axum::routing::get(|| async { "up" }));
        let server = ServerTask::serve(listener, app);
        let body = reqwest::get(format!("http://{addr}/"))
            .await
            .unwrap()
            .text()
            .await;
        assert_eq!(body.unwrap(), "up");
        server.stop().await;
        assert!(reqwest::get(format!("http://{addr}/")).await.is_err());
    }
}
