//! `check --oidc` against a relying party we did not write: the harness starts the mock
//! federation (trust anchor, intermediates, trust-mark issuer, OPs), hands the RP what it must
//! trust ([`Handover`]: the anchor's entity ID and keys, the OPs' entity IDs), reads the RP's
//! entity configuration (from its entity ID or a file), on-boards the RP below the anchor unless
//! it on-boarded itself, checks that a correct login through the RP's URLs ends logged in
//! (the control), then plays the catalogue through the RP's login URL, callback and probe,
//! checks its entity configuration, and judges the requests it sends (the `oidc-request`
//! family, its logins played through the same URLs and its logout through `RpUrls::logout`).

use super::cases::{Play, Provider};
use super::runner::{OidcRunError, OidcTarget, RpUrls};
use super::{entity, OidcRun, OidcSetupError, OidcSuiteError};
use mock_idps::oidc::federation::local::EcSource;
use mock_idps::oidc::federation::{OnboardRequest, Superior, TrustMarkFault};
use mock_idps::{FederationConfig, FederationUrls, MockFederation};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The RP profiles `check --oidc --profile` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcProfile {
    /// `spid-oidc-rp`: the cases answered by a SPID OP.
    SpidOidcRp,
    /// `cie-oidc-rp`: the cases answered by the CIE OP.
    CieOidcRp,
}

/// A profile name `check --oidc` does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown OIDC profile {0:?}: use spid-oidc-rp or cie-oidc-rp")]
pub struct UnknownOidcProfile(pub String);

impl std::str::FromStr for OidcProfile {
    type Err = UnknownOidcProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "spid-oidc-rp" => Ok(Self::SpidOidcRp),
            "cie-oidc-rp" => Ok(Self::CieOidcRp),
            other => Err(UnknownOidcProfile(other.to_string())),
        }
    }
}

impl OidcProfile {
    /// Whether the profile covers the cases `provider` answers.
    pub fn covers(self, provider: Provider) -> bool {
        matches!(
            (self, provider),
            (Self::SpidOidcRp, Provider::Spid) | (Self::CieOidcRp, Provider::Cie)
        )
    }
}

/// Where the RP's entity configuration comes from.
#[derive(Debug, Clone)]
pub enum RpDocument {
    /// Fetched from `ENTITY_ID/.well-known/openid-federation` (and served to the OPs so).
    EntityId(String),
    /// Read from a file (the OPs get it from the federation, in-process).
    File(PathBuf),
}

impl std::fmt::Display for RpDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::EntityId(id) => write!(f, "--entity-id {id}"),
            Self::File(p) => write!(f, "--entity-configuration {}", p.display()),
        }
    }
}

/// A run against an RP we did not write.
#[derive(Debug, Clone)]
pub struct OutsideConfig {
    /// Its entity configuration.
    pub rp: RpDocument,
    /// Its pages.
    pub urls: RpUrls,
    /// The cases of this profile only (all when `None`).
    pub profile: Option<OidcProfile>,
    /// How long to wait for the RP's entity configuration to answer (zero: one try).
    pub rp_wait: Duration,
    /// `--only`.
    pub only: Vec<String>,
}

/// One OP as the RP must know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverOp {
    /// The mock's short id (`{op}` in the login URL).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// `spid` or `cie`.
    pub profile: String,
    /// Its entity ID (the issuer; `{op_entity_id}` in the login URL).
    pub entity_id: String,
    /// The SPID levels it authenticates at.
    pub levels: Vec<u8>,
}

/// What an RP must be configured with to trust the harness's federation
/// (`--write-trust-anchor FILE`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handover {
    /// The trust anchor's entity ID (the RP's `authority_hints`).
    pub trust_anchor: String,
    /// The anchor's federation keys, to configure out of band.
    pub trust_anchor_jwks: mock_idps::oidc::jose::Jwks,
    /// The anchor's resolve endpoint (an RP may resolve OPs through it, verifying the answer
    /// with the keys above).
    pub trust_anchor_resolve: String,
    /// The trust mark type an OP carries.
    pub op_trust_mark_type: String,
    /// The trust mark type the RP is issued.
    pub rp_trust_mark_type: String,
    /// Where the RP fetches the trust mark it is issued (`?sub=ENTITY_ID`), to publish it in
    /// its `trust_marks`.
    pub trust_mark_endpoint: String,
    /// Where an RP can on-board itself (`POST {"entity_id": ...}`); otherwise `check` does it.
    pub onboard: String,
    /// The OPs.
    pub ops: Vec<HandoverOp>,
    /// Every URL of the mocks, as `spid-harness serve --urls-json` writes them (for an RP that
    /// discovers the OPs from that file, as the `reference-rp` binary does).
    pub mocks: FederationUrls,
}

impl Handover {
    /// The handover of the federation whose URLs are `urls`.
    pub fn of(urls: &FederationUrls) -> Option<Self> {
        let f = urls.oidc_federation.as_ref()?;
        Some(Self {
            trust_anchor: f.trust_anchor.clone(),
            trust_anchor_jwks: f.trust_anchor_jwks.clone(),
            trust_anchor_resolve: f.resolve.clone(),
            op_trust_mark_type: f.op_trust_mark_type.clone(),
            rp_trust_mark_type: f.rp_trust_mark_type.clone(),
            trust_mark_endpoint: format!("{}/trust_mark", f.trust_mark_issuer),
            onboard: f.onboard.clone(),
            ops: urls
                .oidc
                .iter()
                .map(|(id, o)| HandoverOp {
                    id: id.clone(),
                    name: o.name.clone(),
                    profile: o.profile.clone(),
                    entity_id: o.issuer.clone(),
                    levels: o.levels.clone(),
                })
                .collect(),
            mocks: urls.clone(),
        })
    }

    /// A few lines for a person: what to configure.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "the RP must trust the anchor {} (its jwks kids: {}); OPs:\n",
            self.trust_anchor,
            self.trust_anchor_jwks
                .keys
                .iter()
                .filter_map(|k| k.kid.clone())
                .collect::<Vec<_>>()
                .join(", ")
        );
        for op in &self.ops {
            s.push_str(&format!("  {:<12} {}\n", op.id, op.entity_id));
        }
        s
    }
}

/// The mock federation an outside RP is checked in; stops when dropped.
#[derive(Debug)]
pub struct OutsideWorld {
    /// The mocks.
    pub federation: MockFederation,
}

impl OutsideWorld {
    /// Starts the federation listening on `bind` (port 0: any free port).
    pub async fn start(bind: SocketAddr) -> Result<Self, OidcSetupError> {
        let federation = MockFederation::start_with(FederationConfig {
            bind,
            ..FederationConfig::default()
        })
        .await
        .map_err(|e| OidcSetupError::Federation(Box::new(e)))?;
        // The OP cases' federation breaks, each on its own OP, before the RP meets the OPs (as
        // for the embedded reference RP); the OPs the other cases log in at are untouched.
        super::federation::break_ops(&federation).map_err(OidcSetupError::Break)?;
        Ok(Self { federation })
    }

    /// What the RP must trust.
    pub fn handover(&self) -> Result<Handover, OidcSetupError> {
        Handover::of(&self.federation.urls()).ok_or(OidcSetupError::NoTrustAnchor)
    }
}

/// The RP's entity configuration as read, and its entity ID.
struct Read {
    fetched: entity::Fetched,
    entity_id: String,
    url: String,
}

async fn fetch_once(
    http: &reqwest::Client,
    url: &str,
) -> Result<entity::Fetched, (bool, reqwest::Error)> {
    entity::fetch(http, url)
        .await
        .map_err(|e| (e.status().is_none(), e))
}

/// The `sub` of an entity configuration (signature unverified: the checks judge it).
fn subject(text: &str) -> Result<String, String> {
    let u =
        mock_idps::oidc::jose::jws::decode_unverified(text.trim()).map_err(|e| e.to_string())?;
    let claims: serde_json::Value = u.claims().map_err(|e| e.to_string())?;
    claims
        .get("sub")
        .and_then(|s| s.as_str())
        .map(str::to_string)
        .ok_or_else(|| "no sub claim".to_string())
}

async fn read(
    http: &reqwest::Client,
    rp: &RpDocument,
    wait: Duration,
) -> Result<Read, OidcSuiteError> {
    match rp {
        RpDocument::EntityId(id) => {
            let url = mock_idps::oidc::federation::fetch::well_known_url(id);
            let deadline = std::time::Instant::now() + wait;
            let fetched = loop {
                match fetch_once(http, &url).await {
                    Ok(f) => break f,
                    Err((true, _)) if std::time::Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err((true, source)) => {
                        return Err(OidcSuiteError::RpUnreachable { url, source })
                    }
                    Err((false, source)) => {
                        return Err(OidcSuiteError::RpDocumentStatus { url, source })
                    }
                }
            };
            subject(&fetched.body).map_err(|reason| OidcSuiteError::NotAnEntityConfiguration {
                input: rp.to_string(),
                reason,
            })?;
            Ok(Read {
                fetched,
                entity_id: id.clone(),
                url,
            })
        }
        RpDocument::File(path) => {
            let body =
                std::fs::read_to_string(path).map_err(|source| OidcSuiteError::ReadFile {
                    path: path.clone(),
                    source,
                })?;
            let entity_id =
                subject(&body).map_err(|reason| OidcSuiteError::NotAnEntityConfiguration {
                    input: rp.to_string(),
                    reason,
                })?;
            Ok(Read {
                fetched: entity::Fetched {
                    content_type: None,
                    body,
                },
                url: path.display().to_string(),
                entity_id,
            })
        }
    }
}

/// On-boards the RP below the anchor with a valid trust mark, unless it is registered already
/// (it on-boarded itself with the handover's `onboard`): whether the harness on-boarded it.
async fn onboard(world: &OutsideWorld, rp: &RpDocument, r: &Read) -> Result<bool, OidcSuiteError> {
    let fed = world.federation.oidc_federation();
    if fed.subordinate(&r.entity_id).is_some() {
        return Ok(false);
    }
    let source = match rp {
        RpDocument::File(_) => {
            let text = r.fetched.body.trim().to_string();
            Some(EcSource::new(move || Ok(text.clone())))
        }
        RpDocument::EntityId(_) => None,
    };
    fed.onboard(OnboardRequest {
        entity_id: r.entity_id.clone(),
        superior: Superior::TrustAnchor,
        trust_mark: Some(TrustMarkFault::Valid),
        expired_statement: false,
        entity_type: None,
        source,
    })
    .await
    .map_err(|source| OidcSuiteError::Onboarding {
        input: rp.to_string(),
        source: Box::new(source),
    })?;
    Ok(true)
}

/// The control cases of the selection's providers (a correct login each).
fn controls(cases: &[&'static super::OidcCase]) -> Vec<&'static super::OidcCase> {
    let mut out: Vec<&'static super::OidcCase> = Vec::new();
    for c in super::OIDC_CASES
        .iter()
        .filter(|c| matches!(c.play, Play::Correct))
    {
        if cases.iter().any(|s| s.provider == c.provider)
            && !out.iter().any(|o| o.provider == c.provider)
        {
            out.push(c);
        }
    }
    out
}

/// The error-severity request checks the RP's own requests fail, as "id (why)", judged on the
/// logins of the profile's plan (empty when the request family is not selected).
async fn sent_wrong(
    target: &OidcTarget<'_>,
    document: &Read,
    config: &OutsideConfig,
) -> Vec<String> {
    if !super::request::wanted(&config.only) {
        return Vec::new();
    }
    super::request::plan_entries(
        target,
        Some(&document.fetched.body),
        &document.entity_id,
        super::request::plan(config.profile),
        &[],
    )
    .await
    .into_iter()
    .filter(|e| !e.passed && e.not_run.is_none())
    .filter(|e| e.severity == Some(crate::report::Severity::Error))
    .map(|e| match e.verdict {
        Some(v) => format!("{} ({})", e.id, v.reason),
        None => e.id,
    })
    .collect()
}

/// Runs the suite against the RP of `config` in `world`.
pub async fn run_outside(
    world: &OutsideWorld,
    config: &OutsideConfig,
    progress: bool,
) -> Result<OidcRun, OidcSuiteError> {
    let cases: Vec<&'static super::OidcCase> = super::select(&config.only)?
        .into_iter()
        .filter(|c| config.profile.is_none_or(|p| p.covers(c.provider)))
        .collect();
    let clock = super::RunClock::start();
    let probe = OidcTarget::at(&world.federation, config.urls.clone(), "")
        .map_err(|e| OidcSuiteError::Setup(OidcSetupError::Client(e)))?;
    let first = read(probe.http(), &config.rp, config.rp_wait).await?;
    onboard(world, &config.rp, &first).await?;
    // Read again: the trust marks the RP publishes now that it is on-boarded.
    let document = match config.rp {
        RpDocument::EntityId(_) => read(probe.http(), &config.rp, Duration::ZERO).await?,
        RpDocument::File(_) => first,
    };
    let target = OidcTarget::at(&world.federation, config.urls.clone(), &document.entity_id)
        .map_err(|e| OidcSuiteError::Setup(OidcSetupError::Client(e)))?;
    for control in controls(&cases) {
        let op = control.provider.id();
        let played = match target.play(control).await {
            Ok(p) if p.accepted => continue,
            Ok(p) => Err(p.evidence),
            Err(e) => Ok(e),
        };
        // A refused control login most often comes from what the RP sends (PKCE plain, a
        // short nonce...), which the strict OPs refuse: the request checks say what.
        let sent_wrong = sent_wrong(&target, &document, config).await;
        return Err(match played {
            Ok(e) => OidcSuiteError::Control {
                op,
                login: target.login_url(op),
                sent_wrong,
                source: Box::new(e),
            },
            Err(evidence) => OidcSuiteError::ControlRefused {
                op,
                probe: config.urls.probe.clone(),
                evidence,
                sent_wrong,
            },
        });
    }
    let bar = crate::conformance::suite::progress_bar(progress, cases.len() as u64);
    let mut entries = super::run_cases(&target, &cases, &|e| {
        bar.set_message(e.id.clone());
        bar.inc(1);
    })
    .await;
    bar.finish_and_clear();
    if config.only.is_empty() || config.only.iter().any(|id| id.starts_with("oidc-ec-")) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut ec = entity::entries(&document.fetched, &document.entity_id, now, 0.0);
        ec.retain(|e| config.only.is_empty() || config.only.contains(&e.id));
        if matches!(config.rp, RpDocument::File(_)) {
            for e in ec.iter_mut().filter(|e| e.id == "oidc-ec-content-type") {
                e.passed = false;
                e.not_run = Some(crate::report::NotRun {
                    kind: crate::report::NotRunKind::Skipped,
                    reason: format!(
                        "read from the file {}: no HTTP answer to judge (give --entity-id)",
                        document.url
                    ),
                });
            }
        }
        entries.extend(ec);
    }
    if super::request::wanted(&config.only) {
        // What the RP sends, judged on the same observation code as against the reference RP:
        // the logins of the profile's plan through the RP's URLs, the logout through its
        // logout URL (the revocation checks are skipped without one).
        entries.extend(
            super::request::plan_entries(
                &target,
                Some(&document.fetched.body),
                &document.entity_id,
                super::request::plan(config.profile),
                &config.only,
            )
            .await,
        );
    }
    Ok(clock.finish(
        entries,
        "the harness and the mock federation; the RP's own CPU is not counted",
    ))
}

impl OidcSuiteError {
    /// The documented exit code (see [`crate::exit`]).
    pub fn exit_code(&self) -> u8 {
        use crate::exit;
        match self {
            Self::RpUnreachable { .. } => exit::UNREACHABLE,
            Self::Control { source, .. } => match **source {
                OidcRunError::Http { .. } => exit::UNREACHABLE,
                OidcRunError::NoAuthorizationRequest { .. } | OidcRunError::NoState(_) => {
                    exit::NO_AUTHN_REQUEST
                }
                _ => exit::BAD_INPUT,
            },
            Self::Onboarding { source, .. }
                if matches!(
                    **source,
                    mock_idps::oidc::federation::LocalFederationError::Refused {
                        code:
                            mock_idps::oidc::federation::FederationErrorCode::TemporarilyUnavailable,
                        ..
                    }
                ) =>
            {
                exit::UNREACHABLE
            }
            _ => exit::BAD_INPUT,
        }
    }

    /// What to do about it, in one line.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::RpUnreachable { .. } => "start the RP first (or give --rp-wait SECS), and check that --entity-id is its entity ID, served at ENTITY_ID/.well-known/openid-federation",
            Self::RpDocumentStatus { .. } => "--entity-id must be the RP's entity ID: the harness fetches ENTITY_ID/.well-known/openid-federation",
            Self::NotAnEntityConfiguration { .. } => "give the RP's entity configuration: a compact signed JWT (typ entity-statement+jwt) whose sub is the RP's entity ID",
            Self::ReadFile { .. } => "give a file that exists and holds the RP's entity configuration JWT",
            Self::Onboarding { .. } => "fix the RP's entity configuration so that the federation can register it: self-signed with a key of its jwks, iss = sub = its entity ID, exp in the future, public keys only",
            Self::Control { sent_wrong, .. } | Self::ControlRefused { sent_wrong, .. }
                if !sent_wrong.is_empty() =>
            {
                "fix what the RP sends: the request checks named above (with --only naming only oidc-req-* checks, no control login is played and every request verdict is reported)"
            }
            Self::Control { .. } => "--login-url must start a login at the mock OP named by {op} or {op_entity_id} (see the README), and the RP must trust the anchor of --write-trust-anchor",
            Self::ControlRefused { .. } => "a correct login did not end logged in: --probe-url must answer 2xx to the browser once logged in (401/403 otherwise), and the RP must trust the anchor and OPs of --write-trust-anchor",
            _ => return None,
        })
    }
}
