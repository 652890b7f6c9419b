//! What the OpenID Providers remember, every table a [`BoundedMap`] with expiry on the shared
//! clock: authorization requests waiting on the login pages, codes (single use), access tokens,
//! refresh tokens, the `jti`s of client assertions already seen (replay refused), and the answers
//! a test crafted for a login (`super::crafted`).

use crate::bounded::{BoundedMap, Limits, Weigh};
use crate::spid::level::Level;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// Most crafted logins (and ID tokens kept for them) remembered at once.
pub const MAX_CRAFTS: usize = 256;

/// An authorization request the OP accepted, waiting for the login to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authz {
    /// The OP (provider id).
    pub op: String,
    /// The OP's issuer.
    pub issuer: String,
    /// The RP's client_id (its entity ID).
    pub client_id: String,
    /// Where the answer goes (one of the RP's resolved `redirect_uris`).
    pub redirect_uri: String,
    /// The RP's `state`.
    pub state: String,
    /// The RP's `nonce`.
    pub nonce: String,
    /// Granted scopes.
    pub scope: Vec<String>,
    /// Requested levels, in the RP's order of preference.
    pub acr_values: Vec<Level>,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// `prompt` included `consent` (required for a refresh token).
    pub consent: bool,
    /// Userinfo claims asked for by the `claims` parameter (empty: the profile's default set).
    pub userinfo_claims: Vec<String>,
    /// ID-token claims asked for by the `claims` parameter (CIE only).
    pub id_token_claims: Vec<String>,
}

impl Weigh for Authz {
    fn weight(&self) -> usize {
        self.op.len()
            + self.issuer.len()
            + self.client_id.len()
            + self.redirect_uri.len()
            + self.state.len()
            + self.nonce.len()
            + self.code_challenge.len()
            + self.scope.iter().map(|s| s.len() + 24).sum::<usize>()
            + self
                .userinfo_claims
                .iter()
                .map(|s| s.len() + 24)
                .sum::<usize>()
            + self
                .id_token_claims
                .iter()
                .map(|s| s.len() + 24)
                .sum::<usize>()
            + 64
    }
}

/// A finished login: who, at which level, for which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The request it answers.
    pub authz: Authz,
    /// The fixture user's username.
    pub user: String,
    /// The level authenticated at.
    pub level: Level,
    /// The pairwise subject for this RP.
    pub sub: String,
    /// When the user authenticated.
    pub auth_time: OffsetDateTime,
    /// The SSO session's index (ended by SPID access-token revocation).
    pub session_index: String,
}

impl Weigh for Grant {
    fn weight(&self) -> usize {
        self.authz.weight() + self.user.len() + self.sub.len() + self.session_index.len() + 32
    }
}

/// An access token the OP issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// The login behind it.
    pub grant: Grant,
    /// The refresh token issued with it, if any.
    pub refresh: Option<String>,
    /// When it expires.
    pub exp: OffsetDateTime,
}

impl Weigh for AccessRecord {
    fn weight(&self) -> usize {
        self.grant.weight() + self.refresh.as_ref().map_or(0, String::len) + 16
    }
}

/// A refresh token the OP issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// The login behind it.
    pub grant: Grant,
    /// The `jti` of the access token issued with it last.
    pub access_jti: String,
}

impl Weigh for RefreshRecord {
    fn weight(&self) -> usize {
        self.grant.weight() + self.access_jti.len()
    }
}

/// The caps and lifetimes of the OP tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpLimits {
    /// Most entries per table.
    pub max_entries: usize,
    /// Most bytes per table.
    pub max_bytes: usize,
    /// How long a code is redeemable (RFC 6749 §4.1.2 recommends at most 10 minutes).
    pub code_lifetime: Duration,
    /// Access-token lifetime.
    pub access_lifetime: Duration,
    /// Refresh-token lifetime.
    pub refresh_lifetime: Duration,
    /// How long a pending authorization request waits for its login.
    pub authz_lifetime: Duration,
    /// How long a client assertion's `jti` is remembered (longer than any assertion's `exp`
    /// the token endpoint accepts).
    pub jti_lifetime: Duration,
}

impl Default for OpLimits {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_bytes: 16 << 20,
            code_lifetime: Duration::minutes(1),
            access_lifetime: Duration::minutes(30),
            refresh_lifetime: Duration::hours(24),
            authz_lifetime: Duration::minutes(20),
            jti_lifetime: Duration::minutes(65),
        }
    }
}

/// The OP tables.
#[derive(Debug)]
pub struct OpState {
    /// The caps and lifetimes.
    pub limits: OpLimits,
    authz: Mutex<BoundedMap<String, Authz>>,
    codes: Mutex<BoundedMap<String, Grant>>,
    access: Mutex<BoundedMap<String, AccessRecord>>,
    refresh: Mutex<BoundedMap<String, RefreshRecord>>,
    jtis: Mutex<BoundedMap<String, ()>>,
    rp_names: Mutex<BoundedMap<String, String>>,
    crafts: Mutex<BoundedMap<String, super::crafted::AnswerCraft>>,
    issued: Mutex<BoundedMap<String, String>>,
    record: super::record::RequestRecord,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes and returns the entry `key` of `table` if it is still live at `now`.
fn take_live<T: Weigh>(
    table: &Mutex<BoundedMap<String, T>>,
    key: &str,
    now: OffsetDateTime,
) -> Option<T> {
    let mut t = lock(table);
    t.get(&key.to_string(), now)?;
    t.remove(&key.to_string())
}

impl OpState {
    /// Empty tables with `limits`.
    pub fn new(limits: OpLimits) -> Self {
        let table = |ttl| Limits {
            max_entries: limits.max_entries,
            max_bytes: limits.max_bytes,
            ttl,
        };
        let crafts = Limits {
            max_entries: limits.max_entries.min(MAX_CRAFTS),
            ..table(limits.refresh_lifetime)
        };
        Self {
            limits,
            authz: Mutex::new(BoundedMap::new(table(limits.authz_lifetime))),
            codes: Mutex::new(BoundedMap::new(table(limits.code_lifetime))),
            access: Mutex::new(BoundedMap::new(table(limits.access_lifetime))),
            refresh: Mutex::new(BoundedMap::new(table(limits.refresh_lifetime))),
            jtis: Mutex::new(BoundedMap::new(table(limits.jti_lifetime))),
            rp_names: Mutex::new(BoundedMap::new(table(limits.refresh_lifetime))),
            crafts: Mutex::new(BoundedMap::new(crafts)),
            issued: Mutex::new(BoundedMap::new(crafts)),
            record: super::record::RequestRecord::default(),
        }
    }

    /// What relying parties sent to the OPs' endpoints (bounded, see [`super::record`]).
    pub fn record(&self) -> &super::record::RequestRecord {
        &self.record
    }

    /// Keeps an accepted request under the login's request id.
    pub fn put_authz(&self, id: &str, a: Authz, now: OffsetDateTime) {
        lock(&self.authz).insert(id.to_string(), a, now);
    }

    /// Takes the request a login answers (`None`: the login is a SAML one).
    pub fn take_authz(&self, id: &str, now: OffsetDateTime) -> Option<Authz> {
        take_live(&self.authz, id, now)
    }

    /// Whether `id` is an OIDC login's request id.
    pub fn is_oidc(&self, id: &str, now: OffsetDateTime) -> bool {
        lock(&self.authz).get(&id.to_string(), now).is_some()
    }

    /// Stores a code.
    pub fn put_code(&self, code: &str, g: Grant, now: OffsetDateTime) {
        lock(&self.codes).insert(code.to_string(), g, now);
    }

    /// Redeems a code: it is gone afterwards (single use).
    pub fn take_code(&self, code: &str, now: OffsetDateTime) -> Option<Grant> {
        take_live(&self.codes, code, now)
    }

    /// Records a client assertion's `jti`; false when it was seen already (a replay).
    pub fn first_use_of_jti(&self, client_id: &str, jti: &str, now: OffsetDateTime) -> bool {
        let key = format!("{client_id} {jti}");
        let mut t = lock(&self.jtis);
        if t.get(&key, now).is_some() {
            return false;
        }
        t.insert(key, (), now);
        true
    }

    /// Stores an access token by its `jti`.
    pub fn put_access(&self, jti: &str, r: AccessRecord, now: OffsetDateTime) {
        lock(&self.access).insert(jti.to_string(), r, now);
    }

    /// The live access token `jti`.
    pub fn access(&self, jti: &str, now: OffsetDateTime) -> Option<AccessRecord> {
        lock(&self.access)
            .get(&jti.to_string(), now)
            .filter(|r| r.exp > now)
            .cloned()
    }

    /// Revokes an access token; returns it.
    pub fn revoke_access(&self, jti: &str) -> Option<AccessRecord> {
        lock(&self.access).remove(&jti.to_string())
    }

    /// Stores a refresh token.
    pub fn put_refresh(&self, token: &str, r: RefreshRecord, now: OffsetDateTime) {
        lock(&self.refresh).insert(token.to_string(), r, now);
    }

    /// The live refresh token.
    pub fn refresh(&self, token: &str, now: OffsetDateTime) -> Option<RefreshRecord> {
        lock(&self.refresh).get(&token.to_string(), now).cloned()
    }

    /// Revokes a refresh token; returns it.
    pub fn revoke_refresh(&self, token: &str) -> Option<RefreshRecord> {
        lock(&self.refresh).remove(&token.to_string())
    }

    /// Remembers the organization name an RP's metadata gives, for the login pages.
    pub fn set_rp_name(&self, client_id: &str, name: &str, now: OffsetDateTime) {
        lock(&self.rp_names).insert(client_id.to_string(), name.to_string(), now);
    }

    /// The organization name of RP `client_id`, if one logged in lately.
    pub fn rp_name(&self, client_id: &str, now: OffsetDateTime) -> Option<String> {
        lock(&self.rp_names)
            .get(&client_id.to_string(), now)
            .cloned()
    }

    /// Crafts the answers to the login whose `state` is `state` (replacing an earlier craft for
    /// it); at most [`MAX_CRAFTS`] are kept, the oldest going first.
    pub fn put_craft(&self, state: &str, craft: super::crafted::AnswerCraft, now: OffsetDateTime) {
        lock(&self.crafts).insert(state.to_string(), craft, now);
    }

    /// The craft for the login with `state`, if any.
    pub fn craft(&self, state: &str, now: OffsetDateTime) -> Option<super::crafted::AnswerCraft> {
        lock(&self.crafts).get(&state.to_string(), now).cloned()
    }

    /// Keeps the ID token issued to a crafted login (kept for crafted logins only, so that a
    /// later craft can replay it in another login).
    pub fn put_issued(&self, state: &str, id_token: &str, now: OffsetDateTime) {
        lock(&self.issued).insert(state.to_string(), id_token.to_string(), now);
    }

    /// The last ID token issued to the crafted login with `state`.
    pub fn issued(&self, state: &str, now: OffsetDateTime) -> Option<String> {
        lock(&self.issued).get(&state.to_string(), now).cloned()
    }

    /// Entries per table (authz, codes, access, refresh, jtis), for tests and `/admin`.
    pub fn usage(&self) -> [usize; 5] {
        [
            lock(&self.authz).len(),
            lock(&self.codes).len(),
            lock(&self.access).len(),
            lock(&self.refresh).len(),
            lock(&self.jtis).len(),
        ]
    }
}

impl Default for OpState {
    fn default() -> Self {
        Self::new(OpLimits::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// The instant the tests start at.
    const T0: OffsetDateTime = datetime!(2026-01-01 10:00 UTC);

    fn authz() -> Authz {
        Authz {
            op: "poste".into(),
            issuer: "http://127.0.0.1/oidc/op/poste".into(),
            client_id: "https://rp.example".into(),
            redirect_uri: "https://rp.example/cb".into(),
            state: "s".repeat(32),
            nonce: "n".repeat(32),
            scope: vec!["openid".into()],
            acr_values: vec![Level::L2],
            code_challenge: "c".repeat(43),
            consent: true,
            userinfo_claims: vec![],
            id_token_claims: vec![],
        }
    }

    #[test]
    fn a_code_is_redeemed_once_and_expires_on_the_clock() {
        let s = OpState::default();
        let g = Grant {
            authz: authz(),
            user: "mario".into(),
            level: Level::L2,
            sub: "x".into(),
            auth_time: T0,
            session_index: "i".into(),
        };
        s.put_code("c1", g.clone(), T0);
        assert!(s.take_code("c1", T0).is_some());
        assert!(s.take_code("c1", T0).is_none(), "single use");
        s.put_code("c2", g, T0);
        let later = T0 + Duration::minutes(2);
        assert!(s.take_code("c2", later).is_none(), "expired");
    }

    #[test]
    fn crafts_are_kept_per_state_and_bounded() {
        let s = OpState::default();
        for i in 0..MAX_CRAFTS + 10 {
            s.put_craft(&format!("state-{i}"), Default::default(), T0);
            s.put_issued(&format!("state-{i}"), "a.b.c", T0);
        }
        assert!(s.craft("state-0", T0).is_none(), "the oldest went first");
        assert!(s.craft(&format!("state-{}", MAX_CRAFTS + 9), T0).is_some());
        assert!(s.issued("state-0", T0).is_none());
        assert_eq!(
            s.issued(&format!("state-{}", MAX_CRAFTS + 9), T0)
                .as_deref(),
            Some("a.b.c")
        );
        assert!(lock(&s.crafts).len() <= MAX_CRAFTS && lock(&s.issued).len() <= MAX_CRAFTS);
        let later = T0 + Duration::days(2);
        assert!(s.craft("state-300", later).is_none(), "expired");
    }

    #[test]
    fn a_jti_is_accepted_once_per_client() {
        let s = OpState::default();
        assert!(s.first_use_of_jti("rp", "j", T0));
        assert!(!s.first_use_of_jti("rp", "j", T0));
        assert!(s.first_use_of_jti("rp2", "j", T0));
    }
}
