//! `spid-harness load` against the reference SP: thresholds met and broken (exit 1, a JUnit
//! failure), a slow-ACS mutant found as the slowest hop, the open model counting the queue
//! (coordinated-omission correction), `--baseline` flagging a regression, exact merges, and the
//! Markdown and HTML reports (snapshots of a seeded report).

use harness::load::hist::Hist;
use harness::load::judge::{self, Thresholds};
use harness::load::model::{
    ordered_hops, LoadReport, ModelReport, Percentiles, SecondReport, END_TO_END,
};
use harness::load::paths;
use harness::load::{self, LoadConfig, LoginPath, Model};
use mock_idps::spid::level::Level;
use std::collections::BTreeMap;
use std::time::Duration;

fn closed(logins: u64, concurrency: usize) -> LoadConfig {
    let mut c = LoadConfig::against_reference(
        paths(&["poste".into(), "aruba".into()], "both", Level::L2).unwrap(),
        Model::Closed { concurrency },
    );
    c.max_logins = logins;
    c.duration = Duration::from_secs(60);
    c
}

fn slow_acs(mut c: LoadConfig, delay: Duration) -> LoadConfig {
    c.target = load::Target::Reference {
        faults: reference_sp::faults::Faults::none(),
        acs_delay: delay,
    };
    c
}

fn spid_harness(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_spid-harness"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn load_meets_given_thresholds_and_fails_an_impossible_one_with_exit_1_and_junit() {
    let dir = tempfile::tempdir().unwrap();
    let ok_dir = dir.path().join("ok");
    let common = [
        "load",
        "--against-reference",
        "--idp",
        "poste,intesi",
        "--concurrency",
        "2",
        "--logins",
        "40",
        "--max-error-rate",
        "0%",
        "--min-rate",
        "1/s",
    ];
    let mut args = common.to_vec();
    args.extend(["--max-p99", "5s", "--report-dir", ok_dir.to_str().unwrap()]);
    let out = spid_harness(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: LoadReport =
        serde_json::from_str(&std::fs::read_to_string(ok_dir.join("load.json")).unwrap()).unwrap();
    assert_eq!(report.ok, 40);
    assert!(report.errors.is_empty());
    assert_eq!(report.thresholds.len(), 3);
    // The reference SP's ACS redirects to the protected page, which the oracle takes as the
    // probe: no separate probe request is made.
    for hop in ["sp-start", "idp-sso", "acs", "sp-landing"] {
        assert_eq!(report.hop(hop).unwrap().stats.count, 40, "{hop}");
    }
    assert!(
        report.hop("probe").is_none(),
        "no second request for the probe"
    );
    let junit = std::fs::read_to_string(ok_dir.join("load.xml")).unwrap();
    assert_eq!(junit.matches("<testcase").count(), 3);
    assert!(!junit.contains("<failure"));

    let bad_dir = dir.path().join("bad");
    let junit_path = dir.path().join("junit.xml");
    let mut args = common.to_vec();
    args.extend([
        "--max-p99",
        "1us",
        "--report-dir",
        bad_dir.to_str().unwrap(),
        "--junit",
        junit_path.to_str().unwrap(),
    ]);
    let out = spid_harness(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL max-p99"), "{stdout}");
    let junit = std::fs::read_to_string(&junit_path).unwrap();
    assert_eq!(junit.matches("<testcase").count(), 3);
    assert_eq!(junit.matches("<failure").count(), 1);
    assert!(junit.contains("<testcase classname=\"load.thresholds\" name=\"max-p99\"><failure"));
}

#[test]
fn a_slow_acs_shows_up_as_the_slowest_hop() {
    // 150 ms: far above any other hop even on a busy shared machine.
    let report = load::run(slow_acs(closed(12, 2), Duration::from_millis(150))).unwrap();
    assert_eq!(report.ok, 12, "{:?}", report.error_samples);
    let slow = report.slowest_hop().unwrap();
    assert_eq!(slow.name, "acs");
    assert!(slow.stats.p50 >= 150.0, "{:?}", slow.stats);
    assert!(load::render::markdown(&report).contains("slowest hop: **acs**"));
}

#[test]
fn the_open_model_measures_from_the_intended_start() {
    // 20 logins due over one second, one at a time, each held 100 ms in the ACS: the last is due
    // at 0.95 s but can only start near 1.9 s. The end-to-end figure must show that wait; the
    // ACS hop (service time) must not.
    let mut c = slow_acs(closed(1000, 1), Duration::from_millis(100));
    c.model = Model::Open {
        stages: Vec::new(),
        constant: Some(20.0),
        max_in_flight: 1,
    };
    c.duration = Duration::from_secs(1);
    let report = load::run(c).unwrap();
    assert_eq!(report.ok, 20, "{:?}", report.error_samples);
    let e2e = &report.hop(END_TO_END).unwrap().stats;
    let acs = &report.hop("acs").unwrap().stats;
    assert!(acs.max < 400.0, "{acs:?}");
    assert!(e2e.max > 900.0, "end to end {e2e:?} hides the queue");
    assert!(report.series.iter().map(|s| s.started).sum::<u64>() == 20);
}

#[test]
fn the_baseline_flags_a_regression() {
    let mut fast = closed(16, 2);
    fast.paths = paths(&["poste".into()], "post", Level::L2).unwrap();
    let baseline = load::run(fast.clone()).unwrap();
    // The same figures against themselves: nothing regressed.
    assert!(judge::compare(&baseline, &baseline, Some(0.1))
        .iter()
        .all(|d| !d.regressed && d.change_pct == 0.0));
    let mut slow = slow_acs(fast, Duration::from_millis(150));
    slow.baseline = Some(baseline);
    slow.thresholds = Thresholds {
        max_regression: Some(0.10),
        ..Thresholds::default()
    };
    let report = load::run(slow).unwrap();
    assert!(!report.passed());
    let t = report
        .thresholds
        .iter()
        .find(|t| t.name == "max-regression")
        .unwrap();
    assert!(!t.passed && t.actual.contains("acs p99 ms"), "{t:?}");
    let deltas = report.baseline.as_ref().unwrap();
    let acs = deltas.iter().find(|d| d.figure == "acs p99 ms").unwrap();
    assert!(
        acs.regressed && acs.after >= 150.0 && acs.change_pct > 10.0,
        "{acs:?}"
    );
    assert!(load::render::markdown(&report).contains("## Change from the baseline"));
}

#[test]
fn report_merge_of_two_runs_equals_one_histogram_of_both() {
    let dir = tempfile::tempdir().unwrap();
    let a = load::run(closed(10, 1)).unwrap();
    let b = load::run(closed(14, 2)).unwrap();
    let mut files = Vec::new();
    for (name, r) in [("a", &a), ("b", &b)] {
        let p = dir.path().join(name);
        harness::load::write_reports(r, &p).unwrap();
        files.push(p.join("load.json"));
    }
    let out_dir = dir.path().join("merged");
    let out = spid_harness(&[
        "report",
        "merge",
        files[0].to_str().unwrap(),
        files[1].to_str().unwrap(),
        "--report-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged: LoadReport =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("load.json")).unwrap()).unwrap();
    assert_eq!(merged.ok, 24);
    assert_eq!(merged.model, ModelReport::Merged { shards: 2 });
    for hop in &merged.hops {
        let mut both = Hist::decode(&a.hop(&hop.name).unwrap().histogram).unwrap();
        both.add(&Hist::decode(&b.hop(&hop.name).unwrap().histogram).unwrap())
            .unwrap();
        assert_eq!(Hist::decode(&hop.histogram).unwrap(), both, "{}", hop.name);
        assert_eq!(hop.stats, Percentiles::of(&both));
    }
    // Bad input is named.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    let out = spid_harness(&["report", "merge", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a load.json"));
}

#[test]
fn remote_targets_need_allow_remote() {
    let out = spid_harness(&[
        "load",
        "--login-url",
        "http://192.0.2.1/login",
        "--probe-url",
        "http://192.0.2.1/me",
        "--mocks",
        "http://127.0.0.1:9/",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
}

/// A report from seeded pseudo-random latencies (no run), for the snapshots.
fn seeded_report() -> LoadReport {
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % 1000
    };
    let base = [
        (END_TO_END, 9000u64),
        ("sp-start", 900),
        ("idp-sso", 3500),
        ("acs", 3000),
        ("sp-landing", 300),
        ("probe", 250),
    ];
    let mut hops: BTreeMap<String, Hist> = BTreeMap::new();
    let mut series = Vec::new();
    for second in 0..5u64 {
        let mut hists: BTreeMap<String, Hist> = BTreeMap::new();
        for _ in 0..40 {
            for (name, micros) in base {
                let v = micros + next() * micros / 500 + second * 100;
                hists.entry(name.to_string()).or_default().record(v);
                hops.entry(name.to_string()).or_default().record(v);
            }
        }
        series.push(SecondReport {
            second,
            started: 40,
            ok: 39,
            errors: 1,
            hops: hists
                .iter()
                .map(|(k, h)| (k.clone(), Percentiles::of(h)))
                .collect(),
            histograms: hists.iter().map(|(k, h)| (k.clone(), h.encode())).collect(),
        });
    }
    let mut r = LoadReport {
        version: 1,
        target: "reference SP".into(),
        paths: vec!["poste L2 redirect".into(), "poste L2 post".into()],
        started: "2026-01-15T10:00:00Z".into(),
        model: ModelReport::Open {
            stages: vec![load::spec::Stage {
                seconds: 5.0,
                target: 40.0,
            }],
            max_in_flight: 256,
        },
        wall_seconds: 5.0,
        logins: 200,
        ok: 195,
        errors: BTreeMap::from([("refused".to_string(), 5)]),
        error_samples: vec!["refused: the protected page answered 401: no session".into()],
        rate: 39.0,
        hops: ordered_hops(&hops),
        series,
        cpu: None,
        thresholds: Vec::new(),
        baseline: None,
    };
    // The baseline was faster: 50 logins/s and a quicker ACS.
    let mut baseline = r.clone();
    baseline.rate = 50.0;
    let mut faster_acs = Hist::new();
    for v in 0..200u64 {
        faster_acs.record(2000 + v * 10);
    }
    baseline.hops.retain(|h| h.name != "acs");
    baseline.hops.push(harness::load::model::HopReport {
        name: "acs".into(),
        stats: Percentiles::of(&faster_acs),
        histogram: faster_acs.encode(),
    });
    r.baseline = Some(judge::compare(&baseline, &r, Some(0.1)));
    r.thresholds = judge::thresholds(
        &r,
        &Thresholds {
            max_p99: Some(Duration::from_millis(80)),
            max_error_rate: Some(0.001),
            min_rate: Some(30.0),
            max_regression: Some(0.1),
        },
    );
    r
}

#[test]
fn load_md_snapshot() {
    insta::assert_snapshot!("load_md", load::render::markdown(&seeded_report()));
}

/// The page's structure: headings, plots (with how many lines each draws), tables and rows.
fn outline(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("h1, h2, h3, figure, table").unwrap();
    let polyline = scraper::Selector::parse("polyline").unwrap();
    let text = scraper::Selector::parse("text").unwrap();
    let tr = scraper::Selector::parse("tr").unwrap();
    let mut out = String::new();
    for el in doc.select(&sel) {
        let line = match el.value().name() {
            "figure" => format!(
                "figure {}: svg={} polylines={} labelled={}",
                el.value().attr("data-plot").unwrap_or("?"),
                el.inner_html().contains("<svg"),
                el.select(&polyline).count(),
                el.select(&text).count() > 0
            ),
            "table" => format!(
                "table {}: {} rows",
                el.value().attr("data-table").unwrap_or("?"),
                el.select(&tr).count()
            ),
            h => format!("{h} {}", el.text().collect::<String>()),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn load_html_structure_snapshot() {
    let html = load::html::render(&seeded_report());
    assert!(!html.contains("<script"), "self-contained, no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("<link"),
        "nothing fetched"
    );
    insta::assert_snapshot!("load_html_outline", outline(&html));
}

#[test]
fn every_path_is_used_in_turn() {
    let p = paths(&["poste".into(), "aruba".into()], "both", Level::L2).unwrap();
    assert_eq!(
        p,
        vec![
            LoginPath {
                provider: "poste".into(),
                level: Level::L2,
                binding: "redirect".into()
            },
            LoginPath {
                provider: "poste".into(),
                level: Level::L2,
                binding: "post".into()
            },
            LoginPath {
                provider: "aruba".into(),
                level: Level::L2,
                binding: "redirect".into()
            },
            LoginPath {
                provider: "aruba".into(),
                level: Level::L2,
                binding: "post".into()
            },
        ]
    );
    assert!(paths(&["poste".into()], "soap", Level::L2).is_err());
}

#[test]
fn serve_refuses_a_bad_auto_login_naming_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("pin.jsonl");
    for (spec, needle) in [
        ("mario.rossi@9", "unknown SPID level"),
        ("nobody.here", "unknown auto-login user"),
    ] {
        let out = spid_harness(&[
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--pin-store",
            store.to_str().unwrap(),
            "--auto-login",
            spec,
        ]);
        assert_eq!(out.status.code(), Some(2), "{spec}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{spec}: {err}");
    }
}
