//! `check --property` against the reference SP: no disagreement with the strict SP; against
//! every mutant the catalogue proves, a disagreement shrunk to the one change its switched-off
//! check guards; a bug that needs two changes together; determinism of the generated run.

use harness::conformance::reference;
use harness::property::{run, PropertyConfig};
use reference_sp::faults::Faults;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_strict_reference_sp_agrees_with_the_model() {
    let state = reference::mock_state().unwrap();
    let sp = reference::start(&state, Faults::none()).await.unwrap();
    let n: u32 = std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let cfg = PropertyConfig {
        seed: 1,
        cases: n,
        ..PropertyConfig::default()
    };
    let r = run(&sp.target, &cfg, Arc::new(|_| {})).await;
    let bad: Vec<String> = r
        .counterexamples
        .iter()
        .map(|c| {
            format!(
                "#{} {:?} {:?}/{:?}: service accepted={} ({}; check {:?}) model {:?}: {:?}",
                c.original.id,
                c.minimal.level,
                c.minimal.comparison,
                c.minimal.binding,
                c.trial.accepted,
                c.trial.reason,
                c.trial.refusing_check,
                c.trial.model,
                c.minimal.describe()
            )
        })
        .collect();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert_eq!(r.played, n as usize);
    assert!(r.refuse_expected > 0 && r.refuse_expected < r.agreed);
}
