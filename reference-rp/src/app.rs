//! What the `reference-rp` binary runs, as a library function the tests call too: bind the
//! listener, discover the OPs of a running `spid-harness serve` (their trust chains resolved to
//! the federation's anchor), serve the pages and the entity configuration, on-board the RP to
//! the local federation with `POST /admin/oidc/rps`, and publish what on-boarding gave
//! (`authority_hints`, the trust mark) in the entity configuration from then on.

use crate::faults::{Faults, UnknownFault};
use crate::keys::RpKeys;
use crate::rp::{Placement, ReferenceRp, RpConfig};
use crate::trust::TrustAnchor;
use crate::RpError;
use mock_idps::oidc::federation::TrustMarkRef;
use mock_idps::server_task::{self, BindError, ServerTask};
use mock_idps::{FederationUrls, SharedClock};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// How to run the RP.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where to listen (port 0: any free port); the entity id is `http://<bound address>`.
    pub bind: SocketAddr,
    /// The mocks' URLs (what `spid-harness serve --urls-json` writes).
    pub urls: FederationUrls,
    /// Checks switched off.
    pub faults: Faults,
    /// The mocks' admin token (`serve --admin-token`), if they have one.
    pub admin_token: Option<String>,
    /// The clock.
    pub clock: SharedClock,
}

/// Why the RP did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// A fault switch name is unknown.
    #[error(transparent)]
    Faults(#[from] UnknownFault),
    /// The listener could not be bound.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The URLs name no OpenID Federation (an older `serve`).
    #[error("the URLs name no oidc_federation: run a spid-harness serve that has one")]
    NoFederation,
    /// The RP refused an OP or could not set itself up.
    #[error(transparent)]
    Rp(#[from] RpError),
    /// The on-boarding request failed.
    #[error("on-boarding at {url}")]
    OnboardTransport {
        /// The admin URL.
        url: String,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The federation refused the on-boarding.
    #[error("on-boarding at {url} answered HTTP {status}: {body}")]
    Onboard {
        /// The admin URL.
        url: String,
        /// The status.
        status: u16,
        /// The answer (bounded).
        body: String,
    },
}

/// The on-boarding report, as far as the RP needs it.
#[derive(Debug, Deserialize)]
struct OnboardAnswer {
    superior: String,
    #[serde(default)]
    trust_marks: Vec<TrustMarkRef>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// A running RP.
#[derive(Debug)]
pub struct RunningRp {
    /// The address bound.
    pub addr: SocketAddr,
    /// The RP.
    pub rp: Arc<ReferenceRp>,
    /// The trust marks the federation issued (now in the entity configuration).
    pub trust_marks: Vec<TrustMarkRef>,
    /// What on-boarding warned about (empty when all is well).
    pub warnings: Vec<String>,
    server: ServerTask,
}

impl RunningRp {
    /// `http://<addr>`: the entity id and client_id.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until the server fails (the binary).
    pub async fn wait(self) -> std::io::Result<()> {
        self.server.wait().await.map_err(std::io::Error::other)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.server.stop().await;
    }
}

/// The trust anchor as the mocks' URLs describe it (keys and OP trust mark type included).
pub fn trust_anchor_of(urls: &FederationUrls) -> Option<TrustAnchor> {
    let f = urls.oidc_federation.as_ref()?;
    Some(TrustAnchor {
        entity_id: f.trust_anchor.clone(),
        jwks: f.trust_anchor_jwks.clone(),
        op_trust_mark_type: Some(f.op_trust_mark_type.clone()).filter(|t| !t.is_empty()),
    })
}

/// Starts the RP: see the module documentation.
pub async fn start(config: AppConfig) -> Result<RunningRp, AppError> {
    let fed = config
        .urls
        .oidc_federation
        .clone()
        .ok_or(AppError::NoFederation)?;
    let anchor = trust_anchor_of(&config.urls).ok_or(AppError::NoFederation)?;
    let (listener, addr) = server_task::bind(config.bind).await?;
    let client_id = format!("http://{addr}");
    let rp_config = RpConfig {
        client_id: client_id.clone(),
        organization_name: "Servizio di riferimento OIDC".into(),
        faults: config.faults,
        clock: config.clock,
        offline_access: true,
        trust_anchor: anchor,
    };
    let mut rp = ReferenceRp::new(
        rp_config,
        RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp")?,
    )?;
    // Each OP on its own: one whose entity configuration, chain or trust marks are refused is
    // left out (a login there names why) and the others still serve; none left is an error.
    let entries = crate::op::entries_of(&config.urls);
    let refused = rp.discover_each(&entries).await;
    if refused.len() == entries.len() {
        return Err(match refused.into_iter().next() {
            Some((_, first)) => first.into(),
            None => RpError::Internal("the federation lists no OpenID Provider".into()).into(),
        });
    }
    let refused_warnings: Vec<String> = refused
        .iter()
        .map(|(op, why)| format!("OP {op} left out: {why}"))
        .collect();
    // Asked to hang below the anchor: say so before the federation reads the configuration.
    rp.set_placement(Placement {
        authority_hints: vec![fed.trust_anchor.clone()],
        trust_marks: Vec::new(),
    });
    let rp = Arc::new(rp);
    let server = ServerTask::serve(listener, crate::server::router(rp.clone()));
    let mut running = RunningRp {
        addr,
        rp: rp.clone(),
        trust_marks: Vec::new(),
        warnings: Vec::new(),
        server,
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| RpError::Internal(e.to_string()))?;
    let mut req = http
        .post(&fed.onboard)
        .json(&serde_json::json!({ "entity_id": client_id }));
    if let Some(t) = &config.admin_token {
        req = req.bearer_auth(t);
    }
    let transport = |source| AppError::OnboardTransport {
        url: fed.onboard.clone(),
        source,
    };
    let answer = async {
        let r = req.send().await.map_err(transport)?;
        let status = r.status().as_u16();
        let body = r.text().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(AppError::Onboard {
                url: fed.onboard.clone(),
                status,
                body: body.chars().take(600).collect(),
            });
        }
        serde_json::from_str::<OnboardAnswer>(&body).map_err(|e| AppError::Onboard {
            url: fed.onboard.clone(),
            status,
            body: format!("not an on-boarding report: {e}"),
        })
    }
    .await;
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            running.shutdown().await;
            return Err(e);
        }
    };
    rp.set_placement(Placement {
        authority_hints: vec![answer.superior],
        trust_marks: answer.trust_marks.clone(),
    });
    running.trust_marks = answer.trust_marks;
    running.warnings = refused_warnings;
    running.warnings.extend(answer.warnings);
    Ok(running)
}
