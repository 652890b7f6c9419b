//! The SP's signed metadata, Avviso 29 v3 as applied in RT metadata.rst (domain-rules §2.1): the
//! public profile by default, the private one (VAT number, fiscal code, billing contact) by option.
//! Written with our own escaping writer and signed with bergshamra.

use crate::keys::{KeyError, SpKeys, SIGNATURE_MARK};
use crate::ns;
use crate::xml::XmlWriter;

/// Which Avviso 29 profile the metadata follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetadataProfile {
    /// A public administration: `spid:IPACode` and `spid:Public`.
    #[default]
    Public,
    /// A private SP: `spid:VATNumber`, `spid:FiscalCode`, `spid:Private` and a billing contact.
    Private,
}

/// The organization in the certificate subject (O and CN), and the IPA code of its
/// organizationIdentifier (`PA:IT-c_h501`): metadata and certificate must agree (Avviso 29).
pub const ORGANIZATION: &str = "Comune di Prova";
/// `OrganizationDisplayName` (= certificate CN).
pub const DISPLAY_NAME: &str = "Comune di Prova";
/// `OrganizationURL`.
pub const ORGANIZATION_URL: &str = "https://reference-sp.spid-harness.example/";
/// IPA code (public profile).
pub const IPA_CODE: &str = "c_h501";
/// VAT number with the ISO prefix (private profile; fictitious, valid check digit).
pub const VAT_NUMBER: &str = "IT02468135791";
/// Fiscal code (private profile; the company's, fictitious).
pub const FISCAL_CODE: &str = "02468135791";
/// Contact e-mail (an office address, not a person's).
pub const CONTACT_EMAIL: &str = "spid@reference-sp.spid-harness.example";
/// Contact telephone (no spaces, +39).
pub const CONTACT_PHONE: &str = "+390612345678";

/// The attribute sets of our AttributeConsumingServices, by index.
pub const ATTRIBUTE_SERVICES: &[(u8, &str, &[&str])] = &[
    (
        0,
        "Servizi online",
        &["name", "familyName", "fiscalNumber", "email", "dateOfBirth"],
    ),
    (1, "Verifica codice fiscale", &["fiscalNumber"]),
    // "Entra con CIE": the CIE attribute set (CIE manuale SP), requested from CIE ID only.
    (
        2,
        "Entra con CIE",
        &["name", "familyName", "dateOfBirth", "fiscalNumber"],
    ),
];

/// The attributes requested with AttributeConsumingServiceIndex `index` (none if unknown).
pub fn requested_attributes(index: u8) -> &'static [&'static str] {
    ATTRIBUTE_SERVICES
        .iter()
        .find(|(i, _, _)| *i == index)
        .map(|(_, _, a)| *a)
        .unwrap_or(&[])
}

/// Where the SP lives.
#[derive(Debug, Clone, Copy)]
pub struct MetadataPlan<'a> {
    /// entityID.
    pub entity_id: &'a str,
    /// ACS URL (index 0, HTTP-POST).
    pub acs: &'a str,
    /// SLO URL (HTTP-POST and HTTP-Redirect).
    pub slo: &'a str,
    /// Profile.
    pub profile: MetadataProfile,
}

/// `ID` of the EntityDescriptor (the signature's reference).
pub const METADATA_ID: &str = "_reference-sp-metadata";

/// The signed metadata.
pub fn signed_metadata(plan: &MetadataPlan<'_>, keys: &SpKeys) -> Result<String, KeyError> {
    keys.sign_enveloped(&metadata_xml(plan, keys.cert_base64()), METADATA_ID)
}

/// The metadata before signing, with the signature's place marked.
pub fn metadata_xml(p: &MetadataPlan<'_>, cert_b64: &str) -> String {
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    w.open(
        "md:EntityDescriptor",
        &[
            ("xmlns:md", ns::METADATA),
            ("xmlns:ds", ns::DSIG),
            ("xmlns:spid", ns::SPID),
            ("ID", METADATA_ID),
            ("entityID", p.entity_id),
        ],
    );
    w.raw(SIGNATURE_MARK);
    w.open(
        "md:SPSSODescriptor",
        &[
            ("protocolSupportEnumeration", ns::PROTOCOL),
            ("AuthnRequestsSigned", "true"),
            ("WantAssertionsSigned", "true"),
        ],
    );
    w.open("md:KeyDescriptor", &[("use", "signing")])
        .open("ds:KeyInfo", &[])
        .open("ds:X509Data", &[])
        .leaf("ds:X509Certificate", &[], cert_b64)
        .close()
        .close()
        .close();
    for binding in [ns::BINDING_POST, ns::BINDING_REDIRECT] {
        w.empty(
            "md:SingleLogoutService",
            &[("Binding", binding), ("Location", p.slo)],
        );
    }
    w.leaf("md:NameIDFormat", &[], ns::NAMEID_TRANSIENT);
    w.empty(
        "md:AssertionConsumerService",
        &[
            ("index", "0"),
            ("isDefault", "true"),
            ("Binding", ns::BINDING_POST),
            ("Location", p.acs),
        ],
    );
    for (index, service, attributes) in ATTRIBUTE_SERVICES {
        let index = index.to_string();
        w.open("md:AttributeConsumingService", &[("index", &index)]);
        w.leaf("md:ServiceName", &[("xml:lang", "it")], service);
        for name in *attributes {
            w.empty(
                "md:RequestedAttribute",
                &[("Name", name), ("NameFormat", ns::ATTRNAME_BASIC)],
            );
        }
        w.close();
    }
    w.close(); // SPSSODescriptor
    w.open("md:Organization", &[])
        .leaf("md:OrganizationName", &[("xml:lang", "it")], ORGANIZATION)
        .leaf(
            "md:OrganizationDisplayName",
            &[("xml:lang", "it")],
            DISPLAY_NAME,
        )
        .leaf(
            "md:OrganizationURL",
            &[("xml:lang", "it")],
            ORGANIZATION_URL,
        )
        .close();
    w.open("md:ContactPerson", &[("contactType", "other")]);
    w.open("md:Extensions", &[]);
    match p.profile {
        MetadataProfile::Public => {
            w.leaf("spid:IPACode", &[], IPA_CODE);
            w.empty("spid:Public", &[]);
        }
        MetadataProfile::Private => {
            w.leaf("spid:VATNumber", &[], VAT_NUMBER);
            w.leaf("spid:FiscalCode", &[], FISCAL_CODE);
            w.empty("spid:Private", &[]);
        }
    }
    w.close(); // Extensions
    w.leaf("md:EmailAddress", &[], CONTACT_EMAIL);
    w.leaf("md:TelephoneNumber", &[], CONTACT_PHONE);
    w.close(); // ContactPerson
    if p.profile == MetadataProfile::Private {
        billing_contact(&mut w);
    }
    w.finish()
}

/// The billing ContactPerson required with `spid:Private` (RT code-samples
/// sp-metadata-fatturazione.xml; FatturaPA CessionarioCommittente).
fn billing_contact(w: &mut XmlWriter) {
    w.open("md:ContactPerson", &[("contactType", "billing")]);
    w.open("md:Extensions", &[("xmlns:fpa", ns::SPID_INVOICING)]);
    w.open("fpa:CessionarioCommittente", &[]);
    w.open("fpa:DatiAnagrafici", &[]);
    w.open("fpa:IdFiscaleIVA", &[])
        .leaf("fpa:IdPaese", &[], "IT")
        .leaf("fpa:IdCodice", &[], FISCAL_CODE)
        .close();
    w.open("fpa:Anagrafica", &[])
        .leaf("fpa:Denominazione", &[], ORGANIZATION)
        .close();
    w.close(); // DatiAnagrafici
    w.open("fpa:Sede", &[])
        .leaf("fpa:Indirizzo", &[], "Via di Prova")
        .leaf("fpa:NumeroCivico", &[], "1")
        .leaf("fpa:CAP", &[], "00100")
        .leaf("fpa:Comune", &[], "Roma")
        .leaf("fpa:Provincia", &[], "RM")
        .leaf("fpa:Nazione", &[], "IT")
        .close();
    w.close(); // CessionarioCommittente
    w.close(); // Extensions
    w.leaf("md:Company", &[], ORGANIZATION);
    w.leaf("md:EmailAddress", &[], CONTACT_EMAIL);
    w.leaf("md:TelephoneNumber", &[], CONTACT_PHONE);
    w.close();
}
