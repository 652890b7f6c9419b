//! Single logout on both bindings, started by the SP and by the IdP.

use crate::login::user_at;
use crate::sp::{self, Binding, Reply};
use crate::Env;
use mock_idps::clock::{saml_instant, Clock};
use mock_idps::saml::binding::{encode_redirect, MessageKind};
use mock_idps::saml::dsig::sign_enveloped;
use mock_idps::saml::logout::{logout_request_xml, LogoutMessage, LogoutRequestPlan};
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::level::Level;

async fn logged_in(env: &Env, provider: &str) -> String {
    let req = env.req(provider, Level::L2);
    let xml = env
        .login_via_pages(provider, &req, Binding::Redirect, user_at(Level::L2))
        .await
        .response();
    let doc = XmlDoc::parse(&xml).unwrap();
    doc.root().unwrap().descendants(ns::ASSERTION, "NameID")[0].text()
}

fn logout_request(env: &Env, provider: &str, name_id: &str) -> String {
    let entity = env.fed.state().idp(provider).unwrap().entity_id.clone();
    logout_request_xml(&LogoutRequestPlan {
        id: "_lo1",
        instant: &saml_instant(env.clock.now()),
        destination: &env.fed.urls().providers[provider].slo,
        issuer: sp::SP_ENTITY,
        name_id,
        name_qualifier: &entity,
        session_index: Some("_s"),
    })
}

/// Checks that `xml` carries an enveloped signature by `provider`'s key.
fn assert_signed_by(env: &Env, provider: &str, xml: &str) {
    let doc = XmlDoc::parse(xml).unwrap();
    let idp = env.fed.state().idp(provider).unwrap();
    mock_idps::saml::dsig::verify_enveloped(&doc, doc.root().unwrap(), &[idp.key.trusted_cert()])
        .unwrap();
}

/// Posts the message `value` (base64) as the form field `name` to `url`.
async fn post_form(env: &Env, url: &str, name: &str, value: String) -> reqwest::Response {
    env.driver
        .client
        .post(url)
        .form(&[(name, value)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sp_initiated_logout_on_redirect() {
    let env = Env::start().await;
    let name_id = logged_in(&env, "aruba").await;
    assert_eq!(env.fed.state().sessions().len(), 1);
    let q = encode_redirect(
        MessageKind::Request,
        &logout_request(&env, "aruba", &name_id),
        Some("lo"),
        Some(&env.driver.key),
    );
    let resp = env
        .driver
        .client
        .get(format!("{}?{q}", env.fed.urls().providers["aruba"].slo))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(sp::SLO), "{location}");
    let query = location.split_once('?').unwrap().1;
    let m = mock_idps::saml::binding::decode_redirect(query).unwrap();
    let idp = env.fed.state().idp("aruba").unwrap();
    m.verify(&[idp.key.trusted_cert()]).unwrap();
    let doc = XmlDoc::parse(&m.xml).unwrap();
    match LogoutMessage::from_doc(&doc).unwrap() {
        LogoutMessage::Response(r) => {
            assert_eq!(r.in_response_to.as_deref(), Some("_lo1"));
            assert_eq!(r.status.as_deref(), Some(ns::STATUS_SUCCESS));
        }
        other => panic!("{other:?}"),
    }
    assert!(env.fed.state().sessions().is_empty());
}

#[tokio::test]
async fn sp_initiated_logout_on_post_and_unknown_session() {
    let env = Env::start().await;
    let name_id = logged_in(&env, "poste").await;
    let slo = env.fed.urls().providers["poste"].slo.clone();
    for (nid, expected) in [
        (name_id.as_str(), ns::STATUS_SUCCESS),
        ("_unknown", ns::STATUS_REQUESTER),
    ] {
        let signed =
            sign_enveloped(&logout_request(&env, "poste", nid), "_lo1", &env.driver.key).unwrap();
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signed);
        let resp = post_form(&env, &slo, "SAMLRequest", b64).await;
        let body = resp.text().await.unwrap();
        let xml = sp::posted_xml(&body, "SAMLResponse").unwrap();
        assert!(xml.contains(expected), "{xml}");
        assert_signed_by(&env, "poste", &xml);
    }
}

#[tokio::test]
async fn unsigned_logout_is_refused() {
    let env = Env::start().await;
    let q = encode_redirect(
        MessageKind::Request,
        &logout_request(&env, "tim", "_x"),
        None,
        None,
    );
    let reply = env
        .driver
        .get(&format!("{}?{q}", env.fed.urls().providers["tim"].slo))
        .await;
    crate::errors::assert_page(&reply, 4);
}

#[tokio::test]
async fn idp_initiated_logout_posts_a_signed_request() {
    let env = Env::start().await;
    let name_id = logged_in(&env, "lepida").await;
    let root = env.root("lepida");
    let (_, body) = sp::answer(env.driver.client.get(format!("{root}/logout"))).await;
    assert!(body.contains(&format!("action=\"{}\"", sp::SLO)), "{body}");
    let xml = sp::posted_xml(&body, "SAMLRequest").unwrap();
    assert!(xml.contains(&name_id));
    assert!(
        !xml.contains("SessionIndex"),
        "an L2 session's SP never saw a SessionIndex"
    );
    assert_signed_by(&env, "lepida", &xml);
    assert!(env.fed.state().sessions().is_empty());
    match env.driver.get(&format!("{root}/logout")).await {
        Reply::Page { status, .. } => assert_eq!(status, 404),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_logout_response_must_answer_our_request() {
    let env = Env::start().await;
    logged_in(&env, "namirial").await;
    let root = env.root("namirial");
    let body = test_support::fetch_text(&env.driver.client, format!("{root}/logout")).await;
    let xml = sp::posted_xml(&body, "SAMLRequest").unwrap();
    let request_id = sp::between(&xml, " ID=\"", "\"").unwrap();
    let slo = env.fed.urls().providers["namirial"].slo.clone();
    let answer = |in_response_to: &str| {
        let xml = mock_idps::saml::logout::logout_response_xml(
            "_lr1",
            in_response_to,
            &saml_instant(env.clock.now()),
            &slo,
            sp::SP_ENTITY,
            ns::STATUS_SUCCESS,
        );
        let signed = sign_enveloped(&xml, "_lr1", &env.driver.key).unwrap();
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, signed)
    };
    let forged = post_form(&env, &slo, "SAMLResponse", answer("_never_sent")).await;
    assert_eq!(forged.status().as_u16(), 400);
    assert!(forged.text().await.unwrap().contains("nr08"));
    let genuine = post_form(&env, &slo, "SAMLResponse", answer(&request_id)).await;
    assert_eq!(genuine.status().as_u16(), 200);
    assert!(genuine.text().await.unwrap().contains("Logout completato"));
    // Answered once: a replay of the same LogoutResponse is refused.
    let replay = post_form(&env, &slo, "SAMLResponse", answer(&request_id)).await;
    assert_eq!(replay.status().as_u16(), 400);
}

#[tokio::test]
async fn the_federation_serves_the_pin_backend() {
    // The legacy PIN service rides along on the same port (`/pin`), on the same clock.
    let env = Env::start().await;
    let pin = env.fed.urls().pin;
    let (status, form) = sp::answer(env.driver.client.get(format!("{pin}/login"))).await;
    assert_eq!(status, 200);
    assert!(form.contains("<form"), "{form}");
    let (status, services) = sp::answer(env.driver.client.get(format!("{pin}/api/services"))).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&services).unwrap();
    assert!(json.as_array().is_some_and(|a| !a.is_empty()), "{json}");
}
