//! Properties of the providers' AuthnRequest rules: any request generated as valid for the
//! registered SP's metadata is accepted by every provider at every level it offers, and any
//! request with exactly one rule broken gets exactly that rule's nrNN, on both bindings.

use crate::errors::{assert_page, assert_status};
use crate::sp::{self, Binding, Reply, Req};
use crate::Env;
use mock_idps::clock::{saml_instant, Clock};
use mock_idps::saml::ns;
use mock_idps::saml::status::{Delivery, ErrorCode};
use mock_idps::spid::level::{negotiate, Comparison, Level};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::sync::atomic::{AtomicU32, Ordering};

/// The legal freedom a service has in its AuthnRequest (SPID RT single-sign-on; the SP's
/// metadata in `sp::metadata`).
#[derive(Debug, Clone)]
struct Shape {
    comparison: Comparison,
    /// ACS by index 0 or 1, or by URL (with ProtocolBinding HTTP-POST) of index 0 or 1.
    acs: (bool, u8),
    attr_index: u8,
    /// ForceAuthn at SpidL1 (optional there; mandatory "true" above).
    force_at_l1: bool,
    /// IssueInstant this many seconds before now (inside the two-minute skew).
    seconds_ago: u8,
    relay: String,
    binding: Binding,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop_oneof![
            Just(Comparison::Exact),
            Just(Comparison::Minimum),
            Just(Comparison::Better),
            Just(Comparison::Maximum)
        ],
        (any::<bool>(), 0u8..=1),
        0u8..=1,
        any::<bool>(),
        0u8..=90,
        "[A-Za-z0-9_-]{1,40}",
        prop_oneof![Just(Binding::Redirect), Just(Binding::Post)],
    )
        .prop_map(
            |(comparison, acs, attr_index, force_at_l1, seconds_ago, relay, binding)| Shape {
                comparison,
                acs,
                attr_index,
                force_at_l1,
                seconds_ago,
                relay,
                binding,
            },
        )
}

static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// The request of `shape` for `level` at a provider offering up to `max`; the Comparison falls
/// back to minimum where the provider cannot satisfy it (e.g. `better` at its top level).
fn request(env: &Env, provider: &str, level: Level, max: Level, s: &Shape) -> Req {
    let now = env.clock.now() - time::Duration::seconds(i64::from(s.seconds_ago));
    let mut r = Req::new(&env.sso(provider), level, &saml_instant(now));
    r.id = Some(format!(
        "_prop{:08}",
        NEXT_ID.fetch_add(1, Ordering::SeqCst)
    ));
    let cmp = if negotiate(level, s.comparison, max).is_some() {
        s.comparison
    } else {
        Comparison::Minimum
    };
    r.comparison = Some(cmp.as_str().to_string());
    let (by_url, index) = s.acs;
    if by_url {
        r.acs_index = None;
        r.acs_url = Some(if index == 0 { sp::ACS0 } else { sp::ACS1 }.to_string());
        r.protocol_binding = Some(ns::BINDING_POST.to_string());
    } else {
        r.acs_index = Some(index.to_string());
    }
    r.attr_index = Some(s.attr_index.to_string());
    if level == Level::L1 && s.force_at_l1 {
        r.force_authn = Some("true".into());
    }
    r
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// The verdict the provider logged for request `id`.
fn verdict_of(env: &Env, id: &str) -> Option<String> {
    env.fed
        .received_requests()
        .into_iter()
        .rev()
        .find(|r| r.request_id.as_deref() == Some(id))
        .map(|r| r.verdict)
}

#[test]
fn any_valid_request_is_accepted_by_every_provider_at_every_level_it_offers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = rt.block_on(Env::start());
    let providers = env.fed.state().fixtures.providers.clone();
    runner(12)
        .run(&shape(), |s| {
            for p in &providers {
                for level in Level::ALL.into_iter().filter(|l| *l <= p.max_level) {
                    let req = request(&env, &p.id, level, p.max_level, &s);
                    let reply = rt.block_on(env.driver.send(
                        &env.sso(&p.id),
                        &req,
                        s.binding,
                        Some(&s.relay),
                    ));
                    let id = req.id.clone().unwrap_or_default();
                    let ok = matches!(&reply, Reply::Page { status: 200, body } if sp::field(body, "token").is_some());
                    prop_assert!(ok, "{} {level:?}: {reply:?}\n{}", p.id, req.xml());
                    let verdict = verdict_of(&env, &id);
                    prop_assert_eq!(verdict.as_deref(), Some("accepted"));
                }
            }
            Ok(())
        })
        .unwrap();
}

/// One broken rule: its SPID code and the change (from the rules of nr08–nr18 and nr10).
#[derive(Debug, Clone, Copy)]
struct Break(u8, &'static str, fn(&mut Req));

const BREAKS: &[Break] = &[
    Break(8, "ForceAuthn missing above SpidL1", |r| {
        r.force_authn = None
    }),
    Break(9, "Version 1.1", |r| r.version = Some("1.1".into())),
    Break(9, "no Version", |r| r.version = None),
    Break(10, "unknown Issuer", |r| {
        r.issuer = Some("https://unknown.example".into())
    }),
    Break(10, "no Issuer", |r| r.issuer = None),
    Break(10, "Issuer Format transient", |r| {
        r.issuer_format = Some(ns::NAMEID_TRANSIENT.into())
    }),
    Break(11, "ID not an xs:ID", |r| {
        r.id = r.id.as_ref().map(|id| format!("1{id}"))
    }),
    Break(12, "legacy AuthnContextClassRef", |r| {
        r.class_refs = vec!["urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2".into()]
    }),
    Break(12, "unknown Comparison", |r| {
        r.comparison = Some("sometimes".into())
    }),
    Break(12, "two RequestedAuthnContext", |r| r.rac_count = 2),
    Break(12, "no RequestedAuthnContext", |r| r.rac_count = 0),
    Break(13, "IssueInstant 10 minutes old", |r| {
        r.issue_instant = Some("2026-01-15T09:50:00.000Z".into())
    }),
    Break(13, "IssueInstant not UTC", |r| {
        r.issue_instant = Some("2026-01-15T11:00:00+01:00".into())
    }),
    Break(14, "Destination elsewhere", |r| {
        r.destination = Some("https://elsewhere.example/sso".into())
    }),
    Break(14, "no Destination", |r| r.destination = None),
    Break(15, "IsPassive", |r| r.is_passive = Some("true".into())),
    Break(16, "unknown ACS index", |r| {
        (r.acs_index, r.acs_url, r.protocol_binding) = (Some("9".into()), None, None)
    }),
    Break(16, "ACS index and URL", |r| {
        r.acs_index = Some("0".into());
        r.acs_url = Some(sp::ACS1.into());
        r.protocol_binding = Some(ns::BINDING_POST.into());
    }),
    Break(16, "neither ACS index nor URL", |r| {
        (r.acs_index, r.acs_url, r.protocol_binding) = (None, None, None)
    }),
    Break(16, "ACS of the Redirect binding", |r| {
        (r.acs_index, r.acs_url, r.protocol_binding) = (Some("2".into()), None, None)
    }),
    Break(17, "NameIDPolicy persistent", |r| {
        r.name_id_policy = Some(Some(
            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into(),
        ))
    }),
    Break(17, "no NameIDPolicy", |r| r.name_id_policy = None),
    Break(18, "unknown AttributeConsumingService index", |r| {
        r.attr_index = Some("7".into())
    }),
    Break(18, "malformed AttributeConsumingService index", |r| {
        r.attr_index = Some("x".into())
    }),
];

#[test]
fn any_request_with_one_rule_broken_gets_exactly_that_rules_code() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = rt.block_on(Env::start());
    let providers = env.fed.state().fixtures.providers.clone();
    // Every break on both bindings, each with generated request shapes, providers and levels
    // (drawing the break at random left some pair untried in some runs).
    for &brk in BREAKS {
        for binding in [Binding::Redirect, Binding::Post] {
            let strategy = (
                shape().prop_map(move |mut s| {
                    s.binding = binding;
                    s
                }),
                0..providers.len(),
                0usize..3,
            );
            let Break(nr, what, change) = brk;
            runner(6)
                .run(&strategy, |(s, pi, li)| {
                    let p = &providers[pi];
                    let mut level = Level::ALL[li].min(p.max_level);
                    if nr == 8 && level == Level::L1 {
                        level = Level::L2; // ForceAuthn is optional at SpidL1
                    }
                    let mut req = request(&env, &p.id, level, p.max_level, &s);
                    change(&mut req);
                    let reply = rt.block_on(env.driver.send(
                        &env.sso(&p.id),
                        &req,
                        s.binding,
                        Some(&s.relay),
                    ));
                    match ErrorCode::get(nr).map(|c| c.delivery) {
                        Some(Delivery::Page(_)) => assert_page(&reply, nr),
                        _ => match reply {
                            Reply::Response { xml, .. } => assert_status(&xml, nr),
                            other => {
                                prop_assert!(false, "nr{nr:02} ({what}) at {}: {other:?}", p.id)
                            }
                        },
                    }
                    if let Some(id) = req.id.as_deref() {
                        prop_assert_eq!(
                            verdict_of(&env, id),
                            Some(format!("nr{nr:02}")),
                            "{} at {} {:?} {:?}",
                            what,
                            p.id,
                            level,
                            s.binding
                        );
                    }
                    Ok(())
                })
                .unwrap();
        }
    }
}
