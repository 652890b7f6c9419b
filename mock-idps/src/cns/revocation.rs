//! Live revocation state of the test CAs and the CRLs made from it (RFC 5280 §5): every change
//! bumps the CRL number and re-signs each CA's CRL, so the CRL served over HTTP and the one the
//! mutual-TLS listener applies are always the current ones.

use crate::cns::pki::{CnsPki, LoadedCa};
use crate::cns::CnsError;
use rcgen::{
    CertificateRevocationListParams, Issuer, KeyIdMethod, RevocationReason, RevokedCertParams,
    SerialNumber,
};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// How long a CRL is declared fresh (nextUpdate − thisUpdate).
pub const CRL_LIFETIME: Duration = Duration::days(1);

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Revoked {
    /// Serial, lowercase hex.
    pub serial: String,
    /// When the CA revoked it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The revoked serials of every CA and the CRL number.
#[derive(Debug, Clone, Default)]
pub struct RevocationState {
    by_ca: BTreeMap<String, Vec<Revoked>>,
    crl_number: u64,
}

impl RevocationState {
    /// The state at start: every committed card of a `revoked = true` variant is revoked, at
    /// its CA's validity start (an instant every clock is past).
    pub fn initial(pki: &CnsPki) -> Self {
        let mut state = Self {
            by_ca: BTreeMap::new(),
            crl_number: 1,
        };
        for card in &pki.cards {
            let revoked = pki
                .table
                .variant(&card.record.variant)
                .map(|v| v.revoked)
                .unwrap_or(false);
            if revoked {
                state
                    .by_ca
                    .entry(card.record.ca.clone())
                    .or_default()
                    .push(Revoked {
                        serial: card.record.serial.clone(),
                        at: time::macros::datetime!(2025-01-01 00:00 UTC),
                    });
            }
        }
        state
    }

    /// Revokes `serial` of CA `ca` at `at`; `false` when it was already revoked.
    pub fn revoke(&mut self, ca: &str, serial: &str, at: OffsetDateTime) -> bool {
        let serial = serial.trim().to_ascii_lowercase();
        let list = self.by_ca.entry(ca.to_string()).or_default();
        if list.iter().any(|r| r.serial == serial) {
            return false;
        }
        list.push(Revoked { serial, at });
        self.crl_number += 1;
        true
    }

    /// Whether `serial` of `ca` is revoked, and since when.
    pub fn status(&self, ca: &str, serial: &str) -> Option<&Revoked> {
        let serial = serial.to_ascii_lowercase();
        self.by_ca
            .get(ca)
            .and_then(|l| l.iter().find(|r| r.serial == serial))
    }

    /// The revoked certificates of `ca`.
    pub fn revoked(&self, ca: &str) -> &[Revoked] {
        self.by_ca.get(ca).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The current CRL number.
    pub fn crl_number(&self) -> u64 {
        self.crl_number
    }

    /// The CRL of `ca` (DER), issued at `now`, signed with the CA key.
    pub fn crl_der(&self, ca: &LoadedCa, now: OffsetDateTime) -> Result<Vec<u8>, CnsError> {
        let revoked_certs = self
            .revoked(&ca.spec.id)
            .iter()
            .map(|r| {
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&unhex(&r.serial)?),
                    revocation_time: r.at,
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, CnsError>>()?;
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + CRL_LIFETIME,
            crl_number: SerialNumber::from_slice(&self.crl_number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, &ca.key)?;
        Ok(params.signed_by(&issuer)?.der().to_vec())
    }
}

/// Bytes from lowercase or uppercase hex; anything but an even number of ASCII hex digits is
/// refused (never sliced: a multi-byte character is not cut).
pub fn unhex(text: &str) -> Result<Vec<u8>, CnsError> {
    let text = text.trim();
    let shown = crate::admin::excerpt(text);
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CnsError::Certificate(format!(
            "serial {shown:?} is not hex: give the serial as hex digits 0-9 a-f"
        )));
    }
    if !text.len().is_multiple_of(2) || text.is_empty() {
        return Err(CnsError::Certificate(format!(
            "serial {shown:?} is not an even number of hex digits"
        )));
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digits = std::str::from_utf8(pair).unwrap_or("");
            u8::from_str_radix(digits, 16)
                .map_err(|_| CnsError::Certificate(format!("serial {shown:?} is not hex")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::time::macros::datetime;
    use x509_parser::prelude::{CertificateRevocationList, FromDer};

    #[test]
    fn crl_lists_the_revoked_fixture_card_and_a_new_revocation() {
        let pki = CnsPki::embedded().expect("pki");
        let mut state = RevocationState::initial(&pki);
        let regione = pki.ca("regione").expect("regione");
        let revoked = pki.card("mario.rossi", "revoked").expect("card");
        let valid = pki.card("mario.rossi", "valid").expect("card");
        assert!(state.status("regione", &revoked.record.serial).is_some());
        assert!(state.revoke(
            "regione",
            &valid.record.serial,
            datetime!(2026-01-01 00:00 UTC)
        ));
        assert!(!state.revoke(
            "regione",
            &valid.record.serial,
            datetime!(2026-01-02 00:00 UTC)
        ));
        let der = state
            .crl_der(regione, datetime!(2026-02-01 00:00 UTC))
            .expect("crl");
        let (_, crl) = CertificateRevocationList::from_der(&der).expect("parse crl");
        let serials: Vec<String> = crl
            .iter_revoked_certificates()
            .map(|r| crate::cns::mint::hex(r.raw_serial()))
            .collect();
        assert!(serials.contains(&revoked.record.serial));
        assert!(serials.contains(&valid.record.serial));
    }

    #[test]
    fn unhex_refuses_odd_and_non_hex() {
        assert_eq!(unhex("0aff").expect("hex"), vec![0x0a, 0xff]);
        assert!(unhex("abc").is_err());
        assert!(unhex("zz").is_err());
    }

    #[test]
    fn unhex_refuses_non_ascii_without_panicking() {
        // Defect 1 of issue #11: "aéa" is 4 bytes, and slicing it by 2 cut the "é".
        for text in ["aéa", "éé", "0a\u{200b}f", "ａｂ"] {
            let e = unhex(text).expect_err(text).to_string();
            assert!(e.contains("not hex"), "{e}");
        }
    }
}
