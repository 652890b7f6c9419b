//! Why the reference SP did not start.

use std::net::SocketAddr;

/// A start-up failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpError {
    /// The bind address is not a loopback address: the reference SP is a test tool.
    #[error("refusing to listen on {0}: the reference SP binds loopback addresses only (127.0.0.1 or ::1)")]
    NotLoopback(SocketAddr),
    /// Binding the socket failed.
    #[error(transparent)]
    Bind(#[from] mock_idps::server_task::BindError),
    /// The SP's key or certificate is unusable, or signing the metadata failed.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    /// The CNS listener could not start.
    #[error(transparent)]
    Cns(#[from] crate::cns::CnsSpError),
    /// The IdP metadata is unusable.
    #[error(transparent)]
    IdpMetadata(#[from] crate::idp::IdpMetadataError),
    /// The PIN switch-off timeline is unusable.
    #[error(transparent)]
    PinTimeline(#[from] mock_idps::pin::TimelineError),
}
