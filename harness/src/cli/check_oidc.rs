//! `spid-harness check --oidc`: [`crate::conformance::oidc::run_reference`] or, against
//! an RP we did not write, [`crate::conformance::oidc::outside::run_outside`]; its table, then
//! [`crate::report::emit`] (reports `check-oidc.{json,html,xml,md}`).

use super::check::CheckOpts;
use crate::conformance::oidc::{
    outside, OidcProfile, OutsideConfig, OutsideWorld, RpDocument, RpUrls,
};
use crate::report::{check_table, emit};
use anyhow::{bail, Context};

/// The profile of `--profile` (none: both).
fn profile(opts: &CheckOpts) -> anyhow::Result<Option<OidcProfile>> {
    Ok(match opts.profile.as_deref() {
        None => None,
        Some(p) => Some(p.parse::<OidcProfile>()?),
    })
}

/// The outside RP the options name, or `None` for `--against-reference`.
fn outside_config(opts: &CheckOpts) -> anyhow::Result<Option<OutsideConfig>> {
    let rp = match (&opts.oidc_rp.entity_id, &opts.oidc_rp.entity_configuration) {
        (Some(_), Some(_)) => {
            bail!("give the RP's entity configuration once: --entity-id URL or --entity-configuration FILE")
        }
        (Some(id), None) => Some(RpDocument::EntityId(id.trim_end_matches('/').to_string())),
        (None, Some(file)) => Some(RpDocument::File(file.clone())),
        (None, None) => None,
    };
    if opts.against_reference {
        if rp.is_some()
            || opts.login_url.is_some()
            || opts.probe_url.is_some()
            || opts.logout_url.is_some()
        {
            bail!("use either --against-reference (it logs out at the reference RP's own logout), or --entity-id (or --entity-configuration) with --login-url, --probe-url and optionally --logout-url");
        }
        return Ok(None);
    }
    if opts.metadata.is_some() {
        bail!("--metadata is the SAML service's: with --oidc give --entity-id URL or --entity-configuration FILE");
    }
    let (Some(rp), Some(login), Some(probe)) = (rp, &opts.login_url, &opts.probe_url) else {
        bail!("check --oidc needs --against-reference, or --entity-id URL (or --entity-configuration FILE) with --login-url URL and --probe-url URL");
    };
    if !login.contains("{op}") && !login.contains("{op_entity_id}") {
        bail!("--login-url {login} does not say which OP to log in at: put {{op}} (the mock OP's id, e.g. poste) or {{op_entity_id}} (its entity ID) where the RP takes it, e.g. http://127.0.0.1:8000/login?provider={{op_entity_id}}");
    }
    for (flag, u) in [
        ("--login-url", Some(login)),
        ("--probe-url", Some(probe)),
        ("--refresh-url", opts.oidc_rp.refresh_url.as_ref()),
        ("--logout-url", opts.logout_url.as_ref()),
    ] {
        if let Some(u) = u {
            let filled = u
                .replace("{op_entity_id}", "x")
                .replace("{op}", "x")
                .replace("{level}", "2");
            if url::Url::parse(&filled).map_or(true, |p| !matches!(p.scheme(), "http" | "https")) {
                bail!("{flag} {u} is not an http(s) URL");
            }
        }
    }
    if let RpDocument::EntityId(id) = &rp {
        if url::Url::parse(id).map_or(true, |p| !matches!(p.scheme(), "http" | "https")) {
            bail!("--entity-id {id} is not an http(s) URL: give the RP's entity ID, e.g. http://127.0.0.1:8000");
        }
    }
    Ok(Some(OutsideConfig {
        rp,
        urls: RpUrls {
            login: login.clone(),
            probe: probe.clone(),
            refresh: opts.oidc_rp.refresh_url.clone(),
            callback_rewrite: None,
            logout: opts.logout_url.clone(),
        },
        profile: profile(opts)?,
        rp_wait: std::time::Duration::from_secs(opts.oidc_rp.rp_wait),
        only: opts.only.clone(),
    }))
}

/// Runs the OIDC relying-party cases against the embedded reference RP or an outside RP.
pub fn exec(opts: CheckOpts) -> anyhow::Result<u8> {
    let outside = outside_config(&opts)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let run = match outside {
        None => {
            let faults = reference_rp::Faults::parse(opts.faults.as_deref().unwrap_or(""))
                .map_err(|e| anyhow::anyhow!("--faults: {e}"))?;
            runtime.block_on(crate::conformance::oidc::run_reference(
                faults,
                &opts.only,
                profile(&opts)?,
                true,
                opts.jobs,
            ))?
        }
        Some(config) => {
            if opts.faults.is_some() {
                bail!("--faults switches checks of the reference RP off: it goes with --against-reference only");
            }
            runtime.block_on(async {
                let world = OutsideWorld::start(opts.oidc_rp.federation_bind)
                    .await
                    .with_context(|| {
                        format!(
                            "starting the mock federation on {}",
                            opts.oidc_rp.federation_bind
                        )
                    })?;
                let handover = world.handover()?;
                if let Some(path) = &opts.oidc_rp.write_trust_anchor {
                    let text = serde_json::to_string_pretty(&handover)
                        .context("serializing the trust anchor")?;
                    // Written whole, then renamed: an RP waiting for the file never reads half.
                    let tmp = path.with_extension("partial");
                    std::fs::write(&tmp, text + "\n")
                        .and_then(|()| std::fs::rename(&tmp, path))
                        .with_context(|| {
                            format!("--write-trust-anchor {}: writing the file", path.display())
                        })?;
                }
                eprint!("{}", handover.summary());
                anyhow::Ok(outside::run_outside(&world, &config, true).await?)
            })?
        }
    };
    out!("{}", check_table(&run.report));
    if let Some(line) = run.cpu_line() {
        outln!("{line}");
    }
    Ok(emit(&run.report, &opts.report.options("check-oidc"))?)
}
