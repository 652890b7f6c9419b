//! The logout cases against the strict reference SP (every case as expected) and their
//! self-validation: each refuse case fails against the reference SP with its switch off.

use harness::conformance::logout::{self, LOGOUT_CASES};
use harness::conformance::reference;
use reference_sp::faults::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_logout_case_passes_against_the_strict_reference_sp() {
    let state = reference::mock_state().unwrap();
    let sp = reference::start(&state, Faults::none()).await.unwrap();
    let cases: Vec<_> = LOGOUT_CASES.iter().collect();
    let entries = logout::run(&sp.target, &cases, 0).await;
    crate::assert_all_passed(&entries);
    assert_eq!(entries.len(), LOGOUT_CASES.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_refusing_logout_case_fails_against_its_mutant() {
    let state = reference::mock_state().unwrap();
    let mut problems = Vec::new();
    let mut proven = 0;
    for case in LOGOUT_CASES.iter().filter(|c| c.mutant.is_some()) {
        let mutant = case.mutant.unwrap_or_default();
        let sp = crate::reference_sp(&state, mutant).await;
        let e = logout::run(&sp.target, &[case], 1).await.remove(0);
        if e.error.is_some() || e.passed {
            problems.push(format!("[{mutant}] {}", crate::describe(&e)));
        } else {
            proven += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(proven >= 5, "only {proven} logout cases proven");
}
