//! The small languages of `load`'s options: rates (`200/s`), durations (`60s`, `80ms`), ramps
//! (`30s:50,60s:200`) and percentages (`0.1%`), each refused with the form it expects.

use std::time::Duration;

/// Why an option value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not valid: {expected}")]
pub struct SpecError {
    /// Which kind of value.
    pub what: &'static str,
    /// The text given.
    pub value: String,
    /// The form expected.
    pub expected: &'static str,
}

fn err(what: &'static str, value: &str, expected: &'static str) -> SpecError {
    SpecError {
        what,
        value: value.to_string(),
        expected,
    }
}

/// Parses `200/s`, `200`, `12000/m` into logins per second.
pub fn rate(text: &str) -> Result<f64, SpecError> {
    const FORM: &str = "write logins per second as 200/s (or 12000/m)";
    let t = text.trim();
    let (num, per) = match t.split_once('/') {
        Some((n, "s")) => (n, 1.0),
        Some((n, "m")) => (n, 60.0),
        Some(_) => return Err(err("rate", text, FORM)),
        None => (t, 1.0),
    };
    let v: f64 = num.trim().parse().map_err(|_| err("rate", text, FORM))?;
    if !v.is_finite() || v < 0.0 {
        return Err(err("rate", text, FORM));
    }
    Ok(v / per)
}

/// Parses `60s`, `80ms`, `2m`, `1.5s`, `500us`.
pub fn duration(text: &str) -> Result<Duration, SpecError> {
    const FORM: &str = "write a duration as 80ms, 10s or 2m";
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| err("duration", text, FORM))?;
    let (num, unit) = t.split_at(split);
    let v: f64 = num.parse().map_err(|_| err("duration", text, FORM))?;
    let secs = match unit {
        "us" | "µs" => v / 1e6,
        "ms" => v / 1e3,
        "s" => v,
        "m" => v * 60.0,
        "h" => v * 3600.0,
        _ => return Err(err("duration", text, FORM)),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| err("duration", text, FORM))
}

/// Parses `0.1%` (or a fraction, `0.001`) into a fraction.
pub fn fraction(text: &str) -> Result<f64, SpecError> {
    const FORM: &str = "write a share as 0.1% (or 0.001)";
    let t = text.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| err("share", text, FORM))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(err("share", text, FORM));
    }
    Ok(v)
}

/// One ramp of the open model: over `duration`, the arrival rate goes linearly from the previous
/// stage's target (0 before the first) to `target` logins per second, as k6's ramping arrival
/// rate does.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stage {
    /// How long the ramp lasts, in seconds.
    pub seconds: f64,
    /// The rate reached at its end.
    pub target: f64,
}

/// Parses `30s:50,60s:200`.
pub fn stages(text: &str) -> Result<Vec<Stage>, SpecError> {
    const FORM: &str = "write ramps as DURATION:RATE,… e.g. 30s:50,60s:200";
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim) {
        let (d, r) = part
            .split_once(':')
            .ok_or_else(|| err("stages", text, FORM))?;
        let d = duration(d).map_err(|_| err("stages", text, FORM))?;
        let r = rate(r).map_err(|_| err("stages", text, FORM))?;
        out.push(Stage {
            seconds: d.as_secs_f64(),
            target: r,
        });
    }
    if out.iter().all(|s| s.seconds == 0.0) {
        return Err(err("stages", text, FORM));
    }
    Ok(out)
}

/// The intended start times (seconds from the beginning) of an open-model run: arrival `k` is
/// due when the integral of the rate reaches `k`. Stops at the end of the stages.
#[derive(Debug, Clone)]
pub struct Arrivals {
    stages: Vec<(f64, f64, f64)>, // (start rate, end rate, seconds)
    stage: usize,
    offset: f64, // seconds before the current stage
    before: f64, // arrivals due before the current stage
    next: u64,
}

impl Arrivals {
    /// Arrivals for these ramps.
    pub fn new(stages: &[Stage]) -> Self {
        let mut prev = 0.0;
        let stages = stages
            .iter()
            .map(|s| {
                let st = (prev, s.target, s.seconds);
                prev = s.target;
                st
            })
            .collect();
        Self {
            stages,
            stage: 0,
            offset: 0.0,
            before: 0.0,
            next: 0,
        }
    }

    /// A constant rate for `seconds`.
    pub fn constant(rate: f64, seconds: f64) -> Self {
        Self {
            stages: vec![(rate, rate, seconds)],
            stage: 0,
            offset: 0.0,
            before: 0.0,
            next: 0,
        }
    }
}

impl Iterator for Arrivals {
    type Item = f64;
    fn next(&mut self) -> Option<f64> {
        loop {
            let &(r0, r1, len) = self.stages.get(self.stage)?;
            let in_stage = (r0 + r1) / 2.0 * len;
            let n = self.next as f64 - self.before;
            if n < in_stage {
                let a = (r1 - r0) / (2.0 * len);
                let t = if a.abs() < 1e-12 {
                    if r0 == 0.0 {
                        f64::INFINITY
                    } else {
                        n / r0
                    }
                } else {
                    (-r0 + (r0 * r0 + 4.0 * a * n).sqrt()) / (2.0 * a)
                };
                if t.is_finite() && t < len {
                    self.next += 1;
                    return Some(self.offset + t);
                }
            }
            self.before += in_stage;
            self.offset += len;
            self.stage += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(rate("200/s").unwrap(), 200.0);
        assert_eq!(rate("600/m").unwrap(), 10.0);
        assert_eq!(duration("80ms").unwrap(), Duration::from_millis(80));
        assert_eq!(duration("2m").unwrap(), Duration::from_secs(120));
        assert!((fraction("0.1%").unwrap() - 0.001).abs() < 1e-12);
        assert_eq!(
            stages("30s:50,60s:200").unwrap(),
            vec![
                Stage {
                    seconds: 30.0,
                    target: 50.0
                },
                Stage {
                    seconds: 60.0,
                    target: 200.0
                }
            ]
        );
    }

    #[test]
    fn refuses_with_the_expected_form() {
        for bad in ["fast", "-3/s", "3/h"] {
            assert!(rate(bad).unwrap_err().to_string().contains("200/s"));
        }
        assert!(duration("10").unwrap_err().to_string().contains("80ms"));
        assert!(fraction("120%").is_err());
        assert!(stages("30s").is_err());
    }

    #[test]
    fn a_constant_rate_spaces_arrivals_evenly() {
        let a: Vec<f64> = Arrivals::constant(4.0, 1.0).collect();
        assert_eq!(a, vec![0.0, 0.25, 0.5, 0.75]);
    }

    #[test]
    fn a_ramp_delivers_the_area_under_the_rate() {
        // 0 -> 100/s over 10 s is 500 arrivals, then 100/s for 5 s is 500 more.
        let st = stages("10s:100,5s:100").unwrap();
        let a: Vec<f64> = Arrivals::new(&st).collect();
        assert_eq!(a.len(), 1000);
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        // Half the ramp's arrivals come in its last 30%: the rate grows.
        let early = a.iter().filter(|t| **t < 5.0).count();
        assert_eq!(early, 125);
        assert!(*a.last().unwrap() < 15.0);
    }
}
