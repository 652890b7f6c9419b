//! The OCSP responder of the test CAs (RFC 6960), at the URL the card certificates name in their
//! Authority Information Access (`/cns/ocsp`): POST `application/ocsp-request` and GET
//! `/cns/ocsp/<base64 of the DER request>` (RFC 6960 Appendix A.1).
//!
//! It reads the same live revocation state as the CRLs (`POST /admin/cns/revoke` flips a card
//! to `revoked` on the next request) and the shared clock: `producedAt` and `thisUpdate` are the
//! clock's now, `nextUpdate` is [`OCSP_LIFETIME`] later. Each answer is signed by the CA that
//! issued the certificates asked about (RFC 6960 §4.2.2.2: the CA itself may sign), `byName`
//! responder id, ECDSA P-256 with SHA-256, the request's nonce echoed (§4.4.1).
//!
//! Statuses (RFC 6960 §2.2, §2.3):
//! - `good`: a serial of the committed card table (`fixtures/cns/cards.toml`) of that CA, not
//!   revoked;
//! - `revoked`, with the revocation time and reason `keyCompromise` (what the CRL says);
//! - `unknown`: a serial the CA's table does not hold (cards minted later with
//!   `spid-harness fixtures cns` are not in it);
//! - response status `malformedRequest` for bytes that are not an OCSPRequest or a request with
//!   no CertID, `unauthorized` when a CertID names an issuer that is not a CA of the test PKI
//!   (or the request mixes issuers, which no single signer may answer), `internalError` if
//!   signing fails.

use crate::cns::authority::CnsAuthority;
use crate::cns::pki::LoadedCa;
use der::asn1::{BitString, Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use rcgen::SigningKey;
use time::{Duration, OffsetDateTime};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_ocsp::{
    AsResponseBytes, BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest,
    OcspResponse, OcspResponseStatus, ResponderId, ResponseData, RevokedInfo, SingleResponse,
};

/// How long an answer is declared fresh (nextUpdate − thisUpdate).
pub const OCSP_LIFETIME: Duration = Duration::hours(1);

/// The largest request accepted (bytes); a larger body is refused before it is read.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// The most CertIDs answered in one request (beyond: `malformedRequest`).
pub const MAX_CERT_IDS: usize = 64;

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// What the responder made of a request (for logs and tests; the DER answer is
/// [`OcspAnswer::der`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspOutcome {
    /// A signed answer, one status per CertID, in order.
    Answered(Vec<Status>),
    /// `malformedRequest`, and why.
    Malformed(String),
    /// `unauthorized`, and why.
    Unauthorized(String),
    /// `internalError`, and why.
    Internal(String),
}

/// One certificate's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not revoked.
    Good,
    /// Revoked at this instant.
    Revoked(OffsetDateTime),
    /// Not a serial of the CA's card table.
    Unknown,
}

/// The DER `OCSPResponse` and what it says.
#[derive(Debug, Clone)]
pub struct OcspAnswer {
    /// DER of the `OCSPResponse`.
    pub der: Vec<u8>,
    /// What it says.
    pub outcome: OcspOutcome,
}

/// Answers the DER `OCSPRequest` `request` from the authority's live state at its clock's now.
pub fn respond(authority: &CnsAuthority, request: &[u8]) -> OcspAnswer {
    match answer(authority, request) {
        Ok((der, statuses)) => OcspAnswer {
            der,
            outcome: OcspOutcome::Answered(statuses),
        },
        Err(outcome) => {
            let status = match &outcome {
                OcspOutcome::Malformed(_) => OcspResponseStatus::MalformedRequest,
                OcspOutcome::Unauthorized(_) => OcspResponseStatus::Unauthorized,
                _ => OcspResponseStatus::InternalError,
            };
            OcspAnswer {
                der: status_only(status),
                outcome,
            }
        }
    }
}

/// An `OCSPResponse` with only a status (no responseBytes), DER.
fn status_only(status: OcspResponseStatus) -> Vec<u8> {
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    // Two fixed-size fields: encoding cannot fail; the bytes are the RFC's fixed encoding.
    .unwrap_or_else(|_| vec![0x30, 0x03, 0x0a, 0x01, status as u8])
}

type Refusal = OcspOutcome;

fn answer(authority: &CnsAuthority, request: &[u8]) -> Result<(Vec<u8>, Vec<Status>), Refusal> {
    let request = OcspRequest::from_der(request)
        .map_err(|e| OcspOutcome::Malformed(format!("not a DER OCSPRequest: {e}")))?;
    let list = &request.tbs_request.request_list;
    if list.is_empty() {
        return Err(OcspOutcome::Malformed("the requestList is empty".into()));
    }
    if list.len() > MAX_CERT_IDS {
        return Err(OcspOutcome::Malformed(format!(
            "{} CertIDs in one request; at most {MAX_CERT_IDS}",
            list.len()
        )));
    }
    let pki = authority.pki();
    let mut issuer: Option<&LoadedCa> = None;
    for r in list {
        let ca = pki
            .cas
            .iter()
            .find(|ca| issued_by(&r.req_cert, ca))
            .ok_or_else(|| {
                OcspOutcome::Unauthorized(
                    "a CertID names an issuer that is not a CA of the test PKI".into(),
                )
            })?;
        match issuer {
            Some(first) if first.spec.id != ca.spec.id => {
                return Err(OcspOutcome::Unauthorized(
                    "the CertIDs name different issuers; ask each CA separately".into(),
                ))
            }
            _ => issuer = Some(ca),
        }
    }
    let ca = issuer.ok_or_else(|| OcspOutcome::Malformed("the requestList is empty".into()))?;
    let now = authority.clock().now();
    let this_update = gtime(now)?;
    let next_update = gtime(now + OCSP_LIFETIME)?;
    let mut statuses = Vec::with_capacity(list.len());
    let mut responses = Vec::with_capacity(list.len());
    for r in list {
        let serial = crate::cns::mint::hex(strip_zeros(r.req_cert.serial_number.as_bytes()));
        let issued = pki
            .cards
            .iter()
            .any(|c| c.record.ca == ca.spec.id && same_serial(&c.record.serial, &serial));
        let (status, cert_status) = match authority.revocation_status(&ca.spec.id, &serial) {
            Some(revoked) => (
                Status::Revoked(revoked.at),
                CertStatus::revoked(RevokedInfo {
                    revocation_time: gtime(revoked.at)?,
                    revocation_reason: Some(CrlReason::KeyCompromise),
                }),
            ),
            None if issued => (Status::Good, CertStatus::good()),
            None => (Status::Unknown, CertStatus::unknown()),
        };
        statuses.push(status);
        responses.push(SingleResponse {
            cert_id: r.req_cert.clone(),
            cert_status,
            this_update,
            next_update: Some(next_update),
            single_extensions: None,
        });
    }
    let ca_cert = Certificate::from_der(&ca.cert_der)
        .map_err(|e| OcspOutcome::Internal(format!("CA certificate: {e}")))?;
    // The nonce, if any, comes back unchanged (RFC 6960 §4.4.1).
    let nonce: Vec<_> = request
        .tbs_request
        .request_extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == OID_NONCE)
        .cloned()
        .collect();
    let tbs = ResponseData {
        version: Default::default(),
        responder_id: ResponderId::ByName(ca_cert.tbs_certificate.subject.clone()),
        produced_at: this_update,
        responses,
        response_extensions: (!nonce.is_empty()).then_some(nonce),
    };
    let signature = sign(ca, &tbs)?;
    let basic = BasicOcspResponse {
        tbs_response_data: tbs,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: OID_ECDSA_SHA256,
            parameters: None,
        },
        signature,
        certs: None,
    };
    let bytes = basic
        .to_response_bytes()
        .map_err(|e| OcspOutcome::Internal(format!("encoding the BasicOCSPResponse: {e}")))?;
    let der = OcspResponse {
        response_status: OcspResponseStatus::Successful,
        response_bytes: Some(bytes),
    }
    .to_der()
    .map_err(|e| OcspOutcome::Internal(format!("encoding the OCSPResponse: {e}")))?;
    Ok((der, statuses))
}

/// Signs the DER of `tbs` with the CA key (ECDSA P-256, SHA-256).
fn sign(ca: &LoadedCa, tbs: &ResponseData) -> Result<BitString, Refusal> {
    if ca.key.algorithm() != &rcgen::PKCS_ECDSA_P256_SHA256 {
        return Err(OcspOutcome::Internal(format!(
            "CA {} has a key the responder does not sign with (ECDSA P-256 only)",
            ca.spec.id
        )));
    }
    let tbs_der = tbs
        .to_der()
        .map_err(|e| OcspOutcome::Internal(format!("encoding the ResponseData: {e}")))?;
    let signature = ca
        .key
        .sign(&tbs_der)
        .map_err(|e| OcspOutcome::Internal(format!("signing: {e}")))?;
    BitString::from_bytes(&signature).map_err(|e| OcspOutcome::Internal(e.to_string()))
}

/// Whether `id` names `ca`: issuerNameHash over the DER subject, issuerKeyHash over the
/// subjectPublicKey bits (RFC 6960 §4.1.1), with SHA-1 or SHA-256.
fn issued_by(id: &CertId, ca: &LoadedCa) -> bool {
    let algorithm = if id.hash_algorithm.oid == OID_SHA1 {
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY
    } else if id.hash_algorithm.oid == OID_SHA256 {
        &aws_lc_rs::digest::SHA256
    } else {
        return false;
    };
    let Ok(cert) = Certificate::from_der(&ca.cert_der) else {
        return false;
    };
    let Ok(name) = cert.tbs_certificate.subject.to_der() else {
        return false;
    };
    let key = cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    aws_lc_rs::digest::digest(algorithm, &name).as_ref() == id.issuer_name_hash.as_bytes()
        && aws_lc_rs::digest::digest(algorithm, key).as_ref() == id.issuer_key_hash.as_bytes()
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[start..]
}

/// Two hex serials equal as integers (leading zero bytes ignored).
fn same_serial(a: &str, b: &str) -> bool {
    a.trim_start_matches('0') == b.trim_start_matches('0')
}

fn gtime(t: OffsetDateTime) -> Result<OcspGeneralizedTime, Refusal> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| OcspOutcome::Internal(format!("{t} is before 1970")))?;
    der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map(OcspGeneralizedTime::from)
        .map_err(|e| OcspOutcome::Internal(format!("{t}: {e}")))
}

/// A DER `OCSPRequest` for the certificate `cert_der` issued by `issuer_der`, SHA-1 CertID
/// (what `openssl ocsp` sends), with an optional nonce: for tests and clients of the mock.
pub fn request_for(
    cert_der: &[u8],
    issuer_der: &[u8],
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, der::Error> {
    let cert = Certificate::from_der(cert_der)?;
    let issuer = Certificate::from_der(issuer_der)?;
    let sha1 = &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY;
    let name = issuer.tbs_certificate.subject.to_der()?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: OID_SHA1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(aws_lc_rs::digest::digest(sha1, &name).as_ref())?,
        issuer_key_hash: OctetString::new(aws_lc_rs::digest::digest(sha1, key).as_ref())?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    };
    let extensions = match nonce {
        Some(n) => Some(vec![x509_cert::ext::Extension {
            extn_id: OID_NONCE,
            critical: false,
            extn_value: OctetString::new(OctetString::new(n)?.to_der()?)?,
        }]),
        None => None,
    };
    OcspRequest {
        tbs_request: x509_ocsp::TbsRequest {
            version: Default::default(),
            requestor_name: None,
            request_list: vec![x509_ocsp::Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            request_extensions: extensions,
        },
        optional_signature: None,
    }
    .to_der()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::cns::pki::{pem_der, CnsPki};
    use std::sync::Arc;
    use time::macros::datetime;

    fn authority(clock: Arc<SimClock>) -> CnsAuthority {
        CnsAuthority::new(CnsPki::embedded().expect("pki"), clock).expect("authority")
    }

    fn card_request(a: &CnsAuthority, variant: &str, nonce: Option<&[u8]>) -> Vec<u8> {
        let card = a.pki().card("mario.rossi", variant).expect("card");
        let ca = a.pki().ca(&card.record.ca).expect("ca");
        let cert = pem_der(&card.cert_pem, "card").expect("der");
        request_for(&cert, &ca.cert_der, nonce).expect("request")
    }

    /// The signed BasicOCSPResponse inside a successful answer.
    fn basic(der: &[u8]) -> BasicOcspResponse {
        let response = OcspResponse::from_der(der).expect("OCSPResponse");
        assert_eq!(response.response_status, OcspResponseStatus::Successful);
        let bytes = response.response_bytes.expect("responseBytes");
        BasicOcspResponse::from_der(bytes.response.as_bytes()).expect("BasicOCSPResponse")
    }

    fn unix(t: &OcspGeneralizedTime) -> u64 {
        t.0.to_unix_duration().as_secs()
    }

    #[test]
    fn a_card_revoked_at_runtime_flips_from_good_to_revoked() {
        let clock = Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC)));
        let a = authority(clock.clone());
        let request = card_request(&a, "valid", None);
        assert_eq!(
            respond(&a, &request).outcome,
            OcspOutcome::Answered(vec![Status::Good])
        );
        clock.advance(Duration::minutes(5));
        let card = a.pki().card("mario.rossi", "valid").expect("card");
        a.revoke_serial("regione", &card.record.serial)
            .expect("revoke");
        let answer = respond(&a, &request);
        assert_eq!(
            answer.outcome,
            OcspOutcome::Answered(vec![Status::Revoked(datetime!(2026-03-01 10:05 UTC))])
        );
        let single = &basic(&answer.der).tbs_response_data.responses[0];
        match &single.cert_status {
            CertStatus::Revoked(info) => {
                assert_eq!(
                    unix(&info.revocation_time),
                    datetime!(2026-03-01 10:05 UTC).unix_timestamp() as u64
                );
                assert_eq!(info.revocation_reason, Some(CrlReason::KeyCompromise));
            }
            other => panic!("not revoked: {other:?}"),
        }
    }

    #[test]
    fn the_committed_revoked_card_is_revoked_from_the_start() {
        let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
        let outcome = respond(&a, &card_request(&a, "revoked", None)).outcome;
        assert!(
            matches!(&outcome, OcspOutcome::Answered(s) if matches!(s[..], [Status::Revoked(_)])),
            "{outcome:?}"
        );
    }

    #[test]
    fn the_clock_moves_produced_at_this_update_and_next_update() {
        let start = datetime!(2026-03-01 10:00 UTC);
        let clock = Arc::new(SimClock::new(start));
        let a = authority(clock.clone());
        let request = card_request(&a, "valid", None);
        let first = basic(&respond(&a, &request).der).tbs_response_data;
        clock.advance(Duration::days(3));
        let later = basic(&respond(&a, &request).der).tbs_response_data;
        let t0 = start.unix_timestamp() as u64;
        let day = 86_400;
        assert_eq!(unix(&first.produced_at), t0);
        assert_eq!(unix(&first.responses[0].this_update), t0);
        assert_eq!(
            unix(first.responses[0].next_update.as_ref().expect("nextUpdate")),
            t0 + OCSP_LIFETIME.whole_seconds() as u64
        );
        assert_eq!(unix(&later.produced_at), t0 + 3 * day);
        assert_eq!(
            unix(later.responses[0].next_update.as_ref().expect("nextUpdate")),
            t0 + 3 * day + OCSP_LIFETIME.whole_seconds() as u64
        );
    }

    #[test]
    fn the_answer_is_signed_by_the_issuing_ca_and_echoes_the_nonce() {
        let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
        let answer = respond(&a, &card_request(&a, "valid", Some(b"0123456789abcdef")));
        let basic = basic(&answer.der);
        let ca = a.pki().ca("regione").expect("ca");
        let ca_cert = Certificate::from_der(&ca.cert_der).expect("ca cert");
        assert_eq!(
            basic.tbs_response_data.responder_id,
            ResponderId::ByName(ca_cert.tbs_certificate.subject.clone())
        );
        let key = ca_cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let tbs = basic.tbs_response_data.to_der().expect("tbs");
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
            key,
        )
        .verify(&tbs, basic.signature.raw_bytes())
        .expect("signature verifies with the CA key");
        let nonce = basic.nonce().expect("nonce echoed");
        assert_eq!(nonce.0.as_bytes(), b"0123456789abcdef");
    }

    #[test]
    fn a_serial_the_ca_never_issued_is_unknown() {
        let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
        let holder = crate::cns::mint::Holder {
            fiscal_code: "RSSMRA80A01H501U".into(),
            given_name: "MARIO".into(),
            surname: "ROSSI".into(),
        };
        let variant = a.pki().table.variant("valid").expect("variant").clone();
        let minted = crate::cns::mint::mint_card(&a.pki().cas, &holder, &variant).expect("minted");
        let cert = pem_der(&minted.credential.cert_pem, "minted").expect("der");
        let ca = a.pki().ca("regione").expect("ca");
        let request = request_for(&cert, &ca.cert_der, None).expect("request");
        assert_eq!(
            respond(&a, &request).outcome,
            OcspOutcome::Answered(vec![Status::Unknown])
        );
    }

    #[test]
    fn garbage_and_empty_requests_are_malformed() {
        let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
        for bytes in [
            &b""[..],
            b"\x30\x03\x02\x01",
            b"not der at all",
            &[0x30, 0x80],
        ] {
            let answer = respond(&a, bytes);
            assert!(
                matches!(answer.outcome, OcspOutcome::Malformed(_)),
                "{bytes:?}: {:?}",
                answer.outcome
            );
            let response = OcspResponse::from_der(&answer.der).expect("status-only response");
            assert_eq!(
                response.response_status,
                OcspResponseStatus::MalformedRequest
            );
            assert!(response.response_bytes.is_none());
        }
        // A well-formed request with no CertID.
        let mut request = OcspRequest::from_der(&card_request(&a, "valid", None)).expect("req");
        request.tbs_request.request_list.clear();
        let answer = respond(&a, &request.to_der().expect("der"));
        assert!(
            matches!(&answer.outcome, OcspOutcome::Malformed(m) if m.contains("empty")),
            "{:?}",
            answer.outcome
        );
    }

    #[test]
    fn a_foreign_issuer_is_unauthorized() {
        let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
        let card = a.pki().card("mario.rossi", "valid").expect("card");
        let cert = pem_der(&card.cert_pem, "card").expect("der");
        // The listeners' server certificate is no CA of the PKI.
        let foreign = pem_der(&a.pki().server_cert_pem, "server").expect("der");
        let answer = respond(&a, &request_for(&cert, &foreign, None).expect("request"));
        assert!(
            matches!(answer.outcome, OcspOutcome::Unauthorized(_)),
            "{:?}",
            answer.outcome
        );
        let response = OcspResponse::from_der(&answer.der).expect("response");
        assert_eq!(response.response_status, OcspResponseStatus::Unauthorized);
    }

    #[test]
    fn mixed_issuers_are_unauthorized_and_too_many_cert_ids_malformed() {
        let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
        let regione = OcspRequest::from_der(&card_request(&a, "valid", None)).expect("req");
        let camera = OcspRequest::from_der(&card_request(&a, "valid-camera", None)).expect("req");
        let mut both = regione.clone();
        both.tbs_request
            .request_list
            .push(camera.tbs_request.request_list[0].clone());
        let answer = respond(&a, &both.to_der().expect("der"));
        assert!(
            matches!(&answer.outcome, OcspOutcome::Unauthorized(m) if m.contains("different issuers")),
            "{:?}",
            answer.outcome
        );
        // Two CertIDs of one CA are answered in order.
        let mut twice = regione.clone();
        twice
            .tbs_request
            .request_list
            .push(regione.tbs_request.request_list[0].clone());
        assert_eq!(
            respond(&a, &twice.to_der().expect("der")).outcome,
            OcspOutcome::Answered(vec![Status::Good, Status::Good])
        );
        let mut many = regione.clone();
        many.tbs_request.request_list =
            vec![regione.tbs_request.request_list[0].clone(); MAX_CERT_IDS + 1];
        assert!(matches!(
            respond(&a, &many.to_der().expect("der")).outcome,
            OcspOutcome::Malformed(_)
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any bytes, and any cut or one-byte change of a valid request, get a well-formed
        /// OCSPResponse and never a panic.
        #[test]
        fn any_input_gets_a_well_formed_answer(
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            cut in 0usize..200,
            flip in (0usize..200, proptest::prelude::any::<u8>()),
        ) {
            let a = authority(Arc::new(SimClock::new(datetime!(2026-03-01 10:00 UTC))));
            let valid = card_request(&a, "valid", Some(b"nonce"));
            let mut flipped = valid.clone();
            let at = flip.0 % flipped.len();
            flipped[at] ^= flip.1;
            for input in [noise.clone(), valid[..cut.min(valid.len())].to_vec(), flipped] {
                let answer = respond(&a, &input);
                proptest::prop_assert!(OcspResponse::from_der(&answer.der).is_ok());
            }
        }
    }
}
