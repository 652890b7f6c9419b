//! Fault switches: every check the reference SP runs on a Response has a stable name, and any
//! subset can be switched off to make a "mutant" SP that accepts what the check refuses. The
//! `md-*` and `req-*` switches make the SP's own metadata or AuthnRequests break one rule each
//! (named as the `spid-harness check` metadata and AuthnRequest check they prove).

pub use fault_switches::{Fault, UnknownFault};

/// Every switch, sorted by name.
pub static ALL: &[Fault] = &[
    Fault { name: "assertion-id", description: "Assertion ID present and a valid xs:ID" },
    Fault { name: "assertion-issue-instant", description: "Assertion IssueInstant present, UTC, not before the request and not in the future (beyond the skew)" },
    Fault { name: "assertion-signature", description: "the Assertion carries a signature that verifies with the IdP's metadata certificate" },
    Fault { name: "attributes", description: "AttributeStatement present, not empty, exactly the requested attributes (none missing, none extra)" },
    Fault { name: "audience", description: "Conditions/AudienceRestriction/Audience equals our entityID" },
    Fault { name: "authn-context", description: "AuthnContextClassRef is a SPID level URI acceptable for the requested level and Comparison" },
    Fault { name: "cie-friendly-names", description: "CIE: every attribute is a CIE one, and its FriendlyName, if present, is the CIE one of its Name" },
    Fault { name: "cie-sp-name-qualifier", description: "CIE: the NameID SPNameQualifier, if present, is our entityID" },
    Fault { name: "cns-cf", description: "CNS: the subject CN begins with a valid codice fiscale (check character included)" },
    Fault { name: "cns-chain", description: "CNS: the card chains to a trusted CNS issuer (an unknown CA is refused at handshake)" },
    Fault { name: "cns-policy", description: "CNS: certificatePolicies contain the CNS (1.3.76.16.2.1) or CIE (1.3.76.47.4) policy" },
    Fault { name: "cns-revocation", description: "CNS: the issuers' CRLs are applied at handshake (a revoked card is refused)" },
    Fault { name: "cns-validity", description: "CNS: the card is within its validity period at handshake" },
    Fault { name: "conditions", description: "Conditions present with NotBefore <= now+skew and NotOnOrAfter > now-skew" },
    Fault { name: "consumed-assertion", description: "the Assertion read is the Response's child whose signature was checked (off: the first Assertion in document order is read, wherever it is; a wrapping bug that needs single-assertion off too)" },
    Fault { name: "destination", description: "Response Destination equals the ACS URL reached" },
    Fault { name: "destination-unsigned", description: "Destination is checked on an unsigned Response too (off: only a signed Response's Destination is checked, a bug that needs two changes together)" },
    Fault { name: "in-response-to", description: "InResponseTo names an outstanding request of this browser session (used once)" },
    Fault { name: "issuer", description: "Response and Assertion Issuer equal the entityID of the IdP the request went to" },
    Fault { name: "issuer-format", description: "Assertion Issuer Format is entity; Response Issuer Format absent or entity" },
    Fault { name: "md-acs", description: "metadata: at least one AssertionConsumerService" },
    Fault { name: "md-acs-binding", description: "metadata: every AssertionConsumerService uses the HTTP-POST binding" },
    Fault { name: "md-acs-default", description: "metadata: exactly one AssertionConsumerService isDefault=\"true\", with index 0" },
    Fault { name: "md-acs-https", description: "metadata: AssertionConsumerService Locations are https (not plain http off loopback)" },
    Fault { name: "md-acs-index", description: "metadata: every AssertionConsumerService index is an unsigned integer" },
    Fault { name: "md-attribute-service", description: "metadata: at least one AttributeConsumingService" },
    Fault { name: "md-attribute-service-index", description: "metadata: AttributeConsumingService indexes are unsigned and unique" },
    Fault { name: "md-authn-requests-signed", description: "metadata: SPSSODescriptor AuthnRequestsSigned=\"true\"" },
    Fault { name: "md-billing-contact", description: "metadata (private): a billing ContactPerson with CessionarioCommittente" },
    Fault { name: "md-billing-email", description: "metadata (private): the billing ContactPerson has an EmailAddress" },
    Fault { name: "md-cert-basic-constraints", description: "metadata: the signing certificate is not a CA (basicConstraints CA:FALSE)" },
    Fault { name: "md-cert-common-name", description: "metadata: certificate commonName equals OrganizationDisplayName" },
    Fault { name: "md-cert-key-size", description: "metadata: the signing certificate has an RSA key of at least 2048 bits" },
    Fault { name: "md-cert-key-usage", description: "metadata: certificate keyUsage is exactly digitalSignature and nonRepudiation" },
    Fault { name: "md-cert-organization-identifier", description: "metadata: certificate organizationIdentifier has the PA:IT- / VATIT- / CF:IT- form" },
    Fault { name: "md-cert-organization-name", description: "metadata: certificate organizationName equals OrganizationName" },
    Fault { name: "md-cert-parse", description: "metadata: the signing certificate is a readable X.509 certificate" },
    Fault { name: "md-cert-policy-agid", description: "metadata: certificatePolicies holds agIDcert 1.3.76.16.6" },
    Fault { name: "md-cert-policy-sector", description: "metadata: certificatePolicies holds the public or private SP policy OID" },
    Fault { name: "md-cert-signature-hash", description: "metadata: the certificate is signed with SHA-256 or stronger" },
    Fault { name: "md-cert-subject-forbidden", description: "metadata: the certificate subject has no personal-name attributes" },
    Fault { name: "md-cert-subject-required", description: "metadata: the certificate subject has CN, O, uri, organizationIdentifier, C, L" },
    Fault { name: "md-cert-uri-entity-id", description: "metadata: certificate uri equals the entityID" },
    Fault { name: "md-cert-validity", description: "metadata: the signing certificate is within its validity period" },
    Fault { name: "md-cie-company", description: "metadata (CIE): the administrative ContactPerson's Company equals OrganizationName" },
    Fault { name: "md-cie-contact-administrative", description: "metadata (CIE): one ContactPerson contactType=\"administrative\"" },
    Fault { name: "md-cie-contact-email", description: "metadata (CIE): the administrative ContactPerson has an EmailAddress" },
    Fault { name: "md-cie-fiscal-code", description: "metadata (CIE, private): cie:FiscalCode" },
    Fault { name: "md-cie-ipa-code", description: "metadata (CIE, public): cie:IPACode" },
    Fault { name: "md-cie-municipality", description: "metadata (CIE): cie:Municipality, the Belfiore code in upper case" },
    Fault { name: "md-cie-nace2-code", description: "metadata (CIE, private): at least one cie:NACE2Code" },
    Fault { name: "md-cie-public-private", description: "metadata (CIE): exactly one empty cie:Public or cie:Private, matching the profile" },
    Fault { name: "md-cie-slo-redirect", description: "metadata (CIE): a SingleLogoutService with the HTTP-Redirect binding" },
    Fault { name: "md-cie-vat-number-format", description: "metadata (CIE, private): cie:VATNumber has its country prefix and no spaces" },
    Fault { name: "md-contact-email", description: "metadata: the other ContactPerson has an EmailAddress" },
    Fault { name: "md-contact-other", description: "metadata: exactly one ContactPerson contactType=\"other\"" },
    Fault { name: "md-contact-phone", description: "metadata: TelephoneNumber without spaces" },
    Fault { name: "md-digest-algorithm", description: "metadata: the signature digest is SHA-256 or stronger" },
    Fault { name: "md-entity-descriptor", description: "metadata: the root element is one md:EntityDescriptor" },
    Fault { name: "md-entity-id", description: "metadata: entityID present and not empty" },
    Fault { name: "md-entity-id-https", description: "metadata: entityID is an https URL without port or query" },
    Fault { name: "md-ipa-code", description: "metadata (public): spid:IPACode in the other ContactPerson" },
    Fault { name: "md-key-descriptor-encryption", description: "metadata: an encryption KeyDescriptor, if any, carries a certificate" },
    Fault { name: "md-key-descriptor-signing", description: "metadata: a signing KeyDescriptor with an X509Certificate" },
    Fault { name: "md-name-id-format", description: "metadata: NameIDFormat, if present, is transient" },
    Fault { name: "md-organization", description: "metadata: exactly one Organization" },
    Fault { name: "md-organization-lang", description: "metadata: OrganizationName, DisplayName and URL in xml:lang=\"it\"" },
    Fault { name: "md-organization-langs-match", description: "metadata: Organization children come in the same languages" },
    Fault { name: "md-organization-url", description: "metadata: OrganizationURL is an http(s) URL" },
    Fault { name: "md-protocol-support", description: "metadata: protocolSupportEnumeration names SAML 2.0" },
    Fault { name: "md-public-private", description: "metadata: exactly one empty spid:Public or spid:Private, matching the profile" },
    Fault { name: "md-requested-attribute", description: "metadata: every AttributeConsumingService requests at least one attribute" },
    Fault { name: "md-requested-attribute-name", description: "metadata: RequestedAttribute names are SPID attribute names" },
    Fault { name: "md-requested-attribute-unique", description: "metadata: no RequestedAttribute twice in one service" },
    Fault { name: "md-service-name", description: "metadata: every AttributeConsumingService has a non-empty ServiceName" },
    Fault { name: "md-signature", description: "metadata: the EntityDescriptor carries an enveloped ds:Signature" },
    Fault { name: "md-signature-algorithm", description: "metadata: the signature method is RSA/ECDSA with SHA-256 or stronger" },
    Fault { name: "md-signature-covers-root", description: "metadata: the signature references the EntityDescriptor itself" },
    Fault { name: "md-signature-valid", description: "metadata: the signature verifies with the metadata's own signing certificate" },
    Fault { name: "md-slo", description: "metadata: at least one SingleLogoutService" },
    Fault { name: "md-slo-binding", description: "metadata: SingleLogoutService bindings are HTTP-POST, HTTP-Redirect or SOAP" },
    Fault { name: "md-slo-https", description: "metadata: SingleLogoutService Locations are https (not plain http off loopback)" },
    Fault { name: "md-sp-descriptor", description: "metadata: exactly one SPSSODescriptor" },
    Fault { name: "md-vat-fiscal-code", description: "metadata (private): spid:VATNumber or spid:FiscalCode in the other ContactPerson" },
    Fault { name: "md-vat-number-format", description: "metadata (private): spid:VATNumber starts with its ISO 3166 country code" },
    Fault { name: "name-id", description: "NameID present, Format transient, NameQualifier present" },
    Fault { name: "no-dtd", description: "a Response with a DOCTYPE or ENTITY declaration is refused before parsing" },
    Fault { name: "relay-state", description: "the RelayState posted with the Response is exactly the one sent with the request (SAML Bindings §3.5.3)" },
    Fault { name: "replay", description: "Response and Assertion IDs already consumed are refused until their NotOnOrAfter" },
    Fault { name: "req-acs-index-in-metadata", description: "AuthnRequest: AssertionConsumerServiceIndex is an index of our metadata" },
    Fault { name: "req-acs-index-xor-url", description: "AuthnRequest: AssertionConsumerServiceIndex, or ACS URL with ProtocolBinding, never both" },
    Fault { name: "req-acs-url-in-metadata", description: "AuthnRequest: an AssertionConsumerServiceURL is a Location of our metadata" },
    Fault { name: "req-attribute-index", description: "AuthnRequest: AttributeConsumingServiceIndex present" },
    Fault { name: "req-attribute-index-in-metadata", description: "AuthnRequest: AttributeConsumingServiceIndex is an index of our metadata" },
    Fault { name: "req-authn-context-class-ref", description: "AuthnRequest: AuthnContextClassRef is a SPID level URI" },
    Fault { name: "req-authn-context-single", description: "AuthnRequest: exactly one AuthnContextClassRef" },
    Fault { name: "req-comparison", description: "AuthnRequest: Comparison present and exact, minimum, better or maximum" },
    Fault { name: "req-conditions", description: "AuthnRequest: Conditions, if present, carry UTC instants" },
    Fault { name: "req-decodes", description: "AuthnRequest: SAMLRequest is base64 (DEFLATE on Redirect) of an AuthnRequest" },
    Fault { name: "req-destination", description: "AuthnRequest: Destination present" },
    Fault { name: "req-destination-value", description: "AuthnRequest: Destination is the IdP's SSO URL or entityID" },
    Fault { name: "req-force-authn", description: "AuthnRequest: ForceAuthn=\"true\" above SpidL1" },
    Fault { name: "req-id", description: "AuthnRequest: ID present" },
    Fault { name: "req-id-format", description: "AuthnRequest: ID is an xs:ID (starts with a letter or underscore)" },
    Fault { name: "req-id-unique", description: "AuthnRequest: a new ID for every request" },
    Fault { name: "req-is-passive", description: "AuthnRequest: no IsPassive attribute" },
    Fault { name: "req-issue-instant", description: "AuthnRequest: IssueInstant present" },
    Fault { name: "req-issue-instant-format", description: "AuthnRequest: IssueInstant in UTC with a Z" },
    Fault { name: "req-issue-instant-skew", description: "AuthnRequest: IssueInstant is now (within the skew)" },
    Fault { name: "req-issuer", description: "AuthnRequest: Issuer present" },
    Fault { name: "req-issuer-format", description: "AuthnRequest: Issuer Format is entity" },
    Fault { name: "req-issuer-name-qualifier", description: "AuthnRequest: Issuer NameQualifier present" },
    Fault { name: "req-issuer-value", description: "AuthnRequest: Issuer equals our entityID" },
    Fault { name: "req-name-id-policy", description: "AuthnRequest: NameIDPolicy present" },
    Fault { name: "req-name-id-policy-allow-create", description: "AuthnRequest: NameIDPolicy without AllowCreate" },
    Fault { name: "req-name-id-policy-format", description: "AuthnRequest: NameIDPolicy Format transient" },
    Fault { name: "req-no-dtd", description: "AuthnRequest: no DOCTYPE" },
    Fault { name: "req-post-digest-algorithm", description: "AuthnRequest (POST): digest SHA-256 or stronger" },
    Fault { name: "req-post-signature", description: "AuthnRequest (POST): an enveloped ds:Signature" },
    Fault { name: "req-post-signature-algorithm", description: "AuthnRequest (POST): signature method SHA-256 or stronger" },
    Fault { name: "req-post-signature-covers-root", description: "AuthnRequest (POST): the signature references the AuthnRequest itself" },
    Fault { name: "req-post-signature-valid", description: "AuthnRequest (POST): the signature verifies with our metadata certificate" },
    Fault { name: "req-protocol-binding", description: "AuthnRequest: with an ACS URL, ProtocolBinding is HTTP-POST" },
    Fault { name: "req-purpose", description: "AuthnRequest: spid:Purpose, if present, is a code of Avviso 18" },
    Fault { name: "req-redirect-no-xml-signature", description: "AuthnRequest (Redirect): no ds:Signature inside the XML" },
    Fault { name: "req-redirect-sigalg", description: "AuthnRequest (Redirect): SigAlg parameter present" },
    Fault { name: "req-redirect-sigalg-allowed", description: "AuthnRequest (Redirect): SigAlg is RSA/ECDSA with SHA-256 or stronger" },
    Fault { name: "req-redirect-signature", description: "AuthnRequest (Redirect): Signature parameter present" },
    Fault { name: "req-redirect-signature-valid", description: "AuthnRequest (Redirect): the query signature verifies with our metadata certificate" },
    Fault { name: "req-relay-state", description: "AuthnRequest: RelayState present" },
    Fault { name: "req-relay-state-length", description: "AuthnRequest: RelayState at most 80 bytes" },
    Fault { name: "req-relay-state-opaque", description: "AuthnRequest: RelayState holds no URL" },
    Fault { name: "req-requested-authn-context", description: "AuthnRequest: RequestedAuthnContext present" },
    Fault { name: "req-scoping", description: "AuthnRequest: Scoping, if present, has ProxyCount=\"0\"" },
    Fault { name: "req-subject", description: "AuthnRequest: Subject, if present, has one NameID with Format and NameQualifier" },
    Fault { name: "req-version", description: "AuthnRequest: Version=\"2.0\"" },
    Fault { name: "response-id", description: "Response ID present and a valid xs:ID" },
    Fault { name: "response-issue-instant", description: "Response IssueInstant present, UTC, not before the request and not in the future (beyond the skew)" },
    Fault { name: "response-signature", description: "a Response signature, when present, must verify with the IdP's metadata certificate" },
    Fault { name: "session-index", description: "AuthnStatement SessionIndex present at L1 and absent at L2/L3" },
    Fault { name: "signature-algorithm", description: "signature and digest algorithms are SHA-256 or stronger (no SHA-1)" },
    Fault { name: "signed-node", description: "each verified signature covers exactly its parent, the Response root or the consumed Assertion (no wrapping)" },
    Fault { name: "single-assertion", description: "exactly one Assertion, a child of the Response, and no EncryptedAssertion" },
    Fault { name: "slo-destination", description: "an inbound LogoutRequest or LogoutResponse has Destination = our SLO endpoint" },
    Fault { name: "slo-in-response-to", description: "a LogoutResponse answers a pending LogoutRequest of ours, once" },
    Fault { name: "slo-replay", description: "a LogoutRequest ID already processed is refused" },
    Fault { name: "slo-signature", description: "inbound logout messages carry a signature that verifies with the IdP's certificate" },
    Fault { name: "slo-unknown-session", description: "a LogoutRequest for a session we do not have is answered with a non-Success status" },
    Fault { name: "status", description: "StatusCode is Success; otherwise the SPID error page is shown" },
    Fault { name: "subject-confirmation", description: "SubjectConfirmation bearer with Recipient = ACS, InResponseTo = request ID, NotOnOrAfter in the future" },
    Fault { name: "text-nodes", description: "NameID and attribute values are all their text, comments skipped (not only the first text node: CVE-2017-11427)" },
    Fault { name: "version", description: "Response and Assertion Version are \"2.0\"" },
];

/// The reference SP's switches: [`ALL`].
#[derive(Debug, Clone, Copy)]
pub struct SpSwitches;

impl fault_switches::Catalogue for SpSwitches {
    const TABLES: &'static [&'static [Fault]] = &[ALL];
}

/// A set of switched-off checks; the default (none) is the strict SP.
pub type Faults = fault_switches::Faults<SpSwitches>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_unique_kebab() {
        assert_eq!(Faults::check_catalogue(), Ok(()));
    }

    #[test]
    fn parse_and_query() {
        let f = Faults::parse("audience, replay").unwrap();
        assert!(f.is_off("audience") && f.is_off("replay") && !f.is_off("issuer"));
        assert_eq!(f.names(), vec!["audience", "replay"]);
        assert_eq!(Faults::parse("").unwrap(), Faults::none());
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let e = Faults::parse("audiance").unwrap_err();
        assert_eq!(e.suggestion, Some("audience"));
        assert!(e.to_string().contains("did you mean \"audience\""));
        let e = Faults::parse("zzzzzzzzzzzz").unwrap_err();
        assert_eq!(e.suggestion, None);
    }
}
