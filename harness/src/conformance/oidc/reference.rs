//! The OIDC suite against the embedded reference RP (or a mutant of it): the mock federation
//! with its OpenID Providers, the reference RP registered with them and discovering them, and
//! the RP's pages served on an ephemeral loopback port, as a browser would reach them.

use super::runner::OidcTarget;
use mock_idps::server_task::ServerTask;
use mock_idps::MockFederation;
use reference_rp::keys::RpKeys;
use reference_rp::{Faults, ReferenceRp, RpConfig};
use std::sync::Arc;

/// The reference RP's client_id (its entity ID; the OPs know it from its registration, the
/// harness maps its redirect URI onto the local server).
pub const CLIENT_ID: &str = "https://rp.example.it";

/// Why the reference setup could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcSetupError {
    /// The mock federation did not start.
    #[error("starting the mock federation")]
    Federation(#[source] Box<mock_idps::FederationError>),
    /// The reference RP refused its set-up (metadata, discovery of the OPs).
    #[error("setting up the reference RP")]
    Rp(#[source] reference_rp::RpError),
    /// The OPs refused its registration.
    #[error("registering the reference RP with the OPs")]
    Registration(#[source] mock_idps::oidc::op::registry::Refusal),
    /// On-boarding into the local federation failed.
    #[error("on-boarding the reference RP into the local federation")]
    Onboarding(#[source] Box<mock_idps::oidc::federation::LocalFederationError>),
    /// The RP's pages could not listen.
    #[error("binding the reference RP's port")]
    Bind(#[source] std::io::Error),
    /// The HTTP client could not be built.
    #[error("building the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The mock federation serves no OpenID Federation trust anchor for the RP to trust.
    #[error("the mock federation has no OpenID Federation trust anchor")]
    NoTrustAnchor,
    /// The catalogue's OP breaks could not be applied to the federation.
    #[error("breaking the federation entries of the OP cases")]
    Break(#[source] super::federation::BreakError),
    /// The RP refused at discovery an OP no case breaks.
    #[error("the reference RP refused the sound OP {op} at discovery")]
    SoundOpRefused {
        /// The OP.
        op: String,
        /// Why.
        #[source]
        source: reference_rp::RpError,
    },
}

/// The running reference RP and the federation it trusts; stops when dropped.
#[derive(Debug)]
pub struct ReferenceWorld {
    /// The RP's server, signalled to stop first when the world is dropped.
    _server: ServerTask,
    /// The mock OPs.
    pub federation: MockFederation,
    /// Where the RP's pages answer, `http://127.0.0.1:PORT`.
    pub rp_base: String,
}

impl ReferenceWorld {
    /// Starts the federation and the reference RP with `faults` switched off.
    pub async fn start(faults: Faults) -> Result<Self, OidcSetupError> {
        let federation = MockFederation::start()
            .await
            .map_err(|e| OidcSetupError::Federation(Box::new(e)))?;
        let config = RpConfig {
            client_id: CLIENT_ID.into(),
            organization_name: "Servizio di riferimento".into(),
            faults,
            clock: Arc::new(mock_idps::SystemClock),
            offline_access: true,
            trust_anchor: reference_rp::app::trust_anchor_of(&federation.urls())
                .ok_or(OidcSetupError::NoTrustAnchor)?,
        };
        let keys = RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp")
            .map_err(OidcSetupError::Rp)?;
        let mut rp = ReferenceRp::new(config, keys).map_err(OidcSetupError::Rp)?;
        federation
            .register_oidc_rp(rp.registration().map_err(OidcSetupError::Rp)?)
            .map_err(OidcSetupError::Registration)?;
        // On-boarded into the local federation too: its superior and trust mark go into its
        // entity configuration (the OPs still take the direct registration first).
        let onboarded = mock_idps::oidc::federation::testing::onboard_rp(
            federation.oidc_federation(),
            &mock_idps::FixtureSource::Embedded,
            "reference-rp",
            CLIENT_ID,
            Some(rp.federation_metadata()),
            mock_idps::oidc::federation::testing::RpSetup::valid(),
        )
        .await
        .map_err(|e| OidcSetupError::Onboarding(Box::new(e)))?;
        rp.set_placement(reference_rp::rp::Placement {
            authority_hints: vec![onboarded.report.superior.clone()],
            trust_marks: onboarded.report.trust_marks.clone(),
        });
        // The OP cases' federation breaks, each on its own OP, before the RP meets the OPs;
        // the RP discovers each OP on its own and leaves out those it refuses.
        super::federation::break_ops(&federation).map_err(OidcSetupError::Break)?;
        let broken = super::federation::broken_ops();
        let refused = rp
            .discover_each(&reference_rp::op::entries_of(&federation.urls()))
            .await;
        if let Some((op, source)) = refused
            .into_iter()
            .find(|(op, _)| !broken.contains(&op.as_str()))
        {
            return Err(OidcSetupError::SoundOpRefused { op, source });
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(OidcSetupError::Bind)?;
        let addr = listener.local_addr().map_err(OidcSetupError::Bind)?;
        let app = reference_rp::server::router(Arc::new(rp));
        Ok(Self {
            federation,
            rp_base: format!("http://{addr}"),
            _server: ServerTask::serve(listener, app),
        })
    }

    /// The target the runner plays the cases against.
    pub fn target(&self) -> Result<OidcTarget<'_>, OidcSetupError> {
        OidcTarget::new(
            &self.federation,
            &self.rp_base,
            &format!("{CLIENT_ID}/oidc/callback"),
            CLIENT_ID,
        )
        .map_err(OidcSetupError::Client)
    }
}
