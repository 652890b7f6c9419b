//! Every provider at every level it offers, through the login pages, on both bindings.

use crate::sp::{self, Binding, Reply, ATTRS0};
use crate::Env;
use mock_idps::saml::dsig::verify_enveloped;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::XmlDoc;
use mock_idps::spid::level::Level;

/// A user holding exactly `level` (see fixtures/users.toml).
pub fn user_at(level: Level) -> &'static str {
    match level {
        Level::L1 => "luca.ferrari",
        Level::L2 => "mario.rossi",
        Level::L3 => "francesca.romano",
    }
}

/// Checks a successful Response the way a strict SP would.
pub fn check_success(env: &Env, provider: &str, xml: &str, level: Level, acs: &str) {
    let idp = env.fed.state().idp(provider).unwrap();
    let doc = XmlDoc::parse(xml).unwrap();
    let root = doc.root().unwrap();
    let cert = [idp.key.trusted_cert()];
    verify_enveloped(&doc, root, &cert).expect("Response signature");
    let a = root
        .child(ns::ASSERTION, "Assertion")
        .expect("an Assertion");
    verify_enveloped(&doc, a, &cert).expect("Assertion signature");
    assert_eq!(root.attr("Destination"), Some(acs));
    assert_eq!(root.attr("InResponseTo"), Some("_req0123456789abcdef"));
    let status = sp::descend(root, ns::PROTOCOL, &["Status", "StatusCode"]);
    assert_eq!(status.attr("Value"), Some(ns::STATUS_SUCCESS));
    let issuer = a.child(ns::ASSERTION, "Issuer").unwrap();
    assert_eq!(issuer.text(), idp.entity_id);
    assert_eq!(issuer.attr("Format"), Some(ns::NAMEID_ENTITY));
    let name_id = sp::descend(a, ns::ASSERTION, &["Subject", "NameID"]);
    assert_eq!(name_id.attr("Format"), Some(ns::NAMEID_TRANSIENT));
    assert_eq!(name_id.attr("NameQualifier"), Some(idp.entity_id.as_str()));
    let scd = a.descendants(ns::ASSERTION, "SubjectConfirmationData")[0];
    assert_eq!(scd.attr("Recipient"), Some(acs));
    assert_eq!(
        a.descendants(ns::ASSERTION, "Audience")[0].text(),
        sp::SP_ENTITY
    );
    let stmt = a.child(ns::ASSERTION, "AuthnStatement").unwrap();
    assert_eq!(
        stmt.attr("SessionIndex").is_some(),
        level == Level::L1,
        "SessionIndex only at L1"
    );
    assert_eq!(
        a.descendants(ns::ASSERTION, "AuthnContextClassRef")[0].text(),
        level.uri()
    );
    let names: Vec<String> = a
        .descendants(ns::ASSERTION, "Attribute")
        .iter()
        .map(|n| n.attr("Name").unwrap().to_string())
        .collect();
    assert!(
        names.iter().all(|n| ATTRS0.contains(&n.as_str())),
        "only requested attributes: {names:?}"
    );
    assert_eq!(names.len(), ATTRS0.len());
}

#[tokio::test]
async fn every_provider_at_every_level_it_offers() {
    let env = Env::start().await;
    let mut logins = 0;
    for p in env.fed.state().fixtures.providers.clone() {
        for level in Level::ALL.into_iter().filter(|l| *l <= p.max_level) {
            let user = user_at(level);
            for binding in [Binding::Redirect, Binding::Post] {
                let req = env.req(&p.id, level);
                let reply = env.login_via_pages(&p.id, &req, binding, user).await;
                let Reply::Response { acs, xml, relay } = reply else {
                    panic!("{} {level} {binding:?}: no Response: {reply:?}", p.id)
                };
                assert_eq!(relay.as_deref(), Some("rs-opaque-1"));
                check_success(&env, &p.id, &xml, level, &acs);
                logins += 1;
            }
        }
    }
    // Two bindings at every level of every provider of the table.
    let levels: usize = env
        .fed
        .state()
        .fixtures
        .providers
        .iter()
        .map(|p| usize::from(p.max_level.number()))
        .sum();
    assert!(levels > 0);
    assert_eq!(logins, 2 * levels);
}

#[tokio::test]
async fn a_level_above_the_provider_gives_nr20() {
    let env = Env::start().await;
    let req = env.req("infocert", Level::L3);
    let reply = env
        .login_via_pages("infocert", &req, Binding::Redirect, "francesca.romano")
        .await;
    crate::errors::assert_status(&reply.response(), 20);
}

#[tokio::test]
async fn comparison_better_gives_the_next_level() {
    let env = Env::start().await;
    let mut req = env.req("poste", Level::L2);
    req.comparison = Some("better".into());
    let xml = env
        .login_via_pages("poste", &req, Binding::Post, "francesca.romano")
        .await
        .response();
    assert!(xml.contains(Level::L3.uri()));
}

#[tokio::test]
async fn the_acs_url_with_post_binding_is_honoured() {
    let env = Env::start().await;
    let mut req = env.req("lepida", Level::L1);
    req.acs_index = None;
    req.acs_url = Some(sp::ACS1.into());
    req.protocol_binding = Some(ns::BINDING_POST.into());
    let user = user_at(Level::L1);
    match env
        .login_via_pages("lepida", &req, Binding::Redirect, user)
        .await
    {
        Reply::Response { acs, .. } => assert_eq!(acs, sp::ACS1),
        other => panic!("{other:?}"),
    }
}
