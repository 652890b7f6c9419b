//! The CNS check family: a service's own CNS endpoint must accept the valid card, read the
//! codice fiscale from it, and refuse every bad variant of the test PKI (expired, not yet valid,
//! revoked, unknown CA, no codice fiscale, "CNS-like" without the policy) and a handshake without
//! a certificate. The variants and what a careful service does with each are data
//! (`fixtures/cns/pki.toml`); each check is a report [`Entry`] of family `cns`.

use crate::cns_login::{present, CnsOutcome, CnsTarget};
use crate::oracle::Verdict;
use crate::report::{Entry, Severity};
use mock_idps::cns::pki::{Expect, Layer};
use mock_idps::cns::CnsPki;

/// Rule of the variant checks.
const RULE_VARIANT: &str =
    "italia/cie-cns-apache-docker (CNS relying-service pattern: mutual TLS, SSL_CLIENT_VERIFY)";

fn verdict(outcome: &CnsOutcome, rule: &str) -> Verdict {
    Verdict {
        accepted: outcome.accepted(),
        rule: rule.to_string(),
        reason: outcome.evidence(),
        evidence: vec![outcome.evidence()],
        spid_error: None,
    }
}

fn entry(
    id: String,
    title: String,
    outcome: &str,
    expected: String,
    rule: &str,
    severity: Severity,
) -> Entry {
    Entry {
        id,
        title,
        outcome: outcome.to_string(),
        expected,
        rule: Some(rule.to_string()),
        severity: Some(severity),
        family: Some("cns".to_string()),
        ..Entry::default()
    }
}

/// Runs every CNS check against `target` with the cards of fixture identity `holder`.
pub async fn run(target: &CnsTarget, pki: &CnsPki, holder: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for variant in &pki.table.variants {
        let severity = if variant.severity == "warning" {
            Severity::Warning
        } else {
            Severity::Error
        };
        let expected = match (variant.expect, variant.layer) {
            (Expect::Accept, _) => "accept".to_string(),
            (Expect::Refuse, Layer::Tls) => "refuse (tls)".to_string(),
            (Expect::Refuse, Layer::Application) => "refuse (application)".to_string(),
        };
        let mut e = entry(
            format!("cns/{}", variant.name),
            format!("card {}: {}", variant.name, variant.reason),
            &variant.name,
            expected,
            RULE_VARIANT,
            severity,
        );
        let Some(card) = pki.card(holder, &variant.name) else {
            e.error = Some(format!("no committed {} card for {holder}", variant.name));
            entries.push(e);
            continue;
        };
        let cred = format!("{}{}", card.cert_pem, card.key_pem);
        match present(target, Some(&cred)).await {
            Ok((outcome, took)) => {
                e.passed = outcome.accepted() == (variant.expect == Expect::Accept);
                e.millis = took.as_secs_f64() * 1000.0;
                e.sent = Some(outcome.evidence());
                e.verdict = Some(verdict(&outcome, RULE_VARIANT));
            }
            Err(err) => e.error = Some(crate::report::error_chain(&err)),
        }
        entries.push(e);
    }
    // The codice fiscale shown must be the card's (CN prefix, docs/rules/cns.md).
    let cf_rule =
        "italia/cie-cns-apache-docker (the codice fiscale read from the certificate subject)";
    let mut e = entry(
        "cns/fiscal-code-read".into(),
        "the valid card logs in as its codice fiscale".into(),
        "valid",
        "accept, showing the codice fiscale".into(),
        cf_rule,
        Severity::Error,
    );
    let user = mock_idps::fixtures::Fixtures::embedded()
        .ok()
        .and_then(|f| {
            f.user(holder)
                .and_then(|u| u.fiscal_code().map(str::to_string))
        });
    match (pki.card(holder, "valid"), user) {
        (Some(card), Some(cf)) => {
            let cred = format!("{}{}", card.cert_pem, card.key_pem);
            match present(target, Some(&cred)).await {
                Ok((outcome, took)) => {
                    e.millis = took.as_secs_f64() * 1000.0;
                    e.passed =
                        matches!(&outcome, CnsOutcome::Accepted { body, .. } if body.contains(&cf));
                    e.sent = Some(format!("{} (looking for {cf})", outcome.evidence()));
                    e.verdict = Some(verdict(&outcome, cf_rule));
                }
                Err(err) => e.error = Some(crate::report::error_chain(&err)),
            }
        }
        _ => e.error = Some(format!("{holder} has no valid card or no codice fiscale")),
    }
    entries.push(e);
    // No certificate at all.
    let mut e = entry(
        "cns/no-certificate".into(),
        "a handshake without a client certificate is refused".into(),
        "none",
        "refuse".into(),
        "italia/cie-cns-apache-docker (SSL_CLIENT_VERIFY must be SUCCESS)",
        Severity::Error,
    );
    match present(target, None).await {
        Ok((outcome, took)) => {
            e.millis = took.as_secs_f64() * 1000.0;
            e.passed = !outcome.accepted();
            e.sent = Some(outcome.evidence());
            e.verdict = Some(verdict(&outcome, "no-certificate"));
        }
        Err(err) => e.error = Some(crate::report::error_chain(&err)),
    }
    entries.push(e);
    entries
}
