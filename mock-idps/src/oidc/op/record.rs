//! The OpenID Providers' record of what relying parties sent them: every request at an
//! authorization, token, revocation or introspection endpoint, as it arrived (method, content
//! type, every parameter in order, repeats kept) with the OP's answer (status and, when it
//! refused, why). The OPs judge requests strictly and stop at the first failure; the record lets
//! a conformance suite judge each rule on its own, on what the RP really sent.
//!
//! Bounded: at most [`RecordLimits::max_entries`] requests and [`RecordLimits::max_bytes`]
//! bytes, each kept for [`RecordLimits::ttl`] on the shared clock; the oldest go first. Reading
//! the requests after a mark ([`RequestRecord::since`]) costs O(log n + k).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// Which endpoint a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// The authorization endpoint (GET query or POST form).
    Authorization,
    /// The token endpoint.
    Token,
    /// The revocation endpoint (RFC 7009).
    Revocation,
    /// The introspection endpoint (RFC 7662).
    Introspection,
}

impl Endpoint {
    /// The endpoint's path segment under the issuer (`authorization`, `token`…).
    pub fn name(self) -> &'static str {
        match self {
            Self::Authorization => "authorization",
            Self::Token => "token",
            Self::Revocation => "revocation",
            Self::Introspection => "introspection",
        }
    }
}

/// The HTTP method of a recorded request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// One request an RP sent to an OP, and the OP's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRequest {
    /// Its number in the record (increasing).
    pub seq: u64,
    /// The OP (provider id).
    pub op: String,
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The endpoint's URL (the issuer plus the endpoint's path).
    pub url: String,
    /// GET or POST.
    pub method: Method,
    /// The Content-Type header as sent (parameters kept), if any.
    pub content_type: Option<String>,
    /// The query (GET) or body (POST) parameters, form-decoded, in order, repeats kept.
    pub params: Vec<(String, String)>,
    /// The HTTP status the OP answered.
    pub status: u16,
    /// Why the OP refused (`error: description`), when it did.
    pub refusal: Option<String>,
    /// When it arrived (the OPs' clock).
    pub at: OffsetDateTime,
}

impl ObservedRequest {
    /// The first value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// How many times parameter `name` appears.
    pub fn count(&self, name: &str) -> usize {
        self.params.iter().filter(|(k, _)| k == name).count()
    }

    fn weight(&self) -> usize {
        self.op.len()
            + self.url.len()
            + self.content_type.as_ref().map_or(0, String::len)
            + self
                .params
                .iter()
                .map(|(k, v)| k.len() + v.len() + 48)
                .sum::<usize>()
            + self.refusal.as_ref().map_or(0, String::len)
            + 128
    }
}

/// The caps of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    /// Most requests kept.
    pub max_entries: usize,
    /// Most bytes kept (parameters, URLs, reasons).
    pub max_bytes: usize,
    /// How long a request is kept.
    pub ttl: Duration,
}

impl Default for RecordLimits {
    fn default() -> Self {
        Self {
            max_entries: 512,
            max_bytes: 4 << 20,
            ttl: Duration::hours(1),
        }
    }
}

#[derive(Debug, Default)]
struct Log {
    entries: VecDeque<ObservedRequest>,
    bytes: usize,
}

/// The bounded record (see the module).
#[derive(Debug)]
pub struct RequestRecord {
    limits: RecordLimits,
    next: AtomicU64,
    log: Mutex<Log>,
}

impl Default for RequestRecord {
    fn default() -> Self {
        Self::new(RecordLimits::default())
    }
}

impl RequestRecord {
    /// An empty record with `limits`.
    pub fn new(limits: RecordLimits) -> Self {
        Self {
            limits,
            next: AtomicU64::new(1),
            log: Mutex::new(Log::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The number the next request will get: [`Self::since`] this mark reads what comes after.
    pub fn mark(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    /// Records `r` (its `seq` is assigned here); the oldest go when a cap is passed. Returns
    /// the number given.
    pub fn push(&self, mut r: ObservedRequest) -> u64 {
        let mut log = self.lock();
        // Numbered under the lock, so the log stays in order.
        r.seq = self.next.fetch_add(1, Ordering::SeqCst);
        let seq = r.seq;
        let now = r.at;
        log.bytes += r.weight();
        log.entries.push_back(r);
        while log.entries.len() > self.limits.max_entries
            || log.bytes > self.limits.max_bytes
            || log
                .entries
                .front()
                .is_some_and(|f| f.at + self.limits.ttl <= now)
        {
            let Some(old) = log.entries.pop_front() else {
                break;
            };
            log.bytes -= old.weight();
        }
        seq
    }

    /// The requests numbered `mark` or later still kept at `now`, oldest first.
    pub fn since(&self, mark: u64, now: OffsetDateTime) -> Vec<ObservedRequest> {
        let log = self.lock();
        let start = log.entries.partition_point(|r| r.seq < mark);
        log.entries
            .range(start..)
            .filter(|r| r.at + self.limits.ttl > now)
            .cloned()
            .collect()
    }

    /// Requests kept.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn req(at: OffsetDateTime, value: &str) -> ObservedRequest {
        ObservedRequest {
            seq: 0,
            op: "poste".into(),
            endpoint: Endpoint::Token,
            url: "http://op/token".into(),
            method: Method::Post,
            content_type: Some("application/x-www-form-urlencoded".into()),
            params: vec![("a".into(), value.into()), ("a".into(), "again".into())],
            status: 200,
            refusal: None,
            at,
        }
    }

    #[test]
    fn reads_after_a_mark_in_order_with_repeats_kept() {
        let r = RequestRecord::default();
        let t0 = datetime!(2026-01-01 10:00 UTC);
        r.push(req(t0, "one"));
        let mark = r.mark();
        r.push(req(t0, "two"));
        r.push(req(t0, "three"));
        let got = r.since(mark, t0);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].param("a"), Some("two"));
        assert_eq!(got[1].param("a"), Some("three"));
        assert_eq!(got[0].count("a"), 2);
        assert!(got[0].seq < got[1].seq);
    }

    #[test]
    fn bounded_in_entries_bytes_and_time() {
        let r = RequestRecord::new(RecordLimits {
            max_entries: 3,
            max_bytes: 1 << 20,
            ttl: Duration::minutes(5),
        });
        let t0 = datetime!(2026-01-01 10:00 UTC);
        for i in 0..10 {
            r.push(req(t0, &i.to_string()));
        }
        assert_eq!(r.len(), 3);
        assert_eq!(r.since(0, t0)[0].param("a"), Some("7"));
        assert!(r.since(0, t0 + Duration::minutes(6)).is_empty(), "expired");
        r.push(req(t0 + Duration::minutes(6), "late"));
        assert_eq!(r.len(), 1, "the expired ones went on the next push");
        let small = RequestRecord::new(RecordLimits {
            max_entries: 100,
            max_bytes: 1000,
            ttl: Duration::minutes(5),
        });
        for _ in 0..50 {
            small.push(req(t0, &"x".repeat(100)));
        }
        assert!(small.len() < 10 && !small.is_empty());
    }
}
