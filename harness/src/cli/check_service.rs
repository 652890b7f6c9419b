//! The SAML service `check` runs against, from its options: the embedded reference SP, a
//! service reached through its URLs, or metadata alone.

use super::check::CheckOpts;
use crate::conformance::Service;
use anyhow::bail;

/// The service the options name.
pub(super) fn service(opts: &CheckOpts) -> anyhow::Result<Service> {
    if opts.metadata_only {
        let Some(metadata) = opts.metadata.clone() else {
            bail!("--metadata-only needs --metadata FILE|URL");
        };
        return Ok(Service::MetadataOnly { metadata });
    }
    if opts.against_reference == (opts.login_url.is_some() || opts.metadata.is_some()) {
        bail!("use either --against-reference, or --metadata with --login-url and --probe-url");
    }
    if opts.against_reference {
        return Ok(Service::Reference {
            faults: super::faults::parse(opts.faults.as_deref())?,
        });
    }
    let (Some(metadata), Some(login_url), Some(probe_url)) =
        (&opts.metadata, &opts.login_url, &opts.probe_url)
    else {
        bail!("--metadata, --login-url and --probe-url go together");
    };
    Ok(Service::Remote {
        metadata: metadata.clone(),
        login_url: login_url.clone(),
        probe_url: probe_url.clone(),
        logout_url: opts.logout_url.clone(),
        cns_login_url: opts.cns_login_url.clone(),
        idp: opts.idp.clone(),
        identity_url: opts.identity_url.clone(),
        identity_pattern: match opts.identity_pattern.as_deref().map(regex::Regex::new) {
            None => None,
            Some(Ok(re)) => Some(re),
            Some(Err(e)) => bail!(
                "--identity-pattern is not a regular expression: {e}; write one whose first group is the identity, e.g. \"codice fiscale: ([A-Z0-9-]+)\""
            ),
        },
    })
}
