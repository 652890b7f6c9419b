//! A service provider's metadata, as the IdP needs it: entityID, signing certificates, ACS list
//! with indexes and default, AttributeConsumingService list, SingleLogoutService endpoints.

use super::keys::{KeyError, TrustedCert};
use super::ns;
use super::xml_read::{XmlDoc, XmlError};

/// An indexed endpoint (`AssertionConsumerService`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedEndpoint {
    /// `index`.
    pub index: u32,
    /// `Binding`.
    pub binding: String,
    /// `Location`.
    pub location: String,
    /// `isDefault="true"`.
    pub is_default: bool,
}

/// A `SingleLogoutService` endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SloEndpoint {
    /// `Binding`.
    pub binding: String,
    /// `Location`.
    pub location: String,
    /// `ResponseLocation`, where LogoutResponses go if set.
    pub response_location: Option<String>,
}

/// An `AttributeConsumingService`: the attributes the SP wants for one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeService {
    /// `index`.
    pub index: u32,
    /// `ServiceName` text.
    pub service_name: String,
    /// `RequestedAttribute/@Name` values.
    pub attributes: Vec<String>,
}

/// Parsed SP metadata.
#[derive(Debug, Clone)]
pub struct SpMetadata {
    /// `entityID`.
    pub entity_id: String,
    /// Certificates of `KeyDescriptor use="signing"` (or without `use`).
    pub signing_certs: Vec<TrustedCert>,
    /// Assertion consumer services.
    pub acs: Vec<IndexedEndpoint>,
    /// Attribute consuming services.
    pub attribute_services: Vec<AttributeService>,
    /// Single logout services.
    pub slo: Vec<SloEndpoint>,
    /// `OrganizationDisplayName` (first), shown on the consent page.
    pub display_name: Option<String>,
    /// The XML as given.
    pub xml: String,
}

/// Why SP metadata is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpMetadataError {
    /// Not XML we accept.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The root is not an `md:EntityDescriptor`.
    #[error(
        "the root element is not md:EntityDescriptor (an SP's metadata must have exactly one)"
    )]
    NotEntityDescriptor,
    /// `entityID` missing or empty.
    #[error("md:EntityDescriptor has no entityID")]
    NoEntityId,
    /// No `SPSSODescriptor`.
    #[error("there is no md:SPSSODescriptor: is this an IdP's metadata?")]
    NoSpDescriptor,
    /// No usable signing certificate.
    #[error("no KeyDescriptor with use=\"signing\" carries an X509Certificate")]
    NoSigningCert,
    /// A certificate does not parse.
    #[error("a signing certificate cannot be read: {0}")]
    Cert(#[from] KeyError),
    /// No ACS.
    #[error("there is no md:AssertionConsumerService")]
    NoAcs,
    /// The registry of SPs is full (entries or bytes).
    #[error("{0}: replace a registered SP (same entityID) or restart the mocks")]
    RegistryFull(String),
    /// An `index` that is not an unsigned integer.
    #[error("{element} has index {value:?}, which is not an unsigned integer")]
    BadIndex {
        /// Which element.
        element: &'static str,
        /// The value found.
        value: String,
    },
}

impl SpMetadata {
    /// Parses SP metadata.
    pub fn parse(xml: &str) -> Result<Self, SpMetadataError> {
        let doc = XmlDoc::parse(xml)?;
        let root = doc.root().ok_or(SpMetadataError::NotEntityDescriptor)?;
        if !root.is(ns::METADATA, "EntityDescriptor") {
            return Err(SpMetadataError::NotEntityDescriptor);
        }
        let entity_id = root
            .attr("entityID")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(SpMetadataError::NoEntityId)?
            .to_string();
        let sp = root
            .child(ns::METADATA, "SPSSODescriptor")
            .ok_or(SpMetadataError::NoSpDescriptor)?;
        let mut signing_certs = Vec::new();
        for kd in sp.children(ns::METADATA, "KeyDescriptor") {
            if kd.attr("use").is_some_and(|u| u != "signing") {
                continue;
            }
            for cert in kd.descendants(ns::DSIG, "X509Certificate") {
                signing_certs.push(TrustedCert::from_base64(&cert.text())?);
            }
        }
        if signing_certs.is_empty() {
            return Err(SpMetadataError::NoSigningCert);
        }
        let index = |element: &'static str, v: Option<&str>| -> Result<u32, SpMetadataError> {
            let v = v.unwrap_or("");
            v.trim().parse().map_err(|_| SpMetadataError::BadIndex {
                element,
                value: v.to_string(),
            })
        };
        let mut acs = Vec::new();
        for a in sp.children(ns::METADATA, "AssertionConsumerService") {
            acs.push(IndexedEndpoint {
                index: index("AssertionConsumerService", a.attr("index"))?,
                binding: a.attr("Binding").unwrap_or("").to_string(),
                location: a.attr("Location").unwrap_or("").to_string(),
                is_default: matches!(a.attr("isDefault"), Some("true" | "1")),
            });
        }
        if acs.is_empty() {
            return Err(SpMetadataError::NoAcs);
        }
        let mut attribute_services = Vec::new();
        for s in sp.children(ns::METADATA, "AttributeConsumingService") {
            attribute_services.push(AttributeService {
                index: index("AttributeConsumingService", s.attr("index"))?,
                service_name: s
                    .child(ns::METADATA, "ServiceName")
                    .map(|n| n.text())
                    .unwrap_or_default(),
                attributes: s
                    .children(ns::METADATA, "RequestedAttribute")
                    .filter_map(|r| r.attr("Name").map(str::to_string))
                    .collect(),
            });
        }
        let slo = sp
            .children(ns::METADATA, "SingleLogoutService")
            .map(|s| SloEndpoint {
                binding: s.attr("Binding").unwrap_or("").to_string(),
                location: s.attr("Location").unwrap_or("").to_string(),
                response_location: s.attr("ResponseLocation").map(str::to_string),
            })
            .collect();
        let display_name = root
            .child(ns::METADATA, "Organization")
            .and_then(|o| o.child(ns::METADATA, "OrganizationDisplayName"))
            .map(|n| n.text().trim().to_string());
        Ok(SpMetadata {
            entity_id,
            signing_certs,
            acs,
            attribute_services,
            slo,
            display_name,
            xml: xml.to_string(),
        })
    }

    /// The default ACS: the one with `isDefault="true"`, else index 0, else the first.
    pub fn default_acs(&self) -> &IndexedEndpoint {
        self.acs
            .iter()
            .find(|a| a.is_default)
            .or_else(|| self.acs.iter().find(|a| a.index == 0))
            .unwrap_or(&self.acs[0])
    }

    /// The ACS with `index`.
    pub fn acs_by_index(&self, index: u32) -> Option<&IndexedEndpoint> {
        self.acs.iter().find(|a| a.index == index)
    }

    /// The attribute service with `index`.
    pub fn attribute_service(&self, index: u32) -> Option<&AttributeService> {
        self.attribute_services.iter().find(|a| a.index == index)
    }

    /// The SLO endpoint to use, preferring `binding`.
    pub fn slo_endpoint(&self, binding: &str) -> Option<&SloEndpoint> {
        self.slo.iter().find(|s| s.binding == binding).or_else(|| {
            self.slo
                .iter()
                .find(|s| s.binding == ns::BINDING_POST || s.binding == ns::BINDING_REDIRECT)
        })
    }
}
