//! The local OpenID Federation: entity statements, trust marks, metadata policy, trust chains,
//! and the federation entities (trust anchor, intermediate, trust-mark issuer) with their
//! endpoints.

pub mod chain;
pub mod error;
pub mod fetch;
pub mod local;
pub mod policy;
pub mod routes;
pub mod statement;
pub mod testing;
pub mod trust_mark;

#[cfg(test)]
mod tests;

pub use chain::{ChainError, ResolveRequest, TrustChain, TrustChainResolver, VerifiedTrustMark};
pub use error::{FederationErrorBody, FederationErrorCode};
pub use fetch::{EntityFetcher, FetchError, HttpFetcher, HttpLimits};
pub use local::{
    LeafFault, LocalFederation, LocalFederationConfig, LocalFederationError, OnboardReport,
    OnboardRequest, Superior, TrustMarkFault,
};
pub use policy::{MetadataPolicy, ParamPolicy, PolicyError};
pub use statement::{Constraints, DecodedStatement, EntityStatement};
pub use trust_mark::{TrustMarkClaims, TrustMarkNaming, TrustMarkRef};
