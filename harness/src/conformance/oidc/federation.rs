//! The federation side of the OP cases ([`super::cases::Play::Federation`]): before the RP
//! under test discovers the OPs, each [`OpBreak`] of the catalogue is applied to its own OP in
//! the mock federation (an expired or forged subordinate statement, a chain past
//! `max_path_length`, a metadata-policy violation, a broken entity configuration, a missing,
//! revoked, expired, forged, unlisted or misaddressed trust mark). The OPs the other cases log
//! in at are never touched.

use super::cases::{OpBreak, Play, OIDC_CASES};
use mock_idps::oidc::federation::{LeafFault, Superior, TrustMarkFault};
use mock_idps::MockFederation;

/// Why a break could not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BreakError {
    /// The mock federation serves no OP of that id, or it is not registered in the federation.
    #[error("the mock federation has no federated OP {0:?}")]
    NoSuchOp(&'static str),
    /// The federation names no trust mark type for OPs.
    #[error("the mock federation names no trust mark type for openid_provider")]
    NoTrustMarkType,
    /// Issuing the broken trust mark failed.
    #[error("issuing a broken trust mark to {op}")]
    TrustMark {
        /// The OP.
        op: &'static str,
        /// The federation's error.
        #[source]
        source: Box<mock_idps::oidc::federation::LocalFederationError>,
    },
}

/// Every break of the catalogue, in catalogue order.
pub fn breaks() -> impl Iterator<Item = OpBreak> {
    OIDC_CASES.iter().filter_map(|c| match c.play {
        Play::Federation(b) => Some(b),
        _ => None,
    })
}

/// The OPs the breaks are applied to.
pub fn broken_ops() -> Vec<&'static str> {
    breaks().map(OpBreak::op).collect()
}

/// Applies every break of the catalogue to `federation` (before the RP discovers the OPs).
pub fn break_ops(federation: &MockFederation) -> Result<(), BreakError> {
    for b in breaks() {
        apply(federation, b)?;
    }
    Ok(())
}

/// Applies one break to its OP.
pub fn apply(federation: &MockFederation, b: OpBreak) -> Result<(), BreakError> {
    let op = b.op();
    let issuer = federation
        .urls()
        .oidc
        .get(op)
        .map(|u| u.issuer.clone())
        .ok_or(BreakError::NoSuchOp(op))?;
    let fed = federation.oidc_federation();
    let mark_type = || {
        fed.trust_mark_type("openid_provider")
            .ok_or(BreakError::NoTrustMarkType)
    };
    let reissue = |fault: TrustMarkFault| -> Result<bool, BreakError> {
        let t = mark_type()?;
        fed.remove_trust_marks(&issuer);
        fed.issue_trust_mark(&issuer, &t, fault)
            .map_err(|e| BreakError::TrustMark {
                op,
                source: Box::new(e),
            })?;
        Ok(true)
    };
    let leaf = |fault: LeafFault| fed.set_leaf_fault(&issuer, Some(fault));
    let found = match b {
        OpBreak::StatementExpired => fed.set_expired_statement(&issuer, true),
        OpBreak::StatementForged => fed.set_forged_statement(&issuer, true),
        OpBreak::PastMaxPathLength => fed.set_superior(&issuer, Superior::DeepIntermediate),
        OpBreak::PolicyViolation => leaf(LeafFault::WithoutMetadataMember {
            entity_type: "openid_provider".into(),
            member: "token_endpoint_auth_methods_supported".into(),
        }),
        OpBreak::EcSignatureCorrupt => leaf(LeafFault::CorruptSignature),
        OpBreak::EcExpired => leaf(LeafFault::Expired),
        OpBreak::NoTrustMark => {
            fed.remove_trust_marks(&issuer);
            fed.subordinate(&issuer).is_some()
        }
        OpBreak::TrustMarkRevoked => fed.revoke_trust_mark(&issuer, &mark_type()?),
        OpBreak::TrustMarkExpired => reissue(TrustMarkFault::Expired)?,
        OpBreak::TrustMarkBadSignature => reissue(TrustMarkFault::BadSignature)?,
        OpBreak::TrustMarkUnlistedIssuer => reissue(TrustMarkFault::UnlistedIssuer)?,
        OpBreak::TrustMarkWrongSubject => reissue(TrustMarkFault::WrongSubject)?,
    };
    if found {
        Ok(())
    } else {
        Err(BreakError::NoSuchOp(op))
    }
}
