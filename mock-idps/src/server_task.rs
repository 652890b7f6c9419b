//! A server running on its own task until a one-shot signal: sent by [`ServerTask::stop`],
//! which then waits for the task, or when the handle is dropped. Not protocol code: the mocks'
//! listeners, the reference SP and RP and the harness's embedded servers all run this way.

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
    pub fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> Self {
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
