//! The PIN service itself: people, timeline and records over a [`PinStore`] and the [`Clock`].
//!
//! Every operation reads the clock once, checks the rules, writes its changes as one batch to the
//! store, and only then changes the in-memory state: what an operation returns as done is stored.
//! Sessions are the only state kept in memory alone (a restart logs everyone out).

use super::delegation::Delegation;
use super::error::PinError;
use super::expiry;
use super::lockout::{LockState, LockoutPolicy};
use super::model::{Claim, ClaimStatus, LoginMethod, Message, Person, Pin, PinKind, PinState};
use super::people;
use super::phone_pin::PhonePin;
use super::services::{self, Action, Area};
use super::store::{MemoryStore, PinStore, Record, StoreError};
use super::timeline::{Allowance, Audience, Timeline};
use crate::clock::SharedClock;
use crate::ids::IdGenerator;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// The numbers of the PIN rules; the defaults are the seeds'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PinConfig {
    /// Failed-login lock (PIN-09: 10 failures, 5 minutes).
    pub lockout: LockoutPolicy,
    /// PIN life of a citizen, in months (PIN-08: 6).
    pub citizen_months: u32,
    /// PIN life of an intermediario istituzionale, in months (PIN-08: 3).
    pub intermediary_months: u32,
    /// Earliest day of postal delivery of the second half (PIN-06: 7).
    pub postal_min_days: u32,
    /// Latest day of postal delivery of the second half (PIN-06: 15).
    pub postal_max_days: u32,
    /// Lifetime of a PIN login session, in minutes.
    pub session_minutes: u32,
    /// Lowest SPID level that counts as a digital identity (phone PIN, delegates; ID-01: 2).
    pub min_spid_level: u8,
    /// Most delegations one delegate may hold (§7.3: 5; one source says 3).
    pub delegate_cap: u32,
    /// The offset of the civil calendar the timeline's days are read in.
    #[serde(skip)]
    pub offset: UtcOffset,
}

impl Default for PinConfig {
    fn default() -> Self {
        Self {
            lockout: LockoutPolicy::default(),
            citizen_months: 6,
            intermediary_months: 3,
            postal_min_days: 7,
            postal_max_days: 15,
            session_minutes: 30,
            min_spid_level: 2,
            delegate_cap: 5,
            offset: UtcOffset::UTC,
        }
    }
}

/// A PIN login: the token opens services until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Opaque token.
    pub token: String,
    /// The holder.
    pub fiscal_code: String,
    /// The PIN used.
    pub pin_id: String,
    /// Its kind at login.
    pub kind: PinKind,
    /// How the holder logged in.
    pub method: LoginMethod,
    /// End of the session.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A service opened by a PIN holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceAccess {
    /// The service id.
    pub service: String,
    /// Its title.
    pub title: String,
    /// Its MyINPS area.
    pub area: Area,
    /// The holder.
    pub fiscal_code: String,
}

/// A person's PIN and where it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinStatus {
    /// The PIN id.
    pub pin_id: String,
    /// Its kind.
    pub kind: PinKind,
    /// Its state now.
    pub state: PinState,
    /// When the current 8-character PIN expires, if one is set (PIN-08).
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Consecutive failed logins (PIN-09).
    pub failures: u32,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub pins: BTreeMap<String, Pin>,
    pub messages: BTreeMap<String, Message>,
    pub claims: BTreeMap<String, Claim>,
    pub phone_pins: BTreeMap<String, PhonePin>,
    pub delegations: BTreeMap<String, Delegation>,
    pub sessions: HashMap<String, Session>,
}

impl State {
    fn apply(&mut self, r: Record) {
        match r {
            Record::Claim(c) => {
                self.claims.insert(c.id.clone(), c);
            }
            Record::Delegation(d) => {
                self.delegations.insert(d.id.clone(), d);
            }
            Record::Message(m) => {
                self.messages.insert(m.id.clone(), m);
            }
            Record::PhonePin(p) => {
                self.phone_pins.insert(p.fiscal_code.clone(), p);
            }
            Record::Pin(p) => {
                self.pins.insert(p.id.clone(), p);
            }
        }
    }

    /// The person's PIN that is not revoked, if any (at most one: see `request`).
    pub fn live_pin(&self, cf: &str) -> Option<&Pin> {
        self.pins
            .values()
            .find(|p| p.fiscal_code == cf && p.is_live())
    }
}

/// The legacy INPS PIN service over a store and a clock.
#[derive(Debug)]
pub struct PinBackend {
    pub(super) config: PinConfig,
    pub(super) clock: SharedClock,
    pub(super) ids: IdGenerator,
    pub(super) timeline: Timeline,
    pub(super) people: BTreeMap<String, Person>,
    store: Box<dyn PinStore>,
    state: Mutex<State>,
}

impl PinBackend {
    /// A backend over `store`, replaying what it holds.
    pub fn open(
        config: PinConfig,
        timeline: Timeline,
        people: Vec<Person>,
        clock: SharedClock,
        ids: IdGenerator,
        store: Box<dyn PinStore>,
    ) -> Result<Self, StoreError> {
        let mut state = State::default();
        for r in store.load()? {
            state.apply(r);
        }
        Ok(Self {
            config,
            clock,
            ids,
            timeline,
            people: people
                .into_iter()
                .map(|p| (p.fiscal_code.clone(), p))
                .collect(),
            store,
            state: Mutex::new(state),
        })
    }

    /// A backend with the embedded fixtures, the built-in timeline, default rules and `store`.
    pub fn with_fixtures(
        clock: SharedClock,
        ids: IdGenerator,
        store: Box<dyn PinStore>,
    ) -> Result<Self, super::PinSetupError> {
        let people = people::from_fixtures(&crate::fixtures::FixtureSource::Embedded)?;
        let timeline = Timeline::builtin()?;
        Self::open(PinConfig::default(), timeline, people, clock, ids, store).map_err(|source| {
            super::PinSetupError::Store {
                path: None,
                source: Box::new(source),
            }
        })
    }

    /// A backend with the embedded fixtures kept in memory only.
    pub fn in_memory(clock: SharedClock, ids: IdGenerator) -> Result<Self, super::PinSetupError> {
        Self::with_fixtures(clock, ids, Box::new(MemoryStore::new()))
    }

    /// The rules in force.
    pub fn config(&self) -> &PinConfig {
        &self.config
    }

    /// The switch-off timeline.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// A person by codice fiscale.
    pub fn person(&self, cf: &str) -> Result<&Person, PinError> {
        self.people
            .get(cf.trim().to_ascii_uppercase().as_str())
            .ok_or_else(|| PinError::UnknownPerson {
                fiscal_code: cf.to_string(),
            })
    }

    /// Every registered person.
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.values()
    }

    /// The instant now and the civil day it falls on.
    pub(super) fn now(&self) -> (OffsetDateTime, Date) {
        let now = self.clock.now();
        (now, now.to_offset(self.config.offset).date())
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `batch` to the store, then to memory: the change is acknowledged.
    pub(super) fn commit(&self, state: &mut State, batch: Vec<Record>) -> Result<(), PinError> {
        self.store.commit(&batch).map_err(|e| PinError::Store {
            detail: e.to_string(),
        })?;
        for r in batch {
            state.apply(r);
        }
        Ok(())
    }

    /// The PIN life in months for `person` (PIN-08).
    pub(super) fn months_for(&self, person: &Person) -> u32 {
        // PIN-08: 6 months for a citizen, 3 for an intermediario istituzionale.
        if person.intermediario {
            self.config.intermediary_months
        } else {
            self.config.citizen_months
        }
    }

    /// When the current 8-character PIN expires (PIN-08), if one is set.
    pub(super) fn expiry_of(&self, pin: &Pin, person: &Person) -> Option<OffsetDateTime> {
        pin.secret_set_at
            .map(|set| expiry::pin_expiry(set, self.months_for(person)))
    }

    /// The person's live PIN, or why there is none.
    pub(super) fn live_pin<'s>(&self, state: &'s State, cf: &str) -> Result<&'s Pin, PinError> {
        if let Some(p) = state.live_pin(cf) {
            return Ok(p);
        }
        if state.pins.values().any(|p| p.fiscal_code == cf) {
            // SW-06: a revoked PIN cannot be reactivated.
            Err(PinError::Revoked)
        } else {
            Err(PinError::NoPin {
                fiscal_code: cf.to_string(),
            })
        }
    }

    /// Refuses when the timeline no longer lets `person`'s PIN log in on `date` (SW-05, SW-06).
    pub(super) fn check_phase(&self, person: &Person, date: Date) -> Result<(), PinError> {
        match self.timeline.login_end(person, date) {
            Some(since) => Err(PinError::SwitchedOff { since }),
            None => Ok(()),
        }
    }

    /// Checks the lock, then the presented PIN against `expected`; counts a failure (and stores
    /// it) when locked or wrong (PIN-09).
    pub(super) fn check_secret(
        &self,
        state: &mut State,
        pin: &Pin,
        presented: &str,
        expected: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), PinError> {
        let policy = self.config.lockout;
        let mut lock = LockState {
            failures: pin.failures,
            locked_until: pin.locked_until,
        };
        let locked = lock.locked_at(now).is_some();
        let right = !locked && expected.is_some_and(|e| constant_time_eq(e, presented));
        if right {
            return Ok(());
        }
        // PIN-09: a wrong PIN, or any attempt while locked, is a failed attempt.
        lock.fail(now, policy);
        let mut updated = pin.clone();
        updated.failures = lock.failures;
        updated.locked_until = lock.locked_until;
        self.commit(state, vec![Record::Pin(updated)])?;
        match lock.locked_at(now) {
            Some(until) => Err(PinError::Locked { until }),
            None => Err(PinError::WrongPin {
                remaining: policy.threshold.saturating_sub(lock.failures),
            }),
        }
    }

    /// Clears the failure counter after a successful check (PIN-09).
    pub(super) fn reset_failures(&self, state: &mut State, pin: &Pin) -> Result<(), PinError> {
        if pin.failures == 0 && pin.locked_until.is_none() {
            return Ok(());
        }
        let mut updated = pin.clone();
        updated.failures = 0;
        updated.locked_until = None;
        self.commit(state, vec![Record::Pin(updated)])
    }

    /// Logs in with codice fiscale and PIN (PIN-12): the 8-character PIN, after the first access.
    pub fn login(&self, cf: &str, presented: &str) -> Result<Session, PinError> {
        let (now, date) = self.now();
        let person = self.person(cf)?;
        let cf = person.fiscal_code.as_str();
        let mut state = self.lock();
        let pin = self.live_pin(&state, cf)?.clone();
        // SW-05, SW-06: past the end of its phase the PIN is dead, whatever is typed.
        self.check_phase(person, date)?;
        if let Some(initial) = pin.initial.as_deref() {
            // PIN-07: the 16-character PIN only opens the first access, which forces the change.
            self.check_secret(&mut state, &pin, presented, Some(initial), now)?;
            return Err(PinError::FirstAccessRequired);
        }
        self.check_secret(&mut state, &pin, presented, pin.secret.as_deref(), now)?;
        self.reset_failures(&mut state, &pin)?;
        // PIN-08: the system checks expiry at login and guides to a new PIN.
        if let Some(expired_at) = self.expiry_of(&pin, person).filter(|e| now >= *e) {
            return Err(PinError::Expired { expired_at });
        }
        let session = Session {
            token: self.ids.token(),
            fiscal_code: cf.to_string(),
            pin_id: pin.id.clone(),
            kind: pin.kind,
            method: LoginMethod::Pin,
            expires_at: now + Duration::minutes(i64::from(self.config.session_minutes)),
        };
        state
            .sessions
            .insert(session.token.clone(), session.clone());
        Ok(session)
    }

    /// The session behind `token`, if still open.
    pub(super) fn session(
        &self,
        state: &State,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Session, PinError> {
        state
            .sessions
            .get(token)
            .filter(|s| now < s.expires_at)
            .cloned()
            .ok_or(PinError::SessionUnknown)
    }

    /// Opens a service with a PIN session: phase, expiry, registry data, scope and kind are
    /// checked again at that instant (PIN-08, PIN-11, SW-03, SW-05).
    pub fn open_service(&self, token: &str, service: &str) -> Result<ServiceAccess, PinError> {
        let (now, date) = self.now();
        let state = self.lock();
        let (access, _) = self.admit(&state, token, service, now, date)?;
        Ok(access)
    }

    fn admit(
        &self,
        state: &State,
        token: &str,
        service: &str,
        now: OffsetDateTime,
        date: Date,
    ) -> Result<(ServiceAccess, Pin), PinError> {
        let session = self.session(state, token, now)?;
        let svc = services::find(service)?;
        let person = self.person(&session.fiscal_code)?;
        let pin = self.live_pin(state, &person.fiscal_code)?;
        if pin.id != session.pin_id {
            return Err(PinError::SessionUnknown);
        }
        // SW-05: the PIN may still log in for one audience and not for the other.
        if let Some(since) = self.timeline.pin_end(person, svc.audience, date) {
            return Err(PinError::SwitchedOff { since });
        }
        // PIN-08: an expired PIN opens nothing, even within an open session.
        if let Some(expired_at) = self.expiry_of(pin, person).filter(|e| now >= *e) {
            return Err(PinError::Expired { expired_at });
        }
        if pin.initial.is_some() {
            return Err(PinError::FirstAccessRequired);
        }
        svc.admits(pin, person, date)?;
        Ok((
            ServiceAccess {
                service: svc.id.to_string(),
                title: svc.title.to_string(),
                area: svc.area,
                fiscal_code: person.fiscal_code.clone(),
            },
            pin.clone(),
        ))
    }

    /// Submits a claim with a PIN session; under an ordinario PIN it is accepted but frozen until
    /// the conversion (PIN-03).
    pub fn submit_claim(&self, token: &str, service: &str) -> Result<Claim, PinError> {
        let (now, date) = self.now();
        let mut state = self.lock();
        let (access, pin) = self.admit(&state, token, service, now, date)?;
        let svc = services::find(service)?;
        if svc.action != Action::Claim {
            return Err(PinError::NotForProfile {
                service: svc.id.to_string(),
                reason: "it is not a claim; open it instead".into(),
            });
        }
        let claim = Claim {
            id: self.ids.token(),
            fiscal_code: access.fiscal_code,
            service: svc.id.to_string(),
            submitted_at: now,
            // PIN-03: accepted (deadlines stop), processed only after conversion.
            status: match pin.kind {
                PinKind::Ordinario => ClaimStatus::Frozen,
                PinKind::Dispositivo => ClaimStatus::Processing,
            },
            released_at: None,
        };
        self.commit(&mut state, vec![Record::Claim(claim.clone())])?;
        Ok(claim)
    }

    /// Where the person's PIN stands now.
    pub fn status(&self, cf: &str) -> Result<PinStatus, PinError> {
        let (now, date) = self.now();
        let person = self.person(cf)?;
        let state = self.lock();
        let pin = match self.live_pin(&state, &person.fiscal_code) {
            Ok(p) => p,
            Err(PinError::Revoked) => {
                let last = state
                    .pins
                    .values()
                    .filter(|p| p.fiscal_code == person.fiscal_code)
                    .max_by_key(|p| p.issued_at)
                    .ok_or(PinError::Revoked)?;
                return Ok(PinStatus {
                    pin_id: last.id.clone(),
                    kind: last.kind,
                    state: PinState::Revoked,
                    expires_at: None,
                    failures: last.failures,
                });
            }
            Err(e) => return Err(e),
        };
        let expires_at = self.expiry_of(pin, person);
        let lock = LockState {
            failures: pin.failures,
            locked_until: pin.locked_until,
        };
        let state_now = if self.timeline.login_end(person, date).is_some() {
            PinState::SwitchedOff
        } else if let Some(until) = lock.locked_at(now) {
            PinState::Locked { until }
        } else if pin.initial.is_some() {
            PinState::AwaitingFirstAccess
        } else if expires_at.is_some_and(|e| now >= e) {
            PinState::Expired
        } else {
            PinState::Active
        };
        Ok(PinStatus {
            pin_id: pin.id.clone(),
            kind: pin.kind,
            state: state_now,
            expires_at,
            failures: pin.failures,
        })
    }

    /// Every PIN the person ever held, revoked ones included, oldest first.
    pub fn pins(&self, cf: &str) -> Vec<Pin> {
        let state = self.lock();
        held_by(cf, state.pins.values(), |p| &p.fiscal_code, |p| p.issued_at)
    }

    /// The messages that have reached the person by now, oldest first (PIN-06).
    pub fn outbox(&self, cf: &str) -> Vec<Message> {
        let (now, _) = self.now();
        let state = self.lock();
        let delivered = state.messages.values().filter(|m| m.delivered_at <= now);
        held_by(
            cf,
            delivered,
            |m| &m.fiscal_code,
            |m| (m.delivered_at, m.sent_at, m.id.clone()),
        )
    }

    /// The person's claims, oldest first.
    pub fn claims(&self, cf: &str) -> Vec<Claim> {
        let state = self.lock();
        held_by(
            cf,
            state.claims.values(),
            |c| &c.fiscal_code,
            |c| (c.submitted_at, c.id.clone()),
        )
    }

    /// What the timeline allows the person today.
    pub fn allowance(&self, cf: &str, date: Option<Date>) -> Result<Allowance, PinError> {
        let person = self.person(cf)?;
        let date = date.unwrap_or_else(|| self.now().1);
        Ok(self.timeline.allowance(person, date))
    }

    /// Whether the person's PIN opens `audience` services on the current day.
    pub fn pin_valid_for(&self, cf: &str, audience: Audience) -> Result<bool, PinError> {
        let person = self.person(cf)?;
        Ok(self
            .timeline
            .pin_end(person, audience, self.now().1)
            .is_none())
    }
}

/// Compares two secrets without stopping at the first difference.
pub(super) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Copies of the `records` whose `owner` is the person `cf` (as typed: any case, spaces around),
/// sorted by `order`.
fn held_by<'r, T: Clone + 'r, K: Ord>(
    cf: &str,
    records: impl Iterator<Item = &'r T>,
    owner: impl Fn(&T) -> &str,
    order: impl FnMut(&T) -> K,
) -> Vec<T> {
    let cf = cf.trim().to_ascii_uppercase();
    let mut v: Vec<T> = records.filter(|r| owner(r) == cf).cloned().collect();
    v.sort_by_cached_key(order);
    v
}
