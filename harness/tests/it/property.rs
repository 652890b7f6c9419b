//! `check --property` against the reference SP: no disagreement with the strict SP; against
//! every mutant the catalogue proves, a disagreement shrunk to the one change its switched-off
//! check guards; a bug that needs two changes together; determinism of the generated run.

use crate::scrub_ports;
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
                c.trial.verdict.reason,
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

/// The guard (comma-separated switches) of a change, if it declares one.
fn guard_of(c: &harness::property::Change) -> Option<String> {
    use harness::property::model::Effect;
    use mock_idps::spid::level::{Comparison, Level};
    // The check a change trips at a level it breaks at: most break at SpidL2, but a change
    // tied to SpidL1 (a catalogue case asking for L1, such as SessionIndex absent at L1) breaks
    // only there, so a shrink that lands on it is judged at that level.
    [Level::L2, Level::L1, Level::L3]
        .into_iter()
        .find_map(|level| match c.effect(level, Comparison::Minimum) {
            Effect::Breaks { guard, .. } => guard,
            _ => None,
        })
}

/// Whether a change's guard names a check the mutant switched off (the catalogue's guard may
/// name more checks than the one that lets the change through).
fn guarded_by(guard: &str, mutant: &str) -> bool {
    let m: Vec<&str> = mutant.split(',').collect();
    guard.split(',').any(|g| m.contains(&g))
}

/// Every mutant the catalogue proves with a Response case the property vocabulary uses: the
/// run finds a disagreement and shrinks it to one change guarded by the switched-off checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_catalogue_mutant_is_found_and_shrunk_to_its_one_change() {
    use harness::conformance::{Expect, Mutation};
    let mut mutants: Vec<&'static str> = harness::property::model::usable_cases()
        .filter_map(|c| c.mutant)
        .collect();
    mutants.sort_unstable();
    mutants.dedup();
    let state = reference::mock_state().unwrap();
    let mut problems = Vec::new();
    let mut table = Vec::new();
    for mutant in &mutants {
        let sp = crate::reference_sp(&state, mutant).await;
        let r = run(&sp.target, &first_disagreement(11), Arc::new(|_| {})).await;
        match r.counterexamples.first() {
            None => problems.push(format!(
                "{mutant}: no disagreement in {} combinations",
                r.played
            )),
            Some(c) => {
                let changes = c.minimal.describe();
                let guard = c.minimal.changes.first().and_then(guard_of);
                table.push(format!(
                    "{mutant:<40} after {:>4} combinations, {:>3} re-sends: {}",
                    r.played,
                    c.shrink_steps,
                    changes.join("; ")
                ));
                if c.minimal.changes.len() != 1
                    || !guard.as_deref().is_some_and(|g| guarded_by(g, mutant))
                {
                    problems.push(format!("{mutant}: shrunk to {changes:?} (guard {guard:?})"));
                }
            }
        }
    }
    println!("{}", table.join("\n"));
    // The catalogue's mutants outside the vocabulary, and why.
    let mut outside: Vec<String> = harness::conformance::RESPONSE_CASES
        .iter()
        .filter(|c| c.mutant.is_some_and(|m| !mutants.contains(&m)))
        .map(|c| {
            let why = match (c.mutation, c.expect) {
                (Mutation::Flow(_), _) => {
                    "a flow of several messages (one combination is one Response)"
                }
                (_, Expect::RefuseOrIntact(_)) => "judged on the protected page after the login",
                _ => "not in the vocabulary",
            };
            format!("{} (case {}): {why}", c.mutant.unwrap_or_default(), c.id)
        })
        .collect();
    outside.sort();
    outside.dedup();
    println!("outside the property vocabulary:\n{}", outside.join("\n"));
    assert!(
        outside
            .iter()
            .all(|o| !o.ends_with("not in the vocabulary")),
        "{outside:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(mutants.len() >= 25, "{}", mutants.len());
}

/// `destination-unsigned` off: the SP checks Destination only on a signed Response. The whole
/// catalogue passes that mutant (every case changes one thing of a Response signed twice);
/// `--property` finds it and shrinks to exactly the two changes together.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bug_that_needs_two_changes_is_found_and_shrunk_to_both() {
    use harness::conformance::RESPONSE_CASES;
    use harness::property::{Change, Legal};
    let state = reference::mock_state().unwrap();
    let sp = crate::reference_sp(&state, "destination-unsigned").await;
    let cases: Vec<_> = RESPONSE_CASES.iter().collect();
    let entries = harness::conformance::run(&sp.target, &cases, 0).await;
    let failed: Vec<&str> = entries
        .iter()
        .filter(|e| !e.passed)
        .map(|e| e.id.as_str())
        .collect();
    assert!(failed.is_empty(), "the catalogue catches it: {failed:?}");

    // Seed 3 has the pair at combination 212 (across seeds 0–39 the first such combination
    // comes after about 2,000 on average).
    let r = run(&sp.target, &first_disagreement(3), Arc::new(|_| {})).await;
    let c = r.counterexamples.first().expect("a disagreement");
    let m = &c.minimal.changes;
    assert_eq!(m.len(), 2, "{:?}", c.minimal.describe());
    assert!(
        m.contains(&Change::Legal(Legal::AssertionOnlySigned)),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|ch| guard_of(ch).as_deref() == Some("destination")),
        "{m:?}"
    );
    assert!(c.trial.accepted);
    println!(
        "found after {} combinations, shrunk in {} re-sends ({:.0} ms): {:?}",
        r.played,
        c.shrink_steps,
        c.shrink_millis,
        c.minimal.describe()
    );
}

/// The entries of a property run with instants, durations, ports and the XML (random IDs and
/// instants) taken out: what must be the same for the same seed.
async fn scrubbed_property_report(faults: &str, seed: u64, cases: u32) -> serde_json::Value {
    let state = reference::mock_state().unwrap();
    let sp = crate::reference_sp(&state, faults).await;
    let cfg = PropertyConfig {
        seed,
        cases,
        ..PropertyConfig::default()
    };
    let r = run(&sp.target, &cfg, Arc::new(|_| {})).await;
    let mut entries = harness::property::run::entries(
        &r,
        &cfg,
        &format!("spid-harness check --against-reference --faults {faults}"),
        &sp.target.idp.id,
    );
    for e in &mut entries {
        e.millis = 0.0;
        // The XML carries fresh IDs and instants; the replay line is in the outcome.
        e.sent = e
            .sent
            .as_ref()
            .map(|_| "[the minimal Response]".to_string());
        e.reference = e
            .reference
            .as_ref()
            .map(|_| "[a valid Response]".to_string());
        e.started_unix_ms = None;
        if let Some(v) = &mut e.verdict {
            v.reason = scrub_ports(&v.reason);
            v.evidence = v.evidence.iter().map(|x| scrub_ports(x)).collect();
        }
    }
    serde_json::to_value(&entries).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_seed_gives_the_same_combinations_and_the_same_report() {
    use harness::property::{combination, GenConfig};
    let cfg = GenConfig {
        seed: 42,
        max_changes: 4,
    };
    let combos: Vec<String> = (0..12)
        .map(|id| {
            let c = combination(cfg, id);
            format!(
                "{id}: {:?} {:?} {:?} -> {}: {}",
                c.level,
                c.comparison,
                c.binding,
                c.verdict().word(),
                c.describe().join("; ")
            )
        })
        .collect();
    insta::assert_yaml_snapshot!("property_combinations_seed_42", combos);

    let a = scrubbed_property_report("destination-unsigned", 3, 240).await;
    let b = scrubbed_property_report("destination-unsigned", 3, 240).await;
    assert_eq!(a, b);
    insta::assert_json_snapshot!("property_report_seed_3", a);
}

/// The proptest strategies and the in-process driver against a mutant (`audience` off): the run
/// fails, and proptest shrinks it to one change the audience check guards.
#[test]
fn proptest_shrinks_an_in_process_failure_to_its_one_change() {
    use harness::property::{in_process, strategies::any_response, Combination};
    use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = reference::mock_state().unwrap();
    let (_sp, driver) = rt
        .block_on(in_process::reference(
            &state,
            Faults::parse("audience").unwrap(),
        ))
        .unwrap();
    let template = rt
        .block_on(driver.capture(&Combination::default_login()))
        .unwrap();
    // A fixed seed: the test is about shrinking, and a random draw of 512 combinations missed
    // every audience-touching change once in CI (the run passed and the test failed).
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let result = runner.run(&any_response(&template.request), |(combo, verdict)| {
        let (accepted, _) = rt.block_on(driver.play(&combo)).unwrap();
        proptest::prop_assert!(verdict.agrees(accepted));
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, (minimal, _))) => {
            assert_eq!(minimal.changes.len(), 1, "{:?}", minimal.describe());
            let guard = guard_of(&minimal.changes[0]);
            assert!(
                guard.as_deref().is_some_and(|g| guarded_by(g, "audience")),
                "{:?} (guard {guard:?})",
                minimal.describe()
            );
        }
        other => panic!("the audience mutant was not caught: {other:?}"),
    }
}

/// This process's CPU time (user + system), milliseconds (Linux /proc).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime, in 1/100 s) are the 12th and 13th after the ')'.
    let at = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (at(11) + at(12)) * 10.0
}

/// Figures, not a timed test: property cases per second against the embedded reference SP over
/// loopback HTTP and in-process (router + oneshot), and the time to shrink counterexamples.
/// `cargo test --release -p harness --test it property_figures -- --ignored --nocapture`
#[test]
#[ignore = "a figure, run by hand"]
fn property_figures() {
    use harness::property::{combination, in_process, GenConfig};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = reference::mock_state().unwrap();
    let n: u32 = std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    // Over HTTP, the `check --property` runner (jobs = cores).
    let sp = rt
        .block_on(reference::start(&state, Faults::none()))
        .unwrap();
    let cfg = PropertyConfig {
        seed: 1,
        cases: n,
        ..PropertyConfig::default()
    };
    let (began, cpu0) = (std::time::Instant::now(), cpu_ms());
    let r = rt.block_on(run(&sp.target, &cfg, Arc::new(|_| {})));
    let http = f64::from(n) / began.elapsed().as_secs_f64();
    let http_cpu = (cpu_ms() - cpu0) / f64::from(n);
    assert!(r.counterexamples.is_empty() && r.errors.is_empty());
    // In-process: the router called with oneshot, `jobs` logins at a time.
    let (_sp2, driver) = rt
        .block_on(in_process::reference(&state, Faults::none()))
        .unwrap();
    let driver = Arc::new(driver);
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (began, cpu0) = (std::time::Instant::now(), cpu_ms());
    let disagreements = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
        for _ in 0..jobs {
            let (driver, next) = (driver.clone(), next.clone());
            set.spawn(async move {
                let mut bad = 0;
                loop {
                    let id = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if id >= n {
                        return bad;
                    }
                    let mut c = combination(
                        GenConfig {
                            seed: 1,
                            max_changes: 4,
                        },
                        id,
                    );
                    c.binding = harness::property::Binding::Redirect;
                    let (accepted, model) = driver.play(&c).await.unwrap();
                    bad += usize::from(!model.agrees(accepted));
                }
            });
        }
        let mut bad = 0;
        while let Some(b) = set.join_next().await {
            bad += b.unwrap();
        }
        bad
    });
    let in_proc = f64::from(n) / began.elapsed().as_secs_f64();
    let in_proc_cpu = (cpu_ms() - cpu0) / f64::from(n);
    assert_eq!(disagreements, 0);
    // Shrinking: every mutant of the catalogue's table, first counterexample each.
    let mut shrinks = Vec::new();
    for mutant in [
        "audience",
        "destination",
        "status",
        "version",
        "conditions",
        "issuer",
    ] {
        let sp = rt
            .block_on(reference::start(&state, Faults::parse(mutant).unwrap()))
            .unwrap();
        let r = rt.block_on(run(&sp.target, &first_disagreement(11), Arc::new(|_| {})));
        let c = r.counterexamples.first().unwrap();
        shrinks.push((
            mutant,
            c.original.changes.len(),
            c.shrink_steps,
            c.shrink_millis,
        ));
    }
    println!(
        "over loopback HTTP: {http:.0} cases/s wall ({n} cases, {jobs} jobs); {http_cpu:.2} ms CPU per case = {:.0} cases per CPU-second",
        1000.0 / http_cpu
    );
    println!(
        "in-process (router + oneshot): {in_proc:.0} cases/s wall ({n} cases, {jobs} tasks); {in_proc_cpu:.2} ms CPU per case = {:.0} cases per CPU-second",
        1000.0 / in_proc_cpu
    );
    for (m, from, steps, ms) in shrinks {
        println!("shrink {m}: {from} changes -> 1 in {steps} re-sends, {ms:.0} ms");
    }
}

/// The binary: a passing property run against the strict reference SP (exit 0), a mutant's
/// counterexample replayed from its line (exit 1, the line printed in the reports), and
/// --property with --only refused as bad input.
#[test]
fn check_property_as_the_binary() {
    let dir = std::env::temp_dir().join(format!("spid-harness-property-{}", std::process::id()));
    let run = |extra: &[&str]| {
        let mut a = vec!["check", "--against-reference", "--property"];
        a.extend_from_slice(extra);
        let d = dir.to_str().unwrap().to_string();
        std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
            .args(a)
            .args(["--report-dir", &d])
            .output()
            .unwrap()
    };
    let ok = run(&["--cases", "40", "--seed", "1"]);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let bad = run(&[
        "--faults",
        "destination-unsigned",
        "--seed",
        "3",
        "--replay",
        "212",
    ]);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    let json = std::fs::read_to_string(dir.join("check.json")).unwrap();
    assert!(
        json.contains(
            "--faults destination-unsigned --max-changes 4 --property --seed 3 --replay 212"
        ),
        "{json}"
    );
    let junit = std::fs::read_to_string(dir.join("check.xml")).unwrap();
    assert_eq!(junit.matches("<testcase").count(), 2, "{junit}");
    let html = std::fs::read_to_string(dir.join("check.html")).unwrap();
    assert!(
        html.contains("class=\"diff\""),
        "the minimal Response against a valid one"
    );
    let conflict = run(&["--only", "21"]);
    assert_eq!(conflict.status.code(), Some(2), "{conflict:?}");
    assert!(String::from_utf8_lossy(&conflict.stderr).contains("--only selects catalogue checks"));
}

/// A service that disagrees often: only `shrink_limit` disagreements are shrunk, the rest are
/// counted and listed (the run stays bounded).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_shrink_limit_disagreements_are_shrunk() {
    let state = reference::mock_state().unwrap();
    let sp = crate::reference_sp(&state, "conditions,audience").await;
    let cfg = PropertyConfig {
        seed: 2,
        cases: 300,
        shrink_limit: 2,
        ..PropertyConfig::default()
    };
    let r = run(&sp.target, &cfg, Arc::new(|_| {})).await;
    assert_eq!(r.counterexamples.len(), 2);
    assert!(r.unshrunk_count > 0 && r.unshrunk.len() == r.unshrunk_count.min(100));
    let entries = harness::property::run::entries(&r, &cfg, "x", "poste");
    assert!(entries[0].sent.as_deref().unwrap().contains("not shrunk"));
    assert_eq!(entries.len(), 3);
}

/// A run that looks for the first disagreement only: up to 4,000 combinations from `seed`,
/// stopping at the first counterexample.
fn first_disagreement(seed: u64) -> PropertyConfig {
    PropertyConfig {
        seed,
        cases: 4000,
        stop_after: Some(1),
        ..PropertyConfig::default()
    }
}
