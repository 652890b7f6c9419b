//! The shared state of every mock SPID provider: the providers as running entities, registered
//! service providers, logins waiting on a page, IdP sessions (for logout), the login script and
//! the log of requests received.

use super::config::{EntityIds, IdpConfig};
use super::provider::Provider;
use super::request_rules::ValidatedRequest;
use super::script::{AutoLogin, AutoLoginError, NoCode, Outcome, ScriptedLogin};
use super::sessions::IdpSessions;
use crate::bounded::{BoundedMap, Limits, Weigh};
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
    /// Wrong credentials so far, against `IdpConfig::max_attempts` (nr19 at the limit).
    pub tries: crate::tries::Tries,
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
    /// The decoded XML, or its first [`IdpConfig::log_xml_excerpt`] bytes when longer.
    pub xml: String,
    /// The decoded XML's full length in bytes (more than `xml.len()` when cut).
    pub xml_bytes: usize,
    /// `accepted`, or the SPID error code given (`nr14`…).
    pub verdict: String,
    /// Why, when refused (at most a short excerpt of the input it quotes).
    pub detail: Option<String>,
}

impl ReceivedRequest {
    /// Whether `xml` is only the beginning of the message.
    pub fn xml_truncated(&self) -> bool {
        self.xml_bytes > self.xml.len()
    }
}

impl Weigh for ReceivedRequest {
    fn weight(&self) -> usize {
        self.provider.len()
            + self.binding.len()
            + self.sp_entity_id.as_ref().map_or(0, String::len)
            + self.request_id.as_ref().map_or(0, String::len)
            + self.xml.len()
            + self.verdict.len()
            + self.detail.as_ref().map_or(0, String::len)
    }
}

impl Weigh for PendingLogin {
    fn weight(&self) -> usize {
        let r = &self.request;
        self.provider.len()
            + r.id.len()
            + r.sp_entity_id.len()
            + r.acs_url.len()
            + r.attributes.iter().map(|a| a.len() + 24).sum::<usize>()
            + r.purpose.as_ref().map_or(0, String::len)
            + self.relay_state.as_ref().map_or(0, String::len)
            + self.user.as_ref().map_or(0, String::len)
            + self.otp.as_ref().map_or(0, |(o, _)| o.len())
            + 128
    }
}

/// The scripted-login queue is full (`IdpConfig::max_script`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} scripted logins are already queued: let them run or DELETE /admin/next-login")]
pub struct ScriptQueueFull(pub usize);

/// Why a scripted login was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptRefused {
    /// The queue is full.
    #[error(transparent)]
    QueueFull(#[from] ScriptQueueFull),
    /// The provider named cannot end a login that way.
    #[error("provider {:?}: the {} profile has no error code for the outcome {}; script one of {} there, or name another provider", .0.provider, .0.profile, .0.outcome, .0.codes)]
    NoCode(NoCode),
}

impl IdpRuntime {
    /// `Ok` when a login at this provider can end with `outcome`.
    pub fn can_end(&self, outcome: Outcome) -> Result<(), NoCode> {
        if self.profile.expresses(outcome) {
            return Ok(());
        }
        Err(NoCode {
            provider: self.provider.id.clone(),
            profile: self.profile.name.clone(),
            outcome: outcome.name().into(),
            codes: self.profile.outcome_names(),
        })
    }
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

/// The auto-login mixes in force: one for every provider, and per-provider ones that win over it.
#[derive(Debug, Clone, Default)]
struct AutoLoginTable {
    all: Option<Arc<AutoLogin>>,
    by_provider: std::collections::BTreeMap<String, Arc<AutoLogin>>,
}

/// What `GET /admin/auto-login` shows: the mixes in force.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct AutoLogins {
    /// For every provider without its own.
    pub all: Option<AutoLogin>,
    /// By provider id.
    pub by_provider: std::collections::BTreeMap<String, AutoLogin>,
}

impl AutoLogins {
    /// Whether no mix is in force.
    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.by_provider.is_empty()
    }
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
    pending: Mutex<BoundedMap<String, PendingLogin>>,
    sessions: Mutex<IdpSessions>,
    script: Mutex<VecDeque<ScriptedLogin>>,
    auto_login: RwLock<AutoLoginTable>,
    received: Mutex<BoundedMap<u64, ReceivedRequest>>,
    received_seq: std::sync::atomic::AtomicU64,
    logouts_sent: Mutex<BoundedMap<String, String>>,
    /// The OpenID Providers' tables (requests waiting on the shared login pages, codes, tokens).
    pub oidc: crate::oidc::op::state::OpState,
}

/// Most SPs registered at once.
pub const MAX_SPS: usize = 1_000;
/// Most bytes of SP metadata registered at once.
pub const MAX_SP_BYTES: usize = 64 << 20;

/// Most IdP-initiated LogoutRequests awaiting their LogoutResponse.
const MAX_LOGOUTS_SENT: usize = 10_000;

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
            clock,
            ids,
            fixtures,
            base_url: base,
            cards,
            idps,
            cie_idps,
            registry_xml,
            sps: RwLock::default(),
            pending: Mutex::new(BoundedMap::new(Limits {
                max_entries: config.max_pending,
                max_bytes: config.max_pending_bytes,
                ttl: config.pending_lifetime(),
            })),
            sessions: Mutex::new(IdpSessions::new(Limits {
                max_entries: config.max_sessions,
                max_bytes: config.max_session_bytes,
                ttl: config.session_lifetime,
            })),
            script: Mutex::default(),
            auto_login: RwLock::default(),
            received: Mutex::new(BoundedMap::new(Limits {
                max_entries: config.max_log_entries,
                max_bytes: config.max_log_bytes,
                ttl: config.log_lifetime,
            })),
            received_seq: std::sync::atomic::AtomicU64::new(0),
            logouts_sent: Mutex::new(BoundedMap::new(Limits {
                max_entries: MAX_LOGOUTS_SENT,
                max_bytes: MAX_LOGOUTS_SENT * 512,
                ttl: config.session_lifetime,
            })),
            oidc: crate::oidc::op::state::OpState::default(),
            config,
        })
    }

    /// The organization name of an OIDC relying party that started a login lately.
    pub fn oidc_rp_name(&self, client_id: &str) -> Option<String> {
        self.oidc.rp_name(client_id, self.clock.now())
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
        let mut sps = self.sps.write().unwrap_or_else(|e| e.into_inner());
        if !sps.contains_key(&id) {
            if sps.len() >= MAX_SPS {
                return Err(SpMetadataError::RegistryFull(format!(
                    "{MAX_SPS} SPs are registered already"
                )));
            }
            let bytes: usize = sps.values().map(|s| s.xml.len()).sum::<usize>() + sp.xml.len();
            if bytes > MAX_SP_BYTES {
                return Err(SpMetadataError::RegistryFull(format!(
                    "the registered SP metadata would exceed {} MiB",
                    MAX_SP_BYTES >> 20
                )));
            }
        }
        sps.insert(id.clone(), Arc::new(sp));
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

    /// Queues a scripted login; refused when [`IdpConfig::max_script`] are already queued, or
    /// when the provider it names has no error code for its outcome (a CIE login cannot end
    /// in nr20: it would end on a system-error page instead).
    pub fn push_script(&self, s: ScriptedLogin) -> Result<(), ScriptRefused> {
        if let Some(idp) = s.provider.as_deref().and_then(|p| self.idp(p)) {
            idp.can_end(s.outcome).map_err(ScriptRefused::NoCode)?;
        }
        let mut q = self.script.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() >= self.config.max_script {
            return Err(ScriptQueueFull(q.len()).into());
        }
        q.push_back(s);
        Ok(())
    }

    /// Takes the first scripted login meant for `provider`, if any. A script naming no provider
    /// whose outcome `provider`'s profile has no code for is left for a provider that has one.
    pub fn take_script(&self, provider: &str) -> Option<ScriptedLogin> {
        let expresses = |o| self.idp(provider).is_none_or(|i| i.profile.expresses(o));
        let mut q = self.script.lock().unwrap_or_else(|e| e.into_inner());
        let pos = q.iter().position(|s| match s.provider.as_deref() {
            Some(p) => p == provider,
            None => expresses(s.outcome),
        })?;
        q.remove(pos)
    }

    /// Drops every scripted login not yet used.
    pub fn clear_script(&self) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Puts an auto-login mix in force, for its providers or (none named) for every provider,
    /// after checking its users and providers exist.
    pub fn set_auto_login(&self, auto: AutoLogin) -> Result<(), AutoLoginError> {
        auto.total_weight().ok_or(AutoLoginError::Empty)?;
        if let Some(e) = auto
            .entries
            .iter()
            .find(|e| self.fixtures.user(&e.user).is_none())
        {
            return Err(AutoLoginError::UnknownUser(e.user.clone()));
        }
        if let Some(p) = auto.providers.iter().find(|p| self.idp(p).is_none()) {
            return Err(AutoLoginError::UnknownProvider(p.clone()));
        }
        // Every provider the mix applies to must be able to end each entry's login.
        let applies: Vec<&IdpRuntime> = if auto.providers.is_empty() {
            self.idps.iter().chain(&self.cie_idps).collect()
        } else {
            auto.providers.iter().filter_map(|p| self.idp(p)).collect()
        };
        for idp in applies {
            for e in &auto.entries {
                idp.can_end(e.outcome).map_err(AutoLoginError::NoCode)?;
            }
        }
        let mut table = self.auto_login.write().unwrap_or_else(|e| e.into_inner());
        let providers = auto.providers.clone();
        let auto = Arc::new(auto);
        if providers.is_empty() {
            table.all = Some(auto);
        } else {
            for p in providers {
                table.by_provider.insert(p, auto.clone());
            }
        }
        Ok(())
    }

    /// Ends auto-login at `provider` (its own mix), or everywhere when `None`.
    pub fn clear_auto_login(&self, provider: Option<&str>) {
        let mut table = self.auto_login.write().unwrap_or_else(|e| e.into_inner());
        match provider {
            Some(p) => {
                table.by_provider.remove(p);
            }
            None => *table = AutoLoginTable::default(),
        }
    }

    /// The auto-login mix `provider` answers with, if any.
    pub fn auto_login_for(&self, provider: &str) -> Option<Arc<AutoLogin>> {
        let table = self.auto_login.read().unwrap_or_else(|e| e.into_inner());
        table
            .by_provider
            .get(provider)
            .or(table.all.as_ref())
            .cloned()
    }

    /// The auto-login mixes in force.
    pub fn auto_logins(&self) -> AutoLogins {
        let table = self.auto_login.read().unwrap_or_else(|e| e.into_inner());
        AutoLogins {
            all: table.all.as_deref().cloned(),
            by_provider: table
                .by_provider
                .iter()
                .map(|(k, v)| (k.clone(), (**v).clone()))
                .collect(),
        }
    }

    /// Stores a pending login and returns its token; the oldest is evicted beyond the bound.
    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Stores a pending login and returns its token; the oldest is evicted beyond the caps.
    pub fn put_pending(&self, login: PendingLogin) -> String {
        let token = self.ids.token();
        let now = self.now();
        let dropped = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone(), login, now);
        // Dropped values are freed here, after the lock.
        drop(dropped);
        token
    }

    /// A pending login by token (none once expired).
    pub fn pending(&self, token: &str) -> Option<PendingLogin> {
        let now = self.now();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&token.to_string(), now)
            .cloned()
    }

    /// Replaces a pending login.
    pub fn update_pending(&self, token: &str, login: PendingLogin) {
        let now = self.now();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .update(&token.to_string(), now, |slot| *slot = login);
    }

    /// Removes a pending login (it finished).
    pub fn finish_pending(&self, token: &str) {
        let old = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&token.to_string());
        drop(old);
    }

    /// How many pending logins are kept, and their bytes.
    pub fn pending_usage(&self) -> (usize, usize) {
        let p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        (p.len(), p.bytes())
    }

    fn sessions_lock(&self) -> std::sync::MutexGuard<'_, IdpSessions> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a session after a successful login.
    pub fn add_session(&self, s: IdpSession) {
        let now = self.now();
        self.sessions_lock().add(s, now);
    }

    /// Ends the session `session_index`; returns it.
    pub fn end_session_by_index(&self, session_index: &str) -> Option<IdpSession> {
        let now = self.now();
        self.sessions_lock().end_by_index(session_index, now)
    }

    /// Ends the session of `name_id` given to `sp` by `provider`; returns it.
    pub fn end_session_of(&self, provider: &str, sp: &str, name_id: &str) -> Option<IdpSession> {
        let now = self.now();
        self.sessions_lock()
            .end_by_name_id(provider, sp, name_id, now)
    }

    /// Ends every session `provider` holds; returns how many.
    pub fn end_sessions_of_provider(&self, provider: &str) -> usize {
        let now = self.now();
        self.sessions_lock().end_all_of(provider, now)
    }

    /// The session `session_index` of `provider`, or its newest one when `None`.
    pub fn session_at(&self, provider: &str, session_index: Option<&str>) -> Option<IdpSession> {
        let now = self.now();
        let s = self.sessions_lock();
        match session_index {
            Some(i) => s.get_at(provider, i, now),
            None => s.newest_of(provider, now),
        }
    }

    /// The sessions open now.
    pub fn sessions(&self) -> Vec<IdpSession> {
        let now = self.now();
        self.sessions_lock().all(now)
    }

    /// How many IdP sessions are kept, and their bytes.
    pub fn session_usage(&self) -> (usize, usize) {
        let s = self.sessions_lock();
        (s.len(), s.bytes())
    }

    /// How many IdP sessions lookups, logouts and listings have examined so far, for tests
    /// that a logout goes through the provider index instead of scanning every session
    /// (issue 11, defect 5; see [`crate::bounded::BoundedMap::examined`]).
    #[doc(hidden)]
    pub fn sessions_examined(&self) -> u64 {
        self.sessions_lock().examined()
    }

    /// Remembers an IdP-initiated LogoutRequest (its ID and the SP it went to).
    pub fn logout_sent(&self, request_id: &str, sp_entity_id: &str) {
        let now = self.now();
        self.logouts_sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(request_id.to_string(), sp_entity_id.to_string(), now);
    }

    /// Takes the LogoutRequest a LogoutResponse answers, if we sent it to that SP.
    pub fn take_logout_sent(&self, in_response_to: &str, sp_entity_id: &str) -> bool {
        let now = self.now();
        let mut q = self.logouts_sent.lock().unwrap_or_else(|e| e.into_inner());
        let key = in_response_to.to_string();
        if q.get(&key, now).is_some_and(|sp| sp == sp_entity_id) {
            q.remove(&key);
            true
        } else {
            false
        }
    }

    /// Logs a received request, keeping a bounded excerpt of its XML and detail.
    pub fn record(&self, mut r: ReceivedRequest) {
        r.xml_bytes = r.xml_bytes.max(r.xml.len());
        truncate_on_char(&mut r.xml, self.config.log_xml_excerpt);
        if let Some(d) = r.detail.as_mut() {
            truncate_on_char(d, 1024);
        }
        let seq = self
            .received_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = self.now();
        let dropped = self
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(seq, r, now);
        drop(dropped);
    }

    /// The requests received so far (oldest first, within the log's caps).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        let now = self.now();
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter(now)
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// How many requests the log keeps, and their bytes.
    pub fn received_usage(&self) -> (usize, usize) {
        let r = self.received.lock().unwrap_or_else(|e| e.into_inner());
        (r.len(), r.bytes())
    }

    /// Forgets the received requests.
    pub fn clear_received(&self) {
        let old = std::mem::replace(
            &mut *self.received.lock().unwrap_or_else(|e| e.into_inner()),
            BoundedMap::new(Limits {
                max_entries: self.config.max_log_entries,
                max_bytes: self.config.max_log_bytes,
                ttl: self.config.log_lifetime,
            }),
        );
        // Freed after the lock.
        drop(old);
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary.
fn truncate_on_char(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.shrink_to_fit();
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
