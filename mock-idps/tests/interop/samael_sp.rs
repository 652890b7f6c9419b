//! samael's service-provider side as an independent relying party: it verifies both signatures
//! against the certificate in the provider's metadata (RSA-SHA256 only), then checks the
//! Destination, InResponseTo, Issuer, instants, Audience and bearer SubjectConfirmation.

use crate::sp::{self, Binding, ATTRS0};
use crate::{every_login, user_at, Env};
use mock_idps::saml::ns;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use samael::schema::Assertion;
use samael::service_provider::Error as SpError;
use time::Duration;

/// What samael accepted must be the login we asked for.
fn check_assertion(env: &Env, provider: &str, level: Level, a: &Assertion) {
    let entity_id = &env.fed.state().idp(provider).unwrap().entity_id;
    assert_eq!(a.issuer.value.as_ref(), Some(entity_id));
    let name_id = a
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .expect("a NameID");
    assert_eq!(name_id.format.as_deref(), Some(ns::NAMEID_TRANSIENT));
    let statements = a.authn_statements.as_deref().unwrap_or_default();
    let class_ref = statements
        .first()
        .and_then(|s| s.authn_context.as_ref())
        .and_then(|c| c.value.as_ref())
        .and_then(|c| c.value.as_deref());
    assert_eq!(class_ref, Some(level.uri()), "{provider} {level}");
    let mut names: Vec<&str> = a
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| &s.attributes)
        .filter_map(|attr| attr.name.as_deref())
        .collect();
    names.sort_unstable();
    let mut wanted = ATTRS0.to_vec();
    wanted.sort_unstable();
    assert_eq!(
        names, wanted,
        "{provider} {level}: the attributes of index 0"
    );
}

#[tokio::test]
async fn samael_accepts_every_provider_at_every_level_it_offers() {
    let env = Env::start().await;
    let logins = every_login(&env, &[Binding::Redirect, Binding::Post]).await;
    for l in &logins {
        let samael = env.samael_sp(&l.provider);
        let assertion = samael
            .parse_xml_response(&l.xml, Some(&[l.request_id.as_str()]))
            .unwrap_or_else(|e| {
                panic!(
                    "samael refused {} {} {:?}: {e:?}\n{}",
                    l.provider, l.level, l.binding, l.xml
                )
            });
        check_assertion(&env, &l.provider, l.level, &assertion);
    }
    // The base64 entry point, as an ACS receives the form field.
    use base64::Engine;
    let l = &logins[0];
    let b64 = base64::engine::general_purpose::STANDARD.encode(&l.xml);
    let a = env
        .samael_sp(&l.provider)
        .parse_base64_response(&b64, Some(&[l.request_id.as_str()]))
        .unwrap();
    check_assertion(&env, &l.provider, l.level, &a);
}

#[tokio::test]
async fn samael_accepts_a_scripted_login() {
    let env = Env::start().await;
    env.fed
        .script_next_login(ScriptedLogin {
            provider: Some("poste".into()),
            user: user_at(Level::L3).into(),
            level: None,
            outcome: Outcome::Success,
        })
        .expect("the script queue has room");
    let req = env.req("poste", Level::L3);
    let xml = env.send("poste", &req, Binding::Post).await.response();
    let a = env
        .samael_sp("poste")
        .parse_xml_response(&xml, Some(&[req.id.as_deref().unwrap()]))
        .unwrap();
    check_assertion(&env, "poste", Level::L3, &a);
}

/// samael refuses any non-success status; the XML still carries SPID's nr20.
fn assert_nr20_refused(env: &Env, provider: &str, request_id: &str, xml: &str) {
    match env.samael_sp(provider).parse_xml_response(xml, Some(&[request_id])) {
        Err(SpError::ResponseBadStatusCode { code }) => assert_eq!(code, ns::STATUS_RESPONDER, "{provider}"),
        other => panic!("{provider}: samael should refuse the nr20 Response as a bad status, got {other:?}\n{xml}"),
    }
    assert!(
        xml.contains("<samlp:StatusMessage>ErrorCode nr20</samlp:StatusMessage>"),
        "{provider}: {xml}"
    );
    assert!(
        xml.contains(&format!("InResponseTo=\"{request_id}\"")),
        "{provider}: {xml}"
    );
}

#[tokio::test]
async fn a_level_above_the_provider_gives_nr20_which_samael_refuses() {
    let env = Env::start().await;
    // Through the pages, with a user holding L3.
    let (req, xml) = env.login_at("infocert", Level::L3, Binding::Redirect).await;
    assert_nr20_refused(&env, "infocert", req.id.as_deref().unwrap(), &xml);
    // Scripted, at every provider that stops below L3.
    let mut count = 0;
    for p in env
        .fed
        .state()
        .fixtures
        .providers
        .clone()
        .iter()
        .filter(|p| p.max_level < Level::L3)
    {
        env.fed
            .script_next_login(ScriptedLogin {
                provider: Some(p.id.clone()),
                user: user_at(Level::L3).into(),
                level: None,
                outcome: Outcome::Success,
            })
            .expect("the script queue has room");
        let req = env.req(&p.id, Level::L3);
        let xml = env.send(&p.id, &req, Binding::Post).await.response();
        assert_nr20_refused(&env, &p.id, req.id.as_deref().unwrap(), &xml);
        count += 1;
    }
    assert_eq!(count, 11);
}

/// samael really checks what it is given: another request ID, another provider's key, a
/// changed byte and an old Response are all refused.
#[tokio::test]
async fn samael_refuses_what_it_should() {
    let env = Env::start().await;
    let (req, xml) = env.login_at("sielte", Level::L2, Binding::Post).await;
    let id = req.id.as_deref().unwrap();
    let samael = env.samael_sp("sielte");
    samael
        .parse_xml_response(&xml, Some(&[id]))
        .expect("the genuine Response");
    assert!(matches!(
        samael.parse_xml_response(&xml, Some(&["_another_request"])),
        Err(SpError::ResponseInResponseToInvalid { .. })
    ));
    assert!(matches!(
        env.samael_sp("tim").parse_xml_response(&xml, Some(&[id])),
        Err(SpError::FailedToValidateSignature)
    ));
    let tampered = xml.replace(Level::L2.uri(), Level::L3.uri());
    assert_ne!(tampered, xml);
    assert!(matches!(
        samael.parse_xml_response(&tampered, Some(&[id])),
        Err(SpError::FailedToValidateSignature)
    ));
    // The SP's ACS is part of the check: the alternate ACS is not where this Response goes.
    let mut other_acs = samael.clone();
    other_acs.acs_url = Some(sp::ACS1.into());
    assert!(matches!(
        other_acs.parse_xml_response(&xml, Some(&[id])),
        Err(SpError::DestinationValidationError { .. })
    ));

    // A provider whose clock stands an hour back: samael (on the real clock) finds it expired.
    let late = Env::start_at(time::OffsetDateTime::now_utc() - Duration::hours(1)).await;
    let (req, xml) = late.login_at("sielte", Level::L2, Binding::Post).await;
    assert!(matches!(
        late.samael_sp("sielte")
            .parse_xml_response(&xml, Some(&[req.id.as_deref().unwrap()])),
        Err(SpError::ResponseExpired { .. })
    ));
}

/// samael reads the signed registry feed: every provider, with its signing certificate.
#[tokio::test]
async fn samael_reads_the_registry_feed() {
    let env = Env::start().await;
    let feed: samael::metadata::EntitiesDescriptor = env.fed.state().registry_xml.parse().unwrap();
    assert_eq!(
        feed.descriptors.len(),
        env.fed.state().fixtures.providers.len()
    );
    for d in &feed.descriptors {
        let samael::metadata::EntityDescriptorType::EntityDescriptor(e) = d else {
            panic!("nested EntitiesDescriptor")
        };
        let entity_id = e.entity_id.as_deref().unwrap();
        let idp = env
            .fed
            .state()
            .idps
            .iter()
            .find(|i| i.entity_id == entity_id)
            .unwrap();
        let sso = &e.idp_sso_descriptors.as_ref().unwrap()[0];
        assert_eq!(sso.single_sign_on_services.len(), 2, "{entity_id}");
        assert!(sso
            .single_sign_on_services
            .iter()
            .all(|s| s.location == idp.sso_url));
        let cert = sso.key_descriptors[0]
            .key_info
            .x509_data
            .as_ref()
            .unwrap()
            .certificates[0]
            .clone();
        assert_eq!(cert, idp.key.cert_base64());
    }
}
