//! The mocks' own federation: a trust anchor, an intermediate, a second intermediate below it
//! (only to build chains past `max_path_length`), and a trust-mark issuer, all signing with the
//! embedded fixture keys; the subordinates registered with them (the mocks' OPs, on-boarded
//! relying parties); the trust marks issued; and the resolver everything shares.
//!
//! Entity ids are `<base>/oidc/fed/{ta,intermediate,intermediate-deep,tmi}`; each serves
//! `/.well-known/openid-federation`, `/fetch`, `/list`; the anchor also `/resolve`; the anchor
//! and the issuer `/trust_mark_status` (see [`super::routes`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::chain::{ResolveRequest, TrustChain, TrustChainResolver};
use super::error::{FederationErrorBody, FederationErrorCode};
use super::fetch::{check_url, well_known_url, BoxFuture, EntityFetcher, FetchError, HttpFetcher};
use super::policy::MetadataPolicy;
use super::statement::{Constraints, DecodedStatement, EntityStatement, RESOLVE_RESPONSE_TYP};
use super::trust_mark::{TrustMarkClaims, TrustMarkNaming, TrustMarkRef};
use crate::clock::SharedClock;
use crate::fixtures::FixtureSource;
use crate::oidc::jose::{jws, Header, JoseError, Jwks, JwsAlg, PrivateKey};
use crate::oidc::keys::{self, KeyFixtureError, KeyRole};

/// Most subordinates the federation keeps (registrations beyond it are refused).
pub const MAX_SUBORDINATES: usize = 4096;

/// Where a subordinate hangs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Superior {
    /// Directly below the trust anchor.
    #[default]
    TrustAnchor,
    /// Below the intermediate (one intermediate in the chain).
    Intermediate,
    /// Below the second intermediate (two intermediates: past the default `max_path_length` 1).
    DeepIntermediate,
}

/// A trust mark issued on purpose wrong (or not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustMarkFault {
    /// A correct mark.
    #[default]
    Valid,
    /// `exp` in the past.
    Expired,
    /// `sub` names another entity.
    WrongSubject,
    /// Signed and issued by the intermediate, which the anchor does not list as an issuer.
    UnlistedIssuer,
    /// Claims the issuer but signed with a key that is not the issuer's.
    BadSignature,
}

/// Why an in-process entity gave no configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EcSourceError {
    /// The federation it belongs to was dropped.
    #[error("the federation has stopped")]
    FederationStopped,
    /// The configuration could not be signed.
    #[error("signing the entity configuration")]
    Sign(#[source] JoseError),
}

impl EcSourceError {
    /// The message and its cause in one line (for a federation error body).
    fn with_cause(&self) -> String {
        match std::error::Error::source(self) {
            Some(cause) => format!("{self}: {cause}"),
            None => self.to_string(),
        }
    }
}

/// Produces an in-process entity's configuration JWT.
#[derive(Clone)]
pub struct EcSource(Arc<dyn Fn() -> Result<String, EcSourceError> + Send + Sync>);

impl EcSource {
    /// A source that calls `f` each time the configuration is fetched.
    pub fn new(f: impl Fn() -> Result<String, EcSourceError> + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// The entity configuration JWT, produced now.
    pub fn configuration(&self) -> Result<String, EcSourceError> {
        (self.0)()
    }
}

/// Debug output says only that the entity is served in process.
impl std::fmt::Debug for EcSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EcSource(in process)")
    }
}

/// A registered subordinate.
#[derive(Debug, Clone)]
pub struct Subordinate {
    /// Its entity id.
    pub entity_id: String,
    /// Its superior.
    pub superior: Superior,
    /// Its federation keys (put in the superior's statement).
    pub jwks: Jwks,
    /// Its entity types (for `list?entity_type=`).
    pub entity_types: Vec<String>,
    /// Issue its subordinate statement already expired.
    pub expired_statement: bool,
    /// Sign its subordinate statement with a key that is not the superior's (a forged
    /// statement: its signature does not verify with the superior's keys).
    pub forged_statement: bool,
    source: Option<EcSource>,
}

#[derive(Debug, Clone)]
struct IssuedMark {
    reference: TrustMarkRef,
    exp: i64,
    revoked: bool,
    genuine: bool,
}

/// The federation's data file (`fixtures/oidc/federation.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct FederationData {
    /// `organization_name` of the federation entities.
    pub organization_name: String,
    /// The anchor's `constraints.max_path_length`.
    pub max_path_length: u32,
    /// Lifetime of every statement issued, in seconds.
    pub statement_lifetime_seconds: i64,
    /// Lifetime of a trust mark, in seconds.
    pub trust_mark_lifetime_seconds: i64,
    /// Trust mark type by entity type (`{ta}` is the anchor's entity id).
    pub trust_mark_types: BTreeMap<String, String>,
    /// The policy in the anchor's statements.
    pub policy: MetadataPolicy,
}

/// Why the federation could not be set up or a registration was refused.
#[derive(Debug, thiserror::Error)]
pub enum LocalFederationError {
    /// A key is missing or bad.
    #[error(transparent)]
    Key(#[from] KeyFixtureError),
    /// The data file is missing or invalid.
    #[error("fixtures/oidc/federation.json: {0}")]
    Data(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Jose(#[from] JoseError),
    /// A registration was refused.
    #[error("{code}: {message}")]
    Refused {
        /// The federation error code.
        code: FederationErrorCode,
        /// Why.
        message: String,
    },
}

impl LocalFederationError {
    fn refused(code: FederationErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }
}

/// Options of the local federation.
#[derive(Debug, Clone, Default)]
pub struct LocalFederationConfig {
    /// Which trust-mark naming is emitted (both are always accepted).
    pub naming: TrustMarkNaming,
    /// Overrides the data file's `max_path_length`.
    pub max_path_length: Option<u32>,
    /// Fetch entities the federation does not serve itself over HTTP with these limits (on-boarded
    /// external RPs); `None`: such fetches fail as not found.
    pub http: Option<super::fetch::HttpLimits>,
}

#[derive(Debug)]
struct Authority {
    entity_id: String,
    key: PrivateKey,
    superior: Option<String>,
}

impl Authority {
    fn endpoint(&self, name: &str) -> String {
        format!("{}/{name}", self.entity_id)
    }
}

/// The trust anchor, intermediates, trust-mark issuer, their subordinates and marks.
#[derive(Debug)]
pub struct LocalFederation {
    base: String,
    naming: Mutex<TrustMarkNaming>,
    data: FederationData,
    config: LocalFederationConfig,
    clock: SharedClock,
    ta: Authority,
    intermediate: Authority,
    deep: Authority,
    tmi: Authority,
    stray_key: PrivateKey,
    subordinates: Mutex<BTreeMap<String, Subordinate>>,
    marks: Mutex<BTreeMap<(String, String), IssuedMark>>,
    /// Leaf configurations built wrong on purpose, by entity id (registered subordinates only,
    /// so bounded by [`MAX_SUBORDINATES`]).
    leaf_faults: Mutex<BTreeMap<String, LeafFault>>,
    resolver: TrustChainResolver,
}

/// What is wrong, on purpose, with the entity configuration the federation builds for one of
/// its in-process leaves ([`LocalFederation::leaf_configuration`]): a relying party that
/// resolves the leaf must refuse it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeafFault {
    /// The self-signature does not verify (one bit of it flipped).
    CorruptSignature,
    /// Already expired: `iat` and `exp` in the past.
    Expired,
    /// `metadata.<entity_type>` without `member` (e.g. one the trust anchor's policy makes
    /// essential).
    WithoutMetadataMember {
        /// The metadata's entity type (`openid_provider`...).
        entity_type: String,
        /// The member left out.
        member: String,
    },
}

/// What on-boarding was asked to do.
#[derive(Debug, Clone, Default)]
pub struct OnboardRequest {
    /// The entity id (its configuration is fetched from `<id>/.well-known/openid-federation`).
    pub entity_id: String,
    /// Where it hangs.
    pub superior: Superior,
    /// The trust mark to issue (`None`: none).
    pub trust_mark: Option<TrustMarkFault>,
    /// Issue its subordinate statement already expired.
    pub expired_statement: bool,
    /// The entity type (`openid_relying_party` unless said otherwise).
    pub entity_type: Option<String>,
    /// An in-process source of its configuration instead of fetching it.
    pub source: Option<EcSource>,
}

/// What on-boarding did.
#[derive(Debug, Clone, Serialize)]
pub struct OnboardReport {
    /// The entity id.
    pub entity_id: String,
    /// The superior's entity id.
    pub superior: String,
    /// Where its subordinate statement is served.
    pub statement_url: String,
    /// The trust marks issued (to put in its entity configuration).
    pub trust_marks: Vec<TrustMarkRef>,
    /// Problems that will stop its chain from resolving until fixed.
    pub warnings: Vec<String>,
}

fn entity_id(base: &str, name: &str) -> String {
    format!("{}/oidc/fed/{name}", base.trim_end_matches('/'))
}

impl LocalFederation {
    /// Sets the federation up under `base_url` (`http://127.0.0.1:PORT`) with the keys and data
    /// of `fixtures`.
    pub fn new(
        base_url: &str,
        fixtures: &FixtureSource,
        clock: SharedClock,
        config: LocalFederationConfig,
    ) -> Result<Arc<Self>, LocalFederationError> {
        let text = fixtures
            .read("oidc/federation.json")
            .map_err(|e| LocalFederationError::Data(e.to_string()))?;
        let data: FederationData =
            serde_json::from_str(&text).map_err(|e| LocalFederationError::Data(e.to_string()))?;
        let authority = |name: &str, key: &str, superior: Option<String>| {
            Ok::<_, LocalFederationError>(Authority {
                entity_id: entity_id(base_url, name),
                key: keys::load(fixtures, key, KeyRole::Federation)?,
                superior,
            })
        };
        let ta = authority("ta", "trust-anchor", None)?;
        let intermediate = authority("intermediate", "intermediate", Some(ta.entity_id.clone()))?;
        let deep = authority(
            "intermediate-deep",
            "intermediate-deep",
            Some(intermediate.entity_id.clone()),
        )?;
        let tmi = authority("tmi", "trust-mark-issuer", Some(ta.entity_id.clone()))?;
        let stray_key = keys::load(fixtures, "intermediate-deep", KeyRole::Signing)?;
        let ta_jwks = Jwks::new(vec![ta.key.public_jwk().clone()]);
        let ta_id = ta.entity_id.clone();
        let fed = Arc::new_cyclic(|weak: &Weak<LocalFederation>| {
            let fetcher = LocalFetcher {
                fed: weak.clone(),
                http: config.http.map(HttpFetcher::new),
            };
            let resolver = TrustChainResolver::new(Arc::new(fetcher), clock.clone());
            resolver.trust_anchor(&ta_id, ta_jwks);
            LocalFederation {
                base: base_url.trim_end_matches('/').to_owned(),
                naming: Mutex::new(config.naming),
                data,
                config,
                clock,
                ta,
                intermediate,
                deep,
                tmi,
                stray_key,
                subordinates: Mutex::new(BTreeMap::new()),
                marks: Mutex::new(BTreeMap::new()),
                leaf_faults: Mutex::new(BTreeMap::new()),
                resolver,
            }
        });
        Ok(fed)
    }

    /// The entity id of the federation entity named `name` in URLs (`ta`, `intermediate`,
    /// `intermediate-deep`, `tmi`), if it is one.
    pub fn entity_named(&self, name: &str) -> Option<&str> {
        let id = entity_id(&self.base, name);
        self.authority(&id).map(|a| a.entity_id.as_str())
    }

    /// The trust anchor's entity id.
    pub fn trust_anchor_id(&self) -> &str {
        &self.ta.entity_id
    }

    /// The intermediate's entity id.
    pub fn intermediate_id(&self) -> &str {
        &self.intermediate.entity_id
    }

    /// The second intermediate's entity id.
    pub fn deep_intermediate_id(&self) -> &str {
        &self.deep.entity_id
    }

    /// The trust-mark issuer's entity id.
    pub fn trust_mark_issuer_id(&self) -> &str {
        &self.tmi.entity_id
    }

    /// The entity id of `superior`.
    pub fn superior_id(&self, superior: Superior) -> &str {
        match superior {
            Superior::TrustAnchor => &self.ta.entity_id,
            Superior::Intermediate => &self.intermediate.entity_id,
            Superior::DeepIntermediate => &self.deep.entity_id,
        }
    }

    /// The trust anchor's federation keys (what an OP is configured to trust).
    pub fn trust_anchor_jwks(&self) -> Jwks {
        Jwks::new(vec![self.ta.key.public_jwk().clone()])
    }

    /// The trust mark type for `entity_type` (`openid_relying_party`, `openid_provider`).
    pub fn trust_mark_type(&self, entity_type: &str) -> Option<String> {
        self.data
            .trust_mark_types
            .get(entity_type)
            .map(|t| t.replace("{ta}", &self.ta.entity_id))
    }

    /// The naming emitted.
    pub fn naming(&self) -> TrustMarkNaming {
        *self.naming.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Emits `naming` from now on (marks already issued keep theirs).
    pub fn set_naming(&self, naming: TrustMarkNaming) {
        *self.naming.lock().unwrap_or_else(|e| e.into_inner()) = naming;
    }

    /// The shared resolver (its cache honours each chain's `exp`).
    pub fn resolver(&self) -> &TrustChainResolver {
        &self.resolver
    }

    /// The shared clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    fn now(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    fn lifetime(&self) -> i64 {
        self.data.statement_lifetime_seconds
    }

    fn authorities(&self) -> [&Authority; 4] {
        [&self.ta, &self.intermediate, &self.deep, &self.tmi]
    }

    fn authority(&self, entity_id: &str) -> Option<&Authority> {
        self.authorities()
            .into_iter()
            .find(|a| a.entity_id == entity_id)
    }

    /// The entity configuration of one of the federation's own entities.
    pub fn authority_configuration(&self, entity_id: &str) -> Result<String, FederationErrorBody> {
        let a = self.authority(entity_id).ok_or_else(|| {
            FederationErrorBody::new(
                FederationErrorCode::NotFound,
                format!("{entity_id} is not an entity of this federation"),
            )
        })?;
        let now = self.now();
        let mut st = EntityStatement::new(
            &a.entity_id,
            &a.entity_id,
            now,
            now + self.lifetime(),
            Jwks::new(vec![a.key.public_jwk().clone()]),
        );
        let mut fe = Map::new();
        fe.insert(
            "organization_name".into(),
            self.data.organization_name.clone().into(),
        );
        fe.insert("homepage_uri".into(), a.entity_id.clone().into());
        if a.entity_id != self.tmi.entity_id {
            fe.insert(
                "federation_fetch_endpoint".into(),
                a.endpoint("fetch").into(),
            );
            fe.insert("federation_list_endpoint".into(), a.endpoint("list").into());
        }
        if a.entity_id == self.ta.entity_id {
            fe.insert(
                "federation_resolve_endpoint".into(),
                a.endpoint("resolve").into(),
            );
        }
        if a.entity_id == self.ta.entity_id || a.entity_id == self.tmi.entity_id {
            fe.insert(
                "federation_trust_mark_status_endpoint".into(),
                a.endpoint("trust_mark_status").into(),
            );
        }
        let mut md = Map::new();
        md.insert("federation_entity".into(), Value::Object(fe));
        st.metadata = Some(md);
        match &a.superior {
            Some(sup) => st.authority_hints = Some(vec![sup.clone()]),
            None => {
                st.constraints = Some(Constraints {
                    max_path_length: Some(
                        self.config
                            .max_path_length
                            .unwrap_or(self.data.max_path_length),
                    ),
                    ..Constraints::default()
                });
                let issuers: BTreeMap<String, Vec<String>> = self
                    .data
                    .trust_mark_types
                    .keys()
                    .filter_map(|t| self.trust_mark_type(t))
                    .map(|t| (t, vec![self.tmi.entity_id.clone()]))
                    .collect();
                st.trust_mark_issuers = Some(issuers);
            }
        }
        st.sign(&a.key).map_err(server_error)
    }

    fn subordinates_of(&self, issuer: &str) -> Vec<(String, Jwks, Vec<String>, bool, bool)> {
        let mut out = Vec::new();
        for a in self.authorities() {
            if a.superior.as_deref() == Some(issuer) {
                out.push((
                    a.entity_id.clone(),
                    Jwks::new(vec![a.key.public_jwk().clone()]),
                    vec!["federation_entity".to_owned()],
                    false,
                    false,
                ));
            }
        }
        let subs = self.subordinates.lock().unwrap_or_else(|e| e.into_inner());
        for s in subs.values() {
            if self.superior_id(s.superior) == issuer {
                out.push((
                    s.entity_id.clone(),
                    s.jwks.clone(),
                    s.entity_types.clone(),
                    s.expired_statement,
                    s.forged_statement,
                ));
            }
        }
        out
    }

    /// The subordinate statement `issuer` publishes about `sub` (the fetch endpoint).
    pub fn subordinate_statement(
        &self,
        issuer: &str,
        sub: Option<&str>,
    ) -> Result<String, FederationErrorBody> {
        let a = self.authority(issuer).ok_or_else(|| {
            FederationErrorBody::new(
                FederationErrorCode::NotFound,
                format!("{issuer} is not here"),
            )
        })?;
        let sub = sub.filter(|s| !s.is_empty()).ok_or_else(|| {
            FederationErrorBody::new(
                FederationErrorCode::InvalidRequest,
                "the fetch endpoint needs the sub parameter (the subordinate's entity id)",
            )
        })?;
        if sub == issuer {
            return Err(FederationErrorBody::new(
                FederationErrorCode::InvalidRequest,
                "sub is the issuer itself: its configuration is at /.well-known/openid-federation",
            ));
        }
        let (id, jwks, _, expired, forged) = self
            .subordinates_of(issuer)
            .into_iter()
            .find(|(id, ..)| id == sub)
            .ok_or_else(|| {
                FederationErrorBody::new(
                    FederationErrorCode::NotFound,
                    format!("{sub} is not a subordinate of {issuer}"),
                )
            })?;
        let now = self.now();
        let (iat, exp) = if expired {
            (now - 2 * self.lifetime(), now - 60)
        } else {
            (now, now + self.lifetime())
        };
        let mut st = EntityStatement::new(issuer, &id, iat, exp, jwks);
        st.source_endpoint = Some(a.endpoint("fetch"));
        if issuer == self.ta.entity_id && !self.data.policy.is_empty() {
            st.metadata_policy = Some(self.data.policy.clone());
        }
        let key = if forged { &self.stray_key } else { &a.key };
        st.sign(key).map_err(server_error)
    }

    /// The list endpoint: `issuer`'s immediate subordinates, optionally of one entity type.
    pub fn list(
        &self,
        issuer: &str,
        entity_type: Option<&str>,
    ) -> Result<Vec<String>, FederationErrorBody> {
        if self.authority(issuer).is_none() {
            return Err(FederationErrorBody::new(
                FederationErrorCode::NotFound,
                format!("{issuer} is not here"),
            ));
        }
        Ok(self
            .subordinates_of(issuer)
            .into_iter()
            .filter(|(_, _, types, ..)| entity_type.is_none_or(|t| types.iter().any(|x| x == t)))
            .map(|(id, ..)| id)
            .collect())
    }

    /// Registers a subordinate whose configuration the mocks produce in-process (an OP, the
    /// reference RP). `jwks` are its federation keys.
    pub fn register_local(
        &self,
        entity_id: &str,
        superior: Superior,
        jwks: Jwks,
        entity_types: &[&str],
        source: EcSource,
    ) -> Result<(), LocalFederationError> {
        self.insert(Subordinate {
            entity_id: entity_id.to_owned(),
            superior,
            jwks,
            entity_types: entity_types.iter().map(|s| (*s).to_owned()).collect(),
            expired_statement: false,
            forged_statement: false,
            source: Some(source),
        })
    }

    fn insert(&self, s: Subordinate) -> Result<(), LocalFederationError> {
        check_url(&s.entity_id).map_err(|e| {
            LocalFederationError::refused(FederationErrorCode::InvalidRequest, e.to_string())
        })?;
        if self.authority(&s.entity_id).is_some() {
            return Err(LocalFederationError::refused(
                FederationErrorCode::InvalidRequest,
                format!("{} is one of the federation's own entities", s.entity_id),
            ));
        }
        let mut subs = self.subordinates.lock().unwrap_or_else(|e| e.into_inner());
        if subs.len() >= MAX_SUBORDINATES && !subs.contains_key(&s.entity_id) {
            return Err(LocalFederationError::refused(
                FederationErrorCode::TemporarilyUnavailable,
                format!("the federation already has {MAX_SUBORDINATES} subordinates"),
            ));
        }
        let id = s.entity_id.clone();
        subs.insert(id.clone(), s);
        drop(subs);
        self.resolver.forget(&id);
        Ok(())
    }

    /// Every registered subordinate as JSON (`entity_id`, `superior`, `entity_types`,
    /// `expired_statement`, `trust_marks`).
    pub fn subordinates_summary(&self) -> Vec<Value> {
        let subs = self
            .subordinates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        subs.values()
            .map(|s| {
                json!({
                    "entity_id": s.entity_id,
                    "superior": self.superior_id(s.superior),
                    "entity_types": s.entity_types,
                    "expired_statement": s.expired_statement,
                    "in_process": s.source.is_some(),
                    "trust_marks": self.trust_marks_for(&s.entity_id),
                })
            })
            .collect()
    }

    /// The registered subordinate `entity_id`.
    pub fn subordinate(&self, entity_id: &str) -> Option<Subordinate> {
        self.subordinates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(entity_id)
            .cloned()
    }

    /// Changes the subordinate `entity_id` with `edit` and forgets the chains through it; false
    /// when there is no such subordinate.
    fn edit_subordinate(&self, entity_id: &str, edit: impl FnOnce(&mut Subordinate)) -> bool {
        let found = self
            .subordinates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(entity_id)
            .map(edit)
            .is_some();
        self.resolver.forget(entity_id);
        found
    }

    /// Issues its subordinate statement already expired (or not), from now on.
    pub fn set_expired_statement(&self, entity_id: &str, expired: bool) -> bool {
        self.edit_subordinate(entity_id, |s| s.expired_statement = expired)
    }

    /// Signs its subordinate statement with a stray key (or its superior's again), from now
    /// on: the statement's signature no longer verifies with the superior's keys.
    pub fn set_forged_statement(&self, entity_id: &str, forged: bool) -> bool {
        self.edit_subordinate(entity_id, |s| s.forged_statement = forged)
    }

    /// Builds the entity configuration of the subordinate `entity_id` wrong in the way `fault`
    /// says from now on (`None`: right again). False when `entity_id` is not a subordinate.
    pub fn set_leaf_fault(&self, entity_id: &str, fault: Option<LeafFault>) -> bool {
        if self.subordinate(entity_id).is_none() {
            return false;
        }
        let mut faults = self.leaf_faults.lock().unwrap_or_else(|e| e.into_inner());
        match fault {
            Some(f) => faults.insert(entity_id.to_owned(), f),
            None => faults.remove(entity_id),
        };
        drop(faults);
        self.resolver.forget(entity_id);
        true
    }

    /// Moves a subordinate below another superior.
    pub fn set_superior(&self, entity_id: &str, superior: Superior) -> bool {
        self.edit_subordinate(entity_id, |s| s.superior = superior)
    }

    /// Issues a trust mark of `trust_mark_type` to `sub`, wrong in the way `fault` says, and
    /// records it (the entity's configuration lists it through [`Self::trust_marks_for`]).
    pub fn issue_trust_mark(
        &self,
        sub: &str,
        trust_mark_type: &str,
        fault: TrustMarkFault,
    ) -> Result<TrustMarkRef, LocalFederationError> {
        let now = self.now();
        let (iat, exp) = match fault {
            TrustMarkFault::Expired => (now - 2 * self.data.trust_mark_lifetime_seconds, now - 60),
            _ => (now, now + self.data.trust_mark_lifetime_seconds),
        };
        let (iss, key) = match fault {
            TrustMarkFault::UnlistedIssuer => {
                (&self.intermediate.entity_id, &self.intermediate.key)
            }
            TrustMarkFault::BadSignature => (&self.tmi.entity_id, &self.stray_key),
            _ => (&self.tmi.entity_id, &self.tmi.key),
        };
        let claims = TrustMarkClaims {
            iss: iss.clone(),
            sub: if fault == TrustMarkFault::WrongSubject {
                format!("{}/someone-else", sub.trim_end_matches('/'))
            } else {
                sub.to_owned()
            },
            trust_mark_type: trust_mark_type.to_owned(),
            iat,
            exp: Some(exp),
            naming: self.naming(),
            extra: Map::new(),
        };
        let reference = TrustMarkRef {
            trust_mark_type: trust_mark_type.to_owned(),
            trust_mark: claims.sign(key)?,
            naming: self.naming(),
        };
        self.marks.lock().unwrap_or_else(|e| e.into_inner()).insert(
            (sub.to_owned(), trust_mark_type.to_owned()),
            IssuedMark {
                reference: reference.clone(),
                exp,
                revoked: false,
                genuine: fault == TrustMarkFault::Valid,
            },
        );
        self.resolver.forget(sub);
        Ok(reference)
    }

    /// Withdraws every trust mark of `sub`.
    pub fn remove_trust_marks(&self, sub: &str) {
        self.marks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(s, _), _| s != sub);
        self.resolver.forget(sub);
    }

    /// Marks `sub`'s trust mark of `trust_mark_type` revoked (the status endpoint says inactive).
    pub fn revoke_trust_mark(&self, sub: &str, trust_mark_type: &str) -> bool {
        let found = self
            .marks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&(sub.to_owned(), trust_mark_type.to_owned()))
            .map(|m| m.revoked = true)
            .is_some();
        self.resolver.forget(sub);
        found
    }

    /// The trust marks issued to `sub`, to list in its entity configuration.
    pub fn trust_marks_for(&self, sub: &str) -> Vec<TrustMarkRef> {
        self.marks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|((s, _), _)| s == sub)
            .map(|(_, m)| m.reference.clone())
            .collect()
    }

    /// Builds and signs a leaf's entity configuration: `authority_hints` its superior, `jwks`
    /// the public part of `federation_key`, `metadata` as given, `trust_marks` those issued.
    pub fn leaf_configuration(
        &self,
        entity_id: &str,
        federation_key: &PrivateKey,
        metadata: Map<String, Value>,
    ) -> Result<String, JoseError> {
        let superior = self
            .subordinate(entity_id)
            .map(|s| s.superior)
            .unwrap_or_default();
        let fault = self
            .leaf_faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(entity_id)
            .cloned();
        let now = self.now();
        let (iat, exp) = match fault {
            Some(LeafFault::Expired) => (now - 2 * self.lifetime(), now - 60),
            _ => (now, now + self.lifetime()),
        };
        let mut metadata = metadata;
        if let Some(LeafFault::WithoutMetadataMember {
            entity_type,
            member,
        }) = &fault
        {
            if let Some(Value::Object(md)) = metadata.get_mut(entity_type) {
                md.remove(member);
            }
        }
        let mut st = EntityStatement::new(
            entity_id,
            entity_id,
            iat,
            exp,
            Jwks::new(vec![federation_key.public_jwk().clone()]),
        );
        st.authority_hints = Some(vec![self.superior_id(superior).to_owned()]);
        st.metadata = Some(metadata);
        let marks = self.trust_marks_for(entity_id);
        if !marks.is_empty() {
            st.trust_marks = Some(marks);
        }
        let jwt = st.sign(federation_key)?;
        match fault {
            Some(LeafFault::CorruptSignature) => crate::oidc::jose::craft::corrupt_signature(&jwt),
            _ => Ok(jwt),
        }
    }

    /// The trust-mark status endpoint: whether a mark (given as JWT, or as subject and type) is
    /// one this issuer issued, genuine, unexpired and not revoked.
    pub fn trust_mark_status(
        &self,
        trust_mark: Option<&str>,
        sub: Option<&str>,
        trust_mark_type: Option<&str>,
    ) -> Result<bool, FederationErrorBody> {
        let now = self.now();
        let marks = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        let active = |m: &IssuedMark| m.genuine && !m.revoked && m.exp > now;
        match (trust_mark, sub, trust_mark_type) {
            (Some(jwt), _, _) => {
                let jwt = jwt.trim();
                Ok(marks
                    .values()
                    .any(|m| m.reference.trust_mark == jwt && active(m)))
            }
            (None, Some(sub), Some(t)) => Ok(marks
                .get(&(sub.to_owned(), t.to_owned()))
                .is_some_and(active)),
            _ => Err(FederationErrorBody::new(
                FederationErrorCode::InvalidRequest,
                "give trust_mark (the JWT), or sub with trust_mark_type (or id)",
            )),
        }
    }

    /// The resolve endpoint: the resolved chain signed by the anchor (`typ:
    /// resolve-response+jwt`), with only the trust marks valid now.
    pub async fn resolve_response(
        &self,
        sub: Option<&str>,
        anchor: Option<&str>,
        entity_type: Option<&str>,
    ) -> Result<String, FederationErrorBody> {
        let (Some(sub), Some(anchor)) = (sub, anchor) else {
            return Err(FederationErrorBody::new(
                FederationErrorCode::InvalidRequest,
                "the resolve endpoint needs sub and trust_anchor",
            ));
        };
        let mut req = ResolveRequest::new(sub, anchor);
        req.entity_type = entity_type.map(str::to_owned);
        let chain = self
            .resolver
            .resolve(&req)
            .await
            .map_err(|e| FederationErrorBody::new(e.code(), e.to_string()))?;
        self.sign_resolve_response(&chain).map_err(server_error)
    }

    fn sign_resolve_response(&self, chain: &TrustChain) -> Result<String, JoseError> {
        // Only marks valid at request time (spid-cie-oidc-docs, "Federation endpoints": the
        // resolve endpoint MUST NOT return invalid trust marks): ours are also checked against
        // the issuer's own record (revocation).
        let marks: Vec<TrustMarkRef> = chain
            .trust_marks
            .iter()
            .filter(|m| {
                m.issuer != self.tmi.entity_id
                    || self.trust_mark_status(Some(&m.jwt), None, None) == Ok(true)
            })
            .map(|m| TrustMarkRef {
                trust_mark_type: m.trust_mark_type.clone(),
                trust_mark: m.jwt.clone(),
                naming: self.naming(),
            })
            .collect();
        let claims = json!({
            "iss": self.ta.entity_id,
            "sub": chain.subject,
            "iat": self.now(),
            "exp": chain.exp,
            "metadata": chain.metadata,
            "trust_marks": marks,
            "trust_chain": chain.statements,
        });
        let mut header = Header::new(JwsAlg::RS256.name());
        header.typ = Some(RESOLVE_RESPONSE_TYP.to_owned());
        let payload = serde_json::to_vec(&claims).map_err(JoseError::Serialize)?;
        jws::sign_with_header(&self.ta.key, JwsAlg::RS256, header, &payload)
    }

    /// On-boards an entity by id: fetches its configuration (timeouts and size cap; or the
    /// in-process source), checks it is self-signed with iss = sub = the id, registers it below
    /// `superior` with its keys, and issues the trust mark asked for. A failed on-boarding leaves
    /// the entity unregistered.
    pub async fn onboard(
        &self,
        req: OnboardRequest,
    ) -> Result<OnboardReport, LocalFederationError> {
        let id = req.entity_id.clone();
        let result = self.onboard_inner(req).await;
        if result.is_err() {
            let removed = self
                .subordinates
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            if removed.is_some() {
                self.remove_trust_marks(&id);
            }
        }
        result
    }

    async fn onboard_inner(
        &self,
        req: OnboardRequest,
    ) -> Result<OnboardReport, LocalFederationError> {
        let url = check_url(&req.entity_id).map_err(|e| {
            LocalFederationError::refused(FederationErrorCode::InvalidRequest, e.to_string())
        })?;
        if url.query().is_some() || url.fragment().is_some() {
            return Err(LocalFederationError::refused(
                FederationErrorCode::InvalidRequest,
                format!(
                    "entity id {} has a query or fragment: an entity id is a plain https URL",
                    req.entity_id
                ),
            ));
        }
        let jwt = match &req.source {
            Some(source) => {
                // Registered first, so the configuration it produces names its superior.
                self.insert(Subordinate {
                    entity_id: req.entity_id.clone(),
                    superior: req.superior,
                    jwks: Jwks::default(),
                    entity_types: Vec::new(),
                    expired_statement: req.expired_statement,
                    forged_statement: false,
                    source: None,
                })?;
                source.configuration().map_err(|e| {
                    LocalFederationError::refused(
                        FederationErrorCode::TemporarilyUnavailable,
                        e.with_cause(),
                    )
                })?
            }
            None => {
                let fetcher = LocalFetcher {
                    fed: Weak::new(),
                    http: Some(HttpFetcher::new(self.config.http.unwrap_or_default())),
                };
                fetcher
                    .get(&well_known_url(&req.entity_id))
                    .await
                    .map_err(|e| {
                        let code = match e {
                            FetchError::Unreachable { .. } => {
                                FederationErrorCode::TemporarilyUnavailable
                            }
                            _ => FederationErrorCode::InvalidClient,
                        };
                        LocalFederationError::refused(code, e.to_string())
                    })?
            }
        };
        let ec = DecodedStatement::decode(&jwt).map_err(|e| {
            LocalFederationError::refused(
                FederationErrorCode::InvalidClient,
                format!("the entity configuration of {}: {e}", req.entity_id),
            )
        })?;
        if ec.claims.iss != req.entity_id || ec.claims.sub != req.entity_id {
            return Err(LocalFederationError::refused(
                FederationErrorCode::InvalidClient,
                format!(
                    "the entity configuration has iss {:?} and sub {:?}, both must be {}",
                    ec.claims.iss, ec.claims.sub, req.entity_id
                ),
            ));
        }
        ec.verify_with(&ec.claims.jwks).map_err(|e| {
            LocalFederationError::refused(
                FederationErrorCode::InvalidClient,
                format!("the entity configuration is not signed with its own jwks: {e}"),
            )
        })?;
        let private = ec.private_key_members();
        if !private.is_empty() {
            return Err(LocalFederationError::refused(
                FederationErrorCode::InvalidClient,
                format!(
                    "the entity configuration publishes private key material ({}): publish public keys only",
                    private.join(", ")
                ),
            ));
        }
        let now = self.now();
        if ec.claims.exp <= now || ec.claims.iat > now + 60 {
            return Err(LocalFederationError::refused(
                FederationErrorCode::InvalidClient,
                format!(
                    "the entity configuration is valid from {} to {} (unix seconds), not now ({now})",
                    ec.claims.iat, ec.claims.exp
                ),
            ));
        }
        let entity_type = req
            .entity_type
            .clone()
            .unwrap_or_else(|| "openid_relying_party".to_owned());
        let superior_id = self.superior_id(req.superior).to_owned();
        let mut warnings = Vec::new();
        if !ec
            .claims
            .authority_hints
            .iter()
            .flatten()
            .any(|h| h == &superior_id)
        {
            warnings.push(format!(
                "authority_hints does not list {superior_id}: the chain resolves once it does"
            ));
        }
        if ec.claims.metadata_of(&entity_type).is_none() {
            warnings.push(format!("the metadata has no {entity_type}"));
        }
        self.insert(Subordinate {
            entity_id: req.entity_id.clone(),
            superior: req.superior,
            jwks: ec.claims.jwks.clone(),
            entity_types: vec![entity_type.clone()],
            expired_statement: req.expired_statement,
            forged_statement: false,
            source: req.source.clone(),
        })?;
        self.remove_trust_marks(&req.entity_id);
        let mut trust_marks = Vec::new();
        if let Some(fault) = req.trust_mark {
            let t = self.trust_mark_type(&entity_type).ok_or_else(|| {
                LocalFederationError::refused(
                    FederationErrorCode::InvalidRequest,
                    format!("no trust mark type is defined for {entity_type}"),
                )
            })?;
            trust_marks.push(self.issue_trust_mark(&req.entity_id, &t, fault)?);
        }
        Ok(OnboardReport {
            entity_id: req.entity_id.clone(),
            statement_url: super::fetch::fetch_url(&format!("{superior_id}/fetch"), &req.entity_id),
            superior: superior_id,
            trust_marks,
            warnings,
        })
    }

    /// Answers a GET for `url` if it is one of the federation's own or in-process entities.
    fn answer(&self, url: &str) -> Option<Result<String, FetchError>> {
        let parsed = url::Url::parse(url).ok()?;
        let mut path_url = parsed.clone();
        path_url.set_query(None);
        let path = path_url.as_str().trim_end_matches('/');
        let to_fetch = |e: FederationErrorBody| match e.error {
            FederationErrorCode::NotFound => FetchError::NotFound(url.to_owned()),
            other => FetchError::Status {
                url: url.to_owned(),
                status: other.http_status().as_u16(),
            },
        };
        for a in self.authorities() {
            if path == well_known_url(&a.entity_id) {
                return Some(self.authority_configuration(&a.entity_id).map_err(to_fetch));
            }
            if path == a.endpoint("fetch") {
                let sub = parsed
                    .query_pairs()
                    .find(|(k, _)| k == "sub")
                    .map(|(_, v)| v.into_owned());
                return Some(
                    self.subordinate_statement(&a.entity_id, sub.as_deref())
                        .map_err(to_fetch),
                );
            }
        }
        let subs = self.subordinates.lock().unwrap_or_else(|e| e.into_inner());
        let source = subs
            .values()
            .find(|s| well_known_url(&s.entity_id) == path)
            .and_then(|s| s.source.clone());
        drop(subs);
        source.map(|f| {
            f.configuration().map_err(|e| FetchError::Unreachable {
                url: url.to_owned(),
                reason: e.with_cause(),
            })
        })
    }
}

impl LocalFederation {
    fn is_remote_subordinate_configuration(&self, url: &str) -> bool {
        self.subordinates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|s| s.source.is_none() && well_known_url(&s.entity_id) == url)
    }
}

fn server_error(e: JoseError) -> FederationErrorBody {
    FederationErrorBody::new(FederationErrorCode::ServerError, e.to_string())
}

/// The resolver's fetcher: the federation's own and in-process entities answered directly, the
/// rest over HTTP when allowed.
#[derive(Debug)]
struct LocalFetcher {
    fed: Weak<LocalFederation>,
    http: Option<HttpFetcher>,
}

impl EntityFetcher for LocalFetcher {
    fn get<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<String, FetchError>> {
        Box::pin(async move {
            let fed = self.fed.upgrade();
            if let Some(fed) = &fed {
                if let Some(answer) = fed.answer(url) {
                    return answer;
                }
                // Over the network only the configuration of an on-boarded entity: a chain
                // cannot make the mocks fetch arbitrary URLs.
                if !fed.is_remote_subordinate_configuration(url) {
                    return Err(FetchError::NotFound(url.to_owned()));
                }
            }
            match &self.http {
                Some(http) => http.get(url).await,
                None => Err(FetchError::NotFound(url.to_owned())),
            }
        })
    }
}
