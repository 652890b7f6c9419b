#![allow(missing_docs)]
//! Interop tests (feature `interop`): the mock providers' output checked by implementations we
//! do not own, on an ephemeral loopback port, with no network.
//!
//! - `samael_sp`: samael's service-provider side accepts a login at every provider and every level
//!   it offers, and refuses the nr20 error Response a level above the provider gives
//! - `xmlsec`: the `xmlsec1` CLI verifies both signatures of Responses, the signature of provider
//!   metadata and of the registry feed, and rejects tampered documents
//! - `schema`: `xmllint` validates metadata, the registry feed, Responses and error Responses
//!   against the OASIS SAML 2.0 schemas in `fixtures/xsd`
//! - `jwcrypto`: JWS and JWE (every alg/enc we emit) verified and decrypted by Python jwcrypto, and
//!   the reverse direction; the trust anchor's entity configuration verified there
//! - `ocsp_openssl`: `openssl ocsp` verifies the CNS OCSP responder's good, revoked and unknown
//!   answers and sees a runtime revocation
//! - `escaping`: attribute values with `&`, `<`, `"`, `'` and accents survive signing and parsing
//!
//! Needs libclang and libxmlsec1 to build (samael) and the `xmlsec1` and `xmllint` commands
//! (Debian: `libclang-dev libxmlsec1-dev xmlsec1 libxml2-utils`) to run.

mod escaping;
mod jwcrypto;
mod ocsp_openssl;
mod samael_sp;
mod schema;
#[allow(dead_code)]
#[path = "../it/sp.rs"]
mod sp;
mod xmlsec;

use mock_idps::clock::{saml_instant, SharedClock, SimClock, SystemClock};
use mock_idps::federation::FederationConfig;
use mock_idps::spid::level::Level;
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::EntityDescriptor;
use samael::service_provider::{ServiceProvider, ServiceProviderBuilder};
use sp::{Binding, Reply, Req};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;

/// A running federation with the test SP registered.
pub struct Env {
    pub site: sp::Site,
    pub clock: SharedClock,
}

impl Env {
    /// Providers on the system clock: samael checks instants against the system time.
    pub async fn start() -> Env {
        Self::start_with_clock(Arc::new(SystemClock)).await
    }

    /// Providers on a clock standing still at `now`.
    pub async fn start_at(now: OffsetDateTime) -> Env {
        Self::start_with_clock(Arc::new(SimClock::new(now))).await
    }

    async fn start_with_clock(clock: SharedClock) -> Env {
        let site = sp::Site::start(FederationConfig {
            clock: Some(clock.clone()),
            seed: Some(11),
            ..FederationConfig::default()
        })
        .await;
        Env { site, clock }
    }

    /// A request for `level` at `provider`, with an ID of its own.
    pub fn req(&self, provider: &str, level: Level) -> Req {
        let mut req = Req::new(&self.sso(provider), level, &saml_instant(self.clock.now()));
        req.id = Some(format!("_interop_{provider}_{level}_{}", next_serial()));
        req
    }

    /// A request for `level` at `provider` sent on `binding`, and the Response after the user
    /// holding `level` logs in through the pages.
    pub async fn login_at(&self, provider: &str, level: Level, binding: Binding) -> (Req, String) {
        let req = self.req(provider, level);
        let reply = self.login_via_pages(provider, &req, binding, user_at(level));
        let xml = reply.await.response();
        (req, xml)
    }

    /// samael's SP side as the test SP of `sp.rs`, trusting `provider`'s published metadata.
    pub fn samael_sp(&self, provider: &str) -> ServiceProvider {
        let idp = self.fed.state().idp(provider).unwrap();
        let metadata: EntityDescriptor = idp
            .metadata
            .parse()
            .expect("samael parses the IdP metadata");
        ServiceProviderBuilder::default()
            .entity_id(sp::SP_ENTITY.to_string())
            .acs_url(sp::ACS0.to_string())
            .idp_metadata(metadata)
            .allowed_signature_algorithms(vec![AllowedSignatureAlgorithm::RsaSha256])
            .build()
            .unwrap()
    }

    /// The signing certificate of `provider` as PEM.
    pub fn cert_pem(&self, provider: &str) -> String {
        cert_pem(self.fed.state().idp(provider).unwrap().key.cert_base64())
    }
}

/// The environment's federation, driver and their shortcuts are its [`sp::Site`]'s.
impl std::ops::Deref for Env {
    type Target = sp::Site;

    fn deref(&self) -> &sp::Site {
        &self.site
    }
}

/// A user holding exactly `level` (see fixtures/users.toml).
pub fn user_at(level: Level) -> &'static str {
    match level {
        Level::L1 => "luca.ferrari",
        Level::L2 => "mario.rossi",
        Level::L3 => "francesca.romano",
    }
}

/// One successful login: who, at which level, in answer to which request.
pub struct Login {
    pub provider: String,
    pub level: Level,
    pub binding: Binding,
    pub request_id: String,
    pub xml: String,
}

/// Logs in through the pages at every provider, at every level it offers, on `bindings`.
pub async fn every_login(env: &Env, bindings: &[Binding]) -> Vec<Login> {
    let mut out = Vec::new();
    for p in env.fed.state().fixtures.providers.clone() {
        for level in Level::ALL.into_iter().filter(|l| *l <= p.max_level) {
            for &binding in bindings {
                let req = env.req(&p.id, level);
                let reply = env
                    .login_via_pages(&p.id, &req, binding, user_at(level))
                    .await;
                let Reply::Response { acs, xml, .. } = reply else {
                    panic!("{} {level} {binding:?}: no Response: {reply:?}", p.id)
                };
                assert_eq!(acs, sp::ACS0);
                out.push(Login {
                    provider: p.id.clone(),
                    level,
                    binding,
                    request_id: req.id.clone().unwrap(),
                    xml,
                });
            }
        }
    }
    // 13 providers at L1 and L2; Aruba and Poste at L3 as well.
    assert_eq!(out.len(), bindings.len() * (13 * 2 + 2));
    out
}

fn next_serial() -> usize {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn cert_pem(b64: &str) -> String {
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// A directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "mock-idps-interop-{}-{label}-{}",
            std::process::id(),
            next_serial()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `name` and returns its path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What an external tool said.
#[derive(Debug)]
pub struct ToolRun {
    pub ok: bool,
    pub output: String,
}

fn run(cmd: &mut Command) -> ToolRun {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {name} ({e}); Debian: apt-get install xmlsec1 libxml2-utils")
    });
    ToolRun {
        ok: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The XPath of the Response-level (top) signature.
pub const TOP_SIGNATURE: &str = "/*/*[local-name()='Signature']";
/// The XPath of the Assertion signature.
pub const ASSERTION_SIGNATURE: &str = "//*[local-name()='Assertion']/*[local-name()='Signature']";

impl ToolRun {
    /// Asserts the tool accepted `what` and said `word` about it; the failure shows `xml`.
    #[track_caller]
    pub fn assert_ok(&self, word: &str, what: &str, xml: &str) {
        assert!(self.ok, "refused: {what}: {}\n{xml}", self.output);
        assert!(
            self.output.contains(word),
            "no {word:?} about {what}: {}",
            self.output
        );
    }
}

/// `xmlsec1 --verify` of the signature at `node_xpath` in `xml`, trusting only `cert_pem`.
pub fn xmlsec1_verify(dir: &TempDir, xml: &str, cert_pem: &str, node_xpath: &str) -> ToolRun {
    let n = next_serial();
    let doc = dir.write(&format!("doc-{n}.xml"), xml);
    let cert = dir.write(&format!("cert-{n}.pem"), cert_pem);
    let mut cmd = Command::new("xmlsec1");
    cmd.args(["--verify", "--enabled-reference-uris", "same-doc"]);
    for id_attr in [
        "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        "urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor",
    ] {
        cmd.arg("--id-attr:ID").arg(id_attr);
    }
    cmd.arg("--pubkey-cert-pem")
        .arg(&cert)
        .arg("--node-xpath")
        .arg(node_xpath)
        .arg(&doc);
    run(&mut cmd)
}

/// `xmllint --noout --nonet --schema fixtures/xsd/<xsd>` on `xml`.
pub fn xmllint_schema(dir: &TempDir, xml: &str, xsd: &str) -> ToolRun {
    let doc = dir.write(&format!("doc-{}.xml", next_serial()), xml);
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/xsd")
        .join(xsd);
    run(Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schema)
        .arg(doc))
}
