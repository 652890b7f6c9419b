//! OpenID Connect for the mocks: the JOSE layer, the embedded OIDC keys, and the local OpenID
//! Federation the OpenID Providers and relying parties live in.
//!
//! # API
//!
//! **[`jose`]** (typed JOSE on aws-lc-rs; see its module doc for why not a crate)
//! - [`jose::PrivateKey`]: `generate_rsa(bits)`, `generate_ec(curve)`, `from_pkcs8_der/pem`,
//!   `public_jwk()`, `kid()` (RFC 7638 thumbprint), `with_kid`, `with_use`.
//! - [`jose::Jwk`], [`jose::Jwks`] (`find(kid)`), [`jose::Jwk::thumbprint`].
//! - [`jose::jws`]: `sign`, `sign_claims`, `sign_with_header`, `verify(token, jwks, allowed)`,
//!   `decode_unverified`, `verify_decoded`.
//! - [`jose::jwe`]: `encrypt`, `encrypt_with_header`, `decrypt(token, keys, algs, encs)`,
//!   `sign_then_encrypt`, `decrypt_then_verify` (nested, `cty: JWT`), `encrypt_content` /
//!   `decrypt_content` (RFC 7518 §5 primitives).
//! - [`jose::craft`]: `unsigned` (`alg: none`), `hs256`, `hs256_with_public_key` (alg
//!   confusion), `signed_with_header`, `wrong_kid`, `corrupt_signature`, `replace_payload`,
//!   `jwe_rsa1_5`, `jwe_with_forged_header`.
//! - [`jose::JwsAlg`] (RS/PS/ES 256–512), [`jose::KeyAlg`] (RSA-OAEP, RSA-OAEP-256),
//!   [`jose::ContentEnc`] (A128CBC-HS256, A256CBC-HS512, A128GCM, A256GCM), [`jose::JoseError`].
//!
//! **[`keys`]**: `load(fixtures, entity, KeyRole::{Federation, Signing, Encryption})` for every
//! federation entity, SPID/CIE provider id and test RP (`fixtures/oidc/keys/`).
//!
//! **[`federation`]**
//! - Types: [`federation::EntityStatement`] (`sign`), [`federation::DecodedStatement`],
//!   [`federation::TrustMarkRef`] / [`federation::TrustMarkClaims`] (both namings,
//!   [`federation::TrustMarkNaming`]), [`federation::MetadataPolicy`] with
//!   [`federation::policy::merge`] / [`federation::policy::apply_all`].
//! - [`federation::LocalFederation`]: the trust anchor, intermediate, deep intermediate and
//!   trust-mark issuer. `trust_anchor_id()`, `trust_anchor_jwks()`, `trust_mark_type(entity_type)`,
//!   `register_local(id, superior, jwks, entity_types, source)` (OPs), `leaf_configuration(id,
//!   key, metadata)` (builds a leaf's EC with its authority hint and trust marks),
//!   `issue_trust_mark`, `revoke_trust_mark`, `trust_marks_for`, `onboard(OnboardRequest)`,
//!   fault setters `set_expired_statement`, `set_superior`, `remove_trust_marks`, `set_naming`,
//!   and `resolver()`.
//! - [`federation::TrustChainResolver`]: `resolve(&ResolveRequest)` → [`federation::TrustChain`]
//!   (resolved `metadata`, `jwks_of(entity_type)`, `trust_marks`, `exp`), cached until `exp`;
//!   errors [`federation::ChainError`] with `code()` → [`federation::FederationErrorCode`].
//! - [`federation::testing`]: in-process RPs, `onboard_rp(fed, fixtures, key_name, entity_id,
//!   metadata, RpSetup)` with `RpSetup::{valid, expired_statement, past_max_path_length,
//!   without_trust_mark, with_trust_mark(fault)}`: what an OP must accept or refuse.
//! - [`federation::routes`]: the HTTP endpoints and `POST /admin/oidc/rps`, mounted by
//!   [`crate::MockFederation`] (`MockFederation::oidc_federation()`; `urls().oidc_federation`).

pub mod federation;
pub mod jose;
pub mod keys;
/// The SPID and CIE OpenID Providers: authorization, token, userinfo, revocation, introspection.
pub mod op;
