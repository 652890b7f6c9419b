//! Refresh, revocation and introspection per profile (revocation_endpoint.rst,
//! differenze_spid_cie.rst).

use crate::support::{world, World};
use mock_idps::spid::level::Level;

#[tokio::test]
async fn spid_refresh_gives_l1_and_revoking_the_access_token_revokes_the_refresh_token_and_the_session(
) {
    let w = world("").await;
    let (sid, s) = w.login("poste", Level::L2).await.expect("login");
    let rt = s
        .refresh_token
        .clone()
        .expect("offline_access + prompt=consent gives a refresh token");
    let sessions = |w: &World| {
        w.fed
            .state()
            .sessions()
            .iter()
            .filter(|x| x.provider == "poste")
            .count()
    };
    assert_eq!(sessions(&w), 1);
    let id =
        w.rp.refresh(&sid)
            .await
            .expect("refresh")
            .expect("SPID: a refresh gives an ID token");
    assert_eq!(
        id.level,
        Some(Level::L1),
        "SPID: a refreshed ID token carries SpidL1 only"
    );
    let at = w.rp.session(&sid).expect("session").access_token;
    assert_eq!(active(&w, "poste", &at).await, Some(true));
    w.rp.logout(&sid).await.expect("logout revokes");
    assert_eq!(active(&w, "poste", &at).await, Some(false));
    assert_eq!(
        active(&w, "poste", &rt).await,
        Some(false),
        "SPID: the refresh token goes with the access token"
    );
    assert_eq!(
        sessions(&w),
        0,
        "SPID: revoking the access token ends the SSO session"
    );
}

#[tokio::test]
async fn cie_access_token_revocation_keeps_the_refresh_token_and_refresh_token_revocation_takes_the_access_token(
) {
    let w = world("").await;
    let (sid, s) = w.login("cie", Level::L2).await.expect("login");
    let rt = s.refresh_token.clone().expect("refresh token");
    w.rp.revoke("cie", &s.access_token)
        .await
        .expect("revoke AT");
    assert_eq!(active(&w, "cie", &s.access_token).await, Some(false));
    assert_eq!(
        active(&w, "cie", &rt).await,
        Some(true),
        "CIE: the refresh token survives"
    );
    let id = w.rp.refresh(&sid).await.expect("refresh still works");
    assert!(
        id.is_none(),
        "CIE: a refresh gives a new access token and no ID token (differenze_spid_cie.rst)"
    );
    let at2 = w.rp.session(&sid).expect("session").access_token;
    assert_eq!(active(&w, "cie", &at2).await, Some(true));
    w.rp.revoke("cie", &rt).await.expect("revoke RT");
    assert_eq!(active(&w, "cie", &rt).await, Some(false));
    assert_eq!(
        active(&w, "cie", &at2).await,
        Some(false),
        "CIE: revoking the refresh token revokes its access token"
    );
}

#[tokio::test]
async fn a_code_is_single_use_and_a_replayed_client_assertion_is_refused() {
    let w = world("").await;
    let q = w
        .authorize(
            "aruba",
            Level::L1,
            mock_idps::spid::script::Outcome::Success,
        )
        .await;
    let code = form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    w.rp.finish(&q).await.expect("first use");
    // The same code again, with a fresh assertion: invalid_grant.
    let token = &w.fed.urls().oidc["aruba"].token;
    let assertion = w.rp.client_assertion_for(token).expect("assertion");
    let form = |a: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.clone()),
            ("code_verifier", "x".repeat(43)),
            ("client_id", crate::support::CLIENT_ID.to_string()),
            (
                "client_assertion_type",
                reference_rp::rp::JWT_BEARER.to_string(),
            ),
            ("client_assertion", a.to_string()),
        ]
    };
    // Both times the same request, the assertion included: status and JSON body.
    let post = || async {
        let r = w
            .http
            .post(token)
            .form(&form(&assertion))
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.expect("json");
        (status, body)
    };
    let (status, body) = post().await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant", "{body}");
    // The same assertion again: its jti was seen, invalid_client.
    let (status, body) = post().await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("replay")),
        "{body}"
    );
}

/// What `op`'s introspection endpoint says of `token`: `active`, when it is a boolean.
async fn active(w: &World, op: &str, token: &str) -> Option<bool> {
    let answer = w.rp.introspect(op, token).await.expect("introspect");
    answer["active"].as_bool()
}
