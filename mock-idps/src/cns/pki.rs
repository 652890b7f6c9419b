//! The CNS test PKI as data: the CA and card-variant table (`fixtures/cns/pki.toml`), the CA keys
//! and certificates (`fixtures/cns/ca/`), the server certificate of the mutual-TLS listeners
//! (`fixtures/cns/server.*`) and the committed cards (`fixtures/cns/cards.toml` + `cards/`).

use crate::cns::CnsError;
use crate::fixtures::FixtureSource;
use rcgen::KeyPair;
use serde::Deserialize;
use time::OffsetDateTime;

/// The CNS certificate policy (AgID "authentication / cns"), docs/rules/cns.md.
pub const POLICY_CNS: &str = "1.3.76.16.2.1";
/// The CIE authentication certificate policy, docs/rules/cie.md.
pub const POLICY_CIE: &str = "1.3.76.47.4";

/// The CRL distribution point written in every certificate of CA `ca`. The host and port are
/// those of `spid-harness serve`'s default bind (127.0.0.1:7000), so a service pointed at a
/// default `serve` fetches real CRLs; with another port the mock serves the same path and lists
/// the real URL in `--urls-json` (`cns.crls`).
pub fn crl_distribution_point(ca: &str) -> String {
    format!("http://127.0.0.1:7000/cns/crl/{ca}.crl")
}

/// The OCSP responder named in the card certificates' Authority Information Access: served by
/// the federation's plain-HTTP port ([`crate::cns::ocsp`]); on another port than `serve`'s
/// default the same path answers, and `--urls-json` lists it (`cns.ocsp`).
pub const OCSP_URL: &str = "http://127.0.0.1:7000/cns/ocsp";

/// One certification authority of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaSpec {
    /// File stem and CRL name.
    pub id: String,
    /// Subject commonName.
    pub name: String,
    /// Subject organizationName.
    pub organization: String,
    /// The signing CA; `None` for a self-signed root.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Whether the CNS endpoints trust it.
    pub trusted: bool,
}

/// How the holder appears in the subject CN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderInCn {
    /// `<codice fiscale>/<card serial>.<hash>`.
    FiscalCode,
    /// `<SURNAME> <NAME>`, no codice fiscale.
    Name,
}

/// What a careful service does with a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    /// Logs the holder in.
    Accept,
    /// Refuses the login.
    Refuse,
}

/// Where a careful service refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// In the TLS handshake (chain, validity, revocation).
    Tls,
    /// After the handshake, reading the certificate (codice fiscale, policy).
    Application,
}

/// One card variant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// The `--variant` value.
    pub name: String,
    /// Issuing CA id.
    pub ca: String,
    /// certificatePolicies OID, dotted.
    pub policy: String,
    /// How the holder appears in the CN.
    pub holder_in_cn: HolderInCn,
    /// Validity start.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// Validity end.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// On the CRL from the start.
    pub revoked: bool,
    /// What a careful service does.
    pub expect: Expect,
    /// Where it refuses (or, for accepted cards, where the identity is read).
    pub layer: Layer,
    /// Why, in one line.
    pub reason: String,
    /// `error` or `warning`.
    pub severity: String,
}

/// The whole `pki.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PkiTable {
    /// Fixture identities with a committed card of every variant.
    pub holders: Vec<String>,
    /// The CAs, parents before children.
    #[serde(rename = "ca")]
    pub cas: Vec<CaSpec>,
    /// The card variants.
    #[serde(rename = "variant", default)]
    pub variants: Vec<VariantSpec>,
}

impl PkiTable {
    /// Parses and cross-checks the table: unique ids, issuers declared before use, variants
    /// naming known CAs.
    pub fn parse(text: &str, label: &str) -> Result<Self, CnsError> {
        let table: PkiTable = toml::from_str(text).map_err(|e| CnsError::Table {
            path: label.to_string(),
            message: e.to_string(),
        })?;
        let bad = |message: String| CnsError::Table {
            path: label.to_string(),
            message,
        };
        for (i, ca) in table.cas.iter().enumerate() {
            if table.cas[..i].iter().any(|c| c.id == ca.id) {
                return Err(bad(format!("CA id {:?} appears twice", ca.id)));
            }
            if let Some(issuer) = &ca.issuer {
                if !table.cas[..i].iter().any(|c| &c.id == issuer) {
                    return Err(bad(format!(
                        "CA {:?} names issuer {issuer:?}, which is not declared before it",
                        ca.id
                    )));
                }
            }
        }
        for v in &table.variants {
            if !table.cas.iter().any(|c| c.id == v.ca) {
                return Err(bad(format!(
                    "variant {:?} names unknown CA {:?}",
                    v.name, v.ca
                )));
            }
            if v.not_after <= v.not_before {
                return Err(bad(format!(
                    "variant {:?}: not_after is not after not_before",
                    v.name
                )));
            }
        }
        Ok(table)
    }

    /// A CA by id.
    pub fn ca(&self, id: &str) -> Option<&CaSpec> {
        self.cas.iter().find(|c| c.id == id)
    }

    /// A variant by name.
    pub fn variant(&self, name: &str) -> Result<&VariantSpec, CnsError> {
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| CnsError::UnknownVariant {
                name: name.to_string(),
                known: self
                    .variants
                    .iter()
                    .map(|v| v.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// A CA with its key, loaded from the fixtures.
#[derive(Debug)]
pub struct LoadedCa {
    /// Its table row.
    pub spec: CaSpec,
    /// Its certificate, PEM.
    pub cert_pem: String,
    /// Its certificate, DER.
    pub cert_der: Vec<u8>,
    /// Its private key.
    pub key: KeyPair,
}

/// A committed card of `cards.toml`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardRecord {
    /// `<holder>-<variant>`, the file stem under `cards/`.
    pub id: String,
    /// Fixture username.
    pub holder: String,
    /// Variant name.
    pub variant: String,
    /// Issuing CA id.
    pub ca: String,
    /// Certificate serial number, lowercase hex.
    pub serial: String,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardsFile {
    #[serde(rename = "card", default)]
    pub(crate) cards: Vec<CardRecord>,
}

/// A committed card with its key and certificate.
#[derive(Debug, Clone)]
pub struct Card {
    /// Its record.
    pub record: CardRecord,
    /// Certificate, PEM.
    pub cert_pem: String,
    /// PKCS#8 private key, PEM.
    pub key_pem: String,
}

/// The loaded PKI: table, CAs with keys, server credential and committed cards.
#[derive(Debug)]
pub struct CnsPki {
    /// The table.
    pub table: PkiTable,
    /// CAs in table order.
    pub cas: Vec<LoadedCa>,
    /// The TLS server certificate chain of the mutual-TLS listeners (leaf first), PEM.
    pub server_cert_pem: String,
    /// Its PKCS#8 key, PEM.
    pub server_key_pem: String,
    /// The committed cards.
    pub cards: Vec<Card>,
}

impl CnsPki {
    /// The embedded PKI.
    pub fn embedded() -> Result<Self, CnsError> {
        Self::load(&FixtureSource::Embedded)
    }

    /// Loads everything under `cns/` of `source`.
    pub fn load(source: &FixtureSource) -> Result<Self, CnsError> {
        let table = PkiTable::parse(&source.read("cns/pki.toml")?, "fixtures/cns/pki.toml")?;
        let mut cas = Vec::new();
        for spec in &table.cas {
            let cert_pem = source.read(&format!("cns/ca/{}.crt.pem", spec.id))?;
            let key_pem = source.read(&format!("cns/ca/{}.key.pem", spec.id))?;
            let cert_der = pem_der(&cert_pem, &format!("cns/ca/{}.crt.pem", spec.id))?;
            let key = KeyPair::from_pem(&key_pem).map_err(|e| CnsError::Pem {
                path: format!("cns/ca/{}.key.pem", spec.id),
                message: e.to_string(),
            })?;
            cas.push(LoadedCa {
                spec: spec.clone(),
                cert_pem,
                cert_der,
                key,
            });
        }
        let cards_file: CardsFile =
            toml::from_str(&source.read("cns/cards.toml")?).map_err(|e| CnsError::Table {
                path: "fixtures/cns/cards.toml".into(),
                message: e.to_string(),
            })?;
        let mut cards = Vec::new();
        for record in cards_file.cards {
            let cert_pem = source.read(&format!("cns/cards/{}.crt.pem", record.id))?;
            let key_pem = source.read(&format!("cns/cards/{}.key.pem", record.id))?;
            cards.push(Card {
                record,
                cert_pem,
                key_pem,
            });
        }
        Ok(Self {
            server_cert_pem: source.read("cns/server.crt.pem")?,
            server_key_pem: source.read("cns/server.key.pem")?,
            table,
            cas,
            cards,
        })
    }

    /// A CA by id.
    pub fn ca(&self, id: &str) -> Option<&LoadedCa> {
        self.cas.iter().find(|c| c.spec.id == id)
    }

    /// The committed card of `holder` in `variant`.
    pub fn card(&self, holder: &str, variant: &str) -> Option<&Card> {
        self.cards
            .iter()
            .find(|c| c.record.holder == holder && c.record.variant == variant)
    }

    /// The trusted CA certificates (DER), what the mutual-TLS listeners accept.
    pub fn trusted_ca_ders(&self) -> Vec<Vec<u8>> {
        self.cas
            .iter()
            .filter(|c| c.spec.trusted)
            .map(|c| c.cert_der.clone())
            .collect()
    }

    /// The trust bundle (trusted CA certificates, PEM, concatenated).
    pub fn trusted_ca_pem(&self) -> String {
        self.cas
            .iter()
            .filter(|c| c.spec.trusted)
            .map(|c| c.cert_pem.as_str())
            .collect()
    }

    /// The root CA certificate (PEM) the listeners' server certificate chains to, for clients.
    pub fn server_root_pem(&self) -> Option<&str> {
        self.ca("root").map(|c| c.cert_pem.as_str())
    }
}

/// The DER content of the first PEM block in `text`.
pub fn pem_der(text: &str, label: &str) -> Result<Vec<u8>, CnsError> {
    pem::parse(text)
        .map(|p| p.contents().to_vec())
        .map_err(|e| CnsError::Pem {
            path: label.to_string(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_every_variant_names_a_ca() {
        let pki = CnsPki::embedded().expect("embedded CNS PKI");
        assert!(pki.table.variant("valid").is_ok());
        let err = pki.table.variant("bogus").unwrap_err().to_string();
        assert!(err.contains("valid, valid-camera"), "{err}");
        assert_eq!(pki.cas.len(), pki.table.cas.len());
    }

    #[test]
    fn table_refuses_an_issuer_declared_later() {
        let text = r#"
holders = []
[[ca]]
id = "child"
name = "c"
organization = "o"
issuer = "root"
trusted = true
[[ca]]
id = "root"
name = "r"
organization = "o"
trusted = true
"#;
        let err = PkiTable::parse(text, "t.toml").unwrap_err().to_string();
        assert!(err.contains("not declared before it"), "{err}");
    }
}
