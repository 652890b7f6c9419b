//! The CIE ID providers ("Entra con CIE", production and pre-production) over HTTP: a login at
//! every level through the real pages (L1 password or app QR, L2 + OTP, L3 card + PIN), the CIE
//! profile's differences in what they emit and what they refuse, every card outcome (wrong PIN
//! ×3, PUK recovery, PUK ×10, expired, revoked, read failures, the pairing rule), the plain
//! logout, and snapshots of CIE metadata and a CIE Response.

use crate::errors::assert_status;
use crate::snapshots::redact;
use crate::sp::{self, Binding, Reply, Req};
use crate::Env;
use mock_idps::cie::cards::ReadFailure;
use mock_idps::clock::{saml_instant, Clock, SharedClock, SimClock};
use mock_idps::fixtures::Fixtures;
use mock_idps::ids::IdGenerator;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::config::{EntityIds, IdpConfig};
use mock_idps::spid::level::Level;
use mock_idps::spid::state::MockState;
use rstest::rstest;
use std::sync::Arc;
use time::macros::datetime;

fn sso(env: &Env, id: &str) -> String {
    env.fed.urls().cie[id].sso.clone()
}

fn root(env: &Env, id: &str) -> String {
    sso(env, id).trim_end_matches("/sso").to_string()
}

/// A request as the CIE manual wants it: ForceAuthn always, Comparison minimum.
fn cie_req(env: &Env, id: &str, level: Level) -> Req {
    let mut r = Req::new(&sso(env, id), level, &saml_instant(env.clock.now()));
    r.force_authn = Some("true".into());
    r
}

async fn send(env: &Env, id: &str, req: &Req) -> Reply {
    env.driver
        .send(&sso(env, id), req, Binding::Redirect, Some("rs-opaque-1"))
        .await
}

async fn step(env: &Env, id: &str, fields: &[(&str, &str)]) -> Reply {
    env.driver.step(&root(env, id), fields).await
}

fn page(reply: Reply) -> (u16, String) {
    match reply {
        Reply::Page { status, body } => (status, body),
        other => panic!("expected a page, got {other:?}"),
    }
}

/// Starts a login and returns the token of its first page and that page.
async fn start(env: &Env, id: &str, req: &Req) -> (String, String) {
    let (status, body) = page(send(env, id, req).await);
    assert_eq!(status, 200, "{body}");
    (sp::field(&body, "token").expect("a token"), body)
}

/// Starts a login at `level` with a request as the CIE manual wants it; returns the token of
/// its first page.
async fn start_at(env: &Env, id: &str, level: Level) -> String {
    start(env, id, &cie_req(env, id, level)).await.0
}

/// Types the CieID `user` name and `password` on the login page of `token`.
async fn credentials(env: &Env, id: &str, token: &str, user: &str, password: &str) -> Reply {
    env.driver
        .credentials(&root(env, id), token, user, password)
        .await
}

/// Puts `card` on the reader with `pin` on `reader`.
async fn card_step(env: &Env, id: &str, token: &str, card: &str, pin: &str, reader: &str) -> Reply {
    step(
        env,
        id,
        &[
            ("token", token),
            ("card", card),
            ("pin", pin),
            ("reader", reader),
        ],
    )
    .await
}

async fn consent(env: &Env, id: &str, token: &str, body: &str) -> String {
    assert!(body.contains("id=\"consent-form\""), "{body}");
    step(env, id, &[("token", token), ("action", "continue")])
        .await
        .response()
}

/// Checks a CIE success Response: the CIE differences from SPID are all there.
fn check_cie_success(env: &Env, id: &str, xml: &str, level: Level) {
    let doc = XmlDoc::parse(xml).unwrap();
    let root = doc.root().unwrap();
    let entity = env.fed.urls().cie[id].entity_id.clone();
    let issuer = root.child(ns::ASSERTION, "Issuer").unwrap();
    assert_eq!(issuer.text(), entity);
    assert_eq!(
        issuer.attr("Format"),
        None,
        "CIE: Response Issuer without Format"
    );
    let a = root.child(ns::ASSERTION, "Assertion").unwrap();
    assert_eq!(
        a.child(ns::ASSERTION, "Issuer").unwrap().attr("Format"),
        Some(ns::NAMEID_ENTITY)
    );
    let name_id = sp::descend(a, ns::ASSERTION, &["Subject", "NameID"]);
    assert_eq!(name_id.attr("NameQualifier"), Some(entity.as_str()));
    assert_eq!(name_id.attr("SPNameQualifier"), Some(sp::SP_ENTITY));
    let path = ["AuthnStatement", "AuthnContext", "AuthnContextClassRef"];
    let acr = sp::descend(a, ns::ASSERTION, &path);
    assert_eq!(acr.text(), level.uri());
    // Index 0 asks name, familyName, fiscalNumber, email, address, dateOfBirth: CIE releases only
    // its own four, each with its FriendlyName, dateOfBirth as xs:string.
    let attrs: Vec<(String, Option<String>)> = a
        .child(ns::ASSERTION, "AttributeStatement")
        .unwrap()
        .children(ns::ASSERTION, "Attribute")
        .map(|x| {
            (
                x.attr("Name").unwrap().to_string(),
                x.attr("FriendlyName").map(str::to_string),
            )
        })
        .collect();
    let names: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["name", "familyName", "fiscalNumber", "dateOfBirth"]);
    assert!(attrs.iter().all(|(_, f)| f.is_some()), "{attrs:?}");
    assert!(
        !xml.contains("xs:date\""),
        "CIE types dateOfBirth as xs:string"
    );
}

#[rstest]
#[case::production("cie")]
#[case::pre_production("cie-preprod")]
#[tokio::test]
async fn l1_with_user_name_and_password(#[case] id: &str) {
    let env = Env::start().await;
    let req = cie_req(&env, id, Level::L1);
    let (token, body) = start(&env, id, &req).await;
    assert!(body.contains("id=\"login-form\""), "{body}");
    let (_, body) = page(credentials(&env, id, &token, "mario.rossi", "Password123!").await);
    let xml = consent(&env, id, &token, &body).await;
    check_cie_success(&env, id, &xml, Level::L1);
}

#[tokio::test]
async fn l1_and_l2_with_the_app_qr() {
    let env = Env::start().await;
    for level in [Level::L1, Level::L2] {
        let token = start_at(&env, "cie", level).await;
        let (_, body) = page(
            step(
                &env,
                "cie",
                &[
                    ("token", &token),
                    ("username", "francesca.romano"),
                    ("action", "qr"),
                ],
            )
            .await,
        );
        let xml = consent(&env, "cie", &token, &body).await;
        check_cie_success(&env, "cie", &xml, level);
    }
}

#[tokio::test]
async fn l2_adds_the_otp() {
    let env = Env::start().await;
    let token = start_at(&env, "cie", Level::L2).await;
    let (_, body) = page(credentials(&env, "cie", &token, "mario.rossi", "Password123!").await);
    assert!(body.contains("id=\"otp-form\""), "{body}");
    let otp = sp::between(&body, "<output id=\"simulated-otp\">", "<").unwrap();
    let (_, body) = page(step(&env, "cie", &[("token", &token), ("otp", &otp)]).await);
    let xml = consent(&env, "cie", &token, &body).await;
    check_cie_success(&env, "cie", &xml, Level::L2);
}

#[tokio::test]
async fn l3_is_the_card_on_the_reader_and_its_pin() {
    let env = Env::start().await;
    let req = cie_req(&env, "cie", Level::L3);
    let (token, body) = start(&env, "cie", &req).await;
    assert!(
        body.contains("id=\"card-form\""),
        "L3 starts at the card: {body}"
    );
    assert!(!body.contains("id=\"login-form\""));
    let (_, body) = page(card_step(&env, "cie", &token, "CA00001AA", "12345678", "desktop").await);
    let xml = consent(&env, "cie", &token, &body).await;
    check_cie_success(&env, "cie", &xml, Level::L3);
    assert!(xml.contains(">RSSMRA80A01H501U<") || xml.contains("TINIT-RSSMRA80A01H501U"));
}

#[tokio::test]
async fn the_desktop_software_wants_the_last_four_digits_after_pairing() {
    let env = Env::start().await;
    // First login pairs the software: 4 digits are refused, 8 accepted.
    let token = start_at(&env, "cie", Level::L3).await;
    let (_, body) = page(card_step(&env, "cie", &token, "CA00009AA", "1357", "desktop").await);
    assert!(body.contains("primo abbinamento"), "{body}");
    let (_, body) = page(card_step(&env, "cie", &token, "CA00009AA", "24681357", "desktop").await);
    consent(&env, "cie", &token, &body).await;
    // Later logins: the last 4 only; the whole PIN is refused without counting.
    let token = start_at(&env, "cie", Level::L3).await;
    let (_, body) = page(card_step(&env, "cie", &token, "CA00009AA", "24681357", "desktop").await);
    assert!(body.contains("ultime 4 cifre"), "{body}");
    let (_, body) = page(card_step(&env, "cie", &token, "CA00009AA", "1357", "desktop").await);
    consent(&env, "cie", &token, &body).await;
    let card = env.fed.state().cards.card("CA00009AA").unwrap();
    assert_eq!(card.pin_failures(), 0);
}

/// Three wrong PINs: the card's PIN blocks and the login ends with 23 (credentials blocked).
async fn block_pin(env: &Env, card: &str) {
    let token = start_at(env, "cie", Level::L3).await;
    for left in [2, 1] {
        let (status, body) = page(card_step(env, "cie", &token, card, "00000000", "app").await);
        assert_eq!(status, 200);
        assert!(
            body.contains(&format!("{left} tentativi rimasti")),
            "{body}"
        );
    }
    card_ends_with_23(env, &token, card, "00000000").await;
}

/// Puts `card` with `pin` on the app's reader: the login ends with 23 (the card's credentials
/// are blocked, expired or revoked).
async fn card_ends_with_23(env: &Env, token: &str, card: &str, pin: &str) {
    let xml = card_step(env, "cie", token, card, pin, "app")
        .await
        .response();
    assert_status(&xml, 23);
}

#[tokio::test]
async fn three_wrong_pins_block_the_card_with_code_23() {
    let env = Env::start().await;
    block_pin(&env, "CA00002AA").await;
    // Now even the right PIN ends with 23 at once.
    let token = start_at(&env, "cie", Level::L3).await;
    card_ends_with_23(&env, &token, "CA00002AA", "11223344").await;
    // L1 with the CieID credentials still works: the blocked PIN is the card's.
    let token = start_at(&env, "cie", Level::L1).await;
    let (_, body) = page(credentials(&env, "cie", &token, "giulia.bianchi", "Password123!").await);
    consent(&env, "cie", &token, &body).await;
}

async fn unblock(env: &Env, card: &str, puk: &str, new_pin: &str) -> (u16, String) {
    let r = env
        .driver
        .client
        .post(env.fed.urls().cie["cie"].card_unblock.clone())
        .form(&[("card", card), ("puk", puk), ("new_pin", new_pin)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_puk_recovers_a_blocked_pin() {
    let env = Env::start().await;
    block_pin(&env, "CA00002AA").await;
    let (status, body) = unblock(&env, "CA00002AA", "00000000", "99887766").await;
    assert_eq!(status, 403);
    assert!(body.contains("9 tentativi rimasti"), "{body}");
    let (status, body) = unblock(&env, "CA00002AA", "44332211", "99887766").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("id=\"unblock-done\""));
    let token = start_at(&env, "cie", Level::L3).await;
    let (_, body) = page(card_step(&env, "cie", &token, "CA00002AA", "11223344", "app").await);
    assert!(
        body.contains("2 tentativi rimasti"),
        "the old PIN is gone: {body}"
    );
    let (_, body) = page(card_step(&env, "cie", &token, "CA00002AA", "99887766", "app").await);
    let xml = consent(&env, "cie", &token, &body).await;
    check_cie_success(&env, "cie", &xml, Level::L3);
}

#[tokio::test]
async fn ten_wrong_puks_kill_the_card_for_good() {
    let env = Env::start().await;
    for left in (1..=9).rev() {
        let (status, body) = unblock(&env, "CA00002AA", "00000000", "99887766").await;
        assert_eq!(status, 403);
        assert!(
            body.contains(&format!("{left} tentativi rimasti")),
            "{body}"
        );
    }
    let (_, body) = unblock(&env, "CA00002AA", "00000000", "99887766").await;
    assert!(body.contains("bloccata definitivamente"), "{body}");
    // The right PUK no longer helps; the card ends every L3 login with 23.
    let (status, body) = unblock(&env, "CA00002AA", "44332211", "99887766").await;
    assert_eq!(status, 403);
    assert!(body.contains("definitivamente"), "{body}");
    let token = start_at(&env, "cie", Level::L3).await;
    card_ends_with_23(&env, &token, "CA00002AA", "11223344").await;
}

#[rstest]
#[case::expired_card_at_l3("CA99020AA", "20212021", Level::L3)]
#[case::revoked_card_at_l3("CA00004AA", "31415926", Level::L3)]
#[tokio::test]
async fn expired_and_revoked_cards_end_with_23(
    #[case] card: &str,
    #[case] pin: &str,
    #[case] level: Level,
) {
    let env = Env::start().await;
    let token = start_at(&env, "cie", level).await;
    card_ends_with_23(&env, &token, card, pin).await;
}

#[rstest]
#[case::expired("giuseppe.lombardi")]
#[case::revoked("sara.colombo")]
#[tokio::test]
async fn expired_and_revoked_cards_end_with_23_at_l1(#[case] user: &str) {
    let env = Env::start().await;
    let token = start_at(&env, "cie", Level::L1).await;
    let xml = credentials(&env, "cie", &token, user, "Password123!")
        .await
        .response();
    assert_status(&xml, 23);
}

#[tokio::test]
async fn read_failures_keep_the_user_on_the_reader_page() {
    let env = Env::start().await;
    env.fed.script_card_read_failure(ReadFailure::NfcOff);
    env.fed.script_card_read_failure(ReadFailure::CardMoved);
    let token = start_at(&env, "cie", Level::L3).await;
    let (_, body) = page(card_step(&env, "cie", &token, "CA00001AA", "12345678", "app").await);
    assert!(
        body.contains("attiva l&#x27;NFC") || body.contains("NFC is off"),
        "{body}"
    );
    let (_, body) = page(card_step(&env, "cie", &token, "CA00001AA", "12345678", "app").await);
    assert!(body.contains("The card moved"), "{body}");
    assert_eq!(
        env.fed
            .state()
            .cards
            .card("CA00001AA")
            .unwrap()
            .pin_failures(),
        0
    );
    let (_, body) = page(card_step(&env, "cie", &token, "CA00001AA", "12345678", "app").await);
    consent(&env, "cie", &token, &body).await;
    // Over the admin API too.
    let r = env
        .driver
        .client
        .post(format!("{}/admin/cie-read-failure", env.fed.base_url()))
        .header("content-type", "application/json")
        .body(r#"{"failure": "warp-drive"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("nfc-off"));
}

#[tokio::test]
async fn cie_user_anomalies_use_the_cie_codes() {
    let env = Env::start().await;
    // Wrong CieID password three times: blocked credentials, 23 (CIE has no 19).
    let token = start_at(&env, "cie", Level::L1).await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(credentials(&env, "cie", &token, "mario.rossi", "nope").await);
    }
    assert_status(&last.unwrap().response(), 23);
    // A user without a CIE has no CieID account: the credentials are wrong.
    let token = start_at(&env, "cie", Level::L1).await;
    let (_, body) = page(credentials(&env, "cie", &token, "luca.ferrari", "Password123!").await);
    assert!(body.contains("tentativo 1 di 3"), "{body}");
    // Cancel: 25; deny consent: 22.
    let xml = step(&env, "cie", &[("token", &token), ("action", "cancel")])
        .await
        .response();
    assert_status(&xml, 25);
    // Scripted outcomes with no CIE code are refused by the admin API.
    let next_login = |script: &'static str| {
        test_support::send(
            env.driver
                .client
                .post(format!("{}/admin/next-login", env.fed.base_url()))
                .header("content-type", "application/json")
                .body(script),
        )
    };
    let a =
        next_login(r#"{"provider": "cie", "user": "mario.rossi", "outcome": "no-level"}"#).await;
    assert_eq!(a.status, 400);
    assert!(
        a.body.contains("CIE profile has no error code"),
        "{}",
        a.body
    );
    let a = next_login(r#"{"provider": "cie", "user": "luca.ferrari"}"#).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("holds no CIE"), "{}", a.body);
}

#[rstest]
#[case::comparison_better(12, |r: &mut Req| r.comparison = Some("better".into()))]
#[case::comparison_maximum(12, |r: &mut Req| r.comparison = Some("maximum".into()))]
#[case::force_authn_missing_at_l1(8, |r: &mut Req| r.force_authn = None)]
#[tokio::test]
async fn cie_request_rules(#[case] nr: u8, #[case] breaks: fn(&mut Req)) {
    let env = Env::start().await;
    let mut req = cie_req(&env, "cie", Level::L1);
    breaks(&mut req);
    let xml = send(&env, "cie", &req).await.response();
    assert_status(&xml, nr);
}

#[tokio::test]
async fn cie_destination_is_the_sso_location_not_the_entity_id() {
    let env = Env::start().await;
    let mut req = cie_req(&env, "cie", Level::L1);
    req.destination = Some(env.fed.urls().cie["cie"].entity_id.clone());
    // The local entityID differs from the SSO URL; SPID would take it (Avviso 11), CIE does not.
    assert_ne!(req.destination, Some(sso(&env, "cie")));
    let xml = send(&env, "cie", &req).await.response();
    assert_status(&xml, 14);
    // The same request at a SPID provider is accepted.
    let mut spid = env.req("poste", Level::L1);
    spid.destination = Some(env.fed.urls().providers["poste"].entity_id.clone());
    assert!(matches!(
        env.send("poste", &spid, Binding::Redirect).await,
        Reply::Page { status: 200, .. }
    ));
}

#[tokio::test]
async fn no_saml_slo_but_a_plain_logout() {
    let env = Env::start().await;
    let token = start_at(&env, "cie", Level::L1).await;
    let (_, body) = page(credentials(&env, "cie", &token, "mario.rossi", "Password123!").await);
    consent(&env, "cie", &token, &body).await;
    assert_eq!(env.fed.state().sessions().len(), 1);
    let (status, body) = page(env.driver.get(&format!("{}/slo", root(&env, "cie"))).await);
    assert_eq!(status, 404);
    assert!(body.contains("no SAML single logout"), "{body}");
    let logout = env.fed.urls().cie["cie"].logout.clone();
    let r = env
        .driver
        .client
        .get(format!("{logout}?return_to=https://sp.example.it/bye"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "https://sp.example.it/bye");
    assert!(env.fed.state().sessions().is_empty());
}

#[tokio::test]
async fn the_urls_list_both_cie_environments() {
    let env = Env::start().await;
    let urls = env.fed.urls();
    assert_eq!(urls.cie.len(), 2);
    assert_eq!(
        urls.cie["cie"].real_entity_id,
        "https://idserver.servizicie.interno.gov.it/idp/profile/SAML2/POST/SSO"
    );
    assert!(urls.cie["cie-preprod"]
        .real_entity_id
        .contains("preproduzione"));
    assert!(urls.cie["cie-preprod"]
        .metadata
        .ends_with("/idp/cie-preprod/metadata"));
    // CIE is not in the SPID registry feed nor among the SPID providers.
    assert!(!urls.providers.contains_key("cie"));
    assert!(!env.fed.state().registry_xml.contains("/idp/cie"));
}

fn real_ids_state() -> MockState {
    let clock: SharedClock = Arc::new(SimClock::new(datetime!(2026-01-15 10:00 UTC)));
    MockState::new(
        Fixtures::embedded().unwrap(),
        IdpConfig {
            entity_ids: EntityIds::Real,
            ..IdpConfig::default()
        },
        clock,
        IdGenerator::seeded(1),
        "http://127.0.0.1:7000",
    )
    .unwrap()
}

#[rstest]
#[case::production("cie")]
#[case::pre_production("cie-preprod")]
fn cie_metadata_snapshot(#[case] id: &str) {
    let s = real_ids_state();
    let md = &s.idp(id).unwrap().metadata;
    assert!(!md.contains("SingleLogoutService"));
    assert!(md.contains("FriendlyName=\"Codice Fiscale\""));
    insta::assert_snapshot!(format!("{id}_metadata"), redact(md));
}

#[tokio::test]
async fn cie_response_snapshot() {
    let env = Env::start().await;
    let mut req = cie_req(&env, "cie", Level::L3);
    req.attr_index = Some("0".into());
    let (token, _) = start(&env, "cie", &req).await;
    let (_, body) = page(card_step(&env, "cie", &token, "CA00009AA", "24681357", "app").await);
    let xml = consent(&env, "cie", &token, &body).await;
    let base = env.fed.base_url().to_string();
    let mut out = redact(&xml).replace(&base, "http://127.0.0.1:[port]");
    // The transient NameID is random.
    if let Some(v) = sp::between(&out, "SPNameQualifier=\"https://sp.example.it\">", "<") {
        out = out.replace(&v, "[name-id]");
    }
    insta::assert_snapshot!("cie_response_l3", out);
}

/// One CIE login through the pages at `level` (L2: password + OTP; L3: card + PIN on the app).
async fn cie_login_via_pages(env: &Env, level: Level) -> String {
    let token = start_at(env, "cie", level).await;
    let (_, body) = if level == Level::L3 {
        page(card_step(env, "cie", &token, "CA00001AA", "12345678", "app").await)
    } else {
        let (_, body) = page(credentials(env, "cie", &token, "mario.rossi", "Password123!").await);
        let otp = sp::between(&body, "<output id=\"simulated-otp\">", "<").unwrap();
        page(step(env, "cie", &[("token", &token), ("otp", &otp)]).await)
    };
    consent(env, "cie", &token, &body).await
}

/// The figure of issue #6: CIE logins per second against SPID's on the same machine, both
/// through every page over loopback HTTP (request, credentials or card, OTP, consent, signed
/// Response). Prints; asserts nothing about time.
/// `cargo test -p mock-idps --test it -- --ignored --nocapture logins_per_second`
#[tokio::test]
#[ignore = "prints a performance figure"]
async fn logins_per_second_cie_vs_spid() {
    let env = Env::start().await;
    let n = 300;
    let rate = |start: std::time::Instant| f64::from(n) / start.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    for _ in 0..n {
        let req = env.req("poste", Level::L2);
        env.login_via_pages("poste", &req, Binding::Redirect, "mario.rossi")
            .await
            .response();
    }
    let spid = rate(t);
    let t = std::time::Instant::now();
    for _ in 0..n {
        cie_login_via_pages(&env, Level::L2).await;
    }
    let cie_l2 = rate(t);
    let t = std::time::Instant::now();
    for _ in 0..n {
        cie_login_via_pages(&env, Level::L3).await;
    }
    let cie_l3 = rate(t);
    println!(
        "logins/s through the pages, {n} each: SPID L2 (poste) {spid:.0}; CIE L2 {cie_l2:.0} ({:.2}x SPID); CIE L3 card {cie_l3:.0} ({:.2}x SPID)",
        cie_l2 / spid,
        cie_l3 / spid
    );
}

#[tokio::test]
async fn the_index_lists_cie_providers_and_cards() {
    let env = Env::start().await;
    let (status, body) = page(env.driver.get(&format!("{}/", env.fed.base_url())).await);
    assert_eq!(status, 200);
    assert!(body.contains("id=\"cie-providers\""), "{body}");
    assert!(body.contains("<td>cie-preprod</td>"), "{body}");
    assert!(
        body.contains("<td>CA99020AA</td>") && body.contains("2025-03-19"),
        "{body}"
    );
}
