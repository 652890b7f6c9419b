//! Attribute values with XML specials and accents survive: escaped in the XML, signed so that
//! `xmlsec1` verifies, and read back by samael as the identity's exact values.

use crate::sp::{Binding, ATTRS0};
use crate::{xmlsec1_verify, Env, TempDir, ASSERTION_SIGNATURE, TOP_SIGNATURE};
use mock_idps::spid::level::Level;
use std::collections::BTreeMap;

/// Logs `user` in at `provider` (attribute index 0) and checks every released value.
async fn round_trip(provider: &str, user: &str, level: Level) -> BTreeMap<String, String> {
    let env = Env::start().await;
    let req = env.req(provider, level);
    assert_eq!(req.attr_index.as_deref(), Some("0"));
    let xml = env
        .login_via_pages(provider, &req, Binding::Post, user)
        .await
        .response();

    let dir = TempDir::new("escaping");
    let cert = env.cert_pem(provider);
    for xpath in [TOP_SIGNATURE, ASSERTION_SIGNATURE] {
        let run = xmlsec1_verify(&dir, &xml, &cert, xpath);
        assert!(
            run.ok,
            "xmlsec1 refused {user}'s Response ({xpath}): {}\n{xml}",
            run.output
        );
    }

    let assertion = env
        .samael_sp(provider)
        .parse_xml_response(&xml, Some(&[req.id.as_deref().unwrap()]))
        .unwrap_or_else(|e| panic!("samael refused {user}'s Response: {e:?}\n{xml}"));
    let got: BTreeMap<String, String> = assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| &s.attributes)
        .map(|a| {
            assert_eq!(a.values.len(), 1, "{a:?}");
            (
                a.name.clone().unwrap(),
                a.values[0].value.clone().unwrap_or_default(),
            )
        })
        .collect();
    let fixture = &env.fed.state().fixtures.user(user).unwrap().attributes;
    let expected: BTreeMap<String, String> = ATTRS0
        .iter()
        .map(|name| (name.to_string(), fixture[*name].clone()))
        .collect();
    assert_eq!(
        got, expected,
        "{user}: samael's values are the identity's\n{xml}"
    );
    got
}

#[tokio::test]
async fn ampersand_angle_brackets_and_quotes_survive() {
    let got = round_trip("intesa", "valentina.costa", Level::L1).await;
    assert_eq!(got["address"], "Via \"Roma\" 1 & <Scala B> 37100 Verona VR");
}

#[tokio::test]
async fn apostrophes_and_accents_survive() {
    let got = round_trip("teamsystem", "niccolo.damico", Level::L2).await;
    assert_eq!(got["name"], "Niccolò");
    assert_eq!(got["familyName"], "D'Amico");
    assert_eq!(got["address"], "Via dell'Arco 4 00100 Roma RM");
}
