//! The SPID Response as a plan (every element and attribute, each absent, empty or valued), and
//! its rendering and signing. The IdP fills a plan from the request and the identity; the
//! conformance suite changes one field of a correct plan before signing.

use super::keys::SigningKey;
use super::ns;
use super::xml_writer::XmlWriter;

/// An Issuer element: value and optional Format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerPlan {
    /// Text.
    pub value: String,
    /// `Format`; `None` omits it.
    pub format: Option<String>,
}

/// The Response status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPlan {
    /// Top-level `StatusCode/@Value`.
    pub code: String,
    /// Nested `StatusCode/@Value`.
    pub sub_code: Option<String>,
    /// `StatusMessage` text.
    pub message: Option<String>,
}

impl StatusPlan {
    /// `urn:…:status:Success`.
    pub fn success() -> Self {
        Self {
            code: ns::STATUS_SUCCESS.to_string(),
            sub_code: None,
            message: None,
        }
    }
}

/// One attribute of the AttributeStatement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributePlan {
    /// `Name` (the SPID attribute name).
    pub name: String,
    /// `NameFormat`; `None` omits it.
    pub name_format: Option<String>,
    /// `FriendlyName` (CIE uses it).
    pub friendly_name: Option<String>,
    /// The value.
    pub value: String,
    /// `xsi:type` of the value (`xs:string`, `xs:date`); `None` omits it.
    pub xsi_type: Option<String>,
}

/// The Assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionPlan {
    /// `ID`.
    pub id: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `IssueInstant`.
    pub issue_instant: Option<String>,
    /// `saml:Issuer`.
    pub issuer: Option<IssuerPlan>,
    /// `NameID` text.
    pub name_id: Option<String>,
    /// `NameID/@Format`.
    pub name_id_format: Option<String>,
    /// `NameID/@NameQualifier`.
    pub name_id_qualifier: Option<String>,
    /// `NameID/@SPNameQualifier` (CIE).
    pub name_id_sp_qualifier: Option<String>,
    /// `SubjectConfirmation/@Method`.
    pub confirmation_method: Option<String>,
    /// `SubjectConfirmationData/@Recipient`.
    pub recipient: Option<String>,
    /// `SubjectConfirmationData/@InResponseTo`.
    pub confirmation_in_response_to: Option<String>,
    /// `SubjectConfirmationData/@NotOnOrAfter`.
    pub confirmation_not_on_or_after: Option<String>,
    /// `Conditions/@NotBefore`.
    pub not_before: Option<String>,
    /// `Conditions/@NotOnOrAfter`.
    pub not_on_or_after: Option<String>,
    /// `AudienceRestriction/Audience` text.
    pub audience: Option<String>,
    /// `AuthnStatement/@AuthnInstant`.
    pub authn_instant: Option<String>,
    /// `AuthnStatement/@SessionIndex` (L1 only, SPID rules).
    pub session_index: Option<String>,
    /// `AuthnContextClassRef` text.
    pub authn_context_class_ref: Option<String>,
    /// The attributes; an empty list omits the AttributeStatement.
    pub attributes: Vec<AttributePlan>,
    /// Whether to sign the Assertion.
    pub signed: bool,
}

/// The Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsePlan {
    /// `ID`.
    pub id: Option<String>,
    /// `Version`.
    pub version: Option<String>,
    /// `IssueInstant`.
    pub issue_instant: Option<String>,
    /// `InResponseTo`.
    pub in_response_to: Option<String>,
    /// `Destination`.
    pub destination: Option<String>,
    /// `saml:Issuer`.
    pub issuer: Option<IssuerPlan>,
    /// `samlp:Status`.
    pub status: StatusPlan,
    /// The Assertion; none on errors.
    pub assertion: Option<AssertionPlan>,
    /// Whether to sign the Response.
    pub signed: bool,
}

/// Why a plan could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An element to sign has no ID to reference.
    #[error("cannot sign the {0}: it has no ID")]
    NoId(&'static str),
    /// Signing failed.
    #[error(transparent)]
    Dsig(#[from] super::dsig::DsigError),
}

impl ResponsePlan {
    /// The unsigned XML.
    pub fn to_xml(&self) -> String {
        self.render(None)
    }

    /// The XML, with `signed_assertion` (already signed markup) in place of the Assertion.
    fn render(&self, signed_assertion: Option<&str>) -> String {
        let mut w = XmlWriter::new();
        w.open_opt(
            "samlp:Response",
            &[
                ("xmlns:samlp", Some(ns::PROTOCOL)),
                ("xmlns:saml", Some(ns::ASSERTION)),
                ("Destination", self.destination.as_deref()),
                ("ID", self.id.as_deref()),
                ("InResponseTo", self.in_response_to.as_deref()),
                ("IssueInstant", self.issue_instant.as_deref()),
                ("Version", self.version.as_deref()),
            ],
        );
        if let Some(issuer) = &self.issuer {
            write_issuer(&mut w, issuer);
        }
        w.open("samlp:Status", &[]);
        w.open("samlp:StatusCode", &[("Value", &self.status.code)]);
        if let Some(sub) = &self.status.sub_code {
            w.empty("samlp:StatusCode", &[("Value", sub)]);
        }
        w.close("samlp:StatusCode");
        if let Some(msg) = &self.status.message {
            w.leaf("samlp:StatusMessage", &[], msg);
        }
        w.close("samlp:Status");
        match (signed_assertion, &self.assertion) {
            (Some(signed), _) => {
                w.raw(signed);
            }
            (None, Some(a)) => write_assertion(&mut w, a, false),
            (None, None) => {}
        }
        w.close("samlp:Response");
        w.finish()
    }

    /// The XML signed as the plan says: Assertion first, then the Response around it.
    ///
    /// The Assertion is signed as a document of its own (declaring `saml:` itself) and then
    /// placed in the Response: exclusive C14N renders only visibly used namespaces, so its
    /// canonical form, and the digest, are the same inside the Response; each parse is smaller.
    pub fn sign(&self, key: &SigningKey) -> Result<String, BuildError> {
        let signed_assertion = match self.assertion.as_ref().filter(|a| a.signed) {
            Some(a) => {
                let id =
                    a.id.as_deref()
                        .filter(|s| !s.is_empty())
                        .ok_or(BuildError::NoId("Assertion"))?;
                let mut w = XmlWriter::new();
                write_assertion(&mut w, a, true);
                Some(super::dsig::sign_enveloped(&w.finish(), id, key)?)
            }
            None => None,
        };
        let mut xml = self.render(signed_assertion.as_deref());
        if self.signed {
            let id = self
                .id
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or(BuildError::NoId("Response"))?;
            xml = super::dsig::sign_enveloped(&xml, id, key)?;
        }
        Ok(xml)
    }
}

fn write_issuer(w: &mut XmlWriter, issuer: &IssuerPlan) {
    w.open_opt("saml:Issuer", &[("Format", issuer.format.as_deref())])
        .text(&issuer.value)
        .close("saml:Issuer");
}

fn write_assertion(w: &mut XmlWriter, a: &AssertionPlan, declare_saml: bool) {
    w.open_opt(
        "saml:Assertion",
        &[
            ("xmlns:saml", declare_saml.then_some(ns::ASSERTION)),
            ("ID", a.id.as_deref()),
            ("IssueInstant", a.issue_instant.as_deref()),
            ("Version", a.version.as_deref()),
        ],
    );
    if let Some(issuer) = &a.issuer {
        write_issuer(w, issuer);
    }
    w.open("saml:Subject", &[]);
    if let Some(name_id) = &a.name_id {
        w.open_opt(
            "saml:NameID",
            &[
                ("Format", a.name_id_format.as_deref()),
                ("NameQualifier", a.name_id_qualifier.as_deref()),
                ("SPNameQualifier", a.name_id_sp_qualifier.as_deref()),
            ],
        )
        .text(name_id)
        .close("saml:NameID");
    }
    w.open_opt(
        "saml:SubjectConfirmation",
        &[("Method", a.confirmation_method.as_deref())],
    );
    w.open_opt(
        "saml:SubjectConfirmationData",
        &[
            ("InResponseTo", a.confirmation_in_response_to.as_deref()),
            ("NotOnOrAfter", a.confirmation_not_on_or_after.as_deref()),
            ("Recipient", a.recipient.as_deref()),
        ],
    )
    .close("saml:SubjectConfirmationData")
    .close("saml:SubjectConfirmation")
    .close("saml:Subject");
    w.open_opt(
        "saml:Conditions",
        &[
            ("NotBefore", a.not_before.as_deref()),
            ("NotOnOrAfter", a.not_on_or_after.as_deref()),
        ],
    );
    if let Some(audience) = &a.audience {
        w.open("saml:AudienceRestriction", &[])
            .leaf("saml:Audience", &[], audience)
            .close("saml:AudienceRestriction");
    }
    w.close("saml:Conditions");
    w.open_opt(
        "saml:AuthnStatement",
        &[
            ("AuthnInstant", a.authn_instant.as_deref()),
            ("SessionIndex", a.session_index.as_deref()),
        ],
    );
    w.open("saml:AuthnContext", &[]);
    if let Some(acr) = &a.authn_context_class_ref {
        w.leaf("saml:AuthnContextClassRef", &[], acr);
    }
    w.close("saml:AuthnContext").close("saml:AuthnStatement");
    if !a.attributes.is_empty() {
        w.open("saml:AttributeStatement", &[]);
        for attr in &a.attributes {
            w.open_opt(
                "saml:Attribute",
                &[
                    ("FriendlyName", attr.friendly_name.as_deref()),
                    ("Name", Some(&attr.name)),
                    ("NameFormat", attr.name_format.as_deref()),
                ],
            );
            match &attr.xsi_type {
                Some(t) => w.open(
                    "saml:AttributeValue",
                    &[
                        ("xmlns:xs", ns::XS),
                        ("xmlns:xsi", ns::XSI),
                        ("xsi:type", t),
                    ],
                ),
                None => w.open("saml:AttributeValue", &[]),
            };
            w.text(&attr.value)
                .close("saml:AttributeValue")
                .close("saml:Attribute");
        }
        w.close("saml:AttributeStatement");
    }
    w.close("saml:Assertion");
}
