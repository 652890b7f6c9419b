//! "Entra con CIE" through the reference SP: a login at every level through the CIE ID mock's
//! real pages (password, OTP, card + PIN), the card outcomes ending on the SP's error page with
//! code 23, the CIE request rules the SP applies, and the `cie-*` fault switches.

use crate::support::{
    form_action, form_value, refused_check, spid_error, world_for, Posted, World,
};
use base64::Engine;
use mock_idps::fixtures::Fixtures;
use reference_sp::faults::Faults;
use reference_sp::SpConfig;
use rstest::rstest;

/// Mocks and an SP that trusts the SPID registry and both CIE ID providers.
async fn cie_world(faults: Faults) -> World {
    world_for(|fed| SpConfig {
        cie_idp_metadata: ["cie", "cie-preprod"]
            .iter()
            .map(|id| fed.state().idp(id).unwrap().metadata.clone())
            .collect(),
        faults,
        ..SpConfig::default()
    })
    .await
}

/// How the user gets through the CIE pages.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// CieID user name and password (+ the OTP at L2).
    Password(&'static str),
    /// The card on the reader with this PIN, tried `n` times.
    Card(&'static str, &'static str, usize),
}

/// Starts "Entra con CIE" at the SP, walks the CIE pages; returns the auto-posted Response.
async fn cie_login(w: &World, id: &str, level: u8, comparison: &str, via: Via) -> Posted {
    let entity = w.fed.urls().cie[id].entity_id.clone();
    let r = w
        .browser
        .get(w.sp.urls().login)
        .query(&[
            ("idp", entity.as_str()),
            ("level", &level.to_string()),
            ("comparison", comparison),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let mut html = test_support::fetch_text(&w.browser, &location).await;
    let token = form_value(&html, "token").unwrap_or_else(|| panic!("no token: {html}"));
    let step = format!(
        "{}/login",
        w.fed.urls().cie[id].sso.trim_end_matches("/sso")
    );
    let post = |fields: Vec<(&'static str, String)>| {
        let step = step.clone();
        async move {
            w.browser
                .post(&step)
                .form(&fields)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    match via {
        Via::Password(user) => {
            html = post(vec![
                ("token", token.clone()),
                ("username", user.into()),
                ("password", "Password123!".into()),
            ])
            .await;
            if html.contains("id=\"otp-form\"") {
                let start = html.find("<output id=\"simulated-otp\">").unwrap() + 27;
                let otp = html[start..start + html[start..].find('<').unwrap()].to_string();
                html = post(vec![("token", token.clone()), ("otp", otp)]).await;
            }
        }
        Via::Card(card, pin, tries) => {
            assert!(html.contains("id=\"card-form\""), "{html}");
            for _ in 0..tries {
                html = post(vec![
                    ("token", token.clone()),
                    ("card", card.into()),
                    ("pin", pin.into()),
                    ("reader", "app".into()),
                ])
                .await;
            }
        }
    }
    if html.contains("id=\"consent-form\"") {
        html = post(vec![
            ("token", token.clone()),
            ("action", "continue".into()),
        ])
        .await;
    }
    let b64 = form_value(&html, "SAMLResponse").unwrap_or_else(|| panic!("no Response: {html}"));
    Posted {
        acs: form_action(&html).unwrap(),
        xml: String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap(),
        relay_state: form_value(&html, "RelayState"),
    }
}

#[rstest]
#[case::l1_password("cie", 1, "minimum", Via::Password("mario.rossi"))]
#[case::l2_otp("cie", 2, "minimum", Via::Password("mario.rossi"))]
#[case::l3_card_and_pin("cie", 3, "exact", Via::Card("CA00001AA", "12345678", 1))]
#[case::l3_pre_production("cie-preprod", 3, "minimum", Via::Card("CA00009AA", "24681357", 1))]
#[case::l1_pre_production("cie-preprod", 1, "exact", Via::Password("francesca.romano"))]
#[tokio::test]
async fn entra_con_cie_at_every_level(
    #[case] id: &str,
    #[case] level: u8,
    #[case] comparison: &str,
    #[case] via: Via,
) {
    let w = cie_world(Faults::none()).await;
    let posted = cie_login(&w, id, level, comparison, via).await;
    // What the SP asked: ForceAuthn always, the CIE attribute set (index 2).
    let asked = w.fed.received_requests().pop().unwrap();
    assert_eq!(asked.verdict, "accepted", "{asked:?}");
    assert!(asked.xml.contains("ForceAuthn=\"true\""), "{}", asked.xml);
    assert!(asked.xml.contains("AttributeConsumingServiceIndex=\"2\""));
    let (status, body, location) = w.post_acs(&posted, &posted.xml).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(location.as_deref(), Some("/me"));
    let (status, me) = w.me().await;
    assert_eq!(status, 200);
    assert!(me.contains(&format!("data-level=\"{level}\"")), "{me}");
    assert!(
        me.contains("fiscalNumber") && me.contains("dateOfBirth"),
        "{me}"
    );
}

#[rstest]
#[case::three_wrong_pins(Via::Card("CA00002AA", "00000000", 3))]
#[case::expired_card(Via::Card("CA99020AA", "20212021", 1))]
#[case::revoked_card(Via::Card("CA00004AA", "31415926", 1))]
#[tokio::test]
async fn card_outcomes_end_on_the_sp_error_page_with_23(#[case] via: Via) {
    let w = cie_world(Faults::none()).await;
    let posted = cie_login(&w, "cie", 3, "minimum", via).await;
    let (status, body, _) = w.post_acs(&posted, &posted.xml).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(spid_error(&body).as_deref(), Some("nr23"), "{body}");
    assert_eq!(w.me().await.0, 401);
}

#[tokio::test]
async fn the_sp_refuses_to_ask_cie_for_better_or_maximum() {
    let w = cie_world(Faults::none()).await;
    let entity = w.fed.urls().cie["cie"].entity_id.clone();
    for comparison in ["better", "maximum"] {
        let query = [
            ("idp", entity.as_str()),
            ("level", "2"),
            ("comparison", comparison),
        ];
        let r = test_support::send(w.browser.get(w.sp.urls().login).query(&query)).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("CIE accepts only exact or minimum"));
    }
}

/// Re-signs the Assertion of `xml` with the CIE key after `f` changed it.
fn resigned(xml: &str, f: impl FnOnce(String) -> String) -> String {
    let mut out = xml.to_string();
    while let Some(start) = out.find("<ds:Signature") {
        let end = out[start..].find("</ds:Signature>").unwrap() + start + "</ds:Signature>".len();
        out.replace_range(start..end, "");
    }
    let out = f(out);
    let at = out.find("<saml:Assertion").unwrap();
    let id_start = out[at..].find(" ID=\"").unwrap() + at + 5;
    let id = out[id_start..id_start + out[id_start..].find('"').unwrap()].to_string();
    let key = Fixtures::embedded().unwrap().keys["cie"].clone();
    mock_idps::saml::dsig::sign_enveloped(&out, &id, &key).unwrap()
}

#[rstest]
#[case::friendly_names("cie-friendly-names", |x: String| x.replace("FriendlyName=\"Codice Fiscale\"", "FriendlyName=\"Nome\""))]
#[case::sp_name_qualifier("cie-sp-name-qualifier", |x: String| x.replace(" SPNameQualifier=\"https://reference-sp.spid-harness.example\"", " SPNameQualifier=\"https://other-sp.spid-harness.example\""))]
#[tokio::test]
async fn cie_checks_refuse_and_their_mutants_accept(
    #[case] name: &str,
    #[case] change: fn(String) -> String,
) {
    for (faults, expected) in [(Faults::none(), 403), (Faults::parse(name).unwrap(), 303)] {
        let w = cie_world(faults).await;
        let posted = cie_login(&w, "cie", 1, "minimum", Via::Password("mario.rossi")).await;
        let crafted = resigned(&posted.xml, change);
        assert_ne!(crafted, posted.xml);
        let (status, body, _) = w.post_acs(&posted, &crafted).await;
        assert_eq!(status, expected, "{name}: {body}");
        if expected == 403 {
            assert_eq!(refused_check(&body).as_deref(), Some(name), "{body}");
        }
    }
}
