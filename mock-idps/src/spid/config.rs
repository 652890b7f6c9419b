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
    pub max_pending: usize,
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
        }
    }
}
