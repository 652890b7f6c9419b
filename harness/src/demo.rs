//! `spid-harness demo`: the whole product in one command. Starts every mock provider, the
//! reference service provider and the reference OIDC relying party (on-boarded to the local
//! federation) in-process on loopback, logs in through every provider at every level it offers
//! and through every user anomaly, over SAML and over OpenID Connect, prints a table, and writes
//! the reports.

use crate::login::{run, Expectation, LoginPlan, MockAdmin};
use crate::oracle::OracleConfig;
use crate::report::RunReport;
use mock_idps::federation::{FederationConfig, FederationError, MockFederation};
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use reference_sp::{ReferenceSp, SpConfig};
use std::time::{Duration, Instant};

/// Settings of a demo run.
#[derive(Debug, Clone, Default)]
pub struct DemoConfig {
    /// Reference-SP checks to switch off (a mutant SP).
    pub faults: reference_sp::faults::Faults,
    /// Seed for the providers' IDs and codes.
    pub seed: Option<u64>,
}

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The mock providers did not start.
    #[error("starting the mock providers")]
    Federation(#[from] FederationError),
    /// The reference SP did not start.
    #[error("starting the reference SP")]
    ReferenceSp(#[source] reference_sp::SpError),
    /// The mocks refused the reference SP's metadata.
    #[error("registering the reference SP's metadata")]
    Register(#[source] mock_idps::saml::sp_metadata::SpMetadataError),
    /// The reference OIDC relying party did not start (or the federation refused it).
    #[error("starting the reference OIDC relying party")]
    ReferenceRp(#[source] reference_rp::app::AppError),
}

/// The family of the OpenID Connect logins in the report.
pub const OIDC_FAMILY: &str = "oidc-login";

/// The user who holds exactly `level` in fixtures/users.toml.
pub fn user_for(level: Level) -> &'static str {
    match level {
        Level::L1 => "luca.ferrari",
        Level::L2 => "mario.rossi",
        Level::L3 => "francesca.romano",
    }
}

/// One user anomaly the demo provokes: its id, the code expected, how, as whom, at which level,
/// and a title.
type Anomaly = (&'static str, u8, Outcome, &'static str, Level, &'static str);

/// Every user anomaly, each at another provider, through the pages where a page can do it.
const ANOMALIES: [Anomaly; 8] = [
    (
        "nr19",
        19,
        Outcome::WrongCredentials,
        "mario.rossi",
        Level::L2,
        "three wrong passwords",
    ),
    (
        "nr20",
        20,
        Outcome::Success,
        "luca.ferrari",
        Level::L2,
        "an L1-only user asked for L2",
    ),
    (
        "nr21",
        21,
        Outcome::Timeout,
        "mario.rossi",
        Level::L2,
        "the user never finishes (scripted)",
    ),
    (
        "nr22",
        22,
        Outcome::ConsentDenied,
        "mario.rossi",
        Level::L1,
        "consent denied on the consent page",
    ),
    (
        "nr23",
        23,
        Outcome::Success,
        "stefano.conti",
        Level::L2,
        "a suspended identity",
    ),
    (
        "nr23-revoked",
        23,
        Outcome::Success,
        "chiara.marino",
        Level::L1,
        "a revoked identity",
    ),
    (
        "nr25",
        25,
        Outcome::Cancel,
        "mario.rossi",
        Level::L2,
        "the user cancels on the login page",
    ),
    (
        "nr30",
        30,
        Outcome::PurposeMismatch,
        "mario.rossi",
        Level::L2,
        "identity not of the requested kind (scripted)",
    ),
];

/// The reference SP's login URL for a provider, level and binding.
fn start_url(
    fed: &MockFederation,
    sp: &reference_sp::SpUrls,
    provider: &str,
    level: Level,
    binding: &str,
) -> String {
    let entity = &fed.urls().providers[provider].entity_id;
    format!(
        "{}?idp={}&level={}&comparison=minimum&binding={binding}",
        sp.login,
        mock_idps::saml::binding::url_encode(entity),
        level.number()
    )
}

/// A successful login through every provider at every level it offers, the bindings alternating.
fn success_plans(fed: &MockFederation, sp: &reference_sp::SpUrls) -> Vec<LoginPlan> {
    let mut plans = Vec::new();
    for (i, p) in fed.state().fixtures.providers.iter().enumerate() {
        for level in Level::ALL.into_iter().filter(|l| *l <= p.max_level) {
            let binding = if (i + level.number() as usize).is_multiple_of(2) {
                "redirect"
            } else {
                "post"
            };
            plans.push(LoginPlan {
                id: format!("login/{}/{level}", p.id),
                title: format!(
                    "{} at {level}, {binding} binding, {}",
                    p.name,
                    user_for(level)
                ),
                provider: p.id.clone(),
                level,
                user: user_for(level).into(),
                outcome: Outcome::Success,
                start_url: start_url(fed, sp, &p.id, level, binding),
                expected: Expectation::Accept,
            });
        }
    }
    plans
}

/// Every anomaly of [`ANOMALIES`], each at another provider, expecting its code.
fn anomaly_plans(fed: &MockFederation, sp: &reference_sp::SpUrls) -> Vec<LoginPlan> {
    let providers = &fed.state().fixtures.providers;
    ANOMALIES
        .iter()
        .enumerate()
        .map(|(i, &(id, code, outcome, user, level, title))| {
            let provider = providers[(i * 5 + 1) % providers.len()].id.clone();
            LoginPlan {
                id: format!("anomaly/{id}"),
                title: format!("{title} at {provider}"),
                start_url: start_url(fed, sp, &provider, level, "redirect"),
                provider,
                level,
                user: user.into(),
                outcome,
                expected: Expectation::Refuse(mock_idps::SpidCode::new(code)),
            }
        })
        .collect()
}

/// The reference RP's login URL for an OP and level.
fn rp_start_url(rp: &str, op: &str, level: Level) -> String {
    format!("{rp}/oidc/login?op={op}&level={}", level.number())
}

/// The code CIE gives for the SPID anomaly `code`, from the CIE profile's data
/// (`fixtures/profiles/cie.toml`: three wrong tries block the credential, nr23; nr20 and nr30
/// are no CIE codes, `None`).
fn cie_code(code: u8) -> Option<u8> {
    let outcome = match code {
        19 => Outcome::WrongCredentials,
        20 => Outcome::NoLevel,
        21 => Outcome::Timeout,
        22 => Outcome::ConsentDenied,
        23 => Outcome::Suspended,
        25 => Outcome::Cancel,
        30 => Outcome::PurposeMismatch,
        _ => return None,
    };
    mock_idps::profile::SamlProfile::cie().outcome_code(outcome)
}

/// One OIDC login of the demo; `scripted`: the OP is told to log the user in without its pages
/// (CIE at L3 reads the card on a simulated NFC page the harness's browser does not drive).
struct OidcPlan {
    plan: LoginPlan,
    scripted: bool,
}

/// A login through every OpenID Provider (every SPID provider, both CIE flavours) at every
/// level it offers, then every anomaly of [`ANOMALIES`] at a SPID OP and, where CIE has a code
/// for it, at CIE, all through the reference RP.
fn oidc_plans(fed: &MockFederation, rp: &str) -> Vec<OidcPlan> {
    let urls = fed.urls();
    let mut plans = Vec::new();
    for (id, op) in &urls.oidc {
        let cie = op.profile == "cie";
        for level in op.levels.iter().filter_map(|n| Level::try_from(*n).ok()) {
            // CIE logs in card holders: mario.rossi's card at L1 and L2, francesca.romano's at L3.
            let (user, scripted) = match (cie, level) {
                (true, Level::L3) => ("francesca.romano", true),
                (true, _) => ("mario.rossi", false),
                (false, _) => (user_for(level), false),
            };
            plans.push(OidcPlan {
                plan: LoginPlan {
                    id: format!("{OIDC_FAMILY}/{id}/{level}"),
                    title: format!(
                        "{} (OIDC) at {level}, {user}{}",
                        op.name,
                        if scripted {
                            " (card read scripted at the OP)"
                        } else {
                            ""
                        }
                    ),
                    provider: id.clone(),
                    level,
                    user: user.into(),
                    outcome: Outcome::Success,
                    start_url: rp_start_url(rp, id, level),
                    expected: Expectation::Accept,
                },
                scripted,
            });
        }
    }
    let spid: Vec<&String> = urls
        .oidc
        .iter()
        .filter(|(_, o)| o.profile != "cie")
        .map(|(id, _)| id)
        .collect();
    for (i, &(id, code, outcome, user, level, title)) in ANOMALIES.iter().enumerate() {
        let at_spid = spid[(i * 5 + 2) % spid.len()].clone();
        let mut at = vec![(at_spid, String::new(), code)];
        if let Some(cie) = cie_code(code) {
            at.push(("cie".to_string(), "/cie".into(), cie));
        }
        for (op, suffix, code) in at {
            plans.push(OidcPlan {
                plan: LoginPlan {
                    id: format!("{OIDC_FAMILY}/anomaly/{id}{suffix}"),
                    title: format!("{title} at {op} (OIDC)"),
                    start_url: rp_start_url(rp, &op, level),
                    provider: op,
                    level,
                    user: user.into(),
                    outcome,
                    expected: Expectation::Refuse(mock_idps::SpidCode::new(code)),
                },
                scripted: false,
            });
        }
    }
    plans
}

/// Starts the reference SP on loopback trusting every SPID provider of `fed`, with the switches
/// `faults` off, and registers its metadata with `fed`.
pub async fn reference_sp_on(
    fed: &MockFederation,
    faults: reference_sp::faults::Faults,
) -> Result<ReferenceSp, DemoError> {
    let sp = ReferenceSp::start(SpConfig {
        idp_metadata: vec![fed.state().registry_xml.clone()],
        faults,
        ..SpConfig::default()
    })
    .await
    .map_err(DemoError::ReferenceSp)?;
    fed.register_sp_metadata(sp.metadata_xml())
        .map_err(DemoError::Register)?;
    Ok(sp)
}

/// Runs the demo and returns its report.
pub async fn run_demo(config: DemoConfig) -> Result<RunReport, DemoError> {
    let began = time::OffsetDateTime::now_utc();
    let fed = MockFederation::start_with(FederationConfig {
        seed: config.seed,
        ..FederationConfig::default()
    })
    .await?;
    let sp = reference_sp_on(&fed, config.faults.clone()).await?;
    let rp = match reference_rp::app::start(reference_rp::app::AppConfig {
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        urls: fed.urls(),
        faults: reference_rp::Faults::none(),
        admin_token: None,
        clock: fed.state().clock.clone(),
    })
    .await
    {
        Ok(rp) => rp,
        Err(e) => {
            sp.shutdown().await;
            fed.shutdown().await;
            return Err(DemoError::ReferenceRp(e));
        }
    };
    let sp_urls = sp.urls();
    let mut plans = success_plans(&fed, &sp_urls);
    plans.extend(anomaly_plans(&fed, &sp_urls));
    let oidc = oidc_plans(&fed, &rp.base_url());
    let admin = MockAdmin::InProcess(fed.state().clone());
    let oracle = OracleConfig {
        probe_url: Some(sp_urls.me.clone()),
        ..OracleConfig::default()
    };
    let rp_oracle = OracleConfig {
        probe_url: Some(format!("{}/me", rp.base_url())),
        ..OracleConfig::default()
    };
    let clock = Instant::now();
    let mut entries = Vec::with_capacity(plans.len() + oidc.len());
    let fixtures = &fed.state().fixtures;
    let timeout = Duration::from_secs(10);
    for plan in &plans {
        entries.push(run(plan, &admin, fixtures, &oracle, timeout).await);
    }
    for OidcPlan { plan, scripted } in &oidc {
        if *scripted {
            let script = mock_idps::spid::script::ScriptedLogin {
                provider: Some(plan.provider.clone()),
                user: plan.user.clone(),
                level: None,
                outcome: plan.outcome,
            };
            if let Err(e) = fed.script_next_login(script) {
                entries.push(crate::report::Entry {
                    id: plan.id.clone(),
                    title: plan.title.clone(),
                    family: Some(OIDC_FAMILY.into()),
                    error: Some(crate::report::error_chain(&e)),
                    ..crate::report::Entry::default()
                });
                continue;
            }
        }
        let mut entry = run(plan, &admin, fixtures, &rp_oracle, timeout).await;
        entry.family = Some(OIDC_FAMILY.into());
        entries.push(entry);
    }
    let report = RunReport::new(
        "demo",
        began,
        clock.elapsed().as_secs_f64() * 1000.0,
        entries,
    );
    rp.shutdown().await;
    sp.shutdown().await;
    fed.shutdown().await;
    Ok(report)
}

/// The table printed at the end of a demo.
pub fn table(report: &RunReport) -> String {
    let mut out = format!(
        "{:<28} {:<11} {:<5} {:<18} {:<11} {:<11} {:>8}\n",
        "id", "provider", "level", "outcome", "expected", "got", "ms"
    );
    for e in &report.entries {
        out.push_str(&format!(
            "{:<28} {:<11} {:<5} {:<18} {:<11} {:<11} {:>8.1}{}\n",
            e.id,
            e.provider.as_deref().unwrap_or(""),
            e.level.map(|l| format!("L{l}")).unwrap_or_default(),
            e.outcome,
            e.expected,
            crate::report::junit::got(e),
            e.millis,
            if e.passed {
                ""
            } else {
                "  <-- NOT AS EXPECTED"
            }
        ));
    }
    out.push_str(&format!(
        "\n{} of {} as expected; {:.1} logins/s over {:.0} ms\n",
        report.summary.passed, report.summary.total, report.logins_per_second, report.duration_ms
    ));
    for h in &report.hop_latency {
        out.push_str(&format!(
            "  {:<14} n={:<4} p50 {:>7.2} ms  p99 {:>7.2} ms\n",
            h.hop, h.count, h.p50_ms, h.p99_ms
        ));
    }
    out
}
