//! The suite against the embedded reference SP (or a mutant of it): the mock providers' state
//! (their keys and signed registry feed; no HTTP server is needed, the SP only reads the feed),
//! a reference SP trusting that feed, and the [`Target`] that signs as one provider.

use super::runner::{IdpIdentity, Target};
use mock_idps::clock::SystemClock;
use mock_idps::fixtures::Fixtures;
use mock_idps::ids::IdGenerator;
use mock_idps::saml::sp_metadata::SpMetadata;
use mock_idps::spid::config::IdpConfig;
use mock_idps::spid::state::MockState;
use reference_sp::faults::Faults;
use reference_sp::{ReferenceSp, SpConfig};
use std::sync::Arc;
use std::time::Duration;

/// The provider the harness signs as by default.
pub const DEFAULT_IDP: &str = "poste";
/// The provider whose key plays the attacker's (trusted only for itself).
pub const ROGUE_IDP: &str = "aruba";
/// The identity released by default (holds every SPID attribute the reference SP asks for).
pub const DEFAULT_USER: &str = "mario.rossi";
/// The base URL the mock providers' entityIDs and endpoints are built on.
pub const MOCK_BASE_URL: &str = "http://127.0.0.1:7000";

/// Why the reference setup could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// Fixtures or provider state.
    #[error("building the mock providers: {0}")]
    Mocks(String),
    /// No such provider.
    #[error("unknown provider {0:?}")]
    UnknownIdp(String),
    /// No such fixture user.
    #[error("unknown fixture user {0:?}")]
    UnknownUser(String),
    /// The reference SP did not start.
    #[error("starting the reference SP: {0}")]
    ReferenceSp(String),
    /// Its metadata did not parse.
    #[error("reading the reference SP's metadata: {0}")]
    Metadata(String),
}

/// The mock providers' state, built for [`MOCK_BASE_URL`] with system time.
pub fn mock_state() -> Result<MockState, SetupError> {
    let fixtures = Fixtures::embedded().map_err(|e| SetupError::Mocks(e.to_string()))?;
    MockState::new(
        fixtures,
        IdpConfig::default(),
        Arc::new(SystemClock),
        IdGenerator::random(),
        MOCK_BASE_URL,
    )
    .map_err(|e| SetupError::Mocks(e.to_string()))
}

/// The identity of provider `id` in `state`.
pub fn idp_identity(state: &MockState, id: &str) -> Result<IdpIdentity, SetupError> {
    let idp = state
        .idp(id)
        .ok_or_else(|| SetupError::UnknownIdp(id.to_string()))?;
    Ok(IdpIdentity {
        id: id.to_string(),
        entity_id: idp.entity_id.clone(),
        sso_url: idp.sso_url.clone(),
        key: idp.key.clone(),
    })
}

/// A running reference SP and the target that tests it.
#[derive(Debug)]
pub struct ReferenceRun {
    /// The SP (stops on drop).
    pub sp: ReferenceSp,
    /// The target to pass to [`super::run`].
    pub target: Target,
}

/// Starts a reference SP with `faults` switched off, trusting the mock providers' feed, and the
/// target that signs as [`DEFAULT_IDP`].
pub async fn start(state: &MockState, faults: Faults) -> Result<ReferenceRun, SetupError> {
    let sp = ReferenceSp::start(SpConfig {
        idp_metadata: vec![state.registry_xml.clone()],
        faults,
        ..SpConfig::default()
    })
    .await
    .map_err(|e| SetupError::ReferenceSp(e.to_string()))?;
    let urls = sp.urls();
    let metadata =
        SpMetadata::parse(sp.metadata_xml()).map_err(|e| SetupError::Metadata(e.to_string()))?;
    let user = state
        .fixtures
        .user(DEFAULT_USER)
        .cloned()
        .ok_or_else(|| SetupError::UnknownUser(DEFAULT_USER.into()))?;
    let rogue = idp_identity(state, ROGUE_IDP)?.key;
    let target = Target {
        login_url: format!(
            "{}?idp={{entity_id}}&level={{level}}&comparison={{comparison}}&binding={{binding}}",
            urls.login
        ),
        acs_url: Some(urls.acs.clone()),
        probe_url: urls.me.clone(),
        sp_metadata: Arc::new(metadata),
        idp: idp_identity(state, DEFAULT_IDP)?,
        rogue_key: rogue,
        user,
        timeout: Duration::from_secs(10),
        skew: time::Duration::minutes(2),
        logout_url: Some(urls.logout.clone()),
        identity_url: None,
        identity_pattern: None,
    };
    Ok(ReferenceRun { sp, target })
}
