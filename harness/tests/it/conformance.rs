//! The Response catalogue against the strict reference SP (every case as expected) and the
//! self-validation: each refuse case fails against the reference SP with its mutant switches off.

use harness::conformance::case::Expect;
use harness::conformance::{reference, run, RESPONSE_CASES};
use reference_sp::faults::Faults;
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_case_passes_against_the_strict_reference_sp() {
    let state = reference::mock_state().unwrap();
    let sp = reference::start(&state, Faults::none()).await.unwrap();
    let cases: Vec<_> = RESPONSE_CASES.iter().collect();
    let entries = run(&sp.target, &cases, 0).await;
    crate::assert_all_passed(&entries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_refuse_case_fails_against_its_mutant() {
    let state = reference::mock_state().unwrap();
    // One mutant SP per distinct switch set, all run at once.
    let mut groups: BTreeMap<&str, Vec<&'static harness::conformance::ResponseCase>> =
        BTreeMap::new();
    for c in RESPONSE_CASES {
        if let Some(m) = c.mutant {
            groups.entry(m).or_default().push(c);
        }
    }
    let mut tasks = Vec::new();
    for (mutant, cases) in groups {
        let faults = Faults::parse(mutant).unwrap();
        let sp = reference::start(&state, faults).await.unwrap();
        tasks.push(tokio::spawn(async move {
            let sp = sp; // the whole run (the server stops when dropped)
            let entries = run(&sp.target, &cases, 4).await;
            (mutant, entries)
        }));
    }
    let mut problems = Vec::new();
    let mut proven = 0;
    for t in tasks {
        let (mutant, entries) = t.await.unwrap();
        for e in entries {
            if !["refuse", "refuse-or-intact", "refuse-or-signed-subject"]
                .contains(&e.expected.as_str())
            {
                continue; // a by-level case whose matrix says accept for this request
            }
            if let Some(err) = &e.error {
                problems.push(format!("{} [{mutant}]: error {err}", e.id));
            } else if e.passed {
                problems.push(format!(
                    "{} [{mutant}]: still refused with the switch off: {:?}",
                    e.id,
                    e.verdict.as_ref().map(|v| &v.reason)
                ));
            } else {
                proven += 1;
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(proven >= 100, "only {proven} refuse cases proven");
}

#[test]
fn a_case_without_mutant_accepts_or_has_a_reason() {
    for c in RESPONSE_CASES {
        if c.mutant.is_none() {
            assert!(
                matches!(c.expect, Expect::Accept | Expect::Either) || c.waiver.is_some(),
                "{} refuses, has no mutant and no waiver",
                c.id
            );
        }
    }
}

/// Not a test: for each refuse case, switches off the check that refused it until the case
/// fails (or 5 rounds), and prints the switch set found. Run with `--ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore]
async fn discover_mutants() {
    let state = reference::mock_state().unwrap();
    let only: Vec<String> = std::env::var("CASES")
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    for c in RESPONSE_CASES {
        if !only.is_empty() && !only.iter().any(|o| o == c.id) {
            continue;
        }
        let mut off: Vec<String> = Vec::new();
        let mut found = None;
        for _ in 0..6 {
            let sp = crate::reference_sp(&state, &off.join(",")).await;
            let e = run(&sp.target, &[c], 1).await.remove(0);
            if e.expected != "refuse" {
                break;
            }
            let v = e.verdict.unwrap();
            if v.accepted {
                found = Some(off.join(","));
                break;
            }
            match v
                .evidence
                .iter()
                .find_map(|x| x.strip_prefix("the page names the refusing check: "))
            {
                Some(check) if !off.iter().any(|o| o == check) && check != "malformed" => {
                    off.push(check.to_string())
                }
                other => {
                    println!("{}: stuck at {off:?} refused by {other:?}", c.id);
                    break;
                }
            }
        }
        if let Some(f) = found {
            println!("{}: {f} (declared {:?})", c.id, c.mutant);
        }
    }
}

/// "Entra con CIE": every CIE case is as expected against the strict reference SP signed into
/// as CIE ID, and each refuse case with a mutant fails against the reference SP with those
/// switches off (the same self-validation as the SPID catalogue).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cie_cases_pass_on_the_strict_sp_and_fail_on_their_mutants() {
    use harness::conformance::CIE_RESPONSE_CASES;
    let state = reference::mock_state().unwrap();
    let strict = reference::start(&state, Faults::none()).await.unwrap();
    let cie = reference::cie_target(&state, &strict.target).unwrap();
    let cases: Vec<_> = CIE_RESPONSE_CASES.iter().collect();
    let entries = run(&cie, &cases, 4).await;
    assert_eq!(entries.len(), CIE_RESPONSE_CASES.len());
    crate::assert_all_passed(&entries);
    // The Response CIE ID writes: no Format on the Response Issuer, FriendlyNames, signed as
    // CIE ID for the request the SP sent to CIE ID.
    let first = entries.iter().find(|e| e.id == "cie-1").unwrap();
    assert_eq!(first.provider.as_deref(), Some("cie"));
    let sent = first.sent.as_deref().unwrap();
    assert!(sent.contains("FriendlyName=\"Codice Fiscale\""), "{sent}");
    assert!(sent.contains("SPNameQualifier="), "{sent}");
    let response_issuer = &sent[sent.find("<saml:Issuer").unwrap()..];
    assert!(
        response_issuer.starts_with("<saml:Issuer>"),
        "Response Issuer without Format: {sent}"
    );
    let mut proven = 0;
    let mut problems = Vec::new();
    for c in CIE_RESPONSE_CASES {
        let Some(mutant) = c.mutant else {
            assert!(
                c.expect != Expect::Refuse || c.waiver.is_some(),
                "{} refuses without mutant or waiver",
                c.id
            );
            continue;
        };
        let sp = crate::reference_sp(&state, mutant).await;
        let target = reference::cie_target(&state, &sp.target).unwrap();
        let entries = run(&target, &[c], 1).await;
        let e = &entries[0];
        if e.error.is_some() || e.passed {
            problems.push(format!(
                "{} [{mutant}]: {:?} {:?}",
                c.id, e.error, e.verdict
            ));
        } else {
            proven += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(proven >= 5, "only {proven} CIE cases proven");
}

/// xsw3 and xsw7 keep the signed Assertion in place: an SP that accepts and logs in ITS subject
/// passes (the signature covers what it consumed), one that logs in the wrapped subject fails,
/// judged on the identity page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrapping_beside_the_signed_assertion_is_judged_on_the_subject_shown() {
    let state = reference::mock_state().unwrap();
    let cases: Vec<_> = RESPONSE_CASES
        .iter()
        .filter(|c| c.id == "xsw3" || c.id == "xsw7")
        .collect();
    assert_eq!(cases.len(), 2);
    for (switches, passes, evidence) in [
        // Reads the Response's child: the signed Assertion in xsw7; in xsw3 the first child is
        // the wrapped one, whose missing signature is refused.
        (
            "single-assertion",
            [true, true],
            "signed Assertion's subject",
        ),
        // Reads the wrapped Assertion (xsw3: the first child, unsigned, its check off; xsw7: the
        // first in document order, inside samlp:Extensions).
        (
            "single-assertion,assertion-signature,consumed-assertion",
            [false, false],
            "wrapped beside the signed one",
        ),
    ] {
        let sp = crate::reference_sp(&state, switches).await;
        let entries = run(&sp.target, &cases, 2).await;
        for (e, pass) in entries.iter().zip(passes) {
            assert_eq!(e.expected, "refuse-or-signed-subject");
            assert_eq!(e.passed, pass, "{} [{switches}]: {:?}", e.id, e.verdict);
            let v = e.verdict.as_ref().unwrap();
            if v.accepted {
                assert!(
                    v.evidence.iter().any(|x| x.contains(evidence)),
                    "{} [{switches}]: {:?}",
                    e.id,
                    v.evidence
                );
            }
        }
    }
}
