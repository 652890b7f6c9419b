//! Identity-provider metadata (one signed `EntityDescriptor`) and the registry's aggregate
//! `EntitiesDescriptor`, as AgID's registry distributes them.

use super::keys::SigningKey;
use super::ns;
use super::xml_writer::XmlWriter;

/// What an IdP's metadata says about it.
#[derive(Debug, Clone)]
pub struct IdpDescription<'a> {
    /// entityID.
    pub entity_id: &'a str,
    /// `ID` of the EntityDescriptor (signature reference).
    pub id: &'a str,
    /// SSO endpoint URL (both bindings).
    pub sso_url: &'a str,
    /// SAML SLO endpoint URL (both bindings); `None` writes no SingleLogoutService (CIE).
    pub slo_url: Option<&'a str>,
    /// Organization legal name.
    pub organization: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Organization URL.
    pub organization_url: &'a str,
    /// The attributes the IdP can release (with FriendlyName where the profile has one).
    pub attributes: &'a [crate::profile::ProfileAttribute],
    /// The signing certificate, base64.
    pub cert_base64: &'a str,
}

/// Writes the `md:EntityDescriptor` of `idp` (unsigned), declaring namespaces if `standalone`.
pub fn write_entity_descriptor(w: &mut XmlWriter, idp: &IdpDescription<'_>, standalone: bool) {
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if standalone {
        attrs.push(("xmlns:md", ns::METADATA));
        attrs.push(("xmlns:ds", ns::DSIG));
        attrs.push(("xmlns:saml", ns::ASSERTION));
    }
    attrs.push(("ID", idp.id));
    attrs.push(("entityID", idp.entity_id));
    w.open("md:EntityDescriptor", &attrs);
    w.open(
        "md:IDPSSODescriptor",
        &[
            ("WantAuthnRequestsSigned", "true"),
            ("protocolSupportEnumeration", ns::PROTOCOL),
        ],
    );
    w.open("md:KeyDescriptor", &[("use", "signing")])
        .open("ds:KeyInfo", &[])
        .open("ds:X509Data", &[])
        .leaf("ds:X509Certificate", &[], idp.cert_base64)
        .close("ds:X509Data")
        .close("ds:KeyInfo")
        .close("md:KeyDescriptor");
    if let Some(slo_url) = idp.slo_url {
        for binding in [ns::BINDING_POST, ns::BINDING_REDIRECT] {
            w.empty(
                "md:SingleLogoutService",
                &[("Binding", binding), ("Location", slo_url)],
            );
        }
    }
    w.leaf("md:NameIDFormat", &[], ns::NAMEID_TRANSIENT);
    for binding in [ns::BINDING_POST, ns::BINDING_REDIRECT] {
        w.empty(
            "md:SingleSignOnService",
            &[("Binding", binding), ("Location", idp.sso_url)],
        );
    }
    for a in idp.attributes {
        let mut attrs: Vec<(&str, &str)> = Vec::with_capacity(3);
        if let Some(f) = &a.friendly_name {
            attrs.push(("FriendlyName", f));
        }
        attrs.push(("Name", &a.name));
        attrs.push(("NameFormat", ns::ATTRNAME_BASIC));
        w.empty("saml:Attribute", &attrs);
    }
    w.close("md:IDPSSODescriptor");
    w.open("md:Organization", &[])
        .leaf(
            "md:OrganizationName",
            &[("xml:lang", "it")],
            idp.organization,
        )
        .leaf(
            "md:OrganizationDisplayName",
            &[("xml:lang", "it")],
            idp.display_name,
        )
        .leaf(
            "md:OrganizationURL",
            &[("xml:lang", "it")],
            idp.organization_url,
        )
        .close("md:Organization");
    w.close("md:EntityDescriptor");
}

/// The signed metadata of one IdP.
pub fn idp_metadata(
    idp: &IdpDescription<'_>,
    key: &SigningKey,
) -> Result<String, super::dsig::DsigError> {
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    write_entity_descriptor(&mut w, idp, true);
    super::dsig::sign_enveloped(&w.finish(), idp.id, key)
}

/// The signed aggregate `md:EntitiesDescriptor` of several IdPs (the registry feed).
pub fn aggregate_metadata(
    name: &str,
    id: &str,
    idps: &[IdpDescription<'_>],
    key: &SigningKey,
) -> Result<String, super::dsig::DsigError> {
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.open(
        "md:EntitiesDescriptor",
        &[
            ("xmlns:md", ns::METADATA),
            ("xmlns:ds", ns::DSIG),
            ("xmlns:saml", ns::ASSERTION),
            ("ID", id),
            ("Name", name),
        ],
    );
    for idp in idps {
        write_entity_descriptor(&mut w, idp, false);
    }
    w.close("md:EntitiesDescriptor");
    super::dsig::sign_enveloped(&w.finish(), id, key)
}
