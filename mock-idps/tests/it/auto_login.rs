//! Auto-login: every accepted AuthnRequest answered at once from a mix, with no admin call per
//! login and nothing kept per login.

use crate::errors::assert_status;
use crate::sp::{Binding, Reply};
use crate::Env;
use mock_idps::saml::ns;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::AutoLogin;

fn success(reply: Reply, req_id: &str) -> bool {
    match reply {
        Reply::Response { xml, .. } => {
            xml.contains(ns::STATUS_SUCCESS)
                && xml.contains(&format!("InResponseTo=\"{req_id}\""))
                && xml.contains("<saml:Assertion")
        }
        Reply::Page { .. } => false,
    }
}

#[tokio::test]
async fn answers_a_thousand_logins_in_a_row_at_every_provider_on_both_bindings() {
    let env = Env::start().await;
    env.fed
        .set_auto_login("mario.rossi".parse::<AutoLogin>().unwrap())
        .unwrap();
    let providers: Vec<String> = env.fed.urls().providers.keys().cloned().collect();
    assert!(providers.len() >= 13);
    let mut answered = 0;
    for i in 0..1000 {
        let provider = &providers[i % providers.len()];
        let binding = if i % 2 == 0 {
            Binding::Redirect
        } else {
            Binding::Post
        };
        let mut req = env.req(provider, Level::L2);
        let id = format!("_auto{i:012}");
        req.id = Some(id.clone());
        let reply = env.send(provider, &req, binding).await;
        assert!(success(reply, &id), "login {i} at {provider} ({binding:?})");
        answered += 1;
    }
    assert_eq!(answered, 1000);
    // Stateless: no IdP session, no pending login, nothing scripted was used.
    assert!(env.fed.state().sessions().is_empty());
    let log = env.fed.received_requests();
    assert!(log.iter().rev().take(1000).all(|r| r.verdict == "accepted"));
}

#[tokio::test]
async fn per_provider_mixes_through_the_admin_api() {
    let env = Env::start().await;
    let admin = format!("{}/admin/auto-login", env.fed.base_url());
    let client = &env.driver.client;
    // Poste denies consent; every other provider still shows its login page.
    let resp = client
        .put(&admin)
        .json(&serde_json::json!({ "spec": "mario.rossi:consent-denied,provider=poste" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let shown: serde_json::Value = test_support::fetch_json(client, &admin).await;
    assert_eq!(
        shown["by_provider"]["poste"]["entries"][0]["outcome"],
        "consent-denied"
    );
    let req = env.req("poste", Level::L2);
    assert_status(&env.send("poste", &req, Binding::Post).await.response(), 22);
    let req = env.req("aruba", Level::L2);
    assert!(matches!(
        env.send("aruba", &req, Binding::Redirect).await,
        Reply::Page { ref body, .. } if body.contains("token")
    ));
    // The structured form, for every provider; Poste keeps its own mix.
    let resp = client
        .put(&admin)
        .json(&serde_json::json!({ "entries": [{ "user": "mario.rossi", "level": 1 }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let req = env.req("aruba", Level::L1);
    let xml = env.send("aruba", &req, Binding::Redirect).await.response();
    assert!(xml.contains(Level::L1.uri()));
    let req = env.req("poste", Level::L2);
    assert_status(&env.send("poste", &req, Binding::Post).await.response(), 22);
    // Clearing Poste's mix leaves it on the mix for every provider.
    let resp = client
        .delete(format!("{admin}?provider=poste"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let mut req = env.req("poste", Level::L2);
    req.id = Some("_after_clear".into());
    assert!(success(
        env.send("poste", &req, Binding::Post).await,
        "_after_clear"
    ));
    // Clearing everything brings the pages back.
    client.delete(&admin).send().await.unwrap();
    let req = env.req("poste", Level::L2);
    assert!(matches!(
        env.send("poste", &req, Binding::Post).await,
        Reply::Page { .. }
    ));
}

#[tokio::test]
async fn the_admin_api_refuses_bad_mixes_with_the_reason() {
    let env = Env::start().await;
    let admin = format!("{}/admin/auto-login", env.fed.base_url());
    for (body, needle) in [
        (
            serde_json::json!({ "spec": "nobody.here" }),
            "unknown auto-login user",
        ),
        (
            serde_json::json!({ "spec": "mario.rossi,provider=nowhere" }),
            "unknown auto-login provider",
        ),
        (
            serde_json::json!({ "spec": "mario.rossi@9" }),
            "unknown SPID level",
        ),
        (
            serde_json::json!({ "spec": "mario.rossi*0" }),
            "weights are 0",
        ),
        (serde_json::json!({ "users": [] }), "bad auto-login JSON"),
    ] {
        let resp = env
            .driver
            .client
            .put(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{body}");
        let text = resp.text().await.unwrap();
        assert!(text.contains(needle), "{body}: {text}");
    }
}
