//! Why the reference RP refused an answer: each refusal names the check (its fault switch) and
//! what exactly was wrong.

/// A refused answer or a failed step of the flow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RpError {
    /// A check refused what the OP answered; `check` is its fault-switch name.
    #[error("{check}: {detail}")]
    Refused {
        /// The check's switch name (`faults::ALL`).
        check: &'static str,
        /// What exactly was wrong.
        detail: String,
    },
    /// The OP answered the authorization request with an error.
    #[error("the OP answered {error}: {description}")]
    OpError {
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// The OP's token, userinfo or revocation endpoint answered an HTTP error.
    #[error("{endpoint} answered HTTP {status}: {body}")]
    Http {
        /// Which endpoint.
        endpoint: &'static str,
        /// The status.
        status: u16,
        /// The body (bounded).
        body: String,
    },
    /// The OP could not be reached.
    #[error("{endpoint}: {source}")]
    Transport {
        /// Which endpoint.
        endpoint: &'static str,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The OP was refused when the RP discovered it (its entity configuration, trust chain or
    /// trust marks): no login starts there.
    #[error("OP {op:?} was refused at discovery: {reason}")]
    OpRefused {
        /// The OP's id.
        op: String,
        /// The refusal, as the check that refused it wrote it.
        reason: String,
    },
    /// The OP is not one this RP knows.
    #[error("unknown OP {0:?}")]
    UnknownOp(String),
    /// The RP itself failed (its keys, its JOSE).
    #[error("the RP failed: {0}")]
    Internal(String),
}

impl RpError {
    /// A refusal by `check`.
    pub fn refused(check: &'static str, detail: impl Into<String>) -> Self {
        Self::Refused {
            check,
            detail: detail.into(),
        }
    }

    /// The check that refused, if a check did.
    pub fn check(&self) -> Option<&'static str> {
        match self {
            Self::Refused { check, .. } => Some(check),
            _ => None,
        }
    }
}

/// Refuses with `check` when that check is on and `holds` is false; `detail`, written only for a
/// refusal, says what was wrong. With the check's switch off, nothing is refused.
pub(crate) fn require(
    faults: &crate::faults::Faults,
    check: &'static str,
    holds: bool,
    detail: impl FnOnce() -> String,
) -> Result<(), RpError> {
    if faults.on(check) && !holds {
        return Err(RpError::refused(check, detail()));
    }
    Ok(())
}

/// A value as a refusal shows it: `"x"` or `120`, or `absent` (never Rust's `Some(..)`).
pub(crate) fn shown<T: std::fmt::Debug>(v: Option<T>) -> String {
    v.map_or_else(|| "absent".to_string(), |x| format!("{x:?}"))
}

/// A JSON claim as a refusal shows it: its JSON text, or `absent`.
pub(crate) fn shown_json(v: Option<&serde_json::Value>) -> String {
    v.map_or_else(|| "absent".to_string(), ToString::to_string)
}
