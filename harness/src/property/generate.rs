//! Seeded generation of combinations: combination `id` of seed `seed` is always the same, so a
//! counterexample is replayed from `--seed S --replay ID` alone.

use super::model::{compatible, fits, usable_cases, Binding, Broken, Change, Combination, Legal};
use crate::conformance::case::{Expect, ResponseCase};
use mock_idps::spid::level::{sp_must_accept, Comparison, Level};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The Comparisons a combination may ask for.
const COMPARISONS: [Comparison; 4] = [
    Comparison::Exact,
    Comparison::Minimum,
    Comparison::Better,
    Comparison::Maximum,
];

/// How combinations are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenConfig {
    /// The run's seed.
    pub seed: u64,
    /// At most this many changes per combination (at least 1).
    pub max_changes: usize,
}

/// The random stream of combination `id` (independent of every other id).
fn stream(seed: u64, id: u32) -> ChaCha8Rng {
    let mut s = ChaCha8Rng::seed_from_u64(seed);
    s.set_stream(u64::from(id));
    s
}

/// A legal variation with random parameters.
pub fn legal(rng: &mut impl Rng) -> Legal {
    match rng.gen_range(0..7) {
        0 => Legal::AttributeOrder {
            by: rng.gen_range(1..=8),
        },
        1 => Legal::Prefixes,
        2 => Legal::Whitespace {
            indent: rng.gen_range(1..=8),
        },
        3 => Legal::AssertionOnlySigned,
        4 => Legal::IssueInstant {
            permille: rng.gen_range(0..=1000),
        },
        5 => Legal::NotOnOrAfter {
            secs: rng.gen_range(60..=3600),
        },
        _ => Legal::NotBefore {
            secs: rng.gen_range(0..=600),
        },
    }
}

/// A change that keeps the Response valid for a request of `level` and `comparison`.
pub fn keeping(rng: &mut impl Rng, level: Level, comparison: Comparison) -> Change {
    match rng.gen_range(0..10) {
        0..=5 => Change::Legal(legal(rng)),
        6 | 7 => {
            let ok: Vec<Level> = Level::ALL
                .into_iter()
                .filter(|g| sp_must_accept(level, comparison, *g))
                .collect();
            match ok.choose(rng) {
                Some(l) => Change::Level { level: *l },
                None => Change::Legal(legal(rng)),
            }
        }
        _ => {
            let cases: Vec<&str> = usable_cases()
                .filter(|c| matches!(c.expect, Expect::Accept | Expect::Either))
                .filter(|c| fits(c, level, comparison))
                .map(|c| c.id)
                .collect();
            match cases.choose(rng) {
                Some(id) => Change::Case { id },
                None => Change::Legal(legal(rng)),
            }
        }
    }
}

/// A change that breaks a binding rule for a request of `level` and `comparison`.
pub fn breaking(rng: &mut impl Rng, level: Level, comparison: Comparison) -> Change {
    match rng.gen_range(0..20) {
        0 => Change::Broken(Broken::Expired {
            minutes: rng.gen_range(10..=1440),
        }),
        1 => Change::Broken(Broken::FutureIssueInstant {
            minutes: rng.gen_range(10..=1440),
        }),
        2 => {
            let bad: Vec<Level> = Level::ALL
                .into_iter()
                .filter(|g| !sp_must_accept(level, comparison, *g))
                .collect();
            match bad.choose(rng) {
                Some(l) => Change::Level { level: *l },
                None => refuse_case(rng, level, comparison),
            }
        }
        _ => refuse_case(rng, level, comparison),
    }
}

/// A breaking change with a value, or a level the matrix refuses (for logins the catalogue
/// defines no case for).
fn valued_break(rng: &mut impl Rng, level: Level, comparison: Comparison) -> Change {
    let minutes = rng.gen_range(10..=1440);
    let bad: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|g| !sp_must_accept(level, comparison, *g))
        .collect();
    match rng.gen_range(0..3) {
        0 => Change::Broken(Broken::Expired { minutes }),
        1 => Change::Broken(Broken::FutureIssueInstant { minutes }),
        _ => match bad.choose(rng) {
            Some(l) => Change::Level { level: *l },
            None => Change::Broken(Broken::Expired { minutes }),
        },
    }
}

/// A refuse case of the catalogue defined for this login, drawn uniformly over the checks that
/// guard them (then over the cases of that check), or a breaking change with a value when there
/// is none.
fn refuse_case(rng: &mut impl Rng, level: Level, comparison: Comparison) -> Change {
    let cases: Vec<&'static ResponseCase> = usable_cases()
        .filter(|c| c.expect == Expect::Refuse && fits(c, level, comparison))
        .collect();
    let mut guards: Vec<&str> = cases.iter().map(|c| c.mutant.unwrap_or("")).collect();
    guards.sort_unstable();
    guards.dedup();
    let Some(guard) = guards.choose(rng).copied() else {
        return valued_break(rng, level, comparison);
    };
    let of_guard: Vec<&'static str> = cases
        .iter()
        .filter(|c| c.mutant.unwrap_or("") == guard)
        .map(|c| c.id)
        .collect();
    Change::Case {
        id: of_guard.choose(rng).copied().unwrap_or("2"),
    }
}

/// Combination `id` of the run.
pub fn combination(cfg: GenConfig, id: u32) -> Combination {
    let mut rng = stream(cfg.seed, id);
    let max = cfg.max_changes.max(1);
    // Half the logins are the catalogue's default (most of its cases are defined for it).
    let (level, comparison) = if rng.gen_bool(0.5) {
        (Level::L2, Comparison::Minimum)
    } else {
        loop {
            let level = Level::ALL[rng.gen_range(0..3)];
            let comparison = COMPARISONS[rng.gen_range(0..4)];
            // No level is better than L3: a service cannot be answered correctly.
            if !(level == Level::L3 && comparison == Comparison::Better) {
                break (level, comparison);
            }
        }
    };
    let binding = if rng.gen_bool(0.5) {
        Binding::Redirect
    } else {
        Binding::Post
    };
    let breaks = if rng.gen_bool(0.5) {
        0
    } else {
        rng.gen_range(1..=max.min(2))
    };
    let keeps = rng.gen_range(0..=max - breaks);
    let mut changes = Vec::with_capacity(breaks + keeps);
    let mut tries = 0;
    while changes.len() < breaks + keeps && tries < 50 {
        tries += 1;
        let c = if changes.len() < breaks {
            breaking(&mut rng, level, comparison)
        } else {
            keeping(&mut rng, level, comparison)
        };
        changes.push(c);
        if !compatible(&changes) {
            changes.pop();
        }
    }
    changes.shuffle(&mut rng);
    Combination {
        id,
        level,
        comparison,
        binding,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_combinations_and_all_compatible() {
        let cfg = GenConfig {
            seed: 7,
            max_changes: 4,
        };
        for id in 0..500 {
            let a = combination(cfg, id);
            assert_eq!(a, combination(cfg, id));
            assert!(compatible(&a.changes), "{a:?}");
            assert!(a.changes.len() <= 4);
        }
        let other = GenConfig { seed: 8, ..cfg };
        assert!((0..50).any(|id| combination(cfg, id) != combination(other, id)));
    }

    #[test]
    fn both_verdicts_are_generated() {
        let cfg = GenConfig {
            seed: 1,
            max_changes: 3,
        };
        let refuse = (0..200)
            .filter(|id| combination(cfg, *id).verdict().word() == "refuse")
            .count();
        assert!((50..150).contains(&refuse), "{refuse}");
    }
}
