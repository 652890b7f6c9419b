//! `spid-harness load` against the reference SP: thresholds met and broken (exit 1, a JUnit
//! failure), a slow-ACS mutant found as the slowest hop, the open model counting the queue
//! (coordinated-omission correction), `--baseline` flagging a regression, exact merges, and the
//! Markdown and HTML reports (snapshots of a seeded report).

use crate::output_text;
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
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
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
    let schema = super::report_snapshots::junit_schema();
    assert_eq!(
        super::report_snapshots::junit_errors(&schema, &junit),
        Vec::<String>::new()
    );

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
    assert_eq!(
        super::report_snapshots::junit_errors(&schema, &junit),
        Vec::<String>::new()
    );
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
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
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
pub(crate) fn seeded_report() -> LoadReport {
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
            expected_refusals: 0,
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
        expected_refusals: 0,
        interrupted: 2,
        dropped: 1,
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
fn load_xml_validates_against_the_jenkins_schema() {
    let schema = super::report_snapshots::junit_schema();
    let xml = load::render::junit(&seeded_report());
    assert!(
        xml.contains("<failure"),
        "the seeded report breaks a threshold:\n{xml}"
    );
    assert_eq!(
        super::report_snapshots::junit_errors(&schema, &xml),
        Vec::<String>::new()
    );
    // A suite without its error count is refused: the schema requires the attribute.
    let no_errors = xml.replacen(" errors=\"0\" time=", " time=", 1);
    assert_ne!(no_errors, xml);
    assert!(!super::report_snapshots::junit_errors(&schema, &no_errors).is_empty());
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
    let legend = scraper::Selector::parse("ul.legend li").unwrap();
    let mut out = String::new();
    for el in doc.select(&sel) {
        let line = match el.value().name() {
            "figure" => format!(
                "figure {}: svg={} polylines={} labelled={} legend={}",
                el.value().attr("data-plot").unwrap_or("?"),
                el.inner_html().contains("<svg"),
                el.select(&polyline).count(),
                el.select(&text).count() > 0,
                el.select(&legend).count()
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

/// A service whose login page takes `hold` to answer: every login outlives a short run.
fn slow_service(hold: Duration) -> (tokio::runtime::Runtime, String) {
    use axum::routing::get;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = rt.block_on(async move {
        let app = axum::Router::new().route(
            "/login",
            get(move || async move {
                tokio::time::sleep(hold).await;
                "too late"
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    });
    (rt, base)
}

fn against(base: &str, model: Model) -> LoadConfig {
    let mut c = LoadConfig::against_reference(
        paths(&["poste".into()], "redirect", Level::L2).unwrap(),
        model,
    );
    c.target = load::Target::Service {
        login_url: format!("{base}/login?idp={{entity_id}}"),
        probe_url: format!("{base}/me"),
        sp_metadata: None,
    };
    c
}

#[rstest::rstest]
#[case::open(Model::Open { stages: Vec::new(), constant: Some(20.0), max_in_flight: 8 })]
#[case::closed(Model::Closed { concurrency: 3 })]
fn a_run_ends_within_duration_plus_the_graceful_stop_counting_cut_logins_as_interrupted(
    #[case] model: Model,
) {
    // Logins take 30 s; the run lasts 1 s with a 0.5 s graceful stop.
    let (_rt, base) = slow_service(Duration::from_secs(30));
    let mut c = against(&base, model.clone());
    c.duration = Duration::from_secs(1);
    c.graceful_stop = Duration::from_millis(500);
    c.request_timeout = Duration::from_secs(60);
    let began = std::time::Instant::now();
    let report = load::run(c).unwrap();
    let took = began.elapsed();
    // The mocks and the runtimes start and stop around the load: 1 s of slack for them.
    assert!(
        took < Duration::from_millis(2500),
        "{model:?}: took {took:?}"
    );
    assert_eq!(report.ok, 0, "{model:?}");
    assert!(report.errors.is_empty(), "{model:?}: {:?}", report.errors);
    assert_eq!(report.logins, 0, "cut logins did not end");
    match model {
        // 8 slots: 8 logins started, the other 12 due in the second never did.
        Model::Open { .. } => {
            assert_eq!((report.interrupted, report.dropped), (8, 12));
        }
        _ => assert_eq!((report.interrupted, report.dropped), (3, 0)),
    }
    let md = load::render::markdown(&report);
    assert!(md.contains("| accepted | expected refusals | errors | interrupted | dropped |"));
}

#[test]
fn refusals_the_auto_login_mix_asks_for_are_expected_not_errors() {
    let mut c = closed(24, 2);
    c.auto_login = "mario.rossi*1+mario.rossi:consent-denied*1"
        .parse()
        .unwrap();
    let report = load::run(c).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.error_samples);
    assert_eq!(report.ok + report.expected_refusals, 24);
    assert_eq!(report.logins, 24);
    assert!(
        report.expected_refusals > 0 && report.ok > 0,
        "{} / {}",
        report.ok,
        report.expected_refusals
    );
    assert_eq!(report.error_rate(), 0.0);
    // A mutant that refuses good Responses too still shows those as errors.
    let mut broken = closed(6, 1);
    broken.target = load::Target::Service {
        login_url: "http://127.0.0.1:9/login".into(),
        probe_url: "http://127.0.0.1:9/me".into(),
        sp_metadata: None,
    };
    let report = load::run(broken).unwrap();
    assert_eq!(report.expected_refusals, 0);
    assert_eq!(report.errors.get("connect"), Some(&6));
}

#[test]
fn load_against_external_mocks_sends_their_admin_token() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let served = rt
        .block_on(harness::serve::start(harness::serve::ServeConfig {
            bind: "127.0.0.1:0".parse().unwrap(),
            sp_metadata: Vec::new(),
            entity_ids: mock_idps::spid::config::EntityIds::Local,
            fixtures: None,
            seed: Some(7),
            pin_store: dir.path().join("pin.jsonl"),
            reference_sp: None,
            auto_login: Vec::new(),
            admin_token: Some("s3cret".into()),
            public_url: None,
            oidc_rps: Vec::new(),
        }))
        .unwrap();
    let url = served.federation.base_url().to_string();
    let with = |token: Option<&str>| {
        let mut c = closed(4, 1);
        c.paths = paths(&["poste".into()], "post", Level::L2).unwrap();
        c.mocks = load::Mocks::External {
            url: url.clone(),
            admin_token: token.map(str::to_string),
        };
        load::run(c)
    };
    let err = with(None).unwrap_err().to_string();
    assert!(
        err.contains("/admin/auto-login") && err.contains("401"),
        "{err}"
    );
    let report = with(Some("s3cret")).unwrap();
    assert_eq!(report.ok, 4, "{:?}", report.error_samples);
    rt.block_on(served.shutdown());
}

fn serve_config(dir: &std::path::Path, public_url: Option<&str>) -> harness::serve::ServeConfig {
    harness::serve::ServeConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        sp_metadata: Vec::new(),
        entity_ids: mock_idps::spid::config::EntityIds::Local,
        fixtures: None,
        seed: Some(7),
        pin_store: dir.join("pin.jsonl"),
        reference_sp: None,
        auto_login: Vec::new(),
        admin_token: None,
        public_url: public_url.map(str::to_string),
        oidc_rps: Vec::new(),
    }
}

#[test]
fn serve_behind_a_proxy_puts_its_public_url_in_metadata_and_urls() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let public = "https://idp.example.test:8443/spid";
    let served = rt
        .block_on(harness::serve::start(serve_config(
            dir.path(),
            Some("https://idp.example.test:8443/spid/"),
        )))
        .unwrap();
    let urls = served.urls();
    let json = serde_json::to_value(&urls).unwrap();
    assert_eq!(json["base"], public);
    let poste = &urls.mocks.providers["poste"];
    assert!(
        poste.sso.starts_with(&format!("{public}/idp/")),
        "{poste:?}"
    );
    assert!(poste.entity_id.starts_with(public), "{poste:?}");
    // The server listens where it was bound; what it serves names the public URL.
    let bound = format!("http://{}", served.federation.addr());
    let path = poste.metadata.strip_prefix(public).unwrap();
    let xml = rt
        .block_on(async { reqwest::get(format!("{bound}{path}")).await?.text().await })
        .unwrap();
    assert!(xml.contains(&format!("Location=\"{public}/idp/")), "{xml}");
    assert!(!xml.contains("127.0.0.1"), "{xml}");
    rt.block_on(served.shutdown());
    for bad in [
        "idp.example.test",
        "ftp://x/",
        "https://x/?a=1",
        "https://u:p@x/",
    ] {
        let err = rt
            .block_on(harness::serve::start(serve_config(dir.path(), Some(bad))))
            .unwrap_err();
        assert!(format!("{err:#}").contains("public URL"), "{bad}: {err}");
    }
}
