//! The XML sent for a Response case as a line diff against the correct Response for the same
//! request: what the case changed, and nothing else, for a person comparing the two.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// Lines of context kept around each change.
const CONTEXT: usize = 3;

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `same`, `added` (in what was sent, not in the correct Response), `removed`, or `gap`
    /// (unchanged lines left out).
    pub tag: &'static str,
    /// The line, without its end of line; for a gap, how many lines were left out.
    pub text: String,
}

/// A diff of `sent` against `reference`, with [`CONTEXT`] lines around each change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct XmlDiff {
    /// Lines in `sent` and not in `reference`.
    pub added: usize,
    /// Lines in `reference` and not in `sent`.
    pub removed: usize,
    /// The lines to show.
    pub lines: Vec<Line>,
}

/// Diffs `sent` against `reference` line by line.
pub fn diff(reference: &str, sent: &str) -> XmlDiff {
    let d = TextDiff::from_lines(reference, sent);
    let (mut added, mut removed, mut lines) = (0, 0, Vec::new());
    let mut last_shown: Option<usize> = None;
    for group in d.grouped_ops(CONTEXT) {
        let first = group.first().map(|op| op.old_range().start).unwrap_or(0);
        let skipped = match last_shown {
            None => first,
            Some(end) => first.saturating_sub(end),
        };
        if skipped > 0 {
            lines.push(Line {
                tag: "gap",
                text: format!("{skipped} unchanged lines"),
            });
        }
        for op in &group {
            for change in d.iter_changes(op) {
                let tag = match change.tag() {
                    ChangeTag::Equal => "same",
                    ChangeTag::Insert => {
                        added += 1;
                        "added"
                    }
                    ChangeTag::Delete => {
                        removed += 1;
                        "removed"
                    }
                };
                lines.push(Line {
                    tag,
                    text: change.value().trim_end_matches(['\n', '\r']).to_string(),
                });
            }
        }
        last_shown = group.last().map(|op| op.old_range().end);
    }
    let total = reference.lines().count();
    if let Some(end) = last_shown.filter(|&end| end < total) {
        lines.push(Line {
            tag: "gap",
            text: format!("{} unchanged lines", total - end),
        });
    }
    XmlDiff {
        added,
        removed,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_the_change_with_context() {
        let reference: String = (1..=20).map(|i| format!("<l{i}/>\n")).collect();
        let sent = reference.replace("<l10/>", "<l10 evil=\"1\"/>");
        let d = diff(&reference, &sent);
        assert_eq!((d.added, d.removed), (1, 1));
        let tags: Vec<_> = d.lines.iter().map(|l| l.tag).collect();
        assert_eq!(tags.first(), Some(&"gap"));
        assert_eq!(d.lines[0].text, "6 unchanged lines");
        assert_eq!(tags.iter().filter(|t| **t == "same").count(), 6);
        assert!(d
            .lines
            .iter()
            .any(|l| l.tag == "added" && l.text == "<l10 evil=\"1\"/>"));
        assert_eq!(d.lines.last().unwrap().text, "7 unchanged lines");
    }

    #[test]
    fn identical_texts_have_no_lines() {
        let d = diff("<a/>\n<b/>\n", "<a/>\n<b/>\n");
        assert_eq!((d.added, d.removed), (0, 0));
        assert!(d.lines.is_empty());
    }
}
