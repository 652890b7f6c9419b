//! A single-file HTML report a person would rather read: the summary, hop latencies, then every
//! entry with its verdict, evidence and hop trace.

use super::RunReport;
use minijinja::{context, Environment};

/// Renders the report as one HTML page (no external assets).
pub fn render(report: &RunReport) -> String {
    let mut env = Environment::new();
    let template = include_str!("../../templates/report.html");
    let rendered = env
        .add_template("report.html", template)
        .and_then(|_| env.get_template("report.html"))
        .and_then(|t| t.render(context! { r => report, got => report.entries.iter().map(super::junit::got).collect::<Vec<_>>() }));
    rendered.unwrap_or_else(|e| format!("<!DOCTYPE html><p>report template failed: {e}</p>"))
}
