//! Starts the mock providers on loopback, in-process, and hands back their URLs: the same server
//! `spid-harness serve` runs, for Rust integration tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use mock_idps::federation::MockFederation;
//! use mock_idps::spid::script::{Outcome, ScriptedLogin};
//!
//! let fed = MockFederation::start().await?;
//! fed.register_sp_metadata(&std::fs::read_to_string("my-sp-metadata.xml")?)?;
//! fed.script_next_login(ScriptedLogin {
//!     provider: Some("poste".into()),
//!     user: "mario.rossi".into(),
//!     level: None,
//!     outcome: Outcome::Success,
//! })?;
//! let poste = fed.urls().providers["poste"].clone();
//! // Point your SP at poste.metadata, start a login; the next AuthnRequest at poste.sso is
//! // answered at once with a signed Response for mario.rossi.
//! // ... drive your service ...
//! let seen = fed.received_requests();
//! assert_eq!(seen[0].verdict, "accepted");
//! # Ok(()) }
//! ```

use crate::clock::{SharedClock, SystemClock};
use crate::fixtures::{FixtureError, FixtureSource, Fixtures};
use crate::ids::IdGenerator;
use crate::saml::sp_metadata::SpMetadataError;
use crate::spid::config::IdpConfig;
use crate::spid::script::ScriptedLogin;
use crate::spid::state::{MockState, ReceivedRequest, StateError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// How to start the federation.
#[derive(Debug, Clone)]
pub struct FederationConfig {
    /// Where to listen; port 0 picks a free one. Loopback by default.
    pub bind: SocketAddr,
    /// Fixtures to load.
    pub fixtures: FixtureSource,
    /// Provider settings.
    pub idp: IdpConfig,
    /// The clock (system time by default).
    pub clock: Option<SharedClock>,
    /// Seed for IDs, NameIDs and OTPs (random by default).
    pub seed: Option<u64>,
    /// SP metadata documents to register at start.
    pub sp_metadata: Vec<String>,
    /// Where the legacy PIN backend keeps its state (served under `/pin`).
    pub pin_store: PinStoreChoice,
    /// Where the CNS mutual-TLS login endpoint listens (loopback, port 0 by default).
    pub cns_bind: SocketAddr,
    /// A token every admin API request must carry (`x-admin-token` or bearer); none by default.
    /// See [`crate::admin`] for how the admin API is protected either way.
    pub admin_token: Option<String>,
    /// Limits of the CNS mutual-TLS listener (handshake timeout, connection cap, backoff).
    pub cns_limits: crate::cns::listener::ListenerLimits,
    /// The base URL browsers and services reach the providers at, when it is not the bound
    /// address (behind a reverse proxy or a port-forward): every URL in the metadata, the
    /// registry and [`FederationUrls`] starts with it. The server still listens on `bind`.
    pub public_url: Option<String>,
}

/// Where the legacy PIN backend keeps its state.
#[derive(Debug, Clone, Default)]
pub enum PinStoreChoice {
    /// In memory: gone when the process ends (tests).
    #[default]
    Memory,
    /// A durable journal file: every acknowledged change survives a kill.
    File(std::path::PathBuf),
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixtures: FixtureSource::Embedded,
            idp: IdpConfig::default(),
            clock: None,
            seed: None,
            sp_metadata: Vec::new(),
            pin_store: PinStoreChoice::Memory,
            cns_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_token: None,
            cns_limits: crate::cns::listener::ListenerLimits::default(),
            public_url: None,
        }
    }
}

/// Why the federation did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FederationError {
    /// Binding the socket failed.
    #[error(transparent)]
    Bind(#[from] crate::server_task::BindError),
    /// Fixtures are broken.
    #[error(transparent)]
    Fixtures(#[from] FixtureError),
    /// Providers could not be built.
    #[error(transparent)]
    State(#[from] StateError),
    /// The PIN backend could not open its store or fixtures.
    #[error("starting the PIN backend")]
    Pin(#[from] crate::pin::PinSetupError),
    /// The CNS test PKI or its endpoint could not start.
    #[error("starting the CNS endpoint: {0}")]
    Cns(#[from] crate::cns::CnsError),
    /// The public base URL is not an absolute http(s) URL without query or fragment.
    #[error("public URL {0:?}: use an absolute http:// or https:// URL without query or fragment, e.g. https://idp.example.test:8443/spid")]
    PublicUrl(String),
    /// The OpenID Providers could not be built.
    #[error("building the OpenID Providers: {0}")]
    Oidc(#[from] crate::oidc::op::provider::OpBuildError),
    /// The local OpenID Federation could not be set up.
    #[error("starting the OpenID Federation: {0}")]
    OidcFederation(#[from] crate::oidc::federation::LocalFederationError),
    /// An SP metadata document was refused.
    #[error("SP metadata #{index} refused: {source}")]
    SpMetadata {
        /// Which document (0-based).
        index: usize,
        /// Why.
        #[source]
        source: SpMetadataError,
    },
}

/// The URLs of one provider.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ProviderUrls {
    /// Display name.
    pub name: String,
    /// entityID in use.
    pub entity_id: String,
    /// Metadata URL.
    pub metadata: String,
    /// SSO endpoint (Redirect and POST).
    pub sso: String,
    /// SLO endpoint (Redirect and POST).
    pub slo: String,
    /// Highest level offered.
    pub max_level: u8,
}

/// The URLs of one CIE ID provider (production or pre-production profile).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CieUrls {
    /// Display name.
    pub name: String,
    /// entityID in use.
    pub entity_id: String,
    /// The real entityID it stands for.
    pub real_entity_id: String,
    /// Metadata URL.
    pub metadata: String,
    /// SSO endpoint (Redirect and POST).
    pub sso: String,
    /// The plain HTTP logout (GET; CIE has no SAML SLO).
    pub logout: String,
    /// The simulated CIE software's PUK unblock page.
    pub card_unblock: String,
}

/// The URLs of one OpenID Provider.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct OpUrls {
    /// Display name.
    pub name: String,
    /// `spid` or `cie`.
    pub profile: String,
    /// The issuer (entity ID).
    pub issuer: String,
    /// Its entity configuration (`/.well-known/openid-federation`).
    pub entity_configuration: String,
    /// Authorization endpoint (GET and POST).
    pub authorization: String,
    /// Token endpoint.
    pub token: String,
    /// Userinfo endpoint.
    pub userinfo: String,
    /// Revocation endpoint (RFC 7009).
    pub revocation: String,
    /// Introspection endpoint (RFC 7662).
    pub introspection: String,
    /// The levels offered (1–3).
    pub levels: Vec<u8>,
}

/// Every URL a test or CI script needs (what `--urls-json` writes).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FederationUrls {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The index page.
    pub index: String,
    /// The aggregate registry metadata.
    pub registry: String,
    /// The admin API root.
    pub admin: String,
    /// The legacy INPS PIN backend (JSON API under `/api`, login form at `/login`).
    pub pin: String,
    /// Providers by id.
    pub providers: BTreeMap<String, ProviderUrls>,
    /// The CIE ID providers by id (`cie`, `cie-preprod`).
    #[serde(default)]
    pub cie: BTreeMap<String, CieUrls>,
    /// The CNS endpoint, CRLs and gateway (absent when the fixtures have no `cns/`; no OCSP
    /// responder is served).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cns: Option<crate::cns::endpoint::CnsUrls>,
    /// The OpenID Providers by provider id (every SPID provider, `cie`, `cie-preprod`).
    #[serde(default)]
    pub oidc: BTreeMap<String, OpUrls>,
    /// The local OpenID Federation's entities and endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc_federation: Option<crate::oidc::federation::routes::OidcFederationUrls>,
}

/// Every URL of the providers served from `state`.
pub fn urls_of(state: &MockState) -> FederationUrls {
    let base = state.base_url.clone();
    FederationUrls {
        index: format!("{base}/"),
        registry: format!("{base}/registry/idps.xml"),
        admin: format!("{base}/admin"),
        pin: format!("{base}/pin"),
        providers: state
            .idps
            .iter()
            .map(|i| {
                (
                    i.provider.id.clone(),
                    ProviderUrls {
                        name: i.provider.name.clone(),
                        entity_id: i.entity_id.clone(),
                        metadata: i.metadata_url.clone(),
                        sso: i.sso_url.clone(),
                        slo: i.slo_url.clone(),
                        max_level: i.provider.max_level.number(),
                    },
                )
            })
            .collect(),
        cie: state
            .cie_idps
            .iter()
            .map(|i| {
                let root = i.sso_url.trim_end_matches("/sso");
                (
                    i.provider.id.clone(),
                    CieUrls {
                        name: i.provider.name.clone(),
                        entity_id: i.entity_id.clone(),
                        real_entity_id: i.provider.entity_id.clone(),
                        metadata: i.metadata_url.clone(),
                        sso: i.sso_url.clone(),
                        logout: i.slo_url.clone(),
                        card_unblock: format!("{root}/card/unblock"),
                    },
                )
            })
            .collect(),
        cns: None,
        oidc: state
            .fixtures
            .providers
            .iter()
            .chain(&state.fixtures.cie_providers)
            .filter_map(|p| {
                let o = p.oidc.as_ref()?;
                let issuer = format!("{base}{}", o.path);
                let at = |n: &str| format!("{issuer}/{n}");
                Some((
                    p.id.clone(),
                    OpUrls {
                        name: p.name.clone(),
                        profile: crate::oidc::op::profile::OidcProfile::of(o.profile)
                            .name
                            .into(),
                        entity_configuration: at(".well-known/openid-federation"),
                        authorization: at("authorization"),
                        token: at("token"),
                        userinfo: at("userinfo"),
                        revocation: at("revocation"),
                        introspection: at("introspection"),
                        levels: o.levels.iter().map(|l| l.number()).collect(),
                        issuer,
                    },
                ))
            })
            .collect(),
        oidc_federation: None,
        base,
    }
}

/// `public` without its trailing slashes, when it is an absolute http(s) URL without query,
/// fragment or credentials.
fn public_base(public: &str) -> Option<String> {
    let url = url::Url::parse(public).ok()?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    ok.then(|| public.trim_end_matches('/').to_string())
}

/// The running mock providers; stops when dropped.
#[derive(Debug)]
pub struct MockFederation {
    state: Arc<MockState>,
    addr: SocketAddr,
    server: crate::server_task::ServerTask,
    cns: Option<crate::cns::endpoint::CnsEndpoint>,
    op_app: crate::oidc::op::service::OidcApp,
    direct_rps: Arc<crate::oidc::op::registry::DirectRegistry>,
    oidc: Arc<crate::oidc::federation::LocalFederation>,
}

impl MockFederation {
    /// Starts every provider on an ephemeral loopback port with the embedded fixtures.
    pub async fn start() -> Result<Self, FederationError> {
        Self::start_with(FederationConfig::default()).await
    }

    /// Starts with `config`.
    pub async fn start_with(config: FederationConfig) -> Result<Self, FederationError> {
        let fixtures = Fixtures::load(&config.fixtures)?;
        let (listener, addr) = crate::server_task::bind(config.bind).await?;
        let clock = config.clock.unwrap_or_else(|| Arc::new(SystemClock));
        // A fixtures folder without the OIDC data (older copies) runs the embedded federation.
        let oidc_fixtures = match &config.fixtures {
            FixtureSource::Dir(dir) if !dir.join("oidc/federation.json").exists() => {
                FixtureSource::Embedded
            }
            other => other.clone(),
        };
        // Every URL the mocks publish (SAML metadata, OIDC entity IDs) starts with this.
        let base = match &config.public_url {
            Some(public) => {
                public_base(public).ok_or_else(|| FederationError::PublicUrl(public.clone()))?
            }
            None => format!("http://{addr}"),
        };
        let oidc = crate::oidc::federation::LocalFederation::new(
            &base,
            &oidc_fixtures,
            clock.clone(),
            crate::oidc::federation::LocalFederationConfig {
                http: Some(crate::oidc::federation::HttpLimits::default()),
                ..Default::default()
            },
        )?;
        let ids = config.seed.map(IdGenerator::seeded).unwrap_or_default();
        let state = Arc::new(MockState::new(fixtures, config.idp, clock, ids, &base)?);
        for (index, xml) in config.sp_metadata.iter().enumerate() {
            state
                .register_sp(xml)
                .map_err(|source| FederationError::SpMetadata { index, source })?;
        }
        let store: Box<dyn crate::pin::PinStore> = match &config.pin_store {
            PinStoreChoice::Memory => Box::new(crate::pin::MemoryStore::new()),
            PinStoreChoice::File(path) => {
                Box::new(crate::pin::FileStore::open(path).map_err(|source| {
                    crate::pin::PinSetupError::Store {
                        path: Some(path.clone()),
                        source: Box::new(source),
                    }
                })?)
            }
        };
        let pin_ids = config
            .seed
            .map(|s| IdGenerator::seeded(s ^ 0x0050_494e))
            .unwrap_or_default();
        let pin = crate::pin::PinBackend::with_fixtures(state.clock.clone(), pin_ids, store)?;
        let cns = start_cns(
            &config.fixtures,
            state.clone(),
            config.cns_bind,
            config.cns_limits,
        )
        .await?;
        let direct_rps = Arc::new(crate::oidc::op::registry::DirectRegistry::default());
        let ops = crate::oidc::op::provider::OpSet::build(
            state
                .fixtures
                .providers
                .iter()
                .chain(&state.fixtures.cie_providers),
            &oidc_fixtures,
            &state.base_url,
            Arc::new(crate::oidc::op::federated::FederatedResolver {
                federation: oidc.clone(),
                direct: direct_rps.clone(),
            }),
        )?;
        crate::oidc::op::federated::join(&oidc, &ops)?;
        let op_app = crate::oidc::op::service::OidcApp {
            state: state.clone(),
            ops: Arc::new(ops),
            federation: oidc.clone(),
        };
        let mut app = crate::spid::service::router(state.clone())
            .nest("/pin", crate::pin::service::router(Arc::new(pin)))
            .merge(crate::oidc::federation::routes::router(oidc.clone()))
            .merge(crate::oidc::op::service::router(op_app.clone()));
        if let Some(cns) = &cns {
            app = app.merge(crate::cns::http::router(cns.authority().clone()));
            if let Some(gateway) = cns.gateway() {
                app = app.merge(crate::cns::gateway::http_router(gateway.clone()));
            }
        }
        let guard = Arc::new(crate::admin::AdminGuard {
            bound: addr,
            token: config.admin_token.clone(),
        });
        let app = app.layer(axum::middleware::from_fn_with_state(
            guard,
            crate::admin::guard,
        ));
        Ok(Self {
            state,
            addr,
            server: crate::server_task::ServerTask::serve(listener, app),
            cns,
            oidc,
            op_app,
            direct_rps,
        })
    }

    /// Registers an OIDC relying party by its metadata, as if its trust chain had resolved to
    /// it (tests that do not need the federation; the OPs then accept it).
    pub fn register_oidc_rp(
        &self,
        rp: crate::oidc::op::registry::RpMetadata,
    ) -> Result<(), crate::oidc::op::registry::Refusal> {
        self.direct_rps.register(rp)
    }

    /// The OpenID Providers.
    pub fn oidc_op(&self) -> &crate::oidc::op::service::OidcApp {
        &self.op_app
    }

    /// Puts auto-login in force: every AuthnRequest the named providers (all, if none) accept is
    /// answered at once from the mix, keeping nothing per login.
    pub fn set_auto_login(
        &self,
        auto: crate::spid::script::AutoLogin,
    ) -> Result<(), crate::spid::script::AutoLoginError> {
        self.state.set_auto_login(auto)
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// Every URL.
    pub fn urls(&self) -> FederationUrls {
        let mut urls = urls_of(&self.state);
        urls.oidc_federation = Some(crate::oidc::federation::routes::urls(&self.oidc));
        urls.cns = self.cns.as_ref().map(|cns| {
            let cas: Vec<String> = cns
                .authority()
                .pki()
                .cas
                .iter()
                .map(|c| c.spec.id.clone())
                .collect();
            let mut urls =
                crate::cns::endpoint::CnsUrls::new(cns.addr(), &self.state.base_url, &cas);
            if let Some(g) = cns.gateway() {
                urls.gateway_sso = Some(g.sso_url().to_string());
                urls.gateway_metadata = Some(format!("{}/metadata", g.entity_id()));
            }
            urls
        });
        urls
    }

    /// The CNS mutual-TLS listener's counters, when it runs.
    pub fn cns_stats(&self) -> Option<&Arc<crate::cns::listener::ListenerStats>> {
        self.cns.as_ref().map(|c| c.stats())
    }

    /// The CNS authority (PKI, cards, live revocation), when the fixtures have a `cns/` folder.
    pub fn cns(&self) -> Option<&Arc<crate::cns::CnsAuthority>> {
        self.cns.as_ref().map(|c| c.authority())
    }

    /// Registers an SP's metadata; returns its entityID.
    pub fn register_sp_metadata(&self, xml: &str) -> Result<String, SpMetadataError> {
        self.state.register_sp(xml)
    }

    /// Queues how the next login ends; refused when the queue is full
    /// ([`crate::spid::config::IdpConfig::max_script`]) or when the provider it names has no
    /// error code for its outcome (CIE has no nr20 nor nr30).
    pub fn script_next_login(
        &self,
        script: ScriptedLogin,
    ) -> Result<(), crate::spid::state::ScriptRefused> {
        self.state.push_script(script)
    }

    /// Crafts the OpenID Provider's answers for ONE login, the one whose authorization request
    /// carried `state` (any OP): its ID token, refreshed ID token and userinfo answer are
    /// edited and serialized as `craft` says instead of the normal way. Kept in a bounded
    /// table ([`crate::oidc::op::state::MAX_CRAFTS`], the oldest going first).
    pub fn script_oidc_answer(&self, state: &str, craft: crate::oidc::op::crafted::AnswerCraft) {
        self.state
            .oidc
            .put_craft(state, craft, self.state.clock.now());
    }

    /// The last ID token an OP issued to the crafted login with `state` (see
    /// [`Self::script_oidc_answer`]; normal logins keep nothing).
    pub fn crafted_id_token(&self, state: &str) -> Option<String> {
        self.state.oidc.issued(state, self.state.clock.now())
    }

    /// The mark after which [`Self::oidc_requests_since`] reads: the number the next request an
    /// OpenID Provider receives will get.
    pub fn oidc_request_mark(&self) -> u64 {
        self.state.oidc.record().mark()
    }

    /// What relying parties sent to the OpenID Providers' authorization, token, revocation and
    /// introspection endpoints since `mark`, as received, with each answer (a bounded record:
    /// [`crate::oidc::op::record`]).
    pub fn oidc_requests_since(&self, mark: u64) -> Vec<crate::oidc::op::record::ObservedRequest> {
        self.state.oidc.record().since(mark, self.state.clock.now())
    }

    /// Makes the simulated CIE reader fail the next card read (NFC off, card moved).
    pub fn script_card_read_failure(&self, failure: crate::cie::cards::ReadFailure) {
        self.state.cards.push_read_failure(failure);
    }

    /// Every AuthnRequest received so far, with the verdict given.
    pub fn received_requests(&self) -> Vec<ReceivedRequest> {
        self.state.received()
    }

    /// The local OpenID Federation (trust anchor, intermediates, trust-mark issuer, resolver):
    /// register OPs with it, on-board RPs, set faults.
    pub fn oidc_federation(&self) -> &Arc<crate::oidc::federation::LocalFederation> {
        &self.oidc
    }

    /// The shared state (providers, sessions, clock).
    pub fn state(&self) -> &Arc<MockState> {
        &self.state
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        if let Some(cns) = self.cns {
            cns.shutdown().await;
        }
        self.server.stop().await;
    }
}

/// Starts the CNS endpoint from the fixtures' `cns/` folder; `None` when a fixtures directory
/// has no `cns/pki.toml` (fixture folders made before CNS existed still serve SPID).
async fn start_cns(
    fixtures: &FixtureSource,
    state: Arc<MockState>,
    bind: SocketAddr,
    limits: crate::cns::listener::ListenerLimits,
) -> Result<Option<crate::cns::endpoint::CnsEndpoint>, FederationError> {
    let clock = state.clock.clone();
    let pki = match crate::cns::CnsPki::load(fixtures) {
        Ok(pki) => pki,
        Err(crate::cns::CnsError::Fixture(e))
            if matches!(&*e, FixtureError::Missing(path) if path.ends_with("cns/pki.toml"))
                && matches!(fixtures, FixtureSource::Dir(_)) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e.into()),
    };
    let authority = Arc::new(crate::cns::CnsAuthority::new(pki, clock)?);
    // The CNS gateway identity provider runs when the fixtures hold its key pair.
    let gateway_key = match crate::fixtures::load_key(fixtures, "keys/cns-gateway") {
        Ok(key) => Some(Arc::new(key)),
        Err(FixtureError::Missing(_)) => None,
        Err(e) => return Err(crate::cns::CnsError::from(e).into()),
    };
    Ok(Some(
        crate::cns::endpoint::CnsEndpoint::start_with_gateway(
            authority,
            bind,
            gateway_key.map(|key| (state, key)),
            limits,
        )
        .await?,
    ))
}
