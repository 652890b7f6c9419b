//! The options `check --property` adds, and the run they start (the rest of `check`, the target
//! and the reports, is shared).

use super::run::{entries, run, Outcome, PropertyConfig};
use crate::conformance::Target;
use crate::report::Entry;
use clap::Args;
use std::sync::Arc;
use std::time::Duration;

/// Options of `check --property`.
#[derive(Debug, Clone, Args)]
pub struct PropertyOpts {
    /// Generated combinations of changes instead of the catalogue: each a fresh login, the
    /// service's verdict compared with the model's, every disagreement shrunk.
    #[arg(long)]
    pub property: bool,
    /// With --property: how many combinations.
    #[arg(long, default_value_t = 200)]
    pub cases: u32,
    /// With --property: the seed (default: a random one, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// With --property: at most this many changes per combination.
    #[arg(long = "max-changes", default_value_t = 4)]
    pub max_changes: usize,
    /// With --property: stop starting combinations after this long (`90`, `90s`, `5m`, `1h`).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// With --property: play only combination ID of --seed (from a counterexample's replay line).
    #[arg(long)]
    pub replay: Option<u32>,
}

/// A `--duration` that is not `90`, `90s`, `5m` or `1h`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The number is missing or not a whole number.
    #[error("{0:?} is not a duration: use seconds (90), or 90s, 5m, 1h")]
    NotANumber(String),
    /// The unit is not `s`, `m` or `h`.
    #[error("unit {unit:?} of {given:?} is not s, m or h: use e.g. 90s, 5m, 1h")]
    Unit {
        /// The unit written.
        unit: String,
        /// The whole value.
        given: String,
    },
    /// More seconds than a duration holds.
    #[error("{0:?} is too long a duration")]
    TooLong(String),
}

/// Parses `90`, `90s`, `5m` or `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| DurationError::NotANumber(s.to_string()))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        other => {
            return Err(DurationError::Unit {
                unit: other.to_string(),
                given: s.to_string(),
            })
        }
    };
    let secs = n
        .checked_mul(scale)
        .ok_or_else(|| DurationError::TooLong(s.to_string()))?;
    Ok(Duration::from_secs(secs))
}

/// Options that make no sense with --property (they select catalogue cases): their names.
pub fn conflicting(only: &[String], metadata_only: bool) -> Option<&'static str> {
    if !only.is_empty() {
        Some("--only")
    } else if metadata_only {
        Some("--metadata-only")
    } else {
        None
    }
}

/// Runs the combinations against `target` (`jobs` at a time) with a progress bar on a terminal;
/// `service` is the command-line part that selects the same service again (for replay lines).
pub async fn run_property(
    target: &Target,
    opts: &PropertyOpts,
    jobs: usize,
    service: &str,
    bar: indicatif::ProgressBar,
) -> Vec<Entry> {
    let seed = opts.seed.unwrap_or_else(rand::random);
    if opts.seed.is_none() {
        println!("property seed {seed} (pass --seed {seed} to play the same combinations)");
    }
    let cfg = PropertyConfig {
        seed,
        cases: opts.cases,
        max_changes: opts.max_changes.max(1),
        duration: opts.duration,
        jobs,
        replay: opts.replay,
        ..PropertyConfig::default()
    };
    bar.set_length(if cfg.replay.is_some() {
        1
    } else {
        u64::from(cfg.cases)
    });
    let tick = {
        let bar = bar.clone();
        Arc::new(move |o: &Outcome| {
            if matches!(o, Outcome::Disagreed(_)) {
                bar.set_message("disagreement found");
            }
            bar.inc(1);
        })
    };
    let result = run(target, &cfg, tick).await;
    bar.finish_and_clear();
    let replay = format!("{service} --max-changes {}", cfg.max_changes);
    entries(&result, &cfg, &replay, &target.idp.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        let unit = parse_duration("5d").unwrap_err();
        assert!(unit.to_string().contains("not s, m or h"), "{unit}");
        assert!(parse_duration("x").is_err());
        // Past u64 seconds: an error, not an overflow.
        let long = parse_duration("18446744073709551615h").unwrap_err();
        assert_eq!(long, DurationError::TooLong("18446744073709551615h".into()));
    }
}
