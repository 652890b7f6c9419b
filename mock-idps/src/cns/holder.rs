//! Reads the card holder from a verified client certificate, the way CNS relying services do
//! (docs/rules/cns.md, CNSA): the codice fiscale is the first 16 characters of the subject CN,
//! givenName and surname from the subject, and the certificatePolicies must contain the CNS
//! (1.3.76.16.2.1) or CIE (1.3.76.47.4) policy.

use crate::cns::pki::{POLICY_CIE, POLICY_CNS};
use crate::spid::fiscal_code;
use serde::Serialize;
use x509_parser::prelude::*;

/// The identity a card hands to the service (`GET /cns/whoami`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardIdentity {
    /// The codice fiscale, `TINIT-` prefixed as SPID/CIE attributes carry it.
    pub fiscal_number: String,
    /// Given name.
    pub name: String,
    /// Surname.
    pub family_name: String,
    /// The issuing CA's commonName.
    pub issuer: String,
    /// `cns` or `cie`: which policy the certificate carries.
    pub policy: String,
    /// Certificate serial, lowercase hex.
    pub serial: String,
}

/// Why a verified certificate is not a CNS (or CIE) authentication certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HolderError {
    /// The DER is not an X.509 certificate.
    #[error("the client certificate is not a readable X.509 certificate: {0}")]
    Unreadable(String),
    /// The subject has no commonName.
    #[error("the client certificate subject has no commonName")]
    NoCommonName,
    /// The CN does not begin with a valid codice fiscale.
    #[error("the subject CN {cn:?} does not begin with a valid codice fiscale: {why}")]
    NoFiscalCode {
        /// The CN.
        cn: String,
        /// What the codice fiscale check said.
        why: String,
    },
    /// Neither the CNS nor the CIE policy.
    #[error("the certificate policies [{found}] contain neither the CNS policy 1.3.76.16.2.1 nor the CIE policy 1.3.76.47.4 (a \"CNS-like\" certificate)")]
    Policy {
        /// The policies found.
        found: String,
    },
}

/// Reads and checks the holder of a client certificate already verified by the TLS layer.
pub fn read_holder(der: &[u8]) -> Result<CardIdentity, HolderError> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| HolderError::Unreadable(e.to_string()))?;
    let subject = cert.subject();
    let cn = first_attr(subject, &x509_parser::oid_registry::OID_X509_COMMON_NAME)
        .ok_or(HolderError::NoCommonName)?;
    // CNSA reads substr(SSL_CLIENT_S_DN_CN, 0, 16); we also validate it (check character).
    let cf: String = cn.chars().take(16).collect();
    fiscal_code::validate(&cf).map_err(|e| HolderError::NoFiscalCode {
        cn: cn.clone(),
        why: e.to_string(),
    })?;
    let policies = policies_of(&cert);
    let policy = if policies.iter().any(|p| p == POLICY_CNS) {
        "cns"
    } else if policies.iter().any(|p| p == POLICY_CIE) {
        "cie"
    } else {
        return Err(HolderError::Policy {
            found: policies.join(", "),
        });
    };
    Ok(CardIdentity {
        fiscal_number: format!("TINIT-{cf}"),
        name: first_attr(subject, &x509_parser::oid_registry::OID_X509_GIVEN_NAME)
            .unwrap_or_default(),
        family_name: first_attr(subject, &x509_parser::oid_registry::OID_X509_SURNAME)
            .unwrap_or_default(),
        issuer: first_attr(
            cert.issuer(),
            &x509_parser::oid_registry::OID_X509_COMMON_NAME,
        )
        .unwrap_or_default(),
        policy: policy.to_string(),
        serial: crate::cns::mint::hex(cert.raw_serial()),
    })
}

/// The certificatePolicies OIDs, dotted.
pub fn policies_of(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter_map(|ext| match ext.parsed_extension() {
            ParsedExtension::CertificatePolicies(p) => Some(
                p.iter()
                    .map(|info| info.policy_id.to_id_string())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

fn first_attr(name: &X509Name<'_>, oid: &x509_parser::der_parser::oid::Oid<'_>) -> Option<String> {
    name.iter_by_oid(oid)
        .next()
        .and_then(|a| a.as_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cns::pki::{pem_der, CnsPki};

    fn card_der(variant: &str) -> Vec<u8> {
        let pki = CnsPki::embedded().expect("pki");
        let card = pki.card("mario.rossi", variant).expect("card");
        pem_der(&card.cert_pem, variant).expect("pem")
    }

    #[test]
    fn valid_card_yields_the_holder() {
        let id = read_holder(&card_der("valid")).expect("holder");
        assert_eq!(id.fiscal_number, "TINIT-RSSMRA80A01H501U");
        assert_eq!(id.name, "MARIO");
        assert_eq!(id.family_name, "ROSSI");
        assert_eq!(id.policy, "cns");
        assert!(id.issuer.contains("Regione"), "{}", id.issuer);
    }

    #[test]
    fn cie_card_is_read_with_the_cie_policy() {
        assert_eq!(read_holder(&card_der("cie")).expect("holder").policy, "cie");
    }

    #[test]
    fn no_cf_and_cns_like_are_refused_with_the_reason() {
        let err = read_holder(&card_der("no-cf")).unwrap_err();
        assert!(matches!(err, HolderError::NoFiscalCode { .. }), "{err}");
        let err = read_holder(&card_der("cns-like")).unwrap_err();
        assert!(err.to_string().contains("1.3.6.1.4.1.99999.2.1"), "{err}");
    }

    #[test]
    fn garbage_is_unreadable_not_a_panic() {
        assert!(matches!(
            read_holder(b"\x30\x03junk"),
            Err(HolderError::Unreadable(_))
        ));
    }
}
