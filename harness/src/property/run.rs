//! Runs combinations against a service: each is a fresh login (a new browser asks the service
//! for a login, the AuthnRequest is captured, the combination's Response is posted to the ACS
//! and the oracle judges); every disagreement with the model is shrunk, re-sending as it
//! shrinks, to a minimal combination that still disagrees.

use super::build::response_xml;
use super::generate::{combination, GenConfig};
use super::model::{fits, Binding, Combination, ModelVerdict};
use crate::conformance::runner::{refusal_check, run_bounded, CaseError, Target};
use crate::oracle::Verdict;
use crate::report::{pretty_xml, Entry, Severity};
use mock_idps::ids::IdGenerator;
use mock_idps::spid::level::{Comparison, Level};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a property run is bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyConfig {
    /// The seed of the combinations.
    pub seed: u64,
    /// How many combinations (ids `0..cases`).
    pub cases: u32,
    /// At most this many changes per combination.
    pub max_changes: usize,
    /// Stop starting combinations after this long.
    pub duration: Option<Duration>,
    /// Combinations played at once (0 = the number of cores).
    pub jobs: usize,
    /// Play only this combination id (`--replay`).
    pub replay: Option<u32>,
    /// At most this many re-sends while shrinking one counterexample.
    pub shrink_budget: usize,
    /// Stop starting combinations once this many counterexamples are found.
    pub stop_after: Option<usize>,
    /// Shrink at most this many disagreements; later ones are counted and listed by id.
    pub shrink_limit: usize,
}

impl Default for PropertyConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            cases: 100,
            max_changes: 4,
            duration: None,
            jobs: 0,
            replay: None,
            shrink_budget: 200,
            stop_after: None,
            shrink_limit: 20,
        }
    }
}

/// One Response sent and the service's verdict on it.
#[derive(Debug, Clone, Serialize)]
pub struct Trial {
    /// Whether the service logged the user in.
    pub accepted: bool,
    /// The oracle's verdict.
    pub verdict: Verdict,
    /// The check the service's page names as refusing, if it names one.
    pub refusing_check: Option<String>,
    /// The model's verdict for the request the service actually sent.
    pub model: ModelVerdict,
    /// The Response posted.
    pub sent: String,
}

impl Trial {
    /// Whether the service's verdict differs from the model's.
    pub fn disagrees(&self) -> bool {
        !self.model.agrees(self.accepted)
    }
}

/// A minimal counterexample: a combination whose verdict the service and the model disagree on,
/// with no change that can be removed or simplified without the disagreement going away.
#[derive(Debug, Clone, Serialize)]
pub struct Counterexample {
    /// The run's seed.
    pub seed: u64,
    /// The combination as generated.
    pub original: Combination,
    /// The combination after shrinking.
    pub minimal: Combination,
    /// The service's verdict on the minimal combination, and what was sent.
    pub trial: Trial,
    /// A correct Response to a fresh request of the same login (to read beside the minimal one).
    pub valid: Option<String>,
    /// Re-sends while shrinking.
    pub shrink_steps: usize,
    /// Time spent shrinking, milliseconds.
    pub shrink_millis: f64,
}

/// What became of one combination.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The service agreed with the model.
    Agreed,
    /// It did not: the shrunk counterexample.
    Disagreed(Box<Counterexample>),
    /// The combination could not be played (service or input failed).
    Error {
        /// Why.
        error: String,
    },
    /// It did not, and the run had already shrunk its `shrink_limit` counterexamples.
    Unshrunk,
    /// Not started: the run's `--duration` was over.
    NotRun,
}

impl crate::conformance::runner::Stamped for Outcome {
    /// Outcomes are not on the report's time line (the run's entry is).
    fn stamp_start(&mut self, _began: f64) {}
}

/// The result of a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyRun {
    /// The seed.
    pub seed: u64,
    /// Combinations played (agreed + disagreed + errors).
    pub played: usize,
    /// Combinations the service agreed on.
    pub agreed: usize,
    /// Of those, the ones the model says to refuse (so both verdicts are exercised).
    pub refuse_expected: usize,
    /// Combinations that could not be played, with their ids.
    pub errors: Vec<(u32, String)>,
    /// Minimal counterexamples, by combination id.
    pub counterexamples: Vec<Counterexample>,
    /// Ids of the disagreements not shrunk (past `shrink_limit`; the first 100).
    pub unshrunk: Vec<u32>,
    /// How many disagreements were not shrunk.
    pub unshrunk_count: usize,
    /// Wall time, milliseconds.
    pub millis: f64,
}

/// Plays `combo` once: a fresh login, the combination's Response, the oracle's verdict.
pub async fn trial(
    target: &Target,
    combo: &Combination,
    ids: &IdGenerator,
) -> Result<Trial, CaseError> {
    let captured = time::OffsetDateTime::now_utc();
    let start = target.login_start(
        combo.level.number(),
        combo.comparison.as_str(),
        combo.binding.as_str(),
    );
    let p = target.capture(&start).await?;
    // The model judges the request the service sent (it may not honour the level asked for).
    let judged = Combination {
        level: p.request.level,
        comparison: p.request.comparison,
        ..combo.clone()
    };
    let xml = response_xml(target, &p.request, &judged, captured, ids)?;
    let (trace, verdict) = target
        .post(
            &p.browser,
            &p.request,
            p.relay_state.as_deref(),
            xml.clone(),
        )
        .await?;
    Ok(Trial {
        accepted: verdict.accepted,
        verdict,
        refusing_check: refusal_check(&trace.last.body),
        model: judged.verdict(),
        sent: xml,
    })
}

/// The candidates one shrinking step tries, simplest first: each change removed, each change
/// simplified, then the default login.
fn candidates(c: &Combination) -> Vec<Combination> {
    let mut out = Vec::new();
    for i in 0..c.changes.len() {
        let mut d = c.clone();
        d.changes.remove(i);
        out.push(d);
    }
    for (i, ch) in c.changes.iter().enumerate() {
        for s in ch.simpler() {
            let mut d = c.clone();
            d.changes[i] = s;
            out.push(d);
        }
    }
    let defaults = (Level::L2, Comparison::Minimum, Binding::Redirect);
    if (c.level, c.comparison, c.binding) != defaults {
        let mut d = c.clone();
        (d.level, d.comparison, d.binding) = defaults;
        // Only if every catalogue case in it is defined for that login.
        if d.changes.iter().all(|ch| {
            ch.case()
                .is_none_or(|k| fits(k, Level::L2, Comparison::Minimum))
        }) {
            out.push(d);
        }
        if c.binding != Binding::Redirect {
            let mut d = c.clone();
            d.binding = Binding::Redirect;
            out.push(d);
        }
    }
    out
}

/// Shrinks a disagreeing combination: greedily takes the first candidate that still disagrees
/// (re-sent as a fresh login), until none does or `budget` re-sends are spent.
pub async fn shrink(
    target: &Target,
    mut combo: Combination,
    mut last: Trial,
    ids: &IdGenerator,
    budget: usize,
) -> (Combination, Trial, usize) {
    let mut steps = 0;
    'outer: loop {
        for cand in candidates(&combo) {
            if steps >= budget {
                break 'outer;
            }
            steps += 1;
            if let Ok(t) = trial(target, &cand, ids).await {
                if t.disagrees() {
                    combo = cand;
                    last = t;
                    continue 'outer;
                }
            }
        }
        break;
    }
    (combo, last, steps)
}

/// Plays combination `id`, shrinking it when the service disagrees.
pub async fn play(target: &Target, cfg: &PropertyConfig, id: u32, ids: &IdGenerator) -> Outcome {
    play_within(target, cfg, id, ids, &AtomicUsize::new(cfg.shrink_limit)).await
}

/// [`play`], shrinking only while `slots` (shared by a run) is above zero.
async fn play_within(
    target: &Target,
    cfg: &PropertyConfig,
    id: u32,
    ids: &IdGenerator,
    slots: &AtomicUsize,
) -> Outcome {
    let gen = GenConfig {
        seed: cfg.seed,
        max_changes: cfg.max_changes,
    };
    let combo = combination(gen, id);
    match trial(target, &combo, ids).await {
        Err(e) => Outcome::Error {
            error: format!("{e} (changes: {})", combo.describe().join("; ")),
        },
        Ok(t) if !t.disagrees() => Outcome::Agreed,
        Ok(_)
            if slots
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_err() =>
        {
            Outcome::Unshrunk
        }
        Ok(t) => {
            let began = Instant::now();
            let (minimal, trial_min, steps) =
                shrink(target, combo.clone(), t, ids, cfg.shrink_budget).await;
            let shrink_millis = began.elapsed().as_secs_f64() * 1000.0;
            let valid = valid_response(target, &minimal, ids).await;
            Outcome::Disagreed(Box::new(Counterexample {
                seed: cfg.seed,
                original: combo,
                minimal,
                trial: trial_min,
                valid,
                shrink_steps: steps,
                shrink_millis,
            }))
        }
    }
}

/// A correct Response for a fresh request of `combo`'s login (not posted).
async fn valid_response(target: &Target, combo: &Combination, ids: &IdGenerator) -> Option<String> {
    let start = target.login_start(
        combo.level.number(),
        combo.comparison.as_str(),
        combo.binding.as_str(),
    );
    let p = target.capture(&start).await.ok()?;
    let plain = Combination {
        changes: Vec::new(),
        ..combo.clone()
    };
    response_xml(
        target,
        &p.request,
        &plain,
        time::OffsetDateTime::now_utc(),
        ids,
    )
    .ok()
}

/// Called with each combination's outcome as it ends (a progress bar).
pub type OnOutcome = Arc<dyn Fn(&Outcome) + Send + Sync>;

/// Runs `cfg.cases` combinations (or the one `cfg.replay` names) against `target`, up to
/// `cfg.jobs` at a time, stopping to start new ones after `cfg.duration`.
pub async fn run(target: &Target, cfg: &PropertyConfig, on_outcome: OnOutcome) -> PropertyRun {
    let began = Instant::now();
    let deadline = cfg.duration.map(|d| began + d);
    let ids_to_play: Vec<u32> = match cfg.replay {
        Some(id) => vec![id],
        None => (0..cfg.cases).collect(),
    };
    let found = Arc::new(AtomicUsize::new(0));
    let slots = Arc::new(AtomicUsize::new(cfg.shrink_limit));
    let shared = Arc::new((target.clone(), cfg.clone(), IdGenerator::random()));
    let outcomes = run_bounded(
        &ids_to_play,
        cfg.jobs,
        on_outcome,
        move |_, id| {
            let (shared, found, slots) = (shared.clone(), found.clone(), slots.clone());
            async move {
                let (target, cfg, ids) = &*shared;
                let enough = cfg
                    .stop_after
                    .is_some_and(|k| found.load(Ordering::SeqCst) >= k);
                if enough || deadline.is_some_and(|d| Instant::now() >= d) {
                    return Outcome::NotRun;
                }
                let outcome = play_within(target, cfg, id, ids, &slots).await;
                if matches!(outcome, Outcome::Disagreed(_) | Outcome::Unshrunk) {
                    found.fetch_add(1, Ordering::SeqCst);
                }
                outcome
            }
        },
        |_| Outcome::Error {
            error: "the combination's task panicked".into(),
        },
    )
    .await;
    let mut run = PropertyRun {
        seed: cfg.seed,
        played: 0,
        agreed: 0,
        refuse_expected: 0,
        errors: Vec::new(),
        counterexamples: Vec::new(),
        unshrunk: Vec::new(),
        unshrunk_count: 0,
        millis: 0.0,
    };
    let gen = GenConfig {
        seed: cfg.seed,
        max_changes: cfg.max_changes,
    };
    for (id, o) in ids_to_play.iter().zip(outcomes) {
        match o {
            Outcome::NotRun => continue,
            Outcome::Agreed => {
                run.agreed += 1;
                if combination(gen, *id).verdict().word() == "refuse" {
                    run.refuse_expected += 1;
                }
            }
            Outcome::Disagreed(c) => run.counterexamples.push(*c),
            Outcome::Unshrunk => {
                run.unshrunk_count += 1;
                if run.unshrunk.len() < 100 {
                    run.unshrunk.push(*id);
                }
            }
            Outcome::Error { error } => run.errors.push((*id, error)),
        }
        run.played += 1;
    }
    run.millis = began.elapsed().as_secs_f64() * 1000.0;
    run
}

/// The report entries of a run: one for the run, then one per counterexample. `replay` is the
/// command line that selects the same service (`spid-harness check --against-reference`…).
pub fn entries(
    run: &PropertyRun,
    cfg: &PropertyConfig,
    replay: &str,
    provider: &str,
) -> Vec<Entry> {
    let disagreements = run.counterexamples.len() + run.unshrunk_count;
    let mut out = vec![Entry {
        id: format!("property/seed-{}", run.seed),
        title: format!(
            "{} generated combinations (seed {}, at most {} changes): {} agreed ({} refusals expected), {} disagreed, {} could not run",
            run.played,
            run.seed,
            cfg.max_changes,
            run.agreed,
            run.refuse_expected,
            disagreements,
            run.errors.len()
        ),
        provider: Some(provider.to_string()),
        outcome: "property run".into(),
        expected: "no disagreement".into(),
        passed: disagreements == 0 && run.errors.is_empty() && run.played > 0,
        sent: (run.unshrunk_count > 0).then(|| {
            format!(
                "{} more disagreements, not shrunk (the run shrinks {}): combinations {}",
                run.unshrunk_count,
                cfg.shrink_limit,
                run.unshrunk
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
        error: (!run.errors.is_empty()).then(|| {
            run.errors
                .iter()
                .take(5)
                .map(|(id, e)| format!("combination {id}: {e}"))
                .collect::<Vec<_>>()
                .join("; ")
        }),
        millis: run.millis,
        rule: Some("the model of acceptance (harness::property::model)".into()),
        severity: Some(Severity::Error),
        family: Some("property".into()),
        ..Entry::default()
    }];
    for c in &run.counterexamples {
        let rules = match &c.trial.model {
            ModelVerdict::Refuse { rules } => rules.join("; "),
            _ => c
                .minimal
                .changes
                .iter()
                .map(
                    |ch| match ch.effect(c.minimal.level, c.minimal.comparison) {
                        super::model::Effect::Keeps { basis } => basis,
                        super::model::Effect::Breaks { rule, .. } => rule,
                        super::model::Effect::Either { rule } => rule,
                    },
                )
                .collect::<Vec<_>>()
                .join("; "),
        };
        let replay_line = format!(
            "{replay} --property --seed {} --replay {}",
            c.seed, c.original.id
        );
        let mut verdict = c.trial.verdict.clone();
        verdict.evidence.push(format!("replay: {replay_line}"));
        out.push(Entry {
            id: format!("property/seed-{}/{}", c.seed, c.original.id),
            title: format!(
                "the service {} what the model says to {}: {}",
                if c.trial.accepted {
                    "accepted"
                } else {
                    "refused"
                },
                c.trial.model.word(),
                if c.minimal.changes.is_empty() {
                    "the correct Response".to_string()
                } else {
                    c.minimal.describe().join("; ")
                }
            ),
            provider: Some(provider.to_string()),
            level: Some(c.minimal.level.number()),
            outcome: format!(
                "{} change(s) after {} re-sends; replay: {replay_line}",
                c.minimal.changes.len(),
                c.shrink_steps
            ),
            expected: c.trial.model.word().to_string(),
            passed: false,
            verdict: Some(verdict),
            millis: c.shrink_millis,
            rule: Some(rules),
            severity: Some(Severity::Error),
            family: Some("property".into()),
            sent: Some(pretty_xml(&c.trial.sent)),
            reference: c.valid.as_deref().map(pretty_xml),
            ..Entry::default()
        });
    }
    out
}
