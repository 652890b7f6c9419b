//! Decides whether the service accepted or refused a login, and says why with the evidence.
//!
//! The rule is configurable: a probe of a protected page after the login (the default when one is
//! given), the final status, the final URL, a cookie set after the ACS, or a body pattern. Without
//! any, a login counts only if the ACS answered with a redirect or a new cookie and the final page
//! is not an error: a friendly error page served with 200 is never mistaken for a login.

use crate::browser::{Browser, FinalPage, HopKind, Trace};
use mock_idps::SpidCode;
use serde::Serialize;

/// How the oracle decides.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OracleConfig {
    /// GET this URL with the browser's cookies after the login: 2xx means logged in.
    pub probe_url: Option<String>,
    /// Accepted only if the final status is one of these.
    pub final_status: Option<Vec<u16>>,
    /// Accepted only if the final URL contains this text.
    pub final_url: Option<String>,
    /// Accepted only if a cookie with this name was set by the ACS or after it.
    pub cookie: Option<String>,
    /// Accepted only if the final body contains this text.
    pub body: Option<String>,
}

/// The oracle's decision.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Whether the service logged the user in.
    pub accepted: bool,
    /// The rule that decided (`probe`, `final-status`, `default`…).
    pub rule: String,
    /// Why, in one sentence.
    pub reason: String,
    /// What was seen.
    pub evidence: Vec<String>,
    /// The SPID error code shown by the service, if any (serialized `"nr22"`).
    pub spid_error: Option<SpidCode>,
}

/// How the SPID code a page shows was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeSource {
    /// `ErrorCode nrNN` (the SAML StatusMessage) or `data-spid-error="nrNN"`.
    StatusMessage,
    /// The code number shown in words such as "Anomalia nr 19", "codice errore 22".
    Number,
    /// An official user message of the SPID anomaly table.
    AnomalyText,
}

impl CodeSource {
    fn describe(self) -> &'static str {
        match self {
            CodeSource::StatusMessage => "its ErrorCode nrNN",
            CodeSource::Number => "the code number it shows",
            CodeSource::AnomalyText => "the official SPID anomaly message it shows",
        }
    }
}

/// One row of `fixtures/spid-anomaly-messages.toml`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnomalyRow {
    code: u8,
    texts: Vec<String>,
    phrases: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnomalyTable {
    #[allow(dead_code)]
    source: String,
    anomaly: Vec<AnomalyRow>,
}

/// The SPID anomaly table (user messages by code), embedded from
/// `fixtures/spid-anomaly-messages.toml`.
fn anomaly_table() -> &'static [AnomalyRow] {
    static TABLE: std::sync::LazyLock<Vec<AnomalyRow>> = std::sync::LazyLock::new(|| {
        toml::from_str::<AnomalyTable>(include_str!("../../fixtures/spid-anomaly-messages.toml"))
            .map(|t| t.anomaly)
            // The file is part of the build and a unit test parses it: an empty table here
            // only means no text is recognised.
            .unwrap_or_default()
    });
    &TABLE
}

/// The official texts of the anomaly `code` (for fakes and hints).
pub fn anomaly_texts(code: u8) -> Vec<&'static str> {
    anomaly_table()
        .iter()
        .filter(|r| r.code == code)
        .flat_map(|r| r.texts.iter().map(String::as_str))
        .collect()
}

fn normalise(text: &str) -> String {
    let text = text.replace(['\u{2019}', '\u{2018}', '`'], "'");
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Finds a SPID error code on a page, and how: `ErrorCode nrNN` / `data-spid-error="nrNN"`,
/// the code number shown ("Anomalia nr 19", "codice di errore: 22", "errore n. 20"), or an
/// official user message of the anomaly table.
pub fn find_spid_code(body: &str) -> Option<(SpidCode, CodeSource)> {
    for marker in ["ErrorCode nr", "data-spid-error=\"nr"] {
        if let Some(i) = body.find(marker) {
            let digits: String = body[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .take(2)
                .collect();
            // A number the rules do not define is no code: read on.
            if let Some(code) = (digits.len() == 2)
                .then(|| digits.parse().ok())
                .flatten()
                .and_then(SpidCode::new)
            {
                return Some((code, CodeSource::StatusMessage));
            }
        }
    }
    static NUMBER: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:error\s*code|codice(?:\s+di)?\s+errore|errore|anomalia)\s*(?:n(?:r|umero)?\.?\s*)?[:#]?\s*0?([0-9]{1,2})\b",
        )
        .ok()
    });
    if let Some(re) = NUMBER.as_ref() {
        for c in re.captures_iter(body) {
            if let Some(n) = c.get(1).and_then(|m| m.as_str().parse::<u8>().ok()) {
                if let Some(code) = SpidCode::new(n) {
                    return Some((code, CodeSource::Number));
                }
            }
        }
    }
    // The table's phrases, normalised once (not on every page).
    static PHRASES: std::sync::LazyLock<Vec<(u8, Vec<String>)>> = std::sync::LazyLock::new(|| {
        anomaly_table()
            .iter()
            .map(|row| (row.code, row.phrases.iter().map(|p| normalise(p)).collect()))
            .collect()
    });
    let page = normalise(body);
    PHRASES.iter().find_map(|(code, phrases)| {
        phrases
            .iter()
            .any(|p| page.contains(p.as_str()))
            .then_some(SpidCode::new(*code))
            .flatten()
            .map(|code| (code, CodeSource::AnomalyText))
    })
}

/// Finds a SPID error code on a page (see [`find_spid_code`]).
pub fn spid_error_code(body: &str) -> Option<SpidCode> {
    find_spid_code(body).map(|(code, _)| code)
}

/// The verdict rule when the protected page decided: the page answers 2xx only inside a session
/// (the oracle's own convention, this file; `--probe-url`).
pub const RULE_PROBE: &str =
    "probe (harness/src/oracle.rs: --probe-url answers 2xx only with a session)";
/// The verdict rule when the final page's status decided (`--final-status`).
pub const RULE_FINAL_STATUS: &str =
    "final-status (harness/src/oracle.rs: the final page's status is one of --final-status)";

/// Judges a finished drive: the probe decides when configured, else the explicit rules, else the
/// default reading of the final page.
pub async fn judge(config: &OracleConfig, browser: &Browser, trace: &mut Trace) -> Verdict {
    let found = find_spid_code(&trace.last.body);
    let spid_error = found.as_ref().map(|(code, _)| *code);
    let mut evidence = final_page_evidence(&trace.last);
    if let Some((code, how)) = &found {
        evidence.push(format!(
            "the page shows SPID error {code} (read from {})",
            how.describe()
        ));
    }
    let (accepted, rule, reason) = if let Some(url) = &config.probe_url {
        probe_outcome(url, browser, trace, &mut evidence).await
    } else if let Some(outcome) = explicit_outcome(config, &trace.last) {
        outcome
    } else {
        default_outcome(&trace.last, spid_error.as_ref())
    };
    Verdict {
        accepted,
        rule,
        reason,
        evidence,
        spid_error,
    }
}

/// What a verdict decides: accepted, the rule that decided, and why.
type Outcome = (bool, String, String);

/// The evidence every verdict carries: where the drive ended and what the ACS did.
fn final_page_evidence(last: &FinalPage) -> Vec<String> {
    vec![
        format!("final page {} {}", last.status, last.url),
        format!(
            "SAMLResponse posted to the ACS: {}",
            if last.reached_acs { "yes" } else { "no" }
        ),
        format!("ACS answered with a redirect: {}", last.acs_redirected),
        format!("cookies set from the ACS on: {:?}", last.cookies_after_acs),
    ]
}

/// The probe's verdict on the protected page's status (2xx: a session).
fn probe_status_outcome(url: &str, status: u16) -> Outcome {
    let ok = (200..300).contains(&status);
    let reason = if ok {
        format!("the protected page {url} answered {status} after the login")
    } else {
        format!("the protected page {url} answered {status}: no session")
    };
    (ok, RULE_PROBE.to_string(), reason)
}

/// Decides by the protected page (`--probe-url`).
async fn probe_outcome(
    url: &str,
    browser: &Browser,
    trace: &mut Trace,
    evidence: &mut Vec<String>,
) -> Outcome {
    // The ACS redirected the browser straight to the protected page: that GET, made with
    // the session the ACS set, is the probe (one request fewer per case).
    let last = &trace.last;
    let landed = trace.hops.last().filter(|h| {
        last.acs_redirected && h.kind == HopKind::Redirect && h.method == "GET" && h.url == url
    });
    if let Some(hop) = landed {
        let status = hop.status;
        evidence.push(format!(
            "the ACS redirected to the protected page {url}, which answered {status} (taken as the probe)"
        ));
        return probe_status_outcome(url, status);
    }
    match browser.get(url, HopKind::Probe).await {
        Ok((hop, _, _)) => {
            let status = hop.status;
            trace.hops.push(hop);
            evidence.push(format!("probe GET {url} answered {status}"));
            probe_status_outcome(url, status)
        }
        Err(e) => (
            false,
            RULE_PROBE.to_string(),
            format!("the probe failed: {e}"),
        ),
    }
}

/// Decides by the rules the user configured (`--final-status`, `--final-url`, `--cookie`,
/// `--body`), all of which must hold; `None` when none is configured.
fn explicit_outcome(config: &OracleConfig, last: &FinalPage) -> Option<Outcome> {
    let explicit = [
        config.final_status.as_ref().map(|s| {
            (
                RULE_FINAL_STATUS,
                s.contains(&last.status),
                format!("final status {} in {s:?}", last.status),
            )
        }),
        config.final_url.as_ref().map(|p| {
            (
                "final-url",
                last.url.contains(p.as_str()),
                format!("final URL contains {p:?}"),
            )
        }),
        config.cookie.as_ref().map(|c| {
            (
                "cookie",
                last.cookies_after_acs.iter().any(|n| n == c),
                format!("cookie {c:?} set after the ACS"),
            )
        }),
        config.body.as_ref().map(|b| {
            (
                "body",
                last.body.contains(b.as_str()),
                format!("final body contains {b:?}"),
            )
        }),
    ];
    let explicit: Vec<_> = explicit.into_iter().flatten().collect();
    if explicit.is_empty() {
        return None;
    }
    let failed: Vec<_> = explicit
        .iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(_, _, what)| what.clone())
        .collect();
    let rules = explicit
        .iter()
        .map(|(n, _, _)| *n)
        .collect::<Vec<_>>()
        .join("+");
    Some(if failed.is_empty() {
        (true, rules, "every configured rule held".into())
    } else {
        (false, rules, format!("not met: {}", failed.join("; ")))
    })
}

/// The default reading of the final page when no rule is configured.
fn default_outcome(last: &FinalPage, spid_error: Option<&SpidCode>) -> Outcome {
    let (accepted, reason) = if !last.reached_acs {
        (
            false,
            "no SAMLResponse reached the service (the IdP ended the login)".to_string(),
        )
    } else if last.status >= 400 {
        (
            false,
            format!("the service answered {} at the end", last.status),
        )
    } else if let Some(code) = spid_error {
        (false, format!("the service shows SPID error {code}"))
    } else if last.acs_redirected || !last.cookies_after_acs.is_empty() {
        (
            true,
            "the ACS redirected or set a session cookie, and the final page is not an error".into(),
        )
    } else {
        (
            false,
            "the ACS answered a page without a redirect or a session cookie: treated as a refusal (configure --probe-url to decide by a protected page)".into(),
        )
    };
    (accepted, "default".to_string(), reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_found() {
        assert_eq!(
            spid_error_code("<p>ErrorCode nr22</p>").map(|c| c.to_string()),
            Some("nr22".into())
        );
        assert_eq!(
            spid_error_code("<p data-spid-error=\"nr19\">").map(|c| c.to_string()),
            Some("nr19".into())
        );
        assert_eq!(spid_error_code("<p>Benvenuto</p>"), None);
        // A number the rules do not define is no code.
        assert_eq!(spid_error_code("<p>ErrorCode nr27</p>"), None);
    }

    fn landed_on(url: &str, status: u16) -> Trace {
        use crate::browser::{FinalPage, Hop};
        let hop = |kind, method: &str, url: &str, status| Hop {
            kind,
            method: method.into(),
            url: url.into(),
            status,
            millis: 0.0,
        };
        Trace {
            hops: vec![
                hop(HopKind::SamlResponse, "POST", "http://sp/acs", 302),
                hop(HopKind::Redirect, "GET", url, status),
            ],
            last: FinalPage {
                url: url.into(),
                status,
                body: String::new(),
                cookies_after_acs: vec!["sid".into()],
                acs_redirected: true,
                reached_acs: true,
            },
            saml_response: None,
        }
    }

    #[tokio::test]
    async fn the_acs_redirect_to_the_protected_page_is_the_probe() {
        // The probe URL is on a closed port: any further request would fail the verdict, so a
        // right verdict proves no second request was made.
        let probe = "http://127.0.0.1:9/me";
        let config = OracleConfig {
            probe_url: Some(probe.into()),
            ..OracleConfig::default()
        };
        let browser = Browser::new(std::time::Duration::from_secs(2)).unwrap();
        for (status, accepted) in [(200, true), (401, false)] {
            let mut trace = landed_on(probe, status);
            let v = judge(&config, &browser, &mut trace).await;
            assert_eq!(
                (v.accepted, v.rule.as_str()),
                (accepted, RULE_PROBE),
                "{v:?}"
            );
            assert_eq!(trace.hops.len(), 2, "no probe request added");
        }
        // Landing elsewhere: the probe is sent (and here fails: refused, never accepted).
        let mut trace = landed_on("http://127.0.0.1:9/home", 200);
        let v = judge(&config, &browser, &mut trace).await;
        assert!(!v.accepted, "{v:?}");
    }

    #[test]
    fn the_anomaly_table_parses_and_covers_the_user_anomalies() {
        for code in [19, 20, 21, 22, 23, 25, 30] {
            assert!(!anomaly_texts(code).is_empty(), "nr{code} has no text");
        }
    }

    #[test]
    fn codes_are_read_from_numbers_and_official_texts() {
        let cases = [
            (
                "<h1>Accesso negato</h1><p>Anomalia nr 19</p>",
                Some(("nr19", CodeSource::Number)),
            ),
            (
                "<p>Codice di errore: 22</p>",
                Some(("nr22", CodeSource::Number)),
            ),
            ("<p>(Anomalia 20)</p>", Some(("nr20", CodeSource::Number))),
            (
                "<p>Processo di autenticazione annullato dall\u{2019}utente</p>",
                Some(("nr25", CodeSource::AnomalyText)),
            ),
            (
                "<p>Utente privo di   credenziali compatibili con il livello richiesto</p>",
                Some(("nr20", CodeSource::AnomalyText)),
            ),
            (
                "<p>Timeout durante l'autenticazione utente</p>",
                Some(("nr21", CodeSource::AnomalyText)),
            ),
            ("<p>Benvenuto, hai 19 messaggi</p>", None),
            ("<p>Errore 404</p>", None),
            ("<p>Livello SPID 2 richiesto</p>", None),
        ];
        for (page, want) in cases {
            let got = find_spid_code(page);
            let got = got.map(|(c, h)| (c.to_string(), h));
            let want = want.map(|(c, h)| (c.to_string(), h));
            assert_eq!(got, want, "{page}");
        }
        // Every official text is recognised as its own code.
        for code in [19, 20, 21, 22, 23, 25, 30] {
            for text in anomaly_texts(code) {
                if text == "Dare consenso" || text == "Inserire credenziali corrette" {
                    continue; // guidance too generic to name a code on its own
                }
                assert_eq!(
                    spid_error_code(&format!("<p>{text}</p>")).map(|c| c.nr()),
                    Some(code),
                    "{text}"
                );
            }
        }
    }
}
