use crate::support::{form_action, form_value, world, Login, World};
use reference_sp::faults::Faults;

/// Logs in with `l` and checks that the SP opened a session: the ACS redirects (303) and the
/// protected page answers.
async fn logged_in(w: &World, l: &Login<'_>) {
    let (status, body, _) = w.login(l).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(w.me().await.0, 200);
}

#[tokio::test]
async fn sp_initiated_logout() {
    let w = world(Faults::none()).await;
    for level in [1u8, 2] {
        logged_in(
            &w,
            &Login {
                level,
                ..Login::default()
            },
        )
        .await;
        let r = w.browser.get(w.sp.urls().logout).send().await.unwrap();
        assert!(r.status().is_redirection(), "redirect to the IdP");
        let to_idp = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to_idp.starts_with(&w.fed.urls().providers["aruba"].slo));
        // The IdP ends its session and answers on our SLO endpoint (Redirect binding).
        let r = w.browser.get(&to_idp).send().await.unwrap();
        assert!(r.status().is_redirection(), "{}", r.status());
        let back = r.headers()["location"].to_str().unwrap().to_string();
        assert!(back.starts_with(&w.sp.urls().slo), "{back}");
        let r = w.browser.get(&back).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("id=\"logged-out\""));
        assert_eq!(w.me().await.0, 401);
        assert!(
            w.fed.state().sessions().is_empty(),
            "the IdP session ended too"
        );
    }
}

#[tokio::test]
async fn idp_initiated_logout() {
    let w = world(Faults::none()).await;
    logged_in(&w, &Login::default()).await;
    let idp_root = w.fed.urls().providers["aruba"]
        .slo
        .trim_end_matches("/slo")
        .to_string();
    let r = test_support::send(w.browser.get(format!("{idp_root}/logout"))).await;
    assert_eq!(r.status, 200);
    let action = form_action(&r.body).unwrap();
    assert_eq!(action, w.sp.urls().slo);
    let request = form_value(&r.body, "SAMLRequest").unwrap();
    let r = test_support::send(w.browser.post(&action).form(&[("SAMLRequest", request)])).await;
    assert_eq!(r.status, 200);
    let html = r.body;
    // Our signed LogoutResponse, auto-posted back to the IdP.
    assert_eq!(
        form_action(&html).unwrap(),
        w.fed.urls().providers["aruba"].slo
    );
    assert_eq!(w.me().await.0, 401);
    let r = w
        .browser
        .post(form_action(&html).unwrap())
        .form(&[("SAMLResponse", form_value(&html, "SAMLResponse").unwrap())])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Logout completato"),
        "the IdP accepted our LogoutResponse: {page}"
    );
}

#[tokio::test]
async fn forged_logout_request_is_refused() {
    let w = world(Faults::none()).await;
    logged_in(&w, &Login::default()).await;
    let xml = format!(
        "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_x\" Version=\"2.0\" IssueInstant=\"2024-01-01T00:00:00Z\"><saml:Issuer>{}</saml:Issuer><saml:NameID>x</saml:NameID></samlp:LogoutRequest>",
        w.entity_id("aruba")
    );
    let r = w
        .browser
        .post(w.sp.urls().slo)
        .form(&[(
            "SAMLRequest",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(w.me().await.0, 200);
}
