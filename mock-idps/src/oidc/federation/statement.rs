//! Entity statements (OpenID Federation 1.0, "Entity Statement"): entity configurations (iss = sub, self-signed)
//! and subordinate statements (a superior about a subordinate), their signing and decoding.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::policy::MetadataPolicy;
use super::trust_mark::TrustMarkRef;
use crate::oidc::jose::{jws, Header, JoseError, Jwks, JwsAlg, PrivateKey};

/// `typ` of an entity statement JWT (OpenID Federation 1.0, "Entity Statement").
pub const ENTITY_STATEMENT_TYP: &str = "entity-statement+jwt";
/// Content-Type of the well-known and fetch responses.
pub const ENTITY_STATEMENT_MEDIA_TYPE: &str = "application/entity-statement+jwt";
/// `typ` of a resolve response.
pub const RESOLVE_RESPONSE_TYP: &str = "resolve-response+jwt";
/// Content-Type of a resolve response.
pub const RESOLVE_RESPONSE_MEDIA_TYPE: &str = "application/resolve-response+jwt";
/// Where an entity publishes its configuration.
pub const WELL_KNOWN: &str = "/.well-known/openid-federation";

/// The algorithms federation statements are verified with (RS256 is what the Italian federation
/// uses; the rest of the SPID/CIE set is accepted).
pub const STATEMENT_ALGS: [JwsAlg; 6] = JwsAlg::SPID_CIE;

/// Constraints a superior puts on the chain below (OpenID Federation 1.0, "Constraints").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    /// Most intermediates allowed between the issuer of the constraint and the chain subject.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_path_length: Option<u32>,
    /// Entity types allowed below (besides `federation_entity`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub allowed_entity_types: Option<Vec<String>>,
    /// Other constraints, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The claims of an entity statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityStatement {
    /// Issuer entity id.
    pub iss: String,
    /// Subject entity id (= iss for an entity configuration).
    pub sub: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// The subject's federation keys.
    pub jwks: Jwks,
    /// Immediate superiors (entity configurations of non-anchors).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub authority_hints: Option<Vec<String>>,
    /// Metadata by entity type.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata: Option<Map<String, Value>>,
    /// Policy for the subject's metadata (subordinate statements).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata_policy: Option<MetadataPolicy>,
    /// Constraints on the chain.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub constraints: Option<Constraints>,
    /// The subject's trust marks (entity configurations).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub trust_marks: Option<Vec<TrustMarkRef>>,
    /// Who may issue each trust mark type (trust anchor configurations).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub trust_mark_issuers: Option<BTreeMap<String, Vec<String>>>,
    /// The fetch endpoint this statement came from (subordinate statements).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_endpoint: Option<String>,
    /// Critical claims that must be understood.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crit: Option<Vec<String>>,
    /// Critical policy operators that must be understood.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metadata_policy_crit: Option<Vec<String>>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EntityStatement {
    /// A statement with the required claims only.
    pub fn new(iss: &str, sub: &str, iat: i64, exp: i64, jwks: Jwks) -> Self {
        Self {
            iss: iss.to_owned(),
            sub: sub.to_owned(),
            iat,
            exp,
            jwks,
            authority_hints: None,
            metadata: None,
            metadata_policy: None,
            constraints: None,
            trust_marks: None,
            trust_mark_issuers: None,
            source_endpoint: None,
            crit: None,
            metadata_policy_crit: None,
            extra: Map::new(),
        }
    }

    /// Whether this is an entity configuration (iss = sub).
    pub fn is_configuration(&self) -> bool {
        self.iss == self.sub
    }

    /// `metadata.<entity_type>` as an object.
    pub fn metadata_of(&self, entity_type: &str) -> Option<&Map<String, Value>> {
        self.metadata.as_ref()?.get(entity_type)?.as_object()
    }

    /// A string member of `metadata.federation_entity`.
    pub fn federation_endpoint(&self, name: &str) -> Option<&str> {
        self.metadata_of("federation_entity")?.get(name)?.as_str()
    }

    /// Signs the statement as `typ: entity-statement+jwt` with RS256.
    pub fn sign(&self, key: &PrivateKey) -> Result<String, JoseError> {
        let mut header = Header::new(JwsAlg::RS256.name());
        header.typ = Some(ENTITY_STATEMENT_TYP.to_owned());
        let payload = serde_json::to_vec(self).map_err(JoseError::Serialize)?;
        jws::sign_with_header(key, JwsAlg::RS256, header, &payload)
    }
}

/// A statement decoded but not yet verified, with its JWT.
#[derive(Debug, Clone)]
pub struct DecodedStatement {
    /// The compact JWT.
    pub jwt: String,
    /// The header.
    pub header: Header,
    /// The claims.
    pub claims: EntityStatement,
    unverified: jws::Unverified,
}

impl DecodedStatement {
    /// Decodes a statement JWT (shape, header, claims), without checking the signature.
    pub fn decode(jwt: &str) -> Result<Self, JoseError> {
        let unverified = jws::decode_unverified(jwt)?;
        let claims: EntityStatement = unverified.claims()?;
        Ok(Self {
            jwt: jwt.trim().to_owned(),
            header: unverified.header.clone(),
            claims,
            unverified,
        })
    }

    /// The private-key members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) published in the
    /// statement's `jwks`, as `kid.member`: a statement must carry public keys only (RFC 7517
    /// §9.2 on private keys; RFC 7518 §6.3.2 names the RSA private members).
    pub fn private_key_members(&self) -> Vec<String> {
        let raw: Value = serde_json::from_slice(&self.unverified.payload).unwrap_or(Value::Null);
        let mut out = Vec::new();
        for key in raw["jwks"]["keys"].as_array().into_iter().flatten() {
            for m in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
                if key.get(m).is_some() {
                    out.push(format!("{}.{m}", key["kid"].as_str().unwrap_or("?")));
                }
            }
        }
        out
    }

    /// Verifies the signature with `jwks`.
    pub fn verify_with(&self, jwks: &Jwks) -> Result<(), JoseError> {
        jws::verify_decoded(self.unverified.clone(), jwks, &STATEMENT_ALGS).map(|_| ())
    }
}
