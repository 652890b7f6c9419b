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
    let entity = oidc::entity::ENTITY_CHECKS.len() + oidc::entity_fields::FIELD_CHECKS.len();
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
    let text = crate::catalogue_text(OIDC_CASES, |c| {
        let proof = match c.proof {
            Proof::Mutant(s) => format!("mutant {}", s.join(",")),
            Proof::Waiver(w) => format!("waiver: {w}"),
            Proof::Control => "control".to_string(),
        };
        let mut lines = format!(
            "{} | {} | {} | {:?} | {}\n    rule: {}: {}\n    proof: {}\n",
            c.id,
            c.op(),
            c.expect.word(),
            c.severity,
            c.title,
            c.rule.source,
            c.rule.words,
            proof
        );
        if !c.maps.is_empty() {
            lines.push_str(&format!("    maps to: {}\n", c.maps.line()));
        }
        lines
    });
    insta::assert_snapshot!(text);
}

/// The counts the issue asks for: at least 80 crafted-answer cases, every switch some case's
/// mutant, and the federation cases each on an OP of its own that no other case logs in at.
#[test]
fn the_catalogue_holds_at_least_80_cases_and_each_op_break_has_its_own_op() {
    assert!(OIDC_CASES.len() >= 80, "{} cases", OIDC_CASES.len());
    let broken = oidc::federation::broken_ops();
    let unique: std::collections::BTreeSet<_> = broken.iter().collect();
    assert_eq!(
        unique.len(),
        broken.len(),
        "two breaks share an OP: {broken:?}"
    );
    for c in OIDC_CASES {
        if !matches!(c.play, oidc::cases::Play::Federation(_)) {
            assert!(!broken.contains(&c.op()), "{} logs in at a broken OP", c.id);
        }
    }
    // Mapped ids have the shape of their suite (the values were read in the suites' sources).
    for c in OIDC_CASES {
        let m = c.maps;
        assert!(
            m.oidf.is_empty() || m.oidf.starts_with("oidcc-client-test"),
            "{}",
            c.id
        );
        assert!(
            m.oidf_legacy.is_empty() || m.oidf_legacy.starts_with("rp-"),
            "{}",
            c.id
        );
        assert!(
            m.agid.split(", ").all(|a| a.is_empty()
                || a.split('.').count() == 3 && a.split('.').all(|n| n.parse::<u8>().is_ok())),
            "{}",
            c.id
        );
    }
}

/// Playing the cases several at a time gives the verdicts of playing them one after the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_run_gives_the_verdicts_of_a_sequential_one() {
    let verdicts = |r: &harness::report::RunReport| -> Vec<(String, bool, Option<bool>)> {
        r.entries
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    e.passed,
                    e.verdict.as_ref().map(|v| v.accepted),
                )
            })
            .collect()
    };
    let sequential = oidc::run_against_reference_jobs(Faults::none(), &[], false, 1)
        .await
        .expect("sequential");
    let concurrent = oidc::run_against_reference_jobs(Faults::none(), &[], false, 6)
        .await
        .expect("concurrent");
    assert_eq!(verdicts(&sequential.report), verdicts(&concurrent.report));
    // The concurrent run did overlap cases: some case began before the previous one ended.
    let overlapped = concurrent.report.entries.windows(2).any(|w| {
        match (w[0].started_unix_ms, w[1].started_unix_ms) {
            (Some(a), Some(b)) => b < a + w[0].millis,
            _ => false,
        }
    });
    assert!(overlapped, "no two cases overlapped with --jobs 6");
    // And on a mutant too: the failing cases are the same.
    let mutant = Faults::parse("nonce,at-hash").expect("faults");
    let seq = oidc::run_against_reference_jobs(mutant.clone(), &[], false, 1)
        .await
        .expect("sequential mutant");
    let con = oidc::run_against_reference_jobs(mutant, &[], false, 6)
        .await
        .expect("concurrent mutant");
    assert_eq!(verdicts(&seq.report), verdicts(&con.report));
    assert!(!seq.report.all_passed());
}

/// The JSON report of `check --oidc --against-reference`, its ids, instants, timings and
/// per-login values redacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_report_snapshot() {
    let run = oidc::run_against_reference(Faults::none(), &[], false)
        .await
        .expect("suite");
    let mut json = serde_json::to_value(&run.report).expect("json");
    // The report speaks to people: no Rust `Some(..)` / `None` in its texts.
    let text = json.to_string();
    assert!(
        !text.contains("Some(") && !text.contains(" None "),
        "a Rust Option in the report's texts"
    );
    redact(&mut json, None);
    insta::assert_json_snapshot!(json);
}

/// Replaces what changes from run to run: instants and timings, and in free text the
/// loopback ports and the random values of each login (state, nonce, codes, tokens).
fn redact(v: &mut serde_json::Value, key: Option<&str>) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                redact(x, Some(k));
            }
        }
        Value::Array(a) => {
            for x in a {
                redact(x, key);
            }
        }
        Value::Number(_)
            if matches!(
                key,
                Some(
                    "millis"
                        | "started_unix_ms"
                        | "wall_ms"
                        | "started_unix"
                        | "duration_ms"
                        | "p50_ms"
                        | "p99_ms"
                        | "mean_ms"
                        | "max_ms"
                        | "cpu_ms"
                        | "logins_per_second"
                )
            ) =>
        {
            *v = Value::String("[redacted]".into());
        }
        Value::String(s) => {
            if matches!(key, Some("started" | "tool")) {
                *v = Value::String("[redacted]".into());
            } else {
                *s = redact_text(s);
            }
        }
        _ => {}
    }
}

/// Loopback addresses and long random tokens in free text become placeholders.
fn redact_text(s: &str) -> String {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").expect("re");
    // A random value (state, nonce, code, a JWT's parts) mixes capitals with small letters or
    // digits; the words of the catalogue (oidcc-client-test-idtoken-sig-rs256,
    // TrustMarkUnlistedIssuer, ...) are all small letters or CamelCase words of letters only.
    // A base64url hash can look CamelCase (J0chRiV4eAyzHgh7mi1X1g, an at_hash of CI's run):
    // digits never stand in a catalogue word, so they mark a value.
    let token = regex::Regex::new(r"[A-Za-z0-9_\-]{20,}(\.[A-Za-z0-9_\-]+)*").expect("re");
    let unix = regex::Regex::new(r"\b1[0-9]{9}\b").expect("re");
    let encoded_port = regex::Regex::new(r"127\.0\.0\.1%3A\d+").expect("re");
    let camel = regex::Regex::new(r"^([A-Z][a-z]+)+$").expect("re");
    let s = port.replace_all(s, "127.0.0.1:[port]");
    let s = encoded_port.replace_all(&s, "127.0.0.1%3A[port]");
    let s = token.replace_all(&s, |c: &regex::Captures<'_>| {
        let m = &c[0];
        let upper = m.bytes().any(|b| b.is_ascii_uppercase());
        let other = m
            .bytes()
            .any(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if upper && other && !camel.is_match(m) {
            "[token]".to_string()
        } else {
            m.to_string()
        }
    });
    let s = unix.replace_all(&s, "[unix]");
    let instant = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? UTC").expect("re");
    let hex = regex::Regex::new(r"\b[0-9a-f]{32,}\b").expect("re");
    // openidconnect lists the allowed algorithms from a hash set: in no stable order.
    let algs = regex::Regex::new(r"is not one of: [A-Z0-9, ]+").expect("re");
    let s = instant.replace_all(&s, "[instant]");
    let s = hex.replace_all(&s, "[hex]");
    algs.replace_all(&s, "is not one of: [algs]").into_owned()
}

/// The redaction keeps the catalogue's words and hides every random value, also one that
/// happens to look CamelCase (CI once drew such an at_hash and the snapshot failed).
#[test]
fn redaction_hides_values_and_keeps_words() {
    assert_eq!(
        redact_text("the access token's J0chRiV4eAyzHgh7mi1X1g"),
        "the access token's [token]"
    );
    assert_eq!(
        redact_text("TrustMarkUnlistedIssuer oidcc-client-test-idtoken-sig-rs256"),
        "TrustMarkUnlistedIssuer oidcc-client-test-idtoken-sig-rs256"
    );
    assert_eq!(
        redact_text("code=Ab3dEfGhIjKlMnOpQrStUv at 127.0.0.1:4711"),
        "code=[token] at 127.0.0.1:[port]"
    );
}

/// `spid-harness faults` lists the reference RP's switches after the reference SP's.
#[test]
fn the_faults_command_lists_every_reference_rp_switch() {
    let out = crate::spid_harness(["faults"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let (sp, rp) = stdout
        .split_once("reference RP")
        .expect("a reference RP section");
    for f in reference_sp::faults::ALL {
        assert!(
            sp.lines()
                .any(|l| l.split_whitespace().next() == Some(f.name)),
            "SP {}",
            f.name
        );
    }
    for f in reference_rp::faults::ALL {
        assert!(
            rp.lines()
                .any(|l| l.split_whitespace().next() == Some(f.name) && l.contains(f.description)),
            "RP switch {} missing from:\n{stdout}",
            f.name
        );
    }
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
    let report = failing_oidc_run(
        dir.path(),
        "nonce",
        &["oidc-idt-nonce-wrong", "oidc-login-spid"],
    );
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
    use mock_idps::oidc::keys::KeyRole;
    use serde_json::{json, Value};
    let doc = ReferenceDocument::fetch().await;
    let (good, claims, id) = (&doc.good, &doc.claims, oidc::reference::CLIENT_ID);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (c, r) in entity::judge(good, id, now) {
        assert!(r.is_ok(), "{}: {r:?}", c.id);
    }
    let edited = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        doc.signed(KeyRole::Federation, "entity-statement+jwt", &c)
    };
    for check in ENTITY_CHECKS {
        let fixture = match check.id {
            "oidc-ec-content-type" => Fetched {
                content_type: Some("application/json".into()),
                body: good.body.clone(),
            },
            "oidc-ec-typ" => doc.signed(KeyRole::Federation, "JWT", claims),
            "oidc-ec-self-signed" => doc.signed(KeyRole::Signing, "entity-statement+jwt", claims),
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

/// The member checks of `openid_relying_party` (`entity_fields`): all pass on the strict
/// reference RP's document, and each fails on that document with its member broken (re-signed
/// with the RP's federation key), where nothing else fails but checks of the same member and
/// the coarse `oidc-ec-rp-metadata`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_check_fails_on_its_fixture_and_breaks_only_its_member() {
    use harness::conformance::oidc::entity;
    use harness::conformance::oidc::entity_fields::{self, Test, FIELD_CHECKS};
    use mock_idps::oidc::keys::KeyRole;
    use serde_json::json;
    let doc = ReferenceDocument::fetch().await;
    let id = oidc::reference::CLIENT_ID;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (c, r) in entity_fields::judge(&doc.good, id) {
        assert!(r.is_ok(), "{}: {r:?}", c.id);
    }
    let mut wrong = Vec::new();
    for check in FIELD_CHECKS {
        let mut c = doc.claims.clone();
        let rp = c["metadata"]["openid_relying_party"]
            .as_object_mut()
            .expect("openid_relying_party");
        let first = rp
            .get(check.member)
            .and_then(|v| v.as_array())
            .and_then(|a| a.first())
            .cloned();
        match check.test {
            Test::Present | Test::KeySource => {
                rp.remove(check.member).expect("the member is there");
            }
            Test::Array => {
                rp.insert(check.member.into(), first.expect("an array"));
            }
            Test::OnlyValues(_) => rp[check.member]
                .as_array_mut()
                .expect("array")
                .push(json!("urn:example:not-allowed")),
            Test::Contains(v) => rp[check.member]
                .as_array_mut()
                .expect("array")
                .retain(|x| x != v),
            Test::EntityUrl => {
                rp.insert(check.member.into(), json!("http://rp.example.it"));
            }
            Test::EntityId => {
                rp.insert(check.member.into(), json!("https://other-rp.example.it"));
            }
            Test::RedirectUris => {
                rp.insert(
                    check.member.into(),
                    json!([
                        "http://rp.example.it/oidc/callback",
                        "https://rp.example.it/cb#x"
                    ]),
                );
            }
        }
        let fixture = doc.signed(KeyRole::Federation, "entity-statement+jwt", &c);
        for (other, r) in entity_fields::judge(&fixture, id) {
            match (other.id == check.id, r.is_ok()) {
                (true, true) => wrong.push(format!("{} passes on its fixture", check.id)),
                (false, false) if other.member != check.member => wrong.push(format!(
                    "{}'s fixture also breaks {}: {r:?}",
                    check.id, other.id
                )),
                _ => {}
            }
        }
        for (coarse, r) in entity::judge(&fixture, id, now) {
            if r.is_err() && coarse.id != "oidc-ec-rp-metadata" {
                wrong.push(format!(
                    "{}'s fixture also breaks {}: {r:?}",
                    check.id, coarse.id
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every AgID spid-oidc-check-rp `1.x` test (the 40 files `src/test/1.*.js` of
/// AgID/spid-oidc-check-rp) is exactly one of: a member check, a test a coarse check covers,
/// or a listed non-check whose reason `docs/rules/oidc.md` gives; the report carries the
/// mapping.
#[test]
fn every_agid_metadata_test_is_a_check_a_covered_test_or_a_listed_non_check() {
    use harness::conformance::oidc::entity::ENTITY_CHECKS;
    use harness::conformance::oidc::entity_fields::{
        agid_of, AGID_COVERED, AGID_NOT_CHECKS, FIELD_CHECKS,
    };
    let mut agid: Vec<String> = ["1.0.0", "1.1.0", "1.1.1", "1.1.2"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    agid.extend((0..=15).map(|n| format!("1.2.{n}")));
    agid.extend((0..=20).filter(|n| *n != 6).map(|n| format!("1.3.{n}")));
    assert_eq!(agid.len(), 40);
    let mut seen: Vec<&str> = FIELD_CHECKS.iter().map(|c| c.agid).collect();
    seen.extend(AGID_COVERED.iter().map(|(a, _)| *a));
    seen.extend(AGID_NOT_CHECKS.iter().map(|(a, _)| *a));
    seen.sort_unstable();
    let mut want: Vec<&str> = agid.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(seen, want, "each AgID 1.x test accounted for once");
    for (a, id) in AGID_COVERED {
        assert!(
            *id == "oidc-ec-fetch" || ENTITY_CHECKS.iter().any(|c| c.id == *id),
            "{a} maps to unknown {id}"
        );
        assert!(agid_of(id).split(", ").any(|x| x == *a));
    }
    let ids: std::collections::BTreeSet<&str> = FIELD_CHECKS
        .iter()
        .map(|c| c.id)
        .chain(ENTITY_CHECKS.iter().map(|c| c.id))
        .collect();
    assert_eq!(
        ids.len(),
        FIELD_CHECKS.len() + ENTITY_CHECKS.len(),
        "ids unique"
    );
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules/oidc.md"),
    )
    .expect("docs/rules/oidc.md");
    for (a, _) in AGID_NOT_CHECKS {
        assert!(
            doc.contains(&format!("| {a} |")),
            "docs/rules/oidc.md: no row for AgID {a}"
        );
    }
    for c in FIELD_CHECKS {
        assert!(
            doc.contains(c.id),
            "docs/rules/oidc.md does not list {}",
            c.id
        );
    }
}

#[test]
fn member_catalogue_snapshot() {
    use harness::conformance::oidc::entity_fields::FIELD_CHECKS;
    let text = crate::catalogue_text(FIELD_CHECKS, |c| {
        format!(
            "{} | {:?} | {} · AgID {}\n    member: {} {:?}\n    rule: {}: {}\n    fix: {}\n    mutant: {}\n",
            c.id,
            c.severity,
            c.title,
            c.agid,
            c.member,
            c.test,
            c.rule.source,
            c.rule.words,
            c.fix,
            c.mutant.unwrap_or("-"),
        )
    });
    insta::assert_snapshot!(text);
}

/// Runs `check --oidc --against-reference` with the switches `faults` off and only the checks
/// `only`, writing into `dir`; asserts the binary exits 1 and returns its JSON report.
pub(crate) fn failing_oidc_run(
    dir: &std::path::Path,
    faults: &str,
    only: &[&str],
) -> serde_json::Value {
    let d = dir.to_str().expect("utf-8");
    let mut args = vec!["check", "--oidc", "--against-reference", "--faults", faults];
    args.push("--only");
    args.extend(only);
    args.extend(["--report-dir", d]);
    let out = crate::spid_harness(args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    serde_json::from_str(&std::fs::read_to_string(dir.join("check-oidc.json")).expect("json"))
        .expect("json")
}

/// The entity configuration the reference RP with the switches `faults` off publishes.
/// The strict reference RP's entity configuration, its claims, and copies of it re-signed.
struct ReferenceDocument {
    good: harness::conformance::oidc::entity::Fetched,
    claims: serde_json::Value,
}

impl ReferenceDocument {
    async fn fetch() -> Self {
        let good = reference_document("").await;
        let claims = mock_idps::oidc::jose::jws::decode_unverified(&good.body)
            .and_then(|u| u.claims())
            .expect("claims");
        Self { good, claims }
    }

    /// `claims` as the document served, signed with the reference RP's `role` key under a
    /// header of type `typ` naming the federation key's kid.
    fn signed(
        &self,
        role: mock_idps::oidc::keys::KeyRole,
        typ: &str,
        claims: &serde_json::Value,
    ) -> harness::conformance::oidc::entity::Fetched {
        use mock_idps::oidc::keys::{load, KeyRole};
        let key = |role| load(&mock_idps::FixtureSource::Embedded, "reference-rp", role);
        let fed = key(KeyRole::Federation).expect("federation key");
        let mut header = serde_json::Map::new();
        header.insert("typ".into(), typ.into());
        header.insert("kid".into(), fed.kid().into());
        let signer = key(role).expect("key");
        harness::conformance::oidc::entity::Fetched {
            content_type: self.good.content_type.clone(),
            body: harness::conformance::oidc::entity::resign(&signer, &header, claims)
                .expect("sign"),
        }
    }
}

pub(crate) async fn reference_document(
    faults: &str,
) -> harness::conformance::oidc::entity::Fetched {
    let world = ReferenceWorld::start(Faults::parse(faults).expect("switches"))
        .await
        .expect("world");
    let target = world.target().expect("target");
    let url = format!("{}/.well-known/openid-federation", world.rp_base);
    harness::conformance::oidc::entity::fetch(target.http(), &url)
        .await
        .expect("fetch")
}
