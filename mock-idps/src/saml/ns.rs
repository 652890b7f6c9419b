//! Namespace and URI constants of SAML 2.0, XML-DSig and the SPID profile.

/// SAML 2.0 protocol namespace (`samlp:`).
pub const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace (`saml:`).
pub const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 metadata namespace (`md:`).
pub const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML-DSig namespace (`ds:`).
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML Schema namespace (`xs:`).
pub const XS: &str = "http://www.w3.org/2001/XMLSchema";
/// XML Schema instance namespace (`xsi:`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// SPID SAML extensions namespace (`spid:`), used by `spid:Purpose` and SP metadata contacts.
pub const SPID: &str = "https://spid.gov.it/saml-extensions";

/// HTTP-Redirect binding URI.
pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// HTTP-POST binding URI.
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// SOAP binding URI (no SPID IdP exposes it).
pub const BINDING_SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

/// NameID format for entities (Issuer).
pub const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
/// NameID format for transient identifiers (SPID Subject).
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
/// Bearer subject confirmation method.
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Attribute NameFormat `basic`, the one SPID uses.
pub const ATTRNAME_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

/// Exclusive canonicalization without comments.
pub const C14N_EXCLUSIVE: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Enveloped-signature transform.
pub const TRANSFORM_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// SHA-256 digest method.
pub const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// RSA PKCS#1 v1.5 with SHA-256 signature method.
pub const SIG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// Status: success.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Status: the requester is at fault.
pub const STATUS_REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";
/// Status: the responder is at fault.
pub const STATUS_RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";
/// Status: wrong SAML version.
pub const STATUS_VERSION_MISMATCH: &str = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch";

/// Prefix of every SPID level URI (`…SpidL1`, `…SpidL2`, `…SpidL3`).
pub const SPID_LEVEL_PREFIX: &str = "https://www.spid.gov.it/SpidL";
