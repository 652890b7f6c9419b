//! The whole login path in-process: a driver login (SP start → mock IdP in auto-login mode →
//! reference SP's ACS → probe) per level and binding, the IdP's SSO handler alone (validate the
//! AuthnRequest, build and sign the Response and Assertion), the reference SP's ACS alone, and
//! IdP metadata generation. Compare `idp_sso_handler` with `idp/rsa2048_sign_raw` × 2 (the
//! two-signature floor, in `login_path`).

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use harness::browser::{Browser, RequestMessage};
use harness::load::engine::{login, Drive, User};
use harness::oracle::OracleConfig;
use mock_idps::saml::binding::url_encode;
use mock_idps::saml::idp_metadata::{idp_metadata, IdpDescription};
use mock_idps::spid::level::Level;
use mock_idps::spid::login::{handle_sso, Answer, Inbound};
use reference_sp::ReferenceSp;
use std::hint::black_box;
use std::time::Duration;

/// The mocks and a strict reference SP trusting them (`app`).
type World = benches::World<ReferenceSp>;

fn world() -> World {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    World::start(rt, async |fed| {
        harness::demo::reference_sp_on(fed, reference_sp::faults::Faults::none())
            .await
            .expect("reference SP")
    })
}

fn start_url(w: &World, level: Level, binding: &str) -> String {
    let entity = w.fed.urls().providers["poste"].entity_id.clone();
    format!(
        "{}?idp={}&level={}&comparison=minimum&binding={binding}",
        w.app.urls().login,
        url_encode(&entity),
        level.number()
    )
}

fn user_for(level: Level) -> &'static str {
    match level {
        Level::L1 => "luca.ferrari",
        Level::L2 => "mario.rossi",
        Level::L3 => "francesca.romano",
    }
}

fn whole_login(c: &mut Criterion) {
    let w = world();
    let mut group = c.benchmark_group("login");
    group.throughput(Throughput::Elements(1));
    for level in Level::ALL {
        w.fed
            .set_auto_login(user_for(level).parse().expect("spec"))
            .expect("auto-login");
        for binding in ["redirect", "post"] {
            let drive = Drive {
                start_urls: vec![start_url(&w, level, binding)],
                oracle: OracleConfig {
                    probe_url: Some(w.app.urls().me.clone()),
                    ..OracleConfig::default()
                },
                idp_base: w.fed.base_url().to_string(),
                request_timeout: Duration::from_secs(10),
                login_timeout: Duration::from_secs(40),
            };
            let user = User::new(Duration::from_secs(10)).expect("client");
            let done = w.rt.block_on(login(&drive, &user, 0));
            assert!(done.error.is_none(), "{:?}", done.error);
            group.bench_function(format!("{level}_{binding}"), |b| {
                b.iter(|| {
                    let done = w.rt.block_on(login(&drive, &user, 0));
                    black_box(done.error.is_none())
                })
            });
        }
    }
    group.finish();
}

/// One AuthnRequest (Redirect binding) from the reference SP, as the IdP receives it.
fn captured_query(w: &World) -> String {
    let browser = Browser::new(Duration::from_secs(10)).expect("browser");
    let captured =
        w.rt.block_on(browser.capture_request(&start_url(w, Level::L2, "redirect")))
            .expect("an AuthnRequest");
    match captured.message {
        RequestMessage::Redirect { query, .. } => query,
        RequestMessage::Post { .. } => unreachable!("asked for the Redirect binding"),
    }
}

fn handlers(c: &mut Criterion) {
    let w = world();
    w.fed
        .set_auto_login("mario.rossi".parse().expect("spec"))
        .expect("auto-login");
    let state = w.fed.state().clone();
    let idp = state.idp("poste").expect("poste");
    let query = captured_query(&w);
    let mut group = c.benchmark_group("handlers");
    group.throughput(Throughput::Elements(1));
    group.bench_function("idp_sso_handler", |b| {
        b.iter(
            || match handle_sso(&state, idp, Inbound::Redirect(black_box(&query))) {
                Answer::Post { plan, .. } => black_box(plan.sign(&idp.key).expect("signs")),
                Answer::Page { html, .. } => panic!("auto-login answered with a page: {html}"),
                Answer::Redirect { location } => {
                    panic!("auto-login answered with a redirect to {location}")
                }
            },
        )
    });
    // The ACS alone: each iteration's Response answers a fresh request of a fresh session
    // (set up outside the timing), and only the POST to the ACS is timed.
    let acs = w.app.urls().acs.clone();
    group.bench_function("reference_sp_acs", |b| {
        b.iter_batched(
            || {
                let browser = Browser::new(Duration::from_secs(10)).expect("browser");
                let captured =
                    w.rt.block_on(browser.capture_request(&start_url(&w, Level::L2, "redirect")))
                        .expect("an AuthnRequest");
                let RequestMessage::Redirect { query, .. } = captured.message else {
                    unreachable!()
                };
                let Answer::Post {
                    plan, relay_state, ..
                } = handle_sso(&state, idp, Inbound::Redirect(&query))
                else {
                    panic!("auto-login answered with a page")
                };
                let xml = plan.sign(&idp.key).expect("signs");
                let mut fields = vec![("SAMLResponse".to_string(), base64_encode(xml.as_bytes()))];
                if let Some(r) = relay_state {
                    fields.push(("RelayState".into(), r));
                }
                (browser, fields)
            },
            |(browser, fields)| {
                let (hop, _, _) =
                    w.rt.block_on(browser.post_form(
                        &acs,
                        &fields,
                        harness::browser::HopKind::SamlResponse,
                    ))
                    .expect("the ACS answers");
                assert!(hop.status < 400, "the ACS refused: {}", hop.status);
                black_box(hop.status)
            },
            BatchSize::PerIteration,
        )
    });
    let rt = idp;
    let describe = IdpDescription {
        entity_id: &rt.entity_id,
        id: &rt.metadata_id,
        sso_url: &rt.sso_url,
        slo_url: Some(&rt.slo_url),
        organization: &rt.provider.organization,
        display_name: &rt.provider.name,
        organization_url: &rt.provider.organization_url,
        attributes: &rt.profile.attributes,
        cert_base64: rt.key.cert_base64(),
    };
    group.bench_function("idp_metadata_generation", |b| {
        b.iter(|| black_box(idp_metadata(black_box(&describe), &rt.key).expect("signs")))
    });
    group.finish();
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

criterion_group!(benches, whole_login, handlers);
criterion_main!(benches);
