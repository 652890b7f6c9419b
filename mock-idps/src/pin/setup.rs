//! Why a PIN backend could not start: each cause kept as the error's source, so a caller prints
//! the whole chain.

use super::people::ProfileError;
use super::store::StoreError;
use super::timeline::TimelineError;
use crate::fixtures::FixtureError;
use crate::spid::identity::UserTableError;
use std::path::PathBuf;

/// Why the PIN backend (or the registry of people it serves) could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PinSetupError {
    /// A fixture file could not be read.
    #[error("reading the PIN fixtures")]
    Fixtures(#[source] Box<FixtureError>),
    /// fixtures/users.toml is invalid.
    #[error("reading the test identities")]
    Users(#[source] Box<UserTableError>),
    /// fixtures/pin-profiles.toml is invalid.
    #[error("reading the PIN profiles")]
    Profiles(#[source] Box<ProfileError>),
    /// The switch-off timeline is invalid.
    #[error("reading the switch-off timeline")]
    Timeline(#[source] Box<TimelineError>),
    /// The journal could not be opened or replayed.
    #[error("opening the PIN store{}", .path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    Store {
        /// The journal file, when there is one.
        path: Option<PathBuf>,
        /// What went wrong.
        #[source]
        source: Box<StoreError>,
    },
}

/// Each cause converts into its variant, boxed so the error stays small (a [`ProfileError`] is a
/// [`UserTableError`] too: the profile file's variant is chosen where it is read).
macro_rules! boxed_from {
    ($($variant:ident($ty:ty)),* $(,)?) => {$(
        impl From<$ty> for PinSetupError {
            fn from(e: $ty) -> Self {
                PinSetupError::$variant(Box::new(e))
            }
        }
    )*};
}

boxed_from!(
    Fixtures(FixtureError),
    Users(UserTableError),
    Timeline(TimelineError),
);
