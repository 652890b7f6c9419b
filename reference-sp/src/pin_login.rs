//! "Entra con PIN": the legacy INPS PIN login, as a relying service that still offered it would
//! do it. The form (codice fiscale + PIN, PIN-12) posts here; we ask the PIN backend's JSON API
//! (`POST {backend}/api/login`, mock-idps `pin::service`) and log the browser in on success.
//!
//! Before that, the SP applies the switch-off timeline (scenarios/timeline/inps-pin.toml) on its
//! own clock's day: while the phase in force keeps citizens' PINs (SW-04) everyone may try; once
//! it does not (SW-05: citizens' PINs end on 2021-09-30), only a person whose PIN the phase still
//! keeps for citizen services (SW-06: residents abroad without an Italian ID) is let through. The
//! person's registry data is the backend's: we ask `GET {backend}/api/timeline` for that day.

use crate::pages::escape_html;
use crate::session::Login;
use mock_idps::pin::timeline::{HolderProfile, Timeline};
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;

/// Fault-free check name on the switch-off refusal page.
pub const CHECK_SWITCH_OFF: &str = "pin-switch-off";
/// Check name on a refusal that repeats the PIN backend's error.
pub const CHECK_BACKEND: &str = "pin-backend";
/// What `/me` shows as the IdP of a PIN login.
pub const PIN_IDP: &str = "INPS PIN";

/// The PIN side of the SP: the backend's base URL (its `/pin` mount) and the timeline applied.
#[derive(Debug)]
pub(crate) struct PinSide {
    backend: String,
    timeline: Timeline,
    http: reqwest::Client,
}

/// The end of a PIN login attempt.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Logged in: store this login in the browser session.
    LoggedIn(Login),
    /// Refused: the status and the page.
    Refused(u16, String),
}

/// Since when the phase in force on `date` no longer keeps every citizen's PIN (SW-05): the first
/// day of the run of phases without `citizen` that reaches `date`, with the phase id in force.
pub fn citizens_off_since(timeline: &Timeline, date: Date) -> Option<(String, Date)> {
    let idx = timeline
        .phases
        .partition_point(|p| p.from <= date)
        .saturating_sub(1);
    let keeps = |i: usize| {
        timeline.phases[i]
            .pin_valid
            .contains(&HolderProfile::Citizen)
    };
    if keeps(idx) {
        return None;
    }
    let mut first = idx;
    while first > 0 && !keeps(first - 1) {
        first -= 1;
    }
    Some((timeline.phases[idx].id.clone(), timeline.phases[first].from))
}

#[derive(Deserialize)]
struct BackendError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct BackendSession {
    fiscal_code: String,
    kind: String,
}

#[derive(Deserialize)]
struct BackendAllowance {
    pin_valid_citizen: bool,
}

/// The login form.
pub fn form_page() -> String {
    crate::pages::layout(
        "Entra con PIN INPS",
        "<form id=\"pin-login\" method=\"post\" action=\"/pin-login\">\
         <label>Codice fiscale <input name=\"fiscal_code\" autocomplete=\"username\"></label>\
         <label>PIN <input name=\"pin\" type=\"password\" autocomplete=\"current-password\"></label>\
         <button type=\"submit\">Entra</button></form>",
    )
}

fn refused(status: u16, check: &str, extra: &str, text: &str) -> Outcome {
    let body = format!(
        "<p id=\"sp-error\" data-check=\"{}\"{extra} class=\"error\">{}</p>",
        escape_html(check),
        escape_html(text)
    );
    Outcome::Refused(status, crate::pages::layout("Accesso negato", &body))
}

/// A backend error answer, shown with its code; 401 stays 401, every other refusal is 403.
fn backend_refusal(status: u16, body: &[u8]) -> Outcome {
    let (code, message) = match serde_json::from_slice::<BackendError>(body) {
        Ok(e) => (e.code, e.message),
        Err(_) => (
            "PIN_BACKEND_UNREADABLE".to_string(),
            format!("the PIN backend answered HTTP {status} without a JSON error"),
        ),
    };
    let status = match status {
        401 => 401,
        400..=499 => 403,
        _ => 502,
    };
    refused(
        status,
        CHECK_BACKEND,
        &format!(" data-pin-error=\"{}\"", escape_html(&code)),
        &format!("Il servizio PIN ha rifiutato l'accesso ({code}): {message}"),
    )
}

fn unreachable(e: &reqwest::Error) -> Outcome {
    refused(
        502,
        CHECK_BACKEND,
        " data-pin-error=\"PIN_BACKEND_UNREACHABLE\"",
        &format!("Il servizio PIN non risponde: {e}"),
    )
}

impl PinSide {
    /// The PIN side for `backend` (base URL of the `/pin` mount, no trailing slash needed).
    pub(crate) fn new(backend: &str, timeline: Timeline) -> Self {
        Self {
            backend: backend.trim_end_matches('/').to_string(),
            timeline,
            http: reqwest::Client::new(),
        }
    }

    /// Handles a posted form on the SP's day `date`.
    pub(crate) async fn login(&self, form: &HashMap<String, String>, date: Date) -> Outcome {
        let field = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let (Some(cf), Some(pin)) = (field("fiscal_code"), form.get("pin")) else {
            return refused(
                400,
                "pin-form",
                "",
                "Il modulo deve contenere codice fiscale (fiscal_code) e PIN (pin).",
            );
        };
        if let Some((phase, since)) = citizens_off_since(&self.timeline, date) {
            // SW-05/SW-06: only the holders the phase still keeps; the backend knows who they are.
            match self.pin_valid_for_citizen_services(cf, date).await {
                Ok(true) => {}
                Ok(false) => {
                    return refused(
                        403,
                        CHECK_SWITCH_OFF,
                        &format!(
                            " data-phase=\"{}\" data-since=\"{since}\"",
                            escape_html(&phase)
                        ),
                        &format!(
                            "Dal {since} (fase {phase}, oggi {date}) il PIN INPS non è più \
                             accettato per i cittadini: entra con SPID, CIE o CNS."
                        ),
                    )
                }
                Err(out) => return out,
            }
        }
        let url = format!("{}/api/login", self.backend);
        let sent = self
            .http
            .post(&url)
            .json(&serde_json::json!({"fiscal_code": cf, "pin": pin}))
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) => return unreachable(&e),
        };
        let status = resp.status().as_u16();
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return unreachable(&e),
        };
        if status != 200 {
            return backend_refusal(status, &body);
        }
        match serde_json::from_slice::<BackendSession>(&body) {
            Ok(s) => Outcome::LoggedIn(Login {
                idp: PIN_IDP.to_string(),
                name_id: s.fiscal_code.clone(),
                name_qualifier: self.backend.clone(),
                session_index: None,
                // Not a SPID level: `via_pin` makes /me say "PIN" instead.
                level: crate::level::Level::L1,
                attributes: vec![
                    ("fiscalNumber".to_string(), s.fiscal_code),
                    ("pinKind".to_string(), s.kind),
                ],
                via_pin: true,
            }),
            Err(e) => refused(
                502,
                CHECK_BACKEND,
                " data-pin-error=\"PIN_BACKEND_UNREADABLE\"",
                &format!("the PIN backend's session is unreadable: {e}"),
            ),
        }
    }

    async fn pin_valid_for_citizen_services(&self, cf: &str, date: Date) -> Result<bool, Outcome> {
        let url = format!("{}/api/timeline", self.backend);
        let resp = self
            .http
            .get(&url)
            .query(&[("fiscal_code", cf), ("date", &date.to_string())])
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| unreachable(&e))?;
        if status != 200 {
            return Err(backend_refusal(status, &body));
        }
        serde_json::from_slice::<BackendAllowance>(&body)
            .map(|a| a.pin_valid_citizen)
            .map_err(|e| {
                refused(
                    502,
                    CHECK_BACKEND,
                    " data-pin-error=\"PIN_BACKEND_UNREADABLE\"",
                    &format!("the PIN backend's timeline answer is unreadable: {e}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn citizens_switch_off_starts_on_2021_10_01() {
        let t = Timeline::builtin().unwrap();
        assert_eq!(citizens_off_since(&t, date!(2021 - 09 - 30)), None);
        assert_eq!(citizens_off_since(&t, date!(2015 - 01 - 01)), None);
        for d in [date!(2021 - 10 - 01), date!(2025 - 01 - 01)] {
            let (_, since) = citizens_off_since(&t, d).unwrap();
            assert_eq!(since, date!(2021 - 10 - 01), "{d}");
        }
        let (phase, _) = citizens_off_since(&t, date!(2025 - 01 - 01)).unwrap();
        assert_eq!(phase, "digital-identity-all");
    }

    #[test]
    fn backend_errors_keep_their_code() {
        let body = br#"{"code":"PIN_WRONG","message":"wrong PIN"}"#;
        match backend_refusal(401, body) {
            Outcome::Refused(401, html) => {
                assert!(html.contains("data-pin-error=\"PIN_WRONG\""), "{html}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            backend_refusal(410, b"{}"),
            Outcome::Refused(403, _)
        ));
    }
}
