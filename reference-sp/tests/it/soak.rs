//! Issue #11 part A: the reference SP's stores stay bounded, and the soak that shows RSS flat
//! over a long run of logins (ignored: a figure, not a timed test). Run it with
//!
//! ```sh
//! nice -n 19 cargo test -p reference-sp --test it soak -- --ignored --nocapture
//! ```
//!
//! `SOAK_LOGINS` (default 100000) and `SOAK_FLOOD` (default 20000) change the counts.

use crate::support::{browser, world, world_with, Login, World};
use base64::Engine;
use mock_idps::clock::Clock;
use mock_idps::saml::binding::{encode_redirect, MessageKind};
use reference_sp::faults::Faults;
use reference_sp::SessionLimits;
use reference_sp::SpConfig;

/// The count in the environment variable `name`, else `default`.
fn from_env(name: &str, default: usize) -> usize {
    let set = std::env::var(name).ok().and_then(|v| v.parse().ok());
    set.unwrap_or(default)
}

/// After every 5,000 rounds of `phase`, prints the RSS and the usage of `store`.
fn progress<U: std::fmt::Debug>(phase: &str, i: usize, store: &str, usage: impl FnOnce() -> U) {
    if i % 5_000 == 4_999 {
        println!(
            "{phase} {:>6}: RSS {} KiB, {store} {:?}",
            i + 1,
            rss_kib(),
            usage()
        );
    }
}

/// Resident set size of this process, KiB (Linux `/proc/self/status`).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One complete scripted login with a fresh browser (a new SP session each time); `Err` with
/// the step that failed.
async fn one_login(w: &World, browser: &reqwest::Client) -> Result<(), String> {
    let posted = w.to_idp_answer_with(browser, &Login::default()).await?;
    let (status, body, location) = w.post_acs_with(browser, &posted).await;
    if status != 303 || location.as_deref() != Some("/me") {
        return Err(format!(
            "ACS answered {status}: {}",
            &body[..body.len().min(300)]
        ));
    }
    Ok(())
}

#[tokio::test]
async fn sp_sessions_are_capped_and_logins_keep_working() {
    let w = world_with(SpConfig {
        session_limits: SessionLimits {
            max_sessions: 5,
            ..SessionLimits::default()
        },
        ..SpConfig::default()
    })
    .await;
    for i in 0..12 {
        one_login(&w, &browser())
            .await
            .unwrap_or_else(|e| panic!("login {i}: {e}"));
    }
    let (sessions, bytes, replay) = w.sp.session_usage();
    assert_eq!(sessions, 5, "the oldest browser sessions were dropped");
    assert!(bytes < 64 << 10, "{bytes}");
    assert!(
        replay >= 12,
        "replay IDs are kept until they expire, not evicted: {replay}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "soak figure: 100,000 logins (minutes)"]
async fn soak_logins_keep_rss_flat() {
    let total = from_env("SOAK_LOGINS", 100_000);
    let workers = 4;
    let w = std::sync::Arc::new(world(Faults::none()).await);
    let samples = 20;
    let per_sample = total / samples;
    let mut series = Vec::new();
    let mut errors = 0usize;
    let began = std::time::Instant::now();
    for sample in 0..samples {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let w = w.clone();
            let n = per_sample / workers;
            tasks.spawn(async move {
                let mut errors = Vec::new();
                for _ in 0..n {
                    if let Err(e) = one_login(&w, &browser()).await {
                        errors.push(e);
                    }
                    // One simulated second per login: Assertions and replay IDs expire as
                    // they would in a day-long run.
                    w.clock.advance(time::Duration::seconds(1));
                }
                errors
            });
        }
        while let Some(r) = tasks.join_next().await {
            let e = r.expect("worker");
            if let Some(first) = e.first() {
                eprintln!("errors: {} (first: {first})", e.len());
            }
            errors += e.len();
        }
        let rss = rss_kib();
        let (sessions, bytes, replay) = w.sp.session_usage();
        println!(
            "soak: {:>7} logins  RSS {:>7} KiB  SP sessions {sessions} ({bytes} B)  replay {replay}  IdP sessions {}  log {:?}  {:.0} s",
            (sample + 1) * per_sample,
            rss,
            w.fed.state().sessions().len(),
            w.fed.state().received_usage(),
            began.elapsed().as_secs_f64()
        );
        series.push(rss);
    }
    println!("soak RSS series (KiB): {series:?}");
    assert_eq!(errors, 0, "logins failed");
    // After warm-up, RSS stays within ±10% of its mean. Warm-up is the first half of the run:
    // the capped stores are full after 10,000 logins, and the allocator's heap keeps growing
    // for a few more eviction cycles before it settles (seen on 2026-12-07 with 100,000 logins:
    // 92 MiB at 25,000, 119.6 MiB from 40,000 on, then +0.15% up to 100,000). A leak would
    // show as growth in the second half, which this still fails.
    let tail = &series[samples / 2..];
    let mean = tail.iter().sum::<u64>() as f64 / tail.len() as f64;
    for (i, r) in tail.iter().enumerate() {
        let dev = (*r as f64 - mean) / mean * 100.0;
        assert!(
            dev.abs() <= 10.0,
            "sample {} (after warm-up): RSS {r} KiB is {dev:+.1}% off the mean {mean:.0} KiB; series {series:?}",
            i + samples / 2
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "figure: 20,000 abandoned and 20,000 huge AuthnRequests"]
async fn soak_abandoned_and_huge_requests_leave_rss_bounded() {
    let count = from_env("SOAK_FLOOD", 20_000);
    let w = world(Faults::none()).await;
    let b = browser();
    // Warm-up, then the baseline.
    for _ in 0..200 {
        one_login(&w, &browser()).await.expect("warm-up");
    }
    let base = rss_kib();
    // Abandoned: the SP sends the user to the IdP's login page, and nobody comes back.
    for i in 0..count {
        let location = sp_redirect(&w, &b, "2").await;
        let page = b.get(&location).send().await.expect("idp page");
        assert_eq!(page.status(), 200, "abandoned request {i}");
        progress("abandoned", i, "IdP pending", || {
            w.fed.state().pending_usage()
        });
    }
    let after_abandoned = rss_kib();
    // Huge but legal: a 200 KB comment inside a genuine AuthnRequest, 2 KB on the wire, signed
    // again with the SP's key (Redirect binding: the signature covers the deflated query, SAML
    // Bindings §3.4.4.1), so the IdP takes it into its pending store and shows its login page.
    let location = sp_redirect(&w, &b, "1").await;
    let (sso, query) = location.split_once('?').expect("query");
    let m = mock_idps::saml::binding::decode_redirect(query).expect("redirect");
    let cut = m.xml.find("<saml:Issuer").expect("issuer");
    let huge = format!(
        "{}<!--{}-->{}",
        &m.xml[..cut],
        "x".repeat(200_000),
        &m.xml[cut..]
    );
    let sp_key = mock_idps::saml::keys::SigningKey::from_pem(
        reference_sp::keys::KEY_PEM,
        reference_sp::keys::CERT_PEM,
    )
    .expect("the SP's key");
    let q = encode_redirect(
        MessageKind::Request,
        &huge,
        m.relay_state.as_deref(),
        Some(&sp_key),
    );
    for i in 0..count {
        let page = b.get(format!("{sso}?{q}")).send().await.expect("huge");
        let status = page.status();
        let body = page.text().await.unwrap_or_default();
        assert!(
            status.is_success() && body.contains("id=\"login-form\""),
            "huge request {i} refused: {status}: {}",
            &body[..body.len().min(400)]
        );
        progress("huge", i, "request log", || w.fed.state().received_usage());
    }
    let after_huge = rss_kib();
    let (pending, pending_bytes) = w.fed.state().pending_usage();
    let (log, log_bytes) = w.fed.state().received_usage();
    println!(
        "RSS base {base} KiB, after {count} abandoned {after_abandoned} KiB, after {count} huge {after_huge} KiB; pending {pending} ({pending_bytes} B), log {log} ({log_bytes} B)"
    );
    let caps = mock_idps::spid::config::IdpConfig::default();
    assert!(pending <= caps.max_pending && pending_bytes <= caps.max_pending_bytes);
    assert!(log <= caps.max_log_entries && log_bytes <= caps.max_log_bytes);
    // Bounded: the stores' byte caps (16 MiB + 16 MiB) plus allocator slack, far from the
    // 2.5 GiB the unbounded log reached.
    assert!(
        after_huge.saturating_sub(base) < 160 << 10,
        "RSS grew by {} KiB",
        after_huge - base
    );
    let _ = base64::engine::general_purpose::STANDARD.encode("");
    let _ = w.clock.now();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defect_2_the_reference_sps_cns_listener_cuts_idle_clients() {
    use tokio::io::AsyncReadExt;
    let fed_crls = {
        let fed = mock_idps::federation::MockFederation::start()
            .await
            .expect("fed");
        let by_issuer = fed.cns().expect("cns").crls();
        let crls: Vec<Vec<u8>> = by_issuer
            .into_values()
            .map(std::sync::Arc::unwrap_or_clone)
            .collect();
        fed.shutdown().await;
        crls
    };
    let mut cns = reference_sp::cns::CnsSpConfig::test_pki(fed_crls).expect("cns config");
    cns.limits = mock_idps::cns::listener::ListenerLimits {
        handshake_timeout: std::time::Duration::from_millis(500),
        ..Default::default()
    };
    let w = world_with(SpConfig {
        cns: Some(cns),
        ..SpConfig::default()
    })
    .await;
    let side = w.sp.cns().expect("cns side");
    let addr = side
        .login_url()
        .trim_start_matches("https://")
        .split('/')
        .next()
        .expect("authority")
        .to_string();
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(
            tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect"),
        );
    }
    for (i, mut s) in idle.into_iter().enumerate() {
        let mut buf = [0u8; 16];
        let r = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf)).await;
        assert!(
            matches!(r, Ok(Ok(0)) | Ok(Err(_))),
            "connection {i} not closed: {r:?}"
        );
    }
    let cut = side
        .stats()
        .handshake_timeouts
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(cut, 20);
    // The SP's plain HTTP port answers throughout.
    let r = browser().get(w.sp.urls().base).send().await.expect("http");
    assert!(r.status().is_success() || r.status().is_redirection());
}

/// Where the SP sends the browser `b` to log in at aruba at `level`: the IdP's URL carrying the
/// AuthnRequest.
async fn sp_redirect(w: &World, b: &reqwest::Client, level: &str) -> String {
    let r = b
        .get(&w.sp.urls().login)
        .query(&[("idp", w.entity_id("aruba").as_str()), ("level", level)])
        .send()
        .await
        .expect("sp login");
    r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}
