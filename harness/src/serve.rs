//! `serve`'s library part: every mock provider on loopback, the service providers given
//! already registered, and optionally the reference SP beside them (trusting every SPID and CIE
//! provider, with "Entra con CNS" and "Entra con PIN"), until stopped.

use crate::source::{read_text, SourceError};
use mock_idps::federation::{FederationConfig, FederationError, FederationUrls, MockFederation};
use mock_idps::fixtures::FixtureSource;
use mock_idps::saml::sp_metadata::SpMetadataError;
use mock_idps::spid::config::{EntityIds, IdpConfig};
use reference_sp::faults::Faults;
use reference_sp::ReferenceSp;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `--admin-token`, as `serve` (which requires it) and `login` and `load` (which send it to a
/// running `serve`) take it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AdminTokenArg {
    /// The token of the mocks' admin API (for machines shared with other users): `serve`
    /// requires it on every admin request (`x-admin-token` or `Authorization: Bearer`), `login`
    /// and `load` send it to the `serve` at --mocks. An empty token is none.
    #[arg(
        long = "admin-token",
        env = "SPID_HARNESS_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
}

impl AdminTokenArg {
    /// The token given; an empty one is none.
    pub fn token(&self) -> Option<String> {
        self.admin_token.clone().filter(|t| !t.is_empty())
    }
}

/// What to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (loopback only); port 0 picks a free port.
    pub bind: SocketAddr,
    /// SP metadata to register at start: file paths or http(s) URLs.
    pub sp_metadata: Vec<String>,
    /// Which entityIDs the providers present.
    pub entity_ids: EntityIds,
    /// A fixtures folder instead of the built-in one.
    pub fixtures: Option<PathBuf>,
    /// Seed for IDs, NameIDs and OTPs.
    pub seed: Option<u64>,
    /// The journal file of the PIN backend.
    pub pin_store: PathBuf,
    /// Also run the reference SP, with these checks switched off.
    pub reference_sp: Option<Faults>,
    /// Auto-login mixes to put in force (every AuthnRequest answered at once, nothing kept per
    /// login).
    pub auto_login: Vec<mock_idps::spid::script::AutoLogin>,
    /// A token every admin API request must carry ([`mock_idps::admin`]).
    pub admin_token: Option<String>,
    /// OpenID relying parties to on-board in the local federation at start, by entity id
    /// (their entity configurations are fetched with timeouts).
    pub oidc_rps: Vec<String>,
    /// The base URL the providers are reached at, behind a proxy or a port-forward (URLs in
    /// metadata and `--urls-json` start with it).
    pub public_url: Option<String>,
}

/// What `--urls-json` writes.
#[derive(Debug, serde::Serialize)]
pub struct ServeUrls {
    /// The mock providers.
    #[serde(flatten)]
    pub mocks: FederationUrls,
    /// The reference SP, when running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_sp: Option<reference_sp::SpUrls>,
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The bind address is not loopback.
    #[error("--bind {0} is not a loopback address: the mocks only listen on 127.0.0.0/8 or [::1]")]
    NotLoopback(SocketAddr),
    /// An SP metadata file or URL could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// An SP metadata document is not usable.
    #[error("{name}: {source}")]
    SpMetadata {
        /// The file or URL.
        name: String,
        /// Why.
        source: SpMetadataError,
    },
    /// The mock providers did not start.
    #[error(transparent)]
    Federation(FederationError),
    /// The reference SP's CNS endpoint could not be configured.
    #[error("configuring the reference SP's CNS endpoint")]
    Cns(#[source] reference_sp::cns::CnsSpError),
    /// The reference SP did not start.
    #[error("starting the reference SP")]
    ReferenceSp(#[source] reference_sp::SpError),
    /// The mocks refused the reference SP's metadata.
    #[error("registering the reference SP's metadata")]
    Register(#[source] SpMetadataError),
    /// An auto-login mix names a user or provider that does not exist.
    #[error("--auto-login")]
    AutoLogin(#[source] mock_idps::spid::script::AutoLoginError),
    /// An OpenID relying party could not be on-boarded.
    #[error("--oidc-rp {entity_id}")]
    OidcRp {
        /// The entity id.
        entity_id: String,
        /// Why.
        #[source]
        source: mock_idps::oidc::federation::LocalFederationError,
    },
}

/// The running providers (and reference SP); stop them with [`Served::shutdown`].
#[derive(Debug)]
pub struct Served {
    /// The mock providers.
    pub federation: MockFederation,
    /// The reference SP, when asked for.
    pub reference_sp: Option<ReferenceSp>,
}

impl Served {
    /// Every URL.
    pub fn urls(&self) -> ServeUrls {
        ServeUrls {
            mocks: self.federation.urls(),
            reference_sp: self.reference_sp.as_ref().map(|s| s.urls()),
        }
    }

    /// What `serve` prints at start: every URL a person or a service needs, one a line.
    pub fn banner(&self) -> String {
        use std::fmt::Write;
        let urls = self.urls();
        let m = &urls.mocks;
        let mut out = String::new();
        let _ = writeln!(out, "spid-harness mock SPID providers on {}", m.base);
        if let Some(cns) = &m.cns {
            let _ = writeln!(
                out,
                "  CNS       {}  (mutual TLS; CRLs under {}/cns/crl/)",
                cns.whoami, m.base
            );
        }
        let _ = writeln!(out, "  index     {}", m.index);
        let _ = writeln!(out, "  registry  {}", m.registry);
        let _ = writeln!(
            out,
            "  admin     {}  (JSON; loopback Host only, no cross-site requests)",
            m.admin
        );
        let _ = writeln!(out, "  PIN       {}/login  (JSON API {}/api)", m.pin, m.pin);
        for (id, p) in &m.providers {
            let _ = writeln!(
                out,
                "  {id:<11} L{} metadata {}  sso {}",
                p.max_level, p.metadata, p.sso
            );
        }
        let auto = self.federation.state().auto_logins();
        if !auto.is_empty() {
            let json = serde_json::to_string(&auto).unwrap_or_default();
            let _ = writeln!(out, "  auto-login {json}");
        }
        if let Some(f) = &m.oidc_federation {
            let _ = writeln!(out, "  OpenID Federation trust anchor {}", f.trust_anchor);
        }
        for rp in self.federation.oidc_federation().subordinates_summary() {
            let _ = writeln!(
                out,
                "  on-boarded {}  trust_marks {}",
                rp["entity_id"].as_str().unwrap_or_default(),
                rp["trust_marks"]
            );
        }
        if let Some(u) = &urls.reference_sp {
            let _ = writeln!(
                out,
                "reference SP {}  (metadata {}, protected page {})",
                u.base, u.metadata, u.me
            );
        }
        out.pop();
        out
    }

    /// Stops everything.
    pub async fn shutdown(self) {
        if let Some(sp) = self.reference_sp {
            sp.shutdown().await;
        }
        self.federation.shutdown().await;
    }
}

/// Starts what `config` asks for.
pub async fn start(config: ServeConfig) -> Result<Served, ServeError> {
    if !config.bind.ip().is_loopback() {
        return Err(ServeError::NotLoopback(config.bind));
    }
    let mut sp_metadata = Vec::new();
    for source in &config.sp_metadata {
        sp_metadata.push(read_text(source).await?);
    }
    let fed = MockFederation::start_with(FederationConfig {
        bind: config.bind,
        fixtures: config
            .fixtures
            .clone()
            .map(FixtureSource::Dir)
            .unwrap_or(FixtureSource::Embedded),
        idp: IdpConfig {
            entity_ids: config.entity_ids,
            ..IdpConfig::default()
        },
        clock: None,
        seed: config.seed,
        sp_metadata,
        pin_store: mock_idps::federation::PinStoreChoice::File(config.pin_store.clone()),
        cns_bind: SocketAddr::new(config.bind.ip(), 0),
        admin_token: config.admin_token.clone(),
        cns_limits: Default::default(),
        public_url: config.public_url.clone(),
    })
    .await
    .map_err(|e| match e {
        FederationError::SpMetadata { index, source } => ServeError::SpMetadata {
            name: config.sp_metadata[index].clone(),
            source,
        },
        e => ServeError::Federation(e),
    })?;
    for auto in &config.auto_login {
        fed.set_auto_login(auto.clone())
            .map_err(ServeError::AutoLogin)?;
    }
    for entity_id in &config.oidc_rps {
        fed.oidc_federation()
            .onboard(mock_idps::oidc::federation::OnboardRequest {
                entity_id: entity_id.clone(),
                trust_mark: Some(Default::default()),
                ..Default::default()
            })
            .await
            .map_err(|source| ServeError::OidcRp {
                entity_id: entity_id.clone(),
                source,
            })?;
    }
    let reference_sp = match &config.reference_sp {
        None => None,
        Some(faults) => Some(start_reference_sp(&fed, config.bind, faults.clone()).await?),
    };
    Ok(Served {
        federation: fed,
        reference_sp,
    })
}

/// The reference SP on the port after `bind`'s, trusting every provider of `fed`.
async fn start_reference_sp(
    fed: &MockFederation,
    bind: SocketAddr,
    faults: Faults,
) -> Result<ReferenceSp, ServeError> {
    let port = if bind.port() == 0 {
        0
    } else {
        bind.port().saturating_add(1)
    };
    let cns = match fed.cns() {
        Some(cns) => {
            Some(crate::conformance::reference::cns_endpoint(cns).map_err(ServeError::Cns)?)
        }
        None => None,
    };
    let sp = ReferenceSp::start(reference_sp::SpConfig {
        bind: SocketAddr::new(bind.ip(), port),
        idp_metadata: vec![fed.state().registry_xml.clone()],
        // "Entra con CIE": trust the CIE ID providers too.
        cie_idp_metadata: fed
            .state()
            .cie_idps
            .iter()
            .map(|i| i.metadata.clone())
            .collect(),
        faults,
        cns,
        // "Entra con PIN" against the PIN backend mounted beside the providers.
        pin_backend: Some(fed.urls().pin.clone()),
        ..reference_sp::SpConfig::default()
    })
    .await
    .map_err(ServeError::ReferenceSp)?;
    fed.register_sp_metadata(sp.metadata_xml())
        .map_err(ServeError::Register)?;
    Ok(sp)
}
