//! The AuthnRequest check table. Ids follow spid-sp-test's `test_AuthnRequest*`,
//! `test_Issuer`, `test_NameIDPolicy`, `test_RequestedAuthnContext`, `test_RelayState`,
//! `test_Signature` and `test_xmldsig` in kebab case; rules cite the SPID technical rules (RT
//! single-sign-on.rst), SAML Core and SAML Bindings (docs/rules/spid-saml.md).

use super::{with_root, Applies, RequestCheck};
use crate::conformance::check::{shown, signed_info_algorithms, Outcome};
use mock_idps::saml::dsig::{verify_enveloped, DsigError};
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::Node;
use mock_idps::spid::level::Level;

// The allowed algorithms are the SAML core's one table (SPT constants).
use mock_idps::saml::dsig::{DIGEST_ALLOWED, SIG_ALLOWED};
/// Comparison values (RT single-sign-on.rst).
const COMPARISONS: &[&str] = &["exact", "minimum", "better", "maximum"];
/// spid:Purpose codes (Avvisi 15, 18 v2; docs/rules/spid-saml.md).
const PURPOSES: &[&str] = &["P", "LP", "PG", "PF", "PX"];
/// RelayState limit (SAML Bindings §3.4.3, §3.5.3).
const RELAY_STATE_MAX: usize = 80;

crate::conformance::check::check_table! {
/// Every AuthnRequest check, in report order.
pub static REQUEST_CHECKS: [RequestCheck; applies: Applies] = [
    check!("req-decodes", Error, Both, "SAML Bindings §3.4.4, §3.5.4; SPT load [2.0.0]",
        "SAMLRequest decodes (base64, DEFLATE on Redirect) to a samlp:AuthnRequest",
        "send the AuthnRequest DEFLATE-compressed then base64 on HTTP-Redirect, base64 on HTTP-POST",
        |c| match c.root() {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        }),
    check!("req-no-dtd", Error, Both, "SAML Core §1.3 (no DTD in protocol messages); RT single-sign-on.rst",
        "the XML has no DOCTYPE",
        "emit the AuthnRequest without a document type declaration",
        |c| match &c.captured.xml {
            Ok(x) => Outcome::check(!x.contains("<!DOCTYPE") && !x.contains("<!ENTITY"), || "the AuthnRequest carries a DOCTYPE".into()),
            Err(e) => Outcome::Fail(format!("the AuthnRequest could not be decoded: {e}")),
        }),
    check!("req-no-leading-whitespace", Warning, Both, "SPT test_AuthnRequest_extra (no leading newlines)",
        "the XML starts with the XML declaration or the root element",
        "remove blank lines before the AuthnRequest",
        |c| match &c.captured.xml {
            Ok(x) => Outcome::check(!x.starts_with(char::is_whitespace), || "the AuthnRequest starts with whitespace".into()),
            Err(_) => Outcome::Pass,
        }),
    check!("req-id", Error, Both, "SAML Core §3.2.1; RT single-sign-on.rst; SPT test_AuthnRequest",
        "ID is present and not empty",
        "give every AuthnRequest a random ID (e.g. _ followed by a UUID)",
        |c| with_root(c, |r| Outcome::check(!r.attr("ID").unwrap_or_default().is_empty(), || "no ID".into()))),
    check!("req-id-format", Error, Both, "SAML Core §1.3.4 (xs:ID); XML Schema NCName",
        "ID is an xs:ID: starts with a letter or _, then letters, digits, '.', '-', '_'",
        "prefix the random part with _ (an ID must not start with a digit)",
        |c| with_root(c, |r| {
            let id = r.attr("ID").unwrap_or_default();
            Outcome::check(is_ncname(id), || format!("ID {id:?} is not an xs:ID"))
        })),
    check!("req-id-unique", Error, Both, "SAML Core §1.3.4 (unique identifiers); RT single-sign-on.rst",
        "every AuthnRequest has a new ID",
        "generate the ID randomly for each request (at least 128 bits)",
        |c| with_root(c, |r| {
            let id = r.attr("ID").unwrap_or_default();
            Outcome::check(!c.other_ids.iter().any(|o| o == id), || format!("ID {id:?} was used by another request"))
        })),
    check!("req-version", Error, Both, "SAML Core §3.2.1; SPT test_AuthnRequest",
        "Version=\"2.0\"",
        "set Version=\"2.0\"",
        |c| with_root(c, |r| {
            let v = r.attr("Version");
            Outcome::check(v == Some("2.0"), || format!("Version is {}", shown(&v)))
        })),
    check!("req-issue-instant", Error, Both, "SAML Core §3.2.1; SPT test_AuthnRequest",
        "IssueInstant is present",
        "set IssueInstant to the current UTC time",
        |c| with_root(c, |r| Outcome::check(r.attr("IssueInstant").is_some(), || "no IssueInstant".into()))),
    check!("req-issue-instant-format", Error, Both, "RT single-sign-on.rst (UTC, e.g. 2017-03-05T18:03:10.531Z); SPT test_AuthnRequest",
        "IssueInstant is an xs:dateTime in UTC, ending in Z",
        "format IssueInstant as YYYY-MM-DDThh:mm:ss.sssZ in UTC",
        |c| with_root(c, |r| match r.attr("IssueInstant") {
            None => Outcome::Pass,
            Some(t) => Outcome::check(utc_instant(t).is_some(), || format!("IssueInstant {t:?} is not UTC with Z")),
        })),
    check!("req-issue-instant-skew", Warning, Both, "RT messaggi-errore.rst (nr13: IssueInstant consistent with arrival; the rules give no figure, the ±2 min are ours: a warning)",
        "IssueInstant is now, within the allowed clock skew",
        "synchronise the SP's clock (NTP) and stamp each request when it is built",
        |c| with_root(c, |r| match r.attr("IssueInstant").and_then(utc_instant) {
            None => Outcome::Pass,
            Some(t) => Outcome::check((t - c.now).abs() <= c.skew, || format!("IssueInstant {t} is {} s from now", (t - c.now).whole_seconds())),
        })),
    check!("req-destination", Error, Both, "RT single-sign-on.rst; SPT test_AuthnRequest",
        "Destination is present",
        "set Destination to the IdP's SingleSignOnService Location",
        |c| with_root(c, |r| Outcome::check(!r.attr("Destination").unwrap_or_default().is_empty(), || "no Destination".into()))),
    check!("req-destination-value", Error, Both, "RT single-sign-on.rst; Avviso 11 (entityID allowed); SPT test_AuthnRequest",
        "Destination is the IdP's SSO URL the request is sent to, or its entityID",
        "copy the SingleSignOnService Location of the IdP's metadata into Destination",
        |c| with_root(c, |r| match r.attr("Destination") {
            None => Outcome::Pass,
            Some(d) => Outcome::check([c.captured.sent_to.as_str(), c.idp_sso_url, c.idp_entity_id].contains(&d), || {
                format!("Destination {d:?}, sent to {:?}", c.captured.sent_to)
            }),
        })),
    check!("req-force-authn", Error, Both, "RT single-sign-on.rst (ForceAuthn above SpidL1); SPT test_AuthnRequest_SPID",
        "ForceAuthn=\"true\" when SpidL2 or SpidL3 is requested",
        "set ForceAuthn=\"true\" on every request above SpidL1",
        |c| with_root(c, |r| {
            let above_l1 = class_refs(r).iter().filter_map(|u| Level::from_uri(u)).any(|l| l > Level::L1);
            let force = matches!(r.attr("ForceAuthn"), Some("true") | Some("1"));
            Outcome::check(!above_l1 || force, || format!("ForceAuthn is {:?} at a level above SpidL1", r.attr("ForceAuthn")))
        })),
    check!("req-is-passive", Error, Both, "RT single-sign-on.rst (IsPassive must not be present; nr15); SPT test_AuthnRequest",
        "no IsPassive attribute",
        "remove IsPassive",
        |c| with_root(c, |r| Outcome::check(r.attr("IsPassive").is_none(), || format!("IsPassive={:?}", r.attr("IsPassive").unwrap_or_default())))),
    check!("req-acs-index-xor-url", Error, Both, "RT single-sign-on.rst (nr16); SPT test_AuthnRequest_SPID",
        "either AssertionConsumerServiceIndex, or AssertionConsumerServiceURL with ProtocolBinding, never both",
        "send AssertionConsumerServiceIndex alone (preferred), or the URL with ProtocolBinding",
        |c| with_root(c, |r| {
            let index = r.attr("AssertionConsumerServiceIndex").is_some();
            let url = r.attr("AssertionConsumerServiceURL").is_some();
            let binding = r.attr("ProtocolBinding").is_some();
            Outcome::check(index != url && url == binding && !(index && binding), || {
                format!("AssertionConsumerServiceIndex {index}, AssertionConsumerServiceURL {url}, ProtocolBinding {binding}")
            })
        })),
    check!("req-acs-index-in-metadata", Error, Both, "RT single-sign-on.rst; SPT test_AuthnRequest_SPID",
        "an AssertionConsumerServiceIndex is an index of the SP's metadata",
        "use an index of an md:AssertionConsumerService of your metadata",
        |c| with_root(c, |r| match r.attr("AssertionConsumerServiceIndex") {
            None => Outcome::Pass,
            Some(i) => Outcome::check(i.parse::<u32>().is_ok_and(|i| c.metadata.acs.iter().any(|a| a.index == i)), || {
                format!("AssertionConsumerServiceIndex {i:?} is not in the metadata")
            }),
        })),
    check!("req-acs-url-in-metadata", Error, Both, "RT single-sign-on.rst; SPT test_AuthnRequest_SPID",
        "an AssertionConsumerServiceURL is a Location of the SP's metadata",
        "use the Location of an md:AssertionConsumerService of your metadata",
        |c| with_root(c, |r| match r.attr("AssertionConsumerServiceURL") {
            None => Outcome::Pass,
            Some(u) => Outcome::check(c.metadata.acs.iter().any(|a| a.location == u), || format!("AssertionConsumerServiceURL {u:?} is not in the metadata")),
        })),
    check!("req-protocol-binding", Error, Both, "RT single-sign-on.rst (Response on HTTP-POST); SPT test_AuthnRequest_SPID",
        "with an AssertionConsumerServiceURL, ProtocolBinding is HTTP-POST",
        "set ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"",
        |c| with_root(c, |r| match (r.attr("AssertionConsumerServiceURL"), r.attr("ProtocolBinding")) {
            (Some(_), b) => Outcome::check(b == Some(ns::BINDING_POST), || format!("ProtocolBinding is {}", shown(&b))),
            (None, _) => Outcome::Pass,
        })),
    check!("req-attribute-index", Error, Both, "RT single-sign-on.rst; SPT test_AuthnRequest_SPID",
        "AttributeConsumingServiceIndex is present",
        "send the index of the AttributeConsumingService the service needs",
        |c| with_root(c, |r| Outcome::check(r.attr("AttributeConsumingServiceIndex").is_some(), || "no AttributeConsumingServiceIndex".into()))),
    check!("req-attribute-index-in-metadata", Error, Both, "RT single-sign-on.rst (nr18); SPT test_AuthnRequest_SPID",
        "AttributeConsumingServiceIndex is an index of the SP's metadata",
        "use an index of an md:AttributeConsumingService of your metadata",
        |c| with_root(c, |r| match r.attr("AttributeConsumingServiceIndex") {
            None => Outcome::Pass,
            Some(i) => Outcome::check(i.parse::<u32>().is_ok_and(|i| c.metadata.attribute_services.iter().any(|a| a.index == i)), || {
                format!("AttributeConsumingServiceIndex {i:?} is not in the metadata")
            }),
        })),
    check!("req-issuer", Error, Both, "RT single-sign-on.rst; SPT test_Issuer",
        "saml:Issuer is present",
        "add <saml:Issuer> with the SP's entityID",
        |c| with_root(c, |r| Outcome::check(issuer(r).is_some(), || "no saml:Issuer".into()))),
    check!("req-issuer-value", Error, Both, "RT single-sign-on.rst (nr10); SPT test_Issuer",
        "saml:Issuer is the SP's entityID",
        "put the entityID of your metadata in saml:Issuer",
        |c| with_root(c, |r| match issuer(r) {
            None => Outcome::Pass,
            Some(i) => {
                let t = i.text();
                Outcome::check(t.trim() == c.metadata.entity_id, || format!("Issuer {t:?}, entityID {:?}", c.metadata.entity_id))
            }
        })),
    check!("req-issuer-format", Error, Both, "RT single-sign-on.rst; SPT test_Issuer",
        "saml:Issuer Format is urn:oasis:names:tc:SAML:2.0:nameid-format:entity",
        "add Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\" to saml:Issuer",
        |c| with_root(c, |r| match issuer(r) {
            None => Outcome::Pass,
            Some(i) => Outcome::check(i.attr("Format") == Some(ns::NAMEID_ENTITY), || format!("Issuer Format is {:?}", i.attr("Format"))),
        })),
    check!("req-issuer-name-qualifier", Error, Both, "RT single-sign-on.rst; SPT test_Issuer",
        "saml:Issuer has a NameQualifier",
        "add NameQualifier (the SP's entityID) to saml:Issuer",
        |c| with_root(c, |r| match issuer(r) {
            None => Outcome::Pass,
            Some(i) => Outcome::check(!i.attr("NameQualifier").unwrap_or_default().is_empty(), || "Issuer has no NameQualifier".into()),
        })),
    check!("req-name-id-policy", Error, Both, "RT single-sign-on.rst; SPT test_NameIDPolicy",
        "samlp:NameIDPolicy is present",
        "add <samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:transient\"/>",
        |c| with_root(c, |r| Outcome::check(r.child(ns::PROTOCOL, "NameIDPolicy").is_some(), || "no NameIDPolicy".into()))),
    check!("req-name-id-policy-format", Error, Both, "RT single-sign-on.rst; SPT test_NameIDPolicy",
        "NameIDPolicy Format is transient",
        "set NameIDPolicy Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:transient\"",
        |c| with_root(c, |r| match r.child(ns::PROTOCOL, "NameIDPolicy") {
            None => Outcome::Pass,
            Some(p) => Outcome::check(p.attr("Format") == Some(ns::NAMEID_TRANSIENT), || format!("NameIDPolicy Format is {:?}", p.attr("Format"))),
        })),
    check!("req-name-id-policy-allow-create", Error, Both, "Avviso SPID n. 5; SPT test_NameIDPolicy",
        "NameIDPolicy has no AllowCreate",
        "remove AllowCreate from NameIDPolicy",
        |c| with_root(c, |r| match r.child(ns::PROTOCOL, "NameIDPolicy") {
            None => Outcome::Pass,
            Some(p) => Outcome::check(p.attr("AllowCreate").is_none(), || format!("AllowCreate={:?}", p.attr("AllowCreate").unwrap_or_default())),
        })),
    check!("req-requested-authn-context", Error, Both, "RT single-sign-on.rst (nr12); SPT test_RequestedAuthnContext",
        "exactly one samlp:RequestedAuthnContext",
        "add one <samlp:RequestedAuthnContext Comparison=\"minimum\"> with the SPID level",
        |c| with_root(c, |r| {
            let n = r.children(ns::PROTOCOL, "RequestedAuthnContext").count();
            Outcome::check(n == 1, || format!("{n} RequestedAuthnContext"))
        })),
    check!("req-comparison", Error, Both, "RT single-sign-on.rst; SPT test_RequestedAuthnContext",
        "Comparison is present and one of exact, minimum, better, maximum",
        "set Comparison=\"minimum\" (or exact, better, maximum)",
        |c| with_root(c, |r| match r.child(ns::PROTOCOL, "RequestedAuthnContext") {
            None => Outcome::Pass,
            Some(rac) => {
                let v = rac.attr("Comparison");
                Outcome::check(v.is_some_and(|v| COMPARISONS.contains(&v)), || format!("Comparison is {}", shown(&v)))
            }
        })),
    check!("req-authn-context-single", Error, Both, "RT single-sign-on.rst (nr12); SPT test_RequestedAuthnContext",
        "exactly one AuthnContextClassRef",
        "request one SPID level",
        |c| with_root(c, |r| match r.child(ns::PROTOCOL, "RequestedAuthnContext") {
            None => Outcome::Pass,
            Some(_) => {
                let n = class_refs(r).len();
                Outcome::check(n == 1, || format!("{n} AuthnContextClassRef"))
            }
        })),
    check!("req-authn-context-class-ref", Error, Both, "RT single-sign-on.rst (https://www.spid.gov.it/SpidL1-3; nr12); SPT test_RequestedAuthnContext",
        "every AuthnContextClassRef is a SPID level URI",
        "use https://www.spid.gov.it/SpidL1, SpidL2 or SpidL3 (not the old urn:oasis:…:SpidLx)",
        |c| with_root(c, |r| {
            let bad: Vec<String> = class_refs(r).into_iter().filter(|u| Level::from_uri(u).is_none()).collect();
            Outcome::check(bad.is_empty(), || format!("AuthnContextClassRef {bad:?}"))
        })),
    check!("req-subject", Error, Both, "RT single-sign-on.rst; SPT test_Subject",
        "saml:Subject, if present, has one NameID with Format and NameQualifier",
        "remove saml:Subject, or give its NameID a Format and a NameQualifier",
        |c| with_root(c, |r| match r.child(ns::ASSERTION, "Subject") {
            None => Outcome::Pass,
            Some(s) => {
                let ids: Vec<Node<'_, '_>> = s.children(ns::ASSERTION, "NameID").collect();
                let ok = ids.len() == 1 && ids[0].attr("Format").is_some() && ids[0].attr("NameQualifier").is_some();
                Outcome::check(ok, || "Subject without exactly one NameID carrying Format and NameQualifier".into())
            }
        })),
    check!("req-conditions", Error, Both, "RT single-sign-on.rst; SPT test_Conditions",
        "at most one saml:Conditions, with NotBefore and NotOnOrAfter in UTC",
        "remove saml:Conditions or write its instants in UTC with Z",
        |c| with_root(c, |r| {
            let conds: Vec<Node<'_, '_>> = r.children(ns::ASSERTION, "Conditions").collect();
            if conds.len() > 1 {
                return Outcome::Fail(format!("{} Conditions", conds.len()));
            }
            let bad: Vec<String> = conds.iter()
                .flat_map(|c| [c.attr("NotBefore"), c.attr("NotOnOrAfter")])
                .flatten()
                .filter(|t| utc_instant(t).is_none())
                .map(str::to_string)
                .collect();
            Outcome::check(bad.is_empty(), || format!("Conditions instants {bad:?} are not UTC"))
        })),
    check!("req-scoping", Error, Both, "RT single-sign-on.rst (Scoping ProxyCount=0)",
        "samlp:Scoping, if present, has ProxyCount=\"0\"",
        "remove samlp:Scoping or set ProxyCount=\"0\"",
        |c| with_root(c, |r| match r.child(ns::PROTOCOL, "Scoping") {
            None => Outcome::Pass,
            Some(s) => Outcome::check(s.attr("ProxyCount") == Some("0"), || format!("ProxyCount is {:?}", s.attr("ProxyCount"))),
        })),
    check!("req-scoping-requester-id", Warning, Both, "RT single-sign-on.rst (RequesterID for future use)",
        "samlp:Scoping carries no RequesterID",
        "remove RequesterID",
        |c| with_root(c, |r| {
            let has = r.child(ns::PROTOCOL, "Scoping").is_some_and(|s| s.child(ns::PROTOCOL, "RequesterID").is_some());
            Outcome::check(!has, || "Scoping has a RequesterID".into())
        })),
    check!("req-purpose", Error, Both, "Avvisi SPID 15, 18 v2 (spid:Purpose)",
        "spid:Purpose, if present, is P, LP, PG, PF or PX",
        "send one of the Purpose codes of Avviso 18, or none",
        |c| with_root(c, |r| {
            let bad: Vec<String> = r.child(ns::PROTOCOL, "Extensions")
                .map(|e| e.children(ns::SPID, "Purpose").map(|p| p.text().trim().to_string()).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .filter(|p| !PURPOSES.contains(&p.as_str()))
                .collect();
            Outcome::check(bad.is_empty(), || format!("spid:Purpose {bad:?}"))
        })),
    check!("req-relay-state", Error, Both, "RT single-sign-on.rst; SPT test_RelayState",
        "RelayState is present",
        "send a RelayState (an opaque reference to the SP's own state)",
        |c| Outcome::check(c.captured.relay_state.as_deref().is_some_and(|r| !r.is_empty()), || "no RelayState".into())),
    check!("req-relay-state-length", Error, Both, "SAML Bindings §3.4.3, §3.5.3 (at most 80 bytes)",
        "RelayState is at most 80 bytes",
        "keep the state server-side and send a short opaque key",
        |c| match &c.captured.relay_state {
            None => Outcome::Pass,
            Some(r) => Outcome::check(r.len() <= RELAY_STATE_MAX, || format!("RelayState is {} bytes", r.len())),
        }),
    check!("req-relay-state-opaque", Error, Both, "RT single-sign-on.rst (not immediately intelligible); SPT test_RelayState",
        "RelayState holds no URL (it must not be immediately intelligible)",
        "send an opaque key instead of the return URL",
        |c| match &c.captured.relay_state {
            None => Outcome::Pass,
            Some(r) => Outcome::check(!r.to_ascii_lowercase().contains("http") && !r.contains("://"), || format!("RelayState {r:?} reveals a URL")),
        }),
    check!("req-redirect-sigalg", Error, Redirect, "SAML Bindings §3.4.4.1; RT (nr04); SPT test_Signature",
        "the Redirect query carries SigAlg",
        "sign the Redirect query: add SigAlg and Signature",
        |c| Outcome::check(c.captured.redirect.as_ref().is_some_and(|m| m.sig_alg.is_some()), || "no SigAlg parameter".into())),
    check!("req-redirect-signature", Error, Redirect, "SAML Bindings §3.4.4.1; RT (nr04); SPT test_Signature",
        "the Redirect query carries Signature",
        "sign the Redirect query: add SigAlg and Signature",
        |c| Outcome::check(c.captured.redirect.as_ref().is_some_and(|m| m.signature.is_some()), || "no Signature parameter".into())),
    check!("req-redirect-sigalg-allowed", Error, Redirect, "RT trasmissione.rst (SHA-256+); SPT test_Signature",
        "SigAlg is RSA or ECDSA with SHA-256 or stronger",
        "sign with http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        |c| match c.captured.redirect.as_ref().and_then(|m| m.sig_alg.as_deref()) {
            None => Outcome::Fail("no SigAlg".into()),
            Some(a) => Outcome::check(SIG_ALLOWED.contains(&a), || format!("SigAlg {a}")),
        }),
    check!("req-redirect-signature-valid", Error, Redirect, "SAML Bindings §3.4.4.1 (over the raw query octets); RT (nr05); SPT test_xmldsig",
        "the query signature verifies with the metadata's signing certificate",
        "sign SAMLRequest=…&RelayState=…&SigAlg=… exactly as sent, with the key of the metadata certificate",
        |c| match &c.captured.redirect {
            None => Outcome::Fail("the Redirect message could not be decoded".into()),
            Some(m) => match m.verify(&c.metadata.signing_certs) {
                Ok(()) => Outcome::Pass,
                Err(e) => Outcome::Fail(e.to_string()),
            },
        }),
    check!("req-redirect-no-xml-signature", Error, Redirect, "SAML Bindings §3.4.4.1 (the XML signature is removed)",
        "the Redirect XML carries no ds:Signature",
        "on HTTP-Redirect sign the query only, not the XML",
        |c| with_root(c, |r| Outcome::check(r.child(ns::DSIG, "Signature").is_none(), || "the AuthnRequest XML carries a ds:Signature".into()))),
    check!("req-post-signature", Error, Post, "RT single-sign-on.rst (nr07); SPT test_Signature",
        "the POST AuthnRequest carries an enveloped ds:Signature",
        "sign the AuthnRequest (enveloped signature after saml:Issuer)",
        |c| with_root(c, |r| Outcome::check(r.child(ns::DSIG, "Signature").is_some(), || "no ds:Signature child of the AuthnRequest".into()))),
    check!("req-post-signature-algorithm", Error, Post, "RT trasmissione.rst (SHA-256+); SPT test_Signature",
        "SignatureMethod is RSA or ECDSA with SHA-256 or stronger",
        "sign with http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        |c| with_root(c, |r| algorithms(r, "SignatureMethod", SIG_ALLOWED))),
    check!("req-post-digest-algorithm", Error, Post, "RT trasmissione.rst (SHA-256+); SPT test_Signature",
        "DigestMethod is SHA-256 or stronger",
        "digest with http://www.w3.org/2001/04/xmlenc#sha256",
        |c| with_root(c, |r| algorithms(r, "DigestMethod", DIGEST_ALLOWED))),
    check!("req-post-signature-valid", Error, Post, "RT single-sign-on.rst (nr07); SPT test_xmldsig",
        "the signature verifies with the metadata's signing certificate",
        "sign after the last change, with the key of the metadata certificate",
        |c| with_root(c, |r| {
            let Ok(doc) = &c.doc else {
                return Outcome::Fail("the AuthnRequest could not be parsed".into());
            };
            match verify_enveloped(doc, r, &c.metadata.signing_certs) {
                Ok(()) | Err(DsigError::Wrapped) => Outcome::Pass,
                Err(DsigError::Algorithm(a)) => Outcome::Fail(format!("not verified: algorithm {a} is refused")),
                Err(e) => Outcome::Fail(e.to_string()),
            }
        })),
    check!("req-post-signature-covers-root", Error, Post, "XML-DSig enveloped signature; SAML Core §5.4.2",
        "the signature's only Reference is the AuthnRequest itself",
        "sign the AuthnRequest element: Reference URI=\"#<its ID>\"",
        |c| with_root(c, |r| {
            let refs: Vec<String> = r.child(ns::DSIG, "Signature")
                .and_then(|s| s.child(ns::DSIG, "SignedInfo"))
                .map(|si| si.children(ns::DSIG, "Reference").map(|x| x.attr("URI").unwrap_or_default().to_string()).collect())
                .unwrap_or_default();
            let id = r.attr("ID").unwrap_or_default();
            Outcome::check(!id.is_empty() && refs.len() == 1 && refs[0] == format!("#{id}"), || format!("References {refs:?}, AuthnRequest ID {id:?}"))
        })),
];
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// `t` as an instant, if it is RFC 3339 in UTC with `Z`.
fn utc_instant(t: &str) -> Option<time::OffsetDateTime> {
    if !t.ends_with('Z') {
        return None;
    }
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
}

fn issuer<'d, 'a>(r: Node<'d, 'a>) -> Option<Node<'d, 'a>> {
    r.child(ns::ASSERTION, "Issuer")
}

fn class_refs(r: Node<'_, '_>) -> Vec<String> {
    r.child(ns::PROTOCOL, "RequestedAuthnContext")
        .map(|rac| {
            rac.children(ns::ASSERTION, "AuthnContextClassRef")
                .map(|c| c.text().trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn algorithms(r: Node<'_, '_>, element: &'static str, allowed: &[&str]) -> Outcome {
    let Some(si) = r
        .child(ns::DSIG, "Signature")
        .and_then(|s| s.child(ns::DSIG, "SignedInfo"))
    else {
        return Outcome::Fail("the AuthnRequest is not signed".into());
    };
    let found = signed_info_algorithms(si, element);
    Outcome::check(
        !found.is_empty() && found.iter().all(|a| allowed.contains(&a.as_str())),
        || format!("{element} {found:?}"),
    )
}
