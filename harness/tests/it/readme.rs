//! README.md kept true: every count it states is read from the code or the data here, so this
//! test fails as soon as a table grows and the README does not.

use harness::conformance::cases::RESPONSE_CASES;
use harness::conformance::logout::LOGOUT_CASES;
use harness::conformance::metadata::checks::METADATA_CHECKS;
use harness::conformance::request::checks::REQUEST_CHECKS;
use harness::scenario::{self, Catalog};
use mock_idps::cns::CnsPki;
use mock_idps::fixtures::Fixtures;
use std::path::Path;

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = std::fs::read_to_string(&path).expect("README.md");
    // Line breaks and indentation of the prose do not matter.
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number written just before `phrase` (e.g. `56` in "56 metadata checks").
fn stated(text: &str, phrase: &str) -> usize {
    let at = text
        .find(phrase)
        .unwrap_or_else(|| panic!("README.md no longer says {phrase:?}: update this test"));
    let before = text[..at].trim_end();
    let digits: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("README.md: no number before {phrase:?}"))
}

fn scenario_counts() -> (usize, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let files = scenario::discover(&[dir]).expect("discover");
    let loaded = scenario::load_all(&files, &Catalog::embedded().expect("catalog"))
        .unwrap_or_else(|e| panic!("{e}"));
    let steps = loaded.iter().map(|s| s.steps.len()).sum();
    (files.len(), steps)
}

#[test]
fn readme_counts_match_the_code() {
    let text = readme();
    let fixtures = Fixtures::embedded().expect("fixtures");
    let pki = CnsPki::embedded().expect("cns pki");
    let (files, steps) = scenario_counts();
    let expected = [
        ("metadata checks", METADATA_CHECKS.len()),
        ("AuthnRequest checks", REQUEST_CHECKS.len()),
        ("Response cases", RESPONSE_CASES.len()),
        (
            "CIE Response cases",
            harness::conformance::CIE_RESPONSE_CASES.len(),
        ),
        ("single-logout cases", LOGOUT_CASES.len()),
        // One case per card variant, a wrong PIN and a blocked card (conformance::cns).
        ("CNS checks", pki.table.variants.len() + 2),
        ("test identities", fixtures.users.len()),
        ("switches that turn", reference_sp::faults::ALL.len()),
        (
            "switches of the reference RP",
            reference_rp::faults::ALL.len(),
        ),
        ("sending switches (", reference_rp::sending::ALL.len()),
        (
            "checks of what the RP sends",
            harness::conformance::oidc::request::REQUEST_CHECKS.len(),
        ),
        (
            "checks of the entity configuration",
            harness::conformance::oidc::entity::ENTITY_CHECKS.len()
                + harness::conformance::oidc::entity_fields::FIELD_CHECKS.len(),
        ),
        ("scenario files, ", files),
        ("steps, a cohort", steps),
        (
            "SPID identity providers, every accredited one",
            fixtures.providers.len(),
        ),
    ];
    let drift: Vec<String> = expected
        .iter()
        .filter(|(phrase, n)| stated(&text, phrase) != *n)
        .map(|(phrase, n)| {
            format!(
                "README says {} {phrase}, the code has {n}",
                stated(&text, phrase)
            )
        })
        .collect();
    assert!(
        drift.is_empty(),
        "README.md counts drifted:\n{}",
        drift.join("\n")
    );
}

/// The provider ids the README lists for `/idp/<id>/metadata` are the table's, in its order.
#[test]
fn readme_lists_every_provider_id() {
    let text = readme();
    let start = text.find("(ids: `").expect("README lists the provider ids") + "(ids: `".len();
    let end = start + text[start..].find('`').expect("closing backquote");
    let listed: Vec<&str> = text[start..end].split(' ').collect();
    let fixtures = Fixtures::embedded().expect("fixtures");
    let ids: Vec<&str> = fixtures.providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(listed, ids);
}
