//! Snapshots of what the providers emit, with IDs, instants and signature values redacted.

use mock_idps::clock::{SharedClock, SimClock};
use mock_idps::fixtures::Fixtures;
use mock_idps::ids::IdGenerator;
use mock_idps::spid::assertion::{success_plan, Issuer};
use mock_idps::spid::config::IdpConfig;
use mock_idps::spid::level::{Comparison, Level};
use mock_idps::spid::request_rules::ValidatedRequest;
use mock_idps::spid::state::MockState;
use std::sync::Arc;
use time::macros::datetime;

fn state() -> MockState {
    let clock: SharedClock = Arc::new(SimClock::new(datetime!(2026-01-15 10:00 UTC)));
    MockState::new(
        Fixtures::embedded().unwrap(),
        IdpConfig::default(),
        clock,
        IdGenerator::seeded(1),
        "http://127.0.0.1:7000",
    )
    .unwrap()
}

/// Replaces IDs, instants and signature/digest values, and breaks lines between elements.
pub fn redact(xml: &str) -> String {
    let mut out = xml.to_string();
    for attr in ["ID", "InResponseTo", "SessionIndex"] {
        out = replace_values(&out, &format!(" {attr}=\""), "\"", &format!("[{attr}]"));
    }
    for (open, close, label) in [
        ("<ds:DigestValue>", "<", "[digest]"),
        ("<ds:SignatureValue>", "<", "[signature]"),
        ("<ds:X509Certificate>", "<", "[certificate]"),
    ] {
        out = replace_values(&out, open, close, label);
    }
    for attr in ["IssueInstant", "NotBefore", "NotOnOrAfter", "AuthnInstant"] {
        out = replace_values(&out, &format!(" {attr}=\""), "\"", "[instant]");
    }
    out = replace_values(&out, "URI=\"#", "\"", "[ID]");
    out.replace("><", ">\n<")
}

fn replace_values(s: &str, open: &str, close: &str, label: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        let start = i + open.len();
        out.push_str(&rest[..start]);
        match rest[start..].find(close) {
            Some(j) => {
                out.push_str(label);
                rest = &rest[start + j..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn provider_metadata() {
    let s = state();
    insta::assert_snapshot!("aruba_metadata", redact(&s.idp("aruba").unwrap().metadata));
}

#[test]
fn success_response() {
    let s = state();
    let idp = s.idp("poste").unwrap();
    let req = ValidatedRequest {
        id: "_req".into(),
        sp_entity_id: "https://sp.example.it".into(),
        level: Level::L1,
        comparison: Comparison::Minimum,
        acs_url: "https://sp.example.it/acs".into(),
        attributes: vec![
            "name".into(),
            "familyName".into(),
            "fiscalNumber".into(),
            "dateOfBirth".into(),
        ],
        purpose: None,
    };
    let user = s.fixtures.user("niccolo.damico").unwrap();
    let plan = success_plan(
        Issuer {
            entity_id: &idp.entity_id,
            response_issuer_format: true,
        },
        &req,
        user,
        Level::L1,
        "_nameid".into(),
        "_session",
        s.clock.now(),
        time::Duration::minutes(5),
        &s.ids,
    );
    insta::assert_snapshot!("poste_response_l1", redact(&plan.sign(&idp.key).unwrap()));
}
