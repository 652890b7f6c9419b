//! SP metadata checks (spid-sp-test's strict and extra metadata sets, Avviso 29 v3 as applied in
//! RT metadata.rst, and the SP certificate rules of Avviso 29 v3): one table of checks
//! ([`checks::METADATA_CHECKS`]), each with a stable id, a severity, its rule and a fix, run over
//! a metadata document for one [`Profile`].

pub mod cert;
pub mod checks;

use super::check::{self, CheckInfo, Outcome};
use crate::report::Entry;
use cert::CertFacts;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::{Node, XmlDoc, XmlError};
use std::str::FromStr;

/// The kind of service provider the metadata describes (spid-sp-test's profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A public administration on SPID (`spid:Public`, `spid:IPACode`).
    SpidSpPublic,
    /// A private SPID SP (`spid:Private`, VAT number or fiscal code, billing contact).
    SpidSpPrivate,
    /// A public SP of CIE ID.
    CieSpPublic,
    /// A private SP of CIE ID.
    CieSpPrivate,
    /// A plain SAML 2.0 SP (the base checks only).
    Saml2Sp,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 5] = [
        Profile::SpidSpPublic,
        Profile::SpidSpPrivate,
        Profile::CieSpPublic,
        Profile::CieSpPrivate,
        Profile::Saml2Sp,
    ];

    /// The `--profile` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::SpidSpPublic => "spid-sp-public",
            Profile::SpidSpPrivate => "spid-sp-private",
            Profile::CieSpPublic => "cie-sp-public",
            Profile::CieSpPrivate => "cie-sp-private",
            Profile::Saml2Sp => "saml2-sp",
        }
    }

    /// SPID (not CIE, not plain SAML).
    pub fn is_spid(self) -> bool {
        matches!(self, Profile::SpidSpPublic | Profile::SpidSpPrivate)
    }

    /// CIE ("Entra con CIE").
    pub fn is_cie(self) -> bool {
        matches!(self, Profile::CieSpPublic | Profile::CieSpPrivate)
    }

    /// A public-sector profile.
    pub fn is_public(self) -> bool {
        matches!(self, Profile::SpidSpPublic | Profile::CieSpPublic)
    }

    /// A private-sector profile.
    pub fn is_private(self) -> bool {
        matches!(self, Profile::SpidSpPrivate | Profile::CieSpPrivate)
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--profile` value that names no profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile {0:?}: use spid-sp-public, spid-sp-private, cie-sp-public, cie-sp-private or saml2-sp")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}

/// Which profiles a check applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every profile (SAML 2.0 metadata rules).
    All,
    /// SPID and CIE profiles.
    SpidCie,
    /// SPID profiles.
    Spid,
    /// SPID public SPs.
    SpidPublic,
    /// SPID private SPs.
    SpidPrivate,
    /// CIE profiles ("Entra con CIE").
    Cie,
    /// CIE public SPs.
    CiePublic,
    /// CIE private SPs.
    CiePrivate,
}

impl Scope {
    /// Whether the check runs for `profile`.
    pub fn includes(self, profile: Profile) -> bool {
        match self {
            Scope::All => true,
            Scope::SpidCie => profile != Profile::Saml2Sp,
            Scope::Spid => profile.is_spid(),
            Scope::SpidPublic => profile == Profile::SpidSpPublic,
            Scope::SpidPrivate => profile == Profile::SpidSpPrivate,
            Scope::Cie => profile.is_cie(),
            Scope::CiePublic => profile == Profile::CieSpPublic,
            Scope::CiePrivate => profile == Profile::CieSpPrivate,
        }
    }
}

/// One row of the metadata check table.
#[derive(Debug, Clone, Copy)]
pub struct MetadataCheck {
    /// Id, severity, rule, fix.
    pub info: CheckInfo,
    /// The profiles it applies to.
    pub scope: Scope,
    /// Runs it.
    pub eval: fn(&Ctx<'_, '_>) -> Outcome,
}

/// What a check reads: the parsed document and facts derived once.
pub struct Ctx<'d, 'a> {
    /// The profile checked against.
    pub profile: Profile,
    /// The document element.
    pub root: Node<'d, 'a>,
    /// The `md:EntityDescriptor` (the root, or the only one inside an `EntitiesDescriptor`).
    pub entity: Node<'d, 'a>,
    /// The first `md:SPSSODescriptor`.
    pub sp: Option<Node<'d, 'a>>,
    /// The document (for signature verification).
    pub doc: &'d XmlDoc<'a>,
    /// The first signing certificate, read, or why it could not be.
    pub cert: Result<CertFacts, cert::CertError>,
    /// The instant certificate validity is judged at.
    pub now: time::OffsetDateTime,
    /// The metadata text.
    pub xml: &'a str,
}

impl<'d, 'a> Ctx<'d, 'a> {
    /// `md:` children of the SPSSODescriptor named `local` (none without one).
    pub fn sp_children(&self, local: &'static str) -> Vec<Node<'d, 'a>> {
        self.sp
            .map(|sp| sp.children(ns::METADATA, local).collect())
            .unwrap_or_default()
    }

    /// `md:ContactPerson` children of the entity with `contactType = kind`.
    pub fn contacts(&self, kind: &str) -> Vec<Node<'d, 'a>> {
        self.entity
            .children(ns::METADATA, "ContactPerson")
            .filter(|c| c.attr("contactType") == Some(kind))
            .collect()
    }

    /// The text of the first `md:Organization` child `local` in `xml:lang="it"` (or any).
    pub fn organization_text(&self, local: &'static str) -> Option<String> {
        let org = self.entity.child(ns::METADATA, "Organization")?;
        let items: Vec<Node<'_, '_>> = org.children(ns::METADATA, local).collect();
        items
            .iter()
            .find(|n| lang(n) == Some("it"))
            .or(items.first())
            .map(|n| n.text().trim().to_string())
    }
}

/// The `xml:lang` of an element.
pub fn lang<'d>(node: &Node<'d, '_>) -> Option<&'d str> {
    node.attr_ns("http://www.w3.org/XML/1998/namespace", "lang")
        .or_else(|| node.attr("xml:lang"))
}

/// Why metadata could not be checked at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// Not XML (or XML with a DTD, or too large).
    #[error("the metadata is not usable XML: {0}")]
    Xml(#[from] XmlError),
    /// No `md:EntityDescriptor` to check.
    #[error("the metadata has no md:EntityDescriptor (root element is {0:?})")]
    NoEntityDescriptor(String),
}

/// Every check that applies to `profile` (and is selected by `only`), with its outcome.
pub fn evaluate(
    xml: &str,
    profile: Profile,
    now: time::OffsetDateTime,
    only: &[String],
) -> Result<Vec<(&'static MetadataCheck, Outcome)>, MetadataError> {
    let doc = XmlDoc::parse(xml)?;
    let root = doc
        .root()
        .ok_or_else(|| MetadataError::NoEntityDescriptor(String::new()))?;
    let entity = if root.is(ns::METADATA, "EntityDescriptor") {
        root
    } else {
        let inner: Vec<_> = root.children(ns::METADATA, "EntityDescriptor").collect();
        match inner.as_slice() {
            [only_one] => *only_one,
            _ => return Err(MetadataError::NoEntityDescriptor(root.local_name().into())),
        }
    };
    let sp = entity.child(ns::METADATA, "SPSSODescriptor");
    let cert = cert::signing_cert_b64(sp)
        .ok_or(cert::CertError::Missing)
        .and_then(|b64| CertFacts::from_base64(&b64));
    let ctx = Ctx {
        profile,
        root,
        entity,
        sp,
        doc: &doc,
        cert,
        now,
        xml,
    };
    Ok(checks::METADATA_CHECKS
        .iter()
        .filter(|c| c.scope.includes(profile) && check::selected(c.info.id, only))
        .map(|c| (c, (c.eval)(&ctx)))
        .collect())
}

/// The metadata checks of `profile` over `xml`, as report entries (family `metadata`).
pub fn run(
    xml: &str,
    profile: Profile,
    now: time::OffsetDateTime,
    only: &[String],
) -> Result<Vec<Entry>, MetadataError> {
    Ok(evaluate(xml, profile, now, only)?
        .into_iter()
        .map(|(c, outcome)| check::entry(&c.info, "metadata", "", &outcome, None))
        .collect())
}

/// Whether `id` names a metadata check.
pub fn is_check(id: &str) -> bool {
    checks::METADATA_CHECKS.iter().any(|c| c.info.id == id)
}
