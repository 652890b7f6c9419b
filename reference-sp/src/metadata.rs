//! The SP's signed metadata, Avviso 29 v3 as applied in RT metadata.rst (docs/rules/spid-saml.md#sp-metadata): the
//! public profile by default, the private one (VAT number, fiscal code, billing contact) by option.
//! For "Entra con CIE" the SP publishes a second document ([`Scheme::Cie`], served at
//! `/cie/metadata`): the same endpoints and key, only the attribute sets CIE ID can release, and
//! the census ContactPerson of the CIE manual (docs/rules/cie.md). Written with our own escaping
//! writer and signed with bergshamra.

use crate::faults::Faults;
use crate::keys::{KeyError, SignOptions, SpKeys, SIGNATURE_MARK};
use crate::ns;
use crate::xml::XmlWriter;
use base64::Engine;

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

/// The identity system a metadata document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// SPID (Avviso 29 v3): `spid:` extensions in a ContactPerson `other`.
    #[default]
    Spid,
    /// "Entra con CIE" (CIE manuale SP, "Federazione"): the census extensions in the CIE
    /// namespace in a ContactPerson `administrative`, and the eIDAS minimum attribute set only.
    Cie,
}

/// The CIE census values of the reference SP (CIE manuale SP, "Informazioni di censimento e
/// contatto"), by profile: data, so the public and private variants differ only here.
#[derive(Debug, Clone, Copy)]
pub struct CieCensus {
    /// `cie:IPACode` (public only).
    pub ipa_code: Option<&'static str>,
    /// `cie:IPACategory` (optional; public).
    pub ipa_category: Option<&'static str>,
    /// `cie:VATNumber` (private with a VAT number).
    pub vat_number: Option<&'static str>,
    /// `cie:FiscalCode` (private).
    pub fiscal_code: Option<&'static str>,
    /// `cie:NACE2Code` (private): ATECO codes.
    pub nace2_codes: &'static [&'static str],
    /// `cie:Municipality`: the Belfiore code of the registered office, upper case.
    pub municipality: &'static str,
    /// `cie:Province`: the car-plate code of the province (optional).
    pub province: Option<&'static str>,
}

/// The census of the public profile (a Comune: IPA category L6).
pub const CIE_CENSUS_PUBLIC: CieCensus = CieCensus {
    ipa_code: Some(IPA_CODE),
    ipa_category: Some("L6"),
    vat_number: None,
    fiscal_code: None,
    nace2_codes: &[],
    municipality: "H501",
    province: Some("RM"),
};

/// The census of the private profile (ATECO 62.01.00, software production).
pub const CIE_CENSUS_PRIVATE: CieCensus = CieCensus {
    ipa_code: None,
    ipa_category: None,
    vat_number: Some(VAT_NUMBER),
    fiscal_code: Some(FISCAL_CODE),
    nace2_codes: &["62.01.00"],
    municipality: "H501",
    province: Some("RM"),
};

impl MetadataProfile {
    /// The CIE census values of this profile.
    pub fn cie_census(self) -> &'static CieCensus {
        match self {
            MetadataProfile::Public => &CIE_CENSUS_PUBLIC,
            MetadataProfile::Private => &CIE_CENSUS_PRIVATE,
        }
    }
}

/// The attributes CIE ID releases (the eIDAS minimum dataset; CIE manuale SP, "Attribute
/// Consuming Service"): an AttributeConsumingService of the CIE metadata requests only these.
pub const CIE_ATTRIBUTES: &[&str] = &["name", "familyName", "dateOfBirth", "fiscalNumber"];

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
    /// SPID or CIE.
    pub scheme: Scheme,
    /// The `md-*` switches on make this metadata break one Avviso 29 rule each.
    pub faults: &'a Faults,
}

/// `ID` of the EntityDescriptor (the signature's reference).
pub const METADATA_ID: &str = "_reference-sp-metadata";

/// The certificate of the private profile (organizationIdentifier `VATIT-…`, policy
/// spid-privatesector-SP 1.3.76.16.4.3.1; same key as the public one).
pub const PRIVATE_CERT_PEM: &str = include_str!("../../fixtures/keys/sp-certs/private.crt.pem");

/// Certificates that each break one Avviso 29 v3 certificate rule (`fixtures/keys/sp-certs`,
/// made by its `make.sh` from our key; `md-cert-key-size` has a 1024-bit key of its own).
const CERT_MUTANTS: &[(&str, &str)] = &[
    (
        "md-cert-basic-constraints",
        include_str!("../../fixtures/keys/sp-certs/cert-basic-constraints.crt.pem"),
    ),
    (
        "md-cert-key-size",
        include_str!("../../fixtures/keys/sp-certs/cert-key-size.crt.pem"),
    ),
    (
        "md-cert-key-usage",
        include_str!("../../fixtures/keys/sp-certs/cert-key-usage.crt.pem"),
    ),
    (
        "md-cert-organization-identifier",
        include_str!("../../fixtures/keys/sp-certs/cert-organization-identifier.crt.pem"),
    ),
    (
        "md-cert-policy-agid",
        include_str!("../../fixtures/keys/sp-certs/cert-policy-agid.crt.pem"),
    ),
    (
        "md-cert-policy-sector",
        include_str!("../../fixtures/keys/sp-certs/cert-policy-sector.crt.pem"),
    ),
    (
        "md-cert-signature-hash",
        include_str!("../../fixtures/keys/sp-certs/cert-signature-hash.crt.pem"),
    ),
    (
        "md-cert-subject-forbidden",
        include_str!("../../fixtures/keys/sp-certs/cert-subject-forbidden.crt.pem"),
    ),
    (
        "md-cert-subject-required",
        include_str!("../../fixtures/keys/sp-certs/cert-subject-required.crt.pem"),
    ),
    (
        "md-cert-validity",
        include_str!("../../fixtures/keys/sp-certs/cert-validity.crt.pem"),
    ),
];

/// The base64 DER certificate the metadata publishes: ours, the private-profile one, or a
/// mutant when an `md-cert-*` switch is on.
fn published_cert(plan: &MetadataPlan<'_>, keys: &SpKeys) -> String {
    if plan.faults.is_off("md-cert-parse") {
        return "QUJDRA==".to_string(); // "ABCD": base64, but not a certificate
    }
    let pem_text = CERT_MUTANTS
        .iter()
        .find(|(name, _)| plan.faults.is_off(name))
        .map(|(_, pem)| *pem)
        .or((plan.profile == MetadataProfile::Private).then_some(PRIVATE_CERT_PEM));
    match pem_text.and_then(|p| pem::parse(p).ok()) {
        Some(block) => base64::engine::general_purpose::STANDARD.encode(block.contents()),
        None => keys.cert_base64().to_string(),
    }
}

/// The signed metadata.
pub fn signed_metadata(plan: &MetadataPlan<'_>, keys: &SpKeys) -> Result<String, KeyError> {
    let f = plan.faults;
    let cert = published_cert(plan, keys);
    let xml = metadata_xml(plan, &cert);
    if f.is_off("md-signature") {
        return Ok(xml.replacen(SIGNATURE_MARK, "", 1));
    }
    let options = SignOptions {
        signature: f
            .is_off("md-signature-algorithm")
            .then_some(ns::SIG_RSA_SHA1),
        digest: f.is_off("md-digest-algorithm").then_some(ns::DIGEST_SHA1),
        cert_base64: Some(cert),
    };
    let id = if f.is_off("md-signature-covers-root") {
        SP_DESCRIPTOR_ID
    } else {
        METADATA_ID
    };
    let mut signed = keys.sign_enveloped_with(&xml, id, &options)?;
    if f.is_off("md-signature-valid") {
        // Changed after signing: the digest no longer matches.
        signed = signed.replacen(
            ORGANIZATION_URL,
            "https://tampered.spid-harness.example/",
            1,
        );
    }
    if f.is_off("md-entity-descriptor") {
        let body = signed
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .unwrap_or(&signed);
        signed = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><md:EntitiesDescriptor xmlns:md=\"{}\">{body}</md:EntitiesDescriptor>",
            ns::METADATA
        );
    }
    Ok(signed)
}

/// `ID` of the SPSSODescriptor when the `md-signature-covers-root` mutant signs it instead of
/// the root.
const SP_DESCRIPTOR_ID: &str = "_reference-sp-descriptor";

/// The metadata before signing, with the signature's place marked.
pub fn metadata_xml(p: &MetadataPlan<'_>, cert_b64: &str) -> String {
    let f = p.faults;
    let on = |name: &str| !f.is_off(name);
    let lang = if on("md-organization-lang") {
        "it"
    } else {
        "en"
    };
    let entity_id = if !on("md-entity-id") {
        ""
    } else if !on("md-entity-id-https") {
        "http://reference-sp.spid-harness.example"
    } else if !on("md-cert-uri-entity-id") {
        "https://other-sp.spid-harness.example"
    } else {
        p.entity_id
    };
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let mut root = vec![("xmlns:md", ns::METADATA), ("xmlns:ds", ns::DSIG)];
    if p.scheme == Scheme::Spid {
        root.push(("xmlns:spid", ns::SPID));
    }
    root.extend([("ID", METADATA_ID), ("entityID", entity_id)]);
    w.open("md:EntityDescriptor", &root);
    w.raw(SIGNATURE_MARK);
    let mut sp_attrs = vec![
        (
            "AuthnRequestsSigned",
            if on("md-authn-requests-signed") {
                "true"
            } else {
                "false"
            },
        ),
        ("WantAssertionsSigned", "true"),
    ];
    if on("md-protocol-support") {
        sp_attrs.insert(0, ("protocolSupportEnumeration", ns::PROTOCOL));
    }
    if !on("md-signature-covers-root") {
        sp_attrs.push(("ID", SP_DESCRIPTOR_ID));
    }
    w.open("md:SPSSODescriptor", &sp_attrs);
    let key_use = if on("md-key-descriptor-signing") {
        "signing"
    } else {
        "encryption"
    };
    w.open("md:KeyDescriptor", &[("use", key_use)])
        .open("ds:KeyInfo", &[])
        .open("ds:X509Data", &[])
        .leaf("ds:X509Certificate", &[], cert_b64)
        .close()
        .close()
        .close();
    if !on("md-key-descriptor-encryption") {
        w.empty("md:KeyDescriptor", &[("use", "encryption")]);
    }
    if on("md-slo") {
        let cie = p.scheme == Scheme::Cie;
        let slo_bindings: &[&str] = if cie && !on("md-cie-slo-redirect") {
            &[ns::BINDING_POST]
        } else {
            &[ns::BINDING_POST, ns::BINDING_REDIRECT]
        };
        for &binding in slo_bindings {
            let binding = if on("md-slo-binding") {
                binding
            } else {
                ns::BINDING_ARTIFACT
            };
            w.empty(
                "md:SingleLogoutService",
                &[("Binding", binding), ("Location", p.slo)],
            );
        }
    }
    if !on("md-slo-https") {
        w.empty(
            "md:SingleLogoutService",
            &[
                ("Binding", ns::BINDING_POST),
                ("Location", "http://reference-sp.spid-harness.example/slo"),
            ],
        );
    }
    let name_id_format = if on("md-name-id-format") {
        ns::NAMEID_TRANSIENT
    } else {
        ns::NAMEID_PERSISTENT
    };
    w.leaf("md:NameIDFormat", &[], name_id_format);
    if on("md-acs") {
        let mut acs = vec![
            ("index", if on("md-acs-index") { "0" } else { "zero" }),
            (
                "Binding",
                if on("md-acs-binding") {
                    ns::BINDING_POST
                } else {
                    ns::BINDING_REDIRECT
                },
            ),
            ("Location", p.acs),
        ];
        if on("md-acs-default") {
            acs.insert(1, ("isDefault", "true"));
        }
        w.empty("md:AssertionConsumerService", &acs);
    }
    if !on("md-acs-https") {
        w.empty(
            "md:AssertionConsumerService",
            &[
                ("index", "1"),
                ("Binding", ns::BINDING_POST),
                ("Location", "http://reference-sp.spid-harness.example/acs"),
            ],
        );
    }
    if on("md-attribute-service") {
        // CIE ID releases only the eIDAS minimum set: the CIE document lists only the sets
        // within it.
        let services = ATTRIBUTE_SERVICES.iter().filter(|(_, _, attributes)| {
            p.scheme == Scheme::Spid || attributes.iter().all(|a| CIE_ATTRIBUTES.contains(a))
        });
        for (position, (index, service, attributes)) in services.enumerate() {
            let first = position == 0;
            let index = if on("md-attribute-service-index") {
                index.to_string()
            } else {
                "0".to_string()
            };
            w.open("md:AttributeConsumingService", &[("index", &index)]);
            w.leaf(
                "md:ServiceName",
                &[("xml:lang", "it")],
                if on("md-service-name") { service } else { "" },
            );
            let mut names: Vec<&str> = attributes.to_vec();
            if !on("md-requested-attribute") && !first {
                names.clear();
            }
            if !on("md-requested-attribute-unique") && first {
                names.push("fiscalNumber");
            }
            if !on("md-requested-attribute-name") && first {
                names.push("codiceFiscale");
            }
            for name in names {
                w.empty(
                    "md:RequestedAttribute",
                    &[("Name", name), ("NameFormat", ns::ATTRNAME_BASIC)],
                );
            }
            w.close();
        }
    }
    w.close(); // SPSSODescriptor
    if !on("md-sp-descriptor") {
        w.empty(
            "md:SPSSODescriptor",
            &[("protocolSupportEnumeration", ns::PROTOCOL)],
        );
    }
    if on("md-organization") {
        let org = if on("md-cert-organization-name") {
            ORGANIZATION
        } else {
            "Comune di Prova (ente)"
        };
        let display = if on("md-cert-common-name") {
            DISPLAY_NAME
        } else {
            "Prova"
        };
        let url = if on("md-organization-url") {
            ORGANIZATION_URL
        } else {
            "not a url"
        };
        w.open("md:Organization", &[])
            .leaf("md:OrganizationName", &[("xml:lang", lang)], org);
        if !on("md-organization-langs-match") {
            w.leaf(
                "md:OrganizationName",
                &[("xml:lang", "en")],
                "Municipality of Prova",
            );
        }
        w.leaf("md:OrganizationDisplayName", &[("xml:lang", lang)], display)
            .leaf("md:OrganizationURL", &[("xml:lang", lang)], url)
            .close();
    }
    match p.scheme {
        Scheme::Spid => spid_contacts(&mut w, p, &on),
        Scheme::Cie => cie_contact(&mut w, p, &on),
    }
    w.finish()
}

/// The billing ContactPerson required with `spid:Private` (RT code-samples
/// sp-metadata-fatturazione.xml; FatturaPA CessionarioCommittente).
fn billing_contact(w: &mut XmlWriter, with_email: bool) {
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
    if with_email {
        w.leaf("md:EmailAddress", &[], CONTACT_EMAIL);
    }
    w.leaf("md:TelephoneNumber", &[], CONTACT_PHONE);
    w.close();
}

/// The SPID ContactPersons: `other` with the `spid:` extensions (Avviso 29 v3), and `billing`
/// for a private SP.
fn spid_contacts(w: &mut XmlWriter, p: &MetadataPlan<'_>, on: &dyn Fn(&str) -> bool) {
    let contact_type = if on("md-contact-other") {
        "other"
    } else {
        "technical"
    };
    w.open("md:ContactPerson", &[("contactType", contact_type)]);
    w.open("md:Extensions", &[]);
    match p.profile {
        MetadataProfile::Public => {
            if on("md-ipa-code") {
                w.leaf("spid:IPACode", &[], IPA_CODE);
            }
            if on("md-public-private") {
                w.empty("spid:Public", &[]);
            }
        }
        MetadataProfile::Private => {
            if on("md-vat-fiscal-code") {
                let vat = if on("md-vat-number-format") {
                    VAT_NUMBER
                } else {
                    FISCAL_CODE
                };
                w.leaf("spid:VATNumber", &[], vat);
                w.leaf("spid:FiscalCode", &[], FISCAL_CODE);
            }
            if on("md-public-private") {
                w.empty("spid:Private", &[]);
            }
        }
    }
    w.close(); // Extensions
    if on("md-contact-email") {
        w.leaf("md:EmailAddress", &[], CONTACT_EMAIL);
    }
    let phone = if on("md-contact-phone") {
        CONTACT_PHONE
    } else {
        "+39 06 1234 5678"
    };
    w.leaf("md:TelephoneNumber", &[], phone);
    w.close(); // ContactPerson
    if p.profile == MetadataProfile::Private && on("md-billing-contact") {
        billing_contact(w, on("md-billing-email"));
    }
}

/// The CIE census ContactPerson `administrative` (CIE manuale SP, "Informazioni di censimento
/// e contatto"): `Public`/`Private`, `IPACode`, `VATNumber`, `FiscalCode`, `NACE2Code`,
/// `Municipality` in the CIE namespace, then `Company` (= OrganizationName), `EmailAddress` and
/// `TelephoneNumber`. Each `md-cie-*` switch breaks one rule.
fn cie_contact(w: &mut XmlWriter, p: &MetadataPlan<'_>, on: &dyn Fn(&str) -> bool) {
    let census = p.profile.cie_census();
    let contact_type = if on("md-cie-contact-administrative") {
        "administrative"
    } else {
        "other"
    };
    w.open("md:ContactPerson", &[("contactType", contact_type)]);
    w.open("md:Extensions", &[("xmlns:cie", ns::CIE)]);
    if on("md-cie-public-private") {
        match p.profile {
            MetadataProfile::Public => w.empty("cie:Public", &[]),
            MetadataProfile::Private => w.empty("cie:Private", &[]),
        };
    }
    if let Some(code) = census.ipa_code.filter(|_| on("md-cie-ipa-code")) {
        w.leaf("cie:IPACode", &[], code);
    }
    if let Some(category) = census.ipa_category {
        w.leaf("cie:IPACategory", &[], category);
    }
    if let Some(vat) = census.vat_number {
        let vat = if on("md-cie-vat-number-format") {
            vat
        } else {
            "IT 02468135791"
        };
        w.leaf("cie:VATNumber", &[], vat);
    }
    if let Some(code) = census.fiscal_code.filter(|_| on("md-cie-fiscal-code")) {
        w.leaf("cie:FiscalCode", &[], code);
    }
    if on("md-cie-nace2-code") {
        for code in census.nace2_codes {
            w.leaf("cie:NACE2Code", &[], code);
        }
    }
    let municipality = if on("md-cie-municipality") {
        census.municipality.to_string()
    } else {
        census.municipality.to_lowercase()
    };
    w.leaf("cie:Municipality", &[], &municipality);
    if let Some(province) = census.province {
        w.leaf("cie:Province", &[], province);
    }
    w.close(); // Extensions
    let company = if on("md-cie-company") {
        ORGANIZATION
    } else {
        "Prova"
    };
    w.leaf("md:Company", &[], company);
    if on("md-cie-contact-email") {
        w.leaf("md:EmailAddress", &[], CONTACT_EMAIL);
    }
    w.leaf("md:TelephoneNumber", &[], CONTACT_PHONE);
    w.close(); // ContactPerson
}
