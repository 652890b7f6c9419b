//! A seeded report with an entry of every kind (failed error, failed warning, could not run,
//! passed, not applicable, skipped, not determinable) over five families, deterministic to the
//! byte: the input of the HTML/JUnit/Markdown snapshots and of the browser test that opens it.

use harness::browser::{Hop, HopKind};
use harness::oracle::Verdict;
use harness::report::{pretty_xml, Entry, NotRun, NotRunKind, RunReport, Severity};

fn hop(kind: HopKind, method: &str, url: &str, status: u16, millis: f64) -> Hop {
    Hop {
        kind,
        method: method.into(),
        url: url.into(),
        status,
        millis,
    }
}

fn login_hops(scale: f64) -> Vec<Hop> {
    vec![
        hop(
            HopKind::Start,
            "GET",
            "http://127.0.0.1:7001/login?idp=poste",
            302,
            1.2 * scale,
        ),
        hop(
            HopKind::Redirect,
            "GET",
            "http://127.0.0.1:7000/poste/sso?SAMLRequest=…",
            200,
            3.5 * scale,
        ),
        hop(
            HopKind::IdpForm,
            "POST",
            "http://127.0.0.1:7000/poste/login",
            200,
            8.0 * scale,
        ),
        hop(
            HopKind::SamlResponse,
            "POST",
            "http://127.0.0.1:7001/acs",
            303,
            12.5 * scale,
        ),
        hop(
            HopKind::Probe,
            "GET",
            "http://127.0.0.1:7001/protected",
            200,
            0.9 * scale,
        ),
    ]
}

fn verdict(accepted: bool, rule: &str, reason: &str, evidence: &[&str]) -> Option<Verdict> {
    Some(Verdict {
        accepted,
        rule: rule.into(),
        reason: reason.into(),
        evidence: evidence.iter().map(|s| s.to_string()).collect(),
        spid_error: None,
    })
}

const CORRECT: &str = r##"<samlp:Response ID="_r1" InResponseTo="_q1" Destination="http://127.0.0.1:7001/acs"><saml:Issuer>https://posteid.poste.it</saml:Issuer><ds:Signature><ds:SignedInfo><ds:Reference URI="#_r1"/></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a1"><saml:Subject><saml:NameID>_n1</saml:NameID></saml:Subject><saml:AttributeStatement><saml:Attribute Name="fiscalNumber"><saml:AttributeValue>TINIT-RSSMRA80A01H501U</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"##;

/// The seeded report.
pub fn every_kind() -> RunReport {
    let sent = CORRECT
        .replace(
            "<ds:Reference URI=\"#_r1\"/>",
            "<ds:Reference URI=\"#_evil\"/>",
        )
        .replace(
            "<saml:Assertion ID=\"_a1\">",
            "<saml:Assertion ID=\"_evil\">",
        )
        .replace("RSSMRA80A01H501U", "BNCGNN85T10A944S");
    let at = |ms: f64| Some(1_764_590_400_000.0 + ms);
    let entries = vec![
        Entry {
            id: "md-05".into(),
            title: "The SP's signing certificate is at least 2048-bit RSA".into(),
            outcome: "check".into(),
            expected: "pass".into(),
            passed: false,
            verdict: verdict(
                false,
                "md-05",
                "the certificate's key is 1024-bit RSA. Fix: issue a 2048-bit (or 3072-bit) key",
                &["KeyDescriptor use=signing: RSA 1024"],
            ),
            rule: Some("Avviso SPID n.29 v3, §2: \"chiavi RSA di lunghezza almeno 2048 bit\"".into()),
            severity: Some(Severity::Error),
            family: Some("metadata".into()),
            ..Entry::default()
        },
        Entry {
            id: "md-31".into(),
            title: "The metadata names an Organization with an Italian name".into(),
            outcome: "check".into(),
            expected: "pass".into(),
            passed: false,
            verdict: verdict(
                false,
                "md-31",
                "OrganizationName has no xml:lang=\"it\". Fix: add it",
                &[],
            ),
            rule: Some("Regole tecniche SPID, metadata SP: OrganizationName (advice)".into()),
            severity: Some(Severity::Warning),
            family: Some("metadata".into()),
            ..Entry::default()
        },
        Entry {
            id: "xsw3".into(),
            title: "Signature wrapping 3: an unsigned Assertion before the signed one".into(),
            provider: Some("poste".into()),
            level: Some(2),
            outcome: "xml mutation".into(),
            expected: "refuse".into(),
            passed: false,
            verdict: verdict(
                true,
                harness::oracle::RULE_PROBE,
                "the protected page answered 200 after the ACS",
                &["GET /protected: 200, shows BNCGNN85T10A944S"],
            ),
            millis: 26.1,
            hops: login_hops(1.0),
            rule: Some("SAML Core 2.0 §5.4.2; Regole tecniche SPID, Response: the Assertion must be signed".into()),
            severity: Some(Severity::Error),
            family: Some("response".into()),
            sent: Some(pretty_xml(&sent)),
            reference: Some(pretty_xml(CORRECT)),
            started_unix_ms: at(0.0),
            ..Entry::default()
        },
        Entry {
            id: "replay-1".into(),
            title: "The same Response posted twice".into(),
            provider: Some("poste".into()),
            level: Some(2),
            outcome: "flow mutation".into(),
            expected: "refuse".into(),
            error: Some("the correct Response of the flow was refused (the ACS answered 500); the case cannot be judged".into()),
            millis: 14.0,
            hops: login_hops(0.6),
            rule: Some("SAML Profiles 2.0 §4.1.4.5: one-time use".into()),
            severity: Some(Severity::Error),
            family: Some("response".into()),
            started_unix_ms: at(5.0),
            ..Entry::default()
        },
        Entry {
            id: "7".into(),
            title: "A correct Response is accepted".into(),
            provider: Some("poste".into()),
            level: Some(2),
            outcome: "none mutation".into(),
            expected: "accept".into(),
            passed: true,
            verdict: verdict(true, harness::oracle::RULE_PROBE, "the protected page answered 200", &[]),
            millis: 22.0,
            hops: login_hops(0.8),
            rule: Some("Regole tecniche SPID, Response".into()),
            severity: Some(Severity::Error),
            family: Some("response".into()),
            sent: Some(pretty_xml(CORRECT)),
            reference: Some(pretty_xml(CORRECT)),
            started_unix_ms: at(27.0),
            ..Entry::default()
        },
        Entry {
            id: "comment-2".into(),
            title: "A comment inside the NameID".into(),
            outcome: "xml mutation".into(),
            expected: "refuse-or-intact".into(),
            millis: 18.0,
            hops: login_hops(0.7),
            family: Some("response".into()),
            severity: Some(Severity::Error),
            not_run: Some(NotRun {
                kind: NotRunKind::NotDeterminable,
                reason: "the service never shows the identity it read".into(),
            }),
            started_unix_ms: at(30.0),
            ..Entry::default()
        },
        Entry {
            id: "req-level-L3".into(),
            title: "The AuthnRequest asks for level 3 when the login URL asks for it".into(),
            outcome: "check".into(),
            expected: "pass".into(),
            family: Some("authn-request".into()),
            severity: Some(Severity::Error),
            not_run: Some(NotRun {
                kind: NotRunKind::NotApplicable,
                reason: "the login URL has no {level} placeholder: the service cannot be asked for L3".into(),
            }),
            ..Entry::default()
        },
        Entry {
            id: "logout-4".into(),
            title: "A LogoutRequest from the IdP ends the session".into(),
            outcome: "logout".into(),
            expected: "accept".into(),
            family: Some("logout".into()),
            severity: Some(Severity::Error),
            not_run: Some(NotRun {
                kind: NotRunKind::Skipped,
                reason: "no --logout-url given".into(),
            }),
            ..Entry::default()
        },
        Entry {
            id: "login/poste/L2".into(),
            title: "Mario Rossi logs in at Poste, level 2".into(),
            provider: Some("poste".into()),
            level: Some(2),
            outcome: "success".into(),
            expected: "accept".into(),
            passed: true,
            verdict: verdict(true, harness::oracle::RULE_PROBE, "the protected page answered 200", &[]),
            millis: 30.0,
            hops: login_hops(1.1),
            family: Some("login".into()),
            started_unix_ms: at(12.0),
            ..Entry::default()
        },
    ];
    let started = time::macros::datetime!(2025-12-01 12:00 UTC);
    RunReport::new("check", started, 48.0, entries)
}
