use crate::support::{refused_check, world, Login, World};
use mock_idps::fixtures::Fixtures;
use mock_idps::saml::keys::SigningKey;
use reference_sp::faults::{Faults, ALL};
use rstest::rstest;
use std::sync::Arc;

/// What a mutation needs: the IdP's key, a key the SP does not trust, and the clock.
struct Ctx {
    key: Arc<SigningKey>,
    stranger: Arc<SigningKey>,
    now: time::OffsetDateTime,
}

fn ctx(w: &World) -> Ctx {
    let fx = Fixtures::embedded().unwrap();
    Ctx {
        key: fx.keys["aruba"].clone(),
        stranger: fx.keys["poste"].clone(),
        now: w.clock_now(),
    }
}

impl World {
    fn clock_now(&self) -> time::OffsetDateTime {
        use mock_idps::clock::Clock;
        self.clock.now()
    }
}

fn instant(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Removes every ds:Signature element.
fn strip_signatures(xml: &str) -> String {
    let mut out = xml.to_string();
    while let Some(start) = out.find("<ds:Signature") {
        let end = out[start..].find("</ds:Signature>").unwrap() + start + "</ds:Signature>".len();
        out.replace_range(start..end, "");
    }
    out
}

/// The range of the start tag beginning with `tag` (first occurrence).
fn start_tag(xml: &str, tag: &str) -> std::ops::Range<usize> {
    let start = xml
        .find(&format!("{tag} "))
        .or_else(|| xml.find(&format!("{tag}>")))
        .unwrap();
    let end = xml[start..].find('>').unwrap() + start;
    start..end
}

/// Sets (or adds) `attr` on the first `tag` start tag.
fn set_attr(xml: &str, tag: &str, attr: &str, value: &str) -> String {
    let r = start_tag(xml, tag);
    let head = &xml[r.clone()];
    let key = format!(" {attr}=\"");
    let new_head = match head.find(&key) {
        Some(i) => {
            let vstart = i + key.len();
            let vend = head[vstart..].find('"').unwrap() + vstart;
            format!("{}{}{}", &head[..vstart], value, &head[vend..])
        }
        None => format!("{head}{key}{value}\""),
    };
    format!("{}{}{}", &xml[..r.start], new_head, &xml[r.end..])
}

/// Removes `attr` from the first `tag` start tag.
fn remove_attr(xml: &str, tag: &str, attr: &str) -> String {
    let r = start_tag(xml, tag);
    let head = &xml[r.clone()];
    let key = format!(" {attr}=\"");
    let i = head.find(&key).unwrap();
    let vend = head[i + key.len()..].find('"').unwrap() + i + key.len() + 1;
    format!(
        "{}{}{}{}",
        &xml[..r.start],
        &head[..i],
        &head[vend..],
        &xml[r.end..]
    )
}

fn attr_of(xml: &str, tag: &str, attr: &str) -> String {
    let r = start_tag(xml, tag);
    let head = &xml[r];
    let key = format!(" {attr}=\"");
    let i = head.find(&key).unwrap() + key.len();
    head[i..i + head[i..].find('"').unwrap()].to_string()
}

fn sign(xml: &str, id: &str, key: &SigningKey) -> String {
    mock_idps::saml::dsig::sign_enveloped(xml, id, key).unwrap()
}

/// Strips every signature, applies `f`, and signs the Assertion again with the IdP's key (the
/// Response signature is optional, so it is left off).
fn resigned(c: &Ctx, xml: &str, f: impl FnOnce(String) -> String) -> String {
    let xml = f(strip_signatures(xml));
    let id = attr_of(&xml, "<saml:Assertion", "ID");
    sign(&xml, &id, &c.key)
}

/// The Assertion signed with a SHA-1 digest (bergshamra, the IdP's key; aws-lc cannot make
/// RSA-SHA1 signatures, so the SignatureMethod stays RSA-SHA256).
fn sha1_signed(xml: &str) -> String {
    let xml = strip_signatures(xml);
    let id = attr_of(&xml, "<saml:Assertion", "ID");
    let at = xml.find("<saml:Assertion").unwrap();
    let issuer_end = xml[at..].find("</saml:Issuer>").unwrap() + at + "</saml:Issuer>".len();
    let template = format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
         <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
         <ds:Reference URI=\"#{id}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>\
         <ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>\
         <ds:SignatureValue></ds:SignatureValue></ds:Signature>"
    );
    let text = format!("{}{template}{}", &xml[..issuer_end], &xml[issuer_end..]);
    let mut doc = uppsala::parse(&text).unwrap();
    let root = doc.document_element().unwrap();
    let sig = doc
        .descendants(root)
        .into_iter()
        .find(|n| {
            doc.element(*n)
                .is_some_and(|e| e.name.local_name.as_ref() == "Signature")
        })
        .unwrap();
    let key = bergshamra::keys::loader::load_rsa_private_pem(
        include_str!("../../../fixtures/keys/aruba.key.pem").as_bytes(),
    )
    .unwrap();
    let mut keys = bergshamra::KeysManager::new();
    keys.add_key(key);
    let ctx = bergshamra::DsigContext::new(keys);
    bergshamra::dsig::sign::sign_document_node(&ctx, &mut doc, sig).unwrap();
    doc.to_xml()
}

/// A signature of the Response root placed inside the Assertion: valid, but not the
/// Assertion's (the signed-node rule).
fn misplaced_signature(c: &Ctx, xml: &str) -> String {
    let xml = strip_signatures(xml);
    let rid = attr_of(&xml, "<samlp:Response", "ID");
    let signed = sign(&xml, &rid, &c.key);
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = signed[start..end].to_string();
    let mut rest = signed.clone();
    rest.replace_range(start..end, "");
    let at = rest.find("<saml:Assertion").unwrap();
    let issuer_end = rest[at..].find("</saml:Issuer>").unwrap() + at + "</saml:Issuer>".len();
    rest.insert_str(issuer_end, &sig);
    rest
}

/// Two Assertions, each validly signed.
fn two_assertions(c: &Ctx, xml: &str) -> String {
    let xml = strip_signatures(xml);
    let aid = attr_of(&xml, "<saml:Assertion", "ID");
    let start = xml.find("<saml:Assertion").unwrap();
    let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let copy = xml[start..end].replace(&aid, "_second_assertion");
    let mut doubled = xml.clone();
    doubled.insert_str(end, &copy);
    let once = sign(&doubled, &aid, &c.key);
    sign(&once, "_second_assertion", &c.key)
}

/// The cases that set one attribute of the first start tag `tag` and re-sign:
/// `(tag, attribute, value)`.
fn attribute_edit(c: &Ctx, name: &str) -> Option<(&'static str, &'static str, String)> {
    let hour = time::Duration::hours(1);
    let evil_acs = || "https://evil.example/acs".to_string();
    let edit = match name {
        "assertion-issue-instant" => ("<saml:Assertion", "IssueInstant", instant(c.now + hour)),
        "conditions" => ("<saml:Conditions", "NotOnOrAfter", instant(c.now - hour)),
        "destination" => ("<samlp:Response", "Destination", evil_acs()),
        "in-response-to" => ("<samlp:Response", "InResponseTo", "_not_ours".into()),
        "issuer-format" => ("<saml:Issuer", "Format", NAMEID_UNSPECIFIED.into()),
        "response-issue-instant" => ("<samlp:Response", "IssueInstant", instant(c.now + hour)),
        "session-index" => ("<saml:AuthnStatement", "SessionIndex", "_s1".into()),
        "status" => ("<samlp:StatusCode", "Value", STATUS_REQUESTER.into()),
        "subject-confirmation" => ("<saml:SubjectConfirmationData", "Recipient", evil_acs()),
        "version" => ("<samlp:Response", "Version", "2.1".into()),
        _ => return None,
    };
    Some(edit)
}

const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:unspecified";
const STATUS_REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";

/// The Response of case `name`: `x` broken the way its check refuses.
fn crafted(c: &Ctx, name: &str, x: &str) -> String {
    if let Some((tag, attribute, value)) = attribute_edit(c, name) {
        return resigned(c, x, |x| set_attr(&x, tag, attribute, &value));
    }
    match name {
        "assertion-id" => resigned(c, x, |x| {
            let aid = attr_of(&x, "<saml:Assertion", "ID");
            x.replace(&aid, &format!("1{}", &aid[1..]))
        }),
        "assertion-signature" => strip_signatures(x),
        "attributes" => resigned(c, x, |x| {
            let start = x
                .find("<saml:Attribute Name=\"email\"")
                .or_else(|| {
                    x.find("Name=\"email\"")
                        .map(|i| x[..i].rfind("<saml:Attribute").unwrap())
                })
                .unwrap();
            let end =
                x[start..].find("</saml:Attribute>").unwrap() + start + "</saml:Attribute>".len();
            format!("{}{}", &x[..start], &x[end..])
        }),
        "audience" => resigned(c, x, |x| {
            let s = x.find("<saml:Audience>").unwrap() + "<saml:Audience>".len();
            let e = x.find("</saml:Audience>").unwrap();
            format!("{}https://another-sp.example{}", &x[..s], &x[e..])
        }),
        "authn-context" => resigned(c, x, |x| {
            x.replace(
                "https://www.spid.gov.it/SpidL2",
                "urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2",
            )
        }),
        "issuer" => {
            resigned(c, x, |x| {
                // The first Issuer is the Response's.
                let s = x.find("<saml:Issuer").unwrap();
                let s = x[s..].find('>').unwrap() + s + 1;
                let e = x[s..].find("</saml:Issuer>").unwrap() + s;
                format!("{}https://another-idp.example{}", &x[..s], &x[e..])
            })
        }
        "name-id" => resigned(c, x, |x| remove_attr(&x, "<saml:NameID", "NameQualifier")),
        "no-dtd" => match x.strip_prefix("<?xml").and_then(|r| r.split_once("?>")) {
            Some((decl, rest)) => format!("<?xml{decl}?><!DOCTYPE samlp:Response>{rest}"),
            None => format!("<!DOCTYPE samlp:Response>{x}"),
        },
        "response-id" => resigned(c, x, |x| {
            let rid = attr_of(&x, "<samlp:Response", "ID");
            set_attr(&x, "<samlp:Response", "ID", &format!("1{}", &rid[1..]))
        }),
        "response-signature" => {
            let x = resigned(c, x, |x| x);
            let rid = attr_of(&x, "<samlp:Response", "ID");
            sign(&x, &rid, &c.stranger)
        }
        "signature-algorithm" => sha1_signed(x),
        "signed-node" => misplaced_signature(c, x),
        "single-assertion" => two_assertions(c, x),
        other => panic!("no mutation for {other}"),
    }
}

/// Posts a crafted Response in `faults`'s world; returns (status, refusing check).
async fn attempt(faults: Faults, name: &str) -> (u16, Option<String>, String) {
    let w = world(faults).await;
    if name == "replay" {
        // A second login's genuine Response carrying the first (consumed) Assertion's ID.
        let first = w.to_idp_answer(&Login::default()).await;
        let (status, _, _) = w.post_acs(&first, &first.xml).await;
        assert_eq!(status, 303);
        let used = attr_of(&first.xml, "<saml:Assertion", "ID");
        let second = w.to_idp_answer(&Login::default()).await;
        let c = ctx(&w);
        let fresh = attr_of(&second.xml, "<saml:Assertion", "ID");
        let crafted = resigned(&c, &second.xml, |x| x.replace(&fresh, &used));
        let (status, body, _) = w.post_acs(&second, &crafted).await;
        return (status, refused_check(&body), body);
    }
    let posted = w.to_idp_answer(&Login::default()).await;
    let crafted = crafted(&ctx(&w), name, &posted.xml);
    let (status, body, _) = w.post_acs(&posted, &crafted).await;
    (status, refused_check(&body), body)
}

#[rstest]
#[case("assertion-id")]
#[case("assertion-issue-instant")]
#[case("assertion-signature")]
#[case("attributes")]
#[case("audience")]
#[case("authn-context")]
#[case("conditions")]
#[case("destination")]
#[case("in-response-to")]
#[case("issuer")]
#[case("issuer-format")]
#[case("name-id")]
#[case("no-dtd")]
#[case("replay")]
#[case("response-id")]
#[case("response-issue-instant")]
#[case("response-signature")]
#[case("session-index")]
#[case("signature-algorithm")]
#[case("signed-node")]
#[case("single-assertion")]
#[case("status")]
#[case("subject-confirmation")]
#[case("version")]
#[tokio::test]
async fn strict_refuses_and_mutant_accepts(#[case] name: &str) {
    let (status, check, body) = attempt(Faults::none(), name).await;
    assert_eq!(status, 403, "strict SP must refuse the {name} case: {body}");
    assert_eq!(
        check.as_deref(),
        Some(name),
        "refused by the wrong check: {body}"
    );
    let (status, check, body) = attempt(Faults::parse(name).unwrap(), name).await;
    assert_eq!(
        status, 303,
        "mutant without {name} must accept (refused by {check:?}): {body}"
    );
}

#[test]
fn every_switch_has_a_case() {
    // The rstest table above lists exactly the ACS switches of ALL but the cie-* ones, whose
    // cases are in cie.rs (they need a CIE login); keep them in step.
    let listed = [
        "assertion-id",
        "assertion-issue-instant",
        "assertion-signature",
        "attributes",
        "audience",
        "authn-context",
        // The cns-* switches are proven by harness/tests/it/cns.rs (cns_family_catches_each_mutant).
        "conditions",
        "destination",
        "in-response-to",
        "issuer",
        "issuer-format",
        "name-id",
        "no-dtd",
        "replay",
        "response-id",
        "response-issue-instant",
        "response-signature",
        "session-index",
        "signature-algorithm",
        "signed-node",
        "single-assertion",
        "status",
        "subject-confirmation",
        "version",
    ];
    // Switches outside the ACS Response checks are proven end to end by the harness's
    // conformance suite (harness/tests/it/), which also checks that every switch is used.
    // destination-unsigned: its own test below (a bug that needs two changes together).
    // consumed-assertion: its own test below (observable only with single-assertion off too).
    const ELSEWHERE: &[&str] = &[
        "consumed-assertion",
        "destination-unsigned",
        "relay-state",
        "text-nodes",
    ];
    const FAMILIES_ELSEWHERE: &[&str] = &["slo-", "md-", "req-", "cie-", "cns-", "pin-"];
    let all: Vec<&str> = ALL
        .iter()
        .map(|f| f.name)
        .filter(|n| !ELSEWHERE.contains(n) && !FAMILIES_ELSEWHERE.iter().any(|p| n.starts_with(p)))
        .collect();
    assert_eq!(all, listed);
}

/// `destination-unsigned` off: Destination is checked on a signed Response only. An unsigned
/// Response (legal: the Assertion is signed) with another Destination is refused by the strict
/// SP and accepted by the mutant; signed, the same Destination is still refused by the mutant.
#[tokio::test]
async fn destination_unsigned_needs_both_changes() {
    let bad_destination = |x: String| {
        set_attr(
            &x,
            "<samlp:Response",
            "Destination",
            "https://evil.example/acs",
        )
    };
    for (faults, signed_response, expected) in [
        (Faults::none(), false, 403),
        (Faults::parse("destination-unsigned").unwrap(), false, 303),
        (Faults::parse("destination-unsigned").unwrap(), true, 403),
    ] {
        let w = world(faults.clone()).await;
        let posted = w.to_idp_answer(&Login::default()).await;
        let c = ctx(&w);
        let mut crafted = resigned(&c, &posted.xml, bad_destination);
        if signed_response {
            let rid = attr_of(&crafted, "<samlp:Response", "ID");
            crafted = sign(&crafted, &rid, &c.key);
        }
        let (status, body, _) = w.post_acs(&posted, &crafted).await;
        assert_eq!(
            status, expected,
            "{faults:?}, Response signed: {signed_response}: {body}"
        );
        if expected == 403 {
            assert_eq!(refused_check(&body).as_deref(), Some("destination"));
        }
    }
}

/// The NameID the SP's `/me` page shows, if logged in.
fn shown_name_id(page: &str) -> Option<&str> {
    let start = page.find("<span id=\"name-id\">")? + "<span id=\"name-id\">".len();
    Some(&page[start..start + page[start..].find('<')?])
}

/// `consumed-assertion` off: the SP reads the first Assertion in document order, not the
/// Response's child whose signature it checked. A correct Response with an unsigned copy of its
/// Assertion (another NameID) inside samlp:Extensions is refused by `single-assertion`; with
/// only `single-assertion` off the SP logs in the signed Assertion's subject; with both off it
/// logs in the wrapped one (signature wrapping, SAML Security §6.5).
#[tokio::test]
async fn consumed_assertion_needs_single_assertion_off_too() {
    // The Assertion signed again alone (the Response signature would no longer verify), and an
    // unsigned copy with another NameID inside samlp:Extensions, before it in document order.
    let wrapped = |c: &Ctx, xml: &str| {
        let x = strip_signatures(xml);
        let start = x.find("<saml:Assertion").unwrap();
        let end = x.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let aid = attr_of(&x, "<saml:Assertion", "ID");
        let name_id = {
            let open = start + start_tag(&x[start..], "<saml:NameID").end + 1;
            x[open..open + x[open..].find('<').unwrap()].to_string()
        };
        let evil = x[start..end]
            .replace(&aid, "_wrapped")
            .replace(&format!(">{name_id}<"), ">wrapped-subject<");
        let issuer_end = x.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
        let mut out = x.clone();
        out.insert_str(
            issuer_end,
            &format!("<samlp:Extensions>{evil}</samlp:Extensions>"),
        );
        (sign(&out, &aid, &c.key), name_id)
    };
    for (switches, status, shown) in [
        ("", 403, None),
        ("consumed-assertion", 403, None),
        ("single-assertion", 303, Some(false)),
        ("single-assertion,consumed-assertion", 303, Some(true)),
    ] {
        let w = world(Faults::parse(switches).unwrap()).await;
        let posted = w.to_idp_answer(&Login::default()).await;
        let (crafted, signed_name_id) = wrapped(&ctx(&w), &posted.xml);
        let (got, body, _) = w.post_acs(&posted, &crafted).await;
        assert_eq!(got, status, "[{switches}]: {body}");
        match shown {
            None => assert_eq!(refused_check(&body).as_deref(), Some("single-assertion")),
            Some(wrapped_subject) => {
                let (me, page) = w.me().await;
                assert_eq!(me, 200, "[{switches}]: {page}");
                let want = if wrapped_subject {
                    "wrapped-subject"
                } else {
                    signed_name_id.as_str()
                };
                assert_eq!(shown_name_id(&page), Some(want), "[{switches}]: {page}");
            }
        }
    }
}
