//! Inline SVG plots for the HTML report, hand-written (bars and ticks need no plotting crate):
//! the distribution of hop latencies per hop kind, and the time line of the run.

use super::words::{anchor, Class};
use super::Entry;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Width of every plot, in SVG units.
const WIDTH: f64 = 760.0;
/// Left margin (labels).
const LEFT: f64 = 130.0;
/// Most lanes drawn in the time line; entries beyond share the last lane.
const MAX_LANES: usize = 24;

/// The colour of a class, in both plots and the page.
pub fn colour(class: Class) -> &'static str {
    match class {
        Class::Failed => "#c0392b",
        Class::Error => "#8e44ad",
        Class::Warning => "#b9770e",
        Class::Passed => "#1e8449",
        Class::NotDeterminable => "#2e86c1",
        Class::NotApplicable => "#7f8c8d",
        Class::Skipped => "#aab7b8",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn hop_kind(h: &crate::browser::Hop) -> String {
    serde_json::to_value(h.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A log-scale axis from `lo` to `hi` milliseconds over `[LEFT, WIDTH - 10]`.
struct LogAxis {
    lo: f64,
    hi: f64,
}

impl LogAxis {
    fn x(&self, ms: f64) -> f64 {
        let span = (self.hi / self.lo).log10();
        let t = (ms.clamp(self.lo, self.hi) / self.lo).log10() / span;
        LEFT + t * (WIDTH - 10.0 - LEFT)
    }
}

/// Latency per hop kind as a histogram on a log scale (one row per kind, buckets of a fifth of
/// a decade), with the median and the 99th percentile marked. `None` when no hop was recorded.
pub fn hop_latency(entries: &[Entry]) -> Option<String> {
    let mut by_kind: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for h in entries.iter().flat_map(|e| &e.hops) {
        by_kind
            .entry(hop_kind(h))
            .or_default()
            .push(h.millis.max(0.01));
    }
    if by_kind.is_empty() {
        return None;
    }
    let max = by_kind.values().flatten().copied().fold(0.0_f64, f64::max);
    let axis = LogAxis {
        lo: 0.01,
        hi: 10f64.powf(max.log10().ceil().max(0.0)),
    };
    let row = 30.0;
    let height = 30.0 + row * by_kind.len() as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" class="plot" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><title>Latency per hop kind, milliseconds, log scale</title>"#
    );
    // Decade grid lines and labels.
    let mut d = axis.lo;
    while d <= axis.hi * 1.0001 {
        let x = axis.x(d);
        let label = if d < 1.0 {
            format!("{d}")
        } else {
            format!("{d:.0}")
        };
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="4" x2="{x:.1}" y2="{y:.1}" stroke="#dde3ea"/><text x="{x:.1}" y="{t:.1}" font-size="10" text-anchor="middle" fill="#5b6b7b">{label} ms</text>"##,
            y = height - 16.0,
            t = height - 4.0
        );
        d *= 10.0;
    }
    for (i, (kind, values)) in by_kind.iter().enumerate() {
        let top = 6.0 + row * i as f64;
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let quantile = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        let (p50, p99) = (quantile(0.5), quantile(0.99));
        // Buckets of a fifth of a decade.
        let mut buckets: BTreeMap<i64, usize> = BTreeMap::new();
        for v in values {
            *buckets.entry((v.log10() * 5.0).floor() as i64).or_default() += 1;
        }
        let most = buckets.values().copied().max().unwrap_or(1) as f64;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty:.1}" font-size="11" text-anchor="end" fill="#17324d">{k} ({n})</text>"##,
            lx = LEFT - 6.0,
            ty = top + 15.0,
            k = esc(kind),
            n = values.len()
        );
        for (b, count) in &buckets {
            let (x0, x1) = (
                axis.x(10f64.powf(*b as f64 / 5.0)),
                axis.x(10f64.powf((*b + 1) as f64 / 5.0)),
            );
            let h = 20.0 * (*count as f64 / most).max(0.08);
            let _ = write!(
                s,
                r##"<rect x="{x0:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#5d8aa8"><title>{k}: {count} between {a:.2} and {z:.2} ms</title></rect>"##,
                y = top + 22.0 - h,
                w = (x1 - x0 - 1.0).max(1.0),
                k = esc(kind),
                a = 10f64.powf(*b as f64 / 5.0),
                z = 10f64.powf((*b + 1) as f64 / 5.0),
            );
        }
        for (q, v, colour) in [("p50", p50, "#17324d"), ("p99", p99, "#c0392b")] {
            let x = axis.x(v);
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" y1="{a:.1}" x2="{x:.1}" y2="{b:.1}" stroke="{colour}" stroke-width="2"><title>{q} {v:.2} ms</title></line>"#,
                a = top,
                b = top + 24.0
            );
        }
    }
    s.push_str("</svg>");
    Some(s)
}

/// The run as a time line: one bar per entry from its start for its duration, in lanes, coloured
/// by class, each a link to its entry. Entries without a start time are laid end to end after
/// the others. `None` when no entry took time.
pub fn timeline(entries: &[Entry]) -> Option<String> {
    let origin = entries
        .iter()
        .filter(|e| e.millis > 0.0)
        .filter_map(|e| e.started_unix_ms)
        .fold(f64::INFINITY, f64::min);
    let mut bars: Vec<(f64, f64, &Entry)> = Vec::with_capacity(entries.len());
    let mut cursor = 0.0_f64;
    let timed = |e: &&Entry| e.millis > 0.0;
    for e in entries
        .iter()
        .filter(timed)
        .filter(|e| e.started_unix_ms.is_some())
    {
        let start = e.started_unix_ms.unwrap_or(origin) - origin;
        bars.push((start, e.millis.max(0.0), e));
        cursor = cursor.max(start + e.millis);
    }
    for e in entries
        .iter()
        .filter(timed)
        .filter(|e| e.started_unix_ms.is_none())
    {
        bars.push((cursor, e.millis.max(0.0), e));
        cursor += e.millis.max(0.0);
    }
    let end = bars.iter().map(|(s, d, _)| s + d).fold(0.0_f64, f64::max);
    if end <= 0.0 {
        return None;
    }
    // Greedy lanes: each bar goes to the first lane free at its start.
    let mut lane_end: Vec<f64> = Vec::new();
    let mut placed = Vec::with_capacity(bars.len());
    for (start, dur, e) in bars {
        let lane = match lane_end.iter().position(|&t| t <= start) {
            Some(l) => l,
            None if lane_end.len() < MAX_LANES => {
                lane_end.push(0.0);
                lane_end.len() - 1
            }
            None => MAX_LANES - 1,
        };
        lane_end[lane] = lane_end[lane].max(start + dur);
        placed.push((start, dur, lane, e));
    }
    let lane_h = 9.0;
    let height = 28.0 + lane_h * lane_end.len() as f64;
    let scale = (WIDTH - 10.0 - LEFT) / end;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" class="plot" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><title>Time line of the run: one bar per entry</title><text x="{lx}" y="14" font-size="11" text-anchor="end" fill="#17324d">{n} entries</text>"##,
        lx = LEFT - 6.0,
        n = placed.len()
    );
    for (start, dur, lane, e) in placed {
        let class = Class::of(e);
        let _ = write!(
            s,
            r##"<a href="#{a}"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{id}: {label}, {dur:.1} ms</title></rect></a>"##,
            a = esc(&anchor(e)),
            x = LEFT + start * scale,
            y = 4.0 + lane_h * lane as f64,
            w = (dur * scale).max(1.5),
            h = lane_h - 2.0,
            c = colour(class),
            id = esc(&e.id),
            label = class.label(),
        );
    }
    for i in 0..=4 {
        let t = end * i as f64 / 4.0;
        let x = LEFT + t * scale;
        let _ = write!(
            s,
            r##"<text x="{x:.1}" y="{y:.1}" font-size="10" text-anchor="middle" fill="#5b6b7b">{t:.0} ms</text>"##,
            y = height - 6.0
        );
    }
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::{Hop, HopKind};

    fn entry(id: &str, start: Option<f64>, millis: f64, passed: bool) -> Entry {
        Entry {
            id: id.into(),
            passed,
            millis,
            started_unix_ms: start,
            hops: vec![Hop {
                kind: HopKind::Start,
                method: "GET".into(),
                url: "http://127.0.0.1:1/".into(),
                status: 200,
                millis: millis / 2.0,
            }],
            ..Entry::default()
        }
    }

    #[test]
    fn nothing_to_plot_gives_none() {
        assert!(hop_latency(&[]).is_none());
        assert!(timeline(&[Entry::default()]).is_none());
    }

    #[test]
    fn timeline_links_each_bar_and_overlapping_entries_take_two_lanes() {
        let entries = [
            entry("a", Some(1000.0), 10.0, true),
            entry("b", Some(1002.0), 10.0, false),
        ];
        let svg = timeline(&entries).unwrap();
        assert!(svg.contains("href=\"#entry-a\"") && svg.contains("href=\"#entry-b\""));
        assert!(svg.contains(colour(Class::Failed)));
        // The second bar starts in lane 1 (y = 4 + 9).
        assert!(svg.contains("y=\"13.0\""), "{svg}");
    }

    #[test]
    fn hop_plot_has_a_row_per_kind_with_quantile_marks() {
        let svg = hop_latency(&[entry("a", None, 4.0, true)]).unwrap();
        assert!(svg.contains("start (1)"));
        assert!(svg.contains("p50 2.00 ms") && svg.contains("p99 2.00 ms"));
    }
}
