//! The metadata check table. Ids follow spid-sp-test's test functions (`test_EntityDescriptor`,
//! `test_AssertionConsumerService_SPID`…) in kebab case; rules cite SAML 2.0 Metadata, the SPID
//! technical rules (RT metadata.rst) and Avviso 29 v3; spid-sp-test's numbering is in brackets.

use super::{cert, lang, Ctx, MetadataCheck, Scope};
use crate::conformance::check::{https_outcome, shown, signed_info_algorithms, Outcome};
use mock_idps::profile::SamlProfile;
use mock_idps::saml::dsig::{verify_enveloped, DsigError};
use mock_idps::saml::keys::TrustedCert;
use mock_idps::saml::ns;
use mock_idps::saml::xml_read::Node;

const XMLDSIG_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
// The allowed algorithms are the SAML core's one table (SPT constants).
use mock_idps::saml::dsig::{DIGEST_ALLOWED, SIG_ALLOWED};
/// SingleLogoutService bindings allowed (SPT; RT metadata.rst).
const SLO_BINDINGS: &[&str] = &[ns::BINDING_POST, ns::BINDING_REDIRECT, ns::BINDING_SOAP];
/// The attributes a CIE SP may request (CIE manuale SP; docs/rules/spid-saml.md).
const CIE_ATTRIBUTES: &[&str] = &["name", "familyName", "dateOfBirth", "fiscalNumber"];
/// Attribute NameFormats accepted (SPT extra).
const NAME_FORMATS: &[&str] = &[
    ns::ATTRNAME_BASIC,
    "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
];

crate::conformance::check::check_table! {
/// Every metadata check, in report order.
pub static METADATA_CHECKS: [MetadataCheck; scope: Scope] = [
    check!("md-entity-descriptor", Error, All, "SAML 2.0 Metadata §2.3.2; SPT test_EntityDescriptor [1.3.0]",
        "the root element is one md:EntityDescriptor",
        "publish the SP's own md:EntityDescriptor as the document element, not wrapped in md:EntitiesDescriptor",
        |c| Outcome::check(c.root.is(ns::METADATA, "EntityDescriptor"), || format!("the root is md:{}", c.root.local_name()))),
    check!("md-entity-id", Error, All, "SAML 2.0 Metadata §2.3.2; SPT test_EntityDescriptor [1.3.1, 1.3.2]",
        "entityID is present and not empty",
        "set entityID to the SP's URI (the certificate's uri)",
        |c| Outcome::check(!c.entity.attr("entityID").unwrap_or_default().trim().is_empty(), || "entityID is missing or empty".into())),
    check!("md-entity-id-https", Error, SpidCie, "RT metadata.rst; SPT test_EntityDescriptor (production), 01.16.02",
        "entityID is an https URL without a custom port or a query string",
        "use an entityID like https://sp.example.it (no port, no query)",
        entity_id_https),
    check!("md-sp-descriptor", Error, All, "SAML 2.0 Metadata §2.4.4; SPT test_SPSSODescriptor [1.6.0]",
        "exactly one md:SPSSODescriptor",
        "describe the SP in a single md:SPSSODescriptor",
        |c| {
            let n = c.entity.children(ns::METADATA, "SPSSODescriptor").count();
            Outcome::check(n == 1, || format!("{n} SPSSODescriptor elements"))
        }),
    check!("md-protocol-support", Error, All, "SAML 2.0 Metadata §2.4.1; SPT test_SPSSODescriptor_SPID [1.6.1, 1.6.2]",
        "protocolSupportEnumeration names urn:oasis:names:tc:SAML:2.0:protocol",
        "add protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" to md:SPSSODescriptor",
        |c| {
            let v = c.sp.and_then(|sp| sp.attr("protocolSupportEnumeration")).unwrap_or_default();
            Outcome::check(v.split_whitespace().any(|p| p == ns::PROTOCOL), || format!("protocolSupportEnumeration is {v:?}"))
        }),
    check!("md-authn-requests-signed", Error, SpidCie, "RT metadata.rst; SPT test_SPSSODescriptor_SPID [1.6.3-1.6.5]",
        "AuthnRequestsSigned=\"true\"",
        "set AuthnRequestsSigned=\"true\" on md:SPSSODescriptor and sign every AuthnRequest",
        |c| {
            let v = c.sp.and_then(|sp| sp.attr("AuthnRequestsSigned"));
            Outcome::check(matches!(v, Some("true") | Some("1")), || format!("AuthnRequestsSigned is {}", shown(&v)))
        }),
    check!("md-want-assertions-signed", Warning, SpidCie, "RT metadata.rst (sample metadata)",
        "WantAssertionsSigned=\"true\"",
        "set WantAssertionsSigned=\"true\" on md:SPSSODescriptor",
        |c| {
            let v = c.sp.and_then(|sp| sp.attr("WantAssertionsSigned"));
            Outcome::check(matches!(v, Some("true") | Some("1")), || format!("WantAssertionsSigned is {}", shown(&v)))
        }),
    check!("md-key-descriptor-signing", Error, All, "SAML 2.0 Metadata §2.4.1.1; SPT test_KeyDescriptor [1.4.0, 1.4.1]",
        "a signing KeyDescriptor carries an X509Certificate",
        "add <md:KeyDescriptor use=\"signing\"> with ds:KeyInfo/ds:X509Data/ds:X509Certificate",
        |c| Outcome::check(cert::signing_cert_b64(c.sp).is_some(), || "no KeyDescriptor use=\"signing\" with an X509Certificate".into())),
    check!("md-key-descriptor-encryption", Error, All, "SAML 2.0 Metadata §2.4.1.1; SPT test_KeyDescriptor [1.4.2]",
        "an encryption KeyDescriptor, if any, carries an X509Certificate",
        "give the encryption KeyDescriptor its certificate, or remove it",
        |c| {
            let bad = c.sp_children("KeyDescriptor").into_iter()
                .filter(|kd| kd.attr("use") == Some("encryption"))
                .any(|kd| !kd.descendants(ns::DSIG, "X509Certificate").iter().any(|x| !x.text().trim().is_empty()));
            Outcome::check(!bad, || "a KeyDescriptor use=\"encryption\" has no certificate".into())
        }),
    check!("md-name-id-format", Error, SpidCie, "RT metadata.rst; SPT test_NameIDFormat_Transient",
        "NameIDFormat, if present, is transient",
        "list only urn:oasis:names:tc:SAML:2.0:nameid-format:transient in md:NameIDFormat",
        |c| {
            let bad: Vec<String> = c.sp_children("NameIDFormat").iter().map(|n| n.text().trim().to_string())
                .filter(|f| f != ns::NAMEID_TRANSIENT).collect();
            Outcome::check(bad.is_empty(), || format!("NameIDFormat {bad:?}"))
        }),
    check!("md-signature", Error, All, "RT metadata.rst; SPT test_Signature [1.7.0]",
        "the EntityDescriptor carries an enveloped ds:Signature",
        "sign the metadata (enveloped XML signature, RSA-SHA256) with the SP's key",
        |c| Outcome::check(c.entity.child(ns::DSIG, "Signature").is_some(), || "no ds:Signature child of md:EntityDescriptor".into())),
    check!("md-signature-algorithm", Error, All, "RT metadata.rst, Avviso 29 v3; SPT test_Signature [1.7.1-1.7.3]",
        "the SignatureMethod is RSA or ECDSA with SHA-256 or stronger",
        "sign with http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 (or -sha384/-sha512)",
        |c| algorithm(c, "SignatureMethod", SIG_ALLOWED)),
    check!("md-digest-algorithm", Error, All, "RT metadata.rst, Avviso 29 v3; SPT test_Signature [1.7.4-1.7.6]",
        "the DigestMethod is SHA-256 or stronger",
        "digest with http://www.w3.org/2001/04/xmlenc#sha256 (or sha384/sha512)",
        |c| algorithm(c, "DigestMethod", DIGEST_ALLOWED)),
    check!("md-signature-covers-root", Error, All, "XML-DSig §4.3.3 (enveloped); SPT test_xmldsig [1.9.0]",
        "the signature's only Reference is the EntityDescriptor itself",
        "give md:EntityDescriptor an ID and sign it with Reference URI=\"#<that ID>\"",
        covers_root),
    check!("md-signature-valid", Error, All, "RT metadata.rst; SPT test_xmldsig [1.9.0]",
        "the signature verifies with the metadata's own signing certificate",
        "re-sign the metadata after its last change, with the key of the published certificate",
        signature_valid),
    check!("md-slo", Error, SpidCie, "RT metadata.rst; SPT test_SingleLogoutService [1.8.0]",
        "at least one SingleLogoutService",
        "add md:SingleLogoutService with an HTTP-POST or HTTP-Redirect binding",
        |c| Outcome::check(!c.sp_children("SingleLogoutService").is_empty(), || "no SingleLogoutService".into())),
    check!("md-slo-binding", Error, All, "RT metadata.rst; SPT test_SingleLogoutService [1.8.1-1.8.3]",
        "every SingleLogoutService Binding is HTTP-POST, HTTP-Redirect or SOAP",
        "use the HTTP-POST or HTTP-Redirect binding URI on every md:SingleLogoutService",
        |c| {
            let bad: Vec<String> = c.sp_children("SingleLogoutService").iter()
                .map(|s| s.attr("Binding").unwrap_or_default().to_string())
                .filter(|b| !SLO_BINDINGS.contains(&b.as_str())).collect();
            Outcome::check(bad.is_empty(), || format!("SingleLogoutService Binding {bad:?}"))
        }),
    check!("md-slo-https", Error, SpidCie, "RT trasmissione.rst (TLS); SPT test_SingleLogoutService [1.8.4-1.8.6] (production)",
        "every SingleLogoutService Location is https",
        "serve single logout over https",
        |c| locations_https(c, "SingleLogoutService")),
    check!("md-acs", Error, All, "SAML 2.0 Metadata §2.4.4; SPT test_AssertionConsumerService [1.1.0]",
        "at least one AssertionConsumerService",
        "add md:AssertionConsumerService index=\"0\" isDefault=\"true\" with the HTTP-POST binding",
        |c| Outcome::check(!c.sp_children("AssertionConsumerService").is_empty(), || "no AssertionConsumerService".into())),
    check!("md-acs-binding", Error, SpidCie, "RT single-sign-on.rst (Response on HTTP-POST only); SPT test_AssertionConsumerService [1.1.2]",
        "every AssertionConsumerService uses the HTTP-POST binding",
        "set Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" on every md:AssertionConsumerService",
        |c| {
            let bad: Vec<String> = c.sp_children("AssertionConsumerService").iter()
                .map(|s| s.attr("Binding").unwrap_or_default().to_string())
                .filter(|b| b != ns::BINDING_POST).collect();
            Outcome::check(bad.is_empty(), || format!("AssertionConsumerService Binding {bad:?}"))
        }),
    check!("md-acs-index", Error, All, "SAML 2.0 Metadata §2.2.3; SPT test_AssertionConsumerService [1.1.1]",
        "every AssertionConsumerService index is an unsigned integer",
        "number the AssertionConsumerService elements 0, 1, 2…",
        |c| indexes_unsigned(c, "AssertionConsumerService")),
    check!("md-acs-default", Error, SpidCie, "RT metadata.rst; SPT test_AssertionConsumerService_SPID [1.1.7, 1.1.8]",
        "exactly one AssertionConsumerService has isDefault=\"true\", and it has index 0",
        "mark only the index=\"0\" AssertionConsumerService isDefault=\"true\"",
        |c| {
            let defaults: Vec<String> = c.sp_children("AssertionConsumerService").iter()
                .filter(|a| matches!(a.attr("isDefault"), Some("true") | Some("1")))
                .map(|a| a.attr("index").unwrap_or_default().to_string()).collect();
            Outcome::check(defaults.len() == 1 && defaults[0] == "0", || format!("default AssertionConsumerService indexes: {defaults:?}"))
        }),
    check!("md-acs-https", Error, SpidCie, "RT trasmissione.rst (TLS); SPT test_AssertionConsumerService [1.1.3-1.1.6] (production)",
        "every AssertionConsumerService Location is https",
        "serve the ACS over https",
        |c| locations_https(c, "AssertionConsumerService")),
    check!("md-attribute-service", Error, SpidCie, "RT metadata.rst; SPT test_AttributeConsumingService [1.2.0]",
        "at least one AttributeConsumingService",
        "add md:AttributeConsumingService index=\"0\" with a ServiceName and the RequestedAttributes",
        |c| Outcome::check(!c.sp_children("AttributeConsumingService").is_empty(), || "no AttributeConsumingService".into())),
    check!("md-attribute-service-index", Error, SpidCie, "SAML 2.0 Metadata §2.4.4.1; SPT test_AttributeConsumingService_SPID [1.2.1]",
        "AttributeConsumingService indexes are unsigned integers, each used once",
        "number the AttributeConsumingService elements 0, 1, 2… without repeating an index",
        |c| {
            let first = indexes_unsigned(c, "AttributeConsumingService");
            if !first.passed() {
                return first;
            }
            let mut seen: Vec<&str> = Vec::new();
            for s in c.sp_children("AttributeConsumingService") {
                let i = s.attr("index").unwrap_or_default();
                if seen.contains(&i) {
                    return Outcome::Fail(format!("index {i} is used twice"));
                }
                seen.push(i);
            }
            Outcome::Pass
        }),
    check!("md-service-name", Error, SpidCie, "RT metadata.rst; SPT test_AttributeConsumingService_SPID [1.2.2, 1.2.3]",
        "every AttributeConsumingService has a non-empty ServiceName",
        "give each md:AttributeConsumingService an md:ServiceName xml:lang=\"it\" with the service's name",
        |c| {
            let bad = c.sp_children("AttributeConsumingService").iter()
                .filter(|s| s.children(ns::METADATA, "ServiceName").all(|n| n.text().trim().is_empty()))
                .count();
            Outcome::check(bad == 0, || format!("{bad} AttributeConsumingService without a ServiceName"))
        }),
    check!("md-requested-attribute", Error, SpidCie, "RT metadata.rst; SPT test_AttributeConsumingService_SPID [1.2.4]",
        "every AttributeConsumingService requests at least one attribute",
        "list the attributes the service needs as md:RequestedAttribute Name=\"…\"",
        |c| {
            let bad: Vec<&str> = c.sp_children("AttributeConsumingService").iter()
                .filter(|s| s.children(ns::METADATA, "RequestedAttribute").next().is_none())
                .map(|s| s.attr("index").unwrap_or("?")).collect();
            Outcome::check(bad.is_empty(), || format!("AttributeConsumingService index {bad:?} requests nothing"))
        }),
    check!("md-requested-attribute-unique", Error, SpidCie, "RT metadata.rst; SPT test_AttributeConsumingService_SPID [1.2.5]",
        "no attribute is requested twice in one AttributeConsumingService",
        "remove the repeated md:RequestedAttribute",
        |c| {
            for s in c.sp_children("AttributeConsumingService") {
                let names: Vec<&str> = s.children(ns::METADATA, "RequestedAttribute").map(|a| a.attr("Name").unwrap_or_default()).collect();
                if let Some(dup) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
                    return Outcome::Fail(format!("{:?} is requested twice", dup.1));
                }
            }
            Outcome::Pass
        }),
    check!("md-requested-attribute-name", Error, SpidCie, "RT attributi.rst; SPT test_AttributeConsumingService_SPID [1.2.6, 1.2.7]; CIE manuale SP",
        "every RequestedAttribute Name is an attribute the identity system releases",
        "use the SPID attribute names (spidCode, name, familyName, fiscalNumber, email…; CIE: name, familyName, dateOfBirth, fiscalNumber)",
        |c| {
            // The attribute names of the SPID profile (RT attributi), from the shared profile data.
            let spid: Vec<&str> = SamlProfile::spid().attributes.iter().map(|a| a.name.as_str()).collect();
            let allowed: &[&str] = if c.profile.is_spid() { &spid } else { CIE_ATTRIBUTES };
            let bad: Vec<String> = c.sp_children("AttributeConsumingService").iter()
                .flat_map(|s| s.children(ns::METADATA, "RequestedAttribute").collect::<Vec<_>>())
                .map(|a| a.attr("Name").unwrap_or_default().to_string())
                .filter(|n| !allowed.contains(&n.as_str())).collect();
            Outcome::check(bad.is_empty(), || format!("unknown attribute names {bad:?}"))
        }),
    check!("md-attribute-name-format", Warning, SpidCie, "SPT test_AttributeConsumingService_extra",
        "RequestedAttribute NameFormat, if present, is basic or uri",
        "use NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\"",
        |c| {
            let bad: Vec<String> = c.sp_children("AttributeConsumingService").iter()
                .flat_map(|s| s.children(ns::METADATA, "RequestedAttribute").collect::<Vec<_>>())
                .filter_map(|a| a.attr("NameFormat").map(str::to_string))
                .filter(|f| !NAME_FORMATS.contains(&f.as_str())).collect();
            Outcome::check(bad.is_empty(), || format!("NameFormat {bad:?}"))
        }),
    check!("md-organization", Error, SpidCie, "RT metadata.rst; SPT test_Organization [1.5.0]",
        "exactly one Organization",
        "add one md:Organization with OrganizationName, OrganizationDisplayName and OrganizationURL",
        |c| {
            let n = c.entity.children(ns::METADATA, "Organization").count();
            Outcome::check(n == 1, || format!("{n} Organization elements"))
        }),
    check!("md-organization-lang", Error, SpidCie, "RT metadata.rst; SPT test_Organization [1.5.1-1.5.6]",
        "OrganizationName, OrganizationDisplayName and OrganizationURL each exist in xml:lang=\"it\"",
        "add the Italian (xml:lang=\"it\") version of each Organization child",
        |c| {
            let Some(org) = c.entity.child(ns::METADATA, "Organization") else {
                return Outcome::Fail("no Organization".into());
            };
            let missing: Vec<&str> = ["OrganizationName", "OrganizationDisplayName", "OrganizationURL"].into_iter()
                .filter(|l| !org.children(ns::METADATA, l).any(|n| lang(&n) == Some("it") && !n.text().trim().is_empty()))
                .collect();
            Outcome::check(missing.is_empty(), || format!("no xml:lang=\"it\" {missing:?}"))
        }),
    check!("md-organization-langs-match", Error, SpidCie, "RT metadata.rst; SPT test_Organization [1.5.7-1.5.9]",
        "OrganizationName, OrganizationDisplayName and OrganizationURL come in the same languages",
        "give each Organization child the same set of xml:lang versions",
        |c| {
            let Some(org) = c.entity.child(ns::METADATA, "Organization") else {
                return Outcome::Fail("no Organization".into());
            };
            let langs = |l: &'static str| {
                let mut v: Vec<String> = org.children(ns::METADATA, l).map(|n| lang(&n).unwrap_or_default().to_string()).collect();
                v.sort();
                v
            };
            let (a, b, u) = (langs("OrganizationName"), langs("OrganizationDisplayName"), langs("OrganizationURL"));
            Outcome::check(a == b && b == u, || format!("languages: Name {a:?}, DisplayName {b:?}, URL {u:?}"))
        }),
    check!("md-organization-url", Error, SpidCie, "RT metadata.rst; SPT test_Organization [1.5.10]",
        "every OrganizationURL is an http(s) URL",
        "put the organization's web site URL in md:OrganizationURL",
        |c| {
            let bad: Vec<String> = c.entity.children(ns::METADATA, "Organization")
                .flat_map(|o| o.children(ns::METADATA, "OrganizationURL").collect::<Vec<_>>())
                .map(|u| u.text().trim().to_string())
                .filter(|u| !url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"))).collect();
            Outcome::check(bad.is_empty(), || format!("OrganizationURL {bad:?}"))
        }),
    check!("md-contact-other", Error, Spid, "Avviso 29 v3; RT metadata.rst; SPT test_Contacts_PubPriv",
        "exactly one ContactPerson contactType=\"other\"",
        "add one md:ContactPerson contactType=\"other\" with the spid: extensions and an EmailAddress",
        |c| {
            let n = c.contacts("other").len();
            Outcome::check(n == 1, || format!("{n} ContactPerson contactType=\"other\""))
        }),
    check!("md-contact-email", Error, Spid, "Avviso 29 v3; SPT test_contactperson_email",
        "the other ContactPerson has an EmailAddress",
        "add md:EmailAddress (an office address, not a person's) to the other ContactPerson",
        |c| {
            let ok = c.contacts("other").iter().any(|p| p.children(ns::METADATA, "EmailAddress").any(|e| e.text().contains('@')));
            Outcome::check(ok, || "no EmailAddress with an @ in the other ContactPerson".into())
        }),
    check!("md-contact-phone", Error, Spid, "Avviso 29 v3; SPT test_contactperson_phone",
        "every TelephoneNumber is written without spaces",
        "write the number as +39061234567",
        |c| {
            let bad: Vec<String> = c.entity.children(ns::METADATA, "ContactPerson")
                .flat_map(|p| p.children(ns::METADATA, "TelephoneNumber").collect::<Vec<_>>())
                .map(|t| t.text()).filter(|t| t.trim().contains(char::is_whitespace) || t.trim().is_empty()).collect();
            Outcome::check(bad.is_empty(), || format!("TelephoneNumber {bad:?}"))
        }),
    check!("md-contact-phone-prefix", Warning, Spid, "SPT test_contactperson_phone",
        "every TelephoneNumber has the international prefix (+39…)",
        "prefix the number with +39",
        |c| {
            let bad: Vec<String> = c.entity.children(ns::METADATA, "ContactPerson")
                .flat_map(|p| p.children(ns::METADATA, "TelephoneNumber").collect::<Vec<_>>())
                .map(|t| t.text().trim().to_string()).filter(|t| !t.starts_with('+')).collect();
            Outcome::check(bad.is_empty(), || format!("TelephoneNumber {bad:?}"))
        }),
    check!("md-public-private", Error, Spid, "Avviso 29 v3; SPT test_extensions_type",
        "the other ContactPerson has exactly one empty spid:Public or spid:Private, matching the profile",
        "put <spid:Public/> (public SPs) or <spid:Private/> (private SPs) in the other ContactPerson's md:Extensions",
        |c| public_or_private(c, spid_extensions(c), "")),
    check!("md-ipa-code", Error, SpidPublic, "Avviso 29 v3; SPT test_Contacts_IPACode",
        "the other ContactPerson has a non-empty spid:IPACode",
        "add <spid:IPACode> with the SP's code in IndicePA (IPA)",
        |c| Outcome::check(spid_value(c, "IPACode").is_some_and(|v| !v.is_empty()), || "no spid:IPACode".into())),
    check!("md-vat-fiscal-code", Error, SpidPrivate, "Avviso 29 v3; SPT test_Contacts_VATFC",
        "the other ContactPerson has spid:VATNumber or spid:FiscalCode",
        "add <spid:VATNumber> (IT…) or, without a VAT number, <spid:FiscalCode>",
        |c| Outcome::check(spid_value(c, "VATNumber").is_some() || spid_value(c, "FiscalCode").is_some(), || "neither spid:VATNumber nor spid:FiscalCode".into())),
    check!("md-vat-number-format", Error, SpidPrivate, "Avviso 29 v3; SPT test_Contacts_VATFC",
        "spid:VATNumber, if present, starts with its ISO 3166 country code",
        "write the VAT number with its country prefix, e.g. IT12345678901",
        |c| match spid_value(c, "VATNumber") {
            None => Outcome::Pass,
            // Not sliced before the boundary is known: "aé…" must not panic.
            Some(v) => Outcome::check(vat_number_ok(&v), || format!("spid:VATNumber is {v:?}")),
        }),
    check!("md-company", Warning, Spid, "Avviso 29 v3; SPT test_Extensions_PubPriv",
        "the other ContactPerson's Company, if present, equals OrganizationName",
        "copy OrganizationName into md:Company, or omit it",
        |c| {
            let org = c.organization_text("OrganizationName").unwrap_or_default();
            let bad: Vec<String> = c.contacts("other").iter().flat_map(|p| p.children(ns::METADATA, "Company").collect::<Vec<_>>())
                .map(|n| n.text().trim().to_string()).filter(|t| *t != org).collect();
            Outcome::check(bad.is_empty(), || format!("Company {bad:?}, OrganizationName {org:?}"))
        }),
    check!("md-billing-contact", Error, SpidPrivate, "Avviso 29 v3; RT sp-metadata-fatturazione.xml; SPT test_Contacts_Priv [01.14.00]",
        "a billing ContactPerson with CessionarioCommittente in its md:Extensions",
        "add md:ContactPerson contactType=\"billing\" with the FatturaPA CessionarioCommittente (https://spid.gov.it/invoicing-extensions)",
        |c| {
            let ok = c.contacts("billing").iter().any(|p| {
                p.child(ns::METADATA, "Extensions").is_some_and(|e| !e.descendants(SPID_INVOICING, "CessionarioCommittente").is_empty())
            });
            Outcome::check(ok, || "no billing ContactPerson with CessionarioCommittente".into())
        }),
    check!("md-billing-email", Error, SpidPrivate, "Avviso 29 v3; RT sp-metadata-fatturazione.xml",
        "the billing ContactPerson has an EmailAddress",
        "add md:EmailAddress (corporate or PEC) to the billing ContactPerson",
        |c| {
            let ok = c.contacts("billing").iter().any(|p| p.children(ns::METADATA, "EmailAddress").any(|e| e.text().contains('@')));
            Outcome::check(ok, || "no EmailAddress in the billing ContactPerson".into())
        }),
    // "Entra con CIE" (CIE manuale SP, chapter "Federazione", section "Informazioni di
    // censimento e contatto" unless said otherwise; namespace CIE_EXTENSIONS).
    check!("md-cie-slo-redirect", Error, Cie, "CIE manuale SP, Federazione, SingleLogoutService: \"almeno un'istanza deve avere questo metodo per lo schema Entra con CIE\" (HTTP-Redirect)",
        "a SingleLogoutService has the HTTP-Redirect binding",
        "add <md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://…\"/>",
        |c| {
            let bindings: Vec<String> = c.sp_children("SingleLogoutService").iter()
                .map(|s| s.attr("Binding").unwrap_or_default().to_string()).collect();
            Outcome::check(bindings.iter().any(|b| b == ns::BINDING_REDIRECT), || format!("SingleLogoutService bindings {bindings:?}, none HTTP-Redirect"))
        }),
    check!("md-cie-contact-administrative", Error, Cie, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"vi è una sola istanza con contactType pari a administrative\" (with a technical partner: \"la prima ha il contactType valorizzato come administrative\")",
        "exactly one ContactPerson contactType=\"administrative\" (the SP's census data)",
        "describe the SP in one md:ContactPerson contactType=\"administrative\" (a technical partner goes in a second one, contactType=\"technical\")",
        |c| {
            let n = c.contacts("administrative").len();
            Outcome::check(n == 1, || format!("{n} ContactPerson contactType=\"administrative\""))
        }),
    check!("md-cie-public-private", Error, Cie, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"Un'alternativa obbligatoria tra i seguenti due elementi vuoti: <Public/> per le PP.AA., <Private/> per i soggetti privati\"",
        "the administrative ContactPerson has exactly one empty cie:Public or cie:Private, matching the profile",
        "put <cie:Public/> (public SPs) or <cie:Private/> (private SPs), namespace https://www.cartaidentita.interno.gov.it/saml-extensions, in the administrative ContactPerson's md:Extensions",
        |c| public_or_private(c, cie_extensions(c), " in the CIE namespace")),
    check!("md-cie-ipa-code", Error, CiePublic, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"<IPACode> obbligatorio per le Pubbliche Amministrazioni\"",
        "the administrative ContactPerson has a non-empty cie:IPACode",
        "add <cie:IPACode> with the SP's code in IndicePA (IPA)",
        |c| Outcome::check(cie_value(c, "IPACode").is_some_and(|v| !v.is_empty()), || "no cie:IPACode".into())),
    check!("md-cie-fiscal-code", Error, CiePrivate, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"<FiscalCode> obbligatorio per i soggetti privati\"",
        "the administrative ContactPerson has a non-empty cie:FiscalCode",
        "add <cie:FiscalCode> with the company's codice fiscale",
        |c| Outcome::check(cie_value(c, "FiscalCode").is_some_and(|v| !v.is_empty()), || "no cie:FiscalCode".into())),
    check!("md-cie-vat-number-format", Error, Cie, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: <VATNumber> \"comprensivo del codice ISO 3166-1 alpha-2 del Paese di appartenenza, senza spazi\"",
        "cie:VATNumber, if present, starts with its ISO 3166-1 alpha-2 country code and has no spaces",
        "write the VAT number with its country prefix and no spaces, e.g. IT12345678901",
        |c| match cie_value(c, "VATNumber") {
            None => Outcome::Pass,
            Some(v) => Outcome::check(vat_number_ok(&v), || format!("cie:VATNumber is {v:?}")),
        }),
    check!("md-cie-nace2-code", Error, CiePrivate, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"<NACE2Code> (uno o più) obbligatorio per i soggetti privati\"",
        "the administrative ContactPerson has at least one non-empty cie:NACE2Code",
        "add <cie:NACE2Code> with the company's ATECO code (one element per code), e.g. 62.01.00",
        |c| {
            let codes: Vec<String> = cie_extensions(c).iter().filter(|n| n.local_name() == "NACE2Code")
                .map(|n| n.text().trim().to_string()).collect();
            Outcome::check(!codes.is_empty() && codes.iter().all(|v| !v.is_empty()), || format!("cie:NACE2Code {codes:?}"))
        }),
    check!("md-cie-municipality", Error, Cie, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"<Municipality> obbligatorio, è valorizzato con il codice ISTAT del Comune (anche detto codice Belfiore - tutto in maiuscolo)\"",
        "the administrative ContactPerson has cie:Municipality, in upper case",
        "add <cie:Municipality> with the Belfiore code of the registered office in capitals, e.g. H501 (a foreign SP: its zip code)",
        |c| match cie_value(c, "Municipality") {
            None => Outcome::Fail("no cie:Municipality".into()),
            Some(v) => Outcome::check(!v.is_empty() && v == v.to_uppercase(), || format!("cie:Municipality is {v:?}")),
        }),
    check!("md-cie-company", Error, Cie, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"<Company> obbligatorio … deve essere valorizzato esattamente come l'elemento <OrganizationName>\"",
        "the administrative ContactPerson has md:Company equal to OrganizationName",
        "copy OrganizationName (xml:lang=\"it\") into md:Company of the administrative ContactPerson",
        |c| {
            let org = c.organization_text("OrganizationName").unwrap_or_default();
            let companies: Vec<String> = c.contacts("administrative").iter()
                .flat_map(|p| p.children(ns::METADATA, "Company").collect::<Vec<_>>())
                .map(|n| n.text().trim().to_string()).collect();
            Outcome::check(!companies.is_empty() && companies.iter().all(|t| *t == org), || format!("Company {companies:?}, OrganizationName {org:?}"))
        }),
    check!("md-cie-contact-email", Error, Cie, "CIE manuale SP, Federazione, Informazioni di censimento e contatto: \"<EmailAddress> obbligatorio\"",
        "the administrative ContactPerson has an EmailAddress",
        "add md:EmailAddress (an institutional mailbox, preferably not PEC) to the administrative ContactPerson",
        |c| {
            let ok = c.contacts("administrative").iter().any(|p| p.children(ns::METADATA, "EmailAddress").any(|e| e.text().contains('@')));
            Outcome::check(ok, || "no EmailAddress with an @ in the administrative ContactPerson".into())
        }),
    check!("md-no-leading-whitespace", Warning, All, "SPT test_metadata_no_newlines (extra)",
        "the document starts with the XML declaration or the root element",
        "remove the blank lines before <?xml",
        |c| Outcome::check(!c.xml.starts_with(char::is_whitespace), || "the metadata starts with whitespace".into())),
    check!("cert-parse", Error, All, "Avviso 29 v3; SPT test_Signature_extra",
        "the signing certificate is a readable X.509 certificate",
        "publish the DER certificate, base64, in ds:X509Certificate",
        cert::parse),
    check!("cert-key-size", Error, All, "Avviso 29 v3 (RSA ≥ 2048); RT trasmissione.rst; SPT test_Signature_extra",
        "the certificate key is RSA of at least 2048 bits (or EC of at least 256)",
        "issue the certificate for a new RSA key of 2048, 3072 or 4096 bits",
        cert::key_size),
    check!("cert-signature-hash", Error, All, "Avviso 29 v3 (SHA-256 or SHA-512)",
        "the certificate is signed with SHA-256 or stronger",
        "re-issue the certificate signed with sha256WithRSAEncryption",
        cert::signature_hash),
    check!("cert-validity", Error, All, "Avviso 29 v3; SPT test_Signature_extra (not expired)",
        "the certificate is within its validity period",
        "renew the certificate and publish the new metadata",
        cert::validity),
    check!("cert-subject-required", Error, Spid, "Avviso 29 v3 §subject; RT metadata.rst",
        "the subject has commonName, organizationName, uri, organizationIdentifier, countryName, localityName",
        "re-issue the certificate with the full Avviso 29 subject",
        cert::subject_required),
    check!("cert-subject-forbidden", Error, Spid, "Avviso 29 v3 §subject (no personal data)",
        "the subject has no name, surname, givenName, initials or pseudonym",
        "re-issue the certificate without personal-name attributes",
        cert::subject_forbidden),
    check!("cert-uri-entity-id", Error, Spid, "Avviso 29 v3 §subject (uri = entityID)",
        "the certificate uri equals the entityID",
        "make entityID and the certificate's uri (2.5.4.83) identical",
        cert::uri_entity_id),
    check!("cert-organization-name", Error, Spid, "Avviso 29 v3 §subject (organizationName = OrganizationName)",
        "the certificate organizationName equals OrganizationName",
        "make OrganizationName (xml:lang=\"it\") and the certificate's O identical",
        cert::organization_name),
    check!("cert-common-name", Error, Spid, "Avviso 29 v3 §subject (commonName = OrganizationDisplayName)",
        "the certificate commonName equals OrganizationDisplayName",
        "make OrganizationDisplayName (xml:lang=\"it\") and the certificate's CN identical",
        cert::common_name),
    check!("cert-organization-identifier", Error, Spid, "Avviso 29 v3 §subject; spid-compliant-certificates",
        "organizationIdentifier is PA:IT-<IPA code> (public) or VATIT-<VAT> / CF:IT-<fiscal code> (private)",
        "re-issue the certificate with the organizationIdentifier of the SP's sector",
        cert::organization_identifier),
    check!("cert-policy-agid", Error, Spid, "Avviso 29 v3 §certificatePolicies (agIDcert 1.3.76.16.6)",
        "certificatePolicies holds agIDcert 1.3.76.16.6",
        "re-issue the certificate with policy 1.3.76.16.6 (UserNotice agIDcert)",
        cert::policy_agid),
    check!("cert-policy-sector", Error, Spid, "Avviso 29 v3 §certificatePolicies (1.3.76.16.4.2.1 public, 1.3.76.16.4.3.1 private)",
        "certificatePolicies holds the SP sector policy (spid-publicsector-SP or spid-privatesector-SP)",
        "re-issue the certificate with 1.3.76.16.4.2.1 (public) or 1.3.76.16.4.3.1 (private)",
        cert::policy_sector),
    check!("cert-key-usage", Error, Spid, "Avviso 29 v3 §keyUsage",
        "keyUsage is critical with digitalSignature and nonRepudiation only",
        "re-issue the certificate with keyUsage = critical, digitalSignature, nonRepudiation",
        cert::key_usage),
    check!("cert-basic-constraints", Error, Spid, "Avviso 29 v3 §basicConstraints (CA:FALSE)",
        "the certificate is not a CA certificate",
        "re-issue the certificate with basicConstraints CA:FALSE",
        cert::basic_constraints),
];
}

/// The SPID invoicing extensions namespace (billing ContactPerson).
const SPID_INVOICING: &str = "https://spid.gov.it/invoicing-extensions";

fn entity_id_https(c: &Ctx<'_, '_>) -> Outcome {
    let id = c.entity.attr("entityID").unwrap_or_default();
    match url::Url::parse(id) {
        Ok(u) if u.query().is_some() => {
            Outcome::Fail(format!("entityID {id:?} has a query string"))
        }
        Ok(u) if u.port().is_some() && u.scheme() == "https" => {
            Outcome::Fail(format!("entityID {id:?} has a custom port"))
        }
        _ => match https_outcome("entityID", id) {
            // A loopback entityID with a port is a local test SP: warn only.
            Outcome::Warn(w) => Outcome::Warn(w),
            other => other,
        },
    }
}

fn signed_info<'d, 'a>(c: &Ctx<'d, 'a>) -> Option<Node<'d, 'a>> {
    c.entity
        .child(ns::DSIG, "Signature")?
        .child(ns::DSIG, "SignedInfo")
}

fn algorithm(c: &Ctx<'_, '_>, element: &'static str, allowed: &[&str]) -> Outcome {
    let Some(si) = signed_info(c) else {
        return Outcome::Fail("the metadata is not signed".into());
    };
    let found = signed_info_algorithms(si, element);
    let bad: Vec<&String> = found
        .iter()
        .filter(|a| !allowed.contains(&a.as_str()))
        .collect();
    Outcome::check(!found.is_empty() && bad.is_empty(), || {
        if bad
            .iter()
            .any(|a| *a == XMLDSIG_SHA1 || a.ends_with("sha1"))
        {
            format!("{element} uses SHA-1: {bad:?}")
        } else {
            format!("{element} {found:?}")
        }
    })
}

fn covers_root(c: &Ctx<'_, '_>) -> Outcome {
    let Some(si) = signed_info(c) else {
        return Outcome::Fail("the metadata is not signed".into());
    };
    let refs: Vec<String> = si
        .children(ns::DSIG, "Reference")
        .map(|r| r.attr("URI").unwrap_or_default().to_string())
        .collect();
    let id = c.entity.attr("ID").unwrap_or_default();
    Outcome::check(
        !id.is_empty() && refs.len() == 1 && refs[0] == format!("#{id}"),
        || format!("References {refs:?}, EntityDescriptor ID {id:?}"),
    )
}

fn signature_valid(c: &Ctx<'_, '_>) -> Outcome {
    let Some(b64) = cert::signing_cert_b64(c.sp) else {
        return Outcome::Fail("no signing certificate to verify with".into());
    };
    let cert = match TrustedCert::from_base64(&b64) {
        Ok(cert) => cert,
        Err(e) => return Outcome::Fail(format!("the signing certificate is unusable: {e}")),
    };
    match verify_enveloped(c.doc, c.entity, &[cert]) {
        // Wrapping and algorithms have their own checks; here only the cryptography counts.
        Ok(()) | Err(DsigError::Wrapped) => Outcome::Pass,
        Err(DsigError::Algorithm(a)) => Outcome::Fail(format!(
            "not verified: algorithm {a} is refused (see md-signature-algorithm / md-digest-algorithm)"
        )),
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

fn locations_https(c: &Ctx<'_, '_>, element: &'static str) -> Outcome {
    let mut warn = None;
    for e in c.sp_children(element) {
        match https_outcome(element, e.attr("Location").unwrap_or_default()) {
            Outcome::Pass => {}
            Outcome::Warn(w) => warn = Some(w),
            fail => return fail,
        }
    }
    warn.map(Outcome::Warn).unwrap_or(Outcome::Pass)
}

fn indexes_unsigned(c: &Ctx<'_, '_>, element: &'static str) -> Outcome {
    let bad: Vec<String> = c
        .sp_children(element)
        .iter()
        .map(|e| e.attr("index").unwrap_or_default().to_string())
        .filter(|i| i.parse::<u32>().is_err())
        .collect();
    Outcome::check(bad.is_empty(), || format!("{element} index {bad:?}"))
}

/// The children in `namespace` of the md:Extensions of the ContactPersons of `contact_type`.
fn extensions<'d, 'a>(c: &Ctx<'d, 'a>, contact_type: &str, namespace: &str) -> Vec<Node<'d, 'a>> {
    c.contacts(contact_type)
        .into_iter()
        .filter_map(|p| p.child(ns::METADATA, "Extensions"))
        .flat_map(|e| {
            e.elements()
                .filter(|n| n.namespace() == Some(namespace))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The children of the other ContactPerson's md:Extensions in the spid: namespace.
fn spid_extensions<'d, 'a>(c: &Ctx<'d, 'a>) -> Vec<Node<'d, 'a>> {
    extensions(c, "other", ns::SPID)
}

/// The "Entra con CIE" metadata extensions namespace.
const CIE_EXTENSIONS: &str = "https://www.cartaidentita.interno.gov.it/saml-extensions";

/// The children of the administrative ContactPerson's md:Extensions in the CIE namespace.
fn cie_extensions<'d, 'a>(c: &Ctx<'d, 'a>) -> Vec<Node<'d, 'a>> {
    extensions(c, "administrative", CIE_EXTENSIONS)
}

/// The trimmed text of the first of `extensions` named `local`.
fn value_in(extensions: Vec<Node<'_, '_>>, local: &str) -> Option<String> {
    extensions
        .into_iter()
        .find(|n| n.local_name() == local)
        .map(|n| n.text().trim().to_string())
}

fn cie_value(c: &Ctx<'_, '_>, local: &str) -> Option<String> {
    value_in(cie_extensions(c), local)
}

/// Exactly one empty Public or Private among `extensions`, the one of the profile; `whose`
/// ends the failure message.
fn public_or_private(c: &Ctx<'_, '_>, extensions: Vec<Node<'_, '_>>, whose: &str) -> Outcome {
    let wanted = if c.profile.is_private() {
        "Private"
    } else {
        "Public"
    };
    let found: Vec<String> = extensions
        .iter()
        .filter(|n| matches!(n.local_name(), "Public" | "Private"))
        .map(|n| {
            let empty = n.text().trim().is_empty();
            format!(
                "{}{}",
                n.local_name(),
                if empty { "" } else { " (not empty)" }
            )
        })
        .collect();
    Outcome::check(found.len() == 1 && found[0] == wanted, || {
        format!("found {found:?}{whose}, want {wanted}")
    })
}

/// A VAT number with its two-letter country prefix, then letters and digits only.
fn vat_number_ok(v: &str) -> bool {
    v.len() > 2
        && v.is_char_boundary(2)
        && v[..2].chars().all(|ch| ch.is_ascii_uppercase())
        && v[2..].chars().all(|ch| ch.is_ascii_alphanumeric())
}

fn spid_value(c: &Ctx<'_, '_>, local: &str) -> Option<String> {
    value_in(spid_extensions(c), local)
}
