//! The whole `check` run as one library call: select the cases, set up the service (the embedded
//! reference SP, or a service of the user's after a preflight login), run the metadata and
//! AuthnRequest checks, the Response and logout cases and, where the service has a CNS endpoint,
//! the CNS family; one [`RunReport`] with the CPU time the run took.

use super::metadata::{MetadataError, Profile};
use super::reference::{self, SetupError, TargetSpec};
use super::{logout, runner, Target};
use crate::browser::{Browser, BrowserError};
use crate::cns_login::CnsTarget;
use crate::exit;
use crate::report::{Entry, RunReport};
use crate::source::{read_text, SourceError};
use mock_idps::cns::CnsPki;
use mock_idps::saml::sp_metadata::{SpMetadata, SpMetadataError};
use reference_sp::faults::Faults;
use std::sync::Arc;

/// The service a suite runs against.
#[derive(Debug, Clone)]
pub enum Service {
    /// The embedded reference SP with these checks switched off; its CNS endpoint included.
    Reference {
        /// The switched-off checks (none: the strict SP).
        faults: Faults,
    },
    /// A service of the user's.
    Remote {
        /// Its metadata: a file path or an http(s) URL.
        metadata: String,
        /// The URL that starts a login (placeholders as in [`TargetSpec::login_url`]).
        login_url: String,
        /// Its protected page.
        probe_url: String,
        /// The URL that ends a session, if any.
        logout_url: Option<String>,
        /// Its CNS login URL (mutual TLS), if any: the CNS family runs when given. The
        /// service's server certificate is not verified (the family judges how it treats client
        /// certificates).
        cns_login_url: Option<String>,
        /// The mock provider to sign as.
        idp: String,
        /// Where the service shows the logged-in identity (comment-1/2); `None`: the probe page.
        identity_url: Option<String>,
        /// The identity shown is this pattern's first group; `None`: search for the value.
        identity_pattern: Option<regex::Regex>,
    },
    /// Only the metadata checks, on a file or URL (no running service needed).
    MetadataOnly {
        /// The metadata: a file path or an http(s) URL.
        metadata: String,
    },
}

impl Service {
    /// The `spid-harness check` options that select this service again (for the replay lines
    /// of `--property`).
    pub fn command_line(&self) -> String {
        let mut out = String::from("spid-harness check");
        match self {
            Service::Reference { faults } => {
                out.push_str(" --against-reference");
                let names = faults.names();
                if !names.is_empty() {
                    out.push_str(&format!(" --faults {}", names.join(",")));
                }
            }
            Service::Remote {
                metadata,
                login_url,
                probe_url,
                idp,
                ..
            } => {
                for (flag, v) in [
                    ("--metadata", metadata),
                    ("--login-url", login_url),
                    ("--probe-url", probe_url),
                ] {
                    out.push_str(&format!(" {flag} '{v}'"));
                }
                out.push_str(&format!(" --idp {idp}"));
            }
            Service::MetadataOnly { metadata } => {
                out.push_str(&format!(" --metadata-only --metadata '{metadata}'"));
            }
        }
        out
    }
}

/// What `check` runs.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    /// The service.
    pub service: Service,
    /// The profile the metadata checks apply.
    pub profile: Profile,
    /// Only these check and case ids (all when empty).
    pub only: Vec<String>,
    /// Cases run at once (0: the number of cores).
    pub jobs: usize,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
}

/// A finished suite.
#[derive(Debug)]
pub struct SuiteRun {
    /// Every entry.
    pub report: RunReport,
    /// The process's CPU time over the run in milliseconds (Linux only).
    pub cpu_ms: Option<f64>,
    /// Against a service of the user's: which of `{level}`, `{comparison}`, `{binding}` it
    /// honours, in one line ([`super::capability::Capabilities::summary`]).
    pub capabilities: Option<String>,
}

impl SuiteRun {
    /// The process's CPU time over the run, per case, and what it measured (against
    /// `service`); `None` where it is not measured.
    pub fn cpu_line(&self, service: &Service) -> Option<String> {
        let cpu = self.cpu_ms?;
        let whose = match service {
            Service::Reference { .. } => {
                "this process: the harness and the in-process reference SP together"
            }
            _ => "this process: the harness only (the service under test runs elsewhere and is not measured)",
        };
        Some(format!(
            "process CPU {:.0} ms ({:.2} ms per case, {whose})",
            cpu,
            cpu / self.report.entries.len().max(1) as f64,
        ))
    }
}

/// Why a suite could not run; each kind has its exit code ([`SuiteError::exit_code`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuiteError {
    /// `--only` named ids no check or case has.
    #[error("--only: unknown case id(s): {} (see the case ids in check.json, or `spid-harness check --against-reference`)", .0.join(", "))]
    UnknownIds(Vec<String>),
    /// The mock providers or the reference SP could not be set up.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// The service's metadata could not be read.
    #[error("reading the service's metadata")]
    ReadMetadata(#[source] SourceError),
    /// The service's metadata is not SP metadata.
    #[error("{source_name} is not usable SP metadata (is it the service's SAML metadata XML?)")]
    UnusableMetadata {
        /// The file or URL.
        source_name: String,
        /// Why.
        #[source]
        source: SpMetadataError,
    },
    /// The metadata checks could not read the metadata.
    #[error("checking the SP's metadata")]
    MetadataChecks(#[source] MetadataError),
    /// The HTTP client could not be built.
    #[error("building the HTTP client")]
    Client(#[source] BrowserError),
    /// The preflight login did not reach the service.
    #[error("the service cannot be reached: {method} {url}: {error}. Is it running, and is --login-url right?")]
    Unreachable {
        /// The method.
        method: String,
        /// The URL.
        url: String,
        /// Why (in the message: one line, the whole story).
        error: reqwest::Error,
    },
    /// The login URL answered but produced no AuthnRequest.
    #[error("--login-url produced no AuthnRequest: the path ended at {url} ({status}) without a redirect or form carrying SAMLRequest. Use the URL that starts a SPID login, with {{entity_id}}, {{level}}, {{comparison}} and {{binding}} where the service takes them")]
    NoAuthnRequest {
        /// Where the path ended.
        url: String,
        /// Its status.
        status: u16,
    },
    /// The login URL led to something that is not a usable AuthnRequest.
    #[error("--login-url did not lead to a usable AuthnRequest")]
    UnusableLogin(#[source] BrowserError),
    /// The CNS test PKI could not be loaded.
    #[error("setting up the CNS test PKI")]
    CnsPki(#[source] mock_idps::cns::CnsError),
    /// The reference SP's CNS endpoint could not be configured.
    #[error("configuring the reference SP's CNS endpoint")]
    CnsEndpoint(#[source] reference_sp::cns::CnsSpError),
    /// The run needs a service (a login URL or the reference SP), not only metadata.
    #[error("--metadata-only checks metadata alone; this run needs a service (--against-reference, or --login-url and --probe-url)")]
    NeedsAService,
}

impl SuiteError {
    /// The documented exit code of this error (see [`crate::exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            SuiteError::ReadMetadata(e) if e.is_unreachable() => exit::UNREACHABLE,
            SuiteError::Unreachable { .. } => exit::UNREACHABLE,
            SuiteError::NoAuthnRequest { .. } | SuiteError::UnusableLogin(_) => {
                exit::NO_AUTHN_REQUEST
            }
            _ => exit::BAD_INPUT,
        }
    }
}

/// The Response and logout cases selected by `only`, or the ids nothing has.
fn selection(
    only: &[String],
) -> Result<
    (
        Vec<&'static super::ResponseCase>,
        Vec<&'static logout::LogoutCase>,
    ),
    SuiteError,
> {
    let (cases, unknown) = super::select(only);
    let logout_cases = logout::select(only);
    let unknown: Vec<String> = super::unknown_check_ids(unknown)
        .into_iter()
        .filter(|id| !logout_cases.iter().any(|c| c.id == id.as_str()))
        .filter(|id| {
            !super::CIE_RESPONSE_CASES
                .iter()
                .any(|c| c.id == id.as_str())
        })
        .filter(|id| !is_cns_check(id))
        .collect();
    if !unknown.is_empty() {
        return Err(SuiteError::UnknownIds(unknown));
    }
    Ok((cases, logout_cases))
}

/// The service set up: the target, the reference SP when it is the embedded one, and the CNS
/// endpoint when the service has one.
struct Setup {
    target: Target,
    /// The metadata the metadata checks read when it is not the target's (the reference SP's
    /// CIE document under a `cie-sp-*` profile).
    checked_metadata: Option<String>,
    /// The same service signed into as the CIE ID provider, for the CIE Response cases (the
    /// reference SP under a `cie-sp-*` profile).
    cie_target: Option<Target>,
    sp: Option<reference_sp::ReferenceSp>,
    cns: Option<(CnsTarget, CnsPki)>,
}

/// Sets up `config.service` (never [`Service::MetadataOnly`], which needs no target).
async fn setup(config: &SuiteConfig) -> Result<Setup, SuiteError> {
    let state = reference::mock_state()?;
    let pki = || CnsPki::embedded().map_err(SuiteError::CnsPki);
    let (target, checked_metadata, cie_target, sp, cns) = match &config.service {
        Service::Reference { faults } => {
            let pki = pki()?;
            let cns = reference::cns_endpoint(&reference_authority()?)
                .map_err(SuiteError::CnsEndpoint)?;
            let run = reference::start_with(
                &state,
                reference_sp::SpConfig {
                    faults: faults.clone(),
                    cns: Some(cns),
                    profile: if config.profile.is_private() {
                        reference_sp::MetadataProfile::Private
                    } else {
                        reference_sp::MetadataProfile::Public
                    },
                    ..reference_sp::SpConfig::default()
                },
            )
            .await?;
            let cns = run.sp.urls().cns_login.map(|login_url| CnsTarget {
                login_url,
                server_roots_pem: pki
                    .server_root_pem()
                    .map(str::to_string)
                    .into_iter()
                    .collect(),
                accept_invalid_server_cert: false,
            });
            // Under a CIE profile the checks read the SP's "Entra con CIE" document, and the
            // CIE Response cases sign in as CIE ID.
            let (checked, cie_target) = if config.profile.is_cie() {
                (
                    Some(run.sp.cie_metadata_xml().to_string()),
                    Some(reference::cie_target(&state, &run.target)?),
                )
            } else {
                (None, None)
            };
            (
                run.target,
                checked,
                cie_target,
                Some(run.sp),
                cns.map(|t| (t, pki)),
            )
        }
        Service::Remote {
            metadata,
            login_url,
            probe_url,
            logout_url,
            cns_login_url,
            idp,
            identity_url,
            identity_pattern,
        } => {
            let xml = read_text(metadata)
                .await
                .map_err(SuiteError::ReadMetadata)?;
            let sp_metadata =
                SpMetadata::parse(&xml).map_err(|source| SuiteError::UnusableMetadata {
                    source_name: metadata.clone(),
                    source,
                })?;
            let mut target = reference::target(
                &state,
                TargetSpec {
                    login_url: login_url.clone(),
                    acs_url: None,
                    probe_url: probe_url.clone(),
                    logout_url: logout_url.clone(),
                    sp_metadata,
                    idp: idp.clone(),
                },
            )?;
            target.identity_url = identity_url.clone();
            target.identity_pattern = identity_pattern.clone();
            preflight(&target).await?;
            let cns = match cns_login_url {
                None => None,
                Some(url) => Some((
                    CnsTarget {
                        login_url: url.clone(),
                        server_roots_pem: Vec::new(),
                        accept_invalid_server_cert: true,
                    },
                    pki()?,
                )),
            };
            (target, None, None, None, cns)
        }
        Service::MetadataOnly { .. } => return Err(SuiteError::NeedsAService),
    };
    Ok(Setup {
        target,
        checked_metadata,
        cie_target,
        sp,
        cns,
    })
}

/// Runs the suite of `config`.
pub async fn run_suite(config: &SuiteConfig) -> Result<SuiteRun, SuiteError> {
    let (cases, logout_cases) = selection(&config.only)?;
    let began = time::OffsetDateTime::now_utc();
    if let Service::MetadataOnly { metadata } = &config.service {
        return metadata_only(metadata, config).await;
    }
    let Setup {
        target,
        checked_metadata,
        cie_target,
        sp,
        cns,
    } = setup(config).await?;
    // Against a service we did not write, learn which of {level}, {comparison}, {binding} it
    // honours, and do not send cases whose premise it cannot produce, or duplicates.
    let (cases, not_sent, capabilities) = if sp.is_none() && !cases.is_empty() {
        let caps = super::capability::probe(&target).await;
        let (run, not_sent) = super::capability::plan(&cases, &caps, &target);
        (run, not_sent, Some(caps.summary()))
    } else {
        (cases, Vec::new(), None)
    };
    let cpu0 = process_cpu_ms();
    let clock = std::time::Instant::now();
    let metadata = checked_metadata.as_deref();
    let entries = run_all(
        config,
        &target,
        metadata,
        &cases,
        &logout_cases,
        cns.as_ref(),
    )
    .await
    .map(|mut e| {
        e.extend(not_sent);
        e
    });
    // "Entra con CIE": the CIE Response cases, signed in as CIE ID.
    let entries = match (entries, &cie_target) {
        (Ok(mut e), Some(cie)) => {
            let cie_cases = super::cie_cases::select(&config.only);
            if !cie_cases.is_empty() {
                e.extend(runner::run(cie, &cie_cases, config.jobs).await);
            }
            Ok(e)
        }
        (other, _) => other,
    };
    let wall = clock.elapsed().as_secs_f64() * 1000.0;
    let cpu_ms = cpu0.zip(process_cpu_ms()).map(|(a, b)| b - a);
    if let Some(sp) = sp {
        sp.shutdown().await;
    }
    Ok(SuiteRun {
        report: RunReport::new("check", began, wall, entries?),
        cpu_ms,
        capabilities,
    })
}

/// `check --property`: generated combinations against `config.service` instead of the
/// catalogue ([`crate::property`]); `service_line` is the command line that selects the same
/// service again (for the counterexamples' replay lines).
pub async fn run_property_suite(
    config: &SuiteConfig,
    property: &crate::property::cli::PropertyOpts,
    service_line: &str,
) -> Result<SuiteRun, SuiteError> {
    let began = time::OffsetDateTime::now_utc();
    let Setup { target, sp, .. } = setup(config).await?;
    let cpu0 = process_cpu_ms();
    let clock = std::time::Instant::now();
    let bar = progress_bar(config.progress, 0);
    let entries =
        crate::property::cli::run_property(&target, property, config.jobs, service_line, bar).await;
    let wall = clock.elapsed().as_secs_f64() * 1000.0;
    let cpu_ms = cpu0.zip(process_cpu_ms()).map(|(a, b)| b - a);
    if let Some(sp) = sp {
        sp.shutdown().await;
    }
    Ok(SuiteRun {
        report: RunReport::new("check", began, wall, entries),
        cpu_ms,
        capabilities: None,
    })
}

/// [`Service::MetadataOnly`]: the metadata checks of the profile on `source`.
async fn metadata_only(source: &str, config: &SuiteConfig) -> Result<SuiteRun, SuiteError> {
    let xml = read_text(source).await.map_err(SuiteError::ReadMetadata)?;
    let began = time::OffsetDateTime::now_utc();
    let clock = std::time::Instant::now();
    let entries = super::metadata::run(&xml, config.profile, began, &config.only)
        .map_err(SuiteError::MetadataChecks)?;
    let wall = clock.elapsed().as_secs_f64() * 1000.0;
    Ok(SuiteRun {
        report: RunReport::new("check", began, wall, entries),
        cpu_ms: None,
        capabilities: None,
    })
}

/// Metadata and AuthnRequest checks first, then the Response and logout cases, then the CNS
/// family, in one list.
async fn run_all(
    config: &SuiteConfig,
    target: &Target,
    metadata: Option<&str>,
    cases: &[&'static super::ResponseCase],
    logout_cases: &[&'static logout::LogoutCase],
    cns: Option<&(CnsTarget, CnsPki)>,
) -> Result<Vec<Entry>, SuiteError> {
    let xml = metadata.unwrap_or(&target.sp_metadata.xml);
    let mut entries = super::sp_checks_on(target, xml, config.profile, &config.only)
        .await
        .map_err(SuiteError::MetadataChecks)?;
    let bar = progress_bar(config.progress, (cases.len() + logout_cases.len()) as u64);
    let tick = {
        let bar = bar.clone();
        Arc::new(move |e: &Entry| {
            bar.set_message(e.id.clone());
            bar.inc(1);
        })
    };
    entries.extend(runner::run_reporting(target, cases, config.jobs, tick.clone()).await);
    entries.extend(logout::run_reporting(target, logout_cases, config.jobs, tick).await);
    bar.finish_and_clear();
    if let Some((cns_target, pki)) = cns {
        let family = super::cns::run(cns_target, pki, reference::DEFAULT_USER).await;
        entries.extend(family.into_iter().filter(|e| selected(&config.only, &e.id)));
    }
    Ok(entries)
}

/// Whether `id` is a check of the CNS family: `cns/<variant>` for a card variant of the test
/// PKI, or one of the family's two other checks (see [`super::cns::run`]).
fn is_cns_check(id: &str) -> bool {
    let Some(name) = id.strip_prefix("cns/") else {
        return false;
    };
    matches!(name, "fiscal-code-read" | "no-certificate")
        || CnsPki::embedded().is_ok_and(|pki| pki.table.variants.iter().any(|v| v.name == name))
}

/// Whether `id` is selected by `only` (everything is when `only` is empty).
fn selected(only: &[String], id: &str) -> bool {
    only.is_empty() || only.iter().any(|o| o == id)
}

/// The CNS authority whose CRLs the reference SP takes: its CRLs signed now by the test CAs.
fn reference_authority() -> Result<mock_idps::cns::authority::CnsAuthority, SuiteError> {
    let pki = CnsPki::embedded().map_err(SuiteError::CnsPki)?;
    let clock: mock_idps::clock::SharedClock = Arc::new(mock_idps::clock::SystemClock);
    mock_idps::cns::authority::CnsAuthority::new(pki, clock).map_err(SuiteError::CnsPki)
}

/// One login before the run: the service must be reachable and its login URL must produce an
/// AuthnRequest, or nothing else can work.
async fn preflight(target: &Target) -> Result<(), SuiteError> {
    let url = target.login_start(2, "minimum", "redirect");
    let browser = Browser::new(target.timeout).map_err(SuiteError::Client)?;
    match browser.capture_request(&url).await {
        Ok(_) => Ok(()),
        Err(BrowserError::Http {
            source,
            url,
            method,
        }) if source.is_connect() || source.is_timeout() => Err(SuiteError::Unreachable {
            method: method.to_string(),
            url: url.to_string(),
            error: source,
        }),
        Err(BrowserError::NoSamlRequest { url, status }) => Err(SuiteError::NoAuthnRequest {
            url: url.to_string(),
            status,
        }),
        Err(e) => Err(SuiteError::UnusableLogin(e)),
    }
}

/// This process's CPU time (user + system) in milliseconds, from /proc (Linux only).
pub(crate) fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// A progress bar on stderr when asked and it is a terminal (hidden otherwise: CI logs stay
/// clean).
pub(crate) fn progress_bar(wanted: bool, len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases  {elapsed}  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service of the user's at `127.0.0.1:1`, logging in at `poste`.
    fn remote_service() -> Service {
        Service::Remote {
            metadata: "sp.xml".into(),
            login_url: "http://127.0.0.1:1/login".into(),
            probe_url: "http://127.0.0.1:1/me".into(),
            logout_url: None,
            cns_login_url: None,
            idp: "poste".into(),
            identity_url: None,
            identity_pattern: None,
        }
    }

    #[test]
    fn command_line_selects_the_same_service_again() {
        let faults = Faults::parse("version status").unwrap();
        let line = Service::Reference { faults }.command_line();
        assert_eq!(
            line,
            "spid-harness check --against-reference --faults status,version"
        );
        let strict = Service::Reference {
            faults: Faults::none(),
        };
        assert_eq!(
            strict.command_line(),
            "spid-harness check --against-reference"
        );
        let remote = remote_service();
        assert_eq!(
            remote.command_line(),
            "spid-harness check --metadata 'sp.xml' --login-url 'http://127.0.0.1:1/login' \
             --probe-url 'http://127.0.0.1:1/me' --idp poste"
        );
    }

    fn run_of(cases: usize, cpu_ms: Option<f64>) -> SuiteRun {
        let entries = (0..cases)
            .map(|i| crate::report::Entry {
                id: format!("case-{i}"),
                ..Default::default()
            })
            .collect();
        SuiteRun {
            report: RunReport::new("check", time::OffsetDateTime::UNIX_EPOCH, 1.0, entries),
            cpu_ms,
            capabilities: None,
        }
    }

    #[test]
    fn cpu_line_says_whose_cpu_it_measured() {
        let run = run_of(4, Some(1000.0));
        let reference = Service::Reference {
            faults: Faults::none(),
        };
        assert_eq!(
            run.cpu_line(&reference).as_deref(),
            Some(
                "process CPU 1000 ms (250.00 ms per case, this process: the harness and the \
                 in-process reference SP together)"
            )
        );
        // Against a service of the user's the SP is elsewhere: the line must not count it.
        for outside in [
            remote_service(),
            Service::MetadataOnly {
                metadata: "sp.xml".into(),
            },
        ] {
            let line = run.cpu_line(&outside).expect("measured");
            assert_eq!(
                line,
                "process CPU 1000 ms (250.00 ms per case, this process: the harness only (the \
                 service under test runs elsewhere and is not measured))"
            );
            assert!(!line.contains("reference SP"), "{line}");
        }
        // No entries: per case is the whole, not a division by zero.
        assert_eq!(
            run_of(0, Some(3.0)).cpu_line(&reference).as_deref(),
            Some(
                "process CPU 3 ms (3.00 ms per case, this process: the harness and the \
                 in-process reference SP together)"
            )
        );
        // Not measured (not Linux): no line.
        assert_eq!(run_of(4, None).cpu_line(&reference), None);
    }
}
