//! "Entra con CNS": the reference SP's own mutual-TLS login (docs/rules/cns.md, the CNSA Apache
//! pattern). Its own listener requests the client certificate at handshake and verifies it
//! against the test CNS issuers with their CRLs, at the SP's clock; then the application reads
//! the codice fiscale from the subject CN and checks the CNS/CIE policy. Each check has a fault
//! switch (`cns-chain`, `cns-validity`, `cns-revocation`, `cns-cf`, `cns-policy`).
//!
//! The certificate reading here is the SP's own (x509-parser), not the mock's.

use crate::faults::Faults;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use mock_idps::clock::SharedClock;
use mock_idps::cns::listener::{
    ClockTime, HandshakeLog, ListenerLimits, ListenerStats, MtlsServer, PeerCertificates,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error as TlsError, RootCertStore,
    ServerConfig, SignatureScheme,
};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use x509_parser::prelude::*;

/// CNS policy, docs/rules/cns.md (CNSA certificate_policy_check.php).
const POLICY_CNS: &str = "1.3.76.16.2.1";
/// CIE authentication policy, docs/rules/cie.md (accepted by the same CNSA check).
const POLICY_CIE: &str = "1.3.76.47.4";

/// The CNS listener's settings.
#[derive(Debug, Clone)]
pub struct CnsSpConfig {
    /// Where the mutual-TLS listener binds (loopback; port 0 picks one).
    pub bind: SocketAddr,
    /// Trusted CNS issuer certificates (PEM bundle).
    pub trust_pem: String,
    /// CRLs (DER) applied at handshake; replace them at runtime with
    /// [`crate::ReferenceSp::set_cns_crls`].
    pub crls: Vec<Vec<u8>>,
    /// The listener's server certificate (PEM).
    pub server_cert_pem: String,
    /// Its PKCS#8 key (PEM).
    pub server_key_pem: String,
    /// Handshake timeout, connection cap and accept backoff of the listener (the mock's own
    /// accept loop, [`mock_idps::cns::listener`]).
    pub limits: ListenerLimits,
}

/// Why the CNS listener could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CnsSpError {
    /// A fixture is missing.
    #[error("reading the CNS fixtures")]
    Fixture(#[source] mock_idps::cns::CnsError),
    /// A PEM or DER input is unusable.
    #[error("CNS {what}: {message}")]
    Input {
        /// Which input.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("CNS TLS configuration")]
    Tls(#[from] rustls::Error),
    /// rustls refused the client-certificate verifier (trust anchors, CRLs).
    #[error("CNS client-certificate verifier")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    /// The listener would not be on loopback.
    #[error("refusing to listen on {0}: loopback only")]
    NotLoopback(SocketAddr),
    /// Binding failed.
    #[error("CNS listener on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl CnsSpConfig {
    /// Trusts the test PKI of the fixtures (`fixtures/cns/pki.toml`, CAs with `trusted = true`),
    /// with the given CRLs, on an ephemeral loopback port.
    pub fn test_pki(crls: Vec<Vec<u8>>) -> Result<Self, CnsSpError> {
        let pki = mock_idps::cns::CnsPki::embedded().map_err(CnsSpError::Fixture)?;
        Ok(Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            trust_pem: pki.trusted_ca_pem(),
            crls,
            server_cert_pem: pki.server_cert_pem,
            server_key_pem: pki.server_key_pem,
            limits: ListenerLimits::default(),
        })
    }
}

fn pem_blocks(text: &str, what: &'static str) -> Result<Vec<Vec<u8>>, CnsSpError> {
    ::pem::parse_many(text.as_bytes())
        .map(|v| v.into_iter().map(|p| p.into_contents()).collect())
        .map_err(|e| CnsSpError::Input {
            what,
            message: e.to_string(),
        })
}

/// The verifier: webpki with the trust store and CRLs, bent by the `cns-*` switches.
#[derive(Debug)]
struct SpVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    chain_off: bool,
    validity_off: bool,
}

impl ClientCertVerifier for SpVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        // Fault `cns-validity`: verify as of an instant inside the card's own validity.
        let now = if self.validity_off {
            X509Certificate::from_der(end_entity)
                .ok()
                .and_then(|(_, c)| u64::try_from(c.validity().not_before.timestamp()).ok())
                .map(|s| UnixTime::since_unix_epoch(std::time::Duration::from_secs(s + 1)))
                .unwrap_or(now)
        } else {
            now
        };
        match self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
        {
            // Fault `cns-chain`: a card of an unknown issuer is let through.
            Err(TlsError::InvalidCertificate(CertificateError::UnknownIssuer))
                if self.chain_off =>
            {
                Ok(ClientCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Builds the TLS configuration for `config` with `crls` under `faults`.
fn tls_config(
    config: &CnsSpConfig,
    crls: &[Vec<u8>],
    faults: &Faults,
    clock: &SharedClock,
) -> Result<Arc<ServerConfig>, CnsSpError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for der in pem_blocks(&config.trust_pem, "trust bundle")? {
        roots.add(CertificateDer::from(der))?;
    }
    let mut builder =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    if !faults.is_off("cns-revocation") {
        builder = builder.with_crls(
            crls.iter()
                .map(|d| CertificateRevocationListDer::from(d.clone())),
        );
    }
    let inner = builder.build()?;
    let verifier = Arc::new(SpVerifier {
        inner,
        chain_off: faults.is_off("cns-chain"),
        validity_off: faults.is_off("cns-validity"),
    });
    let cert = pem_blocks(&config.server_cert_pem, "server certificate")?
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    let key_der = pem_blocks(&config.server_key_pem, "server key")?
        .into_iter()
        .next()
        .ok_or(CnsSpError::Input {
            what: "server key",
            message: "no PEM block".into(),
        })?;
    let key = PrivateKeyDer::try_from(key_der).map_err(|e| CnsSpError::Input {
        what: "server key",
        message: e.to_string(),
    })?;
    let mut tls = ServerConfig::builder_with_details(provider, Arc::new(ClockTime(clock.clone())))
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(cert, key)?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(tls))
}

/// What the CNS side shares.
#[derive(Debug)]
struct CnsState {
    config: CnsSpConfig,
    faults: Faults,
    clock: SharedClock,
    tls: RwLock<Arc<ServerConfig>>,
}

/// The running "Entra con CNS" listener.
#[derive(Debug)]
pub struct CnsSide {
    state: Arc<CnsState>,
    server: MtlsServer,
    /// Handshakes refused (chain, validity, revocation), with rustls' reason.
    pub handshakes: Arc<HandshakeLog>,
}

impl CnsSide {
    /// Starts the listener.
    pub async fn start(
        config: CnsSpConfig,
        faults: Faults,
        clock: SharedClock,
    ) -> Result<Self, CnsSpError> {
        if !config.bind.ip().is_loopback() {
            return Err(CnsSpError::NotLoopback(config.bind));
        }
        let tls = tls_config(&config, &config.crls, &faults, &clock)?;
        let bind = config.bind;
        let limits = config.limits;
        let state = Arc::new(CnsState {
            config,
            faults,
            clock,
            tls: RwLock::new(tls),
        });
        let handshakes = Arc::new(HandshakeLog::default());
        let source = state.clone();
        let server = MtlsServer::start_limited(
            bind,
            Arc::new(move || source.tls.read().unwrap_or_else(|e| e.into_inner()).clone()),
            Router::new()
                .route("/cns/login", get(login))
                .with_state(state.clone()),
            handshakes.clone(),
            limits,
        )
        .await
        .map_err(|source| CnsSpError::Bind { addr: bind, source })?;
        Ok(Self {
            state,
            server,
            handshakes,
        })
    }

    /// What the listener's accept loop has seen (open connections, handshake timeouts).
    pub fn stats(&self) -> &Arc<ListenerStats> {
        self.server.stats()
    }

    /// `https://127.0.0.1:PORT/cns/login`.
    pub fn login_url(&self) -> String {
        format!("https://{}/cns/login", self.server.addr())
    }

    /// Replaces the CRLs; the next connection is verified with them (a real SP refreshes its
    /// CRLs from the distribution points on a schedule).
    pub fn set_crls(&self, crls: Vec<Vec<u8>>) -> Result<(), CnsSpError> {
        let tls = tls_config(
            &self.state.config,
            &crls,
            &self.state.faults,
            &self.state.clock,
        )?;
        *self.state.tls.write().unwrap_or_else(|e| e.into_inner()) = tls;
        Ok(())
    }

    /// Stops the listener.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// Who logged in with a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CnsUser {
    /// The codice fiscale read from the CN.
    pub fiscal_code: String,
    /// givenName and surname.
    pub display_name: String,
    /// The policy that qualified the card (`cns`, `cie`, or `none` when `cns-policy` is off).
    pub policy: &'static str,
}

/// The application checks on a verified card: codice fiscale in the CN (CNSA reads
/// `substr(CN, 0, 16)`), CNS or CIE policy.
fn check_card(der: &[u8], faults: &Faults) -> Result<CnsUser, String> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| format!("the client certificate is not readable: {e}"))?;
    let attr = |oid: &x509_parser::der_parser::oid::Oid<'static>| {
        cert.subject()
            .iter_by_oid(oid)
            .next()
            .and_then(|a| a.as_str().ok())
            .map(str::to_string)
    };
    let cn = attr(&x509_parser::oid_registry::OID_X509_COMMON_NAME)
        .ok_or("the client certificate subject has no commonName")?;
    let cf: String = cn.chars().take(16).collect();
    if !faults.is_off("cns-cf") && !is_fiscal_code(&cf) {
        return Err(format!(
            "the subject CN {cn:?} does not begin with a valid codice fiscale"
        ));
    }
    let policies: Vec<String> = cert
        .extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::CertificatePolicies(p) => Some(p.iter()),
            _ => None,
        })
        .flatten()
        .map(|info| info.policy_id.to_id_string())
        .collect();
    let policy = if policies.iter().any(|p| p == POLICY_CNS) {
        "cns"
    } else if policies.iter().any(|p| p == POLICY_CIE) {
        "cie"
    } else if faults.is_off("cns-policy") {
        "none"
    } else {
        return Err(format!(
            "the certificate policies [{}] contain neither the CNS policy {POLICY_CNS} nor the CIE policy {POLICY_CIE}",
            policies.join(", ")
        ));
    };
    let given = attr(&x509_parser::oid_registry::OID_X509_GIVEN_NAME).unwrap_or_default();
    let surname = attr(&x509_parser::oid_registry::OID_X509_SURNAME).unwrap_or_default();
    Ok(CnsUser {
        fiscal_code: cf,
        display_name: format!("{given} {surname}").trim().to_string(),
        policy,
    })
}

/// The SP's own codice fiscale check: the 16-character layout (letters and digits with the
/// omocodia substitutions) and the check character (DM 12/03/1974 algorithm).
pub fn is_fiscal_code(cf: &str) -> bool {
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23, // A-Z
    ];
    let b = cf.as_bytes();
    if b.len() != 16 {
        return false;
    }
    let letter_at = [0, 1, 2, 3, 4, 5, 8, 11, 15];
    let omocodia = b"LMNPQRSTUV";
    for (i, c) in b.iter().enumerate() {
        let ok = if letter_at.contains(&i) {
            c.is_ascii_uppercase()
        } else {
            c.is_ascii_digit() || omocodia.contains(c)
        };
        if !ok {
            return false;
        }
    }
    if !b"ABCDEHLMPRST".contains(&b[8]) {
        return false;
    }
    let value = |c: u8| -> usize {
        if c.is_ascii_digit() {
            (c - b'0') as usize
        } else {
            (c - b'A') as usize + 10
        }
    };
    let sum: u32 = b[..15]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i % 2 == 0 {
                ODD[value(c)]
            } else if c.is_ascii_digit() {
                u32::from(c - b'0')
            } else {
                u32::from(c - b'A')
            }
        })
        .sum();
    b[15] == b'A' + (sum % 26) as u8
}

async fn login(
    State(state): State<Arc<CnsState>>,
    peer: Option<Extension<PeerCertificates>>,
) -> Response {
    let leaf = peer.and_then(|Extension(PeerCertificates(chain))| chain.first().cloned());
    let Some(leaf) = leaf else {
        return (
            StatusCode::UNAUTHORIZED,
            Html(crate::pages::message(
                "Accesso con CNS",
                "Nessun certificato client.",
                "cns-refused",
            )),
        )
            .into_response();
    };
    match check_card(&leaf, &state.faults) {
        Ok(user) => Html(format!(
            "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Area riservata</title></head>\
             <body><h1>Benvenuto, {}</h1><p>Accesso con CNS ({}).</p>\
             <p>Codice fiscale: <span id=\"fiscal-number\" data-fiscal-number=\"{}\">{}</span></p></body></html>",
            crate::pages::escape_html(&user.display_name),
            user.policy,
            crate::pages::escape_html(&user.fiscal_code),
            crate::pages::escape_html(&user.fiscal_code),
        ))
        .into_response(),
        Err(reason) => {
            tracing::info!(check = "cns-card", reason = %reason, "CNS login refused");
            (
                StatusCode::FORBIDDEN,
                Html(crate::pages::message(
                    "Accesso con CNS negato",
                    &reason,
                    "cns-refused",
                )),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_code_check_character() {
        assert!(is_fiscal_code("RSSMRA80A01H501U"));
        assert!(!is_fiscal_code("RSSMRA80A01H501A"));
        assert!(!is_fiscal_code("ROSSI MARIO"));
        assert!(!is_fiscal_code("RSSMRA80Z01H501U"));
    }
}
