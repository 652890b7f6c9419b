//! The `oidc-request` family validates itself on the reference RP: every check passes (judged,
//! not skipped) on the strict RP, and every check fails on the mutant that sends what its rule
//! forbids (a sending switch of `reference_rp::sending`); every sending switch is some check's
//! mutant. The entity-configuration checks are proven on mutants too: each fails on the RP that
//! publishes the broken document, while every other entity check still passes on it.

use harness::conformance::oidc::entity::{self, ENTITY_CHECKS};
use harness::conformance::oidc::entity_fields::{self, FIELD_CHECKS};
use harness::conformance::oidc::request::{self, REQUEST_CHECKS};
use harness::conformance::oidc::{self, ReferenceWorld};
use harness::report::Severity;
use reference_rp::Faults;
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_check_passes_on_the_strict_reference_rp() {
    let world = ReferenceWorld::start(Faults::none()).await.expect("world");
    let target = world.target().expect("target");
    let entries = request::request_entries(
        &target,
        &world.rp_base,
        oidc::reference::CLIENT_ID,
        request::PLAN,
        &[],
    )
    .await;
    assert_eq!(entries.len(), REQUEST_CHECKS.len());
    for e in &entries {
        assert_eq!(e.family.as_deref(), Some(request::FAMILY));
        assert!(e.not_run.is_none(), "{}: not judged: {:?}", e.id, e.not_run);
        assert!(e.passed, "{}: {:?}", e.id, e.verdict);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_check_fails_on_its_mutant() {
    let mut by_switch: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in REQUEST_CHECKS {
        match c.mutant {
            Some(m) => by_switch.entry(m).or_default().push(c.id),
            None => assert_eq!(c.severity, Severity::Warning, "{}: no mutant", c.id),
        }
    }
    let mut wrong = Vec::new();
    for (switch, ids) in &by_switch {
        let world = ReferenceWorld::start(Faults::parse(switch).expect("a sending switch"))
            .await
            .expect("world");
        let target = world.target().expect("target");
        let only: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        let entries = request::request_entries(
            &target,
            &world.rp_base,
            oidc::reference::CLIENT_ID,
            request::PLAN,
            &only,
        )
        .await;
        assert_eq!(entries.len(), ids.len(), "{switch}");
        for e in entries {
            if e.passed || e.not_run.is_some() {
                wrong.push(format!(
                    "{} is not failed by the mutant {switch}: passed {}, not run {:?}, {:?}",
                    e.id, e.passed, e.not_run, e.verdict
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_sending_switch_is_the_mutant_of_some_check() {
    for f in reference_rp::sending::ALL {
        let request = REQUEST_CHECKS.iter().any(|c| c.mutant == Some(f.name));
        let entity = ENTITY_CHECKS.iter().any(|c| c.mutant == f.name)
            || FIELD_CHECKS.iter().any(|c| c.mutant == Some(f.name));
        assert!(
            request || entity,
            "sending switch {} is no check's mutant",
            f.name
        );
    }
}

/// Each entity-configuration check fails on the RP publishing its broken document, and every
/// other entity check passes on that document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_entity_configuration_check_fails_on_its_mutant_alone() {
    let mut wrong = Vec::new();
    for check in ENTITY_CHECKS {
        let fetched = crate::oidc_conformance::reference_document(check.mutant).await;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        for (c, r) in entity::judge(&fetched, oidc::reference::CLIENT_ID, now) {
            match (c.id == check.id, r.is_ok()) {
                (true, true) => {
                    wrong.push(format!("{} passes on its mutant {}", c.id, check.mutant))
                }
                (false, false) => wrong.push(format!(
                    "{}'s mutant {} also breaks {}: {r:?}",
                    check.id, check.mutant, c.id
                )),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Each member check with a mutant fails on the RP publishing that document, and nothing else
/// of the entity configuration fails there (neither a coarse check nor another member check).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_member_check_with_a_mutant_fails_on_it_alone() {
    let mut wrong = Vec::new();
    let mut proven = 0;
    for check in FIELD_CHECKS {
        let Some(switch) = check.mutant else { continue };
        proven += 1;
        let fetched = crate::oidc_conformance::reference_document(switch).await;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let id = oidc::reference::CLIENT_ID;
        for (c, r) in entity_fields::judge(&fetched, id) {
            if (c.id == check.id) == r.is_ok() {
                wrong.push(format!("{} on the mutant {switch}: {r:?}", c.id));
            }
        }
        for (c, r) in entity::judge(&fetched, id, now) {
            if r.is_err() {
                wrong.push(format!("{switch} also breaks {}: {r:?}", c.id));
            }
        }
    }
    assert!(proven >= 2);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn request_catalogue_snapshot() {
    let text = crate::catalogue_text(REQUEST_CHECKS, |c| {
        format!(
            "{} | {:?} | {:?} | {}\n    rule: {}: {}\n    fix: {}\n    mutant: {}{}\n",
            c.id,
            c.stage,
            c.severity,
            c.title,
            c.rule.source,
            c.rule.words,
            c.fix,
            c.mutant.unwrap_or("-"),
            c.agid.map(|a| format!(" · AgID {a}")).unwrap_or_default(),
        )
    });
    insta::assert_snapshot!(text);
}

/// `check --oidc --only` selects request checks by id, and the binary exits 1 on a mutant.
#[test]
fn the_binary_runs_request_checks_alone_and_exits_1_on_a_mutant() {
    let dir = tempfile::tempdir().expect("dir");
    let report = crate::oidc_conformance::failing_oidc_run(
        dir.path(),
        "pkce-plain",
        &["oidc-req-authz-pkce-method", "oidc-req-authz-state"],
    );
    assert_eq!(report["summary"]["total"], 2);
    assert_eq!(report["summary"]["failed"], 1);
}
