//! One login through a service, as a plan: where it starts, how the user behaves at the mock
//! identity provider (through its real pages, or scripted through its admin API for outcomes no
//! page can produce), what the service should do, and what it did.

use crate::browser::{Browser, BrowserError, IdpScript};
use crate::oracle::{judge, OracleConfig};
use crate::report::{Entry, Severity};
use mock_idps::fixtures::Fixtures;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use mock_idps::spid::state::MockState;
use mock_idps::SpidCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the service should do with the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// Log the user in.
    Accept,
    /// Refuse, showing this SPID error code if given.
    Refuse(Option<SpidCode>),
}

impl Expectation {
    /// The expectation for an outcome: success is accepted, the rest refused with their code.
    pub fn for_outcome(outcome: Outcome) -> Self {
        match outcome.error_code() {
            None => Expectation::Accept,
            Some(nr) => Expectation::Refuse(Some(nr)),
        }
    }

    fn describe(self) -> String {
        match self {
            Expectation::Accept => "accept".into(),
            Expectation::Refuse(Some(code)) => format!("refuse {code}"),
            Expectation::Refuse(None) => "refuse".into(),
        }
    }
}

/// One login to run.
#[derive(Debug, Clone)]
pub struct LoginPlan {
    /// Stable id for reports.
    pub id: String,
    /// One line.
    pub title: String,
    /// Provider id at the mocks.
    pub provider: String,
    /// Level requested by the service.
    pub level: Level,
    /// The user.
    pub user: String,
    /// How the login ends at the IdP.
    pub outcome: Outcome,
    /// The service URL that starts the login.
    pub start_url: String,
    /// What should happen.
    pub expected: Expectation,
}

/// Where to script logins the pages cannot produce.
#[derive(Debug, Clone)]
pub enum MockAdmin {
    /// Mocks running in this process.
    InProcess(Arc<MockState>),
    /// Mocks served elsewhere (`spid-harness serve`), by their admin URL.
    Http {
        /// `http://127.0.0.1:7000/admin`.
        admin_url: String,
        /// The token of `serve --admin-token`, when set.
        admin_token: Option<String>,
    },
}

/// Why a login could not be scripted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The admin API refused or was unreachable.
    #[error("scripting the login at {url} failed")]
    Script {
        /// The admin URL (or "in-process mocks").
        url: String,
        /// What happened.
        #[source]
        source: ScriptError,
    },
    /// The user is not in the fixtures.
    #[error("unknown user {0:?}: see fixtures/users.toml")]
    UnknownUser(String),
    /// The drive failed.
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// Why the mocks did not take a scripted login.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The in-process mocks refused it (queue full, or an outcome the provider has no code for).
    #[error(transparent)]
    InProcess(#[from] mock_idps::spid::state::ScriptRefused),
    /// The admin API could not be reached.
    #[error("the admin API could not be reached")]
    Http(#[source] reqwest::Error),
    /// The admin API answered with an error.
    #[error("the admin API answered {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// What it said (its first 500 characters).
        body: String,
    },
}

impl MockAdmin {
    async fn push(&self, script: ScriptedLogin) -> Result<(), LoginError> {
        match self {
            MockAdmin::InProcess(state) => {
                state.push_script(script).map_err(|e| LoginError::Script {
                    url: "in-process mocks".into(),
                    source: e.into(),
                })
            }
            MockAdmin::Http {
                admin_url,
                admin_token,
            } => {
                let url = format!("{admin_url}/next-login");
                let err = |source: ScriptError| LoginError::Script {
                    url: url.clone(),
                    source,
                };
                let mut post = reqwest::Client::new().post(&url).json(&script);
                if let Some(token) = admin_token {
                    post = post.header(mock_idps::admin::TOKEN_HEADER, token);
                }
                let resp = post.send().await.map_err(|e| err(ScriptError::Http(e)))?;
                if resp.status().is_success() {
                    Ok(())
                } else {
                    let status = resp.status().as_u16();
                    let body = resp.text().await.unwrap_or_default();
                    let body = body.chars().take(500).collect();
                    Err(err(ScriptError::Refused { status, body }))
                }
            }
        }
    }
}

/// Runs one login with a fresh browser and judges it.
pub async fn run(
    plan: &LoginPlan,
    admin: &MockAdmin,
    fixtures: &Fixtures,
    oracle: &OracleConfig,
    timeout: Duration,
) -> Entry {
    let started = Instant::now();
    let mut entry = Entry {
        id: plan.id.clone(),
        title: plan.title.clone(),
        provider: Some(plan.provider.clone()),
        level: Some(plan.level.number()),
        outcome: serde_json::to_value(plan.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        expected: plan.expected.describe(),
        passed: false,
        verdict: None,
        error: None,
        family: Some("login".into()),
        severity: Some(Severity::Error),
        ..Entry::default()
    };
    match drive(plan, admin, fixtures, oracle, timeout).await {
        Ok((mut verdict, hops)) => {
            entry.passed = match plan.expected {
                Expectation::Accept => verdict.accepted,
                Expectation::Refuse(None) => !verdict.accepted,
                Expectation::Refuse(Some(want)) => {
                    match verdict.spid_error {
                        _ if verdict.accepted => false,
                        Some(shown) => shown == want,
                        // Refused by the oracle rule; the page names no code. The SPID rules ask
                        // for a courtesy page giving the reasons, not for the code itself.
                        None => {
                            verdict.evidence.push(format!(
                                "refused, code not shown: the page names neither ErrorCode {want}, nor the code number, nor the official anomaly message (fixtures/spid-anomaly-messages.toml)"
                            ));
                            true
                        }
                    }
                }
            };
            if !entry.passed {
                entry.error = None;
                verdict
                    .evidence
                    .push(hint(plan, &verdict, fixtures).unwrap_or_default());
                verdict.evidence.retain(|e| !e.is_empty());
            }
            entry.verdict = Some(verdict);
            entry.hops = hops;
        }
        Err(e) => entry.error = Some(crate::report::error_chain(&e)),
    }
    entry.millis = started.elapsed().as_secs_f64() * 1000.0;
    entry
}

/// What went wrong in words: what was asked, what was seen, which rule applies, and for a
/// login that needs a level the user does not hold, a fixture user who holds it.
fn hint(plan: &LoginPlan, verdict: &crate::oracle::Verdict, fixtures: &Fixtures) -> Option<String> {
    let seen = format!(
        "seen: {} ({})",
        if verdict.accepted {
            "logged in"
        } else {
            "not logged in"
        },
        verdict.reason
    );
    match plan.expected {
        Expectation::Accept => {
            let user = fixtures.user(&plan.user)?;
            let holds = user.max_level;
            if holds < plan.level {
                let better = fixtures
                    .users
                    .iter()
                    .find(|u| {
                        u.max_level >= plan.level
                            && u.status == mock_idps::spid::identity::IdentityStatus::Active
                            && u.kind == user.kind
                    })
                    .map(|u| format!("; try --user {} (holds {})", u.username, u.max_level))
                    .unwrap_or_default();
                Some(format!(
                    "sent: a login at {} for {}; {seen}; the user {} holds {holds} at most, so the provider answers ErrorCode nr20 (Regole tecniche SPID, Messaggi di errore: \"Utente privo di credenziali compatibili con il livello richiesto\"){better}",
                    plan.level, plan.user, plan.user
                ))
            } else {
                Some(format!(
                    "sent: a successful login at {} for {}; {seen}; rule: the service must log in a user the IdP authenticated at the level asked or higher (docs/rules/sp-obligations.md SP-LEVEL)",
                    plan.level, plan.user
                ))
            }
        }
        Expectation::Refuse(code) => Some(format!(
            "sent: a login ending in {}; {seen}; rule: after a SPID anomaly the service shows a courtesy page with the reasons and logs nobody in (Regole tecniche SPID, Messaggi di errore, \"Troubleshooting SP\"; docs/rules/sp-obligations.md SP-ANOMALY)",
            code.map_or("an error".to_string(), |code| format!("ErrorCode {code}"))
        )),
    }
}

async fn drive(
    plan: &LoginPlan,
    admin: &MockAdmin,
    fixtures: &Fixtures,
    oracle: &OracleConfig,
    timeout: Duration,
) -> Result<(crate::oracle::Verdict, Vec<crate::browser::Hop>), LoginError> {
    let user = fixtures
        .user(&plan.user)
        .ok_or_else(|| LoginError::UnknownUser(plan.user.clone()))?;
    let mut script = IdpScript {
        username: user.username.clone(),
        password: user.password.clone(),
        device_pin: user.device_pin.clone(),
        ..IdpScript::default()
    };
    match plan.outcome {
        Outcome::Success => {}
        Outcome::WrongCredentials => script.wrong_passwords = 3,
        Outcome::Cancel => script.cancel = true,
        Outcome::ConsentDenied => script.deny_consent = true,
        // No page produces these on demand: script the provider.
        Outcome::NoLevel | Outcome::Timeout | Outcome::Suspended | Outcome::PurposeMismatch => {
            admin
                .push(ScriptedLogin {
                    provider: Some(plan.provider.clone()),
                    user: plan.user.clone(),
                    level: None,
                    outcome: plan.outcome,
                })
                .await?
        }
    }
    let browser = Browser::new(timeout)?;
    let mut trace = browser.drive(&plan.start_url, &script).await?;
    let verdict = judge(oracle, &browser, &mut trace).await;
    Ok((verdict, trace.hops))
}
