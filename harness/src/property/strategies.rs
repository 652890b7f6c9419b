//! `proptest` strategies over the model, for Rust services tested in-process: draw a
//! [`Combination`] for the login a captured AuthnRequest asks for, answer a fresh login with it
//! ([`super::in_process::InProcess`]), and assert the service's verdict is the model's; proptest
//! shrinks a failure by dropping changes and simplifying their values.
//!
//! A `proptest!` test driving the reference SP's ACS in-process (its axum router through
//! `tower::ServiceExt::oneshot`, no socket): every case is a fresh login, and the service's
//! verdict must be the model's. On a failure proptest shrinks the combination (fewer changes,
//! simpler values) and reports the minimal one.
//!
//! ```
//! use harness::property::{in_process, strategies::any_response, Combination};
//! use proptest::prelude::*;
//!
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! let state = harness::conformance::reference::mock_state().unwrap();
//! let (_sp, driver) = rt
//!     .block_on(in_process::reference(&state, Default::default()))
//!     .unwrap();
//! // The login the strategies draw for (a fresh one is captured for every case).
//! let template = rt.block_on(driver.capture(&Combination::default_login())).unwrap();
//! let config = ProptestConfig {
//!     cases: 32,
//!     failure_persistence: None,
//!     ..ProptestConfig::default()
//! };
//! proptest!(config, |((combo, verdict) in any_response(&template.request))| {
//!     let (accepted, _) = rt.block_on(driver.play(&combo)).unwrap();
//!     prop_assert!(
//!         verdict.agrees(accepted),
//!         "the service accepted={accepted}, the model says {verdict:?}: {:?}",
//!         combo.describe()
//!     );
//! });
//! ```
//!
//! `harness/tests/it/property.rs` runs the same against a mutant, where it must fail and
//! shrink to the one change the switched-off check guards.

use super::model::{
    compatible, fits, usable_cases, Binding, Broken, Change, Combination, Legal, ModelVerdict,
};
use crate::conformance::case::Expect;
use mock_idps::spid::level::{sp_must_accept, Comparison, Level};
use mock_idps::spid::request_rules::ValidatedRequest;
use proptest::prelude::*;

/// A legal variation (values shrink towards the default Response).
pub fn legal() -> impl Strategy<Value = Legal> {
    prop_oneof![
        (1u8..=8).prop_map(|by| Legal::AttributeOrder { by }),
        Just(Legal::Prefixes),
        (1u8..=8).prop_map(|indent| Legal::Whitespace { indent }),
        Just(Legal::AssertionOnlySigned),
        (0u16..=1000).prop_map(|p| Legal::IssueInstant { permille: 1000 - p }),
        (60u16..=3600).prop_map(|secs| Legal::NotOnOrAfter { secs }),
        (0u16..=600).prop_map(|secs| Legal::NotBefore { secs }),
    ]
}

fn cases_where(
    level: Level,
    comparison: Comparison,
    keep: fn(Expect) -> bool,
) -> Vec<&'static str> {
    usable_cases()
        .filter(|c| keep(c.expect) && fits(c, level, comparison))
        .map(|c| c.id)
        .collect()
}

/// A change keeping the Response valid for a request of `level` and `comparison`.
pub fn keeping(level: Level, comparison: Comparison) -> BoxedStrategy<Change> {
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|g| sp_must_accept(level, comparison, *g))
        .collect();
    let cases = cases_where(level, comparison, |e| e == Expect::Accept);
    let options: Vec<BoxedStrategy<Change>> = vec![legal().prop_map(Change::Legal).boxed()];
    union_with(options, levels, cases)
}

/// A change breaking a binding rule for a request of `level` and `comparison`.
pub fn breaking(level: Level, comparison: Comparison) -> BoxedStrategy<Change> {
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|g| !sp_must_accept(level, comparison, *g))
        .collect();
    let cases = cases_where(level, comparison, |e| e == Expect::Refuse);
    let options: Vec<BoxedStrategy<Change>> = vec![
        (0u16..=1430)
            .prop_map(|m| Change::Broken(Broken::Expired { minutes: 10 + m }))
            .boxed(),
        (0u16..=1430)
            .prop_map(|m| Change::Broken(Broken::FutureIssueInstant { minutes: 10 + m }))
            .boxed(),
    ];
    union_with(options, levels, cases)
}

/// `options` plus a level change drawn from `levels` and a catalogue case drawn from `cases`
/// (each only when there is one to draw), as one strategy.
fn union_with(
    mut options: Vec<BoxedStrategy<Change>>,
    levels: Vec<Level>,
    cases: Vec<&'static str>,
) -> BoxedStrategy<Change> {
    if !levels.is_empty() {
        options.push(
            proptest::sample::select(levels)
                .prop_map(|level| Change::Level { level })
                .boxed(),
        );
    }
    if !cases.is_empty() {
        options.push(
            proptest::sample::select(cases)
                .prop_map(|id| Change::Case { id })
                .boxed(),
        );
    }
    proptest::strategy::Union::new(options).boxed()
}

fn combination_of(request: &ValidatedRequest, changes: Vec<Change>) -> Combination {
    Combination {
        id: 0,
        level: request.level,
        comparison: request.comparison,
        binding: Binding::Redirect,
        changes,
    }
}

/// Up to 3 changes, each keeping the Response valid for `request`'s login: the model says
/// accept.
pub fn valid_response(request: &ValidatedRequest) -> impl Strategy<Value = Combination> {
    let request = request.clone();
    proptest::collection::vec(keeping(request.level, request.comparison), 0..=3)
        .prop_filter("changes that cannot apply together", |c| compatible(c))
        .prop_map(move |changes| combination_of(&request, changes))
}

/// One breaking change and up to 2 keeping ones: the model says refuse.
pub fn broken_response(request: &ValidatedRequest) -> impl Strategy<Value = Combination> {
    let request = request.clone();
    (
        breaking(request.level, request.comparison),
        proptest::collection::vec(keeping(request.level, request.comparison), 0..=2),
    )
        .prop_map(|(b, mut rest)| {
            rest.insert(0, b);
            rest
        })
        .prop_filter("changes that cannot apply together", |c| compatible(c))
        .prop_map(move |changes| combination_of(&request, changes))
}

/// Either of the two, with the model's verdict.
pub fn any_response(
    request: &ValidatedRequest,
) -> impl Strategy<Value = (Combination, ModelVerdict)> {
    prop_oneof![valid_response(request), broken_response(request)].prop_map(|c| {
        let v = c.verdict();
        (c, v)
    })
}

impl Combination {
    /// The catalogue's default login (SpidL2, minimum, HTTP-Redirect) with no change.
    pub fn default_login() -> Self {
        Combination {
            id: 0,
            level: Level::L2,
            comparison: Comparison::Minimum,
            binding: Binding::Redirect,
            changes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn request() -> ValidatedRequest {
        ValidatedRequest {
            id: "_r".into(),
            sp_entity_id: "https://sp.example.org/".into(),
            level: Level::L2,
            comparison: Comparison::Minimum,
            acs_url: "https://sp.example.org/acs".into(),
            attributes: Vec::new(),
            purpose: None,
        }
    }

    #[test]
    fn valid_and_broken_strategies_have_their_verdicts() {
        let mut runner = TestRunner::deterministic();
        let r = request();
        for _ in 0..200 {
            let v = valid_response(&r).new_tree(&mut runner).unwrap().current();
            assert_ne!(v.verdict().word(), "refuse", "{v:?}");
            let b = broken_response(&r).new_tree(&mut runner).unwrap().current();
            assert_eq!(b.verdict().word(), "refuse", "{b:?}");
            assert!(compatible(&b.changes));
        }
    }
}
