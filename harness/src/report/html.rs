//! A single-file HTML report a person would rather read (no network at view time): a summary band
//! per family, then what failed, then the warnings, then the rest collapsed; filters (family,
//! severity, outcome, free text) in a few lines of inline JavaScript, the page reading the same
//! without it; inline SVG plots; each entry at a stable anchor `#entry-<id>` with its rule, what
//! was sent (a Response as a diff against the correct one), the hops and the oracle's evidence.

use super::diff::{diff, XmlDiff};
use super::words::{self, Class};
use super::{plot, Entry, RunReport};
use minijinja::{context, Environment};
use serde::Serialize;
use std::collections::BTreeMap;

/// Commands whose entries are logins of people, where a rate of logins per second means
/// something (not the conformance suite or scenarios).
const LOGIN_COMMANDS: [&str; 2] = ["demo", "login"];

/// One family's counts, for the summary band.
#[derive(Debug, Serialize)]
struct FamilyRow {
    name: String,
    total: usize,
    /// Count per class key.
    counts: BTreeMap<&'static str, usize>,
}

/// A section of entries (failed, warnings, the rest).
#[derive(Debug, Serialize)]
struct Section<'a> {
    key: &'static str,
    heading: String,
    /// Shown collapsed (a `<details>` closed).
    collapsed: bool,
    entries: Vec<View<'a>>,
}

/// One entry as the template needs it.
#[derive(Debug, Serialize)]
struct View<'a> {
    anchor: String,
    family: String,
    class: &'static str,
    class_label: &'static str,
    colour: &'static str,
    severity: &'static str,
    expected: String,
    got: String,
    open: bool,
    diff: Option<XmlDiff>,
    e: &'a Entry,
}

fn view(e: &Entry) -> View<'_> {
    let class = Class::of(e);
    let diff = match (&e.reference, &e.sent) {
        (Some(reference), Some(sent)) => Some(diff(reference, sent)),
        _ => None,
    };
    View {
        anchor: words::anchor(e),
        family: words::family(e),
        class: class.key(),
        class_label: class.label(),
        colour: plot::colour(class),
        severity: match e.severity {
            Some(super::Severity::Error) => "error",
            Some(super::Severity::Warning) => "warning",
            None => "none",
        },
        expected: words::expected(e),
        got: words::got(e),
        open: class.urgent(),
        diff,
        e,
    }
}

/// Renders the report as one HTML page (no external assets).
pub fn render(report: &RunReport) -> String {
    let mut families: BTreeMap<String, FamilyRow> = BTreeMap::new();
    let mut by_class: BTreeMap<Class, Vec<&Entry>> = BTreeMap::new();
    for e in &report.entries {
        let class = Class::of(e);
        let row = families
            .entry(words::family(e))
            .or_insert_with(|| FamilyRow {
                name: words::family(e),
                total: 0,
                counts: Class::ALL.iter().map(|c| (c.key(), 0)).collect(),
            });
        row.total += 1;
        *row.counts.entry(class.key()).or_default() += 1;
        by_class.entry(class).or_default().push(e);
    }
    let mut class_totals: Vec<(&'static str, &'static str, usize, &'static str)> = Vec::new();
    for c in Class::ALL {
        let n = by_class.get(&c).map_or(0, Vec::len);
        class_totals.push((c.key(), c.label(), n, plot::colour(c)));
    }
    let take = |classes: &[Class]| -> Vec<View<'_>> {
        classes
            .iter()
            .flat_map(|c| by_class.get(c).into_iter().flatten())
            .map(|e| view(e))
            .collect()
    };
    let sections = vec![
        Section {
            key: "failed",
            heading: if by_class.contains_key(&Class::Error) {
                "Failed or could not run".into()
            } else {
                "Failed".into()
            },
            collapsed: false,
            entries: take(&[Class::Failed, Class::Error]),
        },
        Section {
            key: "warning",
            heading: "Warnings (the run still passes)".into(),
            collapsed: false,
            entries: take(&[Class::Warning]),
        },
        Section {
            key: "rest",
            heading: "Everything else".into(),
            collapsed: true,
            entries: take(&[
                Class::Passed,
                Class::NotDeterminable,
                Class::NotApplicable,
                Class::Skipped,
            ]),
        },
    ];
    let families: Vec<FamilyRow> = families.into_values().collect();
    let exit_code = report.exit_code();
    let ctx = context! {
        r => report,
        exit_code,
        failed => by_class.get(&Class::Failed).map_or(0, Vec::len),
        verdict => if exit_code == 0 { "PASSED" } else { "FAILED" },
        families,
        classes => class_totals,
        sections,
        logins_per_second => LOGIN_COMMANDS.contains(&report.command.as_str()).then_some(report.logins_per_second),
        hop_plot => plot::hop_latency(&report.entries),
        timeline => plot::timeline(&report.entries),
    };
    let mut env = Environment::new();
    let template = include_str!("../../templates/report.html");
    let rendered = env
        .add_template("report.html", template)
        .and_then(|_| env.get_template("report.html"))
        .and_then(|t| t.render(ctx));
    rendered.unwrap_or_else(|e| format!("<!DOCTYPE html><p>report template failed: {e}</p>"))
}
