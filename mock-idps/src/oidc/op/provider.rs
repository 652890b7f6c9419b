//! The OpenID Providers as built at start: one per provider row with an `oidc` table, each
//! with its issuer, endpoints, keys and `openid_provider` metadata
//! (spid-cie-oidc-docs docs/en/metadata_oidc_op.rst).

use super::profile::OidcProfile;
use super::registry::RpResolver;
use crate::fixtures::FixtureSource;
use crate::oidc::jose::{Jwks, JwsAlg, PrivateKey};
use crate::oidc::keys::KeyRole;
use crate::spid::level::Level;
use crate::spid::provider::Provider;
use serde_json::{json, Value};
use std::sync::Arc;
use time::Duration;

/// Why the OPs could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpBuildError {
    /// A fixture key is missing or not usable for JOSE.
    #[error("OP {op}: {source}")]
    Key {
        /// The OP.
        op: String,
        /// Why.
        #[source]
        source: crate::oidc::keys::KeyFixtureError,
    },
}

/// One OpenID Provider.
#[derive(Debug, Clone)]
pub struct OpRuntime {
    /// The provider row.
    pub provider: Provider,
    /// Its profile.
    pub profile: &'static OidcProfile,
    /// The levels it offers.
    pub levels: Vec<Level>,
    /// Its issuer and entity ID.
    pub issuer: String,
    /// The OIDC-core signing key (ID tokens, access tokens, userinfo), RS256
    /// (`fixtures/oidc/keys/<id>.signing.key.pem`).
    pub core_key: PrivateKey,
    /// The federation key (its entity configuration), apart from the core one
    /// (entity_configuration.rst: federation keys SHOULD differ from OIDC-core keys).
    pub federation_key: PrivateKey,
}

/// The algorithms the OPs accept on what RPs sign (cryptographic_algos.rst: RS256, RS512 MUST;
/// ES256, PS256 RECOMMENDED; never none or HS*).
pub const ACCEPTED_SIGNATURES: [JwsAlg; 4] =
    [JwsAlg::RS256, JwsAlg::RS512, JwsAlg::PS256, JwsAlg::ES256];

impl OpRuntime {
    /// An endpoint URL under the issuer.
    pub fn endpoint(&self, name: &str) -> String {
        format!("{}/{name}", self.issuer)
    }

    /// The authorization endpoint.
    pub fn authorization_endpoint(&self) -> String {
        self.endpoint("authorization")
    }

    /// The token endpoint.
    pub fn token_endpoint(&self) -> String {
        self.endpoint("token")
    }

    /// The userinfo endpoint.
    pub fn userinfo_endpoint(&self) -> String {
        self.endpoint("userinfo")
    }

    /// The revocation endpoint.
    pub fn revocation_endpoint(&self) -> String {
        self.endpoint("revocation")
    }

    /// The introspection endpoint.
    pub fn introspection_endpoint(&self) -> String {
        self.endpoint("introspection")
    }

    /// The entity configuration URL.
    pub fn entity_configuration_url(&self) -> String {
        format!("{}/.well-known/openid-federation", self.issuer)
    }

    /// The OIDC-core public keys.
    pub fn core_jwks(&self) -> Jwks {
        Jwks::new(vec![self.core_key.public_jwk().clone()])
    }

    /// The federation public keys.
    pub fn federation_jwks(&self) -> Jwks {
        Jwks::new(vec![self.federation_key.public_jwk().clone()])
    }

    /// The `openid_provider` metadata.
    pub fn openid_provider_metadata(&self) -> Value {
        let mut scopes = vec!["openid"];
        scopes.extend(self.profile.scopes);
        let mut claims: Vec<&str> = super::claims::CLAIM_ATTRIBUTES
            .iter()
            .map(|(c, _)| *c)
            .collect();
        claims.push("email_verified");
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": self.authorization_endpoint(),
            "token_endpoint": self.token_endpoint(),
            "userinfo_endpoint": self.userinfo_endpoint(),
            "introspection_endpoint": self.introspection_endpoint(),
            "revocation_endpoint": self.revocation_endpoint(),
            "jwks": self.core_jwks(),
            "scopes_supported": scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "acr_values_supported": self.levels.iter().map(|l| l.uri()).collect::<Vec<_>>(),
            "subject_types_supported": ["pairwise"],
            "claims_supported": claims,
            "claims_parameter_supported": true,
            "request_parameter_supported": true,
            "request_uri_parameter_supported": false,
            "require_request_uri_registration": false,
            "request_object_signing_alg_values_supported": ACCEPTED_SIGNATURES.map(JwsAlg::name),
            "id_token_signing_alg_values_supported": ["RS256", "RS512"],
            "id_token_encryption_alg_values_supported": ["RSA-OAEP", "RSA-OAEP-256"],
            "id_token_encryption_enc_values_supported": ["A128CBC-HS256", "A256CBC-HS512"],
            "userinfo_signing_alg_values_supported": ["RS256", "RS512"],
            "userinfo_encryption_alg_values_supported": ["RSA-OAEP", "RSA-OAEP-256"],
            "userinfo_encryption_enc_values_supported": ["A128CBC-HS256", "A256CBC-HS512"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ACCEPTED_SIGNATURES.map(JwsAlg::name),
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["consent", "login"],
            "client_registration_types_supported": ["automatic"],
            "request_authentication_methods_supported": { "authorization_endpoint": ["request_object"] },
            "display_values_supported": ["page"],
        })
    }

    /// The `federation_entity` metadata.
    pub fn federation_entity_metadata(&self) -> Value {
        json!({
            "organization_name": self.provider.organization,
            "homepage_uri": self.provider.organization_url,
            "policy_uri": format!("{}/policy", self.issuer),
            "logo_uri": format!("{}/logo.svg", self.issuer),
            "contacts": [format!("ops@pec.{}.example.it", self.provider.id)],
        })
    }
}

/// Every OP, and how RPs are registered.
#[derive(Debug, Clone)]
pub struct OpSet {
    /// The OPs, SPID first then CIE.
    pub ops: Vec<Arc<OpRuntime>>,
    /// Automatic registration.
    pub resolver: Arc<dyn RpResolver>,
    /// How far the RP's `iat`/`exp` may be from the OP clock.
    pub skew: Duration,
    /// Longest lifetime an RP's client assertion may claim (exp − now).
    pub max_assertion_lifetime: Duration,
}

impl OpSet {
    /// Builds an OP for every row of `providers` (SPID and CIE) with an `oidc` table, on the
    /// rows' OIDC fixture keys.
    pub fn build<'a>(
        providers: impl IntoIterator<Item = &'a Provider>,
        source: &FixtureSource,
        base_url: &str,
        resolver: Arc<dyn RpResolver>,
    ) -> Result<Self, OpBuildError> {
        let mut ops = Vec::new();
        for p in providers {
            let Some(o) = &p.oidc else { continue };
            let key = |role| {
                crate::oidc::keys::load(source, &p.id, role).map_err(|source| OpBuildError::Key {
                    op: p.id.clone(),
                    source,
                })
            };
            let core_key = key(KeyRole::Signing)?;
            let federation_key = key(KeyRole::Federation)?;
            ops.push(Arc::new(OpRuntime {
                provider: p.clone(),
                profile: OidcProfile::of(o.profile),
                levels: o.levels.clone(),
                issuer: format!("{}{}", base_url.trim_end_matches('/'), o.path),
                core_key,
                federation_key,
            }));
        }
        Ok(Self {
            ops,
            resolver,
            skew: Duration::minutes(2),
            // Authlib signs its assertions for an hour; a jti is remembered longer than that.
            max_assertion_lifetime: Duration::hours(1),
        })
    }

    /// An OP by provider id.
    pub fn op(&self, id: &str) -> Option<&Arc<OpRuntime>> {
        self.ops.iter().find(|o| o.provider.id == id)
    }
}
