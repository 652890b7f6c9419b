//! Fake services that behave like real SPID service providers we did not write, one per class
//! of false positive the suite used to report: a service that ignores `{level}`,
//! `{comparison}` and `{binding}` (always asks SpidL1 minimum on HTTP-Redirect), one that never
//! shows the identity it read, one that refuses anomalies showing only the official AgID
//! message, and a run without `--logout-url`. Each asserts the verdict the suite now reaches.
//!
//! The fakes sit in front of the strict reference SP (they redirect its login with fixed
//! values, or serve their own pages beside it) so that the SAML side is a real, strict SP.

use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use harness::browser::Browser;
use harness::conformance::capability;
use harness::conformance::{logout, reference, select, RESPONSE_CASES};
use harness::oracle::{judge, OracleConfig};
use harness::report::NotRunKind;
use reference_sp::faults::Faults;
use std::time::Duration;

use test_support::serve;

/// A front that starts every login at SpidL1 minimum on HTTP-Redirect whatever it is asked, and
/// a profile page that greets the user without showing any identity.
async fn front(fixed_login: String) -> String {
    let app = Router::new()
        .route(
            "/login",
            get(move || {
                let to = fixed_login.clone();
                async move { Redirect::to(&to) }
            }),
        )
        .route(
            "/profile",
            get(|| async { Html("<h1>Area riservata</h1><p>Benvenuto nel servizio.</p>") }),
        );
    serve(app).await
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_ignores_level_gets_not_applicable_cases_and_no_duplicates() {
    let state = reference::mock_state().unwrap();
    let run = reference::start(&state, Faults::none()).await.unwrap();
    let fixed = run.target.login_start(1, "minimum", "redirect");
    let base = front(fixed).await;
    let mut target = run.target.clone();
    target.login_url =
        format!("{base}/login?level={{level}}&comparison={{comparison}}&binding={{binding}}");

    let caps = capability::probe(&target).await;
    assert!(!caps.honours_level(), "{}", caps.summary());
    assert!(!caps.honours_comparison(), "{}", caps.summary());
    assert!(!caps.honours_binding(), "{}", caps.summary());
    assert!(
        caps.summary().contains("{level} IGNORED"),
        "{}",
        caps.summary()
    );

    let all: Vec<_> = RESPONSE_CASES.iter().collect();
    let (to_run, not_run) = capability::plan(&all, &caps, &target);
    let reason = |id: &str| {
        not_run
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| e.not_run.as_ref())
            .map(|n| (n.kind, n.reason.clone()))
    };
    // The level matrix collapses: requests never sent are not applicable, not 36 passes.
    for id in [
        "acr-L2-minimum-L2",
        "acr-L3-exact-L3",
        "acr-L1-exact-L1",
        "sessidx-1",
        "1-NS",
    ] {
        let (kind, why) = reason(id).unwrap_or_else(|| panic!("{id} should not be sent"));
        assert_eq!(kind, NotRunKind::NotApplicable, "{id}");
        assert!(why.contains("does not honour"), "{id}: {why}");
    }
    // acr-L1-minimum-L1 would send what case 94 sends (an L1 Assertion to the same L1 request).
    let (_, why) = reason("acr-L1-minimum-L1").unwrap();
    assert!(why.contains("duplicate of case 94"), "{why}");
    assert!(!to_run.iter().any(|c| c.id == "acr-L1-minimum-L1"));
    assert!(
        to_run.iter().any(|c| c.id == "sessidx-2"),
        "sessidx-2 needs an L1 request: runs"
    );

    // What runs is judged by the request actually captured: 95 and 96 answer the L1 request
    // with an upgraded Assertion that keeps its SessionIndex, and the strict SP accepts them
    // (the spid-sp-test cases that failed before SessionIndex followed the requested level).
    let (cases, _) = select(&ids(&["1", "95", "96", "sessidx-2"]));
    let entries = harness::conformance::run(&target, &cases, 2).await;
    for e in &entries {
        assert!(
            e.passed,
            "{}: {:?} {:?}",
            e.id,
            e.error,
            e.verdict.as_ref().map(|v| &v.reason)
        );
        assert!(
            e.title.contains("request L1 minimum, redirect binding"),
            "the title names the request captured: {}",
            e.title
        );
    }
    let e95 = entries.iter().find(|e| e.id == "95").unwrap();
    assert_eq!(e95.expected, "accept");
    assert!(e95
        .sent
        .as_deref()
        .unwrap_or_default()
        .contains("SessionIndex"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_shows_the_identity_makes_read_it_whole_cases_not_determinable() {
    let state = reference::mock_state().unwrap();
    let run = reference::start(&state, Faults::none()).await.unwrap();
    let base = front(String::new()).await;
    let mut target = run.target.clone();
    target.identity_url = Some(format!("{base}/profile"));
    let (cases, _) = select(&ids(&["comment-1", "comment-2"]));
    for e in harness::conformance::run(&target, &cases, 2).await {
        let n = e
            .not_run
            .as_ref()
            .unwrap_or_else(|| panic!("{}: {:?}", e.id, e.verdict));
        assert_eq!(n.kind, NotRunKind::NotDeterminable, "{}", e.id);
        assert!(n.reason.contains("shows no identity"), "{}", n.reason);
        assert!(e.error.is_none());
    }

    // A pattern that finds another value on the page is a failure (someone else's identity).
    let mut target = run.target.clone();
    target.identity_pattern = Some(regex::Regex::new(r"(TINIT-[A-Z]{6})").unwrap());
    let (cases, _) = select(&ids(&["comment-1"]));
    let e = harness::conformance::run(&target, &cases, 1)
        .await
        .remove(0);
    assert!(!e.passed && e.not_run.is_none(), "{e:?}");
    // Without a pattern, the reference SP's page shows the whole value: passed.
    let e = harness::conformance::run(&run.target, &cases, 1)
        .await
        .remove(0);
    assert!(e.passed, "{:?}", e.verdict);
}

#[tokio::test]
async fn a_refusal_that_shows_only_the_agid_message_is_read_as_its_code() {
    // The service answers the ACS with its own page and the official nr25 message, no code.
    let app = Router::new()
        .route(
            "/acs",
            post(|| async {
                Html("<h1>Accesso non riuscito</h1><p>Processo di autenticazione annullato dall\u{2019}utente.</p><a href=\"/\">Torna alla home</a>")
                    .into_response()
            }),
        )
        .route("/me", get(|| async { axum::http::StatusCode::UNAUTHORIZED }));
    let base = serve(app).await;
    let browser = Browser::new(Duration::from_secs(5)).unwrap();
    let mut trace = browser
        .post_saml_response(
            &format!("{base}/acs"),
            vec![("SAMLResponse".into(), "PHNhbWxwOlJlc3BvbnNlLz4=".into())],
            "<samlp:Response/>".into(),
        )
        .await
        .unwrap();
    let oracle = OracleConfig {
        probe_url: Some(format!("{base}/me")),
        ..OracleConfig::default()
    };
    let v = judge(&oracle, &browser, &mut trace).await;
    assert!(!v.accepted);
    assert_eq!(v.spid_error.map(|c| c.to_string()).as_deref(), Some("nr25"));
    assert!(
        v.evidence
            .iter()
            .any(|e| e.contains("official SPID anomaly message")),
        "{:?}",
        v.evidence
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_logout_url_the_cases_that_need_it_are_skipped_not_failed() {
    let state = reference::mock_state().unwrap();
    let run = reference::start(&state, Faults::none()).await.unwrap();
    let mut target = run.target.clone();
    target.logout_url = None;
    let (cases, _) = select(&ids(&["irt-2"]));
    let mut entries = harness::conformance::run(&target, &cases, 1).await;
    entries.extend(logout::run(&target, &logout::select(&[]), 2).await);
    let skipped: Vec<_> = entries
        .iter()
        .filter(|e| {
            e.not_run
                .as_ref()
                .is_some_and(|n| n.kind == NotRunKind::Skipped)
        })
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(
        skipped,
        [
            "irt-2",
            "logout-7",
            "logout-8",
            "logout-9",
            "logout-10",
            "logout-11"
        ]
    );
    let report =
        harness::report::RunReport::new("check", time::OffsetDateTime::now_utc(), 1.0, entries);
    assert_eq!(report.summary.skipped, 6);
    assert_eq!(report.summary.errors, 0, "{:#?}", report.summary);
    assert!(report.all_passed(), "{:#?}", report.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_above_the_users_level_names_the_level_held_and_a_user_who_has_it() {
    use harness::login::{run as login, Expectation, LoginPlan, MockAdmin};
    use mock_idps::federation::{FederationConfig, MockFederation};
    use mock_idps::spid::level::Level;
    use mock_idps::spid::script::Outcome;
    let fed = MockFederation::start_with(FederationConfig::default())
        .await
        .unwrap();
    let sp = harness::demo::reference_sp_on(&fed, reference_sp::faults::Faults::none())
        .await
        .expect("reference SP");
    let urls = fed.urls();
    let entity = &urls.providers["poste"].entity_id;
    let plan = LoginPlan {
        id: "login/poste/L3".into(),
        title: "L3 with the default user".into(),
        provider: "poste".into(),
        level: Level::L3,
        user: "mario.rossi".into(),
        outcome: Outcome::Success,
        start_url: format!(
            "{}?idp={}&level=3&comparison=minimum&binding=redirect",
            sp.urls().login,
            mock_idps::saml::binding::url_encode(entity)
        ),
        expected: Expectation::Accept,
    };
    let oracle = OracleConfig {
        probe_url: Some(sp.urls().me.clone()),
        ..OracleConfig::default()
    };
    let fixtures = mock_idps::fixtures::Fixtures::embedded().unwrap();
    let admin = MockAdmin::InProcess(fed.state().clone());
    let e = login(&plan, &admin, &fixtures, &oracle, Duration::from_secs(10)).await;
    assert!(!e.passed);
    let hint = e
        .verdict
        .as_ref()
        .and_then(|v| v.evidence.iter().find(|x| x.starts_with("sent:")))
        .cloned()
        .unwrap_or_default();
    assert!(hint.contains("holds L2 at most"), "{hint}");
    assert!(hint.contains("nr20"), "{hint}");
    let suggested = hint
        .split("try --user ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap();
    let u = fixtures.user(suggested).unwrap();
    assert_eq!(u.max_level, Level::L3, "{hint}");
}
