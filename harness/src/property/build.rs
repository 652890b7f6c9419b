//! Renders a combination for a captured request: the correct plan, the level and legal plan
//! changes, the catalogue's plan mutations (keeping ones first, so a breaking one always wins),
//! the unsigned-XML edits and text variations, signing as the plan (or the case) says, then the
//! signed-XML edits.

use super::model::{Broken, Change, Combination, Effect, Legal};
use crate::conformance::case::{Expect, Mutation};
use crate::conformance::cases::RESPONSE_CASES;
use crate::conformance::runner::{CaseError, Target};
use crate::conformance::sign;
use mock_idps::clock::saml_instant;
use mock_idps::ids::IdGenerator;
use mock_idps::saml::response::ResponsePlan;
use mock_idps::spid::level::Level;
use mock_idps::spid::request_rules::ValidatedRequest;
use time::{Duration, OffsetDateTime};

/// The catalogue's own level mutation for `level` (a level-matrix case's).
fn level_mutation(level: Level) -> Option<Mutation> {
    RESPONSE_CASES
        .iter()
        .find(|c| c.expect == Expect::ByLevel(level))
        .map(|c| c.mutation)
}

fn apply_legal(
    plan: &mut ResponsePlan,
    legal: Legal,
    captured: OffsetDateTime,
    now: OffsetDateTime,
) {
    match legal {
        Legal::AttributeOrder { by } => {
            if let Some(a) = plan.assertion.as_mut() {
                let n = a.attributes.len();
                if n > 1 {
                    a.attributes.rotate_left(usize::from(by) % n);
                }
            }
        }
        Legal::AssertionOnlySigned => plan.signed = false,
        Legal::IssueInstant { permille } => {
            let span = (now - captured).max(Duration::ZERO);
            let at = captured + span * f64::from(permille.min(1000)) / 1000.0;
            let v = Some(saml_instant(at));
            plan.issue_instant = v.clone();
            if let Some(a) = plan.assertion.as_mut() {
                a.issue_instant = v;
            }
        }
        Legal::NotOnOrAfter { secs } => {
            let v = Some(saml_instant(now + Duration::seconds(i64::from(secs))));
            if let Some(a) = plan.assertion.as_mut() {
                a.not_on_or_after = v.clone();
                a.confirmation_not_on_or_after = v;
            }
        }
        Legal::NotBefore { secs } => {
            if let Some(a) = plan.assertion.as_mut() {
                a.not_before = Some(saml_instant(now - Duration::seconds(i64::from(secs))));
            }
        }
        Legal::Prefixes | Legal::Whitespace { .. } => {}
    }
}

fn apply_broken(plan: &mut ResponsePlan, broken: Broken, now: OffsetDateTime) {
    match broken {
        Broken::Expired { minutes } => {
            if let Some(a) = plan.assertion.as_mut() {
                a.not_on_or_after = Some(saml_instant(now - Duration::minutes(i64::from(minutes))));
            }
        }
        Broken::FutureIssueInstant { minutes } => {
            plan.issue_instant = Some(saml_instant(now + Duration::minutes(i64::from(minutes))));
        }
    }
}

/// Other prefixes for the assertion and protocol namespaces (the documents stay equivalent).
fn other_prefixes(xml: &str) -> String {
    xml.replace("<saml:", "<saml2:")
        .replace("</saml:", "</saml2:")
        .replace("xmlns:saml=", "xmlns:saml2=")
        .replace("<samlp:", "<sp:")
        .replace("</samlp:", "</sp:")
        .replace("xmlns:samlp=", "xmlns:sp=")
}

/// A line break and `indent` spaces before every start tag that follows another tag (never
/// inside text: a value is never next to a tag on both sides of the inserted whitespace).
fn indented(xml: &str, indent: u8) -> String {
    let pad = format!(">\n{}<", " ".repeat(usize::from(indent)));
    let mut out = String::with_capacity(xml.len() + xml.len() / 8);
    let mut rest = xml;
    while let Some(i) = rest.find("><") {
        let next = rest.as_bytes().get(i + 2).copied();
        out.push_str(&rest[..i]);
        if matches!(next, Some(b'/') | Some(b'!') | Some(b'?')) {
            out.push_str("><");
        } else {
            out.push_str(&pad);
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

/// The signed Response XML of `combo` answering `request` (captured at `captured`).
pub fn response_xml(
    target: &Target,
    request: &ValidatedRequest,
    combo: &Combination,
    captured: OffsetDateTime,
    ids: &IdGenerator,
) -> Result<String, CaseError> {
    let now = OffsetDateTime::now_utc();
    let mut plan = target.correct_plan(request, ids, now);
    let ctx = target.ctx(request, now, ids);
    let breaks = |c: &Change| {
        matches!(
            c.effect(combo.level, combo.comparison),
            Effect::Breaks { .. }
        )
    };
    // 1. The level, then legal plan variations, then keeping cases, then breaking ones.
    for c in &combo.changes {
        if let Change::Level { level } = c {
            if let Some(Mutation::Plan(f)) = level_mutation(*level) {
                f(&mut plan, &ctx);
            }
        }
    }
    for c in &combo.changes {
        if let Change::Legal(l) = c {
            apply_legal(&mut plan, *l, captured, now);
        }
    }
    let case_plans = |plan: &mut ResponsePlan, breaking: bool| {
        for c in &combo.changes {
            if breaks(c) != breaking {
                continue;
            }
            if let Some(Mutation::Plan(f)) = c.case().map(|k| k.mutation) {
                f(plan, &ctx);
            }
            if let Change::Broken(b) = c {
                apply_broken(plan, *b, now);
            }
        }
    };
    case_plans(&mut plan, false);
    case_plans(&mut plan, true);
    // 2. Signing: a case-specific signer, or the plan's XML edited then signed as planned.
    let signer = combo.changes.iter().find_map(|c| match c.case()?.mutation {
        Mutation::Sign(f) => Some(f),
        _ => None,
    });
    let mut xml = match signer {
        Some(f) => f(&plan, &ctx)?,
        None => {
            let mut xml = sign::unsigned(&plan).to_xml();
            for c in &combo.changes {
                if let Some(Mutation::Unsigned(f)) = c.case().map(|k| k.mutation) {
                    xml = f(xml, &ctx);
                }
            }
            for c in &combo.changes {
                match c {
                    Change::Legal(Legal::Whitespace { indent }) => xml = indented(&xml, *indent),
                    Change::Legal(Legal::Prefixes) => xml = other_prefixes(&xml),
                    _ => {}
                }
            }
            sign::sign_xml_as_plan(xml, &plan, &target.idp.key, &target.idp.key)?
        }
    };
    // 3. Edits of the signed XML.
    for c in &combo.changes {
        if let Some(Mutation::Xml(f)) = c.case().map(|k| k.mutation) {
            xml = f(xml, &ctx);
        }
    }
    Ok(xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_never_touches_text() {
        let x = "<a><b>t</b><c></c></a>";
        assert_eq!(indented(x, 2), "<a>\n  <b>t</b>\n  <c></c></a>");
    }

    #[test]
    fn prefixes_are_renamed_with_their_declarations() {
        let x = "<samlp:R xmlns:samlp=\"p\" xmlns:saml=\"a\"><saml:I>x</saml:I></samlp:R>";
        assert_eq!(
            other_prefixes(x),
            "<sp:R xmlns:sp=\"p\" xmlns:saml2=\"a\"><saml2:I>x</saml2:I></sp:R>"
        );
    }

    #[test]
    fn every_level_has_a_catalogue_mutation() {
        for l in Level::ALL {
            assert!(matches!(level_mutation(l), Some(Mutation::Plan(_))));
        }
    }
}
