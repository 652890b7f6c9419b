//! The SP's HTML pages: IdP picker, the protected page, error and message pages. Every value
//! shown is HTML-escaped.

use crate::acs::Refusal;
use crate::idp::TrustedIdp;
use crate::session::Login;
use std::sync::Arc;

/// Escapes text for HTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape_html(s: &str) -> String {
    mock_idps::html::escape(s)
}

pub(crate) fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>{t} · Reference SP</title>\
         <style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}.error{{color:#a00}}</style></head>\
         <body><h1>{t}</h1>{body}<p><a href=\"/\">Home</a> · <a href=\"/me\">/me</a> · \
         <a href=\"/metadata\">metadata</a></p></body></html>",
        t = escape_html(title)
    )
}

/// A percent-encoded query value.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `GET /`: one login link per trusted IdP, and a form to choose level, Comparison and binding.
pub fn picker(idps: &[Arc<TrustedIdp>], faults: &[&str]) -> String {
    let mut links = String::from("<ul id=\"idps\">");
    let mut options = String::new();
    for idp in idps {
        let href = format!(
            "/login?idp={}&amp;level=2&amp;comparison=minimum&amp;binding=redirect",
            urlencode(&idp.entity_id)
        );
        links.push_str(&format!(
            "<li><a class=\"idp\" href=\"{href}\" data-entity-id=\"{e}\">{n}</a></li>",
            e = escape_html(&idp.entity_id),
            n = escape_html(&idp.name)
        ));
        options.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            escape_html(&idp.entity_id),
            escape_html(&idp.name)
        ));
    }
    links.push_str("</ul>");
    let select = |name: &str, values: &[&str], default: &str| {
        let opts: String = values
            .iter()
            .map(|v| {
                format!(
                    "<option{}>{v}</option>",
                    if *v == default { " selected" } else { "" }
                )
            })
            .collect();
        format!("<label>{name} <select name=\"{name}\">{opts}</select></label> ")
    };
    let mutant = if faults.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"faults\">Checks switched off: {}</p>",
            escape_html(&faults.join(", "))
        )
    };
    let body = format!(
        "{mutant}<p>Entra con SPID: scegli il tuo gestore di identità.</p>{links}\
         <form method=\"get\" action=\"/login\"><label>IdP <select name=\"idp\">{options}</select></label> \
         {}{}{}{}<button type=\"submit\">Entra con SPID</button></form>",
        select("level", &["1", "2", "3"], "2"),
        select("comparison", &["minimum", "exact", "better", "maximum"], "minimum"),
        select("binding", &["redirect", "post"], "redirect"),
        select("attrs", &["auto", "0", "1", "2"], "auto"),
    );
    layout("Entra con SPID", &body)
}

/// `GET /me` when logged in.
pub fn me(login: &Login) -> String {
    let rows: String = login
        .attributes
        .iter()
        .map(|(n, v)| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                escape_html(n),
                escape_html(v)
            )
        })
        .collect();
    let head = if login.via_pin {
        // A PIN login has no SPID level (pin_login).
        format!(
            "<p>Metodo: <span id=\"method\">PIN</span> · IdP: <span id=\"idp\">{}</span></p>",
            escape_html(&login.idp)
        )
    } else {
        format!(
            "<p>Livello: <span id=\"level\" data-level=\"{n}\">SpidL{n}</span> · IdP: <span id=\"idp\">{idp}</span></p>",
            n = login.level.number(),
            idp = escape_html(&login.idp)
        )
    };
    let body = format!(
        "{head}\
         <p>NameID: <span id=\"name-id\">{name_id}</span></p>\
         <table id=\"attributes\"><tr><th>name</th><th>value</th></tr>{rows}</table>\
         <p><a href=\"/logout\">Esci (single logout)</a></p>",
        name_id = escape_html(&login.name_id)
    );
    layout("Area riservata", &body)
}

/// The refusal page (HTTP 403): the reason and the failed check; for an IdP error status
/// carrying a SPID ErrorCode, the SPID error page for that code.
pub fn refusal(r: &Refusal) -> String {
    let check = escape_html(r.check);
    let reason = escape_html(&r.reason);
    let body = match r.spid_error {
        Some(nr) => format!(
            "<p id=\"sp-error\" data-check=\"{check}\" data-spid-error=\"nr{nr:02}\" class=\"error\">\
             Autenticazione non riuscita: ErrorCode nr{nr:02} — {}.</p><p>{reason}</p>",
            escape_html(spid_error_meaning(nr))
        ),
        None => format!(
            "<p id=\"sp-error\" data-check=\"{check}\" class=\"error\">Login refused by check \
             <code>{check}</code>: {reason}</p>"
        ),
    };
    layout("Accesso negato", &body)
}

/// What a SPID ErrorCode means to the user (RT messaggi-errore).
pub fn spid_error_meaning(nr: u8) -> &'static str {
    match nr {
        19 => "ripetuta sottomissione di credenziali errate",
        20 => "utente privo di credenziali compatibili con il livello richiesto",
        21 => "timeout durante l'autenticazione",
        22 => "l'utente nega il consenso all'invio dei dati",
        23 => "identità sospesa o revocata, o credenziali bloccate",
        25 => "processo di autenticazione annullato dall'utente",
        30 => "tipologia di identità diversa da quella richiesta",
        _ => "errore segnalato dal gestore dell'identità",
    }
}

/// A simple message page.
pub fn message(title: &str, text: &str, id: &str) -> String {
    layout(
        title,
        &format!("<p id=\"{}\">{}</p>", escape_html(id), escape_html(text)),
    )
}
