//! One bounded in-memory store for every table the servers keep (pending logins, IdP sessions,
//! the request log, the reference SP's browser sessions): a map with a cap on entries, a cap on
//! bytes, and an expiry on the shared [`crate::clock::Clock`]. Beyond a cap, or past its expiry,
//! the oldest entry goes first; every operation is O(log n), nothing scans the whole store.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use time::{Duration, OffsetDateTime};

/// An estimate of the heap bytes a value holds, for the byte cap.
pub trait Weigh {
    /// Approximate bytes (strings' lengths plus a fixed overhead is enough).
    fn weight(&self) -> usize;
}

impl Weigh for String {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl Weigh for () {
    fn weight(&self) -> usize {
        0
    }
}

/// Per-entry bookkeeping added to every value's own weight (map slots, order index, key).
pub const ENTRY_OVERHEAD: usize = 96;

/// The caps of one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries kept.
    pub max_entries: usize,
    /// Most bytes kept (values' [`Weigh::weight`] plus [`ENTRY_OVERHEAD`] each).
    pub max_bytes: usize,
    /// How long an entry lives after it was inserted.
    pub ttl: Duration,
}

#[derive(Debug)]
struct Slot<V> {
    value: V,
    seq: u64,
    bytes: usize,
    expires: OffsetDateTime,
}

/// A bounded map with expiry. Iteration is oldest first.
#[derive(Debug)]
pub struct BoundedMap<K, V> {
    limits: Limits,
    slots: HashMap<K, Slot<V>>,
    order: BTreeMap<u64, K>,
    next: u64,
    bytes: usize,
    examined: AtomicU64,
}

impl<K: Hash + Eq + Clone, V: Weigh> BoundedMap<K, V> {
    /// An empty store with `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            slots: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
            bytes: 0,
            examined: AtomicU64::new(0),
        }
    }

    fn examine(&self, entries: u64) {
        self.examined.fetch_add(entries, Ordering::Relaxed);
    }

    /// How many entries reads have examined since creation: one per [`BoundedMap::get`],
    /// [`BoundedMap::update`] or [`BoundedMap::remove`], one per entry [`BoundedMap::iter`]
    /// steps over (what [`BoundedMap::insert`] replaces or evicts is not counted). Lets a test
    /// tell a lookup through an index from a scan of the whole store without timing it (issue
    /// 11, defect 5).
    pub fn examined(&self) -> u64 {
        self.examined.load(Ordering::Relaxed)
    }

    /// The caps.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Inserts (or replaces) `key`, expiring `ttl` after `now`; returns every entry dropped to
    /// make room or because it expired, oldest first (callers keep their indexes in step).
    pub fn insert(&mut self, key: K, value: V, now: OffsetDateTime) -> Vec<(K, V)> {
        let mut dropped = Vec::new();
        if let Some(old) = self.take(&key) {
            // A replacement is not an eviction.
            drop(old);
        }
        let bytes = value.weight() + ENTRY_OVERHEAD;
        let seq = self.next;
        self.next += 1;
        self.slots.insert(
            key.clone(),
            Slot {
                value,
                seq,
                bytes,
                expires: now + self.limits.ttl,
            },
        );
        self.order.insert(seq, key.clone());
        self.bytes += bytes;
        dropped.extend(self.expire(now));
        while self.slots.len() > self.limits.max_entries
            || (self.bytes > self.limits.max_bytes && self.slots.len() > 1)
        {
            match self.pop_oldest() {
                Some(kv) => dropped.push(kv),
                None => break,
            }
        }
        dropped
    }

    /// Drops the entries expired at `now` (the oldest first, stopping at the first live one).
    pub fn expire(&mut self, now: OffsetDateTime) -> Vec<(K, V)> {
        let mut dropped = Vec::new();
        while let Some((_, key)) = self.order.first_key_value() {
            let expired = self.slots.get(key).is_none_or(|s| s.expires <= now);
            if !expired {
                break;
            }
            match self.pop_oldest() {
                Some(kv) => dropped.push(kv),
                None => break,
            }
        }
        dropped
    }

    fn pop_oldest(&mut self) -> Option<(K, V)> {
        let (_, key) = self.order.pop_first()?;
        let slot = self.slots.remove(&key)?;
        self.bytes -= slot.bytes;
        Some((key, slot.value))
    }

    /// The live value of `key` at `now`.
    pub fn get(&self, key: &K, now: OffsetDateTime) -> Option<&V> {
        self.examine(1);
        self.slots
            .get(key)
            .filter(|s| s.expires > now)
            .map(|s| &s.value)
    }

    /// Changes the live value of `key` in place (its weight is recomputed); `None` when absent
    /// or expired.
    pub fn update<R>(
        &mut self,
        key: &K,
        now: OffsetDateTime,
        f: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        self.examine(1);
        let slot = self.slots.get_mut(key).filter(|s| s.expires > now)?;
        let r = f(&mut slot.value);
        let bytes = slot.value.weight() + ENTRY_OVERHEAD;
        self.bytes = self.bytes - slot.bytes + bytes;
        slot.bytes = bytes;
        Some(r)
    }

    /// Removes `key`, live or expired.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.examine(1);
        self.take(key)
    }

    fn take(&mut self, key: &K) -> Option<V> {
        let slot = self.slots.remove(key)?;
        self.order.remove(&slot.seq);
        self.bytes -= slot.bytes;
        Some(slot.value)
    }

    /// Entries kept (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes accounted.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Every live entry at `now`, oldest first.
    pub fn iter(&self, now: OffsetDateTime) -> impl DoubleEndedIterator<Item = (&K, &V)> + '_ {
        self.order.values().filter_map(move |k| {
            self.examine(1);
            self.slots
                .get(k)
                .filter(|s| s.expires > now)
                .map(|s| (k, &s.value))
        })
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    fn limits(entries: usize, bytes: usize) -> Limits {
        Limits {
            max_entries: entries,
            max_bytes: bytes,
            ttl: Duration::minutes(5),
        }
    }

    #[test]
    fn entries_cap_drops_the_oldest() {
        let mut m = BoundedMap::new(limits(2, usize::MAX));
        m.insert(1, "a".to_string(), T0);
        m.insert(2, "b".to_string(), T0);
        let dropped = m.insert(3, "c".to_string(), T0);
        assert_eq!(dropped, vec![(1, "a".to_string())]);
        assert_eq!(m.len(), 2);
        assert!(m.get(&1, T0).is_none());
    }

    #[test]
    fn byte_cap_counts_the_values() {
        let mut m = BoundedMap::new(limits(100, 3 * (ENTRY_OVERHEAD + 1000)));
        for i in 0..10 {
            m.insert(i, "x".repeat(1000), T0);
        }
        assert_eq!(m.len(), 3);
        assert!(m.bytes() <= 3 * (ENTRY_OVERHEAD + 1000));
        m.update(&9, T0, |v| v.push_str(&"y".repeat(5000)));
        assert_eq!(
            m.bytes(),
            2 * (ENTRY_OVERHEAD + 1000) + ENTRY_OVERHEAD + 6000
        );
        m.insert(10, "z".into(), T0);
        assert!(m.bytes() <= 3 * (ENTRY_OVERHEAD + 1000), "{}", m.bytes());
    }

    #[test]
    fn reads_count_the_entries_they_examine() {
        let mut m = BoundedMap::new(limits(100, usize::MAX));
        for i in 0..10 {
            m.insert(i, "v".to_string(), T0);
        }
        m.insert(3, "w".to_string(), T0);
        assert_eq!(m.examined(), 0, "inserts and replacements are not reads");
        m.get(&3, T0);
        m.remove(&4);
        m.update(&5, T0, |v| v.push('x'));
        assert_eq!(m.examined(), 3);
        assert_eq!(m.iter(T0).count(), 9);
        assert_eq!(m.examined(), 3 + 9, "a scan examines every entry");
    }

    #[test]
    fn entries_expire_on_the_clock() {
        let mut m = BoundedMap::new(limits(100, usize::MAX));
        m.insert("k", "v".to_string(), T0);
        assert!(m.get(&"k", T0 + Duration::minutes(4)).is_some());
        assert!(m.get(&"k", T0 + Duration::minutes(5)).is_none());
        let dropped = m.insert("l", "w".to_string(), T0 + Duration::minutes(6));
        assert_eq!(dropped.len(), 1);
        assert_eq!(m.len(), 1);
    }

    proptest! {
        #[test]
        fn caps_always_hold(ops in proptest::collection::vec((0u8..40, 0usize..3000, any::<bool>()), 1..300)) {
            let cap = limits(16, 20_000);
            let mut m = BoundedMap::new(cap);
            for (k, len, remove) in ops {
                if remove {
                    m.remove(&k);
                } else {
                    m.insert(k, "x".repeat(len), T0);
                }
                prop_assert!(m.len() <= cap.max_entries);
                prop_assert!(m.bytes() <= cap.max_bytes || m.len() == 1);
                let sum: usize = m.iter(T0).map(|(_, v)| v.len() + ENTRY_OVERHEAD).sum();
                prop_assert_eq!(sum, m.bytes());
                prop_assert_eq!(m.order.len(), m.slots.len());
            }
        }
    }
}
