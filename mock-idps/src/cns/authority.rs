//! The running CNS authority: the PKI, the live revocation state, the CRLs signed from it, and
//! the rustls server configuration of the mutual-TLS endpoint, rebuilt on every revocation so the
//! next connection sees the new CRL (rustls fixes CRLs when the verifier is built: `WebPkiClientVerifier::builder().with_crls`).

use crate::clock::SharedClock;
use crate::cns::listener::{ClockTime, HandshakeLog};
use crate::cns::pki::{pem_der, CnsPki};
use crate::cns::revocation::{RevocationState, Revoked};
use crate::cns::CnsError;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use x509_parser::prelude::*;

/// The PKI, its live revocation state, CRLs and TLS configuration.
#[derive(Debug)]
pub struct CnsAuthority {
    pki: CnsPki,
    clock: SharedClock,
    state: Mutex<RevocationState>,
    crls: RwLock<BTreeMap<String, Arc<Vec<u8>>>>,
    tls: RwLock<Arc<ServerConfig>>,
    /// Handshakes the mutual-TLS endpoint refused, newest last.
    pub handshakes: Arc<HandshakeLog>,
}

impl CnsAuthority {
    /// Loads the state and signs the first CRLs.
    pub fn new(pki: CnsPki, clock: SharedClock) -> Result<Self, CnsError> {
        let state = RevocationState::initial(&pki);
        let crls = sign_crls(&pki, &state, &clock)?;
        let tls = server_config(&pki, &crls, &clock)?;
        Ok(Self {
            pki,
            clock,
            state: Mutex::new(state),
            crls: RwLock::new(crls),
            tls: RwLock::new(tls),
            handshakes: Arc::new(HandshakeLog::default()),
        })
    }

    /// The PKI.
    pub fn pki(&self) -> &CnsPki {
        &self.pki
    }

    /// The clock.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The current TLS configuration (for the next connection).
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.tls.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The current CRL of CA `ca` (DER).
    pub fn crl(&self, ca: &str) -> Option<Arc<Vec<u8>>> {
        self.crls
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(ca)
            .cloned()
    }

    /// Every current CRL (DER), by CA id.
    pub fn crls(&self) -> BTreeMap<String, Arc<Vec<u8>>> {
        self.crls.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether `serial` of `ca` is revoked.
    pub fn revocation_status(&self, ca: &str, serial: &str) -> Option<Revoked> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .status(ca, serial)
            .cloned()
    }

    /// Revokes a certificate (PEM or DER) issued by a CA of the PKI; re-signs the CRLs and swaps
    /// the TLS configuration. Returns the CA id and serial.
    pub fn revoke_certificate(&self, cert: &[u8]) -> Result<(String, String), CnsError> {
        let der = if cert.starts_with(b"-----BEGIN") {
            pem_der(&String::from_utf8_lossy(cert), "certificate")?
        } else {
            cert.to_vec()
        };
        let (_, parsed) =
            X509Certificate::from_der(&der).map_err(|e| CnsError::Certificate(e.to_string()))?;
        let issuer_raw = parsed.issuer().as_raw();
        let ca = self
            .pki
            .cas
            .iter()
            .find(|ca| {
                X509Certificate::from_der(&ca.cert_der)
                    .map(|(_, c)| c.subject().as_raw() == issuer_raw)
                    .unwrap_or(false)
            })
            .ok_or_else(|| CnsError::ForeignIssuer(parsed.issuer().to_string()))?;
        let serial = crate::cns::mint::hex(parsed.raw_serial());
        let id = ca.spec.id.clone();
        self.revoke_serial(&id, &serial)?;
        Ok((id, serial))
    }

    /// Revokes `serial` (hex) of CA `ca` now; re-signs the CRLs and swaps the TLS configuration.
    /// Revoking twice is not an error.
    pub fn revoke_serial(&self, ca: &str, serial: &str) -> Result<(), CnsError> {
        if self.pki.ca(ca).is_none() {
            return Err(CnsError::UnknownCa(ca.to_string()));
        }
        crate::cns::revocation::unhex(serial)?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !state.revoke(ca, serial, self.clock.now()) {
            return Ok(());
        }
        let crls = sign_crls(&self.pki, &state, &self.clock)?;
        let tls = server_config(&self.pki, &crls, &self.clock)?;
        *self.crls.write().unwrap_or_else(|e| e.into_inner()) = crls;
        *self.tls.write().unwrap_or_else(|e| e.into_inner()) = tls;
        Ok(())
    }

    /// The current CRL number.
    pub fn crl_number(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .crl_number()
    }
}

fn sign_crls(
    pki: &CnsPki,
    state: &RevocationState,
    clock: &SharedClock,
) -> Result<BTreeMap<String, Arc<Vec<u8>>>, CnsError> {
    let now = clock.now();
    pki.cas
        .iter()
        .map(|ca| Ok((ca.spec.id.clone(), Arc::new(state.crl_der(ca, now)?))))
        .collect()
}

/// The mock endpoint's TLS configuration: server certificate of the PKI, client certificate
/// required at handshake (rustls has no TLS renegotiation), verified against the
/// trusted CAs with every CA's CRL, at the shared clock's time.
fn server_config(
    pki: &CnsPki,
    crls: &BTreeMap<String, Arc<Vec<u8>>>,
    clock: &SharedClock,
) -> Result<Arc<ServerConfig>, CnsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for der in pki.trusted_ca_ders() {
        roots
            .add(CertificateDer::from(der))
            .map_err(|e| CnsError::Tls(e.to_string()))?;
    }
    let crl_ders: Vec<CertificateRevocationListDer<'static>> = crls
        .values()
        .map(|d| CertificateRevocationListDer::from(d.as_ref().clone()))
        .collect();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .with_crls(crl_ders)
        .build()
        .map_err(|e| CnsError::Tls(e.to_string()))?;
    server_config_with(pki, verifier, provider, Arc::new(ClockTime(clock.clone())))
}

/// A server configuration with the PKI's server certificate and the given client verifier.
pub fn server_config_with(
    pki: &CnsPki,
    verifier: Arc<dyn rustls::server::danger::ClientCertVerifier>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    time: Arc<dyn rustls::time_provider::TimeProvider>,
) -> Result<Arc<ServerConfig>, CnsError> {
    let cert = CertificateDer::from(pem_der(&pki.server_cert_pem, "cns/server.crt.pem")?);
    let key = PrivateKeyDer::try_from(pem_der(&pki.server_key_pem, "cns/server.key.pem")?)
        .map_err(|e| CnsError::Pem {
            path: "cns/server.key.pem".into(),
            message: e.to_string(),
        })?;
    let mut config = ServerConfig::builder_with_details(provider, time)
        .with_safe_default_protocol_versions()
        .map_err(|e| CnsError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert], key)
        .map_err(|e| CnsError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
