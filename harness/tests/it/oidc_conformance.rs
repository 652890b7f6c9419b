//! The OIDC relying-party suite validates itself on the reference RP: every case passes on the
//! strict RP (a refusal naming one of the case's switches), every refuse case with a mutant
//! fails on the RP with exactly those switches off, every switch is some case's mutant (bar
//! the listed ones), every waiver still holds with every switch off, and the catalogue is
//! snapshotted; the entity-configuration checks pass on the strict RP's document and each fails
//! on its broken fixture alone.

use harness::conformance::oidc::cases::{Expect, Proof, UNCOVERED_SWITCHES};
use harness::conformance::oidc::{self, ReferenceWorld, OIDC_CASES};
use reference_rp::Faults;
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_passes_on_the_strict_reference_rp_and_names_its_switch() {
    let run = oidc::run_against_reference(Faults::none(), &[], false)
        .await
        .expect("suite");
    let entity = oidc::entity::ENTITY_CHECKS.len();
    let requests = oidc::request::REQUEST_CHECKS.len();
    assert_eq!(
        run.report.entries.len(),
        OIDC_CASES.len() + entity + requests
    );
    for e in &run.report.entries[OIDC_CASES.len()..] {
        assert!(
            [oidc::entity::FAMILY, oidc::request::FAMILY]
                .contains(&e.family.as_deref().unwrap_or("")),
            "{}",
            e.id
        );
        assert!(e.passed, "{}: {:?}", e.id, e.verdict);
    }
    for (case, e) in OIDC_CASES.iter().zip(&run.report.entries) {
        assert_eq!(case.id, e.id);
        assert!(e.error.is_none(), "{}: {:?}", e.id, e.error);
        let seen = e
            .verdict
            .as_ref()
            .map(|v| v.reason.as_str())
            .unwrap_or_default();
        assert!(e.passed, "{}: {seen}", e.id);
        assert_eq!(e.family.as_deref(), Some(oidc::FAMILY));
        // The strict RP refuses with one of the checks the mutant switches off.
        if let Proof::Mutant(switches) = case.proof {
            assert!(
                switches.iter().any(|s| seen.contains(&format!("{s}: "))),
                "{}: refused by another check than {switches:?}: {seen}",
                e.id
            );
        }
    }
    assert!(run.report.all_passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refuse_case_fails_on_its_mutant() {
    let mut by_set: BTreeMap<Vec<&str>, Vec<&oidc::OidcCase>> = BTreeMap::new();
    for case in OIDC_CASES {
        if let Proof::Mutant(switches) = case.proof {
            assert_eq!(case.expect, Expect::Refuse, "{}", case.id);
            assert!(!switches.is_empty(), "{}", case.id);
            by_set.entry(switches.to_vec()).or_default().push(case);
        }
    }
    let mut wrong = Vec::new();
    for (switches, cases) in by_set {
        let faults = Faults::parse(&switches.join(",")).expect("known switches");
        let world = ReferenceWorld::start(faults).await.expect("world");
        let target = world.target().expect("target");
        for case in cases {
            let e = target.run_case(case).await;
            assert!(e.error.is_none(), "{}: {:?}", case.id, e.error);
            if e.passed {
                wrong.push(format!(
                    "{} passes on the mutant {switches:?}: the case cannot fail ({:?})",
                    case.id, e.verdict
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_waived_case_is_refused_even_with_every_switch_off() {
    let all: Vec<&str> = reference_rp::faults::ALL.iter().map(|f| f.name).collect();
    let world = ReferenceWorld::start(Faults::parse(&all.join(",")).expect("all"))
        .await
        .expect("world");
    let target = world.target().expect("target");
    let mut waived = 0;
    for case in OIDC_CASES {
        if let Proof::Waiver(reason) = case.proof {
            assert!(reason.len() > 40, "{}: a waiver says why", case.id);
            let e = target.run_case(case).await;
            assert!(e.error.is_none(), "{}: {:?}", case.id, e.error);
            assert!(
                e.passed,
                "{} is accepted by the all-off mutant: give it a mutant instead of a waiver ({:?})",
                case.id, e.verdict
            );
            waived += 1;
        }
    }
    assert!(waived > 0);
}

#[test]
fn every_switch_is_the_mutant_of_some_case_but_the_listed_ones() {
    for f in reference_rp::faults::ALL {
        if UNCOVERED_SWITCHES.iter().any(|(n, _)| *n == f.name) {
            continue;
        }
        assert!(
            OIDC_CASES
                .iter()
                .any(|c| matches!(c.proof, Proof::Mutant(s) if s.contains(&f.name))),
            "switch {} is no case's mutant: add a case or list it in UNCOVERED_SWITCHES",
            f.name
        );
    }
    for (name, reason) in UNCOVERED_SWITCHES {
        assert!(!reason.is_empty(), "{name}");
    }
}

#[test]
fn ids_are_unique_kebab_and_accept_cases_are_controls() {
    let mut seen = std::collections::BTreeSet::new();
    for c in OIDC_CASES {
        assert!(seen.insert(c.id), "duplicate {}", c.id);
        assert!(c.id.starts_with("oidc-"), "{}", c.id);
        assert!(
            c.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            c.id
        );
        assert_eq!(
            c.expect == Expect::Accept,
            c.proof == Proof::Control,
            "{}",
            c.id
        );
        assert!(
            !c.rule.source.is_empty() && c.rule.words.len() > 30,
            "{}",
            c.id
        );
    }
}

#[test]
fn catalogue_snapshot() {
    let mut text = String::new();
    for c in OIDC_CASES {
        let proof = match c.proof {
            Proof::Mutant(s) => format!("mutant {}", s.join(",")),
            Proof::Waiver(w) => format!("waiver: {w}"),
            Proof::Control => "control".to_string(),
        };
        text.push_str(&format!(
            "{} | {} | {} | {:?} | {}\n    rule: {}: {}\n    proof: {}\n",
            c.id,
            c.provider.id(),
            c.expect.word(),
            c.severity,
            c.title,
            c.rule.source,
            c.rule.words,
            proof
        ));
    }
    insta::assert_snapshot!(text);
}

/// `spid-harness check --oidc --against-reference` as the binary: exit 0 and the reports on
/// the strict RP; exit 1 on a mutant.
#[test]
fn the_binary_exits_0_on_the_strict_rp_and_1_on_a_mutant() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().to_str().expect("utf-8");
    let out = crate::spid_harness(["check", "--oidc", "--against-reference", "--report-dir", d]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("oidc-response"), "{stdout}");
    assert!(dir.path().join("check-oidc.json").exists());
    let out = crate::spid_harness([
        "check",
        "--oidc",
        "--against-reference",
        "--faults",
        "nonce",
        "--only",
        "oidc-idt-nonce-wrong",
        "oidc-login-spid",
        "--report-dir",
        d,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("check-oidc.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(
        report["summary"]["total"], 2,
        "--only selects the cases alone"
    );
    assert_eq!(report["summary"]["failed"], 1);
}

/// The entity-configuration checks: all pass on the strict reference RP's document, and each
/// fails on a fixture made of that document with one thing broken (re-signed with the RP's
/// federation key) while every other check still passes on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_entity_configuration_check_fails_on_its_fixture_alone() {
    use harness::conformance::oidc::entity::{self, Fetched, ENTITY_CHECKS};
    use mock_idps::oidc::keys::{load, KeyRole};
    use serde_json::{json, Value};
    let world = ReferenceWorld::start(Faults::none()).await.expect("world");
    let target = world.target().expect("target");
    let url = format!("{}/.well-known/openid-federation", world.rp_base);
    let good = entity::fetch(target.http(), &url).await.expect("fetch");
    let id = oidc::reference::CLIENT_ID;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (c, r) in entity::judge(&good, id, now) {
        assert!(r.is_ok(), "{}: {r:?}", c.id);
    }
    let fed = load(
        &mock_idps::FixtureSource::Embedded,
        "reference-rp",
        KeyRole::Federation,
    )
    .expect("federation key");
    let other = load(
        &mock_idps::FixtureSource::Embedded,
        "reference-rp",
        KeyRole::Signing,
    )
    .expect("signing key");
    let claims: Value = mock_idps::oidc::jose::jws::decode_unverified(&good.body)
        .and_then(|u| u.claims())
        .expect("claims");
    let header = |typ: &str| {
        let mut h = serde_json::Map::new();
        h.insert("typ".into(), typ.into());
        h.insert("kid".into(), fed.kid().into());
        h
    };
    let signed = |c: &Value| Fetched {
        content_type: good.content_type.clone(),
        body: entity::resign(&fed, &header("entity-statement+jwt"), c).expect("sign"),
    };
    let edited = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        signed(&c)
    };
    for check in ENTITY_CHECKS {
        let fixture = match check.id {
            "oidc-ec-content-type" => Fetched {
                content_type: Some("application/json".into()),
                body: good.body.clone(),
            },
            "oidc-ec-typ" => Fetched {
                content_type: good.content_type.clone(),
                body: entity::resign(&fed, &header("JWT"), &claims).expect("sign"),
            },
            "oidc-ec-self-signed" => Fetched {
                content_type: good.content_type.clone(),
                body: entity::resign(&other, &header("entity-statement+jwt"), &claims)
                    .expect("sign"),
            },
            "oidc-ec-iss-sub" => edited(&|c| c["sub"] = json!("https://other-rp.example.it")),
            "oidc-ec-validity" => edited(&|c| c["exp"] = json!(now - 3600)),
            "oidc-ec-jwks" => edited(&|c| {
                let weak = json!({"kty": "RSA", "kid": "weak-1024", "e": "AQAB",
                    "n": mock_idps::oidc::jose::b64e(&[0xc5; 128])});
                c["jwks"]["keys"].as_array_mut().expect("keys").push(weak);
            }),
            "oidc-ec-authority-hints" => edited(&|c| {
                c.as_object_mut().expect("object").remove("authority_hints");
            }),
            "oidc-ec-trust-marks" => edited(&|c| {
                c.as_object_mut().expect("object").remove("trust_marks");
            }),
            "oidc-ec-rp-metadata" => edited(&|c| {
                c["metadata"]["openid_relying_party"]
                    .as_object_mut()
                    .expect("rp")
                    .remove("token_endpoint_auth_method");
            }),
            "oidc-ec-rp-algorithms" => edited(&|c| {
                c["metadata"]["openid_relying_party"]["userinfo_encrypted_response_alg"] =
                    json!("RSA1_5");
            }),
            other => panic!("no fixture for {other}: add one"),
        };
        for (c, r) in entity::judge(&fixture, id, now) {
            if c.id == check.id {
                assert!(
                    r.is_err(),
                    "{} passes on its fixture ({})",
                    c.id,
                    check.fixture
                );
            } else {
                assert!(
                    r.is_ok(),
                    "{}'s fixture also breaks {}: {r:?}",
                    check.id,
                    c.id
                );
            }
        }
    }
}
