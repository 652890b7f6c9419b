//! The federation error codes and their HTTP statuses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// The error codes of the Italian federation (spid-cie-oidc-docs, "Federation error
/// management": temporarily_unavailable, invalid_client, unauthorized_client, invalid_request,
/// not_found) plus `server_error` (OpenID Federation 1.0, federation endpoints' error responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FederationErrorCode {
    /// The request is incomplete or malformed.
    InvalidRequest,
    /// The trust chain validation fails: the client is not authorised.
    InvalidClient,
    /// The policy result is not compliant, or no valid trust mark for the profile.
    UnauthorizedClient,
    /// The resource (entity, subordinate) is unknown.
    NotFound,
    /// A well-known or federation endpoint is unreachable.
    TemporarilyUnavailable,
    /// The server failed.
    ServerError,
}

impl FederationErrorCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::NotFound => "not_found",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
        }
    }

    /// The status a federation endpoint answers with (OpenID Federation 1.0, federation
    /// endpoints' error responses; RFC 6749 §5.2 for `unauthorized_client`). The OP's
    /// authorization endpoint redirects instead (302, as the Italian table says): that is the
    /// OP's choice, not this one.
    pub fn http_status(self) -> StatusCode {
        match self {
            Self::InvalidRequest | Self::UnauthorizedClient => StatusCode::BAD_REQUEST,
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for FederationErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A federation error response: `{"error", "error_description"}` with the code's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederationErrorBody {
    /// The code.
    pub error: FederationErrorCode,
    /// What is wrong.
    pub error_description: String,
}

impl FederationErrorBody {
    /// A body with `code` and `description`.
    pub fn new(error: FederationErrorCode, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
        }
    }
}

impl IntoResponse for FederationErrorBody {
    fn into_response(self) -> Response {
        (self.error.http_status(), Json(self)).into_response()
    }
}
