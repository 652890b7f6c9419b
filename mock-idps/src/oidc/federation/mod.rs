//! The local OpenID Federation: entity statements, trust marks, metadata policy, trust chains,
//! and the federation entities (trust anchor, intermediate, trust-mark issuer) with their
//! endpoints.

pub mod error;
pub mod policy;
pub mod statement;
pub mod trust_mark;

pub use error::{FederationErrorBody, FederationErrorCode};
pub use policy::{MetadataPolicy, ParamPolicy, PolicyError};
pub use statement::{Constraints, DecodedStatement, EntityStatement};
pub use trust_mark::{TrustMarkClaims, TrustMarkNaming, TrustMarkRef};
