//! The SP certificate rules of Avviso 29 v3 (RT metadata.rst; docs/rules/spid-saml.md#sp-metadata): the facts read
//! once from the metadata's signing certificate with `x509-parser`, and the checks over them.

use super::{Ctx, Profile};
use crate::conformance::check::{shown, Outcome};
use base64::Engine;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::Node;
use x509_parser::prelude::*;

/// commonName.
pub const OID_CN: &str = "2.5.4.3";
/// organizationName.
pub const OID_O: &str = "2.5.4.10";
/// uri (must equal the entityID).
pub const OID_URI: &str = "2.5.4.83";
/// organizationIdentifier.
pub const OID_ORG_ID: &str = "2.5.4.97";
/// countryName.
pub const OID_C: &str = "2.5.4.6";
/// localityName.
pub const OID_L: &str = "2.5.4.7";
/// agIDcert policy (Avviso 29 v3).
pub const POLICY_AGID_CERT: &str = "1.3.76.16.6";
/// spid-publicsector-SP policy.
pub const POLICY_PUBLIC_SP: &str = "1.3.76.16.4.2.1";
/// spid-privatesector-SP policy.
pub const POLICY_PRIVATE_SP: &str = "1.3.76.16.4.3.1";

/// Subject attributes Avviso 29 v3 requires, with their names.
pub const REQUIRED_SUBJECT: &[(&str, &str)] = &[
    (OID_CN, "commonName"),
    (OID_O, "organizationName"),
    (OID_URI, "uri"),
    (OID_ORG_ID, "organizationIdentifier"),
    (OID_C, "countryName"),
    (OID_L, "localityName"),
];

/// Subject attributes Avviso 29 v3 forbids (personal data), with their names.
pub const FORBIDDEN_SUBJECT: &[(&str, &str)] = &[
    ("2.5.4.41", "name"),
    ("2.5.4.4", "surname"),
    ("2.5.4.42", "givenName"),
    ("2.5.4.43", "initials"),
    ("2.5.4.65", "pseudonym"),
];

/// Certificate signature algorithms with SHA-256 or stronger (RSA, RSA-PSS, ECDSA).
const STRONG_SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
    "1.2.840.113549.1.1.10",
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
];

/// What the checks need from the signing certificate.
#[derive(Debug, Clone)]
pub struct CertFacts {
    /// `rsa`, `ec` or the key algorithm OID.
    pub key_type: String,
    /// Key size in bits (RSA modulus; EC field size).
    pub key_bits: usize,
    /// The certificate's signature algorithm OID.
    pub signature_oid: String,
    /// Subject attributes: (OID, value).
    pub subject: Vec<(String, String)>,
    /// certificatePolicies OIDs.
    pub policies: Vec<String>,
    /// keyUsage: (critical, digitalSignature, nonRepudiation, any other bit), if present.
    pub key_usage: Option<(bool, bool, bool, bool)>,
    /// basicConstraints CA flag, if present.
    pub ca: Option<bool>,
    /// Validity start.
    pub not_before: ::time::OffsetDateTime,
    /// Validity end.
    pub not_after: ::time::OffsetDateTime,
}

/// Why the signing certificate of a metadata document could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// No signing `md:KeyDescriptor` has a `ds:X509Certificate`.
    #[error("no signing KeyDescriptor carries an X509Certificate")]
    Missing,
    /// The element's text is not base64.
    #[error("the X509Certificate is not base64")]
    Base64(#[source] base64::DecodeError),
    /// The bytes are not a DER X.509 certificate.
    #[error("the X509Certificate is not an X.509 certificate")]
    X509(#[source] x509_parser::nom::Err<X509Error>),
    /// A validity date does not fit an instant.
    #[error("a validity date is out of range")]
    Validity(#[source] ::time::error::ComponentRange),
}

impl CertError {
    /// One line for a check's outcome: the error and, in parentheses, its cause.
    pub fn explain(&self) -> String {
        match std::error::Error::source(self) {
            Some(cause) => format!("{self} ({cause})"),
            None => self.to_string(),
        }
    }
}

impl CertFacts {
    /// Reads a `ds:X509Certificate` body.
    pub fn from_base64(b64: &str) -> Result<Self, CertError> {
        let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(clean)
            .map_err(CertError::Base64)?;
        Self::from_der(&der)
    }

    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let (_, cert) = parse_x509_certificate(der).map_err(CertError::X509)?;
        let (key_type, key_bits) = match cert.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => ("rsa".to_string(), rsa.key_size()),
            Ok(x509_parser::public_key::PublicKey::EC(ec)) => ("ec".to_string(), ec.key_size()),
            _ => (cert.public_key().algorithm.algorithm.to_id_string(), 0),
        };
        let subject = cert
            .subject()
            .iter_attributes()
            .map(|a| {
                (
                    a.attr_type().to_id_string(),
                    a.as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let mut policies = Vec::new();
        let mut key_usage = None;
        let mut ca = None;
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::CertificatePolicies(ps) => {
                    policies.extend(ps.iter().map(|p| p.policy_id.to_id_string()));
                }
                ParsedExtension::KeyUsage(ku) => {
                    let others = ku.flags & !(0b11);
                    key_usage = Some((
                        ext.critical,
                        ku.digital_signature(),
                        ku.non_repudiation(),
                        others != 0,
                    ));
                }
                ParsedExtension::BasicConstraints(bc) => ca = Some(bc.ca),
                _ => {}
            }
        }
        let instant = |t: ASN1Time| {
            ::time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(CertError::Validity)
        };
        Ok(Self {
            key_type,
            key_bits,
            signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
            subject,
            policies,
            key_usage,
            ca,
            not_before: instant(cert.validity().not_before)?,
            not_after: instant(cert.validity().not_after)?,
        })
    }

    /// The names of the `attributes` (OID, name) whose subject value (if any) `pick` takes.
    fn subject_names(
        &self,
        attributes: &[(&str, &'static str)],
        pick: impl Fn(Option<&str>) -> bool,
    ) -> Vec<&'static str> {
        attributes
            .iter()
            .filter(|(oid, _)| pick(self.subject_value(oid)))
            .map(|(_, name)| *name)
            .collect()
    }

    /// The subject's value of `oid`, if present.
    pub fn subject_value(&self, oid: &str) -> Option<&str> {
        self.subject
            .iter()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v.as_str())
    }
}

/// The base64 body of the first signing certificate (`KeyDescriptor use="signing"` or without
/// `use`) of `sp`.
pub fn signing_cert_b64(sp: Option<Node<'_, '_>>) -> Option<String> {
    sp?.children(ns::METADATA, "KeyDescriptor")
        .filter(|kd| kd.attr("use").is_none_or(|u| u == "signing"))
        .find_map(|kd| {
            kd.child(ns::DSIG, "KeyInfo")?
                .child(ns::DSIG, "X509Data")?
                .child(ns::DSIG, "X509Certificate")
                .map(|c| c.text())
        })
}

/// Runs `f` on the certificate facts, or fails with why there are none.
fn with_cert(ctx: &Ctx<'_, '_>, f: impl FnOnce(&CertFacts) -> Outcome) -> Outcome {
    match &ctx.cert {
        Ok(c) => f(c),
        Err(e) => Outcome::Fail(format!("no readable signing certificate: {}", e.explain())),
    }
}

/// `cert-parse`.
pub fn parse(ctx: &Ctx<'_, '_>) -> Outcome {
    match &ctx.cert {
        Ok(_) => Outcome::Pass,
        Err(e) => Outcome::Fail(e.explain()),
    }
}

/// `cert-key-size`: RSA of at least 2048 bits (EC of at least 256).
pub fn key_size(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        let ok = match c.key_type.as_str() {
            "rsa" => c.key_bits >= 2048,
            "ec" => c.key_bits >= 256,
            _ => false,
        };
        Outcome::check(ok, || {
            format!("the key is {} of {} bits", c.key_type, c.key_bits)
        })
    })
}

/// `cert-signature-hash`: SHA-256 or stronger.
pub fn signature_hash(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        Outcome::check(
            STRONG_SIGNATURES.contains(&c.signature_oid.as_str()),
            || {
                format!(
                    "the certificate is signed with algorithm {}",
                    c.signature_oid
                )
            },
        )
    })
}

/// `cert-subject-required`.
pub fn subject_required(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        let missing = c.subject_names(REQUIRED_SUBJECT, |v| v.is_none_or(|v| v.trim().is_empty()));
        Outcome::check(missing.is_empty(), || {
            format!("the subject lacks {}", missing.join(", "))
        })
    })
}

/// `cert-subject-forbidden`.
pub fn subject_forbidden(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        let present = c.subject_names(FORBIDDEN_SUBJECT, |v| v.is_some());
        Outcome::check(present.is_empty(), || {
            format!("the subject carries {}", present.join(", "))
        })
    })
}

/// `cert-organization-identifier`: `PA:IT-<ipa>` for public SPs; `VATIT-<11 digits>` or
/// `CF:IT-<16 alnum>` for private ones (SCC validator regexes).
pub fn organization_identifier(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        let Some(v) = c.subject_value(OID_ORG_ID) else {
            return Outcome::Fail("the subject has no organizationIdentifier".into());
        };
        let public_ok = v
            .strip_prefix("PA:IT-")
            .is_some_and(|ipa| (1..=16).contains(&ipa.len()) && !ipa.contains(char::is_whitespace));
        let private_ok = v
            .strip_prefix("VATIT-")
            .is_some_and(|n| n.len() == 11 && n.chars().all(|c| c.is_ascii_digit()))
            || v.strip_prefix("CF:IT-")
                .is_some_and(|n| n.len() == 16 && n.chars().all(|c| c.is_ascii_alphanumeric()));
        let ok = if ctx.profile.is_private() {
            private_ok
        } else {
            public_ok
        };
        Outcome::check(ok, || format!("organizationIdentifier is {v:?}"))
    })
}

/// `cert-uri-entity-id`.
pub fn uri_entity_id(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        let entity_id = ctx.entity.attr("entityID").unwrap_or_default();
        match c.subject_value(OID_URI) {
            Some(uri) if uri == entity_id => Outcome::Pass,
            Some(uri) => Outcome::Fail(format!(
                "the certificate uri is {uri:?}, the entityID {entity_id:?}"
            )),
            None => Outcome::Fail("the subject has no uri".into()),
        }
    })
}

fn subject_equals(ctx: &Ctx<'_, '_>, oid: &str, what: &str, element: &'static str) -> Outcome {
    with_cert(ctx, |c| {
        let expected = ctx.organization_text(element);
        match (c.subject_value(oid), expected) {
            (Some(v), Some(e)) if v == e => Outcome::Pass,
            (v, e) => Outcome::Fail(format!(
                "the certificate {what} is {}, the metadata {element} is {}",
                shown(&v),
                shown(&e)
            )),
        }
    })
}

/// `cert-organization-name`: O = OrganizationName.
pub fn organization_name(ctx: &Ctx<'_, '_>) -> Outcome {
    subject_equals(ctx, OID_O, "organizationName", "OrganizationName")
}

/// `cert-common-name`: CN = OrganizationDisplayName.
pub fn common_name(ctx: &Ctx<'_, '_>) -> Outcome {
    subject_equals(ctx, OID_CN, "commonName", "OrganizationDisplayName")
}

/// `cert-policy-agid`.
pub fn policy_agid(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        Outcome::check(c.policies.iter().any(|p| p == POLICY_AGID_CERT), || {
            format!("certificatePolicies are {:?}", c.policies)
        })
    })
}

/// `cert-policy-sector`.
pub fn policy_sector(ctx: &Ctx<'_, '_>) -> Outcome {
    let wanted = if ctx.profile == Profile::SpidSpPrivate {
        POLICY_PRIVATE_SP
    } else {
        POLICY_PUBLIC_SP
    };
    with_cert(ctx, |c| {
        Outcome::check(c.policies.iter().any(|p| p == wanted), || {
            format!("certificatePolicies are {:?}, without {wanted}", c.policies)
        })
    })
}

/// `cert-key-usage`: critical, digitalSignature + nonRepudiation, nothing else.
pub fn key_usage(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        match c.key_usage {
        Some((true, true, true, false)) => Outcome::Pass,
        Some((critical, ds, nr, other)) => Outcome::Fail(format!(
            "keyUsage critical={critical}, digitalSignature={ds}, nonRepudiation={nr}, other bits={other}"
        )),
        None => Outcome::Fail("the certificate has no keyUsage".into()),
    }
    })
}

/// `cert-basic-constraints`: not a CA.
pub fn basic_constraints(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        Outcome::check(c.ca != Some(true), || {
            "basicConstraints says CA:TRUE".into()
        })
    })
}

/// `cert-validity`: valid now.
pub fn validity(ctx: &Ctx<'_, '_>) -> Outcome {
    with_cert(ctx, |c| {
        Outcome::check(c.not_before <= ctx.now && ctx.now < c.not_after, || {
            format!(
                "the certificate is valid from {} to {}, not at {}",
                c.not_before, c.not_after, ctx.now
            )
        })
    })
}
