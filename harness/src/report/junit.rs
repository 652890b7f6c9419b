//! JUnit XML (the Surefire-style format Jenkins and GitLab read, validated against
//! `fixtures/xsd/junit/junit-10.xsd`): one `<testsuite>` per family, one `<testcase>` per entry.
//! A failed error-severity entry is a `<failure>`, an entry that could not run an `<error>`; a
//! failed *warning* is not a failure (the run's exit code ignores it): it carries a
//! `<system-out>` note instead. Not applicable, skipped and not determinable entries are
//! `<skipped>` with the reason.

use super::words::{self, Class};
use super::{Entry, RunReport};
use mock_idps::saml::xml_writer::XmlWriter;
use std::collections::BTreeMap;

/// Renders the report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut families: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for e in &report.entries {
        families.entry(words::family(e)).or_default().push(e);
    }
    let count = |entries: &[&Entry], classes: &[Class]| {
        entries
            .iter()
            .filter(|e| classes.contains(&Class::of(e)))
            .count()
            .to_string()
    };
    let all: Vec<&Entry> = report.entries.iter().collect();
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let time = format!("{:.3}", report.duration_ms / 1000.0);
    w.open(
        "testsuites",
        &[
            ("name", &format!("spid-harness {}", report.command)),
            ("tests", &all.len().to_string()),
            ("failures", &count(&all, &[Class::Failed])),
            ("errors", &count(&all, &[Class::Error])),
            ("time", &time),
        ],
    );
    w.raw("\n");
    for (family, entries) in &families {
        let suite_time: f64 = entries.iter().map(|e| e.millis).sum::<f64>() / 1000.0;
        w.open(
            "testsuite",
            &[
                ("name", &format!("{} {family}", report.command)),
                ("tests", &entries.len().to_string()),
                ("failures", &count(entries, &[Class::Failed])),
                ("errors", &count(entries, &[Class::Error])),
                (
                    "skipped",
                    &count(
                        entries,
                        &[Class::NotApplicable, Class::Skipped, Class::NotDeterminable],
                    ),
                ),
                ("time", &format!("{suite_time:.3}")),
                ("timestamp", &report.started),
            ],
        );
        w.raw("\n");
        w.open("properties", &[]);
        w.empty("property", &[("name", "tool"), ("value", &report.tool)]);
        w.empty(
            "property",
            &[
                ("name", "exit-code"),
                ("value", &report.exit_code().to_string()),
            ],
        );
        w.close("properties");
        w.raw("\n");
        for e in entries {
            testcase(&mut w, &report.command, family, e);
            w.raw("\n");
        }
        w.close("testsuite");
        w.raw("\n");
    }
    w.close("testsuites");
    w.raw("\n");
    w.finish()
}

fn testcase(w: &mut XmlWriter, command: &str, family: &str, e: &Entry) {
    let class = Class::of(e);
    w.open(
        "testcase",
        &[
            ("classname", &format!("spid-harness.{command}.{family}")),
            ("name", &xml_safe(&format!("{} {}", e.id, e.title))),
            ("time", &format!("{:.3}", e.millis / 1000.0)),
        ],
    );
    let why = || {
        e.verdict
            .as_ref()
            .map(|v| v.reason.clone())
            .unwrap_or_default()
    };
    let message = || {
        xml_safe(&format!(
            "expected {}, got {}: {}",
            words::expected(e),
            words::got(e),
            why()
        ))
    };
    match class {
        Class::Failed => {
            w.leaf(
                "failure",
                &[("type", "error"), ("message", &message())],
                &detail(e),
            );
        }
        Class::Error => {
            let err = xml_safe(e.error.as_deref().unwrap_or_default());
            w.leaf(
                "error",
                &[("type", "could-not-run"), ("message", &err)],
                &detail(e),
            );
        }
        Class::Warning => {
            let note = format!(
                "WARNING (does not fail the run): {}\n{}",
                message(),
                detail(e)
            );
            w.leaf("system-out", &[], &note);
        }
        Class::NotApplicable | Class::Skipped | Class::NotDeterminable => {
            let reason = e.not_run.as_ref().map(|n| n.reason.as_str()).unwrap_or("");
            w.empty(
                "skipped",
                &[(
                    "message",
                    &xml_safe(&format!("{}: {reason}", class.label())),
                )],
            );
        }
        Class::Passed => {}
    }
    w.close("testcase");
}

/// The rule, the oracle's evidence and the HTML anchor, one per line.
fn detail(e: &Entry) -> String {
    let mut lines = Vec::new();
    if let Some(rule) = &e.rule {
        lines.push(format!("rule: {rule}"));
    }
    if let Some(m) = &e.maps_to {
        lines.push(format!("maps to: {}", m.line));
    }
    if let Some(v) = &e.verdict {
        lines.extend(v.evidence.iter().cloned());
    }
    lines.push(format!("report: #{}", words::anchor(e)));
    xml_safe(&lines.join("\n"))
}

/// `s` without the characters XML 1.0 forbids (C0 controls other than tab, LF, CR).
fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|&c| c >= ' ' || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// What the service did, in the words of `expected` (`accept`, `refuse nr22`, `error`).
pub fn got(e: &super::Entry) -> String {
    match &e.verdict {
        Some(v) if v.accepted => "accept".into(),
        Some(v) => match &v.spid_error {
            Some(code) => format!("refuse {code}"),
            None => "refuse".into(),
        },
        None => "error".into(),
    }
}
