//! Trust chain resolution (OpenID Federation 1.0, "Resolving the Trust Chain"; spid-cie-oidc-docs "Trust negotiation"):
//! from a leaf's entity configuration up its `authority_hints` to a trust anchor, every
//! statement's signature checked with the superior's keys, times on the shared clock,
//! `max_path_length`, trust marks (issuer listed in the anchor's `trust_mark_issuers`, `sub`,
//! `exp`, signature), the merged metadata policy applied. Results are cached until the chain's
//! `exp` (the smallest `exp` of its statements).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::fetch::{fetch_url, well_known_url, BoxFuture, EntityFetcher, FetchError};
use super::policy::{self, MetadataPolicy, PolicyError};
use super::statement::{DecodedStatement, EntityStatement, ENTITY_STATEMENT_TYP};
use super::trust_mark::{TrustMarkClaims, TRUST_MARK_TYP};
use super::FederationErrorCode;
use crate::bounded::{BoundedMap, Limits, Weigh};
use crate::clock::SharedClock;
use crate::oidc::jose::{jws, JoseError, Jwks};

/// Most superiors followed from one entity, and most links in a chain (loop guard).
pub const MAX_HINTS: usize = 8;
/// Most statements in a chain walked before giving up.
pub const MAX_DEPTH: usize = 6;

/// What to resolve.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolveRequest {
    /// The chain subject (leaf entity id).
    pub subject: String,
    /// The trust anchor to reach.
    pub trust_anchor: String,
    /// The entity type whose metadata must be present (`openid_relying_party`, …).
    pub entity_type: Option<String>,
    /// Trust mark types of which at least one valid mark is required (empty: none required).
    pub required_trust_marks: Vec<String>,
}

impl ResolveRequest {
    /// Subject and anchor only.
    pub fn new(subject: &str, trust_anchor: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            trust_anchor: trust_anchor.to_owned(),
            entity_type: None,
            required_trust_marks: Vec::new(),
        }
    }

    /// Requires the metadata of `entity_type`.
    pub fn entity_type(mut self, entity_type: &str) -> Self {
        self.entity_type = Some(entity_type.to_owned());
        self
    }

    /// Requires one valid trust mark of one of `types`.
    pub fn require_trust_mark(mut self, types: &[&str]) -> Self {
        self.required_trust_marks = types.iter().map(|s| (*s).to_owned()).collect();
        self
    }
}

/// A trust mark that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedTrustMark {
    /// The type.
    pub trust_mark_type: String,
    /// The issuer.
    pub issuer: String,
    /// The JWT.
    pub jwt: String,
    /// The claims.
    pub claims: TrustMarkClaims,
}

/// A resolved chain.
#[derive(Debug, Clone)]
pub struct TrustChain {
    /// The subject.
    pub subject: String,
    /// The anchor reached.
    pub trust_anchor: String,
    /// The JWTs: the leaf's configuration, the subordinate statements upwards, the anchor's
    /// configuration.
    pub statements: Vec<String>,
    /// The leaf's configuration.
    pub leaf: EntityStatement,
    /// The leaf's metadata after the superiors' `metadata` and the merged policy.
    pub metadata: Map<String, Value>,
    /// The merged policy that was applied.
    pub policy: MetadataPolicy,
    /// The leaf's trust marks that are valid.
    pub trust_marks: Vec<VerifiedTrustMark>,
    /// Why the other trust marks were not accepted.
    pub trust_mark_problems: Vec<String>,
    /// Intermediates between the anchor and the leaf.
    pub intermediates: usize,
    /// Expiry of the chain (the smallest `exp`), seconds since the epoch.
    pub exp: i64,
}

impl TrustChain {
    /// The resolved metadata of `entity_type`.
    pub fn metadata_of(&self, entity_type: &str) -> Option<&Map<String, Value>> {
        self.metadata.get(entity_type)?.as_object()
    }

    /// The subject's federation or OIDC `jwks` in the resolved metadata of `entity_type`
    /// (falls back to the leaf configuration's federation keys when the metadata has none).
    pub fn jwks_of(&self, entity_type: &str) -> Result<Jwks, ChainError> {
        match self.metadata_of(entity_type).and_then(|m| m.get("jwks")) {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| ChainError::Claims {
                entity: self.subject.clone(),
                reason: format!("metadata.{entity_type}.jwks is not a JWK set: {e}"),
            }),
            None => Ok(self.leaf.jwks.clone()),
        }
    }
}

impl Weigh for Arc<TrustChain> {
    fn weight(&self) -> usize {
        self.statements.iter().map(String::len).sum::<usize>() + 2048
    }
}

/// Why a chain does not resolve. [`ChainError::code`] is the federation error to answer with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChainError {
    /// A statement could not be fetched.
    #[error("fetching {url}: {source}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        #[source]
        source: FetchError,
    },
    /// A statement is not a valid JWS, or its signature does not verify.
    #[error("{what} of {entity}: {source}")]
    Jose {
        /// Which statement.
        what: String,
        /// About which entity.
        entity: String,
        /// What is wrong.
        #[source]
        source: Arc<JoseError>,
    },
    /// A statement's claims are not what the chain needs.
    #[error("{entity}: {reason}")]
    Claims {
        /// The entity.
        entity: String,
        /// What is wrong.
        reason: String,
    },
    /// A statement is expired or not yet valid.
    #[error("the statement by {iss} about {sub} is {state} (iat {iat}, exp {exp}, now {now})")]
    Time {
        /// Issuer.
        iss: String,
        /// Subject.
        sub: String,
        /// "expired" or "not yet valid".
        state: &'static str,
        /// iat.
        iat: i64,
        /// exp.
        exp: i64,
        /// The clock.
        now: i64,
    },
    /// The anchor is not one this resolver trusts.
    #[error("{0} is not a configured trust anchor")]
    UnknownTrustAnchor(String),
    /// No superior path reaches the anchor.
    #[error("no path from {subject} to {trust_anchor}: {tried}")]
    NoPath {
        /// Subject.
        subject: String,
        /// Anchor.
        trust_anchor: String,
        /// What every attempt hit, `;`-separated.
        tried: String,
    },
    /// The chain is longer than a `max_path_length` allows.
    #[error("{by} allows at most {max} intermediates below it, the chain has {actual}")]
    MaxPathLength {
        /// Who set the constraint.
        by: String,
        /// The constraint.
        max: u32,
        /// Intermediates in the chain.
        actual: usize,
    },
    /// The superiors' policies cannot be merged.
    #[error("metadata policy: {0}")]
    PolicyMerge(#[source] PolicyError),
    /// The leaf's metadata violates the merged policy.
    #[error("metadata not compliant: {0}")]
    PolicyViolation(#[source] PolicyError),
    /// No valid trust mark of a required type.
    #[error("{subject} has no valid trust mark of {wanted}: {problems}")]
    NoValidTrustMark {
        /// Subject.
        subject: String,
        /// Required types.
        wanted: String,
        /// Why each mark failed.
        problems: String,
    },
}

impl ChainError {
    /// The federation error code (spid-cie-oidc-docs, "Federation error codes"): an unreachable
    /// endpoint is `temporarily_unavailable`; a failed trust-chain validation `invalid_client`;
    /// a non-compliant policy result or no valid trust mark `unauthorized_client`.
    pub fn code(&self) -> FederationErrorCode {
        match self {
            ChainError::Fetch {
                source: FetchError::Unreachable { .. },
                ..
            } => FederationErrorCode::TemporarilyUnavailable,
            ChainError::UnknownTrustAnchor(_) => FederationErrorCode::InvalidRequest,
            ChainError::PolicyViolation(_) | ChainError::NoValidTrustMark { .. } => {
                FederationErrorCode::UnauthorizedClient
            }
            _ => FederationErrorCode::InvalidClient,
        }
    }
}

/// Cache counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Answers from the cache.
    pub hits: u64,
    /// Chains built.
    pub misses: u64,
    /// Statements fetched.
    pub fetches: u64,
}

/// Resolves and caches trust chains.
#[derive(Debug)]
pub struct TrustChainResolver {
    fetcher: Arc<dyn EntityFetcher>,
    clock: SharedClock,
    anchors: Mutex<BTreeMap<String, Jwks>>,
    cache: Mutex<BoundedMap<ResolveRequest, Arc<TrustChain>>>,
    hits: AtomicU64,
    misses: AtomicU64,
    fetches: AtomicU64,
}

/// The cache's caps: 4096 chains, 32 MiB, one day at most (each entry also ends at its `exp`).
pub const CACHE_LIMITS: Limits = Limits {
    max_entries: 4096,
    max_bytes: 32 * 1024 * 1024,
    ttl: Duration::days(1),
};

struct Link {
    /// The superior's statement about the current entity.
    statement: DecodedStatement,
    /// The superior's own configuration.
    superior: DecodedStatement,
}

impl TrustChainResolver {
    /// A resolver fetching with `fetcher`, trusting no anchor yet.
    pub fn new(fetcher: Arc<dyn EntityFetcher>, clock: SharedClock) -> Self {
        Self {
            fetcher,
            clock,
            anchors: Mutex::new(BTreeMap::new()),
            cache: Mutex::new(BoundedMap::new(CACHE_LIMITS)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
        }
    }

    /// Trusts `entity_id` as an anchor with the federation keys `jwks`.
    pub fn trust_anchor(&self, entity_id: &str, jwks: Jwks) {
        self.anchors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(entity_id.to_owned(), jwks);
    }

    /// The counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            fetches: self.fetches.load(Ordering::Relaxed),
        }
    }

    /// Forgets every cached chain (after on-boarding changes, for instance).
    pub fn clear_cache(&self) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Forgets the cached chains of `subject`.
    pub fn forget(&self, subject: &str) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.clock.now();
        let keys: Vec<ResolveRequest> = cache
            .iter(now)
            .filter(|(k, _)| k.subject == subject)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            cache.remove(&k);
        }
    }

    /// Resolves `req`, from the cache while the cached chain's `exp` is in the future.
    pub async fn resolve(&self, req: &ResolveRequest) -> Result<Arc<TrustChain>, ChainError> {
        let now = self.clock.now();
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(chain) = cache.get(req, now) {
                if chain.exp > now.unix_timestamp() {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(chain.clone());
                }
                cache.remove(req);
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let chain = Arc::new(self.build(req).await?);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(
            req.clone(),
            chain.clone(),
            self.clock.now(),
        );
        Ok(chain)
    }

    async fn fetch(&self, url: &str) -> Result<String, ChainError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        self.fetcher
            .get(url)
            .await
            .map_err(|source| ChainError::Fetch {
                url: url.to_owned(),
                source,
            })
    }

    fn check_time(&self, st: &EntityStatement) -> Result<(), ChainError> {
        let now = self.clock.now().unix_timestamp();
        let state = if st.exp <= now {
            "expired"
        } else if st.iat > now + 60 {
            "not yet valid"
        } else {
            return Ok(());
        };
        Err(ChainError::Time {
            iss: st.iss.clone(),
            sub: st.sub.clone(),
            state,
            iat: st.iat,
            exp: st.exp,
            now,
        })
    }

    fn decode(jwt: &str, what: &str, entity: &str) -> Result<DecodedStatement, ChainError> {
        let st = DecodedStatement::decode(jwt).map_err(|e| ChainError::Jose {
            what: what.to_owned(),
            entity: entity.to_owned(),
            source: Arc::new(e),
        })?;
        if !st.header.typ_is(ENTITY_STATEMENT_TYP) {
            return Err(ChainError::Claims {
                entity: entity.to_owned(),
                reason: format!(
                    "the {what} has typ {:?}, expected {ENTITY_STATEMENT_TYP}",
                    st.header.typ
                ),
            });
        }
        Ok(st)
    }

    fn verify(st: &DecodedStatement, jwks: &Jwks, what: &str) -> Result<(), ChainError> {
        st.verify_with(jwks).map_err(|e| ChainError::Jose {
            what: what.to_owned(),
            entity: st.claims.sub.clone(),
            source: Arc::new(e),
        })
    }

    /// Fetches the `what` at `url` and checks it: its `iss` and `sub` are `iss` and `sub`, it
    /// verifies with `keys` (with its own `jwks` when `None`: a self-signed configuration) and it
    /// is in time.
    async fn fetch_statement(
        &self,
        url: &str,
        what: &str,
        iss: &str,
        sub: &str,
        keys: Option<&Jwks>,
    ) -> Result<DecodedStatement, ChainError> {
        let jwt = self.fetch(url).await?;
        let st = Self::decode(&jwt, what, sub)?;
        if st.claims.iss != iss || st.claims.sub != sub {
            return Err(ChainError::Claims {
                entity: sub.to_owned(),
                reason: format!(
                    "the {what} has iss {:?} and sub {:?}; expected iss {iss:?} and sub {sub:?}",
                    st.claims.iss, st.claims.sub
                ),
            });
        }
        let signer = if keys.is_some() {
            "superior's keys"
        } else {
            "self-signature"
        };
        Self::verify(
            &st,
            keys.unwrap_or(&st.claims.jwks),
            &format!("{what} ({signer})"),
        )?;
        self.check_time(&st.claims)?;
        Ok(st)
    }

    /// Fetches and checks an entity configuration: iss = sub = `entity_id`, self-signed, in time.
    pub async fn entity_configuration(
        &self,
        entity_id: &str,
    ) -> Result<DecodedStatement, ChainError> {
        let ec = self
            .fetch_statement(
                &well_known_url(entity_id),
                "entity configuration",
                entity_id,
                entity_id,
                None,
            )
            .await?;
        let private = ec.private_key_members();
        if !private.is_empty() {
            return Err(ChainError::Claims {
                entity: entity_id.to_owned(),
                reason: format!(
                    "the entity configuration publishes private key material ({})",
                    private.join(", ")
                ),
            });
        }
        Ok(ec)
    }

    fn climb<'a>(
        &'a self,
        current: &'a DecodedStatement,
        anchor: &'a str,
        depth: usize,
    ) -> BoxFuture<'a, Result<Vec<Link>, ChainError>> {
        Box::pin(async move {
            let id = &current.claims.sub;
            let hints = current.claims.authority_hints.clone().unwrap_or_default();
            if hints.is_empty() {
                return Err(ChainError::Claims {
                    entity: id.clone(),
                    reason: "authority_hints is empty: no superior to climb to".into(),
                });
            }
            if depth >= MAX_DEPTH {
                return Err(ChainError::Claims {
                    entity: id.clone(),
                    reason: format!("more than {MAX_DEPTH} levels of superiors"),
                });
            }
            let mut tried = Vec::new();
            for hint in hints.iter().take(MAX_HINTS) {
                match self.link(current, hint, anchor, depth).await {
                    Ok(links) => return Ok(links),
                    Err(e) => tried.push(format!("via {hint}: {e}")),
                }
            }
            Err(ChainError::NoPath {
                subject: id.clone(),
                trust_anchor: anchor.to_owned(),
                tried: tried.join("; "),
            })
        })
    }

    async fn link(
        &self,
        current: &DecodedStatement,
        hint: &str,
        anchor: &str,
        depth: usize,
    ) -> Result<Vec<Link>, ChainError> {
        let id = &current.claims.sub;
        let superior = self.entity_configuration(hint).await?;
        if hint == anchor {
            let anchors = self
                .anchors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            let keys = anchors
                .get(anchor)
                .ok_or_else(|| ChainError::UnknownTrustAnchor(anchor.to_owned()))?;
            Self::verify(
                &superior,
                keys,
                "trust anchor configuration (configured keys)",
            )?;
        }
        let endpoint = superior
            .claims
            .federation_endpoint("federation_fetch_endpoint")
            .ok_or_else(|| ChainError::Claims {
                entity: hint.to_owned(),
                reason: "metadata.federation_entity.federation_fetch_endpoint is missing".into(),
            })?
            .to_owned();
        let statement = self
            .fetch_statement(
                &fetch_url(&endpoint, id),
                "subordinate statement",
                hint,
                id,
                Some(&superior.claims.jwks),
            )
            .await?;
        // The superior vouches for the subject's keys: the subject's own configuration must
        // verify with the keys the superior published about it.
        Self::verify(
            current,
            &statement.claims.jwks,
            "entity configuration (keys in the superior's statement)",
        )?;
        let mut links = vec![];
        if hint != anchor {
            links = self.climb(&superior, anchor, depth + 1).await?;
        }
        links.insert(
            0,
            Link {
                statement,
                superior,
            },
        );
        Ok(links)
    }

    async fn build(&self, req: &ResolveRequest) -> Result<TrustChain, ChainError> {
        if !self
            .anchors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&req.trust_anchor)
        {
            return Err(ChainError::UnknownTrustAnchor(req.trust_anchor.clone()));
        }
        let leaf = self.entity_configuration(&req.subject).await?;
        let links = self.climb(&leaf, &req.trust_anchor, 0).await?;
        let Some(ta) = links.last().map(|l| l.superior.clone()) else {
            return Err(ChainError::NoPath {
                subject: req.subject.clone(),
                trust_anchor: req.trust_anchor.clone(),
                tried: "no superior".into(),
            });
        };
        let intermediates = links.len() - 1;
        // max_path_length in the anchor's configuration (as the Italian TA publishes it) and in
        // every subordinate statement (OpenID Federation 1.0, "Constraints", max_path_length): intermediates between the
        // entity setting it and the subject.
        within_max_path_length(&ta.claims, intermediates)?;
        for (j, link) in links.iter().enumerate() {
            within_max_path_length(&link.statement.claims, j)?;
        }
        // Policy: the anchor's statement first, merged downwards.
        let mut merged = MetadataPolicy::new();
        let mut crit: Vec<String> = Vec::new();
        for link in links.iter().rev() {
            crit.extend(
                link.statement
                    .claims
                    .metadata_policy_crit
                    .clone()
                    .unwrap_or_default(),
            );
            if let Some(p) = &link.statement.claims.metadata_policy {
                merged = policy::merge(&merged, p, &crit).map_err(ChainError::PolicyMerge)?;
            }
        }
        let mut metadata = leaf.claims.metadata.clone().unwrap_or_default();
        if let Some(over) = &links[0].statement.claims.metadata {
            for (entity_type, params) in over {
                match (metadata.get_mut(entity_type), params.as_object()) {
                    (Some(Value::Object(target)), Some(params)) => {
                        for (k, v) in params {
                            target.insert(k.clone(), v.clone());
                        }
                    }
                    _ => {
                        metadata.insert(entity_type.clone(), params.clone());
                    }
                }
            }
        }
        let metadata =
            policy::apply_all(&merged, &metadata).map_err(ChainError::PolicyViolation)?;
        if let Some(t) = &req.entity_type {
            if !metadata.get(t).is_some_and(Value::is_object) {
                return Err(ChainError::Claims {
                    entity: req.subject.clone(),
                    reason: format!("the resolved metadata has no {t}"),
                });
            }
        }
        let (trust_marks, problems) = self.check_trust_marks(&leaf.claims, &ta.claims).await;
        if !req.required_trust_marks.is_empty()
            && !trust_marks
                .iter()
                .any(|m| req.required_trust_marks.contains(&m.trust_mark_type))
        {
            return Err(ChainError::NoValidTrustMark {
                subject: req.subject.clone(),
                wanted: req.required_trust_marks.join(" or "),
                problems: if problems.is_empty() {
                    "the configuration carries none".into()
                } else {
                    problems.join("; ")
                },
            });
        }
        let mut statements = vec![leaf.jwt.clone()];
        statements.extend(links.iter().map(|l| l.statement.jwt.clone()));
        statements.push(ta.jwt.clone());
        let exp = std::iter::once(leaf.claims.exp)
            .chain(links.iter().map(|l| l.statement.claims.exp))
            .chain(std::iter::once(ta.claims.exp))
            .min()
            .unwrap_or(leaf.claims.exp);
        Ok(TrustChain {
            subject: req.subject.clone(),
            trust_anchor: req.trust_anchor.clone(),
            statements,
            leaf: leaf.claims,
            metadata,
            policy: merged,
            trust_marks,
            trust_mark_problems: problems,
            intermediates,
            exp,
        })
    }

    /// Static trust-mark validation (spid-cie-oidc-docs "Trust Marks": signature, sub, exp) and
    /// the issuer listed by the anchor for the type.
    async fn check_trust_marks(
        &self,
        leaf: &EntityStatement,
        ta: &EntityStatement,
    ) -> (Vec<VerifiedTrustMark>, Vec<String>) {
        let mut ok = Vec::new();
        let mut problems = Vec::new();
        let now = self.clock.now().unix_timestamp();
        for r in leaf.trust_marks.iter().flatten().take(16) {
            match self
                .check_trust_mark(leaf, ta, &r.trust_mark_type, &r.trust_mark, now)
                .await
            {
                Ok(m) => ok.push(m),
                Err(reason) => problems.push(format!("{}: {reason}", r.trust_mark_type)),
            }
        }
        (ok, problems)
    }

    async fn check_trust_mark(
        &self,
        leaf: &EntityStatement,
        ta: &EntityStatement,
        tm_type: &str,
        jwt: &str,
        now: i64,
    ) -> Result<VerifiedTrustMark, String> {
        let decoded = jws::decode_unverified(jwt).map_err(|e| e.to_string())?;
        if !decoded.header.typ_is(TRUST_MARK_TYP) {
            return Err(format!(
                "typ {:?}, expected {TRUST_MARK_TYP}",
                decoded.header.typ
            ));
        }
        let claims: TrustMarkClaims = decoded.claims().map_err(|e| e.to_string())?;
        if claims.trust_mark_type != tm_type {
            return Err(format!(
                "the JWT is of type {:?}, the entry says {tm_type:?}",
                claims.trust_mark_type
            ));
        }
        if claims.sub != leaf.sub {
            return Err(format!("sub is {:?}, not {:?}", claims.sub, leaf.sub));
        }
        if let Some(exp) = claims.exp {
            if exp <= now {
                return Err(format!("expired at {exp} (now {now})"));
            }
        }
        let listed = ta
            .trust_mark_issuers
            .as_ref()
            .and_then(|m| m.get(tm_type))
            .is_some_and(|issuers| issuers.contains(&claims.iss));
        if !listed {
            return Err(format!(
                "issuer {:?} is not in the trust anchor's trust_mark_issuers for this type",
                claims.iss
            ));
        }
        let issuer = self
            .entity_configuration(&claims.iss)
            .await
            .map_err(|e| e.to_string())?;
        jws::verify_decoded(
            decoded,
            &issuer.claims.jwks,
            &super::statement::STATEMENT_ALGS,
        )
        .map_err(|e| format!("signature: {e}"))?;
        Ok(VerifiedTrustMark {
            trust_mark_type: tm_type.to_owned(),
            issuer: claims.iss.clone(),
            jwt: jwt.to_owned(),
            claims,
        })
    }
}

/// Refuses a chain with more than `st`'s `max_path_length` (OpenID Federation 1.0,
/// "Constraints") intermediates below the entity that set it: `actual` of them.
fn within_max_path_length(st: &EntityStatement, actual: usize) -> Result<(), ChainError> {
    match st.constraints.as_ref().and_then(|c| c.max_path_length) {
        Some(max) if actual > max as usize => Err(ChainError::MaxPathLength {
            by: st.iss.clone(),
            max,
            actual,
        }),
        _ => Ok(()),
    }
}

/// The current instant in seconds (helper for statement builders).
pub fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}
