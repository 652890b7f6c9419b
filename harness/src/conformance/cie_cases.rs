//! The "Entra con CIE" Response cases: played as the CIE ID provider (the runner then holds the
//! request to the CIE rules and builds the Response CIE ID writes: Response Issuer without
//! Format, the eIDAS minimum attributes with FriendlyNames, NameID with NameQualifier and
//! SPNameQualifier) against the service's CIE login, under the `cie-sp-*` profiles.
//!
//! What binds the SP is the CIE manual's "Verifica della Response" (chapter "Protocolli"): "il
//! Service Provider prima di utilizzare l'asserzione deve eseguire le seguenti verifiche" (the
//! signatures, Recipient, NotOnOrAfter, InResponseTo; no replay), which the SPID catalogue
//! already proves on the same code path; what CIE adds is the Response's shape, which a service
//! must accept, and the CIE error codes, which end the login. FriendlyName and SPNameQualifier
//! bind nobody on the SP side (SAML Core §2.7.3.1: FriendlyName "is not used as a basis for
//! comparing attributes"; the manual's own Assertion example has no SPNameQualifier): refusing a
//! contradicting one is hardening, reported as a warning.

use super::case::{Mutation, ResponseCase};
use super::cases::{
    accept, anomaly, each_attribute, error_beside_assertion, refuse, waived, with_a, OB_ANOMALY,
    WAIVER_NO_ASSERTION,
};
use mock_idps::saml::ns;
use mock_idps::saml::response::IssuerPlan;

const CIE_RESPONSE: &str = "CIE manuale SP, Protocolli, Response: \"L'attributo Format dell'elemento <samlp:Issuer> non è presente\"; the Assertion and Response examples";
const CIE_ERRORS: &str =
    "CIE manuale SP, Codici di errore (the SPID numbering: 21 timeout, 22 consent denied, 23 CIE expired or revoked, 25 cancelled); SPID RT messaggi-errore";
const SAML_FRIENDLY: &str = "SAML Core §2.7.3.1 (FriendlyName optional, informational)";
const SAML_SPNQ: &str = "SAML Core §2.2.2 (SPNameQualifier: the SP the name is qualified for)";

const ADVICE_FRIENDLY: &str = "no CIE rule tells the SP to check FriendlyName and SAML Core §2.7.3.1 says it is not used to compare attributes: refusing a label that contradicts the Name is hardening";
const ADVICE_SPNQ: &str = "no CIE rule tells the SP to check SPNameQualifier (the binding check is the Audience, SAML Profiles §4.1.4.3); refusing a NameID qualified for another SP is hardening";
const ADVICE_ISSUER_FORMAT: &str = "SAML Profiles §4.1.4.2 tells the IdP to omit Format or use entity; it sets no MUST on the SP: refusing another Format is hardening";

/// Every CIE Response case, in report order.
pub static CIE_RESPONSE_CASES: &[ResponseCase] = &[
    accept(
        "cie-1",
        "CIE Response as CIE ID writes it: Response Issuer without Format, FriendlyNames, NameID with SPNameQualifier",
        CIE_RESPONSE,
        Mutation::None,
    ),
    accept(
        "cie-2",
        "CIE Response whose NameID has no SPNameQualifier (as the CIE manual's Assertion example)",
        CIE_RESPONSE,
        Mutation::Plan(|p, _ctx| with_a(p, |a| a.name_id_sp_qualifier = None)),
    ),
    accept(
        "cie-3",
        "CIE Response whose attributes have no FriendlyName",
        SAML_FRIENDLY,
        Mutation::Plan(|p, _ctx| each_attribute(p, |x| x.friendly_name = None)),
    ),
    refuse(
        "cie-4",
        "CIE Response Issuer with Format transient (not entity)",
        "SAML Profiles §4.1.4.2 (Issuer Format omitted or entity); CIE manuale SP, Protocolli, Response",
        Mutation::Plan(|p, _ctx| {
            if let Some(i) = p.issuer.as_mut() {
                i.format = Some(ns::NAMEID_TRANSIENT.to_string());
            }
        }),
        "issuer-format",
    )
    .advice(ADVICE_ISSUER_FORMAT),
    refuse(
        "cie-5",
        "CIE Assertion Issuer with Format transient (not entity)",
        "SAML Core §2.2.5, SAML Profiles §4.1.4.2 (Assertion Issuer Format entity); CIE manuale SP, Protocolli, Assertion example",
        Mutation::Plan(|p, ctx| {
            with_a(p, |a| {
                a.issuer = Some(IssuerPlan {
                    value: ctx.idp_entity_id.to_string(),
                    format: Some(ns::NAMEID_TRANSIENT.to_string()),
                })
            })
        }),
        "issuer-format",
    )
    .advice(ADVICE_ISSUER_FORMAT),
    refuse(
        "cie-6",
        "CIE attribute fiscalNumber labelled FriendlyName=\"Nome\" (a label that contradicts the Name)",
        SAML_FRIENDLY,
        Mutation::Plan(|p, _ctx| {
            each_attribute(p, |x| {
                if x.name == "fiscalNumber" {
                    x.friendly_name = Some("Nome".to_string());
                }
            })
        }),
        "cie-friendly-names",
    )
    .advice(ADVICE_FRIENDLY),
    refuse(
        "cie-7",
        "CIE NameID SPNameQualifier naming another SP",
        SAML_SPNQ,
        Mutation::Plan(|p, _ctx| {
            with_a(p, |a| {
                a.name_id_sp_qualifier = Some("https://other-sp.spid-harness.example".to_string())
            })
        }),
        "cie-sp-name-qualifier",
    )
    .advice(ADVICE_SPNQ),
    refuse(
        "cie-anomaly-1",
        "CIE error status (code 23, CIE expired or revoked) beside a valid signed Assertion",
        CIE_ERRORS,
        Mutation::Plan(|p, _ctx| error_beside_assertion(p, 23)),
        "status",
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "cie-21",
        "CIE error code 21: timeout",
        CIE_ERRORS,
        Mutation::Plan(|p, _ctx| anomaly(p, 21)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "cie-22",
        "CIE error code 22: consent denied",
        CIE_ERRORS,
        Mutation::Plan(|p, _ctx| anomaly(p, 22)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "cie-23",
        "CIE error code 23: CIE expired or revoked, or credentials blocked",
        CIE_ERRORS,
        Mutation::Plan(|p, _ctx| anomaly(p, 23)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
    waived(
        "cie-25",
        "CIE error code 25: user cancelled",
        CIE_ERRORS,
        Mutation::Plan(|p, _ctx| anomaly(p, 25)),
        WAIVER_NO_ASSERTION,
    )
    .obliged_by(OB_ANOMALY),
];

/// The CIE cases whose id is in `only` (all when `only` is empty).
pub fn select(only: &[String]) -> Vec<&'static ResponseCase> {
    CIE_RESPONSE_CASES
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|id| id == c.id))
        .collect()
}
