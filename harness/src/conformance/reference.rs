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
/// The CIE ID provider the harness signs as for the CIE Response cases.
pub const CIE_IDP: &str = "cie";
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
    /// The embedded fixtures could not be read.
    #[error("reading the fixtures")]
    Fixtures(#[source] Box<mock_idps::FixtureError>),
    /// The providers' state could not be built from them.
    #[error("building the mock providers")]
    Mocks(#[from] mock_idps::spid::state::StateError),
    /// No such provider.
    #[error("unknown provider {0:?}")]
    UnknownIdp(String),
    /// No such fixture user.
    #[error("unknown fixture user {0:?}")]
    UnknownUser(String),
    /// The reference SP did not start.
    #[error("starting the reference SP")]
    ReferenceSp(#[source] reference_sp::SpError),
    /// Its metadata did not parse.
    #[error("reading the reference SP's metadata")]
    Metadata(#[source] mock_idps::saml::sp_metadata::SpMetadataError),
}

/// The mock providers' state, built for [`MOCK_BASE_URL`] with system time.
pub fn mock_state() -> Result<MockState, SetupError> {
    let fixtures = Fixtures::embedded().map_err(|e| SetupError::Fixtures(Box::new(e)))?;
    MockState::new(
        fixtures,
        IdpConfig::default(),
        Arc::new(SystemClock),
        IdGenerator::random(),
        MOCK_BASE_URL,
    )
    .map_err(SetupError::from)
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
        profile: idp.profile,
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

/// What differs between the targets of one service: its URLs and its metadata.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    /// The URL that starts a login, with the `{entity_id}`, `{level}`, `{comparison}` and
    /// `{binding}` placeholders.
    pub login_url: String,
    /// The service's ACS, when known in advance.
    pub acs_url: Option<String>,
    /// The protected page (2xx = logged in).
    pub probe_url: String,
    /// The URL that ends a session, when the service has one.
    pub logout_url: Option<String>,
    /// The service's metadata.
    pub sp_metadata: SpMetadata,
    /// The mock provider to sign as.
    pub idp: String,
}

/// The reference SP's CNS endpoint: trusting the test PKI's CAs, with `authority`'s current CRLs.
pub fn cns_endpoint(
    authority: &mock_idps::cns::authority::CnsAuthority,
) -> Result<reference_sp::cns::CnsSpConfig, reference_sp::cns::CnsSpError> {
    let crls = authority
        .crls()
        .values()
        .map(|c| c.as_ref().clone())
        .collect();
    reference_sp::cns::CnsSpConfig::test_pki(crls)
}

/// The target that tests the service of `spec`, signing as `spec.idp`, releasing
/// [`DEFAULT_USER`], with [`ROGUE_IDP`]'s key as the attacker's.
pub fn target(state: &MockState, spec: TargetSpec) -> Result<Target, SetupError> {
    let user = state
        .fixtures
        .user(DEFAULT_USER)
        .cloned()
        .ok_or_else(|| SetupError::UnknownUser(DEFAULT_USER.into()))?;
    Ok(Target {
        login_url: spec.login_url,
        acs_url: spec.acs_url,
        probe_url: spec.probe_url,
        sp_metadata: Arc::new(spec.sp_metadata),
        idp: idp_identity(state, &spec.idp)?,
        rogue_key: idp_identity(state, ROGUE_IDP)?.key,
        user,
        timeout: Duration::from_secs(10),
        skew: time::Duration::minutes(2),
        logout_url: spec.logout_url,
        identity_url: None,
        identity_pattern: None,
    })
}

/// Starts a reference SP with `faults` switched off, trusting the mock providers' feed, and the
/// target that signs as [`DEFAULT_IDP`].
pub async fn start(state: &MockState, faults: Faults) -> Result<ReferenceRun, SetupError> {
    start_with(
        state,
        SpConfig {
            faults,
            ..SpConfig::default()
        },
    )
    .await
}

/// [`start`] with the rest of the SP's configuration given (e.g. its CNS endpoint); the SP
/// trusts the mock providers' feed and the CIE ID providers ("Entra con CIE") whatever
/// `config.idp_metadata` and `config.cie_idp_metadata` say.
pub async fn start_with(state: &MockState, config: SpConfig) -> Result<ReferenceRun, SetupError> {
    let sp = ReferenceSp::start(SpConfig {
        idp_metadata: vec![state.registry_xml.clone()],
        cie_idp_metadata: state.cie_idps.iter().map(|i| i.metadata.clone()).collect(),
        ..config
    })
    .await
    .map_err(SetupError::ReferenceSp)?;
    let urls = sp.urls();
    let sp_metadata = SpMetadata::parse(sp.metadata_xml()).map_err(SetupError::Metadata)?;
    let target = target(
        state,
        TargetSpec {
            login_url: format!(
                "{}?idp={{entity_id}}&level={{level}}&comparison={{comparison}}&binding={{binding}}",
                urls.login
            ),
            acs_url: Some(urls.acs.clone()),
            probe_url: urls.me.clone(),
            logout_url: Some(urls.logout.clone()),
            sp_metadata,
            idp: DEFAULT_IDP.to_string(),
        },
    )?;
    Ok(ReferenceRun { sp, target })
}

/// The target of `run`'s service signing as the CIE ID provider [`CIE_IDP`] (the service's
/// "Entra con CIE"): the CIE request rules, the CIE Response shape, the same user.
pub fn cie_target(state: &MockState, target: &Target) -> Result<Target, SetupError> {
    Ok(Target {
        idp: idp_identity(state, CIE_IDP)?,
        ..target.clone()
    })
}
