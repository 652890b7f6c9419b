//! SPID logins for scenario steps: the mock providers and the reference service in-process on
//! loopback, started once per run on first use, driven with the harness's browser and oracle.
//!
//! The SAML exchange runs on the real clock (the fixture certificates are valid 2025-2050); the
//! scenario's simulated day decides only the service's policy (which levels it accepts).

use crate::login::{run, Expectation, LoginPlan, MockAdmin};
use crate::oracle::OracleConfig;
use crate::report::Entry;
use mock_idps::federation::MockFederation;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use reference_sp::{ReferenceSp, SpConfig};
use std::time::Duration;

/// The mocks and the reference service.
pub struct SpidEnv {
    fed: MockFederation,
    sp: ReferenceSp,
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
        let sp = ReferenceSp::start(SpConfig {
            idp_metadata: vec![fed.state().registry_xml.clone()],
            ..SpConfig::default()
        })
        .await
        .map_err(|e| format!("starting the reference SP: {e}"))?;
        fed.register_sp_metadata(sp.metadata_xml())
            .map_err(|e| format!("registering the reference SP: {e}"))?;
        Ok(Self { fed, sp })
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
        let plan = LoginPlan {
            id: format!("spid/{provider}/{level}"),
            title: format!("{user} at {provider} {level}"),
            provider: provider.to_string(),
            level,
            user: user.to_string(),
            outcome,
            start_url: format!(
                "{}?idp={}&level={}&comparison=minimum&binding=redirect",
                sp_urls.login,
                mock_idps::saml::binding::url_encode(&entity),
                level.number()
            ),
            expected: Expectation::for_outcome(outcome),
        };
        let oracle = OracleConfig {
            probe_url: Some(sp_urls.me.clone()),
            ..OracleConfig::default()
        };
        run(
            &plan,
            &MockAdmin::InProcess(self.fed.state().clone()),
            &self.fed.state().fixtures,
            &oracle,
            Duration::from_secs(10),
        )
        .await
    }
}
