//! Every SPID error code a provider gives (nr04–nr18 for requests, nr19–nr30 for the user),
//! each answered the way the SPID technical rules say: an IdP page with the HTTP status, or a
//! signed Response with the top status, the nested sub-status and "ErrorCode nrNN".

use crate::login::user_at;
use crate::sp::{self, Binding, Reply, Req};
use crate::Env;
use mock_idps::saml::binding::{encode_redirect, MessageKind};
use mock_idps::saml::dsig::verify_enveloped;
use mock_idps::saml::ns;
use mock_idps::saml::status::{Delivery, ErrorCode};
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::level::Level;
use rstest::rstest;

/// Asserts an error Response: signed, no Assertion, top/sub status and message of `nr`.
pub fn assert_status(xml: &str, nr: u8) {
    let code = ErrorCode::get(nr).unwrap();
    let Delivery::Response { top, sub } = code.delivery else {
        panic!("nr{nr} is a page code")
    };
    let doc = XmlDoc::parse(xml).unwrap();
    let root = doc.root().unwrap();
    assert!(
        root.child(ns::ASSERTION, "Assertion").is_none(),
        "no Assertion on errors"
    );
    let status = root.child(ns::PROTOCOL, "Status").unwrap();
    let top_code = status.child(ns::PROTOCOL, "StatusCode").unwrap();
    assert_eq!(
        top_code.attr("Value"),
        Some(top),
        "top status of nr{nr}: {xml}"
    );
    assert_eq!(
        top_code
            .child(ns::PROTOCOL, "StatusCode")
            .and_then(|c| c.attr("Value")),
        sub
    );
    assert_eq!(
        status.child(ns::PROTOCOL, "StatusMessage").unwrap().text(),
        format!("ErrorCode nr{nr:02}")
    );
    assert!(
        root.child(ns::DSIG, "Signature").is_some(),
        "error Responses are signed"
    );
}

/// Asserts an IdP error page for `nr` with the status the rules give.
pub fn assert_page(reply: &Reply, nr: u8) {
    let expected = match ErrorCode::get(nr).unwrap().delivery {
        Delivery::Page(s) => s,
        Delivery::Response { .. } => 400,
    };
    match reply {
        Reply::Page { status, body } => {
            assert_eq!(*status, expected, "{body}");
            assert!(
                body.contains(&format!("data-error-code=\"nr{nr:02}\"")),
                "page names nr{nr:02}: {body}"
            );
        }
        other => panic!("expected the nr{nr:02} page, got {other:?}"),
    }
}

/// How the case sends its request.
#[derive(Debug, Clone, Copy)]
enum How {
    Signed(Binding),
    UnsignedRedirect,
    UnsignedPost,
    WrongKeyRedirect,
    WrongKeyPost,
    RedirectMethodOnPost,
    PostWithoutRequest,
}

async fn send(env: &Env, req: &Req, how: How) -> Reply {
    let sso = env.sso("namirial");
    let other = env.fed.state().idp("poste").unwrap().key.clone();
    match how {
        How::Signed(b) => env.send("namirial", req, b).await,
        How::UnsignedRedirect => {
            env.driver
                .get(&format!(
                    "{sso}?{}",
                    encode_redirect(MessageKind::Request, &req.xml(), None, None)
                ))
                .await
        }
        How::UnsignedPost => env.driver.post_request(&sso, &req.xml(), None).await,
        How::WrongKeyRedirect => {
            env.driver
                .get(&format!(
                    "{sso}?{}",
                    encode_redirect(MessageKind::Request, &req.xml(), None, Some(&other))
                ))
                .await
        }
        How::WrongKeyPost => {
            let signed = mock_idps::saml::dsig::sign_enveloped(
                &req.xml(),
                req.id.as_deref().unwrap(),
                &other,
            )
            .unwrap();
            env.driver.post_request(&sso, &signed, None).await
        }
        How::RedirectMethodOnPost => {
            let q = encode_redirect(
                MessageKind::Request,
                &req.xml(),
                None,
                Some(&env.driver.key),
            );
            reply_to(
                env.driver
                    .client
                    .post(format!("{sso}?{q}"))
                    .form(&[("x", "1")]),
            )
            .await
        }
        How::PostWithoutRequest => {
            reply_to(env.driver.client.post(&sso).form(&[("RelayState", "x")])).await
        }
    }
}

/// The provider's answer to `req`, read as the test SP reads it.
async fn reply_to(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    sp::read_reply(status, resp.text().await.unwrap())
}

/// The status and JSON body of the answer to `req`.
async fn json_answer(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn none(_: &mut Req) {}

#[rstest]
#[case::nr04_unsigned_redirect(4, How::UnsignedRedirect, none)]
#[case::nr04_no_saml_request(4, How::PostWithoutRequest, none)]
#[case::nr05_redirect_wrong_key(5, How::WrongKeyRedirect, none)]
#[case::nr06_redirect_sent_by_post(6, How::RedirectMethodOnPost, none)]
#[case::nr07_unsigned_post(7, How::UnsignedPost, none)]
#[case::nr07_post_wrong_key(7, How::WrongKeyPost, none)]
#[case::nr10_unknown_issuer(10, How::Signed(Binding::Redirect), |r: &mut Req| r.issuer = Some("https://unknown.example".into()))]
#[case::nr10_missing_issuer(10, How::Signed(Binding::Post), |r: &mut Req| r.issuer = None)]
#[case::nr10_issuer_format(10, How::Signed(Binding::Redirect), |r: &mut Req| r.issuer_format = Some(ns::NAMEID_TRANSIENT.into()))]
#[tokio::test]
async fn request_errors_on_an_idp_page(
    #[case] nr: u8,
    #[case] how: How,
    #[case] mutate: fn(&mut Req),
) {
    let env = Env::start().await;
    let mut req = env.req("namirial", Level::L2);
    mutate(&mut req);
    let reply = send(&env, &req, how).await;
    assert_page(&reply, nr);
    let log = env.fed.received_requests();
    assert_eq!(log.last().unwrap().verdict, format!("nr{nr:02}"));
}

/// What the request log says of a refused request shows the values, or `absent`: never Rust's
/// `Some(..)`/`None`.
#[rstest]
#[case::no_version(|r: &mut Req| r.version = None, "Version is absent")]
#[case::other_version(|r: &mut Req| r.version = Some("1.1".into()), "Version is \"1.1\"")]
#[case::no_destination(|r: &mut Req| r.destination = None, "Destination absent is")]
#[tokio::test]
async fn a_refusal_names_a_missing_value_absent(#[case] mutate: fn(&mut Req), #[case] says: &str) {
    let env = Env::start().await;
    let mut req = env.req("namirial", Level::L2);
    mutate(&mut req);
    send(&env, &req, How::Signed(Binding::Redirect)).await;
    let log = env.fed.received_requests();
    let detail = log.last().unwrap().detail.clone().unwrap_or_default();
    assert!(detail.contains(says), "{detail}");
    assert!(
        !detail.contains("Some(") && !detail.contains("None"),
        "{detail}"
    );
}

#[rstest]
#[case::nr08_force_authn_missing(8, |r: &mut Req| r.force_authn = None)]
#[case::nr09_version(9, |r: &mut Req| r.version = Some("1.1".into()))]
#[case::nr09_no_version(9, |r: &mut Req| r.version = None)]
#[case::nr11_no_id(11, |r: &mut Req| r.id = Some("123-starts-with-digit".into()))]
#[case::nr12_legacy_class_ref(12, |r: &mut Req| r.class_refs = vec!["urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2".into()])]
#[case::nr12_bad_comparison(12, |r: &mut Req| r.comparison = Some("sometimes".into()))]
#[case::nr12_two_contexts(12, |r: &mut Req| r.rac_count = 2)]
#[case::nr12_no_context(12, |r: &mut Req| r.rac_count = 0)]
#[case::nr13_old_instant(13, |r: &mut Req| r.issue_instant = Some("2026-01-15T09:50:00.000Z".into()))]
#[case::nr13_not_utc(13, |r: &mut Req| r.issue_instant = Some("2026-01-15T11:00:00+01:00".into()))]
#[case::nr13_malformed(13, |r: &mut Req| r.issue_instant = Some("yesterday".into()))]
#[case::nr14_destination(14, |r: &mut Req| r.destination = Some("https://elsewhere.example/sso".into()))]
#[case::nr14_no_destination(14, |r: &mut Req| r.destination = None)]
#[case::nr15_passive(15, |r: &mut Req| r.is_passive = Some("true".into()))]
#[case::nr16_unknown_index(16, |r: &mut Req| r.acs_index = Some("9".into()))]
#[case::nr16_index_and_url(16, |r: &mut Req| r.acs_url = Some(sp::ACS1.into()))]
#[case::nr16_neither(16, |r: &mut Req| r.acs_index = None)]
#[case::nr16_redirect_acs(16, |r: &mut Req| r.acs_index = Some("2".into()))]
#[case::nr17_persistent(17, |r: &mut Req| r.name_id_policy = Some(Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into())))]
#[case::nr17_no_policy(17, |r: &mut Req| r.name_id_policy = None)]
#[case::nr18_unknown_index(18, |r: &mut Req| r.attr_index = Some("7".into()))]
#[case::nr18_malformed(18, |r: &mut Req| r.attr_index = Some("x".into()))]
#[tokio::test]
async fn request_errors_in_a_response(
    #[case] nr: u8,
    #[case] mutate: fn(&mut Req),
    #[values(Binding::Redirect, Binding::Post)] binding: Binding,
) {
    let env = Env::start().await;
    let mut req = env.req("namirial", Level::L2);
    mutate(&mut req);
    match send(&env, &req, How::Signed(binding)).await {
        Reply::Response { acs, xml, relay } => {
            assert_status(&xml, nr);
            // nr16: the answer goes to the default ACS (SPID rules).
            assert_eq!(acs, sp::ACS0);
            assert_eq!(relay.as_deref(), Some("rs-opaque-1"));
            let idp = env.fed.state().idp("namirial").unwrap();
            let doc = XmlDoc::parse(&xml).unwrap();
            verify_enveloped(&doc, doc.root().unwrap(), &[idp.key.trusted_cert()]).unwrap();
        }
        other => panic!("nr{nr}: expected a Response, got {other:?}"),
    }
}

#[tokio::test]
async fn not_an_authn_request_is_nr08_page() {
    let env = Env::start().await;
    let reply = env
        .driver
        .post_request(&env.sso("aruba"), "<x:Other xmlns:x=\"urn:x\"/>", None)
        .await;
    assert_page(&reply, 8);
}

/// The Response after `user` logs in through `provider`'s pages on a request for `level`.
async fn response_via_pages(env: &Env, provider: &str, level: Level, user: &str) -> String {
    let req = env.req(provider, level);
    let reply = env.login_via_pages(provider, &req, Binding::Redirect, user);
    reply.await.response()
}

/// Sends a request for `level` to `provider`, goes to the credentials page and returns the token.
async fn start_login(env: &Env, provider: &str, level: Level) -> String {
    match env
        .send(provider, &env.req(provider, level), Binding::Redirect)
        .await
    {
        Reply::Page { body, .. } => sp::field(&body, "token").unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn nr19_after_three_wrong_passwords() {
    let env = Env::start().await;
    let token = start_login(&env, "aruba", Level::L1).await;
    let root = env.root("aruba");
    for attempt in 1..=2 {
        match env
            .driver
            .credentials(&root, &token, "mario.rossi", "nope")
            .await
        {
            Reply::Page { body, status } => {
                assert_eq!(status, 200);
                assert!(
                    body.contains(&format!("tentativo {attempt} di 3")),
                    "{body}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    let xml = env
        .driver
        .credentials(&root, &token, "mario.rossi", "nope")
        .await
        .response();
    assert_status(&xml, 19);
}

#[tokio::test]
async fn nr20_user_without_the_level() {
    let env = Env::start().await;
    let xml = response_via_pages(&env, "poste", Level::L2, user_at(Level::L1)).await;
    assert_status(&xml, 20);
}

#[tokio::test]
async fn nr21_timeout_on_the_clock() {
    let env = Env::start().await;
    let token = start_login(&env, "sielte", Level::L1).await;
    env.clock.advance(time::Duration::minutes(6));
    let reply = env
        .driver
        .credentials(&env.root("sielte"), &token, "luca.ferrari", "Password123!")
        .await;
    assert_status(&reply.response(), 21);
}

#[tokio::test]
async fn nr22_consent_denied() {
    let env = Env::start().await;
    let token = start_login(&env, "tim", Level::L1).await;
    let root = env.root("tim");
    let consent = env
        .driver
        .credentials(&root, &token, "luca.ferrari", "Password123!")
        .await;
    assert!(matches!(&consent, Reply::Page { body, .. } if body.contains("consent-form")));
    let xml = env
        .driver
        .step(&root, &[("token", &token), ("action", "deny")])
        .await
        .response();
    assert_status(&xml, 22);
}

#[rstest]
#[case::suspended("stefano.conti")]
#[case::revoked("chiara.marino")]
#[tokio::test]
async fn nr23_suspended_or_revoked(#[case] user: &str) {
    let env = Env::start().await;
    let xml = response_via_pages(&env, "aruba", Level::L2, user).await;
    assert_status(&xml, 23);
}

#[tokio::test]
async fn nr25_cancel() {
    let env = Env::start().await;
    let token = start_login(&env, "etna", Level::L2).await;
    let xml = env
        .driver
        .step(
            &env.root("etna"),
            &[("token", &token), ("action", "cancel")],
        )
        .await
        .response();
    assert_status(&xml, 25);
}

#[rstest]
#[case::natural_for_legal_purpose("LP", "mario.rossi", Some(30))]
#[case::legal_for_legal_purpose("LP", "anna.moretti", None)]
#[case::unknown_purpose("ZZ", "mario.rossi", Some(30))]
#[tokio::test]
async fn nr30_purpose(#[case] purpose: &str, #[case] user: &str, #[case] nr: Option<u8>) {
    let env = Env::start().await;
    let mut req = env.req("infocamere", Level::L2);
    req.purpose = Some(purpose.into());
    let xml = env
        .login_via_pages("infocamere", &req, Binding::Post, user)
        .await
        .response();
    match nr {
        Some(nr) => assert_status(&xml, nr),
        None => assert!(xml.contains(ns::STATUS_SUCCESS)),
    }
}

#[rstest]
#[case::wrong_credentials("wrong-credentials", 19)]
#[case::no_level("nr20", 20)]
#[case::timeout("timeout", 21)]
#[case::consent_denied("consent-denied", 22)]
#[case::suspended("suspended", 23)]
#[case::cancel("cancel", 25)]
#[case::purpose("purpose-mismatch", 30)]
#[tokio::test]
async fn scripted_outcomes_via_the_admin_api(#[case] outcome: &str, #[case] nr: u8) {
    let env = Env::start().await;
    let admin = format!("{}/admin/next-login", env.fed.base_url());
    let body =
        serde_json::json!({ "provider": "lepida", "user": "mario.rossi", "outcome": outcome });
    let scripted = env.driver.client.post(&admin).json(&body).send().await;
    assert_eq!(scripted.unwrap().status().as_u16(), 201);
    let req = env.req("lepida", Level::L2);
    assert_status(
        &env.send("lepida", &req, Binding::Redirect).await.response(),
        nr,
    );
}

#[tokio::test]
async fn admin_api_refuses_bad_scripts() {
    let env = Env::start().await;
    let admin = format!("{}/admin/next-login", env.fed.base_url());
    for body in [
        serde_json::json!({ "user": "nobody" }),
        serde_json::json!({ "user": "mario.rossi", "provider": "posteid" }),
        serde_json::json!({ "user": "mario.rossi", "outcome": "maybe" }),
    ] {
        let (status, err) = json_answer(env.driver.client.post(&admin).json(&body)).await;
        assert_eq!(status, 400);
        assert!(
            err["code"].is_string() && err["message"].is_string(),
            "{err}"
        );
    }
    let upload = env
        .driver
        .client
        .post(format!("{}/admin/sp-metadata", env.fed.base_url()))
        .header("content-type", "application/xml");
    let (status, err) = json_answer(upload.body("not xml")).await;
    assert_eq!(status, 400);
    assert_eq!(err["code"], "bad-sp-metadata", "{err}");
}
