//! Which rule ids the steps of a set of scenarios cover, and which required ones none covers.

use super::rules::{self, Rule};
use super::step::Scenario;
use std::collections::BTreeMap;

/// For every rule id, the steps (`file:line`) that cover it.
pub fn coverage(scenarios: &[Scenario]) -> BTreeMap<&'static str, Vec<String>> {
    let mut map: BTreeMap<&'static str, Vec<String>> =
        rules::RULES.iter().map(|r| (r.id, Vec::new())).collect();
    for s in scenarios {
        for step in &s.steps {
            for id in &step.covers {
                if let Some(rule) = rules::find(id) {
                    map.entry(rule.id).or_default().push(format!(
                        "{}:{}",
                        s.path.display(),
                        step.line
                    ));
                }
            }
        }
    }
    map
}

/// The rules of PIN-01…13 and SW-01…07 that no step covers.
pub fn uncovered(scenarios: &[Scenario]) -> Vec<&'static Rule> {
    let map = coverage(scenarios);
    rules::must_cover()
        .filter(|r| map.get(r.id).is_none_or(Vec::is_empty))
        .collect()
}
