//! Browser sessions (a random cookie value each): the AuthnRequests still outstanding, the
//! logged-in user, and the replay cache of consumed Response and Assertion IDs. Bounded, in
//! memory.

use crate::level::{Comparison, Level};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use time::OffsetDateTime;

/// The session cookie's name.
pub const COOKIE: &str = "refsp_session";

/// Most browser sessions kept; the least recently created is dropped beyond it.
const MAX_SESSIONS: usize = 50_000;
/// Most outstanding requests per browser session.
const MAX_OUTSTANDING: usize = 16;
/// Most IDs in the replay cache.
const MAX_REPLAY: usize = 200_000;

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

#[derive(Debug, Default)]
struct Store {
    sessions: HashMap<String, BrowserSession>,
    order: VecDeque<String>,
    replay: HashMap<String, OffsetDateTime>,
}

/// Every browser session and the replay cache.
#[derive(Debug, Default)]
pub struct Sessions {
    inner: Mutex<Store>,
}

/// A fresh random token: 32 hex digits (session cookies, RelayState, message IDs).
pub fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates a browser session; returns its cookie value.
    pub fn create(&self) -> String {
        let id = random_token();
        let mut s = self.lock();
        s.sessions.insert(id.clone(), BrowserSession::default());
        s.order.push_back(id.clone());
        while s.order.len() > MAX_SESSIONS {
            if let Some(old) = s.order.pop_front() {
                s.sessions.remove(&old);
            }
        }
        id
    }

    /// Whether the cookie value names a live session.
    pub fn exists(&self, sid: &str) -> bool {
        self.lock().sessions.contains_key(sid)
    }

    /// Records an outstanding request for `sid`.
    pub fn add_outstanding(&self, sid: &str, o: Outstanding) {
        let mut s = self.lock();
        if let Some(b) = s.sessions.get_mut(sid) {
            b.outstanding.push_back(o);
            while b.outstanding.len() > MAX_OUTSTANDING {
                b.outstanding.pop_front();
            }
        }
    }

    /// Removes and returns the outstanding request `id` of `sid`.
    pub fn take_outstanding(&self, sid: &str, id: &str) -> Option<Outstanding> {
        let mut s = self.lock();
        let b = s.sessions.get_mut(sid)?;
        let pos = b.outstanding.iter().position(|o| o.id == id)?;
        b.outstanding.remove(pos)
    }

    /// Any session's outstanding request `id`, else the newest of `sid` (used only when the
    /// in-response-to check is switched off).
    pub fn guess_outstanding(&self, sid: Option<&str>, id: Option<&str>) -> Option<Outstanding> {
        let s = self.lock();
        if let Some(id) = id {
            if let Some(o) = s
                .sessions
                .values()
                .flat_map(|b| b.outstanding.iter())
                .find(|o| o.id == id)
            {
                return Some(o.clone());
            }
        }
        sid.and_then(|sid| s.sessions.get(sid))
            .and_then(|b| b.outstanding.back().cloned())
    }

    /// Logs `sid` in.
    pub fn set_login(&self, sid: &str, login: Login) {
        if let Some(b) = self.lock().sessions.get_mut(sid) {
            b.login = Some(login);
        }
    }

    /// Who is logged in on `sid`.
    pub fn login(&self, sid: &str) -> Option<Login> {
        self.lock().sessions.get(sid).and_then(|b| b.login.clone())
    }

    /// Logs `sid` out; returns who was logged in.
    pub fn logout(&self, sid: &str) -> Option<Login> {
        self.lock()
            .sessions
            .get_mut(sid)
            .and_then(|b| b.login.take())
    }

    /// Logs out every session of the user `name_id` at `idp`; returns how many.
    pub fn logout_name_id(&self, idp: &str, name_id: &str) -> usize {
        let mut n = 0;
        for b in self.lock().sessions.values_mut() {
            if b.login
                .as_ref()
                .is_some_and(|l| l.idp == idp && l.name_id == name_id)
            {
                b.login = None;
                n += 1;
            }
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

    /// Remembers `ids` as consumed until `until`, forgetting what expired by `now`.
    pub fn remember(&self, ids: &[&str], until: OffsetDateTime, now: OffsetDateTime) {
        let mut s = self.lock();
        if s.replay.len() >= MAX_REPLAY {
            s.replay.retain(|_, u| *u > now);
        }
        for id in ids {
            s.replay.insert((*id).to_string(), until);
        }
    }
}
