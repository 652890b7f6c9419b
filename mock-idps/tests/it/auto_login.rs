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
        // CIE has no nr20: a mix for every provider cannot end a CIE login with no-level.
        (
            serde_json::json!({ "spec": "mario.rossi:no-level" }),
            "cannot end a login at",
        ),
        (
            serde_json::json!({ "spec": "mario.rossi:purpose-mismatch,provider=cie" }),
            "its CIE profile ends logins only with success, wrong-credentials, timeout",
        ),
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

/// A scripted outcome the named provider has no error code for is refused when it is queued,
/// with the codes it does have (it used to end on a system-error page at CIE); one naming no
/// provider waits for a provider that can end a login that way.
#[tokio::test]
async fn a_script_the_provider_cannot_end_is_refused_or_left_for_one_that_can() {
    use mock_idps::spid::script::{Outcome, ScriptedLogin};
    use mock_idps::spid::state::ScriptRefused;
    let env = Env::start().await;
    let script = |provider: Option<&str>, outcome| ScriptedLogin {
        provider: provider.map(str::to_string),
        user: "mario.rossi".into(),
        level: None,
        outcome,
    };
    for outcome in [Outcome::NoLevel, Outcome::PurposeMismatch] {
        let e = env
            .fed
            .script_next_login(script(Some("cie"), outcome))
            .expect_err("CIE has no code for it");
        assert!(matches!(e, ScriptRefused::NoCode(_)), "{e:?}");
        assert!(e.to_string().contains("suspended"), "{e}");
    }
    // The admin API says the same, as a 400.
    let resp = env
        .driver
        .client
        .post(format!("{}/admin/next-login", env.fed.base_url()))
        .json(&serde_json::json!({"provider": "cie", "user": "mario.rossi", "outcome": "nr20"}))
        .send()
        .await
        .unwrap();
    let (status, body) = (resp.status().as_u16(), resp.text().await.unwrap());
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no-such-outcome"), "{body}");
    // Naming no provider, CIE leaves it for a provider that can end it: poste.
    env.fed
        .script_next_login(script(None, Outcome::NoLevel))
        .unwrap();
    let state = env.fed.state();
    assert_eq!(state.take_script("cie"), None);
    let taken = state.take_script("poste").expect("poste takes it");
    assert_eq!(taken.outcome, Outcome::NoLevel);
    // And a login at poste ends with nr20 as scripted.
    env.fed
        .script_next_login(script(None, Outcome::NoLevel))
        .unwrap();
    let req = env.req("poste", Level::L2);
    match env.send("poste", &req, Binding::Post).await {
        Reply::Response { xml, .. } => assert!(xml.contains("nr20"), "{xml}"),
        Reply::Page { .. } => panic!("poste did not take the scripted no-level login"),
    }
}
