//! Scenarios: every required rule covered, the whole folder passes (library and binary), bad
//! files get file:line:column and a suggestion, a wrong expectation fails the run.

use crate::output_text;
use harness::scenario::{self, coverage, load, Catalog, Runner};
use rstest::rstest;
use std::path::{Path, PathBuf};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn load_folder() -> Vec<scenario::Scenario> {
    let catalog = Catalog::embedded().expect("fixtures");
    let files = scenario::discover(&[scenarios_dir()]).expect("discover");
    assert!(files.len() >= 9, "{files:?}");
    assert!(files
        .iter()
        .all(|f| !f.to_string_lossy().contains("timeline")));
    scenario::load_all(&files, &catalog).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_pin_and_switch_off_rule_is_covered_by_a_step() {
    let uncovered = coverage::uncovered(&load_folder());
    assert!(
        uncovered.is_empty(),
        "rules no scenario step covers: {:?}",
        uncovered.iter().map(|r| r.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_whole_folder_passes() {
    let scenarios = load_folder();
    let results = Runner::new().run_all(&scenarios).await;
    let failed: Vec<String> = results
        .iter()
        .flat_map(|r| {
            r.steps.iter().filter(|s| !s.passed).map(move |s| {
                format!(
                    "{}:{} {}: expected {}, got {}",
                    r.path.display(),
                    s.line,
                    s.kind,
                    s.expected,
                    s.actual
                )
            })
        })
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(results.iter().map(|r| r.steps.len()).sum::<usize>() > 150);
}

#[test]
fn the_binary_runs_the_folder_and_writes_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("junit.xml");
    let out = crate::spid_harness([
        "run".as_ref(),
        scenarios_dir().as_os_str(),
        "--report-dir".as_ref(),
        dir.path().as_os_str(),
        "--junit".as_ref(),
        junit.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    for ext in ["json", "html", "xml", "md"] {
        assert!(dir.path().join(format!("run.{ext}")).is_file(), "run.{ext}");
    }
    assert!(junit.is_file());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run.json")).unwrap())
            .unwrap();
    assert_eq!(json["command"], "run");
    assert_eq!(json["summary"]["failed"], 0);
    let entries = json["entries"].as_array().unwrap();
    assert!(entries.iter().all(|e| e["family"] == "scenario"));
    assert!(entries
        .iter()
        .any(|e| e["rule"].as_str().is_some_and(|r| r.contains("PIN-09"))));
}

const GOOD: &str = r#"title = "t"
start = 2019-03-01T09:00:00Z

[actors]
mario = "mario.rossi"

[[step]]
do = "request-pin"
actor = "mario"
channel = "online"
covers = ["PIN-02"]
"#;

#[rstest]
#[case::misspelt_key(
    "actor = \"mario\"\nchannel",
    "acter = \"mario\"\nchannel",
    9,
    1,
    "did you mean \"actor\"?"
)]
#[case::unknown_step_kind(
    "do = \"request-pin\"",
    "do = \"requets-pin\"",
    8,
    6,
    "did you mean \"request-pin\"?"
)]
#[case::unknown_actor(
    "actor = \"mario\"",
    "actor = \"maria\"",
    9,
    9,
    "did you mean \"mario\"?"
)]
#[case::unknown_rule_id("[\"PIN-02\"]", "[\"PIN-2\"]", 11, 11, "did you mean \"PIN-02\"?")]
#[case::misspelt_top_key("title = \"t\"", "titel = \"t\"", 1, 1, "did you mean \"title\"?")]
#[case::bad_date(
    "2019-03-01T09",
    "2019-02-30T09",
    2,
    17,
    "invalid date-time: value is out of range"
)]
#[case::key_of_another_kind(
    "channel = \"online\"",
    "channel = \"online\"\nservice = \"notifiche\"",
    11,
    11,
    "does not take `service`"
)]
#[case::unknown_channel("\"online\"", "\"onlien\"", 10, 11, "did you mean \"online\"?")]
fn bad_files_name_the_place_and_suggest(
    #[case] from: &str,
    #[case] to: &str,
    #[case] line: usize,
    #[case] column: usize,
    #[case] hint: &str,
) {
    let catalog = Catalog::embedded().expect("fixtures");
    let path = Path::new("scenarios/bad.toml");
    assert!(load::parse(GOOD, path, &catalog).is_ok());
    let text = GOOD.replacen(from, to, 1);
    let errors = load::parse(&text, path, &catalog).expect_err("must fail");
    let e = &errors[0];
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("scenarios/bad.toml:{line}:{column}: ")),
        "{shown}"
    );
    assert!(shown.contains(hint), "{shown}");
}

#[test]
fn a_wrong_expectation_fails_the_run_with_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("wrong.toml");
    let wrong = GOOD.to_string()
        + "\n[[step]]\ntitle = \"says ok but a second PIN is refused\"\ndo = \"request-pin\"\nactor = \"mario\"\nchannel = \"office\"\n";
    std::fs::write(&file, wrong).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
        .arg("run")
        .arg(&file)
        .arg("--report-dir")
        .arg(dir.path().join("rep"))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("expected ok, got PIN_ALREADY_ISSUED"),
        "{stdout}"
    );
    // A bad file is exit 2.
    std::fs::write(&file, GOOD.replace("do = ", "doo = ")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
        .args(["run"])
        .arg(&file)
        .arg("--report-dir")
        .arg(dir.path().join("rep"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong.toml:8:1"));
}

/// `service-pin-login` goes through the reference SP: the unchanged file passes, and claiming the
/// service still accepts a citizen's PIN on 2021-10-01 fails with the code the service showed.
#[tokio::test]
async fn service_pin_login_reports_what_the_service_did() {
    let catalog = Catalog::embedded().expect("fixtures");
    let path = scenarios_dir().join("service-pin-login.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    let good = load::parse(&text, &path, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    let result = Runner::new().run(&good).await;
    assert!(result.passed(), "{:#?}", result.steps);
    assert!(result
        .steps
        .iter()
        .any(|s| s.kind == "service-pin-login" && s.expected == "SERVICE_PIN_SWITCHED_OFF"));

    let wrong = text.replacen(
        "expect = \"SERVICE_PIN_SWITCHED_OFF\"",
        "expect = \"ok\"",
        1,
    );
    assert_ne!(wrong, text);
    let bad = load::parse(&wrong, &path, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    let result = Runner::new().run(&bad).await;
    let failed: Vec<_> = result.steps.iter().filter(|s| !s.passed).collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].kind, "service-pin-login");
    assert_eq!(failed[0].actual, "SERVICE_PIN_SWITCHED_OFF");
}

const OIDC_SCENARIO: &str = r#"title = "OpenID Connect logins through the reference RP"
start = 2021-10-01T09:00:00Z

[actors]
mario = "mario.rossi"
luca = "luca.ferrari"
francesca = "francesca.romano"

[[step]]
do = "oidc-login"
actor = "mario"
provider = "poste"
level = 2

[[step]]
do = "oidc-login"
actor = "francesca"
provider = "cie"
level = 3

[[step]]
do = "oidc-login"
actor = "mario"
provider = "lepida"
level = 2
outcome = "consent-denied"
expect = "nr22"

[[step]]
do = "oidc-login"
actor = "luca"
provider = "aruba"
level = 2
expect = "nr20"

[[step]]
do = "oidc-login"
actor = "luca"
provider = "tim"
level = 1
expect = "SERVICE_METHOD_NOT_ACCEPTED"
"#;

/// `oidc-login` logs in over OpenID Connect through the reference RP (on-boarded to the mocks'
/// federation): logins at a SPID OP and at CIE pass, anomalies give their SPID code, the
/// timeline's policy applies; claiming a refused login succeeds fails the step with the code.
#[tokio::test]
async fn oidc_login_steps_go_through_the_reference_rp() {
    let catalog = Catalog::embedded().expect("fixtures");
    let path = Path::new("oidc.toml");
    let good = load::parse(OIDC_SCENARIO, path, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    let result = Runner::new().run(&good).await;
    assert!(result.passed(), "{:#?}", result.steps);
    assert_eq!(result.steps.len(), 5);

    let wrong = OIDC_SCENARIO.replacen("expect = \"nr22\"", "expect = \"ok\"", 1);
    assert_ne!(wrong, OIDC_SCENARIO);
    let bad = load::parse(&wrong, path, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    let result = Runner::new().run(&bad).await;
    let failed: Vec<_> = result.steps.iter().filter(|s| !s.passed).collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0].kind, "oidc-login");
    assert_eq!(failed[0].actual, "nr22");

    let unknown = OIDC_SCENARIO.replacen("provider = \"cie\"", "provider = \"cie-prepro\"", 1);
    let errors = load::parse(&unknown, path, &catalog).expect_err("unknown OP");
    let text = format!("{errors:?}");
    assert!(text.contains("cie-preprod"), "{text}");
}

/// A value for each key some step kind requires, so that a one-step file can be written for every
/// kind of the table without knowing the kind.
fn sample(key: &str) -> &'static str {
    match key {
        "actor" | "delegato" => "\"mario\"",
        "delegante" => "\"giuseppe\"",
        "channel" => "\"online\"",
        "method" => "\"fax\"",
        "service" => "\"estratto-conto-contributivo\"",
        "state" => "\"none\"",
        "validity" => "\"1-week\"",
        "form" => "\"AA08\"",
        "provider" => "\"poste\"",
        "level" => "2",
        "by" => "\"1d\"",
        "duration" => "\"1s\"",
        other => panic!("no sample value for required key `{other}`: add one to this table"),
    }
}

/// What a kind answers when it runs alone on 2024-03-01 with only its required keys: most need
/// state earlier steps build (a PIN delivered and activated, a SPID login, a delega filed after
/// 2021-08-16), so they refuse with the documented code; the rest succeed (`None`).
fn alone_2024(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "request-pin" => "PIN_ISSUANCE_CLOSED",
        "deliver-mail" => "MAIL_NOT_PENDING",
        "first-access" | "pin-login" | "renew" | "recover" | "revoke" | "convert" => {
            "PIN_NOT_FOUND"
        }
        "service-pin-login" => "SERVICE_PIN_SWITCHED_OFF",
        "open-service" | "submit-claim" => "PIN_SESSION_UNKNOWN",
        "generate-phone-pin" => "PHONE_PIN_NEEDS_DIGITAL_IDENTITY",
        "phone-pin-call" => "PHONE_PIN_WRONG",
        "delegate" | "revoke-delegation" | "act-for" => "DELEGATION_REFUSED",
        _ => return None,
    })
}

/// Every kind of `step::KINDS` loads into a step (never silently dropped) and the runner executes
/// it. The table, the `Action` enum and its dispatch are generated from one list in
/// `scenario/steps/mod.rs`, so a kind without a loader or runner does not compile; this test
/// shows each one also reads its required keys and runs to the outcome it should have alone
/// ([`alone_2024`]): the step must pass, so a kind that fails at once (an error of its own, or a
/// refusal other than the one expected) fails the test.
#[tokio::test]
async fn every_step_kind_loads_and_executes() {
    let catalog = Catalog::embedded().expect("fixtures");
    let mut runner = Runner::new();
    let mut failed = Vec::new();
    for kind in scenario::step::KINDS {
        let mut text = String::from(
            "title = \"one step\"\nstart = 2024-03-01T09:00:00Z\n\n[actors]\n\
             mario = \"mario.rossi\"\ngiuseppe = \"giuseppe.lombardi\"\n\n[[step]]\n",
        );
        text.push_str(&format!("do = {:?}\n", kind.name));
        // A kind without required keys takes one of its optional keys (`advance`: `by` or `to`).
        let keys = if kind.required.is_empty() {
            &kind.optional[..1.min(kind.optional.len())]
        } else {
            kind.required
        };
        for key in keys {
            text.push_str(&format!("{key} = {}\n", sample(key)));
        }
        if let Some(code) = alone_2024(kind.name) {
            text.push_str(&format!("expect = {code:?}\n"));
        }
        let path = PathBuf::from(format!("{}.toml", kind.name));
        let loaded = load::parse(&text, &path, &catalog)
            .unwrap_or_else(|e| panic!("kind {:?} does not load: {e:?}\n{text}", kind.name));
        assert_eq!(loaded.steps.len(), 1, "kind {:?} was dropped", kind.name);
        let result = runner.run(&loaded).await;
        assert_eq!(result.steps.len(), 1, "kind {:?} did not run", kind.name);
        let step = &result.steps[0];
        assert_eq!(step.kind, kind.name);
        assert!(
            !step.actual.is_empty(),
            "kind {:?} gave no outcome",
            kind.name
        );
        if !step.passed {
            failed.push(format!(
                "kind {:?}: expected {:?}, actual {:?}, detail {:?}\n{text}",
                kind.name, step.expected, step.actual, step.detail
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A CLI error prints its message, the "Caused by:" chain down to the OS error and a hint, and
/// exits with the documented code for bad input (2, `harness::exit::BAD_INPUT`).
#[test]
fn a_missing_scenario_path_prints_its_cause_chain_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-folder");
    let out = crate::spid_harness([
        "run".as_ref(),
        missing.as_os_str(),
        "--report-dir".as_ref(),
        dir.path().as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(harness::exit::BAD_INPUT.into()),
        "{stderr}"
    );
    let expected_head = format!("error: reading scenarios at {}\n", missing.display());
    assert!(stderr.starts_with(&expected_head), "{stderr}");
    assert!(
        stderr.contains("\nCaused by:\n  0: No such file or directory"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhint: give scenario files or folders that exist"),
        "{stderr}"
    );
}

const LOAD_SCENARIO: &str = r#"title = "switch-off, then the login under load"
start = 2021-10-01T09:00:00Z

[actors]
mario = "mario.rossi"

[[step]]
title = "20 logins/s for 1 s, all accepted"
do = "load"
actor = "mario"
provider = "namirial"
rate = "20/s"
duration = "1s"
max_p99 = "5s"
min_rate = "1/s"

[[step]]
title = "an impossible rate"
do = "load"
auto_login = "mario.rossi*1+mario.rossi:consent-denied*1"
concurrency = 2
duration = "1s"
binding = "post"
min_rate = "100000/s"
"#;

/// A `load` step runs a bounded load phase, takes its duration of the simulated timeline and
/// records its figures in the report; a broken threshold fails the step and the scenario.
#[tokio::test]
async fn a_load_step_runs_and_a_failing_threshold_fails_the_scenario() {
    let catalog = Catalog::embedded().expect("fixtures");
    let loaded = load::parse(LOAD_SCENARIO, Path::new("load.toml"), &catalog)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let result = Runner::new().run(&loaded).await;
    let (first, second) = (&result.steps[0], &result.steps[1]);
    assert!(first.passed, "{first:?}");
    assert_eq!(first.actual, "ok");
    let detail = first.detail.as_deref().unwrap();
    assert!(
        detail.contains("logins")
            && detail.contains("0 errors")
            && detail.contains("max-p99 5000.00 ms held"),
        "{detail}"
    );
    assert_eq!(first.spid, Some(("namirial".into(), 2)));
    assert!(!second.passed, "{second:?}");
    assert!(
        second.actual.starts_with("ok, but min-rate measured"),
        "{}",
        second.actual
    );
    // Refusals of the consent-denied half are expected: not errors.
    let detail = second.detail.as_deref().unwrap();
    assert!(detail.contains("0 errors"), "{detail}");
    assert!(!result.passed());
    // Each phase took its second of the simulated timeline.
    assert_eq!(
        second.at - loaded.start,
        time::Duration::seconds(2),
        "{second:?}"
    );
    let entries = scenario::report::entries(std::slice::from_ref(&result));
    assert!(entries[0].passed && entries[0].outcome.starts_with("ok (load: "));
    assert!(!entries[1].passed && entries[1].outcome.contains("FAILED"));
}

#[rstest]
#[case::both_models("rate = \"5/s\"\nconcurrency = 2", 11, "not both")]
#[case::bad_duration("rate = \"5/s\"\nduration = \"1 parsec\"", 10, "`duration`")]
#[case::bad_rate("rate = \"fast\"", 10, "`rate`")]
#[case::unknown_provider("provider = \"postee\"", 10, "did you mean \"poste\"")]
#[case::zero_users("concurrency = 0", 10, "`concurrency` must be 1 to")]
#[case::bad_threshold("max_p99 = \"soon\"", 10, "`max_p99`")]
#[case::misspelt_key("max_p95 = \"5s\"", 10, "did you mean \"max_p99\"")]
fn a_bad_load_step_names_the_line_and_the_fix(
    #[case] keys: &str,
    #[case] line: usize,
    #[case] needle: &str,
) {
    let catalog = Catalog::embedded().expect("fixtures");
    let mut text = String::from(
        "title = \"t\"\nstart = 2024-03-01T09:00:00Z\n\n[actors]\nmario = \"mario.rossi\"\n\n\
         [[step]]\ndo = \"load\"\n",
    );
    if !keys.contains("duration") {
        text.push_str("duration = \"1s\"\n");
    }
    text.push_str(keys);
    text.push('\n');
    let errors = load::parse(&text, Path::new("bad.toml"), &catalog).unwrap_err();
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        errors
            .iter()
            .any(|e| e.line == line && e.message.contains(needle)),
        "{:?}\n{all:?}\n{text}",
        errors.iter().map(|e| e.line).collect::<Vec<_>>()
    );
}

/// `spid-login` and `oidc-login` read their keys with one function but keep their own words: a
/// bad level or provider names the step's kind of provider and level.
#[rstest]
#[case::spid_level(
    "spid-login",
    "provider = \"poste\"\nlevel = 4",
    11,
    "SPID level 4: use 1, 2 or 3"
)]
#[case::oidc_level(
    "oidc-login",
    "provider = \"cie\"\nlevel = 4",
    11,
    "level 4: use 1, 2 or 3"
)]
#[case::spid_provider(
    "spid-login",
    "provider = \"postee\"\nlevel = 2",
    10,
    "unknown provider \"postee\""
)]
#[case::oidc_provider(
    "oidc-login",
    "provider = \"postee\"\nlevel = 2",
    10,
    "unknown OpenID Provider \"postee\""
)]
fn a_bad_login_step_keeps_its_own_message(
    #[case] kind: &str,
    #[case] keys: &str,
    #[case] line: usize,
    #[case] message: &str,
) {
    let catalog = Catalog::embedded().expect("fixtures");
    let text = format!(
        "title = \"t\"\nstart = 2024-03-01T09:00:00Z\n\n[actors]\nmario = \"mario.rossi\"\n\n\
         [[step]]\ndo = \"{kind}\"\nactor = \"mario\"\n{keys}\n"
    );
    let errors = load::parse(&text, Path::new("bad.toml"), &catalog).unwrap_err();
    let all: Vec<(usize, String)> = errors.iter().map(|e| (e.line, e.message.clone())).collect();
    assert!(
        errors
            .iter()
            .any(|e| e.line == line && e.message.starts_with(message)),
        "{all:?}\n{text}"
    );
    // The SPID step never says "OpenID Provider", and the OIDC step's level error is not the
    // SPID one.
    if kind == "spid-login" {
        assert!(all.iter().all(|(_, m)| !m.contains("OpenID")), "{all:?}");
    } else {
        assert!(
            all.iter().all(|(_, m)| !m.starts_with("SPID level")),
            "{all:?}"
        );
    }
}
