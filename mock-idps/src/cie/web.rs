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

/// Applies a PUK entry to the card `number` (domain-rules §4.2): a right PUK unblocks the PIN
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
/// the provider holds when none is named; then goes to `return_to` when it is an http(s) URL,
/// else shows a message. No SAML message is exchanged (CIE manuale SP).
pub fn plain_logout(
    state: &MockState,
    idp: &IdpRuntime,
    session_index: Option<&str>,
    return_to: Option<&str>,
) -> WebAnswer {
    let mut ended = 0;
    while state
        .end_session(|s| {
            s.provider == idp.provider.id && session_index.is_none_or(|i| i == s.session_index)
        })
        .is_some()
    {
        ended += 1;
    }
    if let Some(url) = return_to.filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
        return WebAnswer::Redirect(url.to_string());
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
