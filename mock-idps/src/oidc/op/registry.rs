//! Who the OP talks to: an RP's metadata as automatic registration resolved it (trust chain,
//! trust marks, metadata policy), and the federation error codes a refusal carries
//! (spid-cie-oidc-docs docs/en/errors_federation.rst).

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

/// A refusal of automatic registration, with the federation error code it carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The trust chain does not validate (errors_federation.rst: invalid_client).
    #[error("invalid_client: {0}")]
    InvalidClient(String),
    /// The chain validates but the policy result or the trust marks do not allow the RP
    /// (errors_federation.rst: unauthorized_client).
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    /// The request cannot be processed (errors_federation.rst: invalid_request).
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// The federation cannot answer now (errors_federation.rst: temporarily_unavailable).
    #[error("temporarily_unavailable: {0}")]
    TemporarilyUnavailable(String),
}

impl Refusal {
    /// The `error` value.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::InvalidClient(_) => "invalid_client",
            Refusal::UnauthorizedClient(_) => "unauthorized_client",
            Refusal::InvalidRequest(_) => "invalid_request",
            Refusal::TemporarilyUnavailable(_) => "temporarily_unavailable",
        }
    }

    /// The `error_description` value.
    pub fn description(&self) -> &str {
        match self {
            Refusal::InvalidClient(d)
            | Refusal::UnauthorizedClient(d)
            | Refusal::InvalidRequest(d)
            | Refusal::TemporarilyUnavailable(d) => d,
        }
    }
}

/// The `openid_relying_party` metadata the OP uses, after the federation's policy
/// (spid-cie-oidc-docs docs/en/metadata_oidc_rp.rst).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RpMetadata {
    /// The RP's client_id (its entity ID).
    pub client_id: String,
    /// Where answers may go.
    pub redirect_uris: Vec<String>,
    /// The RP's OIDC-core keys (request objects, client assertions; encryption keys for
    /// userinfo and ID tokens).
    pub jwks: Value,
    /// A name for the login pages.
    #[serde(default)]
    pub client_name: Option<String>,
    /// The grant types the RP may use.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// ID-token signature algorithm.
    #[serde(default)]
    pub id_token_signed_response_alg: Option<String>,
    /// CIE: ID-token key-management algorithm, when the RP wants it encrypted.
    #[serde(default)]
    pub id_token_encrypted_response_alg: Option<String>,
    /// CIE: ID-token content encryption.
    #[serde(default)]
    pub id_token_encrypted_response_enc: Option<String>,
    /// Userinfo signature algorithm.
    #[serde(default)]
    pub userinfo_signed_response_alg: Option<String>,
    /// Userinfo key-management algorithm.
    #[serde(default)]
    pub userinfo_encrypted_response_alg: Option<String>,
    /// Userinfo content encryption.
    #[serde(default)]
    pub userinfo_encrypted_response_enc: Option<String>,
}

/// What [`RpResolver::resolve`] returns.
pub type ResolveFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<RpMetadata, Refusal>> + Send + 'a>>;

/// Automatic registration: from a client_id to the RP's resolved metadata, or a refusal.
pub trait RpResolver: Send + Sync + std::fmt::Debug {
    /// Resolves `client_id` at `now` for the OP `op_entity_id`.
    fn resolve<'a>(
        &'a self,
        client_id: &'a str,
        op_entity_id: &'a str,
        now: OffsetDateTime,
    ) -> ResolveFuture<'a>;
}

/// RPs registered by hand (tests, `POST /admin/oidc-rp`): each client_id with the metadata the
/// OP should use, as if its trust chain had resolved to it. A bounded table.
#[derive(Debug, Default)]
pub struct DirectRegistry {
    rps: std::sync::RwLock<std::collections::BTreeMap<String, RpMetadata>>,
}

/// Most RPs a [`DirectRegistry`] holds.
pub const MAX_DIRECT_RPS: usize = 1_000;

impl DirectRegistry {
    /// Registers (or replaces) `rp`; refused when the table is full.
    pub fn register(&self, rp: RpMetadata) -> Result<(), Refusal> {
        let mut t = self
            .rps
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if t.len() >= MAX_DIRECT_RPS && !t.contains_key(&rp.client_id) {
            return Err(Refusal::TemporarilyUnavailable(format!(
                "{MAX_DIRECT_RPS} RPs are registered already"
            )));
        }
        t.insert(rp.client_id.clone(), rp);
        Ok(())
    }
}

impl DirectRegistry {
    /// The registered RP `client_id`.
    pub fn get(&self, client_id: &str) -> Option<RpMetadata> {
        self.rps
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(client_id)
            .cloned()
    }
}

impl RpResolver for DirectRegistry {
    fn resolve<'a>(
        &'a self,
        client_id: &'a str,
        _op: &'a str,
        _now: OffsetDateTime,
    ) -> ResolveFuture<'a> {
        let found = self
            .rps
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(client_id)
            .cloned()
            .ok_or_else(|| {
                Refusal::InvalidClient(format!(
                    "no trust chain for {client_id}: on-board the RP to the local federation first"
                ))
            });
        Box::pin(async move { found })
    }
}
