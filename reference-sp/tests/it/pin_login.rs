//! "Entra con PIN" before and after the citizens' switch-off (SW-05, SW-06), against the mock PIN
//! backend of the federation, on the SP's and the backend's shared simulated clock.

use crate::support::{browser, world, World};
use reference_sp::faults::Faults;
use reference_sp::SpConfig;
use serde_json::{json, Value};
use time::macros::datetime;

const MARIO: &str = "RSSMRA80A01H501U"; // adult Italian citizen
const GIORGIO: &str = "BRNGRG86A27B354U"; // resident abroad without an Italian ID

/// Requests a PIN at the office, does the first access, and returns the new PIN.
async fn issue_pin(w: &World, cf: &str, new_pin: &str) {
    let pin = w.fed.urls().pin;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{pin}/api/requests"))
        .json(&json!({"fiscal_code": cf, "channel": "office"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let outbox: Vec<Value> =
        test_support::fetch_json(&http, format!("{pin}/api/people/{cf}/outbox")).await;
    let initial = outbox
        .iter()
        .rev()
        .filter(|m| m["carrier"] == "counter")
        .filter_map(|m| m["code"].as_str())
        .next()
        .expect("the office hands over the 16 characters")
        .to_string();
    let r = http
        .post(format!("{pin}/api/first-access"))
        .json(&json!({"fiscal_code": cf, "initial_pin": initial, "new_pin": new_pin}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

async fn pin_login(w: &World, client: &reqwest::Client, cf: &str, pin: &str) -> reqwest::Response {
    client
        .post(format!("{}/pin-login", w.sp.urls().base))
        .form(&[("fiscal_code", cf), ("pin", pin)])
        .send()
        .await
        .unwrap()
}

async fn pin_world() -> World {
    // The SP needs the federation's URL, known only once it runs: start, then restart the SP.
    let w = world(Faults::none()).await;
    let pin = w.fed.urls().pin;
    let sp = reference_sp::ReferenceSp::start(SpConfig {
        clock: w.clock.clone(),
        idp_metadata: vec![w.fed.state().registry_xml.clone()],
        pin_backend: Some(pin),
        ..SpConfig::default()
    })
    .await
    .unwrap();
    World { sp, ..w }
}

#[tokio::test]
async fn pin_login_before_and_after_the_citizens_switch_off() {
    let w = pin_world().await;
    let form = w
        .browser
        .get(format!("{}/pin-login", w.sp.urls().base))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("name=\"fiscal_code\""));

    // Before: 2020-09-01, phase pin-spid-cie, every citizen's PIN logs in.
    w.clock.set(datetime!(2020-09-01 09:00 UTC));
    issue_pin(&w, MARIO, "Mario123").await;
    let wrong = pin_login(&w, &w.browser, MARIO, "Wrong123").await;
    assert_eq!(wrong.status(), 401);
    let html = wrong.text().await.unwrap();
    assert!(html.contains("data-check=\"pin-backend\""), "{html}");
    assert!(html.contains("data-pin-error=\"PIN_WRONG\""), "{html}");
    let me = w.browser.get(w.sp.urls().me).send().await.unwrap();
    assert_eq!(me.status(), 401, "a refused PIN logs nobody in");

    let ok = pin_login(&w, &w.browser, MARIO, "Mario123").await;
    assert_eq!(ok.status(), 303);
    let me = w.browser.get(w.sp.urls().me).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let html = me.text().await.unwrap();
    assert!(html.contains(MARIO), "{html}");
    assert!(html.contains("<span id=\"method\">PIN</span>"), "{html}");

    // After: from 2021-10-01 (SW-05) a citizen's PIN is refused by the SP's timeline.
    w.clock.set(datetime!(2021-10-01 09:00 UTC));
    let late = browser();
    let refused = pin_login(&w, &late, MARIO, "Mario123").await;
    assert_eq!(refused.status(), 403);
    let html = refused.text().await.unwrap();
    assert!(html.contains("data-check=\"pin-switch-off\""), "{html}");
    assert!(html.contains("2021-10-01"), "{html}");
    assert!(html.contains("digital-identity-citizens"), "{html}");
    assert_eq!(late.get(w.sp.urls().me).send().await.unwrap().status(), 401);

    // SW-06: a resident abroad without an Italian ID keeps the PIN after the switch-off.
    issue_pin(&w, GIORGIO, "Giorgio1").await;
    let abroad = browser();
    assert_eq!(
        pin_login(&w, &abroad, GIORGIO, "Giorgio1").await.status(),
        303
    );
    let me = abroad.get(w.sp.urls().me).send().await.unwrap();
    assert_eq!(me.status(), 200);
    assert!(me.text().await.unwrap().contains(GIORGIO));
}

#[tokio::test]
async fn pin_login_is_off_without_a_backend() {
    let w = world(Faults::none()).await;
    let r = pin_login(&w, &w.browser, MARIO, "Mario123").await;
    assert_eq!(r.status(), 404);
}
