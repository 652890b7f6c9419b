//! The individual checks on a Response, as small functions over already-read values. Each says
//! which rule it enforces; [`super::consume`] runs them in order and skips the switched-off ones.

use crate::dom;
use crate::level::{acceptable, Comparison, Level};
use crate::ns;
use bergshamra::core::algorithm;
use time::{Duration, OffsetDateTime};
use uppsala::{Document, NodeId};

/// Signature methods accepted: RSA or ECDSA with SHA-256 or stronger (RT trasmissione; SPT
/// signature allow-list).
const SIG_ALLOWED: &[&str] = &[
    algorithm::RSA_SHA256,
    algorithm::RSA_SHA384,
    algorithm::RSA_SHA512,
    algorithm::ECDSA_SHA256,
    algorithm::ECDSA_SHA384,
    algorithm::ECDSA_SHA512,
];
/// Digest methods accepted: SHA-256 or stronger (SPT digest allow-list).
const DIGEST_ALLOWED: &[&str] = &[algorithm::SHA256, algorithm::SHA384, algorithm::SHA512];

/// A value as a refusal shows it: `"x"`, or `absent` (never Rust's `Some(..)`/`None`).
pub(crate) fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "absent".to_string(), |x| format!("{x:?}"))
}

/// `Version` must be "2.0" (SAML Core §3.2.2, §2.3.3; SPT tests 10–11, 36–37).
pub(crate) fn version(v: Option<&str>, what: &str) -> Result<(), String> {
    match v {
        Some("2.0") => Ok(()),
        other => Err(format!(
            "{what} Version is {}, it must be \"2.0\"",
            shown(other)
        )),
    }
}

/// `ID` must be present and an xs:ID, i.e. an NCName (SAML Core §1.3.4; SPT tests 8–9, 33–34).
pub(crate) fn xml_id(v: Option<&str>, what: &str) -> Result<(), String> {
    let ok = v.is_some_and(|s| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} ID {} is missing or not a valid xs:ID",
            shown(v)
        ))
    }
}

/// The `Issuer` of the Response or the Assertion is the entityID of the IdP the request went to
/// (RT single-sign-on; SPT tests 27–29 for the Response, 67–69 for the Assertion).
pub(crate) fn issuer(v: Option<&str>, what: &str, idp: &str) -> Result<(), String> {
    match v {
        Some(v) if v == idp => Ok(()),
        other => Err(format!(
            "{what} Issuer {} is not the IdP the request went to ({idp})",
            shown(other)
        )),
    }
}

/// The `Issuer`'s `Format` is the entity format; the Response's may also be left out
/// (`absent_allowed`; SPT tests 30–31 for the Response, 70–72 for the Assertion).
pub(crate) fn issuer_format(
    format: Option<&str>,
    what: &str,
    absent_allowed: bool,
) -> Result<(), String> {
    match format {
        Some(f) if f == ns::NAMEID_ENTITY => Ok(()),
        None if absent_allowed => Ok(()),
        other => Err(format!(
            "{what} Issuer Format {} is not {}",
            other.unwrap_or("absent"),
            ns::NAMEID_ENTITY
        )),
    }
}

/// Parses a SAML instant: `xs:dateTime` in UTC with the `Z` suffix (RT: "UTC").
pub(crate) fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if !s.ends_with('Z') {
        return None;
    }
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// `IssueInstant` present, UTC, not before the request's (beyond the skew) and not after now
/// plus the skew (RT single-sign-on; SPT tests 12–15 for the Response, 39–43 for the Assertion).
pub(crate) fn issue_instant(
    v: Option<&str>,
    what: &str,
    request: Option<OffsetDateTime>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<(), String> {
    let t = v.and_then(parse_instant).ok_or_else(|| {
        format!(
            "{what} IssueInstant {} is missing or not a UTC xs:dateTime",
            shown(v)
        )
    })?;
    if let Some(req) = request {
        if t < req - skew {
            return Err(format!(
                "{what} IssueInstant {} is before the request's IssueInstant",
                v.unwrap_or_default()
            ));
        }
    }
    if t > now + skew {
        return Err(format!(
            "{what} IssueInstant {} is in the future",
            v.unwrap_or_default()
        ));
    }
    Ok(())
}

/// The algorithms of one `ds:Signature`: SignatureMethod and every DigestMethod SHA-256 or
/// stronger (RT trasmissione: "SHA-256 o superiore"; SPT allow-lists).
pub(crate) fn algorithms(doc: &Document<'_>, sig: NodeId) -> Result<(), String> {
    let si = dom::child(doc, sig, ns::DSIG, "SignedInfo")
        .ok_or_else(|| "a ds:Signature has no SignedInfo".to_string())?;
    let alg = dom::child(doc, si, ns::DSIG, "SignatureMethod")
        .and_then(|m| dom::attr(doc, m, "Algorithm"))
        .unwrap_or("");
    if !SIG_ALLOWED.contains(&alg) {
        return Err(format!("signature algorithm {alg:?} is not accepted"));
    }
    for r in dom::children(doc, si, ns::DSIG, "Reference") {
        let d = dom::child(doc, r, ns::DSIG, "DigestMethod")
            .and_then(|m| dom::attr(doc, m, "Algorithm"))
            .unwrap_or("");
        if !DIGEST_ALLOWED.contains(&d) {
            return Err(format!("digest algorithm {d:?} is not accepted"));
        }
    }
    Ok(())
}

/// The verified signature has exactly one reference, resolved to `expected` (XSW defence:
/// SAML Security and Privacy §6.4; SPT XSW1–8; bergshamra's resolved_node).
pub(crate) fn signed_node(
    resolved: &[Option<NodeId>],
    expected: NodeId,
    what: &str,
) -> Result<(), String> {
    match resolved {
        [Some(n)] if *n == expected => Ok(()),
        _ => Err(format!(
            "the {what} signature is valid but does not cover the {what} itself (signature wrapping)"
        )),
    }
}

/// The effective level: a SPID URI (RT; SPT test 97 refuses the old URN) acceptable for the
/// request under the acceptance matrix (docs/rules/spid-saml.md; SPT tests 94–96).
pub(crate) fn authn_context(
    class_ref: Option<&str>,
    requested: Level,
    comparison: Comparison,
) -> Result<Level, String> {
    let got = class_ref.and_then(Level::from_uri).ok_or_else(|| {
        format!(
            "AuthnContextClassRef {} is not a SPID level URI",
            shown(class_ref)
        )
    })?;
    if acceptable(requested, comparison, got) {
        Ok(got)
    } else {
        Err(format!(
            "level {got} is not acceptable for a request of {requested} with Comparison {}",
            comparison.as_str()
        ))
    }
}

/// SessionIndex present when the request asked for L1, absent when it asked for L2 or L3
/// (Regole tecniche SPID, single-sign-on, Assertion: "asserzioni emesse a seguito di richieste di
/// autenticazione per il livello SPID 1"). `requested` is the level of the AuthnRequest, not the
/// level asserted: an upgraded answer keeps the requested level's rule.
pub(crate) fn session_index(requested: Level, session_index: Option<&str>) -> Result<(), String> {
    match (requested, session_index.filter(|s| !s.trim().is_empty())) {
        (Level::L1, None) => {
            Err("SessionIndex is required in an assertion answering an L1 request".into())
        }
        (Level::L1, Some(_)) => Ok(()),
        (_, Some(_)) => Err(format!(
            "SessionIndex must not be present in an assertion answering a {requested} request"
        )),
        (_, None) => Ok(()),
    }
}

/// Exactly the requested attributes, each once with a value; the statement not empty (RT
/// attributi; SPT tests 98–99 empty statement, 103 a different set).
pub(crate) fn attributes(
    received: &[(String, Option<String>)],
    requested: &[&str],
) -> Result<(), String> {
    if received.is_empty() {
        return Err("the AttributeStatement is missing or empty".into());
    }
    for (i, (name, value)) in received.iter().enumerate() {
        if !requested.contains(&name.as_str()) {
            return Err(format!("attribute {name:?} was not requested"));
        }
        if received[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("attribute {name:?} appears twice"));
        }
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(format!("attribute {name:?} has no value"));
        }
    }
    for want in requested {
        if !received.iter().any(|(n, _)| n == want) {
            return Err(format!("requested attribute {want:?} is missing"));
        }
    }
    Ok(())
}

/// The SPID ErrorCode in a StatusMessage such as "ErrorCode nr22" (RT messaggi-errore).
pub(crate) fn spid_error_code(message: &str) -> Option<u8> {
    let rest = &message[message.find("ErrorCode nr")? + "ErrorCode nr".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| (1..=99).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(xml_id(Some("_a1-b.c"), "R").is_ok());
        assert!(xml_id(Some("1abc"), "R").is_err());
        assert!(xml_id(Some(""), "R").is_err());
        assert!(xml_id(None, "R").is_err());
    }

    #[test]
    fn issuer_and_its_format() {
        assert!(issuer(Some("https://idp"), "Response", "https://idp").is_ok());
        assert_eq!(
            issuer(None, "Assertion", "https://idp").unwrap_err(),
            "Assertion Issuer absent is not the IdP the request went to (https://idp)"
        );
        assert!(issuer_format(Some(ns::NAMEID_ENTITY), "Assertion", false).is_ok());
        assert!(issuer_format(None, "Response", true).is_ok());
        assert_eq!(
            issuer_format(None, "Assertion", false).unwrap_err(),
            format!(
                "Assertion Issuer Format absent is not {}",
                ns::NAMEID_ENTITY
            )
        );
        assert!(issuer_format(Some("urn:x"), "Response", true).is_err());
    }

    #[test]
    fn error_codes() {
        assert_eq!(spid_error_code("ErrorCode nr22"), Some(22));
        assert_eq!(spid_error_code("x ErrorCode nr19 y"), Some(19));
        assert_eq!(spid_error_code("ErrorCode nr"), None);
        assert_eq!(spid_error_code("Authentication failed"), None);
    }

    #[test]
    fn instants_need_utc() {
        assert!(parse_instant("2024-01-01T00:00:00.123Z").is_some());
        assert!(parse_instant("2024-01-01T00:00:00+01:00").is_none());
        assert!(parse_instant("garbage").is_none());
    }

    #[test]
    fn session_index_rule() {
        assert!(session_index(Level::L1, Some("s")).is_ok());
        assert!(session_index(Level::L1, None).is_err());
        assert!(session_index(Level::L2, Some("s")).is_err());
        assert!(session_index(Level::L3, None).is_ok());
        // The argument is the REQUESTED level: an upgraded answer to an L1 request keeps its
        // SessionIndex and is accepted; an L2 request never gets one, whatever is asserted.
        assert!(session_index(Level::L1, Some("s")).is_ok());
        assert!(session_index(Level::L2, None).is_ok());
    }

    #[test]
    fn attribute_sets() {
        let got = |v: &[&str]| -> Vec<(String, Option<String>)> {
            v.iter()
                .map(|n| (n.to_string(), Some("x".into())))
                .collect()
        };
        assert!(attributes(&got(&["a", "b"]), &["a", "b"]).is_ok());
        assert!(attributes(&got(&["a"]), &["a", "b"]).is_err());
        assert!(attributes(&got(&["a", "b", "c"]), &["a", "b"]).is_err());
        assert!(attributes(&got(&["a", "a"]), &["a"]).is_err());
        assert!(attributes(&[], &["a"]).is_err());
    }
}
