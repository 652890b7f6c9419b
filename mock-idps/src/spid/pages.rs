//! The providers' HTML pages (login, OTP, device, consent, error, index), rendered from the
//! templates in mock-idps/templates with minijinja's HTML auto-escaping.

use super::identity::User;
use super::state::{IdpRuntime, MockState, PendingLogin};
use crate::admin::bounded_message;
use crate::saml::status::ErrorCode;
use minijinja::{context, Environment, Value};
use std::sync::OnceLock;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        let templates: [(&str, &str); 10] = [
            ("base.html", include_str!("../../templates/base.html")),
            ("login.html", include_str!("../../templates/login.html")),
            ("otp.html", include_str!("../../templates/otp.html")),
            ("device.html", include_str!("../../templates/device.html")),
            ("consent.html", include_str!("../../templates/consent.html")),
            ("error.html", include_str!("../../templates/error.html")),
            ("message.html", include_str!("../../templates/message.html")),
            ("index.html", include_str!("../../templates/index.html")),
            ("card.html", include_str!("../../templates/card.html")),
            ("unblock.html", include_str!("../../templates/unblock.html")),
        ];
        for (name, source) in templates {
            // Invariant: the templates are compiled into the binary and covered by tests.
            env.add_template(name, source)
                .expect("embedded template parses");
        }
        env
    })
}

fn render(name: &str, ctx: Value) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| format!("<!DOCTYPE html><p>template {name} failed: {e}</p>"))
}

fn provider_ctx(idp: &IdpRuntime) -> Value {
    let p = &idp.provider;
    context! {
        id => p.id,
        name => p.name,
        login_label => p.login_label,
        ceased => p.status == super::provider::ProviderStatus::Ceased,
        ceased_on => p.ceased_on,
        max_level => p.max_level.number(),
        entity_id => idp.entity_id,
        metadata => idp.metadata_url,
    }
}

/// A page of the login flow: `template` with the provider, the login's `token`, the URL the
/// page's form posts to, and the page's own `values`.
fn step_page(template: &str, idp: &IdpRuntime, token: &str, values: Value) -> String {
    let action = format!("{}/login", idp.sso_url.trim_end_matches("/sso"));
    render(
        template,
        context! { provider => provider_ctx(idp), token, action, ..values },
    )
}

/// The credentials page.
pub fn login(
    idp: &IdpRuntime,
    token: &str,
    login: &PendingLogin,
    sp_name: &str,
    error: Option<&str>,
) -> String {
    step_page(
        "login.html",
        idp,
        token,
        context! {
            sp_name, error,
            level => login.request.level.to_string(),
            home => idp.sso_url.split("/idp/").next().unwrap_or("/").to_string() + "/",
        },
    )
}

/// The L2 one-time-code page, showing the code on the simulated phone.
pub fn otp(idp: &IdpRuntime, token: &str, login: &PendingLogin, error: Option<&str>) -> String {
    let (otp, until) = login
        .otp
        .clone()
        .unwrap_or((String::new(), time::OffsetDateTime::UNIX_EPOCH));
    step_page(
        "otp.html",
        idp,
        token,
        context! {
            error, otp,
            otp_until => format!("{:02}:{:02}:{:02}", until.hour(), until.minute(), until.second()),
        },
    )
}

/// The L3 device page.
pub fn device(idp: &IdpRuntime, token: &str, error: Option<&str>) -> String {
    step_page("device.html", idp, token, context! { error })
}

/// The CIE L3 page: the simulated reader (card number, reader kind) and the PIN.
pub fn card(
    idp: &IdpRuntime,
    token: &str,
    sp_name: &str,
    cards: &[String],
    error: Option<&str>,
) -> String {
    step_page(
        "card.html",
        idp,
        token,
        context! {
            sp_name, error, cards,
            unblock => format!("{}/card/unblock", idp.sso_url.trim_end_matches("/sso")),
        },
    )
}

/// The simulated PUK unblock page of the CIE software.
pub fn unblock(idp: &IdpRuntime, error: Option<&str>, done: Option<&str>) -> String {
    let error = error.map(bounded_message);
    render(
        "unblock.html",
        context! {
            provider => provider_ctx(idp), error, done,
            action => format!("{}/card/unblock", idp.sso_url.trim_end_matches("/sso")),
        },
    )
}

/// The consent page, listing the attributes that will be released.
pub fn consent(
    idp: &IdpRuntime,
    token: &str,
    login: &PendingLogin,
    user: Option<&User>,
    sp_name: &str,
) -> String {
    let attributes: Vec<Value> = login
        .request
        .attributes
        .iter()
        .filter_map(|n| {
            user.and_then(|u| u.attributes.get(n))
                .map(|v| context! { name => n, value => v })
        })
        .collect();
    step_page(
        "consent.html",
        idp,
        token,
        context! { sp_name, attributes, level => login.level.map(|l| l.to_string()) },
    )
}

/// The IdP's own error page for a SPID code.
pub fn error(idp: Option<&IdpRuntime>, code: &ErrorCode, detail: &str) -> String {
    let detail = bounded_message(detail);
    render(
        "error.html",
        context! {
            provider => idp.map(provider_ctx),
            code => format!("{:02}", code.nr),
            meaning_it => code.meaning_it, meaning_en => code.meaning_en, detail,
        },
    )
}

/// A plain message page (logout done…).
pub fn message(idp: Option<&IdpRuntime>, title: &str, message: &str) -> String {
    let message = bounded_message(message);
    render(
        "message.html",
        context! { provider => idp.map(provider_ctx), title, message },
    )
}

/// How many of the last requests the index page lists.
const INDEX_REQUESTS: usize = 20;

/// The index page, a small dashboard refreshed by reload: providers with their metadata, the
/// test users with levels and passwords, the CIE cards, the last requests with their verdicts.
pub fn index(state: &MockState) -> String {
    let providers: Vec<Value> = state.idps.iter().map(provider_ctx).collect();
    let users: Vec<Value> = state
        .fixtures
        .users
        .iter()
        .map(|u| {
            context! {
                username => u.username, password => u.password, max_level => u.max_level.number(),
                status => format!("{:?}", u.status).to_lowercase(),
                kind => format!("{:?}", u.kind), note => u.note,
            }
        })
        .collect();
    let cie_providers: Vec<Value> = state.cie_idps.iter().map(provider_ctx).collect();
    let cie_cards: Vec<Value> = state
        .fixtures
        .cie_cards
        .iter()
        .map(|c| {
            context! {
                number => c.number, holder => c.holder, pin => c.pin, puk => c.puk,
                expires => c.expires.to_string(), note => c.note,
            }
        })
        .collect();
    // The last requests received, newest first (the log itself is bounded).
    let received = state.received();
    let requests: Vec<Value> = received
        .iter()
        .rev()
        .take(INDEX_REQUESTS)
        .map(|r| {
            context! {
                provider => r.provider, binding => r.binding, sp => r.sp_entity_id,
                id => r.request_id, verdict => r.verdict, detail => r.detail,
                accepted => r.verdict == "accepted",
            }
        })
        .collect();
    let total_requests = received.len();
    render(
        "index.html",
        context! {
            providers, users, cie_providers, cie_cards, sps => state.sp_ids(),
            requests, total_requests, shown_requests => INDEX_REQUESTS,
            registry => format!("{}/registry/idps.xml", state.base_url),
            admin => format!("{}/admin", state.base_url),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spid::state::ReceivedRequest;

    #[test]
    fn index_title_is_short_and_the_request_log_is_in_the_body() {
        let state = MockState::new(
            crate::fixtures::Fixtures::embedded().unwrap(),
            crate::spid::config::IdpConfig::default(),
            std::sync::Arc::new(crate::clock::SystemClock),
            crate::ids::IdGenerator::seeded(7),
            "http://127.0.0.1:9",
        )
        .unwrap();
        state.record(ReceivedRequest {
            provider: "poste".into(),
            binding: "redirect".into(),
            sp_entity_id: Some("https://sp.test/".into()),
            request_id: Some("_logged-request".into()),
            xml: "<samlp:AuthnRequest/>".into(),
            xml_bytes: 0,
            verdict: "accepted".into(),
            detail: None,
        });
        let html = index(&state);
        let start = html.find("<title>").expect("a <title>") + "<title>".len();
        let end = html.find("</title>").expect("a </title>");
        let title = &html[start..end];
        assert_eq!(title, "spid-harness mock providers · mock SPID");
        let body = &html[html.find("<body>").expect("a <body>")..];
        assert_eq!(html.matches("id=\"request-log\"").count(), 1, "{html}");
        assert!(body.contains("id=\"request-log\""), "{html}");
        assert!(body.contains("_logged-request"), "{html}");
        assert!(body.contains("id=\"requests\">Last requests"), "{html}");
    }
}
