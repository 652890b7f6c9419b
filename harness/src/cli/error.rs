//! How a failed command ends: the message, a "Caused by:" list with every source of the chain,
//! a hint saying what to do, and the documented exit code of the error's kind
//! (see [`crate::exit`] and the README).

use crate::conformance::SuiteError;
use crate::exit;
use crate::scenario::LoadFailure;
use std::fmt::Write as _;

/// The documented exit code of `err` and the hint to print with it, from the first error of
/// its chain whose kind this crate knows; [`exit::BAD_INPUT`] otherwise.
pub fn classify(err: &anyhow::Error) -> (u8, Option<&'static str>) {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<SuiteError>() {
            return (e.exit_code(), None);
        }
        if let Some(e) = cause.downcast_ref::<crate::conformance::oidc::OidcSuiteError>() {
            return (e.exit_code(), e.hint());
        }
        // A document that could not be fetched: the other server is unreachable (exit 3).
        let unfetched = cause.is::<crate::fetch::FetchError>()
            || cause
                .downcast_ref::<crate::source::SourceError>()
                .is_some_and(|s| s.is_unreachable());
        // An OpenID relying party to on-board whose entity configuration nothing serves.
        let unfetched = unfetched
            || cause
                .downcast_ref::<mock_idps::oidc::federation::LocalFederationError>()
                .is_some_and(|e| {
                    matches!(
                        e,
                        mock_idps::oidc::federation::LocalFederationError::Refused {
                            code: mock_idps::oidc::federation::FederationErrorCode::TemporarilyUnavailable,
                            ..
                        }
                    )
                });
        if unfetched {
            return (
                exit::UNREACHABLE,
                Some("check that the URL is right and its server answers (see --fetch-timeout)"),
            );
        }
        if let Some(e) = cause.downcast_ref::<LoadFailure>() {
            let hint = match e {
                LoadFailure::Io { .. } => {
                    "give scenario files or folders that exist, e.g. `spid-harness run scenarios/`"
                }
                LoadFailure::Invalid(_) => "fix the file at the line and column shown",
                _ => "the fixtures are part of the build: check `fixtures/` or run `spid-harness fixtures regenerate --only-missing`",
            };
            return (exit::BAD_INPUT, Some(hint));
        }
    }
    (exit::BAD_INPUT, None)
}

/// The text printed on standard error for `err`: `error: ...`, then `Caused by:` with one
/// numbered line per source, then `hint: ...` when there is one.
pub fn render(err: &anyhow::Error, hint: Option<&str>) -> String {
    let mut out = format!("error: {err}\n");
    let causes: Vec<String> = err.chain().skip(1).map(ToString::to_string).collect();
    if !causes.is_empty() {
        out.push_str("\nCaused by:\n");
        for (i, cause) in causes.iter().enumerate() {
            let _ = writeln!(out, "  {i}: {cause}");
        }
    }
    if let Some(hint) = hint {
        let _ = write!(out, "\nhint: {hint}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_scenario_folder_is_bad_input_with_its_os_cause() {
        let failure = LoadFailure::Io {
            path: "nowhere".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not there"),
        };
        let err = anyhow::Error::new(failure);
        let (code, hint) = classify(&err);
        assert_eq!(code, exit::BAD_INPUT);
        let text = render(&err, hint);
        assert!(
            text.starts_with("error: reading scenarios at nowhere\n"),
            "{text}"
        );
        assert!(text.contains("\nCaused by:\n  0: not there\n"), "{text}");
        assert!(text.contains("\nhint: give scenario files"), "{text}");
    }
}
