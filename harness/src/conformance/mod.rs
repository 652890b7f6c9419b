//! The SP conformance suite: a typed catalogue of Response cases ([`cases::RESPONSE_CASES`]),
//! the runner that plays them against a service as a trusted IdP ([`runner`]), and the setup
//! that runs them against the embedded reference SP ([`reference`]).

pub mod capability;
pub mod case;
pub mod cases;
pub mod check;
pub mod cie_cases;
pub mod cns;
pub mod edit;
pub mod logout;
pub mod metadata;
pub mod oidc;
pub mod reference;
pub mod request;
pub mod runner;
pub mod sign;
pub mod suite;

pub use case::{Expect, Mutation, ResponseCase};
pub use cases::RESPONSE_CASES;
pub use cie_cases::CIE_RESPONSE_CASES;
pub use runner::{run, Target};
pub use suite::{run_property_suite, run_suite, Service, SuiteConfig, SuiteError, SuiteRun};

/// The cases whose id is in `only` (all when `only` is empty); unknown ids are returned apart.
pub fn select(only: &[String]) -> (Vec<&'static ResponseCase>, Vec<String>) {
    if only.is_empty() {
        return (RESPONSE_CASES.iter().collect(), Vec::new());
    }
    let unknown = only
        .iter()
        .filter(|id| !RESPONSE_CASES.iter().any(|c| c.id == id.as_str()))
        .cloned()
        .collect();
    let chosen = RESPONSE_CASES
        .iter()
        .filter(|c| only.iter().any(|id| id == c.id))
        .collect();
    (chosen, unknown)
}

/// Of the `--only` ids no Response case has, those that are no metadata or AuthnRequest check
/// either.
pub fn unknown_check_ids(unknown_cases: Vec<String>) -> Vec<String> {
    unknown_cases
        .into_iter()
        .filter(|id| !metadata::is_check(id) && !request::is_check(id))
        .collect()
}

/// The metadata checks of `profile` on the target's metadata, then the AuthnRequest checks on
/// requests captured from its login URL (both selected by `only`).
pub async fn sp_checks(
    target: &Target,
    profile: metadata::Profile,
    only: &[String],
) -> Result<Vec<crate::report::Entry>, metadata::MetadataError> {
    sp_checks_on(target, &target.sp_metadata.xml, profile, only).await
}

/// [`sp_checks`] with the metadata checks on `metadata_xml` (e.g. the service's CIE document)
/// instead of the target's metadata.
pub async fn sp_checks_on(
    target: &Target,
    metadata_xml: &str,
    profile: metadata::Profile,
    only: &[String],
) -> Result<Vec<crate::report::Entry>, metadata::MetadataError> {
    let now = mock_idps::clock::Clock::now(&mock_idps::clock::SystemClock);
    let mut entries = metadata::run(metadata_xml, profile, now, only)?;
    entries.extend(request::run(target, only).await);
    Ok(entries)
}
