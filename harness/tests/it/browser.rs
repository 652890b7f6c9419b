//! End-to-end tests in headless Chromium (feature `browser`; Debian's `chromium` and
//! `chromium-driver`, `.ci/run` installs them): a person logging in through the reference SP at
//! L1, L2 (reading the OTP on the simulated phone) and L3, refusing consent, logging in with a CIE
//! card after a wrong PIN, the same login with JavaScript off (the auto-post forms' buttons), the
//! `serve` index page, the HTML reports opening with their failures in view, and the load report's
//! plots (`load-report.png`). Each test starts its own chromedriver on an ephemeral loopback port
//! and a fresh profile; every page visited is written as a PNG to `reports/screenshots/` (CI
//! artifacts, not snapshots).
//!
//! `CHROMEDRIVER` and `CHROMIUM` override the binaries (`chromedriver`, `/usr/bin/chromium`).

use fantoccini::{Client, ClientBuilder, Locator};
use harness::serve::{ServeConfig, Served};
use mock_idps::federation::MockFederation;
use reference_sp::faults::Faults;
use reference_sp::ReferenceSp;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one page may take to show what a step waits for.
const WAIT: Duration = Duration::from_secs(15);

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../reports/screenshots"
    ));
    std::fs::create_dir_all(&dir).expect("create reports/screenshots");
    dir
}

/// Writes `html` as `name` into the screenshots folder, for a session to open as a file.
fn page_file(name: &str, html: String) -> PathBuf {
    let path = screenshots().join(name);
    std::fs::write(&path, html).expect("write the page");
    path
}

/// A chromedriver on an ephemeral loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = test_support::free_port();
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {bin}: {e}. Install Debian's chromium-driver (apt-get install chromium chromium-driver) or set CHROMEDRIVER")
        });
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let began = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/status", d.url)).await {
            if r.status().is_success() {
                return d;
            }
        }
        assert!(
            began.elapsed() < WAIT,
            "chromedriver did not answer on {}",
            d.url
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A headless Chromium session with a fresh profile; JavaScript on or off.
async fn browser(d: &Driver, profile: &tempfile::TempDir, javascript: bool) -> Client {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }
            }
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!("a JSON object")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&d.url)
        .await
        .expect("a chromium session")
}

/// The mock providers and the reference SP, as `serve --with-reference-sp` runs them.
struct World {
    served: Served,
    _pin_store: tempfile::TempDir,
}

async fn world() -> World {
    let pin_store = tempfile::tempdir().expect("a folder for the PIN journal");
    let served = harness::serve::start(ServeConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        sp_metadata: Vec::new(),
        entity_ids: mock_idps::spid::config::EntityIds::Local,
        fixtures: None,
        seed: None,
        pin_store: pin_store.path().join("pin-store.jsonl"),
        reference_sp: Some(Faults::none()),
        auto_login: Vec::new(),
        admin_token: None,
        oidc_rps: Vec::new(),
        public_url: None,
    })
    .await
    .expect("serve");
    World {
        served,
        _pin_store: pin_store,
    }
}

impl World {
    fn fed(&self) -> &MockFederation {
        &self.served.federation
    }

    fn sp(&self) -> &ReferenceSp {
        self.served.reference_sp.as_ref().expect("the reference SP")
    }

    /// Ends the browser session `s`, then stops every server.
    async fn shutdown_after(self, s: Session) {
        s.end().await;
        self.served.shutdown().await;
    }

    fn user(&self, name: &str) -> mock_idps::spid::identity::User {
        self.fed()
            .state()
            .fixtures
            .user(name)
            .cloned()
            .unwrap_or_else(|| panic!("no fixture user {name}"))
    }

    fn idp_entity(&self, id: &str) -> String {
        self.fed()
            .state()
            .idp(id)
            .expect("provider")
            .entity_id
            .clone()
    }
}

/// One browser session of a test, writing its screenshots as `<test>-<nn>-<step>.png`.
struct Session {
    c: Client,
    test: &'static str,
    n: usize,
    _profile: tempfile::TempDir,
    _driver: Driver,
}

impl Session {
    async fn start(test: &'static str, javascript: bool) -> Session {
        let d = driver().await;
        let profile = tempfile::tempdir().expect("profile dir");
        let c = browser(&d, &profile, javascript).await;
        Session {
            c,
            test,
            n: 0,
            _profile: profile,
            _driver: d,
        }
    }

    async fn shot(&mut self, step: &str) {
        self.n += 1;
        let png = self.c.screenshot().await.expect("screenshot");
        let path = screenshots().join(format!("{}-{:02}-{step}.png", self.test, self.n));
        std::fs::write(&path, png).expect("write screenshot");
    }

    /// Waits until `css` matches on the current page; panics with the page's text if not.
    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(err) => {
                let url = self.c.current_url().await.map(|u| u.to_string());
                let text = match self.c.find(Locator::Css("body")).await {
                    Ok(b) => b.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                panic!("{css:?} never appeared ({err}); at {url:?}:\n{text}")
            }
        }
    }

    async fn fill(&self, css: &str, text: &str) {
        self.wait(css).await.send_keys(text).await.expect("type");
    }

    async fn click(&self, css: &str) {
        self.wait(css).await.click().await.expect("click");
    }

    async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.expect("text")
    }

    /// Opens a page written on disk.
    async fn open_file(&self, path: &std::path::Path) {
        let url = format!("file://{}", path.display());
        self.c.goto(&url).await.expect("open the page");
    }

    /// Every element `css` matches on the current page (none is no error).
    async fn all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.c.find_all(Locator::Css(css)).await.expect("find")
    }

    async fn end(self) {
        let _ = self.c.close().await;
    }
}

/// At the reference SP's picker: chooses the provider, the level and the binding, and starts.
async fn start_login(s: &mut Session, w: &World, entity_id: &str, level: u8, binding: &str) {
    s.c.goto(&w.sp().urls().base).await.expect("open the SP");
    s.wait("#idps").await;
    s.shot("sp-picker").await;
    let form = "form[action='/login']";
    s.wait(&format!("{form} select[name=idp]"))
        .await
        .select_by_value(entity_id)
        .await
        .expect("choose the IdP");
    s.wait(&format!("{form} select[name=level]"))
        .await
        .select_by_label(&level.to_string())
        .await
        .expect("choose the level");
    s.wait(&format!("{form} select[name=binding]"))
        .await
        .select_by_label(binding)
        .await
        .expect("choose the binding");
    s.click(&format!("{form} button[type=submit]")).await;
}

/// Types the username and password on the mock IdP's login page.
async fn password_step(s: &mut Session, username: &str, password: &str) {
    s.wait("#login-form").await;
    s.shot("idp-login").await;
    s.fill("#username", username).await;
    s.fill("#password", password).await;
    s.click("#login-form button[value=continue]").await;
}

/// Gives consent and waits for the SP's protected page; returns the level it shows.
async fn consent_then_protected_page(s: &mut Session) -> String {
    s.wait("#consent-form").await;
    s.shot("idp-consent").await;
    s.click("#consent-form button[value=continue]").await;
    protected_level(s).await
}

/// Waits for the SP's protected page; returns the level it shows.
async fn protected_level(s: &mut Session) -> String {
    let level = s.wait("#level").await;
    let shown = level.attr("data-level").await.expect("attr");
    s.shot("sp-protected-page").await;
    shown.unwrap_or_default()
}

/// A new session (named `test`) that starts a login as `user` at `entity_id` and types the
/// user's password; returns the session and the user.
async fn password_login(
    w: &World,
    test: &'static str,
    user: &str,
    (entity_id, level, binding): (&str, u8, &str),
) -> (Session, mock_idps::spid::identity::User) {
    let mut s = Session::start(test, true).await;
    let u = w.user(user);
    start_login(&mut s, w, entity_id, level, binding).await;
    password_step(&mut s, &u.username, &u.password).await;
    (s, u)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_at_l1_l2_l3_through_the_reference_sp() {
    let w = world().await;
    let poste = w.idp_entity("poste");
    // L1: password only.
    let (mut s, _) = password_login(&w, "login-l1", "luca.ferrari", (&poste, 1, "redirect")).await;
    assert_eq!(consent_then_protected_page(&mut s).await, "1");
    s.end().await;

    // L2: the one-time code read off the simulated phone.
    let (mut s, _) = password_login(&w, "login-l2", "mario.rossi", (&poste, 2, "redirect")).await;
    let otp = s.text("#simulated-otp").await;
    assert!(
        otp.len() >= 6 && otp.chars().all(|c| c.is_ascii_digit()),
        "{otp:?}"
    );
    s.shot("idp-otp").await;
    s.fill("#otp", &otp).await;
    s.click("#otp-form button[value=continue]").await;
    assert_eq!(consent_then_protected_page(&mut s).await, "2");
    s.end().await;

    // L3: the signing device's PIN after the code.
    let (mut s, u) = password_login(&w, "login-l3", "francesca.romano", (&poste, 3, "post")).await;
    s.wait("#device-form").await;
    s.shot("idp-device").await;
    s.fill(
        "#pin",
        u.device_pin
            .as_deref()
            .expect("an L3 user has a device PIN"),
    )
    .await;
    s.click("#device-form button[value=continue]").await;
    assert_eq!(consent_then_protected_page(&mut s).await, "3");
    w.shutdown_after(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_consent_refused_shows_nr22() {
    let w = world().await;
    let aruba = (&*w.idp_entity("aruba"), 1, "redirect");
    let (mut s, _) = password_login(&w, "consent-refused", "luca.ferrari", aruba).await;
    s.wait("#consent-form").await;
    s.click("#consent-form button[value=deny]").await;
    let error = s.wait("#sp-error").await;
    assert_eq!(
        error.attr("data-spid-error").await.unwrap().as_deref(),
        Some("nr22")
    );
    assert!(s.text("#sp-error").await.contains("nr22"));
    s.shot("sp-refusal-nr22").await;
    w.shutdown_after(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_cie_card_wrong_pin_then_right_pin() {
    let w = world().await;
    let cie = w.fed().state().cie_idps.first().expect("a CIE ID provider");
    let entity = cie.entity_id.clone();
    let card = w
        .fed()
        .state()
        .fixtures
        .cie_cards
        .first()
        .expect("a CIE card");
    let mut s = Session::start("cie-card", true).await;
    // "Entra con CIE" is level 3 with the CIE attribute set; the picker's form takes the IdP.
    start_login(&mut s, &w, &entity, 3, "redirect").await;
    s.wait("#card-form").await;
    s.shot("cie-card").await;
    let wrong: String = card
        .pin
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    card_step(&s, &card.number, &wrong).await;
    let alert = s.text("[role=alert]").await;
    assert!(
        alert.contains("Wrong PIN"),
        "no wrong-PIN error shown: {alert:?}"
    );
    s.shot("cie-wrong-pin").await;
    // The page is shown again with the error; the right PIN now.
    card_step(&s, &card.number, &card.pin).await;
    let shown = consent_or_protected(&mut s).await;
    assert_eq!(shown, "3");
    w.shutdown_after(s).await;
}

/// Types the card number and the PIN, with the app as the reader, on the CIE card page.
async fn card_step(s: &Session, number: &str, pin: &str) {
    s.fill("#card", number).await;
    let reader = s.wait("#reader").await;
    reader.select_by_value("app").await.expect("reader");
    s.fill("#pin", pin).await;
    s.click("#card-form button[value=continue]").await;
}

/// After the card: consent when the provider asks for it, then the protected page.
async fn consent_or_protected(s: &mut Session) -> String {
    let began = Instant::now();
    loop {
        if s.c.find(Locator::Css("#level")).await.is_ok() {
            break;
        }
        if let Ok(b) =
            s.c.find(Locator::Css("#consent-form button[value=continue]"))
                .await
        {
            s.shot("idp-consent").await;
            b.click().await.expect("consent");
        }
        if began.elapsed() > WAIT {
            let body = s.text("body").await;
            panic!("neither consent nor the protected page:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    protected_level(s).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_with_javascript_off_uses_the_auto_post_buttons() {
    let w = world().await;
    let mut s = Session::start("no-javascript", false).await;
    let u = w.user("luca.ferrari");
    // HTTP-POST binding: the SP's auto-post form to the IdP, then the IdP's to the ACS.
    start_login(&mut s, &w, &w.idp_entity("poste"), 1, "post").await;
    s.wait("form input[name=SAMLRequest]").await;
    // The page stayed (nothing submitted it) and tells the person what to do.
    assert!(s.text("body").await.contains("JavaScript is off"));
    s.shot("sp-autopost-no-js").await;
    s.click("form button[type=submit]").await;
    password_step(&mut s, &u.username, &u.password).await;
    s.wait("#consent-form").await;
    s.click("#consent-form button[value=continue]").await;
    s.wait("form input[name=SAMLResponse]").await;
    assert!(s.text("body").await.contains("JavaScript is off"));
    s.shot("idp-autopost-no-js").await;
    s.click("form button[type=submit]").await;
    assert_eq!(protected_level(&mut s).await, "1");
    w.shutdown_after(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_serve_index_lists_providers_users_and_last_requests() {
    let w = world().await;
    // One request in the log first, so the dashboard has something to show.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let login = format!(
        "{}?idp={}&level=2",
        w.sp().urls().login,
        url::form_urlencoded::byte_serialize(w.idp_entity("poste").as_bytes()).collect::<String>()
    );
    http.get(&login).send().await.expect("start a login");
    let mut s = Session::start("serve-index", true).await;
    s.c.goto(&w.fed().urls().base).await.unwrap();
    let providers = s.text("#providers").await;
    for id in ["poste", "aruba", "infocert"] {
        assert!(providers.contains(id), "{id} missing:\n{providers}");
    }
    let users = s.text("#users").await;
    assert!(
        users.contains("mario.rossi") && users.contains("Password123!"),
        "{users}"
    );
    assert!(users.contains("L3"));
    let log = s.text("#request-log").await;
    assert!(log.contains("poste") && log.contains("accepted"), "{log}");
    // The request log is page content, not part of the tab's title.
    let title = s.c.title().await.expect("the page title");
    assert_eq!(title, "spid-harness mock providers · mock SPID");
    assert_eq!(s.all("body #request-log").await.len(), 1);
    let metadata = s.all("#providers a").await.len();
    assert!(metadata >= 10, "{metadata} metadata links");
    s.shot("serve-index").await;
    s.c.set_window_size(1280, 3200).await.expect("resize");
    s.shot("serve-index-whole").await;
    w.shutdown_after(s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_reports_open_with_the_failures_in_view() {
    // The seeded report (a failure of every kind) and a real check against a mutant SP.
    let every_kind = harness::report::html::render(&super::report_fixture::every_kind());
    let seeded = page_file("report-every-kind.html", every_kind);
    let state = harness::conformance::reference::mock_state().unwrap();
    let sp = harness::conformance::reference::start(
        &state,
        Faults::parse("slo-signature,slo-destination").unwrap(),
    )
    .await
    .unwrap();
    // logout-3 (unsigned LogoutRequest) is advice, a warning; logout-4 (wrong Destination) is an
    // SP obligation, so the mutant fails the run.
    let only: Vec<String> = ["1", "2", "8", "xsw3", "logout-1", "logout-3", "logout-4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (cases, _) = harness::conformance::select(&only);
    let mut entries = harness::conformance::run(&sp.target, &cases, 2).await;
    entries.extend(
        harness::conformance::logout::run(
            &sp.target,
            &harness::conformance::logout::select(&only),
            1,
        )
        .await,
    );
    let report =
        harness::report::RunReport::new("check", time::OffsetDateTime::now_utc(), 1.0, entries);
    assert!(report.exit_code() == 1, "the mutant must fail a case");
    let real = page_file(
        "report-check-mutant.html",
        harness::report::html::render(&report),
    );

    for (name, path, javascript) in [
        ("report-every-kind", &seeded, true),
        ("report-check-mutant", &real, true),
        ("report-every-kind-no-js", &seeded, false),
    ] {
        let mut s = Session::start(name, javascript).await;
        s.open_file(path).await;
        let band = s.text("header.band").await;
        assert!(band.starts_with("FAILED"), "{band}");
        // The first entry on the page is a failure, open, and inside the first screen.
        let first = s.wait("details.entry").await;
        assert_eq!(
            first.attr("data-class").await.unwrap().as_deref(),
            Some("failed")
        );
        assert!(first.attr("open").await.unwrap().is_some());
        let top =
            s.c.execute(
                "return document.querySelector('details.entry').getBoundingClientRect().top",
                vec![],
            )
            .await;
        s.shot("top").await;
        if javascript {
            let top = top.unwrap().as_f64().unwrap_or(f64::MAX);
            assert!(top < 1000.0, "the first failure starts at {top}px");
            // The filters work: only the failures are left.
            s.wait("#f-class")
                .await
                .select_by_value("failed")
                .await
                .unwrap();
            let shown = s.text("#f-count").await;
            let failed = count_class(path, "failed");
            assert_eq!(shown, format!("{failed} of {} shown", count_entries(path)));
            s.shot("filtered-failed").await;
        } else {
            // Without JavaScript the filters stay hidden and the page reads the same.
            let filters = s.c.find(Locator::Css("#filters")).await.unwrap();
            assert!(!filters.is_displayed().await.unwrap());
        }
        s.c.set_window_size(1280, 4000).await.expect("resize");
        s.shot("whole").await;
        s.end().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_load_report_shows_its_plots() {
    // The seeded load report the load snapshot tests use: four plots, each an inline SVG.
    let html = harness::load::html::render(&super::load::seeded_report());
    let page = page_file("load-report.html", html);
    let s = Session::start("load-report", true).await;
    s.open_file(&page).await;
    let title = s.text("h1").await;
    assert!(title.starts_with("Load test of the login path"), "{title}");
    let svgs = s.all("figure[data-plot] svg").await;
    assert_eq!(svgs.len(), 4, "one SVG per plot");
    for svg in &svgs {
        assert!(svg.is_displayed().await.unwrap(), "a plot is hidden");
    }
    // Each plot takes room on the page and draws its lines (plotters' polylines); its legend,
    // one entry a line, stands below the plot, where it covers no line.
    let sizes =
        s.c.execute(
            "return Array.from(document.querySelectorAll('figure[data-plot]')).map(f => {\
               const r = f.querySelector('svg').getBoundingClientRect();\
               const l = f.querySelector('ul.legend');\
               return [f.dataset.plot, r.width, r.height, f.querySelectorAll('svg polyline').length,\
                       l ? Array.from(l.querySelectorAll('li span')).filter(sp => {\
                             const hex = (sp.getAttribute('style') || '').split('#')[1] || '?';\
                             return Array.from(f.querySelectorAll('svg polyline')).some(p =>\
                               (p.getAttribute('stroke') || '').toLowerCase() === '#' + hex.toLowerCase());\
                           }).length : 0,\
                       l ? l.querySelectorAll('li').length : 0,\
                       l ? l.getBoundingClientRect().top - r.bottom : -1];\
             })",
            vec![],
        )
        .await
        .unwrap();
    let sizes = sizes.as_array().expect("an array");
    assert_eq!(sizes.len(), 4);
    for plot in sizes {
        let name = plot[0].as_str().unwrap_or("?");
        let (w, h) = (plot[1].as_f64().unwrap(), plot[2].as_f64().unwrap());
        assert!(w > 300.0 && h > 150.0, "{name} is {w}x{h}");
        assert!(plot[3].as_u64().unwrap() > 0, "{name} draws no line");
        let (drawn, entries) = (plot[4].as_u64().unwrap(), plot[5].as_u64().unwrap());
        assert!(entries > 0, "{name} has no legend");
        assert_eq!(drawn, entries, "{name}: a legend entry without its line");
        assert!(
            plot[6].as_f64().unwrap() >= 0.0,
            "{name}: the legend is not below the plot"
        );
    }
    s.c.set_window_size(1280, 3600).await.expect("resize");
    let png = s.c.screenshot().await.expect("screenshot");
    std::fs::write(screenshots().join("load-report.png"), png).expect("write load-report.png");
    s.end().await;
}

fn count_entries(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .matches("<details class=\"entry ")
        .count()
}

fn count_class(path: &std::path::Path, class: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .matches(&format!("data-class=\"{class}\""))
        .count()
}
