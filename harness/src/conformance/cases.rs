//! The Response case catalogue: spid-sp-test's cases with their ids (1–111, xsw1–8, xslt),
//! spid-saml-check's extras (1-NS, 25, 67, 84, 91), and our own families (level matrix, replay,
//! digest downgrade, two Assertions, EncryptedAssertion, DTD, clock-skew boundaries…).
//!
//! Each refuse case names the reference-SP fault switches that, switched off, make it fail;
//! `tests/it/conformance.rs` proves it.

use super::case::{
    Basis, Ctx, Expect, Flow, Intact, LoginAsk, Mutation, Premise, ResponseCase, DEFAULT_LOGIN,
};
use super::edit;
use super::sign;
use mock_idps::clock::saml_instant;
use mock_idps::saml::ns;
use mock_idps::saml::response::{AssertionPlan, AttributePlan, ResponsePlan};
use mock_idps::saml::status::ErrorCode;
use mock_idps::spid::level::Level;
use time::Duration;

const RT_SSO: &str = "SPID RT single-sign-on (Response)";
const RT_SSO_ASSERTION: &str = "SPID RT single-sign-on (Assertion)";
const RT_ERR: &str = "SPID RT messaggi-errore (anomalie utente)";
const SAML_CORE_322: &str = "SAML Core §3.2.2 (StatusResponseType)";
const SAML_CORE_23: &str = "SAML Core §2.3.3 (Assertion)";
const SAML_PROF: &str = "SAML Profiles §4.1.4.2–3 (bearer SubjectConfirmation)";
const SAML_COND: &str = "SAML Core §2.5.1 (Conditions)";
const XMLDSIG: &str = "SPID RT single-sign-on: Assertion signature mandatory; XML-DSig §3.2";
const XSW: &str =
    "SAML Security §6.5 / XSW (Somorovsky 2012): the signature must cover the consumed element";
const RT_ALG: &str = "SPID RT trasmissione: SHA-256 or stronger";
const MATRIX: &str = "SAML Core §3.3.2.2.1 (Comparison); SPID RT single-sign-on (upgrade allowed); spid-sp-test responses dynamic_acr (tests 94-96)";

/// The SP obligations of docs/rules/sp-obligations.md the error cases rest on.
pub const OB_CHECKS: &str = "SP-CHECKS";
/// Responses answer an outstanding request of this browser, once.
pub const OB_SOLICITED: &str = "SP-SOLICITED";
/// No replay of a Response or an Assertion.
pub const OB_REPLAY: &str = "SP-REPLAY";
/// Destination is where the Response arrived.
pub const OB_DESTINATION: &str = "SP-DESTINATION";
/// Only valid Responses and Assertions are used; valid ones are accepted.
pub const OB_VALID: &str = "SP-VALID";
/// The level asserted against the level and Comparison requested; upgrades accepted.
pub const OB_LEVEL: &str = "SP-LEVEL";
/// An error status ends the login with a page that says why.
pub const OB_ANOMALY: &str = "SP-ANOMALY";
/// Every obligation id a case may name.
pub const OBLIGATIONS: &[&str] = &[
    OB_CHECKS,
    OB_SOLICITED,
    OB_REPLAY,
    OB_DESTINATION,
    OB_VALID,
    OB_LEVEL,
    OB_ANOMALY,
];

const ADVICE_SESSION_INDEX: &str = "Regole tecniche SPID, single-sign-on (Assertion) tells the IdP when to write SessionIndex; no rule tells the SP to refuse an assertion that has it or lacks it, and SAML Core §2.7.2 makes it optional";
const ADVICE_SKEW: &str = "the SPID rules give no clock tolerance and SAML Profiles §4.1.4.3 leaves the allowable skew to the providers: the 2 minutes are our own figure";
const ADVICE_RELAY: &str = "SAML Bindings §3.5.3 obliges the IdP to return RelayState unchanged; it sets no MUST on the SP";
const ADVICE_DIGEST: &str = "Regole tecniche SPID (single-sign-on, Assertion) tell the signer (the IdP) to use SHA-256 or stronger; refusing a SHA-1 digest is hardening";
const ADVICE_DTD: &str = "no SPID or SAML rule obliges the SP to refuse a DOCTYPE; refusing it is the OWASP XXE hardening (accepting it is safe only if entities are never expanded)";
const ADVICE_ENCRYPTED: &str = "SPID does not use EncryptedAssertion; an SP that ignores one it cannot decrypt and uses the signed Assertion breaks no SP rule";

pub(crate) const fn refuse(
    id: &'static str,
    title: &'static str,
    rule: &'static str,
    mutation: Mutation,
    mutant: &'static str,
) -> ResponseCase {
    ResponseCase {
        id,
        title,
        rule,
        login: DEFAULT_LOGIN,
        mutation,
        expect: Expect::Refuse,
        mutant: Some(mutant),
        waiver: None,
        basis: Basis::Sp(OB_VALID),
        premise: Premise::Any,
    }
}

/// A signature-wrapping case whose Response keeps the signed Assertion in place, whole and
/// signed, beside an unsigned one of another subject: a service must refuse it, or log in the
/// signed Assertion's subject, never the wrapped one's (SAML Security §6.5: the signature must
/// cover the element consumed). Judged on the identity the service shows; a service that shows
/// none is "not determinable".
const fn signed_subject_kept(
    id: &'static str,
    title: &'static str,
    mutation: Mutation,
    mutant: &'static str,
) -> ResponseCase {
    ResponseCase {
        expect: Expect::RefuseOrIntact(Intact::SignedSubject),
        basis: Basis::Sp(OB_CHECKS),
        ..refuse(id, title, XSW, mutation, mutant)
    }
}

/// Why the cases without an Assertion have no mutant.
pub(crate) const WAIVER_NO_ASSERTION: &str = "with every switch off the reference SP still refuses a Response without an Assertion (there is nothing to log in with); an SP that logs a user in without an Assertion is not modelled. Covered in substance by anomaly-1 (error status beside a valid Assertion, mutant status)";

pub(crate) const fn waived(
    id: &'static str,
    title: &'static str,
    rule: &'static str,
    mutation: Mutation,
    reason: &'static str,
) -> ResponseCase {
    ResponseCase {
        id,
        title,
        rule,
        login: DEFAULT_LOGIN,
        mutation,
        expect: Expect::Refuse,
        mutant: None,
        waiver: Some(reason),
        basis: Basis::Sp(OB_VALID),
        premise: Premise::Any,
    }
}

pub(crate) const fn accept(
    id: &'static str,
    title: &'static str,
    rule: &'static str,
    mutation: Mutation,
) -> ResponseCase {
    ResponseCase {
        id,
        title,
        rule,
        login: DEFAULT_LOGIN,
        mutation,
        expect: Expect::Accept,
        mutant: None,
        waiver: None,
        basis: Basis::Sp(OB_VALID),
        premise: Premise::Any,
    }
}

const fn at_level(
    id: &'static str,
    title: &'static str,
    level: u8,
    comparison: &'static str,
    got: Level,
    mutation: Mutation,
) -> ResponseCase {
    ResponseCase {
        id,
        title,
        rule: MATRIX,
        login: LoginAsk { level, comparison },
        mutation,
        expect: Expect::ByLevel(got),
        mutant: Some("authn-context"),
        waiver: None,
        basis: Basis::Sp(OB_LEVEL),
        premise: Premise::AsAsked,
    }
}

pub(crate) fn with_a(p: &mut ResponsePlan, f: impl FnOnce(&mut AssertionPlan)) {
    if let Some(a) = p.assertion.as_mut() {
        f(a);
    }
}

/// Changes every attribute of the Assertion of `p` with `f`.
pub(crate) fn each_attribute(p: &mut ResponsePlan, f: impl FnMut(&mut AttributePlan)) {
    with_a(p, |a| a.attributes.iter_mut().for_each(f));
}

pub(crate) fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn instant(ctx: &Ctx<'_>, offset: Duration) -> Option<String> {
    Some(saml_instant(ctx.now + offset))
}

/// The Assertion at `level`; SessionIndex by the level the request asked for (Regole tecniche
/// SPID, single-sign-on, Assertion), so an upgraded answer to an L1 request keeps it.
fn set_level(p: &mut ResponsePlan, ctx: &Ctx<'_>, level: Level) {
    let token = ctx.ids.token();
    let with_index = mock_idps::spid::assertion::sends_session_index(ctx.request.level);
    with_a(p, |a| {
        a.authn_context_class_ref = s(level.uri());
        a.session_index = with_index.then_some(token);
    });
}

fn l1(p: &mut ResponsePlan, ctx: &Ctx<'_>) {
    set_level(p, ctx, Level::L1);
}
fn l2(p: &mut ResponsePlan, ctx: &Ctx<'_>) {
    set_level(p, ctx, Level::L2);
}
fn l3(p: &mut ResponsePlan, ctx: &Ctx<'_>) {
    set_level(p, ctx, Level::L3);
}

/// An error Response carrying SPID ErrorCode `nr` and no Assertion.
pub(crate) fn anomaly(p: &mut ResponsePlan, nr: u8) {
    if let Some(code) = ErrorCode::get(nr) {
        p.status.code = ns::STATUS_RESPONDER.to_string();
        p.status.sub_code = s("urn:oasis:names:tc:SAML:2.0:status:AuthnFailed");
        p.status.message = Some(code.status_message());
    }
    p.assertion = None;
}

/// A Responder status with the message `ErrorCode nr<nr>`, the signed Assertion left beside it.
pub(crate) fn error_beside_assertion(p: &mut ResponsePlan, nr: u8) {
    p.status.code = ns::STATUS_RESPONDER.to_string();
    p.status.message = Some(format!("ErrorCode nr{nr}"));
}

/// The fiscal number of the wrapped (evil) Assertions' subject: a well-formed code (check
/// character included) of another person, "Intruso Ignoto" born in Rome on 1 January 1980, so
/// that a service showing the logged-in fiscal number shows which Assertion it consumed.
pub const WRAPPED_FISCAL_NUMBER: &str = "TINIT-NTRGNT80A01H501C";

/// An evil copy of an Assertion: new ID, another subject (NameID and fiscalNumber), its
/// signature removed unless `keep_signature`.
fn evil_assertion(assertion: &str, keep_signature: bool) -> String {
    let id = edit::attr(assertion, "ID").unwrap_or("x").to_string();
    let mut evil = edit::set_attr(assertion, "ID", &format!("_evil{id}"));
    evil = edit::set_text(&evil, "saml:NameID", "evil-subject");
    if let Some(at) = evil.find("Name=\"fiscalNumber\"") {
        let value = edit::set_text(&evil[at..], "saml:AttributeValue", WRAPPED_FISCAL_NUMBER);
        evil = format!("{}{value}", &evil[..at]);
    }
    if !keep_signature {
        evil = edit::remove(&evil, "ds:Signature");
    }
    evil
}

/// The signed Response with its Response signature removed, as a string.
fn strip_response_signature(xml: &str) -> String {
    // The Response signature is the first ds:Signature before the Status.
    match (
        edit::span(xml, "ds:Signature", 0),
        edit::span(xml, "samlp:Status", 0),
    ) {
        (Some((s, e)), Some((st, _))) if s < st => format!("{}{}", &xml[..s], &xml[e..]),
        _ => xml.to_string(),
    }
}

fn xsw1(xml: String, _: &Ctx<'_>) -> String {
    // Evil Response root (new ID, evil unsigned Assertion) whose copied Signature carries the
    // original signed Response in an Object.
    let original = xml.clone();
    let Some(sig) = edit::element(&xml, "ds:Signature").map(str::to_string) else {
        return xml;
    };
    let id = edit::attr(&xml, "ID").unwrap_or("x").to_string();
    let mut evil = edit::set_attr(&xml, "ID", &format!("_evil{id}"));
    if let Some(a) = edit::element(&evil, "saml:Assertion").map(str::to_string) {
        evil = edit::replace(&evil, "saml:Assertion", &evil_assertion(&a, false));
    }
    let wrapped = edit::append_child(
        &sig,
        "ds:Signature",
        &format!("<ds:Object>{original}</ds:Object>"),
    );
    edit::replace(&evil, "ds:Signature", &wrapped)
}

fn xsw2(xml: String, _: &Ctx<'_>) -> String {
    // Evil Response root; the original signed Response is placed beside the evil root's copied
    // Signature (detached).
    let original = xml.clone();
    let id = edit::attr(&xml, "ID").unwrap_or("x").to_string();
    let mut evil = edit::set_attr(&xml, "ID", &format!("_evil{id}"));
    if let Some(a) = edit::element(&evil, "saml:Assertion").map(str::to_string) {
        evil = edit::replace(&evil, "saml:Assertion", &evil_assertion(&a, false));
    }
    edit::insert_after(&evil, "ds:Signature", &original)
}

fn xsw3(xml: String, _: &Ctx<'_>) -> String {
    // An evil unsigned Assertion before the original, which stays signed in place.
    let xml = strip_response_signature(&xml);
    let Some(a) = edit::element(&xml, "saml:Assertion").map(str::to_string) else {
        return xml;
    };
    edit::insert_before(&xml, "saml:Assertion", &evil_assertion(&a, false))
}

fn xsw4(xml: String, _: &Ctx<'_>) -> String {
    let xml = strip_response_signature(&xml);
    let Some(a) = edit::element(&xml, "saml:Assertion").map(str::to_string) else {
        return xml;
    };
    let evil = edit::append_child(&evil_assertion(&a, false), "saml:Assertion", &a);
    edit::replace(&xml, "saml:Assertion", &evil)
}

fn xsw5(xml: String, _: &Ctx<'_>) -> String {
    // Evil Assertion keeping the original signature; the original (unsigned) appended after.
    let xml = strip_response_signature(&xml);
    let Some(a) = edit::element(&xml, "saml:Assertion").map(str::to_string) else {
        return xml;
    };
    let evil = evil_assertion(&a, true);
    let original_unsigned = edit::remove(&a, "ds:Signature");
    edit::replace(
        &xml,
        "saml:Assertion",
        &format!("{evil}{original_unsigned}"),
    )
}

fn xsw6(xml: String, _: &Ctx<'_>) -> String {
    // Evil Assertion keeping the signature, with the original Assertion inside that signature.
    let xml = strip_response_signature(&xml);
    let Some(a) = edit::element(&xml, "saml:Assertion").map(str::to_string) else {
        return xml;
    };
    let evil = evil_assertion(&a, true);
    let original_unsigned = edit::remove(&a, "ds:Signature");
    let evil = edit::append_child(
        &evil,
        "ds:Signature",
        &format!("<ds:Object>{original_unsigned}</ds:Object>"),
    );
    edit::replace(&xml, "saml:Assertion", &evil)
}

fn xsw7(xml: String, _: &Ctx<'_>) -> String {
    // Evil Assertion inside samlp:Extensions; the original stays.
    let xml = strip_response_signature(&xml);
    let Some(a) = edit::element(&xml, "saml:Assertion").map(str::to_string) else {
        return xml;
    };
    let evil = evil_assertion(&a, false);
    edit::insert_after(
        &xml,
        "saml:Issuer",
        &format!("<samlp:Extensions>{evil}</samlp:Extensions>"),
    )
}

fn xsw8(xml: String, _: &Ctx<'_>) -> String {
    // Evil Assertion (original signature kept) whose Signature Object holds the original
    // Assertion without its signature.
    xsw6_like_object(xml)
}

fn xsw6_like_object(xml: String) -> String {
    let xml = strip_response_signature(&xml);
    let Some(a) = edit::element(&xml, "saml:Assertion").map(str::to_string) else {
        return xml;
    };
    let evil = evil_assertion(&a, true);
    let original_unsigned = edit::remove(&a, "ds:Signature");
    let evil = edit::replace(
        &evil,
        "ds:SignatureValue",
        &format!(
            "{}<ds:Object>{original_unsigned}</ds:Object>",
            edit::element(&evil, "ds:SignatureValue").unwrap_or_default()
        ),
    );
    edit::replace(&xml, "saml:Assertion", &evil)
}

fn xslt(xml: String, _: &Ctx<'_>) -> String {
    let xml = strip_response_signature(&xml);
    let transform = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\">\
        <xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\">\
        <xsl:template match=\"/\"><xsl:copy-of select=\"document('http://127.0.0.1:9/x')\"/>\
        </xsl:template></xsl:stylesheet></ds:Transform>";
    let transforms = edit::append_child(
        edit::element(&xml, "ds:Transforms").unwrap_or_default(),
        "ds:Transforms",
        transform,
    );
    edit::replace(&xml, "ds:Transforms", &transforms)
}

fn encrypted(xml: String, _: &Ctx<'_>) -> String {
    edit::insert_after(
        &xml,
        "saml:Assertion",
        "<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" \
         Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:CipherData><xenc:CipherValue>AAAA\
         </xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>",
    )
}

fn doctype(xml: String, _: &Ctx<'_>) -> String {
    format!("<!DOCTYPE samlp:Response [<!ENTITY harness \"spid\">]>{xml}")
}

fn external_entity(xml: String, _: &Ctx<'_>) -> String {
    format!("<!DOCTYPE samlp:Response [<!ENTITY harness SYSTEM \"file:///etc/hostname\">]>{xml}")
}

/// Inserts an empty comment `skip` characters into the text of the first `tag` element found at
/// or after `from`. Exclusive C14N drops comments, so the signature still verifies
/// (CVE-2017-11427).
fn comment_inside(xml: &str, from: &str, tag: &str, skip: usize) -> String {
    let Some(base) = xml.find(from) else {
        return xml.to_string();
    };
    let Some(open) = xml[base..].find(&format!("<{tag}")).map(|i| i + base) else {
        return xml.to_string();
    };
    let Some(text) = xml[open..].find('>').map(|i| i + open + 1) else {
        return xml.to_string();
    };
    let at = xml[text..]
        .char_indices()
        .nth(skip)
        .map_or(text, |(i, _)| text + i);
    format!("{}<!---->{}", &xml[..at], &xml[at..])
}

fn comment_in_fiscal_number(xml: String, _: &Ctx<'_>) -> String {
    // After "TINIT-" and the six letters of surname and name: a shorter, different code.
    comment_inside(&xml, "Name=\"fiscalNumber\"", "saml:AttributeValue", 12)
}

fn comment_in_name_id(xml: String, _: &Ctx<'_>) -> String {
    comment_inside(&xml, "<saml:Subject", "saml:NameID", 8)
}

const CVE_2017_11427: &str =
    "CVE-2017-11427 class: values are all their text (XML-DSig exc-C14N drops comments)";
const RELAY: &str = "SAML Bindings §3.5.3: the exact RelayState sent with the request comes back";

/// Every Response case, in catalogue order (official numeric ids, then xsw/xslt, then ours).
pub static RESPONSE_CASES: &[ResponseCase] = &[
    ResponseCase {
        login: LoginAsk {
            level: 1,
            comparison: "minimum",
        },
        ..accept(
            "1",
            "Correct Response (SessionIndex only when the request asked for SpidL1)",
            RT_SSO,
            Mutation::None,
        )
    },
    accept(
        "1-NS",
        "Correct Response without SessionIndex (the answer to a SpidL2 request)",
        RT_SSO_ASSERTION,
        Mutation::None,
    )
    .needs(Premise::AboveL1),
    refuse(
        "2",
        "Response and Assertion not signed",
        XMLDSIG,
        Mutation::Plan(|p, _ctx| {
            p.signed = false;
            with_a(p, |a| a.signed = false)
        }),
        "assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "3",
        "Response signed, Assertion not signed",
        XMLDSIG,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.signed = false)),
        "assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "4",
        "Signed with a key the IdP metadata does not have (no KeyInfo)",
        XMLDSIG,
        Mutation::Sign(sign::rogue_both_no_keyinfo),
        "response-signature,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "5",
        "Signed with an unregistered key, attacker certificate in KeyInfo",
        XMLDSIG,
        Mutation::Sign(sign::rogue_both),
        "response-signature,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "8",
        "Response ID empty",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| {
            p.id = s("");
            p.signed = false
        }),
        "response-id",
    ),
    refuse(
        "9",
        "Response ID absent",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| {
            p.id = None;
            p.signed = false
        }),
        "response-id",
    ),
    refuse(
        "10",
        "Response Version 1.0",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| p.version = s("1.0")),
        "version",
    ),
    refuse(
        "11",
        "Response IssueInstant empty",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| p.issue_instant = s("")),
        "response-issue-instant",
    ),
    refuse(
        "12",
        "Response IssueInstant absent",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| p.issue_instant = None),
        "response-issue-instant",
    ),
    refuse(
        "13",
        "Response IssueInstant date only",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| p.issue_instant = s("2018-09-04")),
        "response-issue-instant",
    ),
    refuse(
        "14",
        "Response IssueInstant before the request",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.issue_instant = s("2018-01-01T00:00:00Z")),
        "response-issue-instant",
    ),
    refuse(
        "15",
        "Response IssueInstant in the future",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.issue_instant = s("2099-01-01T00:00:00Z")),
        "response-issue-instant",
    ),
    refuse(
        "16",
        "Response InResponseTo empty",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.in_response_to = s("")),
        "in-response-to",
    )
    .obliged_by(OB_SOLICITED),
    refuse(
        "17",
        "Response InResponseTo absent",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.in_response_to = None),
        "in-response-to",
    )
    .obliged_by(OB_SOLICITED),
    refuse(
        "18",
        "Response InResponseTo not the request ID",
        RT_SSO,
        Mutation::Plan(|p, ctx| p.in_response_to = Some(ctx.ids.saml_id())),
        "in-response-to",
    )
    .obliged_by(OB_SOLICITED),
    refuse(
        "19",
        "Response Destination empty",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.destination = s("")),
        "destination",
    )
    .obliged_by(OB_DESTINATION),
    refuse(
        "20",
        "Response Destination absent",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.destination = None),
        "destination",
    )
    .obliged_by(OB_DESTINATION),
    refuse(
        "21",
        "Response Destination not the ACS URL",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.destination = s("https://sp.example.org/acs")),
        "destination",
    )
    .obliged_by(OB_DESTINATION),
    refuse(
        "22",
        "Status element empty",
        SAML_CORE_322,
        Mutation::Unsigned(|x, _ctx| edit::empty(&x, "samlp:Status")),
        "status",
    ),
    refuse(
        "23",
        "Status element absent",
        SAML_CORE_322,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "samlp:Status")),
        "status",
    ),
    refuse(
        "24",
        "StatusCode Value empty",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| p.status.code = String::new()),
        "status",
    ),
    refuse(
        "25",
        "StatusCode element absent",
        SAML_CORE_322,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "samlp:StatusCode")),
        "status",
    ),
    refuse(
        "26",
        "StatusCode Value not a SAML status",
        SAML_CORE_322,
        Mutation::Plan(|p, _ctx| {
            p.status.code = "urn:oasis:names:tc:SAML:2.0:status:Invalid".into()
        }),
        "status",
    ),
    refuse(
        "27",
        "Response Issuer empty",
        RT_SSO,
        Mutation::Plan(|p, _ctx| {
            if let Some(i) = p.issuer.as_mut() {
                i.value.clear()
            }
        }),
        "issuer",
    ),
    refuse(
        "28",
        "Response Issuer absent",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.issuer = None),
        "issuer",
    ),
    refuse(
        "29",
        "Response Issuer not the IdP entityID",
        RT_SSO,
        Mutation::Plan(|p, _ctx| {
            if let Some(i) = p.issuer.as_mut() {
                i.value = "https://idp.example.org/".into()
            }
        }),
        "issuer",
    ),
    refuse(
        "30",
        "Response Issuer Format not entity",
        RT_SSO,
        Mutation::Plan(|p, _ctx| {
            if let Some(i) = p.issuer.as_mut() {
                i.format = s(ns::NAMEID_TRANSIENT)
            }
        }),
        "issuer-format",
    ),
    accept(
        "31",
        "Response Issuer Format omitted (allowed)",
        RT_SSO,
        Mutation::Plan(|p, _ctx| {
            if let Some(i) = p.issuer.as_mut() {
                i.format = None
            }
        }),
    ),
    waived(
        "32",
        "Assertion absent with status Success",
        RT_SSO,
        Mutation::Plan(|p, _ctx| p.assertion = None),
        WAIVER_NO_ASSERTION,
    ),
    refuse(
        "33",
        "Assertion ID empty (and so not signable)",
        SAML_CORE_23,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.id = s("");
                a.signed = false
            })
        }),
        "assertion-signature,assertion-id",
    ),
    refuse(
        "34",
        "Assertion ID absent (and so not signable)",
        SAML_CORE_23,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.id = None;
                a.signed = false
            })
        }),
        "assertion-signature,assertion-id",
    ),
    refuse(
        "35",
        "Assertion Version not 2.0",
        SAML_CORE_23,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.version = s("1.0"))),
        "version",
    ),
    refuse(
        "36",
        "Assertion IssueInstant empty",
        SAML_CORE_23,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.issue_instant = s(""))),
        "assertion-issue-instant",
    ),
    refuse(
        "37",
        "Assertion IssueInstant absent",
        SAML_CORE_23,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.issue_instant = None)),
        "assertion-issue-instant",
    ),
    refuse(
        "38",
        "Assertion IssueInstant malformed",
        SAML_CORE_23,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.issue_instant = s("2018-09-04"))),
        "assertion-issue-instant",
    ),
    refuse(
        "39",
        "Assertion IssueInstant before the request",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.issue_instant = s("2018-01-01T00:00:00Z"))),
        "assertion-issue-instant",
    ),
    refuse(
        "40",
        "Assertion IssueInstant in the future",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.issue_instant = s("2099-01-01T00:00:00Z"))),
        "assertion-issue-instant",
    ),
    refuse(
        "41",
        "Subject empty",
        RT_SSO_ASSERTION,
        Mutation::Unsigned(|x, _ctx| edit::empty(&x, "saml:Subject")),
        "name-id,subject-confirmation",
    ),
    refuse(
        "42",
        "Subject absent",
        RT_SSO_ASSERTION,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:Subject")),
        "name-id,subject-confirmation",
    ),
    refuse(
        "43",
        "NameID empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.name_id = s("");
                a.name_id_qualifier = s("")
            })
        }),
        "name-id",
    ),
    refuse(
        "44",
        "NameID absent",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.name_id = None)),
        "name-id",
    ),
    refuse(
        "45",
        "NameID Format empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.name_id_format = s(""))),
        "name-id",
    ),
    refuse(
        "46",
        "NameID Format absent",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.name_id_format = None)),
        "name-id",
    ),
    refuse(
        "47",
        "NameID Format not transient",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.name_id_format = s("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
            })
        }),
        "name-id",
    ),
    refuse(
        "48",
        "NameID NameQualifier empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.name_id_qualifier = s(""))),
        "name-id",
    ),
    refuse(
        "49",
        "NameID NameQualifier absent",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.name_id_qualifier = None)),
        "name-id",
    ),
    refuse(
        "51",
        "SubjectConfirmation empty",
        SAML_PROF,
        Mutation::Unsigned(|x, _ctx| edit::empty(&x, "saml:SubjectConfirmation")),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "52",
        "SubjectConfirmation absent",
        SAML_PROF,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:SubjectConfirmation")),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "53",
        "SubjectConfirmation Method empty",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_method = s(""))),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "54",
        "SubjectConfirmation Method absent",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_method = None)),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "55",
        "SubjectConfirmation Method not bearer",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.confirmation_method = s("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
            })
        }),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "56",
        "SubjectConfirmationData absent",
        SAML_PROF,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:SubjectConfirmationData")),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "57",
        "Recipient empty",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.recipient = s(""))),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "58",
        "Recipient absent",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.recipient = None)),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "59",
        "Recipient not the ACS URL",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.recipient = s("https://sp.example.org/acs"))),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "60",
        "SubjectConfirmationData InResponseTo empty",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_in_response_to = s(""))),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "61",
        "SubjectConfirmationData InResponseTo absent",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_in_response_to = None)),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "62",
        "SubjectConfirmationData InResponseTo not the request ID",
        SAML_PROF,
        Mutation::Plan(|p, ctx| {
            let v = ctx.ids.saml_id();
            with_a(p, |a| a.confirmation_in_response_to = Some(v))
        }),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "63",
        "SubjectConfirmationData NotOnOrAfter empty",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_not_on_or_after = s(""))),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "64",
        "SubjectConfirmationData NotOnOrAfter absent",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_not_on_or_after = None)),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "65",
        "SubjectConfirmationData NotOnOrAfter malformed",
        SAML_PROF,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.confirmation_not_on_or_after = s("2018-09-04"))),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "66",
        "SubjectConfirmationData NotOnOrAfter passed",
        SAML_PROF,
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::minutes(-10));
            with_a(p, |a| a.confirmation_not_on_or_after = v)
        }),
        "subject-confirmation",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "67",
        "Assertion Issuer empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                if let Some(i) = a.issuer.as_mut() {
                    i.value.clear()
                }
            })
        }),
        "issuer",
    ),
    refuse(
        "68",
        "Assertion Issuer absent",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.issuer = None)),
        "issuer,issuer-format",
    ),
    refuse(
        "69",
        "Assertion Issuer not the IdP entityID",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                if let Some(i) = a.issuer.as_mut() {
                    i.value = "https://idp.example.org/".into()
                }
            })
        }),
        "issuer",
    ),
    refuse(
        "70",
        "Assertion Issuer Format empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                if let Some(i) = a.issuer.as_mut() {
                    i.format = s("")
                }
            })
        }),
        "issuer-format",
    ),
    refuse(
        "71",
        "Assertion Issuer Format absent",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                if let Some(i) = a.issuer.as_mut() {
                    i.format = None
                }
            })
        }),
        "issuer-format",
    ),
    refuse(
        "72",
        "Assertion Issuer Format not entity",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                if let Some(i) = a.issuer.as_mut() {
                    i.format = s(ns::NAMEID_TRANSIENT)
                }
            })
        }),
        "issuer-format",
    ),
    refuse(
        "73",
        "Conditions without AudienceRestriction",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.audience = None)),
        "audience",
    ),
    refuse(
        "74",
        "Conditions absent",
        SAML_COND,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:Conditions")),
        "conditions,audience",
    ),
    refuse(
        "75",
        "Conditions NotBefore empty",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.not_before = s(""))),
        "conditions",
    ),
    refuse(
        "76",
        "Conditions NotBefore absent",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.not_before = None)),
        "conditions",
    ),
    refuse(
        "77",
        "Conditions NotBefore malformed",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.not_before = s("2018-09-04"))),
        "conditions",
    ),
    refuse(
        "78",
        "Conditions NotBefore in the future",
        SAML_COND,
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::minutes(10));
            with_a(p, |a| a.not_before = v)
        }),
        "conditions",
    ),
    refuse(
        "79",
        "Conditions NotOnOrAfter empty",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.not_on_or_after = s(""))),
        "conditions",
    ),
    refuse(
        "80",
        "Conditions NotOnOrAfter absent",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.not_on_or_after = None)),
        "conditions",
    ),
    refuse(
        "81",
        "Conditions NotOnOrAfter malformed",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.not_on_or_after = s("2018-09-04"))),
        "conditions",
    ),
    refuse(
        "82",
        "Conditions NotOnOrAfter passed",
        SAML_COND,
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::minutes(-10));
            with_a(p, |a| a.not_on_or_after = v)
        }),
        "conditions",
    ),
    refuse(
        "83",
        "AudienceRestriction empty",
        SAML_COND,
        Mutation::Unsigned(|x, _ctx| edit::empty(&x, "saml:AudienceRestriction")),
        "audience",
    ),
    refuse(
        "84",
        "AudienceRestriction absent",
        SAML_COND,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:AudienceRestriction")),
        "audience",
    ),
    refuse(
        "85",
        "Audience empty",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.audience = s(""))),
        "audience",
    ),
    refuse(
        "86",
        "Audience absent",
        SAML_COND,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:Audience")),
        "audience",
    ),
    refuse(
        "87",
        "Audience not the SP entityID",
        SAML_COND,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.audience = s("https://sp.example.org/"))),
        "audience",
    ),
    refuse(
        "88",
        "AuthnStatement without AuthnContext",
        RT_SSO_ASSERTION,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:AuthnContext")),
        "authn-context",
    ),
    refuse(
        "89",
        "AuthnStatement absent",
        RT_SSO_ASSERTION,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:AuthnStatement")),
        "authn-context",
    ),
    refuse(
        "90",
        "AuthnContext empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.authn_context_class_ref = None)),
        "authn-context",
    ),
    refuse(
        "91",
        "AuthnContext absent",
        RT_SSO_ASSERTION,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:AuthnContext")),
        "authn-context",
    ),
    refuse(
        "92",
        "AuthnContextClassRef empty",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.authn_context_class_ref = s(""))),
        "authn-context",
    ),
    refuse(
        "93",
        "AuthnContextClassRef absent",
        RT_SSO_ASSERTION,
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:AuthnContextClassRef")),
        "authn-context",
    ),
    at_level(
        "94",
        "AuthnContextClassRef SpidL1",
        2,
        "minimum",
        Level::L1,
        Mutation::Plan(l1),
    )
    // spid-sp-test's ids: the Assertion level against whatever the service asked for.
    .needs(Premise::Any),
    at_level(
        "95",
        "AuthnContextClassRef SpidL2",
        2,
        "minimum",
        Level::L2,
        Mutation::Plan(l2),
    )
    // spid-sp-test's ids: the Assertion level against whatever the service asked for.
    .needs(Premise::Any),
    at_level(
        "96",
        "AuthnContextClassRef SpidL3",
        2,
        "minimum",
        Level::L3,
        Mutation::Plan(l3),
    )
    // spid-sp-test's ids: the Assertion level against whatever the service asked for.
    .needs(Premise::Any),
    refuse(
        "97",
        "AuthnContextClassRef the legacy urn:oasis SpidL2",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.authn_context_class_ref = s("urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2")
            })
        }),
        "authn-context",
    ),
    refuse(
        "98",
        "AttributeStatement without Attribute",
        "SPID RT attributi",
        Mutation::Unsigned(|x, _ctx| edit::empty(&x, "saml:AttributeStatement")),
        "attributes",
    ),
    refuse(
        "99",
        "Attribute without AttributeValue",
        "SPID RT attributi",
        Mutation::Unsigned(|x, _ctx| edit::remove(&x, "saml:AttributeValue")),
        "attributes",
    ),
    refuse(
        "100",
        "Assertion signed with an unregistered key",
        XMLDSIG,
        Mutation::Sign(sign::rogue_assertion),
        "assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    ResponseCase {
        id: "103",
        title: "Attribute set different from the requested one",
        rule: "SPID RT attributi",
        login: DEFAULT_LOGIN,
        mutation: Mutation::Plan(|p, _ctx| with_a(p, |a| a.attributes.truncate(1))),
        expect: Expect::Either,
        mutant: None,
        waiver: None,
        basis: Basis::Sp(OB_VALID),
        premise: Premise::Any,
    },
    waived(
        "104",
        "Anomaly nr19: repeated wrong credentials",
        RT_ERR,
        Mutation::Plan(|p, _ctx| anomaly(p, 19)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "105",
        "Anomaly nr20: no credential of the requested level",
        RT_ERR,
        Mutation::Plan(|p, _ctx| anomaly(p, 20)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "106",
        "Anomaly nr21: timeout",
        RT_ERR,
        Mutation::Plan(|p, _ctx| anomaly(p, 21)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "107",
        "Anomaly nr22: consent denied",
        RT_ERR,
        Mutation::Plan(|p, _ctx| anomaly(p, 22)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "108",
        "Anomaly nr23: suspended or revoked identity",
        RT_ERR,
        Mutation::Plan(|p, _ctx| anomaly(p, 23)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    accept(
        "109",
        "Attributes without NameFormat",
        "SPID RT attributi (spid-sp-test 109)",
        Mutation::Plan(|p, _ctx| each_attribute(p, |x| x.name_format = None)),
    ),
    accept(
        "110",
        "Response IssueInstant with microseconds",
        SAML_CORE_322,
        Mutation::Plan(|p, ctx| {
            p.issue_instant = Some(format!(
                "{}.123456Z",
                saml_instant(ctx.now)
                    .trim_end_matches('Z')
                    .split('.')
                    .next()
                    .unwrap_or_default()
            ))
        }),
    ),
    waived(
        "111",
        "Anomaly nr25: user cancelled",
        RT_ERR,
        Mutation::Plan(|p, _ctx| anomaly(p, 25)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    refuse(
        "xslt",
        "XSLT transform injected into the Assertion signature",
        XMLDSIG,
        Mutation::Xml(xslt),
        "signature-algorithm,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "xsw1",
        "Signature wrapping XSW1",
        XSW,
        Mutation::Xml(xsw1),
        "response-signature,single-assertion,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "xsw2",
        "Signature wrapping XSW2",
        XSW,
        Mutation::Xml(xsw2),
        "response-signature,single-assertion,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    // The signed Assertion stays in place, whole and signed: a service that logs in ITS subject
    // consumed what the signature covers (the rule holds), so the case is judged on the
    // identity shown (spid-sp-test expects a refusal).
    signed_subject_kept(
        "xsw3",
        "Signature wrapping XSW3",
        Mutation::Xml(xsw3),
        "single-assertion,assertion-signature",
    ),
    refuse(
        "xsw4",
        "Signature wrapping XSW4",
        XSW,
        Mutation::Xml(xsw4),
        "single-assertion,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "xsw5",
        "Signature wrapping XSW5",
        XSW,
        Mutation::Xml(xsw5),
        "single-assertion,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    refuse(
        "xsw6",
        "Signature wrapping XSW6",
        XSW,
        Mutation::Xml(xsw6),
        "single-assertion,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    // As xsw3: the signed Assertion stays in place. Its mutant reads the first Assertion in
    // document order (with single-assertion alone off the reference SP reads the signed one).
    signed_subject_kept(
        "xsw7",
        "Signature wrapping XSW7",
        Mutation::Xml(xsw7),
        "single-assertion,consumed-assertion",
    ),
    refuse(
        "xsw8",
        "Signature wrapping XSW8",
        XSW,
        Mutation::Xml(xsw8),
        "single-assertion,assertion-signature",
    )
    .obliged_by(OB_CHECKS),
    at_level(
        "acr-L1-better-L1",
        "Request SpidL1 better, Assertion SpidL1",
        1,
        "better",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L1-better-L2",
        "Request SpidL1 better, Assertion SpidL2",
        1,
        "better",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L1-better-L3",
        "Request SpidL1 better, Assertion SpidL3",
        1,
        "better",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L1-exact-L1",
        "Request SpidL1 exact, Assertion SpidL1",
        1,
        "exact",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L1-exact-L2",
        "Request SpidL1 exact, Assertion SpidL2",
        1,
        "exact",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L1-exact-L3",
        "Request SpidL1 exact, Assertion SpidL3",
        1,
        "exact",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L1-maximum-L1",
        "Request SpidL1 maximum, Assertion SpidL1",
        1,
        "maximum",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L1-maximum-L2",
        "Request SpidL1 maximum, Assertion SpidL2",
        1,
        "maximum",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L1-maximum-L3",
        "Request SpidL1 maximum, Assertion SpidL3",
        1,
        "maximum",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L1-minimum-L1",
        "Request SpidL1 minimum, Assertion SpidL1",
        1,
        "minimum",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L1-minimum-L2",
        "Request SpidL1 minimum, Assertion SpidL2",
        1,
        "minimum",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L1-minimum-L3",
        "Request SpidL1 minimum, Assertion SpidL3",
        1,
        "minimum",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L2-better-L1",
        "Request SpidL2 better, Assertion SpidL1",
        2,
        "better",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L2-better-L2",
        "Request SpidL2 better, Assertion SpidL2",
        2,
        "better",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L2-better-L3",
        "Request SpidL2 better, Assertion SpidL3",
        2,
        "better",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L2-exact-L1",
        "Request SpidL2 exact, Assertion SpidL1",
        2,
        "exact",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L2-exact-L2",
        "Request SpidL2 exact, Assertion SpidL2",
        2,
        "exact",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L2-exact-L3",
        "Request SpidL2 exact, Assertion SpidL3",
        2,
        "exact",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L2-maximum-L1",
        "Request SpidL2 maximum, Assertion SpidL1",
        2,
        "maximum",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L2-maximum-L2",
        "Request SpidL2 maximum, Assertion SpidL2",
        2,
        "maximum",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L2-maximum-L3",
        "Request SpidL2 maximum, Assertion SpidL3",
        2,
        "maximum",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L2-minimum-L1",
        "Request SpidL2 minimum, Assertion SpidL1",
        2,
        "minimum",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L2-minimum-L2",
        "Request SpidL2 minimum, Assertion SpidL2",
        2,
        "minimum",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L2-minimum-L3",
        "Request SpidL2 minimum, Assertion SpidL3",
        2,
        "minimum",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L3-better-L1",
        "Request SpidL3 better, Assertion SpidL1",
        3,
        "better",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L3-better-L2",
        "Request SpidL3 better, Assertion SpidL2",
        3,
        "better",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L3-better-L3",
        "Request SpidL3 better, Assertion SpidL3",
        3,
        "better",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L3-exact-L1",
        "Request SpidL3 exact, Assertion SpidL1",
        3,
        "exact",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L3-exact-L2",
        "Request SpidL3 exact, Assertion SpidL2",
        3,
        "exact",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L3-exact-L3",
        "Request SpidL3 exact, Assertion SpidL3",
        3,
        "exact",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L3-maximum-L1",
        "Request SpidL3 maximum, Assertion SpidL1",
        3,
        "maximum",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L3-maximum-L2",
        "Request SpidL3 maximum, Assertion SpidL2",
        3,
        "maximum",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L3-maximum-L3",
        "Request SpidL3 maximum, Assertion SpidL3",
        3,
        "maximum",
        Level::L3,
        Mutation::Plan(l3),
    ),
    at_level(
        "acr-L3-minimum-L1",
        "Request SpidL3 minimum, Assertion SpidL1",
        3,
        "minimum",
        Level::L1,
        Mutation::Plan(l1),
    ),
    at_level(
        "acr-L3-minimum-L2",
        "Request SpidL3 minimum, Assertion SpidL2",
        3,
        "minimum",
        Level::L2,
        Mutation::Plan(l2),
    ),
    at_level(
        "acr-L3-minimum-L3",
        "Request SpidL3 minimum, Assertion SpidL3",
        3,
        "minimum",
        Level::L3,
        Mutation::Plan(l3),
    ),
    refuse(
        "alg-1",
        "Assertion signed RSA-SHA256 over a SHA-1 digest",
        RT_ALG,
        Mutation::Sign(sign::sha1_digest),
        "signature-algorithm",
    )
    .advice(ADVICE_DIGEST),
    refuse(
        "anomaly-1",
        "Error status nr22 beside a valid signed Assertion",
        RT_ERR,
        Mutation::Plan(|p, _ctx| error_beside_assertion(p, 22)),
        "status",
    )
    .obliged_by(OB_ANOMALY),
    refuse(
        "aud-1",
        "Audience of another SP (near miss: trailing path)",
        SAML_COND,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                if let Some(x) = a.audience.as_mut() {
                    x.push_str("other")
                }
            })
        }),
        "audience",
    ),
    ResponseCase {
        id: "comment-1",
        title: "A comment inside the signed fiscalNumber value (signature still valid)",
        rule: CVE_2017_11427,
        login: DEFAULT_LOGIN,
        mutation: Mutation::Xml(comment_in_fiscal_number),
        expect: Expect::RefuseOrIntact(Intact::FiscalNumber),
        mutant: Some("text-nodes"),
        waiver: None,
        basis: Basis::Sp(OB_CHECKS),
        premise: Premise::Any,
    },
    ResponseCase {
        id: "comment-2",
        title: "A comment inside the signed NameID (signature still valid)",
        rule: CVE_2017_11427,
        login: DEFAULT_LOGIN,
        mutation: Mutation::Xml(comment_in_name_id),
        expect: Expect::RefuseOrIntact(Intact::NameId),
        mutant: Some("text-nodes"),
        waiver: None,
        basis: Basis::Sp(OB_CHECKS),
        premise: Premise::Any,
    },
    refuse(
        "dtd-1",
        "A DOCTYPE with an internal ENTITY before the Response",
        "OWASP XXE; SAML Security §6",
        Mutation::Xml(doctype),
        "no-dtd",
    )
    .advice(ADVICE_DTD),
    refuse(
        "enc-1",
        "An EncryptedAssertion beside the Assertion",
        "SPID RT single-sign-on (no encryption); SAML Profiles §4.1.4.2",
        Mutation::Unsigned(encrypted),
        "single-assertion",
    )
    .advice(ADVICE_ENCRYPTED),
    refuse(
        "irt-1",
        "InResponseTo of another browser session's request",
        "SPID RT single-sign-on: InResponseTo of an outstanding request of this session",
        Mutation::Flow(Flow::OtherSessionRequest),
        "in-response-to",
    )
    .obliged_by(OB_SOLICITED),
    refuse(
        "irt-2",
        "A fresh Response to this browser's earlier, already answered request",
        "SPID RT single-sign-on: InResponseTo of an outstanding request, used once",
        Mutation::Flow(Flow::ConsumedRequest),
        "in-response-to,subject-confirmation",
    )
    .obliged_by(OB_SOLICITED),
    refuse(
        "multi-1",
        "Two signed Assertions for different subjects",
        "SAML Profiles §4.1.4.2; XSW defence",
        Mutation::Sign(sign::two_assertions),
        "single-assertion",
    ),
    refuse(
        "relay-1",
        "Correct Response posted with a changed RelayState",
        RELAY,
        Mutation::Flow(Flow::TamperRelayState),
        "relay-state",
    )
    .advice(ADVICE_RELAY),
    refuse(
        "relay-2",
        "Correct Response posted without the RelayState the service sent",
        RELAY,
        Mutation::Flow(Flow::DropRelayState),
        "relay-state",
    )
    .advice(ADVICE_RELAY),
    refuse(
        "replay-1",
        "The same signed Response posted again from another browser",
        "SPID RT single-sign-on: replay protection; SAML Profiles §4.1.4.5",
        Mutation::Flow(Flow::ReplayResponse),
        "in-response-to,replay",
    )
    .obliged_by(OB_REPLAY),
    refuse(
        "replay-2",
        "Another login's signed Assertion in a new Response to this session's request",
        "SPID RT single-sign-on: replay protection (Assertion ID); SAML Profiles §4.1.4.5",
        Mutation::Flow(Flow::ReplayAssertion),
        "replay,subject-confirmation",
    )
    .obliged_by(OB_REPLAY),
    refuse(
        "sessidx-1",
        "SessionIndex present at SpidL2",
        RT_SSO_ASSERTION,
        Mutation::Plan(|p, ctx| {
            let v = ctx.ids.token();
            with_a(p, |a| a.session_index = Some(v))
        }),
        "session-index",
    )
    .advice(ADVICE_SESSION_INDEX)
    .needs(Premise::AboveL1),
    ResponseCase {
        id: "sessidx-2",
        title: "SessionIndex absent at SpidL1",
        rule: RT_SSO_ASSERTION,
        login: LoginAsk {
            level: 1,
            comparison: "minimum",
        },
        mutation: Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.authn_context_class_ref = s(Level::L1.uri());
                a.session_index = None
            })
        }),
        expect: Expect::Refuse,
        mutant: Some("session-index"),
        waiver: None,
        basis: Basis::Advice(ADVICE_SESSION_INDEX),
        premise: Premise::L1,
    },
    accept(
        "skew-1",
        "Response IssueInstant 1:50 in the future (inside the 2-minute skew)",
        "SAML Core §3.2.2 (IssueInstant); our ±2 min tolerance (no SPID figure)",
        Mutation::Plan(|p, ctx| p.issue_instant = instant(ctx, Duration::seconds(110))),
    )
    .advice(ADVICE_SKEW),
    refuse(
        "skew-2",
        "Response IssueInstant 2:10 in the future (outside the skew)",
        "SAML Core §3.2.2 (IssueInstant); our ±2 min tolerance (no SPID figure)",
        Mutation::Plan(|p, ctx| p.issue_instant = instant(ctx, Duration::seconds(130))),
        "response-issue-instant",
    )
    .advice(ADVICE_SKEW),
    accept(
        "skew-3",
        "Conditions NotOnOrAfter 1:50 ago (inside the skew)",
        "SAML Core §2.5.1.2 (NotBefore/NotOnOrAfter); our ±2 min tolerance (no SPID figure)",
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::seconds(-110));
            with_a(p, |a| a.not_on_or_after = v)
        }),
    )
    .advice(ADVICE_SKEW),
    refuse(
        "skew-4",
        "Conditions NotOnOrAfter 2:10 ago (outside the skew)",
        "SAML Core §2.5.1.2 (NotBefore/NotOnOrAfter); our ±2 min tolerance (no SPID figure)",
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::seconds(-130));
            with_a(p, |a| a.not_on_or_after = v)
        }),
        "conditions",
    )
    .advice(ADVICE_SKEW),
    refuse(
        "skew-5",
        "Conditions NotBefore 2:10 ahead (outside the skew)",
        "SAML Core §2.5.1.2 (NotBefore/NotOnOrAfter); our ±2 min tolerance (no SPID figure)",
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::seconds(130));
            with_a(p, |a| a.not_before = v)
        }),
        "conditions",
    )
    .advice(ADVICE_SKEW),
    accept(
        "skew-6",
        "Conditions NotBefore 1:50 ahead (inside the skew)",
        "SAML Core §2.5.1.2 (NotBefore/NotOnOrAfter); our ±2 min tolerance (no SPID figure)",
        Mutation::Plan(|p, ctx| {
            let v = instant(ctx, Duration::seconds(110));
            with_a(p, |a| a.not_before = v)
        }),
    )
    .advice(ADVICE_SKEW),
    refuse(
        "unsolicited-1",
        "Unsolicited Response (no InResponseTo anywhere)",
        "SPID RT single-sign-on: no unsolicited Responses",
        Mutation::Plan(|p, _ctx| {
            p.in_response_to = None;
            with_a(p, |a| a.confirmation_in_response_to = None)
        }),
        "in-response-to,subject-confirmation",
    )
    .obliged_by(OB_SOLICITED),
    refuse(
        "xxe-1",
        "A DOCTYPE declaring an external (SYSTEM) entity before the Response",
        "OWASP XXE; SAML Security §6",
        Mutation::Xml(external_entity),
        "no-dtd",
    )
    .advice(ADVICE_DTD),
];

#[cfg(test)]
mod tests {
    use super::*;
    use mock_idps::ids::IdGenerator;
    use mock_idps::spid::assertion::{success_plan, Issuer};
    use mock_idps::spid::level::Comparison;
    use mock_idps::spid::request_rules::ValidatedRequest;

    fn order_key(id: &str) -> (u8, u32, String) {
        let digits: String = id.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<u32>() {
            Ok(n) => (0, n, id[digits.len()..].to_string()),
            Err(_) if id.starts_with("xs") => (1, 0, id.to_string()),
            Err(_) => (2, 0, id.to_string()),
        }
    }

    #[test]
    fn ids_are_unique_and_in_catalogue_order() {
        for w in RESPONSE_CASES.windows(2) {
            assert!(
                order_key(w[0].id) < order_key(w[1].id),
                "{} before {}",
                w[0].id,
                w[1].id
            );
        }
    }

    #[test]
    fn every_refuse_case_names_a_known_mutant_or_a_waiver() {
        for c in RESPONSE_CASES {
            let refuses = matches!(
                c.expect,
                Expect::Refuse | Expect::ByLevel(_) | Expect::RefuseOrIntact(_)
            );
            match (c.mutant, c.waiver) {
                (Some(m), _) => {
                    assert!(refuses, "{}: only refuse cases name a mutant", c.id);
                    assert!(
                        reference_sp::faults::Faults::parse(m).is_ok(),
                        "{}: unknown switch in {m}",
                        c.id
                    );
                }
                (None, Some(w)) => assert!(!w.is_empty(), "{}", c.id),
                (None, None) => assert!(!refuses, "{} refuses but names no mutant", c.id),
            }
        }
    }

    #[test]
    fn every_plan_mutation_changes_the_plan() {
        let fixtures = mock_idps::fixtures::Fixtures::embedded().unwrap();
        let user = fixtures.user("mario.rossi").unwrap();
        let key = fixtures.keys["poste"].clone();
        let rogue = fixtures.keys["aruba"].clone();
        let ids = IdGenerator::seeded(7);
        let request = ValidatedRequest {
            id: "_req".into(),
            sp_entity_id: "https://sp.test/".into(),
            level: Level::L2,
            comparison: Comparison::Minimum,
            acs_url: "https://sp.test/acs".into(),
            attributes: vec!["fiscalNumber".into(), "name".into()],
            purpose: None,
        };
        let now = time::OffsetDateTime::now_utc();
        let base = success_plan(
            Issuer {
                entity_id: "https://idp.test/",
                response_issuer_format: true,
            },
            &request,
            user,
            Level::L2,
            "nameid".into(),
            "sess",
            now,
            Duration::minutes(5),
            &ids,
        );
        let ctx = Ctx {
            request: &request,
            idp_entity_id: "https://idp.test/",
            now,
            key: &key,
            rogue_key: &rogue,
            ids: &ids,
        };
        let signed = base.sign(&key).unwrap();
        for c in RESPONSE_CASES {
            match c.mutation {
                Mutation::Plan(f) => {
                    let mut p = base.clone();
                    f(&mut p, &ctx);
                    // Level cases that ask for the level the plan already has change nothing
                    // by design: they test the matrix, not a field.
                    if !matches!(c.expect, Expect::ByLevel(_)) {
                        assert_ne!(p, base, "{}: the plan mutation changes nothing", c.id);
                    }
                }
                Mutation::Unsigned(f) => {
                    let x = base.to_xml();
                    assert_ne!(f(x.clone(), &ctx), x, "{}: the edit changes nothing", c.id);
                }
                Mutation::Xml(f) => {
                    assert_ne!(f(signed.clone(), &ctx), signed, "{}: no change", c.id);
                }
                Mutation::Sign(f) => {
                    let out = f(&base, &ctx).unwrap();
                    assert!(uppsala::parse(&out).is_ok(), "{}: not well-formed", c.id);
                }
                Mutation::None | Mutation::Flow(_) => {}
            }
        }
    }

    const OBLIGATIONS_DOC: &str = include_str!("../../../docs/rules/sp-obligations.md");

    #[test]
    fn every_obligation_is_documented_and_every_case_records_its_basis() {
        for id in OBLIGATIONS
            .iter()
            .chain([&crate::conformance::logout::OB_SLO])
        {
            assert!(
                OBLIGATIONS_DOC.contains(&format!("## {id}:")),
                "{id} has no section in docs/rules/sp-obligations.md"
            );
        }
        let logout = crate::conformance::logout::LOGOUT_CASES
            .iter()
            .map(|c| (c.id, c.basis));
        let cie = crate::conformance::cie_cases::CIE_RESPONSE_CASES
            .iter()
            .map(|c| (c.id, c.basis));
        let all: Vec<_> = RESPONSE_CASES
            .iter()
            .map(|c| (c.id, c.basis))
            .chain(logout)
            .chain(cie)
            .collect();
        assert!(
            all.iter().any(|(id, _)| id.starts_with("cie-")),
            "the CIE cases are covered"
        );
        for (id, basis) in all {
            match basis {
                Basis::Sp(ob) => assert!(
                    OBLIGATIONS.contains(&ob) || ob == crate::conformance::logout::OB_SLO,
                    "{id}: unknown obligation {ob}"
                ),
                Basis::Advice(why) => {
                    assert!(!why.is_empty(), "{id}");
                    // The advice table names the case (or its family, e.g. skew-1 … skew-6).
                    let family = id.trim_end_matches(|c: char| c.is_ascii_digit());
                    assert!(
                        OBLIGATIONS_DOC.contains(id)
                            || OBLIGATIONS_DOC.contains(&format!("{family}1 …")),
                        "{id} is advice but docs/rules/sp-obligations.md does not say why"
                    );
                }
            }
        }
    }

    #[test]
    fn advice_says_so_in_its_title_and_the_known_false_positives_are_advice() {
        for c in RESPONSE_CASES {
            let title = c.reported_title();
            assert_eq!(
                title.contains("(advice, warning only)"),
                matches!(c.basis, Basis::Advice(_)),
                "{}",
                c.id
            );
        }
        for id in [
            "relay-1",
            "relay-2",
            "skew-2",
            "skew-3",
            "skew-6",
            "sessidx-1",
            "sessidx-2",
        ] {
            let c = RESPONSE_CASES.iter().find(|c| c.id == id).unwrap();
            assert!(matches!(c.basis, Basis::Advice(_)), "{id} must be advice");
        }
        for id in [
            "2",
            "xsw1",
            "replay-1",
            "replay-2",
            "unsolicited-1",
            "acr-L1-minimum-L2",
        ] {
            let c = RESPONSE_CASES.iter().find(|c| c.id == id).unwrap();
            assert!(
                matches!(c.basis, Basis::Sp(_)),
                "{id} must be an SP obligation"
            );
        }
    }

    #[test]
    fn an_upgraded_answer_to_an_l1_request_keeps_its_session_index() {
        // Regole tecniche SPID, single-sign-on (Assertion): by the requested level.
        let fixtures = mock_idps::fixtures::Fixtures::embedded().unwrap();
        let key = fixtures.keys["poste"].clone();
        let ids = IdGenerator::seeded(9);
        let mut request = ValidatedRequest {
            id: "_req".into(),
            sp_entity_id: "https://sp.test/".into(),
            level: Level::L1,
            comparison: Comparison::Minimum,
            acs_url: "https://sp.test/acs".into(),
            attributes: vec![],
            purpose: None,
        };
        let user = fixtures.user("mario.rossi").unwrap();
        let ctx = |r: &ValidatedRequest| {
            let now = time::OffsetDateTime::now_utc();
            let mut p = success_plan(
                Issuer {
                    entity_id: "https://idp.test/",
                    response_issuer_format: true,
                },
                r,
                user,
                r.level,
                "nameid".into(),
                "sess",
                now,
                Duration::minutes(5),
                &ids,
            );
            let c = Ctx {
                request: r,
                idp_entity_id: "https://idp.test/",
                now,
                key: &key,
                rogue_key: &key,
                ids: &ids,
            };
            l3(&mut p, &c);
            p.assertion.unwrap().session_index
        };
        assert!(
            ctx(&request).is_some(),
            "L1 request, L3 answer: SessionIndex kept"
        );
        request.level = Level::L2;
        assert!(ctx(&request).is_none(), "L2 request: no SessionIndex");
    }

    #[test]
    fn the_wrapped_subject_is_another_well_formed_fiscal_number() {
        let code = WRAPPED_FISCAL_NUMBER.strip_prefix("TINIT-").unwrap();
        let valid = mock_idps::spid::fiscal_code::validate(code);
        assert!(valid.is_ok(), "{valid:?}");
        let fixtures = mock_idps::fixtures::Fixtures::embedded().unwrap();
        assert!(fixtures
            .users
            .iter()
            .all(|u| !format!("{u:?}").contains(code)));
    }

    #[test]
    fn catalogue_size() {
        assert!(RESPONSE_CASES.len() >= 150, "{}", RESPONSE_CASES.len());
    }
}
