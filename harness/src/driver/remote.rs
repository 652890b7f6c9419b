//! One login at a service through the mock providers of a running `spid-harness serve`: asks
//! its admin API for the providers' URLs, builds the plan and runs it with [`super::login::run`].

use super::login::{run, Expectation, LoginPlan, MockAdmin};
use crate::oracle::OracleConfig;
use crate::report::Entry;
use mock_idps::federation::FederationUrls;
use mock_idps::fixtures::{FixtureError, Fixtures};
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use std::time::Duration;

/// What to log in with, and where.
#[derive(Debug, Clone)]
pub struct RemoteLogin {
    /// The service URL that starts a login; `{provider}`, `{entity_id}` (URL-encoded) and
    /// `{level}` are replaced.
    pub sp_login_url: String,
    /// The mock provider's id.
    pub provider: String,
    /// The level asked for.
    pub level: Level,
    /// The fixture identity.
    pub user: String,
    /// How the login ends at the provider.
    pub outcome: Outcome,
    /// The base URL of the running `serve`.
    pub mocks: String,
    /// How to tell whether the service accepted the login.
    pub oracle: OracleConfig,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Why the login could not be attempted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteLoginError {
    /// Nothing answers at the mocks' URL.
    #[error("cannot reach the mock providers at {mocks}: {source}\n  (hint: start them with `spid-harness serve`, or pass --mocks URL)")]
    Unreachable {
        /// The base URL.
        mocks: String,
        /// Why.
        source: reqwest::Error,
    },
    /// Something answers, but not as `serve` does.
    #[error("{url} answered {status}: is `spid-harness serve` running there?")]
    NotServe {
        /// The admin URL asked.
        url: String,
        /// What it answered.
        status: reqwest::StatusCode,
    },
    /// Its answer was not the URL list.
    #[error("reading {url}")]
    Urls {
        /// The admin URL asked.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// No such provider at the running `serve`.
    #[error("unknown provider {provider:?}; known: {}", known.join(", "))]
    UnknownProvider {
        /// The id asked for.
        provider: String,
        /// The ids served.
        known: Vec<String>,
    },
    /// The embedded fixtures did not load.
    #[error("loading the fixtures")]
    Fixtures(#[from] FixtureError),
}

/// Runs the login of `config`; the entry holds the hops and the verdict (or the error that
/// stopped the login half-way).
pub async fn login_via_serve(config: &RemoteLogin) -> Result<Entry, RemoteLoginError> {
    let url = format!("{}/admin/urls", config.mocks.trim_end_matches('/'));
    let resp = reqwest::get(&url)
        .await
        .map_err(|source| RemoteLoginError::Unreachable {
            mocks: config.mocks.clone(),
            source,
        })?;
    if !resp.status().is_success() {
        return Err(RemoteLoginError::NotServe {
            url,
            status: resp.status(),
        });
    }
    let urls: FederationUrls = resp.json().await.map_err(|source| RemoteLoginError::Urls {
        url: url.clone(),
        source,
    })?;
    let Some(provider) = urls.providers.get(&config.provider) else {
        return Err(RemoteLoginError::UnknownProvider {
            provider: config.provider.clone(),
            known: urls.providers.keys().cloned().collect(),
        });
    };
    let start_url = config
        .sp_login_url
        .replace("{provider}", &config.provider)
        .replace(
            "{entity_id}",
            &mock_idps::saml::binding::url_encode(&provider.entity_id),
        )
        .replace("{level}", &config.level.number().to_string());
    let plan = LoginPlan {
        id: format!("login/{}/{}", config.provider, config.level),
        title: format!(
            "{} at {} as {}, outcome {:?}",
            provider.name, config.level, config.user, config.outcome
        ),
        provider: config.provider.clone(),
        level: config.level,
        user: config.user.clone(),
        outcome: config.outcome,
        start_url,
        expected: Expectation::for_outcome(config.outcome),
    };
    let fixtures = Fixtures::embedded()?;
    let admin = MockAdmin::Http {
        admin_url: urls.admin.clone(),
    };
    Ok(run(&plan, &admin, &fixtures, &config.oracle, config.timeout).await)
}
