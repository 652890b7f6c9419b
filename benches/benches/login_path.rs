//! The cost of the IdP side of a login: raw RSA-2048 signing (the floor), and building and
//! signing a SPID Response with its Assertion (two signatures). Goal (issue 2): the Response rate
//! at ≥ 80% of half the raw signing rate.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mock_idps::clock::{SharedClock, SimClock};
use mock_idps::fixtures::Fixtures;
use mock_idps::ids::IdGenerator;
use mock_idps::spid::assertion::{success_plan, Issuer};
use mock_idps::spid::config::IdpConfig;
use mock_idps::spid::level::{Comparison, Level};
use mock_idps::spid::request_rules::ValidatedRequest;
use mock_idps::spid::state::MockState;
use std::hint::black_box;
use std::sync::Arc;

fn signing(c: &mut Criterion) {
    let clock: SharedClock = Arc::new(SimClock::new(
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
    ));
    let fixtures = Fixtures::embedded().expect("fixtures");
    let state = MockState::new(
        fixtures,
        IdpConfig::default(),
        clock,
        IdGenerator::seeded(1),
        "http://127.0.0.1:7000",
    )
    .expect("state");
    let idp = state.idp("poste").expect("poste");
    let user = state.fixtures.user("mario.rossi").expect("user").clone();
    let req = ValidatedRequest {
        id: "_req".into(),
        sp_entity_id: "https://sp.example.it".into(),
        level: Level::L2,
        comparison: Comparison::Minimum,
        acs_url: "https://sp.example.it/acs".into(),
        attributes: [
            "spidCode",
            "name",
            "familyName",
            "fiscalNumber",
            "email",
            "dateOfBirth",
            "address",
        ]
        .map(String::from)
        .to_vec(),
        purpose: None,
    };
    let mut group = c.benchmark_group("idp");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rsa2048_sign_raw", |b| {
        let msg = vec![0x5au8; 700];
        b.iter(|| black_box(idp.key.sign_rsa_sha256(black_box(&msg))))
    });
    // The rest of the crypto a conforming SSO handler cannot skip, beside the two signatures:
    // verifying the AuthnRequest's signature (cached parsed key, as the handler does) and the
    // SHA-256 digest over the signed Response's size (the lower bound of its two digests).
    group.bench_function("rsa2048_verify_raw", |b| {
        let msg = vec![0x5au8; 700];
        let sig = idp.key.sign_rsa_sha256(&msg);
        let cert = idp.key.trusted_cert();
        let alg = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
        b.iter(|| black_box(cert.verify_raw(alg, black_box(&msg), black_box(&sig))))
    });
    // The success Response the SSO handler builds: a fresh NameID and instant each time.
    let plan = || {
        success_plan(
            Issuer {
                entity_id: &idp.entity_id,
                response_issuer_format: true,
            },
            &req,
            &user,
            Level::L2,
            state.ids.name_id(),
            "_s",
            state.clock.now(),
            time::Duration::minutes(5),
            &state.ids,
        )
    };
    group.bench_function("sha256_signed_response_bytes", |b| {
        let xml = plan().sign(&idp.key).expect("signs");
        b.iter(|| {
            black_box(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                black_box(xml.as_bytes()),
            ))
        })
    });
    group.bench_function("response_with_assertion_build_and_sign", |b| {
        b.iter(|| black_box(plan().sign(&idp.key).expect("signs")))
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
