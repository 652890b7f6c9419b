//! The reference service with "Entra con PIN" for `service-pin-login` steps: the scenario's own PIN
//! backend served on loopback under `/pin`, and a reference SP on the scenario's [`SimClock`]
//! pointed at it, started on first use and stopped with the scenario.

use mock_idps::clock::SimClock;
use mock_idps::pin::PinBackend;
use reference_sp::{ReferenceSp, SpConfig};
use std::sync::Arc;

/// The PIN backend's HTTP face and the reference service.
#[derive(Debug)]
pub struct PinServiceEnv {
    sp: ReferenceSp,
    backend: tokio::task::JoinHandle<()>,
}

impl Drop for PinServiceEnv {
    fn drop(&mut self) {
        self.backend.abort();
    }
}

/// How a login at the service ended: `Ok(())` when `/me` shows the person logged in with PIN,
/// else the code shown (the backend's PIN_… code, or SERVICE_PIN_SWITCHED_OFF).
pub(super) type LoginResult = Result<(), String>;

impl PinServiceEnv {
    /// Serves `backend` and starts the reference SP on `clock`.
    pub(super) async fn start(
        backend: Arc<PinBackend>,
        clock: Arc<SimClock>,
    ) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("binding the PIN backend: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("binding the PIN backend: {e}"))?;
        let app = axum::Router::new().nest("/pin", mock_idps::pin::router(backend));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let sp = ReferenceSp::start(SpConfig {
            clock,
            pin_backend: Some(format!("http://{addr}/pin")),
            ..SpConfig::default()
        })
        .await;
        match sp {
            Ok(sp) => Ok(Self { sp, backend: task }),
            Err(e) => {
                task.abort();
                Err(format!("starting the reference SP: {e}"))
            }
        }
    }

    /// Posts the PIN form with a fresh browser and reads the outcome.
    pub(super) async fn login(&self, fiscal_code: &str, pin: &str) -> LoginResult {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("browser: {e}"))?;
        let urls = self.sp.urls();
        let resp = browser
            .post(format!("{}/pin-login", urls.base))
            .form(&[("fiscal_code", fiscal_code), ("pin", pin)])
            .send()
            .await
            .map_err(|e| format!("posting the PIN form: {e}"))?;
        let status = resp.status().as_u16();
        let html = resp
            .text()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?;
        if status != 303 {
            return Err(code_of(status, &html));
        }
        let me = browser
            .get(&urls.me)
            .send()
            .await
            .map_err(|e| format!("opening /me: {e}"))?;
        let status = me.status().as_u16();
        let page = me.text().await.unwrap_or_default();
        if status == 200 && page.contains(fiscal_code) && page.contains(">PIN<") {
            Ok(())
        } else {
            Err(format!(
                "logged in, but /me answered {status} without the codice fiscale and PIN"
            ))
        }
    }
}

/// The code a refusal page names.
fn code_of(status: u16, html: &str) -> String {
    if html.contains("data-check=\"pin-switch-off\"") {
        return "SERVICE_PIN_SWITCHED_OFF".into();
    }
    let key = "data-pin-error=\"";
    match html.find(key) {
        Some(i) => html[i + key.len()..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string(),
        None => format!("HTTP {status} without a PIN error code"),
    }
}

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn codes_are_read_from_the_refusal_page() {
        assert_eq!(
            code_of(403, r#"<p id="sp-error" data-check="pin-switch-off">x</p>"#),
            "SERVICE_PIN_SWITCHED_OFF"
        );
        assert_eq!(
            code_of(
                401,
                r#"<p data-check="pin-backend" data-pin-error="PIN_WRONG">"#
            ),
            "PIN_WRONG"
        );
        assert!(code_of(500, "<p>boom</p>").starts_with("HTTP 500"));
    }
}
