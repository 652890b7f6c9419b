//! The OIDC building blocks' CPU cost: RS256 sign and verify, a JWE RSA-OAEP/A256CBC-HS512
//! encrypt + decrypt of a userinfo-sized payload, and trust-chain resolution of a relying party
//! below the local trust anchor, cold (cache cleared every time: 3 statements built, signed,
//! fetched in-process and verified, plus the trust mark) and cached.
//!
//! `cargo bench -p benches --bench oidc`

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use mock_idps::clock::SystemClock;
use mock_idps::fixtures::FixtureSource;
use mock_idps::oidc::federation::testing::{onboard_rp, RpSetup};
use mock_idps::oidc::federation::{LocalFederation, LocalFederationConfig, ResolveRequest};
use mock_idps::oidc::jose::{jwe, jws, ContentEnc, Jwks, JwsAlg, KeyAlg};
use mock_idps::oidc::keys::{self, KeyRole};
use std::hint::black_box;
use std::sync::Arc;

fn jose(c: &mut Criterion) {
    let key = keys::load(&FixtureSource::Embedded, "poste", KeyRole::Signing).expect("key");
    let enc = keys::load(
        &FixtureSource::Embedded,
        "reference-rp",
        KeyRole::Encryption,
    )
    .expect("key");
    let jwks = Jwks::new(vec![key.public_jwk().clone()]);
    let claims = serde_json::json!({
        "iss": "https://op.example.it", "sub": "a9f0c2", "aud": "https://rp.example.it",
        "iat": 1_780_000_000, "exp": 1_780_000_300, "acr": "https://www.spid.gov.it/SpidL2",
        "nonce": "n-0S6_WzA2Mj0S6_WzA2Mj0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ"
    });
    let token = jws::sign_claims(&key, JwsAlg::RS256, Some("JWT"), &claims).expect("sign");
    c.bench_function("jose/sign_rs256", |b| {
        b.iter(|| jws::sign_claims(&key, JwsAlg::RS256, Some("JWT"), black_box(&claims)).unwrap())
    });
    c.bench_function("jose/verify_rs256", |b| {
        b.iter(|| jws::verify(black_box(&token), &jwks, &[JwsAlg::RS256]).unwrap())
    });
    let payload = token.as_bytes();
    let keys = [enc.clone()];
    c.bench_function("jose/jwe_rsa_oaep_a256cbc_hs512_encrypt_decrypt", |b| {
        b.iter(|| {
            let t = jwe::encrypt(
                enc.public_jwk(),
                KeyAlg::RsaOaep,
                ContentEnc::A256CbcHs512,
                Some("JWT"),
                black_box(payload),
            )
            .unwrap();
            jwe::decrypt(&t, &keys, &[KeyAlg::RsaOaep], &[ContentEnc::A256CbcHs512]).unwrap()
        })
    });
}

fn federation(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let fed = LocalFederation::new(
        "http://127.0.0.1:7000",
        &FixtureSource::Embedded,
        Arc::new(SystemClock),
        LocalFederationConfig::default(),
    )
    .expect("federation");
    let id = "http://127.0.0.1:7000/rp/bench";
    rt.block_on(onboard_rp(
        &fed,
        &FixtureSource::Embedded,
        "test-rp",
        id,
        None,
        RpSetup::valid(),
    ))
    .expect("onboard");
    let tm = fed.trust_mark_type("openid_relying_party").expect("type");
    let req = ResolveRequest::new(id, fed.trust_anchor_id())
        .entity_type("openid_relying_party")
        .require_trust_mark(&[&tm]);
    c.bench_function("federation/resolve_cold", |b| {
        b.iter(|| {
            fed.resolver().clear_cache();
            rt.block_on(fed.resolver().resolve(black_box(&req)))
                .unwrap()
        })
    });
    c.bench_function("federation/resolve_cached", |b| {
        b.iter(|| {
            rt.block_on(fed.resolver().resolve(black_box(&req)))
                .unwrap()
        })
    });
}

criterion_group!(benches, jose, federation);
criterion_main!(benches);
