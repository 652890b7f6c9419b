//! Browser sessions (a random cookie value each): the AuthnRequests still outstanding, the
//! logged-in user, and the replay cache of consumed Response and Assertion IDs. Bounded in
//! entries and bytes, expiring on the SP's clock ([`SessionLimits`]), indexed so that no
//! logout or lookup scans every session.

use crate::level::{Comparison, Level};
use mock_idps::bounded::{BoundedMap, Limits, Weigh};
use mock_idps::clock::SharedClock;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use time::OffsetDateTime;

/// The session cookie's name.
pub const COOKIE: &str = "refsp_session";

/// The caps of the session store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Most browser sessions kept; the oldest is dropped beyond it.
    pub max_sessions: usize,
    /// Most bytes the browser sessions may hold.
    pub max_bytes: usize,
    /// How long a browser session lives after it was created.
    pub lifetime: time::Duration,
    /// Most outstanding requests per browser session (the oldest is forgotten beyond it).
    pub max_outstanding: usize,
    /// Most Response and Assertion IDs remembered against replay; when that many are live,
    /// Responses are refused (fail closed) until the oldest expire.
    pub max_replay: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            max_sessions: 10_000,
            max_bytes: 32 << 20,
            lifetime: time::Duration::hours(12),
            max_outstanding: 16,
            max_replay: 200_000,
        }
    }
}

/// An AuthnRequest we sent and await an answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outstanding {
    /// Its ID (the expected InResponseTo).
    pub id: String,
    /// The IdP's entityID.
    pub idp: String,
    /// Requested level.
    pub level: Level,
    /// Requested Comparison.
    pub comparison: Comparison,
    /// AttributeConsumingServiceIndex requested.
    pub attribute_index: u8,
    /// Its IssueInstant; `None` when the SP runs without the in-response-to check and had to
    /// guess which request a Response answers.
    pub issued: Option<OffsetDateTime>,
    /// The RelayState sent with it, which the IdP must return unchanged.
    pub relay_state: Option<String>,
}

/// A logged-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The IdP's entityID.
    pub idp: String,
    /// NameID value.
    pub name_id: String,
    /// NameID NameQualifier.
    pub name_qualifier: String,
    /// SessionIndex (L1 only).
    pub session_index: Option<String>,
    /// Level obtained.
    pub level: Level,
    /// Attributes received, in order.
    pub attributes: Vec<(String, String)>,
    /// Logged in with the INPS PIN ([`crate::pin_login`]), not SPID: `level` means nothing.
    pub via_pin: bool,
}

#[derive(Debug, Default)]
struct BrowserSession {
    outstanding: VecDeque<Outstanding>,
    login: Option<Login>,
}

fn weigh_login(l: &Login) -> usize {
    l.idp.len()
        + l.name_id.len()
        + l.name_qualifier.len()
        + l.session_index.as_ref().map_or(0, String::len)
        + l.attributes
            .iter()
            .map(|(k, v)| k.len() + v.len() + 48)
            .sum::<usize>()
        + 64
}

impl Weigh for BrowserSession {
    fn weight(&self) -> usize {
        self.outstanding
            .iter()
            .map(|o| o.id.len() + o.idp.len() + o.relay_state.as_ref().map_or(0, String::len) + 64)
            .sum::<usize>()
            + self.login.as_ref().map_or(0, weigh_login)
    }
}

#[derive(Debug)]
struct Store {
    sessions: BoundedMap<String, BrowserSession>,
    /// Outstanding request ID → its browser session (for the `in-response-to`-off guess).
    outstanding_owner: HashMap<String, String>,
    /// (IdP, NameID) → browser sessions logged in as them (for IdP-initiated logout).
    by_name_id: HashMap<(String, String), HashSet<String>>,
    replay: HashMap<String, OffsetDateTime>,
    replay_order: BTreeSet<(OffsetDateTime, String)>,
}

impl Store {
    fn forget(&mut self, sid: &str, b: &BrowserSession) {
        for o in &b.outstanding {
            if self.outstanding_owner.get(&o.id).is_some_and(|s| s == sid) {
                self.outstanding_owner.remove(&o.id);
            }
        }
        if let Some(l) = &b.login {
            self.unindex_login(sid, l);
        }
    }

    fn unindex_login(&mut self, sid: &str, l: &Login) {
        let key = (l.idp.clone(), l.name_id.clone());
        if let Some(set) = self.by_name_id.get_mut(&key) {
            set.remove(sid);
            if set.is_empty() {
                self.by_name_id.remove(&key);
            }
        }
    }

    fn expire_replay(&mut self, now: OffsetDateTime) {
        while let Some((until, id)) = self.replay_order.first().cloned() {
            if until > now {
                break;
            }
            self.replay_order.pop_first();
            if self.replay.get(&id) == Some(&until) {
                self.replay.remove(&id);
            }
        }
    }
}

/// Every browser session and the replay cache, bounded, expiring on the SP's clock.
#[derive(Debug)]
pub struct Sessions {
    inner: Mutex<Store>,
    clock: SharedClock,
    limits: SessionLimits,
}

/// A fresh random token: 32 hex digits (session cookies, RelayState, message IDs).
pub fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    /// An empty store on `clock` with `limits`.
    pub fn new(clock: SharedClock, limits: SessionLimits) -> Self {
        Self {
            inner: Mutex::new(Store {
                sessions: BoundedMap::new(Limits {
                    max_entries: limits.max_sessions,
                    max_bytes: limits.max_bytes,
                    ttl: limits.lifetime,
                }),
                outstanding_owner: HashMap::new(),
                by_name_id: HashMap::new(),
                replay: HashMap::new(),
                replay_order: BTreeSet::new(),
            }),
            clock,
            limits,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Creates a browser session; returns its cookie value.
    pub fn create(&self) -> String {
        let id = random_token();
        let now = self.now();
        let mut s = self.lock();
        let dropped = s
            .sessions
            .insert(id.clone(), BrowserSession::default(), now);
        for (sid, b) in &dropped {
            s.forget(sid, b);
        }
        drop(s);
        drop(dropped);
        id
    }

    /// Whether the cookie value names a live session.
    pub fn exists(&self, sid: &str) -> bool {
        let now = self.now();
        self.lock().sessions.get(&sid.to_string(), now).is_some()
    }

    /// Browser sessions kept, their bytes, and the replay IDs remembered.
    pub fn usage(&self) -> (usize, usize, usize) {
        let s = self.lock();
        (s.sessions.len(), s.sessions.bytes(), s.replay.len())
    }

    /// Records an outstanding request for `sid`.
    pub fn add_outstanding(&self, sid: &str, o: Outstanding) {
        let now = self.now();
        let max = self.limits.max_outstanding;
        let mut s = self.lock();
        let id = o.id.clone();
        let evicted = s.sessions.update(&sid.to_string(), now, |b| {
            b.outstanding.push_back(o);
            let mut evicted = Vec::new();
            while b.outstanding.len() > max {
                evicted.extend(b.outstanding.pop_front().map(|o| o.id));
            }
            evicted
        });
        if let Some(evicted) = evicted {
            for old in evicted {
                s.outstanding_owner.remove(&old);
            }
            s.outstanding_owner.insert(id, sid.to_string());
        }
    }

    /// Removes and returns the outstanding request `id` of `sid`.
    pub fn take_outstanding(&self, sid: &str, id: &str) -> Option<Outstanding> {
        let now = self.now();
        let mut s = self.lock();
        let taken = s.sessions.update(&sid.to_string(), now, |b| {
            let pos = b.outstanding.iter().position(|o| o.id == id)?;
            b.outstanding.remove(pos)
        })??;
        s.outstanding_owner.remove(id);
        Some(taken)
    }

    /// Any session's outstanding request `id`, else the newest of `sid` (used only when the
    /// in-response-to check is switched off).
    pub fn guess_outstanding(&self, sid: Option<&str>, id: Option<&str>) -> Option<Outstanding> {
        let now = self.now();
        let s = self.lock();
        if let Some(id) = id {
            let found = s.outstanding_owner.get(id).and_then(|owner| {
                s.sessions
                    .get(owner, now)
                    .and_then(|b| b.outstanding.iter().find(|o| o.id == id))
            });
            if let Some(o) = found {
                return Some(o.clone());
            }
        }
        sid.and_then(|sid| s.sessions.get(&sid.to_string(), now))
            .and_then(|b| b.outstanding.back().cloned())
    }

    /// Logs `sid` in.
    pub fn set_login(&self, sid: &str, login: Login) {
        let now = self.now();
        let key = (login.idp.clone(), login.name_id.clone());
        let mut s = self.lock();
        let old = s
            .sessions
            .update(&sid.to_string(), now, |b| b.login.replace(login));
        if let Some(old) = old {
            if let Some(old) = old {
                s.unindex_login(sid, &old);
            }
            s.by_name_id.entry(key).or_default().insert(sid.to_string());
        }
    }

    /// Who is logged in on `sid`.
    pub fn login(&self, sid: &str) -> Option<Login> {
        let now = self.now();
        self.lock()
            .sessions
            .get(&sid.to_string(), now)
            .and_then(|b| b.login.clone())
    }

    /// Logs `sid` out; returns who was logged in.
    pub fn logout(&self, sid: &str) -> Option<Login> {
        let now = self.now();
        let mut s = self.lock();
        let old = s
            .sessions
            .update(&sid.to_string(), now, |b| b.login.take())??;
        s.unindex_login(sid, &old);
        Some(old)
    }

    /// Logs out every session of the user `name_id` at `idp`; returns how many.
    pub fn logout_name_id(&self, idp: &str, name_id: &str) -> usize {
        let now = self.now();
        let mut s = self.lock();
        let Some(sids) = s.by_name_id.remove(&(idp.to_string(), name_id.to_string())) else {
            return 0;
        };
        let mut n = 0;
        for sid in sids {
            let ended = s.sessions.update(&sid, now, |b| {
                b.login
                    .take_if(|l| l.idp == idp && l.name_id == name_id)
                    .is_some()
            });
            n += usize::from(ended == Some(true));
        }
        n
    }

    /// The first of `ids` already consumed and not yet expired at `now`.
    pub fn replayed<'a>(&self, ids: &[&'a str], now: OffsetDateTime) -> Option<&'a str> {
        let s = self.lock();
        ids.iter()
            .copied()
            .find(|id| s.replay.get(*id).is_some_and(|until| *until > now))
    }

    /// Whether the replay cache can take `n` more IDs at `now` (else Responses are refused
    /// until the oldest expire: forgetting a live ID would let its Response be replayed).
    pub fn replay_has_room(&self, n: usize, now: OffsetDateTime) -> bool {
        let mut s = self.lock();
        s.expire_replay(now);
        s.replay.len() + n <= self.limits.max_replay
    }

    /// Remembers `ids` as consumed until `until`, forgetting what expired by `now`.
    pub fn remember(&self, ids: &[&str], until: OffsetDateTime, now: OffsetDateTime) {
        let mut s = self.lock();
        s.expire_replay(now);
        for id in ids {
            let id = (*id).to_string();
            if let Some(old) = s.replay.insert(id.clone(), until) {
                s.replay_order.remove(&(old, id.clone()));
            }
            s.replay_order.insert((until, id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mock_idps::clock::{Clock, SimClock};
    use std::sync::Arc;
    use time::macros::datetime;

    fn login(name_id: &str) -> Login {
        Login {
            idp: "https://idp.example".into(),
            name_id: name_id.into(),
            name_qualifier: String::new(),
            session_index: None,
            level: crate::level::Level::L2,
            attributes: vec![("fiscalNumber".into(), "TINIT-X".into())],
            via_pin: false,
        }
    }

    #[test]
    fn sessions_are_capped_expire_and_logout_uses_the_index() {
        let clock = Arc::new(SimClock::new(datetime!(2026-01-01 00:00 UTC)));
        let limits = SessionLimits {
            max_sessions: 3,
            ..SessionLimits::default()
        };
        let s = Sessions::new(clock.clone(), limits);
        let sids: Vec<String> = (0..5).map(|_| s.create()).collect();
        assert!(!s.exists(&sids[0]) && s.exists(&sids[4]));
        s.set_login(&sids[3], login("n1"));
        s.set_login(&sids[4], login("n1"));
        assert_eq!(s.logout_name_id("https://idp.example", "n1"), 2);
        assert!(s.login(&sids[3]).is_none());
        s.set_login(&sids[4], login("n2"));
        clock.advance(time::Duration::hours(13));
        assert!(!s.exists(&sids[4]), "expired on the clock");
        assert_eq!(s.logout_name_id("https://idp.example", "n2"), 0);
    }

    #[test]
    fn the_replay_cache_forgets_only_expired_ids_and_fails_closed_when_full() {
        let t0 = datetime!(2026-01-01 00:00 UTC);
        let s = Sessions::new(
            Arc::new(SimClock::new(t0)),
            SessionLimits {
                max_replay: 2,
                ..SessionLimits::default()
            },
        );
        s.remember(&["a", "b"], t0 + time::Duration::minutes(5), t0);
        assert!(!s.replay_has_room(1, t0));
        assert_eq!(s.replayed(&["b"], t0), Some("b"));
        let later = t0 + time::Duration::minutes(6);
        assert!(s.replay_has_room(2, later));
        assert_eq!(s.usage().2, 0);
        let _ = s.now();
        let _ = Clock::now(&SimClock::new(t0));
    }
}
