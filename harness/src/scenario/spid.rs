//! SPID logins for scenario steps: the mock providers and the reference service in-process on
//! loopback, started once per run on first use, driven with the harness's browser and oracle;
//! OpenID Connect logins go through the reference relying party, started on first use.
//!
//! The SAML exchange runs on the real clock (the fixture certificates are valid 2025-2050); the
//! scenario's simulated day decides only the service's policy (which levels it accepts).

use crate::login::{run, Expectation, LoginPlan, MockAdmin};
use crate::oracle::OracleConfig;
use crate::report::Entry;
use mock_idps::federation::MockFederation;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use reference_sp::ReferenceSp;
use std::time::Duration;

/// The mocks and the reference service; the reference OIDC relying party is started (and
/// on-boarded to the mocks' federation) on the first OIDC login.
pub struct SpidEnv {
    fed: MockFederation,
    sp: ReferenceSp,
    rp: tokio::sync::OnceCell<Result<reference_rp::app::RunningRp, String>>,
}

impl std::fmt::Debug for SpidEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpidEnv")
            .field("federation", &self.fed.base_url())
            .finish()
    }
}

impl SpidEnv {
    /// Starts the mock providers and the reference SP, and registers the SP with the mocks.
    pub(super) async fn start() -> Result<Self, String> {
        let fed = MockFederation::start()
            .await
            .map_err(|e| format!("starting the mock providers: {e}"))?;
        let sp = crate::demo::reference_sp_on(&fed, reference_sp::faults::Faults::none())
            .await
            .map_err(|e| crate::report::error_chain(&e))?;
        Ok(Self {
            fed,
            sp,
            rp: tokio::sync::OnceCell::new(),
        })
    }

    /// One login of `user` at `provider` and `level`, ending with `outcome` at the provider.
    pub async fn login(&self, user: &str, provider: &str, level: Level, outcome: Outcome) -> Entry {
        let urls = self.fed.urls();
        let sp_urls = self.sp.urls();
        let entity = urls
            .providers
            .get(provider)
            .map(|p| p.entity_id.clone())
            .unwrap_or_default();
        let start_url = format!(
            "{}?idp={}&level={}&comparison=minimum&binding=redirect",
            sp_urls.login,
            mock_idps::saml::binding::url_encode(&entity),
            level.number()
        );
        let plan = LoginPlan {
            id: format!("spid/{provider}/{level}"),
            title: format!("{user} at {provider} {level}"),
            ..plan(user, provider, level, outcome, start_url)
        };
        self.drive(&plan, sp_urls.me.clone()).await
    }

    /// One login over OpenID Connect of `user` at the OpenID Provider `op` and `level` through the
    /// reference RP, ending with `outcome` at the provider.
    pub async fn oidc_login(&self, user: &str, op: &str, level: Level, outcome: Outcome) -> Entry {
        let id = format!("oidc/{op}/{level}");
        let rp = self
            .rp
            .get_or_init(|| async {
                reference_rp::app::start(reference_rp::app::AppConfig {
                    bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                    urls: self.fed.urls(),
                    faults: reference_rp::Faults::none(),
                    admin_token: None,
                    clock: self.fed.state().clock.clone(),
                })
                .await
                .map_err(|e| crate::report::error_chain(&e))
            })
            .await;
        let rp = match rp {
            Ok(rp) => rp,
            Err(e) => return failed(id, format!("starting the reference RP: {e}")),
        };
        // CIE at L3 reads the card on a simulated NFC page the harness's browser does not drive:
        // the OP is told to log the card holder in without its pages.
        if op.starts_with("cie") && level == Level::L3 && outcome == Outcome::Success {
            let script = mock_idps::spid::script::ScriptedLogin {
                provider: Some(op.to_string()),
                user: user.to_string(),
                level: None,
                outcome,
            };
            if let Err(e) = self.fed.script_next_login(script) {
                return failed(id, crate::report::error_chain(&e));
            }
        }
        let base = rp.base_url();
        let start_url = format!("{base}/oidc/login?op={op}&level={}", level.number());
        let plan = LoginPlan {
            id,
            title: format!("{user} at {op} {level} (OIDC)"),
            ..plan(user, op, level, outcome, start_url)
        };
        self.drive(&plan, format!("{base}/me")).await
    }

    /// Drives `plan` against the in-process mocks; the protected page `probe_url` decides.
    async fn drive(&self, plan: &LoginPlan, probe_url: String) -> Entry {
        let oracle = OracleConfig {
            probe_url: Some(probe_url),
            ..OracleConfig::default()
        };
        run(
            plan,
            &MockAdmin::InProcess(self.fed.state().clone()),
            &self.fed.state().fixtures,
            &oracle,
            Duration::from_secs(10),
        )
        .await
    }
}

/// The plan of a login of `user` at `provider` and `level` from `start_url`, expecting what
/// `outcome` implies (id and title left to the caller).
fn plan(
    user: &str,
    provider: &str,
    level: Level,
    outcome: Outcome,
    start_url: String,
) -> LoginPlan {
    LoginPlan {
        id: String::new(),
        title: String::new(),
        provider: provider.to_string(),
        level,
        user: user.to_string(),
        outcome,
        start_url,
        expected: Expectation::for_outcome(outcome),
    }
}

/// The entry of a login that could not run.
fn failed(id: String, error: String) -> Entry {
    Entry {
        id,
        error: Some(error),
        ..Entry::default()
    }
}
