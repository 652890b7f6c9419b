//! Settings of the mock identity providers, with the defaults the SPID rules and the reference
//! tools suggest.

use time::Duration;

/// Which entityIDs the providers present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntityIds {
    /// `http://127.0.0.1:PORT/idp/{id}`: unmistakably a mock.
    #[default]
    Local,
    /// The real production entityIDs (endpoints stay on loopback), for services with a fixed IdP list.
    Real,
}

/// Settings shared by every provider.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    /// Which entityIDs to use.
    pub entity_ids: EntityIds,
    /// How far a request's IssueInstant may be from the IdP clock (spid-testenv2 uses 2 minutes).
    pub request_skew: Duration,
    /// How long the user has to finish the login (ErrorCode nr21 after that).
    pub login_timeout: Duration,
    /// How long an L2 one-time code stays valid.
    pub otp_lifetime: Duration,
    /// Wrong credentials allowed before ErrorCode nr19 (SPID rules give 3 as the example).
    pub max_attempts: u32,
    /// Validity of the Assertion (spid-saml-check uses 5 minutes).
    pub assertion_lifetime: Duration,
    /// Largest number of logins waiting on a page at once; the oldest is dropped beyond it.
    /// A pending login also expires four times `login_timeout` after it started (until then a
    /// late step is answered nr21).
    pub max_pending: usize,
    /// Most bytes the pending logins may hold.
    pub max_pending_bytes: usize,
    /// Most IdP sessions kept (the oldest ends beyond it).
    pub max_sessions: usize,
    /// Most bytes the IdP sessions may hold.
    pub max_session_bytes: usize,
    /// How long an IdP session lives without a logout.
    pub session_lifetime: Duration,
    /// Most entries of the request log (`GET /admin/requests`).
    pub max_log_entries: usize,
    /// Most bytes of the request log.
    pub max_log_bytes: usize,
    /// Longest excerpt of each request's XML the log keeps, in bytes.
    pub log_xml_excerpt: usize,
    /// How long a request stays in the log.
    pub log_lifetime: Duration,
    /// Most scripted logins queued (`POST /admin/next-login`) before the queue refuses more.
    pub max_script: usize,
}

impl IdpConfig {
    /// How long a pending login is kept: four times the login timeout.
    pub fn pending_lifetime(&self) -> Duration {
        self.login_timeout * 4
    }
}

impl Default for IdpConfig {
    fn default() -> Self {
        Self {
            entity_ids: EntityIds::Local,
            request_skew: Duration::minutes(2),
            login_timeout: Duration::minutes(5),
            otp_lifetime: Duration::minutes(2),
            max_attempts: 3,
            assertion_lifetime: Duration::minutes(5),
            max_pending: 10_000,
            max_pending_bytes: 16 << 20,
            max_sessions: 10_000,
            max_session_bytes: 16 << 20,
            session_lifetime: Duration::hours(12),
            max_log_entries: 10_000,
            max_log_bytes: 16 << 20,
            log_xml_excerpt: 16 << 10,
            log_lifetime: Duration::hours(24),
            max_script: 1_000,
        }
    }
}
