//! The CIE-only pages of a CIE ID provider: the PUK unblock page of the simulated CIE software,
//! and the plain HTTP logout that stands in for SAML single logout (CIE manuale SP).

use super::card::PukOutcome;
use crate::spid::pages;
use crate::spid::state::{IdpRuntime, MockState};

/// A page to send: HTTP status and HTML, or a redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebAnswer {
    /// A page.
    Page {
        /// HTTP status.
        status: u16,
        /// The page.
        html: String,
    },
    /// A 303 to this URL.
    Redirect(String),
}

/// The PUK form.
pub fn unblock_form(idp: &IdpRuntime) -> WebAnswer {
    WebAnswer::Page {
        status: 200,
        html: pages::unblock(idp, None, None),
    }
}

/// Applies a PUK entry to the card `number` (docs/rules/cie.md): a right PUK unblocks the PIN
/// and sets `new_pin`; 10 wrong PUKs kill the card.
pub fn unblock_submit(
    state: &MockState,
    idp: &IdpRuntime,
    number: &str,
    puk: &str,
    new_pin: &str,
) -> WebAnswer {
    let today = state.clock.now().date();
    let page = |status: u16, error: Option<&str>, done: Option<&str>| WebAnswer::Page {
        status,
        html: pages::unblock(idp, error, done),
    };
    let Some(outcome) = state
        .cards
        .with_card(number, |c| c.enter_puk(puk, new_pin, today))
    else {
        return page(
            404,
            Some(&format!(
                "Nessuna CIE con numero {:?}. No such card (see fixtures/cie-cards.toml).",
                number.trim()
            )),
            None,
        );
    };
    match outcome {
        PukOutcome::Unblocked => page(
            200,
            None,
            Some("PIN sbloccato e sostituito con il nuovo PIN. PIN unblocked and replaced."),
        ),
        PukOutcome::Wrong { left } => page(
            403,
            Some(&format!(
                "PUK errato: {left} tentativi rimasti prima del blocco definitivo. Wrong PUK: {left} tries left."
            )),
            None,
        ),
        PukOutcome::NowDead => page(
            403,
            Some("PUK errato per la decima volta: la carta è bloccata definitivamente. Tenth wrong PUK: the card is blocked for good."),
            None,
        ),
        PukOutcome::Unusable(why) => page(403, Some(&why.to_string()), None),
        PukOutcome::BadEntry(msg) => page(400, Some(&msg), None),
    }
}

/// The plain GET logout: ends the provider's session named by `session_index`, or every session
/// the provider holds when none is named; then goes to `return_to`, else shows a message. No
/// SAML message is exchanged (CIE manuale SP).
///
/// `return_to` must be an http(s) URL on the origin of a registered SP (its entityID or one of
/// its endpoints) or of the provider itself: anything else would make the provider an open
/// redirector (OWASP "Unvalidated Redirects and Forwards"), and is refused with 400 before any
/// session ends.
pub fn plain_logout(
    state: &MockState,
    idp: &IdpRuntime,
    session_index: Option<&str>,
    return_to: Option<&str>,
) -> WebAnswer {
    let return_to = match return_to.map(|u| allowed_return_to(state, u)).transpose() {
        Ok(r) => r,
        Err(why) => {
            return WebAnswer::Page {
                status: 400,
                html: pages::message(Some(idp), "Logout", &why),
            }
        }
    };
    let ended = match session_index {
        Some(i) => usize::from(
            state
                .session_at(&idp.provider.id, Some(i))
                .and_then(|s| state.end_session_by_index(&s.session_index))
                .is_some(),
        ),
        None => state.end_sessions_of_provider(&idp.provider.id),
    };
    if let Some(url) = return_to {
        return WebAnswer::Redirect(url);
    }
    let text = if ended > 0 {
        format!("Logout effettuato ({ended} sessioni chiuse). Logged out of CIE ID.")
    } else {
        "Nessuna sessione aperta presso CIE ID. No open session.".to_string()
    };
    WebAnswer::Page {
        status: 200,
        html: pages::message(Some(idp), "Logout", &text),
    }
}

/// `url` when it may be redirected to; else why not.
fn allowed_return_to(state: &MockState, url: &str) -> Result<String, String> {
    let shown = crate::admin::excerpt(url);
    if url.chars().any(char::is_control) {
        return Err(format!(
            "return_to {shown:?} contains a line break or another control character: send a plain http(s) URL, percent-encoded"
        ));
    }
    let origin = origin_of(url)
        .ok_or_else(|| format!("return_to {shown:?} is not an absolute http(s) URL"))?;
    let own = origin_of(&state.base_url);
    let registered = state
        .sp_ids()
        .into_iter()
        .filter_map(|id| state.sp(&id))
        .any(|sp| {
            std::iter::once(sp.entity_id.as_str())
                .chain(sp.acs.iter().map(|e| e.location.as_str()))
                .chain(sp.slo.iter().map(|e| e.location.as_str()))
                .chain(sp.slo.iter().filter_map(|e| e.response_location.as_deref()))
                .any(|u| origin_of(u).as_deref() == Some(origin.as_str()))
        });
    if registered || own.as_deref() == Some(origin.as_str()) {
        Ok(url.to_string())
    } else {
        Err(format!(
            "return_to {shown:?} is not on the origin of a registered service provider: the provider redirects only to registered services (no open redirect)"
        ))
    }
}

/// `scheme://host[:port]` of an http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.origin().ascii_serialization())
}

/// The answer to a SAML SLO request at a CIE ID provider: there is none.
pub fn no_saml_slo(idp: &IdpRuntime) -> WebAnswer {
    WebAnswer::Page {
        status: 404,
        html: pages::message(
            Some(idp),
            "Single logout",
            &format!(
                "CIE ID has no SAML single logout (CIE manuale SP): end the session with a plain GET to {}.",
                idp.slo_url
            ),
        ),
    }
}
