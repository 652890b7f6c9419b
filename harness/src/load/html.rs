//! `load.html`: one self-contained page (inline SVG drawn with `plotters`, no script, no
//! network at view time): latency percentiles over time (end to end and per hop), throughput and
//! errors over time, the latency distribution as a percentile curve, and a table per hop.

use super::hist::Hist;
use super::model::{LoadReport, END_TO_END};
use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::fmt::Write;

const W: u32 = 860;
const H: u32 = 320;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

type Series = (String, Vec<(f64, f64)>);

/// Distinct, readable line colours (the common ten-colour categorical set, yellow left out).
const COLORS: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];

fn color(i: usize) -> RGBAColor {
    COLORS[i % COLORS.len()].to_rgba()
}

/// A line chart of `series` as SVG text.
fn lines(title: &str, x_desc: &str, y_desc: &str, series: &[Series]) -> Result<String, String> {
    let (mut xmax, mut ymax) = (1.0f64, 0.0f64);
    for (_, pts) in series {
        for (x, y) in pts {
            xmax = xmax.max(*x);
            ymax = ymax.max(*y);
        }
    }
    plot(title, (xmax, ymax), series, |mesh| {
        mesh.x_desc(x_desc)
            .y_desc(y_desc)
            .draw()
            .map_err(|e| e.to_string())
    })
}

/// The percentile curve: x is -log10(1 - q) so 90%, 99%, 99.9% are evenly spaced.
fn curve(title: &str, series: &[Series]) -> Result<String, String> {
    let xmax = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(x, _)| *x))
        .fold(3.0f64, f64::max);
    let ymax = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
        .fold(0.0f64, f64::max);
    plot(title, (xmax, ymax), series, |mesh| {
        mesh.x_desc("percentile")
            .y_desc("ms")
            .x_labels(xmax.ceil() as usize + 1)
            .x_label_formatter(&|x| {
                let p = 100.0 * (1.0 - 10f64.powf(-*x));
                format!("{p:.*}%", (x.floor() as usize).saturating_sub(2))
            })
            .draw()
            .map_err(|e| e.to_string())
    })
}

/// `series` as lines on a chart titled `title` over `0..xmax` and `0..ymax` (a tenth of
/// headroom above; `0..1` when nothing is above 0), its axes drawn by `mesh`, as SVG text.
fn plot(
    title: &str,
    (xmax, ymax): (f64, f64),
    series: &[Series],
    mesh: impl FnOnce(
        &mut MeshStyle<'_, '_, RangedCoordf64, RangedCoordf64, SVGBackend<'_>>,
    ) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax * 1.1 };
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .margin_right(36)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
            .map_err(|e| e.to_string())?;
        mesh(&mut chart.configure_mesh())?;
        draw_lines(&mut chart, series)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Each series as a coloured line. The legend is HTML below the plot ([`legend`]): drawn inside
/// the plot it covered the first seconds of the lines.
fn draw_lines<'a, 'b: 'a>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    series: &'a [Series],
) -> Result<(), String> {
    for (i, (_, pts)) in series.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                pts.iter().copied(),
                color(i).stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The names of `series`, each beside a swatch of its line's colour, in the plot's order.
fn legend(out: &mut String, series: &[Series]) {
    out.push_str("<ul class=\"legend\">");
    for (i, (name, _)) in series.iter().enumerate() {
        let RGBColor(r, g, b) = COLORS[i % COLORS.len()];
        let _ = write!(
            out,
            "<li><span style=\"background:#{r:02x}{g:02x}{b:02x}\"></span>{}</li>",
            esc(name)
        );
    }
    out.push_str("</ul>\n");
}

fn figure(
    out: &mut String,
    id: &str,
    caption: &str,
    series: &[Series],
    svg: Result<String, String>,
) {
    let _ = writeln!(out, "<figure data-plot=\"{id}\">");
    match svg {
        Ok(svg) => {
            out.push_str(&svg);
            legend(out, series);
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "<p class=\"err\">the plot could not be drawn: {}</p>",
                esc(&e)
            );
        }
    }
    let _ = writeln!(out, "<figcaption>{}</figcaption></figure>", esc(caption));
}

/// `load.html`.
pub fn render(r: &LoadReport) -> String {
    let mut out = String::new();
    head(&mut out, r);
    summary(&mut out, r);
    outcomes(&mut out, r);
    thresholds(&mut out, r);
    over_time(&mut out, r);
    distribution(&mut out, r);
    hop_tables(&mut out, r);
    baseline(&mut out, r);
    errors(&mut out, r);
    out.push_str("</body></html>\n");
    out
}

/// The document head, the style and the verdict heading.
fn head(out: &mut String, r: &LoadReport) {
    let verdict = if r.passed() { "passed" } else { "FAILED" };
    let _ = writeln!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>spid-harness load: {}</title>",
        esc(&r.target)
    );
    out.push_str("<style>body{font-family:sans-serif;margin:2em;max-width:920px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}.fail{color:#b00;font-weight:bold}.ok{color:#070}figure{margin:1.5em 0}figcaption{color:#555;font-size:90%}ul.legend{list-style:none;padding:0;margin:.3em 0 .5em 56px;display:flex;flex-wrap:wrap;gap:.3em 1.4em;font-size:90%}ul.legend span{display:inline-block;width:18px;height:3px;margin-right:6px;vertical-align:middle}</style></head><body>\n");
    let _ = writeln!(
        out,
        "<h1>Load test of the login path: <span class=\"{}\">{verdict}</span></h1>",
        if r.passed() { "ok" } else { "fail" }
    );
    let _ = writeln!(
        out,
        "<p>{} · {} · started {} · {} logins in {:.1} s, {} accepted, {} errors · <b>{:.1} logins/s</b></p>",
        esc(&r.target),
        esc(&r.paths.join("; ")),
        esc(&r.started),
        r.logins,
        r.wall_seconds,
        r.ok,
        r.error_count(),
        r.rate
    );
}

/// The run in one line, its slowest hop and the CPU per login.
fn summary(out: &mut String, r: &LoadReport) {
    if let Some(slow) = r.slowest_hop() {
        let _ = writeln!(
            out,
            "<p>Slowest hop: <b>{}</b> (p99 {:.2} ms).</p>",
            esc(&slow.name),
            slow.stats.p99
        );
    }
    if let Some(c) = &r.cpu {
        let _ = writeln!(
            out,
            "<p>CPU per login: mocks {:.3} ms, service {:.3} ms, harness {:.3} ms (mocks' share {:.0}%).</p>",
            c.mocks_per_login_ms, c.service_per_login_ms, c.harness_per_login_ms, c.mocks_share * 100.0
        );
    }
}

/// The outcome counts and what each means.
fn outcomes(out: &mut String, r: &LoadReport) {
    let _ = writeln!(
        out,
        "<table data-table=\"outcomes\"><tr><th>accepted</th><th>expected refusals</th><th>errors</th><th>interrupted</th><th>dropped</th></tr>\n<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        r.ok,
        r.expected_refusals,
        r.error_count(),
        r.interrupted,
        r.dropped
    );
    out.push_str("<p>Expected refusals: the failure the auto-login mix asked for, refused by the service. Interrupted: in flight at the end of the graceful stop. Dropped: due, never started. None is an error.</p>\n");
}

/// The CI thresholds and their results, if any.
fn thresholds(out: &mut String, r: &LoadReport) {
    if !r.thresholds.is_empty() {
        out.push_str("<h2>Thresholds</h2>\n<table data-table=\"thresholds\"><tr><th>threshold</th><th>limit</th><th>measured</th><th>result</th></tr>\n");
        for t in &r.thresholds {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                esc(&t.name),
                esc(&t.limit),
                esc(&t.actual),
                if t.passed { "ok" } else { "fail" },
                if t.passed { "passed" } else { "failed" }
            );
        }
        out.push_str("</table>\n");
    }
}

/// Latency percentiles, per-hop p99 and throughput over time.
fn over_time(out: &mut String, r: &LoadReport) {
    out.push_str("<h2>Over time</h2>\n");
    let sec = |s: &super::model::SecondReport| s.second as f64 + 0.5;
    let pick = |hop: &str, f: fn(&super::model::Percentiles) -> f64| -> Vec<(f64, f64)> {
        r.series
            .iter()
            .filter_map(|s| s.hops.get(hop).map(|p| (sec(s), f(p))))
            .collect()
    };
    let end_to_end: [Series; 3] = [
        ("p50".into(), pick(END_TO_END, |p| p.p50)),
        ("p90".into(), pick(END_TO_END, |p| p.p90)),
        ("p99".into(), pick(END_TO_END, |p| p.p99)),
    ];
    figure(
        out,
        "end-to-end-percentiles-over-time",
        "End-to-end latency of accepted logins, per second of completion",
        &end_to_end,
        lines("End-to-end latency over time", "seconds", "ms", &end_to_end),
    );
    let hop_names: Vec<&str> = r
        .hops
        .iter()
        .map(|h| h.name.as_str())
        .filter(|n| *n != END_TO_END)
        .collect();
    let per_hop: Vec<Series> = hop_names
        .iter()
        .map(|h| (format!("{h} p99"), pick(h, |p| p.p99)))
        .collect();
    figure(
        out,
        "hop-p99-over-time",
        "p99 of each hop, per second",
        &per_hop,
        lines("p99 per hop over time", "seconds", "ms", &per_hop),
    );
    let per_second = |f: fn(&super::model::SecondReport) -> u64| -> Vec<(f64, f64)> {
        r.series.iter().map(|s| (sec(s), f(s) as f64)).collect()
    };
    let throughput: [Series; 3] = [
        ("started".into(), per_second(|s| s.started)),
        ("accepted".into(), per_second(|s| s.ok)),
        ("errors".into(), per_second(|s| s.errors)),
    ];
    figure(
        out,
        "throughput-over-time",
        "Logins started (due), accepted and in error, per second",
        &throughput,
        lines(
            "Throughput and errors over time",
            "seconds",
            "logins/s",
            &throughput,
        ),
    );
}

/// The latency percentile curve of each hop and end to end.
fn distribution(out: &mut String, r: &LoadReport) {
    out.push_str("<h2>Latency distribution</h2>\n");
    let curves: Vec<Series> = r
        .hops
        .iter()
        .filter_map(|h| {
            Hist::decode(&h.histogram).ok().map(|hist| {
                let pts = hist
                    .curve()
                    .into_iter()
                    .map(|(q, ms)| (-(1.0 - q).log10(), ms))
                    .collect();
                (h.name.clone(), pts)
            })
        })
        .collect();
    figure(
        out,
        "percentile-curve",
        "Latency by percentile (HDR histogram), each hop and end to end",
        &curves,
        curve("Latency percentile curve", &curves),
    );
}

/// A table of figures per hop.
fn hop_tables(out: &mut String, r: &LoadReport) {
    out.push_str("<h2>Hops</h2>\n");
    for h in &r.hops {
        let s = &h.stats;
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<table data-table=\"hop-{}\"><tr><th>count</th><th>mean ms</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n<tr><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr></table>",
            esc(&h.name),
            esc(&h.name),
            s.count, s.mean, s.p50, s.p90, s.p99, s.p999, s.max
        );
    }
}

/// The change from the baseline run, if one was given.
fn baseline(out: &mut String, r: &LoadReport) {
    if let Some(deltas) = &r.baseline {
        out.push_str("<h2>Change from the baseline</h2>\n<table data-table=\"baseline\"><tr><th>figure</th><th>baseline</th><th>this run</th><th>change</th><th></th></tr>\n");
        for d in deltas {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:+.1}%</td><td class=\"{}\">{}</td></tr>",
                esc(&d.figure),
                d.before,
                d.after,
                d.change_pct,
                if d.regressed { "fail" } else { "ok" },
                if d.regressed { "regressed" } else { "" }
            );
        }
        out.push_str("</table>\n");
    }
}

/// The error classes and samples, if any.
fn errors(out: &mut String, r: &LoadReport) {
    if !r.errors.is_empty() {
        out.push_str(
            "<h2>Errors</h2>\n<table data-table=\"errors\"><tr><th>class</th><th>count</th></tr>\n",
        );
        for (k, v) in &r.errors {
            let _ = writeln!(out, "<tr><td>{}</td><td>{v}</td></tr>", esc(k));
        }
        out.push_str("</table>\n<ul>\n");
        for s in &r.error_samples {
            let _ = writeln!(out, "<li>{}</li>", esc(s));
        }
        out.push_str("</ul>\n");
    }
}
