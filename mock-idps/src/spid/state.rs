//! The shared state of every mock SPID provider: the providers as running entities, registered
//! service providers, logins waiting on a page, IdP sessions (for logout), the login script and
//! the log of requests received.

use super::config::{EntityIds, IdpConfig};
use super::provider::Provider;
use super::request_rules::ValidatedRequest;
use super::script::ScriptedLogin;
use crate::cie::cards::CardStore;
use crate::clock::SharedClock;
use crate::fixtures::Fixtures;
use crate::ids::IdGenerator;
use crate::profile::{LogoutKind, SamlProfile};
use crate::saml::dsig::DsigError;
use crate::saml::idp_metadata::{aggregate_metadata, idp_metadata, IdpDescription};
use crate::saml::keys::SigningKey;
use crate::saml::sp_metadata::{SpMetadata, SpMetadataError};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use time::OffsetDateTime;

/// Name of the aggregate registry feed (as AgID's registry names it).
pub const REGISTRY_NAME: &str = "https://idps.spid.gov.it";

/// One provider as it runs: its entity, endpoints, key and signed metadata.
#[derive(Debug)]
pub struct IdpRuntime {
    /// The table row.
    pub provider: Provider,
    /// The SAML profile it speaks (SPID, or CIE for the CIE ID providers).
    pub profile: &'static SamlProfile,
    /// The entityID in use (local or real).
    pub entity_id: String,
    /// SSO endpoint.
    pub sso_url: String,
    /// SLO endpoint.
    pub slo_url: String,
    /// Metadata URL.
    pub metadata_url: String,
    /// Signing key.
    pub key: Arc<SigningKey>,
    /// Signed metadata, made once.
    pub metadata: String,
    /// `ID` of its `EntityDescriptor` (unique within the registry feed).
    pub metadata_id: String,
}

/// A login waiting for the user on one of the provider's pages.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    /// Provider id.
    pub provider: String,
    /// The request being answered.
    pub request: ValidatedRequest,
    /// RelayState to return.
    pub relay_state: Option<String>,
    /// When the login started (nr21 after `login_timeout`).
    pub started: OffsetDateTime,
    /// Where the user is.
    pub stage: Stage,
    /// Wrong credentials so far.
    pub failures: u32,
    /// The identity, once the credentials matched.
    pub user: Option<String>,
    /// The level being authenticated at.
    pub level: Option<super::level::Level>,
    /// The one-time code sent to the simulated phone, and its expiry.
    pub otp: Option<(String, OffsetDateTime)>,
}

/// The page a pending login is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// User name and password.
    Credentials,
    /// L2 one-time code.
    Otp,
    /// L3 device PIN.
    Device,
    /// CIE L3: the card on the simulated reader and its PIN.
    Card,
    /// Consent to release the attributes.
    Consent,
}

/// A session the IdP holds after a login, ended by single logout.
#[derive(Debug, Clone, Serialize)]
pub struct IdpSession {
    /// Provider id.
    pub provider: String,
    /// The SP logged into.
    pub sp_entity_id: String,
    /// The transient NameID given.
    pub name_id: String,
    /// The session index (sent at L1 only, kept always).
    pub session_index: String,
    /// The identity.
    pub user: String,
    /// The level authenticated at.
    pub level: super::level::Level,
    /// Whether the SP received the SessionIndex (the request asked for L1, SPID rules
    /// single-sign-on), so an IdP-initiated LogoutRequest names it.
    pub session_index_sent: bool,
}

/// A request the providers received, for tests to assert on.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedRequest {
    /// Provider id.
    pub provider: String,
    /// `redirect` or `post`.
    pub binding: String,
    /// The SP entityID, when known.
    pub sp_entity_id: Option<String>,
    /// The request ID, when present.
    pub request_id: Option<String>,
    /// The decoded XML.
    pub xml: String,
    /// `accepted`, or the SPID error code given (`nr14`…).
    pub verdict: String,
    /// Why, when refused.
    pub detail: Option<String>,
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// A provider has no key.
    #[error("no signing key for provider {0}")]
    NoKey(String),
    /// Metadata signing failed.
    #[error("signing metadata: {0}")]
    Metadata(#[from] DsigError),
}

/// Everything the provider endpoints share.
#[derive(Debug)]
pub struct MockState {
    /// Settings.
    pub config: IdpConfig,
    /// The one clock.
    pub clock: SharedClock,
    /// The one random source.
    pub ids: IdGenerator,
    /// Providers, users, keys.
    pub fixtures: Fixtures,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The SPID providers, by id, in table order.
    pub idps: Vec<IdpRuntime>,
    /// The CIE ID providers (production, pre-production), on the same SAML core.
    pub cie_idps: Vec<IdpRuntime>,
    /// The CIE cards and the simulated reader's scripted failures.
    pub cards: CardStore,
    /// The signed aggregate metadata.
    pub registry_xml: String,
    sps: RwLock<HashMap<String, Arc<SpMetadata>>>,
    pending: Mutex<(HashMap<String, PendingLogin>, VecDeque<String>)>,
    sessions: Mutex<Vec<IdpSession>>,
    script: Mutex<VecDeque<ScriptedLogin>>,
    received: Mutex<VecDeque<ReceivedRequest>>,
    logouts_sent: Mutex<VecDeque<(String, String)>>,
}

const MAX_RECEIVED: usize = 10_000;

impl MockState {
    /// Builds the providers for `base_url` and signs their metadata once.
    pub fn new(
        fixtures: Fixtures,
        config: IdpConfig,
        clock: SharedClock,
        ids: IdGenerator,
        base_url: &str,
    ) -> Result<Self, StateError> {
        let base = base_url.trim_end_matches('/').to_string();
        let build =
            |p: &Provider, profile: &'static SamlProfile| -> Result<IdpRuntime, StateError> {
                let key = fixtures
                    .keys
                    .get(&p.id)
                    .cloned()
                    .ok_or_else(|| StateError::NoKey(p.id.clone()))?;
                let root = format!("{base}/idp/{}", p.id);
                let entity_id = match config.entity_ids {
                    EntityIds::Local => root.clone(),
                    EntityIds::Real => p.entity_id.clone(),
                };
                let mut rt = IdpRuntime {
                    provider: p.clone(),
                    profile,
                    entity_id,
                    sso_url: format!("{root}/sso"),
                    // CIE: no SAML SLO, a plain GET logout (CIE manuale SP).
                    slo_url: match profile.logout {
                        LogoutKind::Saml => format!("{root}/slo"),
                        LogoutKind::PlainHttp => format!("{root}/logout"),
                    },
                    metadata_url: format!("{root}/metadata"),
                    key,
                    metadata: String::new(),
                    metadata_id: format!("_metadata_{}", p.id),
                };
                rt.metadata = idp_metadata(&describe(&rt), &rt.key)?;
                Ok(rt)
            };
        let idps = fixtures
            .providers
            .iter()
            .map(|p| build(p, SamlProfile::spid()))
            .collect::<Result<Vec<_>, _>>()?;
        let cie_idps = fixtures
            .cie_providers
            .iter()
            .map(|p| build(p, SamlProfile::cie()))
            .collect::<Result<Vec<_>, _>>()?;
        let cards = CardStore::new(&fixtures.cie_cards);
        let registry_key = fixtures
            .keys
            .get("registry")
            .cloned()
            .ok_or_else(|| StateError::NoKey("registry".into()))?;
        let descriptions: Vec<_> = idps.iter().map(describe).collect();
        let registry_xml = aggregate_metadata(
            REGISTRY_NAME,
            "_spid_harness_registry",
            &descriptions,
            &registry_key,
        )?;
        Ok(Self {
            config,
            clock,
            ids,
            fixtures,
            base_url: base,
            cards,
            idps,
            cie_idps,
            registry_xml,
            sps: RwLock::default(),
            pending: Mutex::default(),
            sessions: Mutex::default(),
            script: Mutex::default(),
            received: Mutex::default(),
            logouts_sent: Mutex::default(),
        })
    }

    /// A provider by id (SPID or CIE ID).
    pub fn idp(&self, id: &str) -> Option<&IdpRuntime> {
        self.idps
            .iter()
            .chain(&self.cie_idps)
            .find(|i| i.provider.id == id)
    }

    /// Registers (or replaces) an SP's metadata; returns its entityID.
    pub fn register_sp(&self, xml: &str) -> Result<String, SpMetadataError> {
        let sp = SpMetadata::parse(xml)?;
        let id = sp.entity_id.clone();
        self.sps
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), Arc::new(sp));
        Ok(id)
    }

    /// A registered SP by entityID.
    pub fn sp(&self, entity_id: &str) -> Option<Arc<SpMetadata>> {
        self.sps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(entity_id)
            .cloned()
    }

    /// The entityIDs of every registered SP.
    pub fn sp_ids(&self) -> Vec<String> {
        let mut ids: Vec<_> = self
            .sps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        ids.sort();
        ids
    }

    /// Queues a scripted login.
    pub fn push_script(&self, s: ScriptedLogin) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(s);
    }

    /// Takes the first scripted login meant for `provider`, if any.
    pub fn take_script(&self, provider: &str) -> Option<ScriptedLogin> {
        let mut q = self.script.lock().unwrap_or_else(|e| e.into_inner());
        let pos = q
            .iter()
            .position(|s| s.provider.as_deref().is_none_or(|p| p == provider))?;
        q.remove(pos)
    }

    /// Drops every scripted login not yet used.
    pub fn clear_script(&self) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Stores a pending login and returns its token; the oldest is evicted beyond the bound.
    pub fn put_pending(&self, login: PendingLogin) -> String {
        let token = self.ids.token();
        let mut guard = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        map.insert(token.clone(), login);
        order.push_back(token.clone());
        while order.len() > self.config.max_pending {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
        token
    }

    /// A pending login by token.
    pub fn pending(&self, token: &str) -> Option<PendingLogin> {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .get(token)
            .cloned()
    }

    /// Replaces a pending login.
    pub fn update_pending(&self, token: &str, login: PendingLogin) {
        if let Some(slot) = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .get_mut(token)
        {
            *slot = login;
        }
    }

    /// Removes a pending login (it finished).
    pub fn finish_pending(&self, token: &str) {
        let mut guard = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        guard.0.remove(token);
        guard.1.retain(|t| t != token);
    }

    /// Records a session after a successful login.
    pub fn add_session(&self, s: IdpSession) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(s);
    }

    /// Ends the session matching `pred`; returns it.
    pub fn end_session(&self, pred: impl Fn(&IdpSession) -> bool) -> Option<IdpSession> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let pos = sessions.iter().position(pred)?;
        Some(sessions.remove(pos))
    }

    /// The sessions open now.
    pub fn sessions(&self) -> Vec<IdpSession> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Remembers an IdP-initiated LogoutRequest (its ID and the SP it went to).
    pub fn logout_sent(&self, request_id: &str, sp_entity_id: &str) {
        let mut q = self.logouts_sent.lock().unwrap_or_else(|e| e.into_inner());
        q.push_back((request_id.to_string(), sp_entity_id.to_string()));
        while q.len() > MAX_RECEIVED {
            q.pop_front();
        }
    }

    /// Takes the LogoutRequest a LogoutResponse answers, if we sent it to that SP.
    pub fn take_logout_sent(&self, in_response_to: &str, sp_entity_id: &str) -> bool {
        let mut q = self.logouts_sent.lock().unwrap_or_else(|e| e.into_inner());
        match q
            .iter()
            .position(|(id, sp)| id == in_response_to && sp == sp_entity_id)
        {
            Some(pos) => q.remove(pos).is_some(),
            None => false,
        }
    }

    /// Logs a received request.
    pub fn record(&self, r: ReceivedRequest) {
        let mut q = self.received.lock().unwrap_or_else(|e| e.into_inner());
        q.push_back(r);
        while q.len() > MAX_RECEIVED {
            q.pop_front();
        }
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets the received requests.
    pub fn clear_received(&self) {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

fn describe(rt: &IdpRuntime) -> IdpDescription<'_> {
    IdpDescription {
        entity_id: &rt.entity_id,
        id: &rt.metadata_id,
        sso_url: &rt.sso_url,
        slo_url: (rt.profile.logout == LogoutKind::Saml).then_some(rt.slo_url.as_str()),
        organization: &rt.provider.organization,
        display_name: &rt.provider.name,
        organization_url: &rt.provider.organization_url,
        attributes: &rt.profile.attributes,
        cert_base64: rt.key.cert_base64(),
    }
}
