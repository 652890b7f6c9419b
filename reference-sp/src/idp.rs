//! The identity providers the SP trusts, read from their metadata (SAML Metadata §2.3–2.4):
//! entityID, display name, SSO and SLO endpoints per binding, and signing certificates (parsed
//! once into a bergshamra verification context each).
//!
//! The metadata documents are trusted as configured (the operator fetched them); the registry
//! feed's own signature is not checked here.

use crate::dom;
use crate::ns;
use base64::Engine;
use std::sync::Arc;
use uppsala::{Document, NodeId};

/// Why an IdP metadata document was not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdpMetadataError {
    /// Not an `md:EntityDescriptor` or `md:EntitiesDescriptor` we can read.
    #[error("IdP metadata #{index} cannot be read as md:EntityDescriptor or md:EntitiesDescriptor: {detail}")]
    Parse {
        /// Which document (0-based).
        index: usize,
        /// The parser's message.
        detail: String,
    },
    /// A document declares a DTD (refused before parsing).
    #[error("IdP metadata #{index} has a DOCTYPE declaration, which is refused")]
    Dtd {
        /// Which document (0-based).
        index: usize,
    },
    /// An IdP has no signing certificate we can load.
    #[error("IdP {entity_id}: {detail}")]
    Certificate {
        /// The IdP.
        entity_id: String,
        /// What is wrong.
        detail: String,
    },
    /// None of the documents holds an IDPSSODescriptor.
    #[error("no IdP found in the metadata given (no md:IDPSSODescriptor with an entityID)")]
    Empty,
}

/// One trusted IdP.
pub struct TrustedIdp {
    /// entityID.
    pub entity_id: String,
    /// `OrganizationDisplayName` (first), else the entityID.
    pub name: String,
    /// SSO endpoint for HTTP-Redirect.
    pub sso_redirect: Option<String>,
    /// SSO endpoint for HTTP-POST.
    pub sso_post: Option<String>,
    /// SLO endpoint for HTTP-Redirect.
    pub slo_redirect: Option<String>,
    /// SLO endpoint for HTTP-POST.
    pub slo_post: Option<String>,
    /// Signing certificates (DER).
    pub certs: Vec<Vec<u8>>,
    /// A verification context holding exactly these certificates (trusted keys only).
    pub dsig: bergshamra::DsigContext,
    /// A CIE ID provider ("Entra con CIE"), trusted through `SpConfig::cie_idp_metadata`.
    pub cie: bool,
}

impl TrustedIdp {
    /// Where a logout message goes: the IdP's SingleLogoutService on the preferred binding when it
    /// publishes one, else on the other, with `true` for HTTP-POST; `None` without either.
    pub fn slo_endpoint(&self, prefer_post: bool) -> Option<(&str, bool)> {
        let redirect = self.slo_redirect.as_deref().map(|url| (url, false));
        let post = self.slo_post.as_deref().map(|url| (url, true));
        if prefer_post {
            post.or(redirect)
        } else {
            redirect.or(post)
        }
    }
}

impl std::fmt::Debug for TrustedIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedIdp")
            .field("entity_id", &self.entity_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every trusted IdP, in document order.
#[derive(Debug, Default)]
pub struct IdpRegistry {
    idps: Vec<Arc<TrustedIdp>>,
}

impl IdpRegistry {
    /// Reads every document (each an EntityDescriptor or an EntitiesDescriptor feed).
    pub fn from_metadata(docs: &[String]) -> Result<Self, IdpMetadataError> {
        Self::from_metadata_with_cie(docs, &[])
    }

    /// Reads the SPID documents and the CIE ID documents (whose IdPs are marked `cie`).
    pub fn from_metadata_with_cie(
        docs: &[String],
        cie_docs: &[String],
    ) -> Result<Self, IdpMetadataError> {
        let mut idps: Vec<Arc<TrustedIdp>> = Vec::new();
        let tagged = docs
            .iter()
            .map(|d| (d, false))
            .chain(cie_docs.iter().map(|d| (d, true)));
        for (index, (xml, cie)) in tagged.enumerate() {
            if has_dtd(xml) {
                return Err(IdpMetadataError::Dtd { index });
            }
            let doc = uppsala::parse(xml).map_err(|e| IdpMetadataError::Parse {
                index,
                detail: e.to_string(),
            })?;
            let root = doc.document_element().ok_or(IdpMetadataError::Parse {
                index,
                detail: "empty document".into(),
            })?;
            let mut descriptors = Vec::new();
            entity_descriptors(&doc, root, &mut descriptors);
            if descriptors.is_empty() {
                return Err(IdpMetadataError::Parse {
                    index,
                    detail: "the root is neither md:EntityDescriptor nor md:EntitiesDescriptor"
                        .into(),
                });
            }
            for ed in descriptors {
                if let Some(mut idp) = trusted(&doc, ed)? {
                    idp.cie = cie;
                    idps.retain(|i| i.entity_id != idp.entity_id);
                    idps.push(Arc::new(idp));
                }
            }
        }
        if idps.is_empty() {
            return Err(IdpMetadataError::Empty);
        }
        Ok(Self { idps })
    }

    /// An IdP by entityID.
    pub fn get(&self, entity_id: &str) -> Option<&Arc<TrustedIdp>> {
        self.idps.iter().find(|i| i.entity_id == entity_id)
    }

    /// Every IdP.
    pub fn all(&self) -> &[Arc<TrustedIdp>] {
        &self.idps
    }
}

/// Whether the text declares a DTD or entities (refused everywhere we parse XML from outside).
pub fn has_dtd(xml: &str) -> bool {
    xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY")
}

/// Every EntityDescriptor at or below `node` (EntitiesDescriptor may nest).
fn entity_descriptors(doc: &Document<'_>, node: NodeId, out: &mut Vec<NodeId>) {
    if dom::is(doc, node, ns::METADATA, "EntityDescriptor") {
        out.push(node);
    } else if dom::is(doc, node, ns::METADATA, "EntitiesDescriptor") {
        for child in doc.children_iter(node) {
            entity_descriptors(doc, child, out);
        }
    }
}

fn trusted(doc: &Document<'_>, ed: NodeId) -> Result<Option<TrustedIdp>, IdpMetadataError> {
    let (Some(entity_id), Some(d)) = (
        dom::attr(doc, ed, "entityID"),
        dom::child(doc, ed, ns::METADATA, "IDPSSODescriptor"),
    ) else {
        return Ok(None);
    };
    let entity_id = entity_id.trim().to_string();
    let cert_err = |detail: String| IdpMetadataError::Certificate {
        entity_id: entity_id.clone(),
        detail,
    };
    let mut certs = Vec::new();
    let mut keys = bergshamra::KeysManager::new();
    for kd in dom::children(doc, d, ns::METADATA, "KeyDescriptor") {
        if dom::attr(doc, kd, "use").is_some_and(|u| u != "signing") {
            continue;
        }
        for c in dom::all_named(doc, kd, ns::DSIG, "X509Certificate") {
            let clean: String = dom::text(doc, c)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map_err(|e| cert_err(format!("X509Certificate is not base64: {e}")))?;
            let key = bergshamra::keys::loader::load_x509_cert_der(&der)
                .map_err(|e| cert_err(format!("certificate unusable: {e}")))?;
            keys.add_key(key);
            certs.push(der);
        }
    }
    if certs.is_empty() {
        return Err(cert_err("no signing certificate in its metadata".into()));
    }
    let endpoint = |element: &str, binding: &str| {
        dom::children(doc, d, ns::METADATA, element)
            .find(|e| dom::attr(doc, *e, "Binding") == Some(binding))
            .and_then(|e| dom::attr(doc, e, "Location"))
            .map(str::to_string)
    };
    let name = dom::child(doc, ed, ns::METADATA, "Organization")
        .and_then(|o| dom::child(doc, o, ns::METADATA, "OrganizationDisplayName"))
        .map(|n| dom::text(doc, n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| entity_id.clone());
    Ok(Some(TrustedIdp {
        sso_redirect: endpoint("SingleSignOnService", ns::BINDING_REDIRECT),
        sso_post: endpoint("SingleSignOnService", ns::BINDING_POST),
        slo_redirect: endpoint("SingleLogoutService", ns::BINDING_REDIRECT),
        slo_post: endpoint("SingleLogoutService", ns::BINDING_POST),
        certs,
        // bergshamra registers ID/Id/id/AssertionID itself: adding "ID" again would make every
        // element a duplicate ID.
        dsig: bergshamra::DsigContext::new(keys),
        cie: false,
        name,
        entity_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idp(slo_redirect: Option<&str>, slo_post: Option<&str>) -> TrustedIdp {
        TrustedIdp {
            entity_id: "https://idp.example".into(),
            name: "IdP".into(),
            sso_redirect: None,
            sso_post: None,
            slo_redirect: slo_redirect.map(String::from),
            slo_post: slo_post.map(String::from),
            certs: Vec::new(),
            dsig: bergshamra::DsigContext::new(bergshamra::KeysManager::new()),
            cie: false,
        }
    }

    #[test]
    fn logout_goes_to_the_preferred_binding_else_the_other() {
        let both = idp(Some("r"), Some("p"));
        assert_eq!(both.slo_endpoint(false), Some(("r", false)));
        assert_eq!(both.slo_endpoint(true), Some(("p", true)));
        assert_eq!(idp(None, Some("p")).slo_endpoint(false), Some(("p", true)));
        assert_eq!(idp(Some("r"), None).slo_endpoint(true), Some(("r", false)));
        assert_eq!(idp(None, None).slo_endpoint(false), None);
    }
}
