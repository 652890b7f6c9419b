//! The sessions the providers hold after a login (ended by single logout or the CIE plain
//! logout): a [`BoundedMap`] by SessionIndex with two indexes, by provider and by
//! (provider, SP, NameID), so no logout or lookup scans the whole table.

use super::state::IdpSession;
use crate::bounded::{BoundedMap, Limits, Weigh};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

impl Weigh for IdpSession {
    fn weight(&self) -> usize {
        self.provider.len()
            + self.sp_entity_id.len()
            + self.name_id.len()
            + self.session_index.len()
            + self.user.len()
    }
}

#[derive(Debug)]
struct Entry {
    session: IdpSession,
    seq: u64,
}

impl Weigh for Entry {
    fn weight(&self) -> usize {
        // The two index entries repeat the strings they key on.
        self.session.weight() * 2 + 64
    }
}

type NameKey = (String, String, String);

/// Every open IdP session, bounded, with expiry.
#[derive(Debug)]
pub struct IdpSessions {
    map: BoundedMap<String, Entry>,
    by_provider: HashMap<String, BTreeMap<u64, String>>,
    by_name: HashMap<NameKey, String>,
    next: u64,
}

fn name_key(s: &IdpSession) -> NameKey {
    (
        s.provider.clone(),
        s.sp_entity_id.clone(),
        s.name_id.clone(),
    )
}

impl IdpSessions {
    /// An empty table with `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            map: BoundedMap::new(limits),
            by_provider: HashMap::new(),
            by_name: HashMap::new(),
            next: 0,
        }
    }

    fn unindex(&mut self, s: &IdpSession, seq: u64) {
        if let Some(m) = self.by_provider.get_mut(&s.provider) {
            m.remove(&seq);
            if m.is_empty() {
                self.by_provider.remove(&s.provider);
            }
        }
        let key = name_key(s);
        if self.by_name.get(&key) == Some(&s.session_index) {
            self.by_name.remove(&key);
        }
    }

    /// Records a session at `now`; the oldest ones go beyond the caps or once expired.
    pub fn add(&mut self, s: IdpSession, now: OffsetDateTime) {
        let seq = self.next;
        self.next += 1;
        let index = s.session_index.clone();
        if let Some(old) = self.map.remove(&index) {
            self.unindex(&old.session, old.seq);
        }
        self.by_provider
            .entry(s.provider.clone())
            .or_default()
            .insert(seq, index.clone());
        self.by_name.insert(name_key(&s), index.clone());
        let dropped = self.map.insert(index, Entry { session: s, seq }, now);
        for (_, e) in dropped {
            self.unindex(&e.session, e.seq);
        }
    }

    /// Ends the session with `session_index`.
    pub fn end_by_index(&mut self, session_index: &str, now: OffsetDateTime) -> Option<IdpSession> {
        self.map.get(&session_index.to_string(), now)?;
        let e = self.map.remove(&session_index.to_string())?;
        self.unindex(&e.session, e.seq);
        Some(e.session)
    }

    /// Ends the session of `name_id` given to `sp` by `provider`.
    pub fn end_by_name_id(
        &mut self,
        provider: &str,
        sp: &str,
        name_id: &str,
        now: OffsetDateTime,
    ) -> Option<IdpSession> {
        let key = (provider.to_string(), sp.to_string(), name_id.to_string());
        let index = self.by_name.get(&key)?.clone();
        self.end_by_index(&index, now)
    }

    /// Ends every session `provider` holds; returns how many were open.
    pub fn end_all_of(&mut self, provider: &str, now: OffsetDateTime) -> usize {
        let Some(indexes) = self.by_provider.remove(provider) else {
            return 0;
        };
        let mut ended = 0;
        for index in indexes.into_values() {
            if self.map.get(&index, now).is_some() {
                ended += 1;
            }
            if let Some(e) = self.map.remove(&index) {
                let key = name_key(&e.session);
                if self.by_name.get(&key) == Some(&index) {
                    self.by_name.remove(&key);
                }
            }
        }
        ended
    }

    /// The session with `session_index`, if `provider` holds it.
    pub fn get_at(
        &self,
        provider: &str,
        session_index: &str,
        now: OffsetDateTime,
    ) -> Option<IdpSession> {
        self.map
            .get(&session_index.to_string(), now)
            .filter(|e| e.session.provider == provider)
            .map(|e| e.session.clone())
    }

    /// The newest live session `provider` holds.
    pub fn newest_of(&self, provider: &str, now: OffsetDateTime) -> Option<IdpSession> {
        self.by_provider
            .get(provider)?
            .values()
            .rev()
            .find_map(|index| self.map.get(index, now))
            .map(|e| e.session.clone())
    }

    /// Every live session, oldest first.
    pub fn all(&self, now: OffsetDateTime) -> Vec<IdpSession> {
        self.map.iter(now).map(|(_, e)| e.session.clone()).collect()
    }

    /// Sessions kept (for tests of the caps).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Bytes accounted.
    pub fn bytes(&self) -> usize {
        self.map.bytes()
    }

    /// Sessions examined by lookups, logouts and listings since creation (see
    /// [`BoundedMap::examined`]): a logout through the indexes examines only the sessions it
    /// ends, a scan examines them all.
    pub fn examined(&self) -> u64 {
        self.map.examined()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spid::level::Level;
    use time::macros::datetime;
    use time::Duration;

    const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    fn s(provider: &str, i: usize) -> IdpSession {
        IdpSession {
            provider: provider.into(),
            sp_entity_id: "https://sp.example".into(),
            name_id: format!("n{i}"),
            session_index: format!("_{provider}{i}"),
            user: "mario.rossi".into(),
            level: Level::L2,
            session_index_sent: false,
        }
    }

    fn table(entries: usize) -> IdpSessions {
        IdpSessions::new(Limits {
            max_entries: entries,
            max_bytes: usize::MAX,
            ttl: Duration::hours(8),
        })
    }

    #[test]
    fn indexes_follow_evictions_and_logouts() {
        let mut t = table(3);
        for i in 0..5 {
            t.add(s("aruba", i), T0);
        }
        t.add(s("cie", 9), T0);
        assert_eq!(t.len(), 3);
        assert!(t
            .end_by_name_id("aruba", "https://sp.example", "n0", T0)
            .is_none());
        assert_eq!(t.newest_of("aruba", T0).unwrap().name_id, "n4");
        assert!(t
            .end_by_name_id("aruba", "https://sp.example", "n4", T0)
            .is_some());
        assert_eq!(t.newest_of("aruba", T0).unwrap().name_id, "n3");
        assert_eq!(t.end_all_of("cie", T0), 1);
        assert_eq!(t.end_all_of("cie", T0), 0);
        assert_eq!(t.all(T0).len(), 1);
        assert_eq!(t.by_provider.values().map(BTreeMap::len).sum::<usize>(), 1);
        assert_eq!(t.by_name.len(), 1);
    }

    #[test]
    fn sessions_expire_on_the_clock() {
        let mut t = table(10);
        t.add(s("aruba", 1), T0);
        let later = T0 + Duration::hours(9);
        assert!(t.newest_of("aruba", later).is_none());
        assert!(t.end_by_index("_aruba1", later).is_none());
        t.add(s("aruba", 2), later);
        assert_eq!(t.len(), 1, "the expired one was dropped");
        assert_eq!(t.by_name.len(), 1);
    }
}
