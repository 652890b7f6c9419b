//! The options of `check --oidc` that name an RP we did not write (flattened into
//! [`super::check::CheckOpts`]; read by [`super::check_oidc`]).

use clap::Args;

/// Where the RP under test publishes itself and how the run reaches it.
#[derive(Debug, Args)]
pub struct OidcRpArgs {
    /// With --oidc: the RP's entity ID; its entity configuration is fetched from
    /// ENTITY_ID/.well-known/openid-federation (instead of --against-reference).
    #[arg(long = "entity-id", value_name = "URL")]
    pub entity_id: Option<String>,
    /// With --oidc: the RP's entity configuration (a JWT) from a file, instead of --entity-id.
    #[arg(long = "entity-configuration", value_name = "FILE")]
    pub entity_configuration: Option<std::path::PathBuf>,
    /// With --oidc: where a POST refreshes the logged-in session's tokens (2xx when the
    /// refreshed ID token is accepted); without it the refresh cases are skipped.
    #[arg(long = "refresh-url", value_name = "URL")]
    pub refresh_url: Option<String>,
    /// With --oidc against an RP: write what the RP must trust (the anchor's entity ID and
    /// jwks, the OPs' entity IDs, the trust mark and on-boarding endpoints) to FILE as JSON.
    #[arg(long = "write-trust-anchor", value_name = "FILE")]
    pub write_trust_anchor: Option<std::path::PathBuf>,
    /// With --oidc against an RP: where the mock federation listens (a fixed port lets the RP
    /// be configured before the run).
    #[arg(
        long = "federation-bind",
        value_name = "ADDR",
        default_value = "127.0.0.1:0"
    )]
    pub federation_bind: std::net::SocketAddr,
    /// With --oidc against an RP: how long to wait for its entity configuration to answer
    /// (e.g. while it starts after reading --write-trust-anchor); 0: one try.
    #[arg(long = "rp-wait", value_name = "SECS", default_value_t = 0)]
    pub rp_wait: u64,
}
