//! The report of a load run (`load.json`): what was asked, each hop's HDR histogram (encoded, so
//! shards merge exactly), the per-second series, the CPU split, thresholds and baseline changes.

use super::hist::{Hist, HistError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The name of the end-to-end pseudo-hop (measured from the intended start in the open model).
pub const END_TO_END: &str = "end-to-end";

/// The hops of a login, in path order.
pub const HOPS: [&str; 6] = [
    "sp-start",
    "idp-sso",
    "idp-pages",
    "acs",
    "sp-landing",
    "probe",
];

/// Percentiles of one histogram, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Values recorded.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th.
    pub p90: f64,
    /// 99th.
    pub p99: f64,
    /// 99.9th.
    pub p999: f64,
    /// Largest.
    pub max: f64,
}

impl Percentiles {
    /// The percentiles of `h`.
    pub fn of(h: &Hist) -> Self {
        Self {
            count: h.len(),
            mean: round3(h.mean_ms()),
            p50: round3(h.ms_at(0.5)),
            p90: round3(h.ms_at(0.9)),
            p99: round3(h.ms_at(0.99)),
            p999: round3(h.ms_at(0.999)),
            max: round3(h.max_ms()),
        }
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// One hop's figures over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopReport {
    /// `end-to-end`, `sp-start`, `idp-sso`, `acs`…
    pub name: String,
    /// Its percentiles.
    #[serde(flatten)]
    pub stats: Percentiles,
    /// The HDR histogram, V2 + DEFLATE, base64.
    pub histogram: String,
}

/// One second of the run (by completion time).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecondReport {
    /// Seconds from the start.
    pub second: u64,
    /// Logins due to start in this second (open model) or started (closed model).
    pub started: u64,
    /// Logins that ended accepted.
    pub ok: u64,
    /// Logins that ended in an error.
    pub errors: u64,
    /// Logins refused as the auto-login mix asked (a Response reporting a failure).
    #[serde(default)]
    pub expected_refusals: u64,
    /// Percentiles per hop (and end to end) of the logins ended in this second.
    pub hops: BTreeMap<String, Percentiles>,
    /// Their histograms, encoded, for exact merges.
    pub histograms: BTreeMap<String, String>,
}

/// How the load was offered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelReport {
    /// Fixed arrival rate (ramps), coordinated-omission corrected.
    Open {
        /// The ramps.
        stages: Vec<super::spec::Stage>,
        /// Logins allowed in flight at once.
        max_in_flight: usize,
    },
    /// N users each logging in again as soon as the last login ended.
    Closed {
        /// Users.
        concurrency: usize,
    },
    /// Several shards merged.
    Merged {
        /// How many.
        shards: usize,
    },
}

/// Where the CPU went, from the threads of each part (Linux; absent elsewhere or when the
/// mocks run in another process).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CpuReport {
    /// The mock providers' threads, ms.
    pub mocks_ms: f64,
    /// The in-process service's threads (reference SP), ms.
    pub service_ms: f64,
    /// The driver (browser, histograms), ms.
    pub harness_ms: f64,
    /// Mock CPU per login, ms.
    pub mocks_per_login_ms: f64,
    /// Service CPU per login, ms.
    pub service_per_login_ms: f64,
    /// Harness CPU per login, ms.
    pub harness_per_login_ms: f64,
    /// The mocks' share of the CPU used by the run (0..1).
    pub mocks_share: f64,
}

/// One threshold and how the run stood against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// `max-p99`, `max-error-rate`, `min-rate`, `max-regression`.
    pub name: String,
    /// The limit, as written.
    pub limit: String,
    /// The figure measured, as written.
    pub actual: String,
    /// Whether it held.
    pub passed: bool,
}

/// One figure compared with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// `logins/s`, `end-to-end p99 ms`, `acs p99 ms`…
    pub figure: String,
    /// In the baseline.
    pub before: f64,
    /// In this run.
    pub after: f64,
    /// Relative change, in percent (positive: larger).
    pub change_pct: f64,
    /// Whether larger is better (throughput) or worse (latency, errors).
    pub higher_is_better: bool,
    /// Worse by more than `--max-regression`.
    pub regressed: bool,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Format version.
    pub version: u32,
    /// What was loaded (`reference SP`, or the login URL).
    pub target: String,
    /// Which providers and bindings the logins went through.
    pub paths: Vec<String>,
    /// When it started (RFC 3339).
    pub started: String,
    /// The offered load.
    pub model: ModelReport,
    /// Seconds from the first start to the last end.
    pub wall_seconds: f64,
    /// Logins ended: accepted, expected refusals and errors.
    pub logins: u64,
    /// Accepted.
    pub ok: u64,
    /// Refused as the auto-login mix asked: the mocks answered with a failure (an anomaly such
    /// as ErrorCode nr22) and the service refused it, which is right; neither accepted nor an
    /// error.
    #[serde(default)]
    pub expected_refusals: u64,
    /// Logins still in flight at the end of the graceful stop, cut (not errors).
    #[serde(default)]
    pub interrupted: u64,
    /// Open model: logins due before the end that never started, all slots being busy.
    #[serde(default)]
    pub dropped: u64,
    /// Errors by class: `connect`, `timeout`, `status`, `refused`, `other`.
    pub errors: BTreeMap<String, u64>,
    /// The first few error messages (bounded).
    pub error_samples: Vec<String>,
    /// Accepted logins per second of wall time.
    pub rate: f64,
    /// End to end first, then each hop in path order.
    pub hops: Vec<HopReport>,
    /// Second by second.
    pub series: Vec<SecondReport>,
    /// Where the CPU went, when measured.
    pub cpu: Option<CpuReport>,
    /// Thresholds asked for.
    pub thresholds: Vec<ThresholdResult>,
    /// Changes from `--baseline`, when given.
    pub baseline: Option<Vec<Delta>>,
}

/// Why reports could not be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Nothing to merge.
    #[error("report merge needs at least one load.json")]
    Empty,
    /// A histogram would not decode.
    #[error("shard {shard}, hop {hop}: {source}")]
    Hist {
        /// Index of the shard.
        shard: usize,
        /// The hop.
        hop: String,
        /// Why.
        #[source]
        source: HistError,
    },
}

impl LoadReport {
    /// Errors of every class.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Errors over logins (0 with no login).
    pub fn error_rate(&self) -> f64 {
        if self.logins == 0 {
            0.0
        } else {
            self.error_count() as f64 / self.logins as f64
        }
    }

    /// A hop's figures.
    pub fn hop(&self, name: &str) -> Option<&HopReport> {
        self.hops.iter().find(|h| h.name == name)
    }

    /// The hop (not end to end) with the largest p99.
    pub fn slowest_hop(&self) -> Option<&HopReport> {
        self.hops
            .iter()
            .filter(|h| h.name != END_TO_END && h.stats.count > 0)
            .max_by(|a, b| a.stats.p99.total_cmp(&b.stats.p99))
    }

    /// Whether every threshold (and the regression limit) held.
    pub fn passed(&self) -> bool {
        self.thresholds.iter().all(|t| t.passed)
    }

    /// Merges shards run at once (on several machines or processes): histograms are added,
    /// counts summed, seconds aligned from each shard's start; throughput is every shard's logins
    /// over the longest wall time.
    pub fn merge(shards: &[LoadReport]) -> Result<LoadReport, MergeError> {
        let first = shards.first().ok_or(MergeError::Empty)?;
        let decode = |shard: usize, hop: &str, text: &str| {
            Hist::decode(text).map_err(|source| MergeError::Hist {
                shard,
                hop: hop.to_string(),
                source,
            })
        };
        let add = |into: &mut BTreeMap<String, Hist>, shard: usize, hop: &str, text: &str| {
            let h = decode(shard, hop, text)?;
            match into.get_mut(hop) {
                Some(acc) => acc.add(&h).map_err(|source| MergeError::Hist {
                    shard,
                    hop: hop.to_string(),
                    source,
                }),
                None => {
                    into.insert(hop.to_string(), h);
                    Ok(())
                }
            }
        };
        let mut hops: BTreeMap<String, Hist> = BTreeMap::new();
        let mut seconds: BTreeMap<u64, (SecondReport, BTreeMap<String, Hist>)> = BTreeMap::new();
        let mut errors: BTreeMap<String, u64> = BTreeMap::new();
        let mut samples = Vec::new();
        let mut paths = Vec::new();
        let (mut logins, mut ok, mut wall) = (0, 0, 0.0f64);
        let (mut expected_refusals, mut interrupted, mut dropped) = (0, 0, 0);
        for (i, r) in shards.iter().enumerate() {
            for h in &r.hops {
                add(&mut hops, i, &h.name, &h.histogram)?;
            }
            for s in &r.series {
                let (acc, hists) = seconds.entry(s.second).or_insert_with(|| {
                    (
                        SecondReport {
                            second: s.second,
                            ..SecondReport::default()
                        },
                        BTreeMap::new(),
                    )
                });
                acc.started += s.started;
                acc.ok += s.ok;
                acc.errors += s.errors;
                acc.expected_refusals += s.expected_refusals;
                for (name, text) in &s.histograms {
                    add(hists, i, name, text)?;
                }
            }
            for (k, v) in &r.errors {
                *errors.entry(k.clone()).or_default() += v;
            }
            for s in &r.error_samples {
                if samples.len() < super::MAX_ERROR_SAMPLES {
                    samples.push(format!("shard {}: {s}", i + 1));
                }
            }
            for p in &r.paths {
                if !paths.contains(p) {
                    paths.push(p.clone());
                }
            }
            logins += r.logins;
            ok += r.ok;
            expected_refusals += r.expected_refusals;
            interrupted += r.interrupted;
            dropped += r.dropped;
            wall = wall.max(r.wall_seconds);
        }
        let series = seconds
            .into_values()
            .map(|(mut s, hists)| {
                s.hops = hists
                    .iter()
                    .map(|(k, h)| (k.clone(), Percentiles::of(h)))
                    .collect();
                s.histograms = hists.iter().map(|(k, h)| (k.clone(), h.encode())).collect();
                s
            })
            .collect();
        Ok(LoadReport {
            version: first.version,
            target: first.target.clone(),
            paths,
            started: first.started.clone(),
            model: ModelReport::Merged {
                shards: shards.len(),
            },
            wall_seconds: wall,
            logins,
            ok,
            expected_refusals,
            interrupted,
            dropped,
            errors,
            error_samples: samples,
            rate: if wall > 0.0 { ok as f64 / wall } else { 0.0 },
            hops: ordered_hops(&hops),
            series,
            cpu: None,
            thresholds: Vec::new(),
            baseline: None,
        })
    }
}

/// Hop reports, end to end first then path order, from histograms by name.
pub fn ordered_hops(hists: &BTreeMap<String, Hist>) -> Vec<HopReport> {
    std::iter::once(END_TO_END)
        .chain(HOPS)
        .filter_map(|name| {
            hists.get(name).map(|h| HopReport {
                name: name.to_string(),
                stats: Percentiles::of(h),
                histogram: h.encode(),
            })
        })
        .collect()
}
