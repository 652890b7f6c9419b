//! The OPs inside the local federation: each OP is a subordinate of the trust anchor with a
//! trust mark, its entity configuration built by the federation ([`LocalFederation::leaf_configuration`]),
//! and automatic registration of RPs by trust-chain resolution
//! ([`crate::oidc::federation::TrustChainResolver`], cached until the chain's `exp`): an RP
//! whose chain does not validate is refused `invalid_client`, one without a valid trust mark or
//! whose metadata the policy rejects `unauthorized_client` (errors_federation.rst).

use super::provider::{OpRuntime, OpSet};
use super::registry::{DirectRegistry, Refusal, ResolveFuture, RpResolver};
use crate::oidc::federation::local::{EcSource, EcSourceError};
use crate::oidc::federation::{
    FederationErrorCode, LocalFederation, LocalFederationError, ResolveRequest, Superior,
    TrustMarkFault,
};
use serde_json::{Map, Value};
use std::sync::Arc;
use time::OffsetDateTime;

/// The entity type of relying parties.
pub const RP_TYPE: &str = "openid_relying_party";
/// The entity type of OpenID Providers.
pub const OP_TYPE: &str = "openid_provider";

/// Registration by trust chain, after the hand-registered table.
#[derive(Debug)]
pub struct FederatedResolver {
    /// The federation.
    pub federation: Arc<LocalFederation>,
    /// RPs registered by hand (tests that need no federation).
    pub direct: Arc<DirectRegistry>,
}

fn refusal(code: FederationErrorCode, detail: String) -> Refusal {
    match code.as_str() {
        "unauthorized_client" => Refusal::UnauthorizedClient(detail),
        "invalid_request" => Refusal::InvalidRequest(detail),
        "temporarily_unavailable" => Refusal::TemporarilyUnavailable(detail),
        _ => Refusal::InvalidClient(detail),
    }
}

impl RpResolver for FederatedResolver {
    fn resolve<'a>(
        &'a self,
        client_id: &'a str,
        _op: &'a str,
        _now: OffsetDateTime,
    ) -> ResolveFuture<'a> {
        Box::pin(async move {
            if let Some(rp) = self.direct.get(client_id) {
                return Ok(rp);
            }
            let fed = &self.federation;
            let mut req =
                ResolveRequest::new(client_id, fed.trust_anchor_id()).entity_type(RP_TYPE);
            if let Some(t) = fed.trust_mark_type(RP_TYPE) {
                req = req.require_trust_mark(&[t.as_str()]);
            }
            let chain = fed
                .resolver()
                .resolve(&req)
                .await
                .map_err(|e| refusal(e.code(), format!("trust chain of {client_id}: {e}")))?;
            let mut md: Map<String, Value> =
                chain.metadata_of(RP_TYPE).cloned().ok_or_else(|| {
                    Refusal::UnauthorizedClient(format!("{client_id} has no {RP_TYPE} metadata"))
                })?;
            md.entry("client_id")
                .or_insert_with(|| Value::String(client_id.to_string()));
            serde_json::from_value(Value::Object(md)).map_err(|e| {
                Refusal::UnauthorizedClient(format!(
                    "{client_id}: its resolved {RP_TYPE} metadata is not usable: {e}"
                ))
            })
        })
    }
}

/// The OP's metadata as its entity configuration publishes it.
pub fn op_metadata(op: &OpRuntime) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(OP_TYPE.into(), op.openid_provider_metadata());
    m.insert("federation_entity".into(), op.federation_entity_metadata());
    m
}

/// Makes every OP of `ops` a subordinate of the trust anchor with a valid trust mark.
pub fn join(fed: &Arc<LocalFederation>, ops: &OpSet) -> Result<(), LocalFederationError> {
    for op in &ops.ops {
        let weak = Arc::downgrade(fed);
        let runtime = op.clone();
        let source = EcSource::new(move || {
            let fed = weak.upgrade().ok_or(EcSourceError::FederationStopped)?;
            fed.leaf_configuration(
                &runtime.issuer,
                &runtime.federation_key,
                op_metadata(&runtime),
            )
            .map_err(EcSourceError::Sign)
        });
        fed.register_local(
            &op.issuer,
            Superior::TrustAnchor,
            op.federation_jwks(),
            &[OP_TYPE, "federation_entity"],
            source,
        )?;
        if let Some(t) = fed.trust_mark_type(OP_TYPE) {
            fed.issue_trust_mark(&op.issuer, &t, TrustMarkFault::Valid)?;
        }
    }
    Ok(())
}

/// The entity configuration of `op` as the federation builds it.
pub fn entity_configuration(
    fed: &LocalFederation,
    op: &OpRuntime,
) -> Result<String, crate::oidc::jose::JoseError> {
    fed.leaf_configuration(&op.issuer, &op.federation_key, op_metadata(op))
}
