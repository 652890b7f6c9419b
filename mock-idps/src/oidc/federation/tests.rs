//! The local federation end to end in-process: chains that resolve, the refusals an OP must
//! make with their federation error codes, the cache on a simulated clock, the endpoints'
//! answers.

use std::sync::Arc;

use serde_json::Value;
use time::macros::datetime;
use time::Duration;

use super::testing::{onboard_rp, InProcessRp, RpSetup};
use super::*;
use crate::clock::{Clock, SimClock};
use crate::fixtures::FixtureSource;
use crate::oidc::jose::jws;

const BASE: &str = "http://127.0.0.1:9";

fn federation() -> (Arc<LocalFederation>, Arc<SimClock>) {
    let clock = Arc::new(SimClock::new(datetime!(2026-06-01 10:00 UTC)));
    let fed = LocalFederation::new(
        BASE,
        &FixtureSource::Embedded,
        clock.clone(),
        LocalFederationConfig::default(),
    )
    .unwrap();
    (fed, clock)
}

async fn rp(fed: &Arc<LocalFederation>, name: &str, setup: RpSetup) -> InProcessRp {
    let id = format!("{BASE}/rp/{name}");
    onboard_rp(fed, &FixtureSource::Embedded, "test-rp", &id, None, setup)
        .await
        .unwrap()
}

fn request(fed: &LocalFederation, rp: &InProcessRp) -> ResolveRequest {
    let tm = fed.trust_mark_type("openid_relying_party").unwrap();
    ResolveRequest::new(&rp.entity_id, fed.trust_anchor_id())
        .entity_type("openid_relying_party")
        .require_trust_mark(&[&tm])
}

/// `rp`'s chain to the anchor, as an OP requiring the RP trust mark resolves it.
async fn resolved(fed: &LocalFederation, rp: &InProcessRp) -> Result<Arc<TrustChain>, ChainError> {
    fed.resolver().resolve(&request(fed, rp)).await
}

#[tokio::test]
async fn a_valid_rp_below_the_anchor_resolves_with_policy_and_trust_mark() {
    let (fed, _) = federation();
    let rp = rp(&fed, "ok", RpSetup::valid()).await;
    assert!(rp.report.warnings.is_empty(), "{:?}", rp.report.warnings);
    let chain = resolved(&fed, &rp).await.unwrap();
    assert_eq!(chain.intermediates, 0);
    assert_eq!(chain.statements.len(), 3);
    assert_eq!(chain.trust_marks.len(), 1);
    let md = chain.metadata_of("openid_relying_party").unwrap();
    assert_eq!(md["token_endpoint_auth_method"], "private_key_jwt");
    // The anchor's policy narrowed grant_types to what it allows (both are allowed here).
    assert_eq!(
        md["grant_types"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(chain.jwks_of("openid_relying_party").unwrap().keys.len(), 2);
    // exp = the smallest exp of the chain's statements.
    let exps: Vec<i64> = chain
        .statements
        .iter()
        .map(|s| DecodedStatement::decode(s).unwrap().claims.exp)
        .collect();
    assert_eq!(chain.exp, *exps.iter().min().unwrap());
}

#[tokio::test]
async fn below_the_intermediate_the_chain_has_one_intermediate() {
    let (fed, _) = federation();
    let rp = rp(
        &fed,
        "mid",
        RpSetup {
            superior: Superior::Intermediate,
            ..RpSetup::valid()
        },
    )
    .await;
    let chain = resolved(&fed, &rp).await.unwrap();
    assert_eq!(chain.intermediates, 1);
    assert_eq!(chain.statements.len(), 4);
}

#[tokio::test]
async fn expired_subordinate_statement_is_invalid_client() {
    let (fed, _) = federation();
    let rp = rp(&fed, "expired", RpSetup::expired_statement()).await;
    let err = resolved(&fed, &rp).await.unwrap_err();
    assert_eq!(err.code(), FederationErrorCode::InvalidClient, "{err}");
    assert!(err.to_string().contains("expired"), "{err}");
}

#[tokio::test]
async fn past_max_path_length_is_invalid_client() {
    let (fed, _) = federation();
    let rp = rp(&fed, "deep", RpSetup::past_max_path_length()).await;
    let err = resolved(&fed, &rp).await.unwrap_err();
    assert!(
        matches!(
            err,
            ChainError::MaxPathLength {
                max: 1,
                actual: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), FederationErrorCode::InvalidClient);
}

#[rstest::rstest]
#[case::none(RpSetup::without_trust_mark(), "carries none")]
#[case::expired(RpSetup::with_trust_mark(TrustMarkFault::Expired), "expired")]
#[case::wrong_sub(RpSetup::with_trust_mark(TrustMarkFault::WrongSubject), "sub is")]
#[case::unlisted(
    RpSetup::with_trust_mark(TrustMarkFault::UnlistedIssuer),
    "trust_mark_issuers"
)]
#[case::bad_sig(RpSetup::with_trust_mark(TrustMarkFault::BadSignature), "signature")]
#[tokio::test]
async fn no_valid_trust_mark_is_unauthorized_client(#[case] setup: RpSetup, #[case] why: &str) {
    let (fed, _) = federation();
    let rp = rp(&fed, "tm", setup).await;
    let err = resolved(&fed, &rp).await.unwrap_err();
    assert_eq!(err.code(), FederationErrorCode::UnauthorizedClient, "{err}");
    assert!(err.to_string().contains(why), "{err}");
    // Without the trust-mark requirement the same chain resolves: only the mark is wrong.
    let loose = ResolveRequest::new(&rp.entity_id, fed.trust_anchor_id());
    let chain = fed.resolver().resolve(&loose).await.unwrap();
    assert!(chain.trust_marks.is_empty());
}

#[tokio::test]
async fn metadata_against_the_policy_is_unauthorized_client() {
    let (fed, _) = federation();
    let id = format!("{BASE}/rp/secret");
    let signing = crate::oidc::keys::load(
        &FixtureSource::Embedded,
        "test-rp-2",
        crate::oidc::keys::KeyRole::Signing,
    )
    .unwrap();
    let mut md = testing::rp_metadata(&id, &signing, &signing);
    md["openid_relying_party"]["token_endpoint_auth_method"] = "client_secret_basic".into();
    let rp = onboard_rp(
        &fed,
        &FixtureSource::Embedded,
        "test-rp-2",
        &id,
        Some(md),
        RpSetup::valid(),
    )
    .await
    .unwrap();
    let err = resolved(&fed, &rp).await.unwrap_err();
    assert_eq!(err.code(), FederationErrorCode::UnauthorizedClient, "{err}");
    assert!(
        err.to_string().contains("token_endpoint_auth_method"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_subject_and_unknown_anchor() {
    let (fed, _) = federation();
    let nobody = ResolveRequest::new(&format!("{BASE}/rp/nobody"), fed.trust_anchor_id());
    let err = fed.resolver().resolve(&nobody).await.unwrap_err();
    assert_eq!(err.code(), FederationErrorCode::InvalidClient, "{err}");
    let rp = rp(&fed, "x", RpSetup::valid()).await;
    let elsewhere = ResolveRequest::new(&rp.entity_id, "https://other-ta.example");
    let err = fed.resolver().resolve(&elsewhere).await.unwrap_err();
    assert_eq!(err.code(), FederationErrorCode::InvalidRequest, "{err}");
}

#[tokio::test]
async fn the_cache_serves_until_the_chain_exp_on_the_sim_clock() {
    let (fed, clock) = federation();
    let rp = rp(&fed, "cache", RpSetup::valid()).await;
    let req = request(&fed, &rp);
    let first = fed.resolver().resolve(&req).await.unwrap();
    let after_first = fed.resolver().stats();
    assert_eq!(after_first.misses, 1);
    // Just before exp: served from the cache, nothing fetched.
    let until_exp = first.exp - clock.now().unix_timestamp();
    clock.advance(Duration::seconds(until_exp - 1));
    let second = fed.resolver().resolve(&req).await.unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    let s = fed.resolver().stats();
    assert_eq!((s.hits, s.misses, s.fetches), (1, 1, after_first.fetches));
    // At exp: rebuilt from fresh statements.
    clock.advance(Duration::seconds(1));
    let third = fed.resolver().resolve(&req).await.unwrap();
    assert!(!Arc::ptr_eq(&first, &third));
    assert!(third.exp > first.exp);
    let s = fed.resolver().stats();
    assert_eq!((s.hits, s.misses), (1, 2));
    assert!(s.fetches > after_first.fetches);
    // A fault set after caching is seen at once: the subject's entries are forgotten.
    fed.set_expired_statement(&rp.entity_id, true);
    assert!(fed.resolver().resolve(&req).await.is_err());
}

#[tokio::test]
async fn endpoints_answer_statements_lists_status_and_resolve() {
    let (fed, _) = federation();
    let rp = rp(&fed, "ep", RpSetup::valid()).await;
    let ta = fed.trust_anchor_id().to_owned();
    let ec = DecodedStatement::decode(&fed.authority_configuration(&ta).unwrap()).unwrap();
    ec.verify_with(&fed.trust_anchor_jwks()).unwrap();
    assert!(ec.header.typ_is("entity-statement+jwt"));
    assert_eq!(ec.claims.constraints.unwrap().max_path_length, Some(1));
    assert!(fed.list(&ta, None).unwrap().contains(&rp.entity_id));
    assert_eq!(
        fed.list(&ta, Some("openid_relying_party")).unwrap(),
        vec![rp.entity_id.clone()]
    );
    let es = fed.subordinate_statement(&ta, Some(&rp.entity_id)).unwrap();
    assert_eq!(
        DecodedStatement::decode(&es).unwrap().claims.sub,
        rp.entity_id
    );
    for (sub, code) in [
        (None, FederationErrorCode::InvalidRequest),
        (
            Some("https://nobody.example"),
            FederationErrorCode::NotFound,
        ),
        (Some(ta.as_str()), FederationErrorCode::InvalidRequest),
    ] {
        assert_eq!(fed.subordinate_statement(&ta, sub).unwrap_err().error, code);
    }
    let tm = &rp.report.trust_marks[0];
    assert_eq!(
        fed.trust_mark_status(Some(&tm.trust_mark), None, None),
        Ok(true)
    );
    fed.revoke_trust_mark(&rp.entity_id, &tm.trust_mark_type);
    assert_eq!(
        fed.trust_mark_status(Some(&tm.trust_mark), None, None),
        Ok(false)
    );
    assert!(fed.trust_mark_status(None, None, None).is_err());
    let resolved = fed
        .resolve_response(Some(&rp.entity_id), Some(&ta), Some("openid_relying_party"))
        .await
        .unwrap();
    let v = jws::verify(
        &resolved,
        &fed.trust_anchor_jwks(),
        &statement::STATEMENT_ALGS,
    )
    .unwrap();
    assert!(v.header.typ_is("resolve-response+jwt"));
    let claims: Value = v.claims().unwrap();
    assert_eq!(claims["sub"], rp.entity_id.as_str());
    // Revoked above: no longer returned.
    assert_eq!(claims["trust_marks"], serde_json::json!([]));
    assert_eq!(claims["trust_chain"].as_array().unwrap().len(), 3);
    assert_eq!(
        fed.resolve_response(None, Some(&ta), None)
            .await
            .unwrap_err()
            .error,
        FederationErrorCode::InvalidRequest
    );
}

#[tokio::test]
async fn both_trust_mark_namings_are_emitted_on_request() {
    for naming in [TrustMarkNaming::Id, TrustMarkNaming::TrustMarkType] {
        let clock = Arc::new(SimClock::new(datetime!(2026-06-01 10:00 UTC)));
        let fed = LocalFederation::new(
            BASE,
            &FixtureSource::Embedded,
            clock,
            LocalFederationConfig {
                naming,
                ..LocalFederationConfig::default()
            },
        )
        .unwrap();
        let rp = rp(&fed, "n", RpSetup::valid()).await;
        let jwt = &rp.report.trust_marks[0].trust_mark;
        let claims: Value = jws::decode_unverified(jwt).unwrap().claims().unwrap();
        assert!(claims.get(naming.member()).is_some(), "{claims}");
        let chain = resolved(&fed, &rp).await.unwrap();
        assert_eq!(chain.trust_marks[0].claims.naming, naming);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn decoding_random_statements_and_marks_never_panics(
        s in ".{0,200}",
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
    ) {
        let _ = DecodedStatement::decode(&s);
        let b64 = crate::oidc::jose::b64e(&bytes);
        let _ = DecodedStatement::decode(&format!("{b64}.{b64}.{b64}"));
        let _ = serde_json::from_slice::<EntityStatement>(&bytes);
        let _ = serde_json::from_slice::<TrustMarkRef>(&bytes);
        let _ = serde_json::from_slice::<TrustMarkClaims>(&bytes);
        let _ = serde_json::from_slice::<MetadataPolicy>(&bytes);
    }
}

#[tokio::test]
async fn onboarding_refuses_private_keys_and_stale_configurations() {
    let (fed, _) = federation();
    let key = crate::oidc::keys::load(
        &FixtureSource::Embedded,
        "test-rp-2",
        crate::oidc::keys::KeyRole::Federation,
    )
    .unwrap();
    let id = format!("{BASE}/rp/leaky");
    let now = datetime!(2026-06-01 10:00 UTC).unix_timestamp();
    let make = |iat: i64, leak: bool| {
        let mut jwk = serde_json::to_value(key.public_jwk()).unwrap();
        if leak {
            jwk["d"] = "c2VjcmV0".into();
        }
        let claims = serde_json::json!({
            "iss": id, "sub": id, "iat": iat, "exp": iat + 3600,
            "jwks": {"keys": [jwk]}, "authority_hints": [fed.trust_anchor_id()]
        });
        let mut header = crate::oidc::jose::Header::new("RS256");
        header.typ = Some("entity-statement+jwt".into());
        let jwt = jws::sign_with_header(
            &key,
            crate::oidc::jose::JwsAlg::RS256,
            header,
            claims.to_string().as_bytes(),
        )
        .unwrap();
        local::EcSource::new(move || Ok(jwt.clone()))
    };
    for (iat, leak, needle) in [
        (now, true, "private key material"),
        (now - 7200, false, "not now"),
    ] {
        let err = fed
            .onboard(OnboardRequest {
                entity_id: id.clone(),
                source: Some(make(iat, leak)),
                trust_mark: Some(TrustMarkFault::Valid),
                ..OnboardRequest::default()
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&err, LocalFederationError::Refused { code: FederationErrorCode::InvalidClient, message } if message.contains(needle)),
            "{err}"
        );
        assert!(
            fed.subordinate(&id).is_none(),
            "a refused entity stays unregistered"
        );
    }
}

/// Figures for the note, in the dev profile (dependencies, AWS-LC included, at opt-level 2):
/// `cargo test -p mock-idps --lib oidc_cost_figures -- --ignored --nocapture`. The criterion
/// bench `cargo bench -p benches --bench oidc` measures the same in the release profile.
#[tokio::test]
#[ignore = "figure, not a check"]
async fn oidc_cost_figures() {
    use crate::oidc::jose::{jwe, ContentEnc, JwsAlg, KeyAlg};
    use std::time::Instant;
    let (fed, _) = federation();
    let rp = rp(&fed, "figures", RpSetup::valid()).await;
    let req = request(&fed, &rp);
    let key = &rp.signing_key;
    let jwks = crate::oidc::jose::Jwks::new(vec![key.public_jwk().clone()]);
    let claims = serde_json::json!({"iss": "https://op.example.it", "sub": "x", "n": 1});
    let n = 200u32;
    let t = Instant::now();
    for _ in 0..n {
        jws::sign_claims(key, JwsAlg::RS256, None, &claims).unwrap();
    }
    let sign = t.elapsed() / n;
    let token = jws::sign_claims(key, JwsAlg::RS256, None, &claims).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        jws::verify(&token, &jwks, &[JwsAlg::RS256]).unwrap();
    }
    let verify = t.elapsed() / n;
    let keys = [rp.encryption_key.clone()];
    let t = Instant::now();
    for _ in 0..n {
        let e = jwe::encrypt(
            rp.encryption_key.public_jwk(),
            KeyAlg::RsaOaep,
            ContentEnc::A256CbcHs512,
            Some("JWT"),
            token.as_bytes(),
        )
        .unwrap();
        jwe::decrypt(&e, &keys, &[KeyAlg::RsaOaep], &[ContentEnc::A256CbcHs512]).unwrap();
    }
    let jwe_rt = t.elapsed() / n;
    let m = 50u32;
    let t = Instant::now();
    for _ in 0..m {
        fed.resolver().clear_cache();
        fed.resolver().resolve(&req).await.unwrap();
    }
    let cold = t.elapsed() / m;
    let t = Instant::now();
    for _ in 0..n {
        fed.resolver().resolve(&req).await.unwrap();
    }
    let cached = t.elapsed() / n;
    println!(
        "RS256 sign {sign:?}, verify {verify:?}, JWE RSA-OAEP/A256CBC-HS512 encrypt+decrypt {jwe_rt:?}, chain resolution cold {cold:?}, cached {cached:?}"
    );
}

#[tokio::test]
async fn a_leaf_fault_breaks_the_leaf_configuration_until_cleared() {
    let (fed, clock) = federation();
    let rp = rp(&fed, "leaf", RpSetup::valid()).await;
    let key = crate::oidc::keys::load(
        &FixtureSource::Embedded,
        "test-rp",
        crate::oidc::keys::KeyRole::Federation,
    )
    .unwrap();
    let jwks = crate::oidc::jose::Jwks::new(vec![key.public_jwk().clone()]);
    let mut md = serde_json::Map::new();
    md.insert(
        "openid_provider".into(),
        serde_json::json!({"issuer": "x", "token_endpoint_auth_methods_supported": ["private_key_jwt"]}),
    );
    let build = || {
        let jwt = fed
            .leaf_configuration(&rp.entity_id, &key, md.clone())
            .unwrap();
        DecodedStatement::decode(&jwt).unwrap()
    };
    let now = clock.now().unix_timestamp();
    assert!(!fed.set_leaf_fault(&format!("{BASE}/rp/nobody"), Some(LeafFault::Expired)));
    let sound = build();
    sound.verify_with(&jwks).unwrap();
    assert!(sound.claims.exp > now);

    assert!(fed.set_leaf_fault(&rp.entity_id, Some(LeafFault::CorruptSignature)));
    assert!(build().verify_with(&jwks).is_err());

    assert!(fed.set_leaf_fault(&rp.entity_id, Some(LeafFault::Expired)));
    let expired = build();
    expired.verify_with(&jwks).unwrap();
    assert!(expired.claims.exp < now && expired.claims.iat < now);

    assert!(fed.set_leaf_fault(
        &rp.entity_id,
        Some(LeafFault::WithoutMetadataMember {
            entity_type: "openid_provider".into(),
            member: "token_endpoint_auth_methods_supported".into(),
        })
    ));
    let op = build().claims.metadata.unwrap()["openid_provider"].clone();
    assert_eq!(op, serde_json::json!({"issuer": "x"}));

    assert!(fed.set_leaf_fault(&rp.entity_id, None));
    build().verify_with(&jwks).unwrap();
    assert!(build().claims.exp > now);
}

#[test]
fn test_rps_publish_the_whole_rp_profile_fixture() {
    let profile: serde_json::Map<String, Value> =
        serde_json::from_str(testing::RP_PROFILE).unwrap();
    assert_eq!(profile.len(), 10, "{profile:?}");
    let key = crate::oidc::keys::load(
        &FixtureSource::Embedded,
        "test-rp",
        crate::oidc::keys::KeyRole::Signing,
    )
    .unwrap();
    let md = testing::rp_metadata(&format!("{BASE}/rp/p"), &key, &key);
    let rp = md["openid_relying_party"].as_object().unwrap();
    for (name, value) in &profile {
        assert_eq!(rp.get(name), Some(value), "{name}");
    }
    assert_eq!(rp["client_id"], format!("{BASE}/rp/p"));
}
