use crate::support::{world, Login};
use reference_sp::faults::Faults;

#[tokio::test]
async fn every_provider_at_every_level_it_offers() {
    let w = world(Faults::none()).await;
    let providers = w.fed.urls().providers;
    assert_eq!(providers.len(), w.fed.state().fixtures.providers.len());
    let mut logins = 0;
    for (id, p) in &providers {
        for level in 1..=p.max_level {
            let user = if level == 3 {
                "francesca.romano"
            } else {
                "mario.rossi"
            };
            let (status, body, location) = w
                .login(&Login {
                    provider: id,
                    user,
                    level,
                    ..Login::default()
                })
                .await;
            assert_eq!(status, 303, "{id} L{level}: {body}");
            assert_eq!(location.as_deref(), Some("/me"));
            let (status, me) = w.me().await;
            assert_eq!(status, 200);
            assert!(
                me.contains(&format!("data-level=\"{level}\"")),
                "{id} L{level}: {me}"
            );
            assert!(me.contains("<table id=\"attributes\">"));
            assert!(me.contains("fiscalNumber"));
            logins += 1;
        }
    }
    let levels: usize = providers.values().map(|p| usize::from(p.max_level)).sum();
    assert_eq!(logins, levels);
}

#[tokio::test]
async fn post_binding_and_comparisons() {
    let w = world(Faults::none()).await;
    for (binding, comparison, level) in [
        ("post", "minimum", 2),
        ("post", "exact", 1),
        ("redirect", "better", 1),
        ("redirect", "maximum", 3),
    ] {
        let (status, body, _) = w
            .login(&Login {
                provider: "poste",
                user: "francesca.romano",
                level,
                comparison,
                binding,
                ..Login::default()
            })
            .await;
        assert_eq!(status, 303, "{binding} {comparison} L{level}: {body}");
    }
}

#[tokio::test]
async fn me_needs_a_login_and_unknown_idp_is_named() {
    let w = world(Faults::none()).await;
    let (status, _) = w.me().await;
    assert_eq!(status, 401);
    let login = w.browser.get(w.sp.urls().login);
    let r = test_support::send(login.query(&[("idp", "https://nobody.example")])).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains(&w.entity_id("aruba")), "{}", r.body);
    let index = test_support::fetch_text(&w.browser, w.sp.urls().base).await;
    assert_eq!(
        index.matches("class=\"idp\"").count(),
        w.fed.state().fixtures.providers.len()
    );
}

#[tokio::test]
async fn the_same_response_twice_is_refused() {
    let w = world(Faults::none()).await;
    let posted = w.to_idp_answer(&Login::default()).await;
    let (status, _, _) = w.post_acs(&posted, &posted.xml).await;
    assert_eq!(status, 303);
    let (status, body, _) = w.post_acs(&posted, &posted.xml).await;
    assert_eq!(status, 403);
    assert_eq!(
        crate::support::refused_check(&body).as_deref(),
        Some("in-response-to")
    );
}

#[tokio::test]
async fn a_response_for_another_browser_is_refused() {
    let w = world(Faults::none()).await;
    let posted = w.to_idp_answer(&Login::default()).await;
    let other = crate::support::browser();
    let r = other
        .post(&posted.acs)
        .form(&[(
            "SAMLResponse",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &posted.xml),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().await.unwrap();
    assert_eq!(
        crate::support::refused_check(&body).as_deref(),
        Some("in-response-to")
    );
}

/// Whether `url` stops answering (a refused connection) within about two seconds.
async fn stops_answering(url: &str) -> bool {
    let client = reqwest::Client::new();
    for _ in 0..40 {
        if client.get(url).send().await.is_err() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn the_sp_stops_on_shutdown_and_when_dropped() {
    for drop_it in [false, true] {
        let w = world(Faults::none()).await;
        let base = w.sp.urls().base;
        assert_eq!(test_support::send(w.browser.get(&base)).await.status, 200);
        if drop_it {
            drop(w.sp);
        } else {
            let stopped = tokio::time::timeout(std::time::Duration::from_secs(5), w.sp.shutdown());
            stopped.await.expect("shutdown ends");
        }
        assert!(stops_answering(&base).await, "drop: {drop_it}");
    }
}
