//! `spid-harness check`: [`crate::conformance::run_suite`], its table, [`crate::report::emit`].

use crate::conformance::metadata::Profile;
use crate::conformance::{reference, run_property_suite, run_suite, SuiteConfig};
use crate::report::{check_table, emit};
use anyhow::{bail, Context};
use clap::Args;

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckOpts {
    /// Run against the embedded reference SP (no other setup), its CNS endpoint included.
    #[arg(long = "against-reference")]
    pub against_reference: bool,
    /// With --against-reference: reference-SP (with --oidc: reference-RP) checks to switch off.
    #[arg(long)]
    pub faults: Option<String>,
    /// The OpenID Connect relying-party cases instead (reports check-oidc.*).
    #[arg(long)]
    pub oidc: bool,
    /// The service's metadata (file path or http(s) URL); with --login-url, instead of
    /// --against-reference. The service must trust `spid-harness metadata --idp ID`.
    #[arg(long)]
    pub metadata: Option<String>,
    /// The service URL that starts a login; `{entity_id}`, `{level}`, `{comparison}` and
    /// `{binding}` are replaced per case.
    #[arg(long = "login-url")]
    pub login_url: Option<String>,
    /// The service's protected page (2xx = logged in); required with --login-url.
    #[arg(long = "probe-url")]
    pub probe_url: Option<String>,
    /// The service URL that ends a session (SP-initiated logout): needed by the LogoutResponse
    /// cases and by irt-2; without it those cases are skipped (not sent, not failed). With
    /// --oidc: the URL that logs the user out at the RP, which must revoke its tokens at the OP
    /// there; the harness POSTs it with the session's cookies (and GETs it if the RP answers
    /// 405); without it the revocation-at-logout request checks are skipped.
    #[arg(long = "logout-url", value_name = "URL")]
    pub logout_url: Option<String>,
    /// The page where the service shows the logged-in identity (its fiscal number or NameID),
    /// read by comment-1 and comment-2 (the value read whole) and xsw3 and xsw7 (the signed
    /// Assertion's subject); default: --probe-url. When the page shows no identity those cases
    /// are "not determinable", never failed.
    #[arg(long = "identity-url")]
    pub identity_url: Option<String>,
    /// A regular expression whose first group is the identity shown on the identity page
    /// (e.g. `codice fiscale: ([A-Z0-9-]+)`); default: search the page for the value.
    #[arg(long = "identity-pattern")]
    pub identity_pattern: Option<String>,
    /// The service's CNS login URL (mutual TLS): the CNS family presents every card of the
    /// test PKI there. Its server certificate is not verified.
    #[arg(long = "cns-login-url")]
    pub cns_login_url: Option<String>,
    /// The mock provider to sign as.
    #[arg(long, default_value = reference::DEFAULT_IDP)]
    pub idp: String,
    /// Cases run at once (default: the number of cores).
    #[arg(long, default_value_t = 0)]
    pub jobs: usize,
    /// Run only these case ids.
    #[arg(long, num_args = 1..)]
    pub only: Vec<String>,
    /// Reports (check.json, check.html, check.xml, check.md) and exit code.
    #[command(flatten)]
    pub report: super::report_args::ReportArgs,
    /// The SP profile the metadata checks apply: spid-sp-public (default), spid-sp-private,
    /// cie-sp-public, cie-sp-private or saml2-sp; with --oidc: spid-oidc-rp or cie-oidc-rp
    /// (the cases of that OP kind only; default: both).
    #[arg(long)]
    pub profile: Option<String>,
    /// Run only the metadata checks on --metadata (no login URL needed).
    #[arg(long = "metadata-only")]
    pub metadata_only: bool,
    /// `--property` and its options.
    #[command(flatten)]
    pub property: crate::property::cli::PropertyOpts,
    /// With --oidc: the RP under test, when it is not the reference RP.
    #[command(flatten)]
    pub oidc_rp: super::oidc_args::OidcRpArgs,
    /// Total time allowed to fetch a --metadata URL, in seconds (connect within 5 s; at most
    /// 4 MiB); past it, exit code 3.
    #[arg(long = "fetch-timeout", value_name = "SECS", default_value_t = 20)]
    pub fetch_timeout: u64,
}

/// Runs `check`: the whole suite against the reference SP or any service.
pub fn exec(opts: CheckOpts) -> anyhow::Result<u8> {
    if opts.oidc {
        return super::check_oidc::exec(opts);
    }
    crate::source::set_fetch_timeout(opts.fetch_timeout);
    let profile = opts
        .profile
        .as_deref()
        .unwrap_or("spid-sp-public")
        .parse::<Profile>()?;
    let config = SuiteConfig {
        service: super::check_service::service(&opts)?,
        profile,
        only: opts.only.clone(),
        jobs: opts.jobs,
        progress: true,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let run = if opts.property.property {
        if let Some(flag) = crate::property::cli::conflicting(&opts.only, opts.metadata_only) {
            bail!("{flag} selects catalogue checks and does not apply to --property; drop one of them");
        }
        let line = config.service.command_line();
        runtime.block_on(run_property_suite(&config, &opts.property, &line))?
    } else {
        runtime.block_on(run_suite(&config))?
    };
    if let Some(caps) = &run.capabilities {
        outln!("{caps}");
    }
    out!("{}", check_table(&run.report));
    if let Some(line) = run.cpu_line(&config.service) {
        outln!("{line}");
    }
    let options = opts.report.options("check");
    Ok(emit(&run.report, &options)?)
}
