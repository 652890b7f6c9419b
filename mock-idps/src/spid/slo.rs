//! Single logout at a mock provider, on both bindings: an SP's LogoutRequest ends the IdP session
//! and is answered with a signed LogoutResponse; an IdP-initiated logout sends a LogoutRequest to
//! the SP and shows the outcome when its LogoutResponse comes back.

use super::login::{error_page, Answer};
use super::pages;
use super::state::{IdpRuntime, MockState};
use crate::clock::saml_instant;
use crate::saml::binding::{decode_post, decode_redirect, encode_redirect, post_form, MessageKind};
use crate::saml::dsig::{sign_enveloped, verify_enveloped};
use crate::saml::logout::{
    logout_request_xml, logout_response_xml, LogoutMessage, LogoutRequestPlan,
};
use crate::saml::ns;
use crate::saml::xml_read::XmlDoc;

/// What the SLO endpoint answers.
#[derive(Debug, Clone)]
pub enum SloAnswer {
    /// A page, or an auto-post form.
    Html {
        /// HTTP status.
        status: u16,
        /// The body.
        html: String,
    },
    /// A redirect (HTTP-Redirect binding).
    Redirect(String),
}

impl From<Answer> for SloAnswer {
    fn from(a: Answer) -> Self {
        match a {
            Answer::Page { status, html } => SloAnswer::Html { status, html },
            Answer::Post { .. } => SloAnswer::Html {
                status: 500,
                html: String::from("unexpected Response at the SLO endpoint"),
            },
            Answer::Redirect { location } => SloAnswer::Redirect(location),
        }
    }
}

/// A logout message as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum SloInbound<'a> {
    /// Redirect: raw query.
    Redirect(&'a str),
    /// POST: the form field (SAMLRequest or SAMLResponse) and RelayState.
    Post {
        /// Which field carried it.
        kind: MessageKind,
        /// Its value.
        value: &'a str,
        /// RelayState.
        relay_state: Option<&'a str>,
    },
}

/// Handles `/idp/{id}/slo`.
pub fn handle_slo(state: &MockState, idp: &IdpRuntime, inbound: SloInbound<'_>) -> SloAnswer {
    let (xml, relay, redirect) = match inbound {
        SloInbound::Redirect(q) => match decode_redirect(q) {
            Ok(m) => (m.xml.clone(), m.relay_state.clone(), Some(m)),
            Err(e) => return error_page(Some(idp), 4, &e.to_string()).into(),
        },
        SloInbound::Post {
            kind,
            value,
            relay_state,
        } => match decode_post(value, kind.param()) {
            Ok(x) => (x, relay_state.map(str::to_string), None),
            Err(e) => return error_page(Some(idp), 4, &e.to_string()).into(),
        },
    };
    let doc = match XmlDoc::parse(&xml) {
        Ok(d) => d,
        Err(e) => return error_page(Some(idp), 8, &e.to_string()).into(),
    };
    let msg = match LogoutMessage::from_doc(&doc) {
        Ok(m) => m,
        Err(e) => return error_page(Some(idp), 8, &e.to_string()).into(),
    };
    let issuer = match &msg {
        LogoutMessage::Request(r) => r.issuer.clone(),
        LogoutMessage::Response(r) => r.issuer.clone(),
    };
    let Some(sp) = issuer.as_deref().and_then(|i| state.sp(i)) else {
        return error_page(
            Some(idp),
            10,
            &format!("logout from an unknown SP {issuer:?}"),
        )
        .into();
    };
    let verified = match &redirect {
        Some(m) => m.verify(&sp.signing_certs).map_err(|e| match e {
            crate::saml::binding::RedirectSignatureError::Missing => (4, e.to_string()),
            e => (5, e.to_string()),
        }),
        None => doc
            .root()
            .map(|root| {
                verify_enveloped(&doc, root, &sp.signing_certs).map_err(|e| (7, e.to_string()))
            })
            .unwrap_or(Err((7, "no root".into()))),
    };
    if let Err((nr, detail)) = verified {
        return error_page(Some(idp), nr, &detail).into();
    }
    match msg {
        LogoutMessage::Response(r) => {
            // SAML Core §3.7.3.2: a LogoutResponse answers a LogoutRequest we sent to that SP.
            let ours = r
                .in_response_to
                .as_deref()
                .is_some_and(|id| state.take_logout_sent(id, &sp.entity_id));
            if !ours {
                return error_page(
                    Some(idp),
                    8,
                    &format!("LogoutResponse InResponseTo {:?} answers no LogoutRequest this IdP sent to {}", r.in_response_to, sp.entity_id),
                )
                .into();
            }
            if r.destination.as_deref().is_some_and(|d| d != idp.slo_url) {
                return error_page(
                    Some(idp),
                    8,
                    &format!(
                        "LogoutResponse Destination {:?} is not {}",
                        r.destination, idp.slo_url
                    ),
                )
                .into();
            }
            let ok = r.status.as_deref() == Some(ns::STATUS_SUCCESS);
            let text = if ok {
                "Logout completato: il servizio ha chiuso la sessione."
            } else {
                "Il servizio non ha chiuso la sessione."
            };
            SloAnswer::Html {
                status: 200,
                html: pages::message(
                    Some(idp),
                    "Logout",
                    &format!("{text} (status {:?})", r.status),
                ),
            }
        }
        LogoutMessage::Request(r) => {
            let name_id = r.name_id.clone().unwrap_or_default();
            let ended = state.end_session_of(&idp.provider.id, &sp.entity_id, &name_id);
            let status = if ended.is_some() {
                ns::STATUS_SUCCESS
            } else {
                ns::STATUS_REQUESTER
            };
            let binding = if redirect.is_some() {
                ns::BINDING_REDIRECT
            } else {
                ns::BINDING_POST
            };
            let Some(endpoint) = sp.slo_endpoint(binding) else {
                return error_page(
                    Some(idp),
                    3,
                    "the SP metadata has no SingleLogoutService on HTTP-POST or HTTP-Redirect",
                )
                .into();
            };
            let dest = endpoint
                .response_location
                .clone()
                .unwrap_or_else(|| endpoint.location.clone());
            let id = state.ids.saml_id();
            let xml = logout_response_xml(
                &id,
                r.id.as_deref().unwrap_or(""),
                &saml_instant(state.clock.now()),
                &dest,
                &idp.entity_id,
                status,
            );
            send(
                idp,
                &endpoint.binding,
                &dest,
                MessageKind::Response,
                &xml,
                &id,
                relay.as_deref(),
            )
        }
    }
}

/// Starts an IdP-initiated logout of the session with `session_index` (or the newest session
/// at this provider): a signed LogoutRequest posted to the SP's SLO endpoint.
pub fn idp_initiated(
    state: &MockState,
    idp: &IdpRuntime,
    session_index: Option<&str>,
) -> SloAnswer {
    let Some(session) = state.session_at(&idp.provider.id, session_index) else {
        return SloAnswer::Html {
            status: 404,
            html: pages::message(
                Some(idp),
                "Logout",
                "Nessuna sessione aperta presso questo gestore. No open session at this provider.",
            ),
        };
    };
    let Some(sp) = state.sp(&session.sp_entity_id) else {
        return error_page(
            Some(idp),
            10,
            "the SP of this session is no longer registered",
        )
        .into();
    };
    let Some(endpoint) = sp.slo_endpoint(ns::BINDING_POST) else {
        return error_page(Some(idp), 3, "the SP metadata has no SingleLogoutService").into();
    };
    state.end_session_by_index(&session.session_index);
    let id = state.ids.saml_id();
    state.logout_sent(&id, &sp.entity_id);
    let xml = logout_request_xml(&LogoutRequestPlan {
        id: &id,
        instant: &saml_instant(state.clock.now()),
        destination: &endpoint.location,
        issuer: &idp.entity_id,
        name_id: &session.name_id,
        name_qualifier: &idp.entity_id,
        // The SP received a SessionIndex only when it asked for L1 (SPID rules, single-sign-on).
        session_index: session
            .session_index_sent
            .then_some(session.session_index.as_str()),
    });
    send(
        idp,
        &endpoint.binding,
        &endpoint.location,
        MessageKind::Request,
        &xml,
        &id,
        None,
    )
}

fn send(
    idp: &IdpRuntime,
    binding: &str,
    dest: &str,
    kind: MessageKind,
    xml: &str,
    id: &str,
    relay: Option<&str>,
) -> SloAnswer {
    if binding == ns::BINDING_REDIRECT {
        let q = encode_redirect(kind, xml, relay, Some(&idp.key));
        let sep = if dest.contains('?') { '&' } else { '?' };
        return SloAnswer::Redirect(format!("{dest}{sep}{q}"));
    }
    match sign_enveloped(xml, id, &idp.key) {
        Ok(signed) => SloAnswer::Html {
            status: 200,
            html: post_form(dest, kind, &signed, relay),
        },
        Err(e) => error_page(Some(idp), 3, &e.to_string()).into(),
    }
}
