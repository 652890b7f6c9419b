//! Thresholds for CI (`--max-p99`, `--max-error-rate`, `--min-rate`) and the comparison with a
//! previous run (`--baseline`, `--max-regression`).

use super::model::{Delta, LoadReport, ThresholdResult, END_TO_END};
use std::time::Duration;

/// The limits a run must keep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    /// End-to-end p99 at most this.
    pub max_p99: Option<Duration>,
    /// Errors over logins at most this (0..1).
    pub max_error_rate: Option<f64>,
    /// Accepted logins per second at least this.
    pub min_rate: Option<f64>,
    /// No figure worse than the baseline by more than this (0..1); needs a baseline.
    pub max_regression: Option<f64>,
}

fn ms(v: f64) -> String {
    format!("{v:.2} ms")
}

/// Judges `report` against `t`.
pub fn thresholds(report: &LoadReport, t: &Thresholds) -> Vec<ThresholdResult> {
    let mut out = Vec::new();
    let p99 = report.hop(END_TO_END).map(|h| h.stats.p99).unwrap_or(0.0);
    if let Some(max) = t.max_p99 {
        let limit = max.as_secs_f64() * 1000.0;
        out.push(ThresholdResult {
            name: "max-p99".into(),
            limit: ms(limit),
            actual: ms(p99),
            // No login at all cannot meet a latency limit.
            passed: report.ok > 0 && p99 <= limit,
        });
    }
    if let Some(max) = t.max_error_rate {
        let rate = report.error_rate();
        out.push(ThresholdResult {
            name: "max-error-rate".into(),
            limit: format!("{:.3}%", max * 100.0),
            actual: format!(
                "{:.3}% ({} of {})",
                rate * 100.0,
                report.error_count(),
                report.logins
            ),
            passed: report.logins > 0 && rate <= max,
        });
    }
    if let Some(min) = t.min_rate {
        out.push(ThresholdResult {
            name: "min-rate".into(),
            limit: format!("{min:.1}/s"),
            actual: format!("{:.1}/s", report.rate),
            passed: report.rate >= min,
        });
    }
    if let (Some(max), Some(deltas)) = (t.max_regression, &report.baseline) {
        let worst = deltas
            .iter()
            .filter(|d| d.regressed)
            .map(|d| d.figure.clone());
        let worst: Vec<String> = worst.collect();
        let largest = deltas.iter().map(worse_by).fold(0.0f64, f64::max);
        out.push(ThresholdResult {
            name: "max-regression".into(),
            limit: format!("{:.1}%", max * 100.0),
            actual: if worst.is_empty() {
                format!("worst change {:.1}%", largest * 100.0)
            } else {
                format!("{:.1}% worse: {}", largest * 100.0, worst.join(", "))
            },
            passed: worst.is_empty(),
        });
    }
    out
}

/// How much worse a figure got, as a fraction (0 when it improved).
fn worse_by(d: &Delta) -> f64 {
    let change = d.change_pct / 100.0;
    if d.higher_is_better {
        (-change).max(0.0)
    } else {
        change.max(0.0)
    }
}

/// Latencies below this are too small for a relative change to mean anything (timer noise).
const NOISE_FLOOR_MS: f64 = 0.05;

/// Each figure of `now` against `before`: throughput, error rate, end-to-end p50/p99/p99.9 and
/// every hop's p99. `max_regression` marks the figures worse by more than it.
pub fn compare(before: &LoadReport, now: &LoadReport, max_regression: Option<f64>) -> Vec<Delta> {
    let mut figures: Vec<(String, f64, f64, bool)> = vec![
        ("logins/s".into(), before.rate, now.rate, true),
        (
            "error rate %".into(),
            before.error_rate() * 100.0,
            now.error_rate() * 100.0,
            false,
        ),
    ];
    if let (Some(b), Some(n)) = (before.hop(END_TO_END), now.hop(END_TO_END)) {
        figures.push(("end-to-end p50 ms".into(), b.stats.p50, n.stats.p50, false));
        figures.push(("end-to-end p99 ms".into(), b.stats.p99, n.stats.p99, false));
        figures.push((
            "end-to-end p99.9 ms".into(),
            b.stats.p999,
            n.stats.p999,
            false,
        ));
    }
    for h in now.hops.iter().filter(|h| h.name != END_TO_END) {
        if let Some(b) = before.hop(&h.name) {
            figures.push((
                format!("{} p99 ms", h.name),
                b.stats.p99,
                h.stats.p99,
                false,
            ));
        }
    }
    figures
        .into_iter()
        .map(|(figure, before, after, higher_is_better)| {
            let change_pct = if before.abs() < f64::EPSILON {
                if after.abs() < f64::EPSILON {
                    0.0
                } else {
                    100.0
                }
            } else {
                (after - before) / before * 100.0
            };
            let mut d = Delta {
                figure,
                before,
                after,
                change_pct: (change_pct * 10.0).round() / 10.0,
                higher_is_better,
                regressed: false,
            };
            let tiny = !higher_is_better && before.max(after) < NOISE_FLOOR_MS;
            d.regressed = max_regression.is_some_and(|m| !tiny && worse_by(&d) > m);
            d
        })
        .collect()
}
