//! Mints CNS card certificates (and the test PKI itself) with rcgen: the CNS profile of
//! docs/rules/cns.md — subject CN beginning with the holder's codice fiscale, givenName and surname,
//! certificatePolicies 1.3.76.16.2.1, keyUsage digitalSignature, extKeyUsage clientAuth, CRL
//! distribution point and OCSP responder of the issuing CA.
//!
//! The exact CN layout of the AgID profile (`CF/serial.hash`, a dnQualifier) is unverified
//! (docs/rules/cns.md): we write `<CF>/<card number>.<hash>` and a dnQualifier with the card
//! number, which is what relying services read with `substr(CN, 0, 16)`.

use crate::cns::pki::{
    crl_distribution_point, CaSpec, CardRecord, CardsFile, HolderInCn, LoadedCa, PkiTable,
    VariantSpec, OCSP_URL,
};
use crate::cns::CnsError;
use crate::fixtures::generate::{certificate_policies, der_tlv, Credential};
use crate::spid::identity::User;
use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use std::path::Path;
use time::macros::datetime;

/// X.520 givenName.
const OID_GIVEN_NAME: &[u64] = &[2, 5, 4, 42];
/// X.520 surname.
const OID_SURNAME: &[u64] = &[2, 5, 4, 4];
/// X.520 dnQualifier.
const OID_DN_QUALIFIER: &[u64] = &[2, 5, 4, 46];
/// Authority Information Access (RFC 5280 §4.2.2.1).
const OID_AIA: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];

/// Who a card is for.
#[derive(Debug, Clone)]
pub struct Holder {
    /// The codice fiscale (16 characters).
    pub fiscal_code: String,
    /// Given name.
    pub given_name: String,
    /// Surname.
    pub surname: String,
}

impl Holder {
    /// The holder of a fixture identity; `None` when it has no codice fiscale or names.
    pub fn of_user(user: &User) -> Option<Self> {
        Some(Self {
            fiscal_code: user.fiscal_code()?.to_string(),
            given_name: user.attributes.get("name")?.clone(),
            surname: user.attributes.get("familyName")?.clone(),
        })
    }
}

/// A minted card: its credential and serial.
#[derive(Debug, Clone)]
pub struct MintedCard {
    /// Key and certificate, PEM.
    pub credential: Credential,
    /// Serial number, lowercase hex.
    pub serial: String,
}

/// A random positive 16-byte serial number.
fn random_serial() -> Vec<u8> {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    bytes.to_vec()
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// DER of an Authority Information Access value with one OCSP access location.
fn aia_ocsp(url: &str) -> Vec<u8> {
    let ocsp_method = crate::fixtures::generate::der_oid(&[1, 3, 6, 1, 5, 5, 7, 48, 1]);
    // uniformResourceIdentifier [6] IA5String, implicit.
    let location = der_tlv(0x86, url.as_bytes());
    let access = der_tlv(0x30, &[ocsp_method, location].concat());
    der_tlv(0x30, &access)
}

/// Mints a card certificate of `variant` for `holder`, signed by the variant's CA in `cas`.
pub fn mint_card(
    cas: &[LoadedCa],
    holder: &Holder,
    variant: &VariantSpec,
) -> Result<MintedCard, CnsError> {
    let ca = cas
        .iter()
        .find(|c| c.spec.id == variant.ca)
        .ok_or_else(|| CnsError::Table {
            path: "fixtures/cns/pki.toml".into(),
            message: format!(
                "variant {:?} names unknown CA {:?}",
                variant.name, variant.ca
            ),
        })?;
    let serial = random_serial();
    // The card number: 16 decimal digits derived from the serial (TS-CNS numbers are digits).
    let card_number: String = serial
        .iter()
        .take(8)
        .map(|b| format!("{:02}", b % 100))
        .collect();
    let hash = hex(&serial[8..]);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "IT");
    dn.push(DnType::OrganizationName, ca.spec.organization.as_str());
    let cn = match variant.holder_in_cn {
        HolderInCn::FiscalCode => format!("{}/{card_number}.{hash}", holder.fiscal_code),
        HolderInCn::Name => format!(
            "{} {}",
            holder.surname.to_uppercase(),
            holder.given_name.to_uppercase()
        ),
    };
    dn.push(DnType::CommonName, cn);
    dn.push(
        DnType::CustomDnType(OID_GIVEN_NAME.to_vec()),
        holder.given_name.to_uppercase(),
    );
    dn.push(
        DnType::CustomDnType(OID_SURNAME.to_vec()),
        holder.surname.to_uppercase(),
    );
    dn.push(DnType::CustomDnType(OID_DN_QUALIFIER.to_vec()), card_number);
    let mut params = CertificateParams::default();
    params.distinguished_name = dn;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.not_before = variant.not_before;
    params.not_after = variant.not_after;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![crl_distribution_point(&ca.spec.id)],
    }];
    let oid = parse_oid(&variant.policy)?;
    params
        .custom_extensions
        .push(CustomExtension::from_oid_content(
            &[2, 5, 29, 32],
            certificate_policies(&[&oid]),
        ));
    params
        .custom_extensions
        .push(CustomExtension::from_oid_content(
            OID_AIA,
            aia_ocsp(OCSP_URL),
        ));
    let key = KeyPair::generate()?;
    let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, &ca.key)?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(MintedCard {
        credential: Credential {
            key_pem: key.serialize_pem(),
            cert_pem: cert.pem(),
        },
        serial: hex(&serial),
    })
}

/// A dotted OID as arcs.
pub fn parse_oid(dotted: &str) -> Result<Vec<u64>, CnsError> {
    dotted
        .split('.')
        .map(|a| a.parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|arcs| arcs.len() >= 2)
        .ok_or_else(|| CnsError::BadOid(dotted.to_string()))
}

/// Makes a CA certificate for `spec`, valid 2015-01-01 to 2050-12-31 (the card variants'
/// validities lie inside it), signed by `parent` or self-signed.
fn make_ca(spec: &CaSpec, parent: Option<&LoadedCa>) -> Result<LoadedCa, CnsError> {
    let key = KeyPair::generate()?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "IT");
    dn.push(DnType::OrganizationName, spec.organization.as_str());
    dn.push(DnType::CommonName, spec.name.as_str());
    let mut params = CertificateParams::default();
    params.distinguished_name = dn;
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()));
    params.not_before = datetime!(2015-01-01 00:00 UTC);
    params.not_after = datetime!(2050-12-31 23:59:59 UTC);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = match parent {
        None => {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.self_signed(&key)?
        }
        Some(parent) => {
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.use_authority_key_identifier_extension = true;
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![crl_distribution_point(&parent.spec.id)],
            }];
            let issuer = Issuer::from_ca_cert_pem(&parent.cert_pem, &parent.key)?;
            params.signed_by(&key, &issuer)?
        }
    };
    Ok(LoadedCa {
        spec: spec.clone(),
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
        key,
    })
}

/// The TLS server credential of the mutual-TLS listeners: localhost and 127.0.0.1, issued by
/// `root`; the PEM holds the leaf only (clients trust `root`).
fn make_server(root: &LoadedCa) -> Result<Credential, CnsError> {
    let key = KeyPair::generate()?;
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "spid-harness test PKI");
    dn.push(DnType::CommonName, "localhost");
    params.distinguished_name = dn;
    params.not_before = datetime!(2025-01-01 00:00 UTC);
    params.not_after = datetime!(2050-12-31 23:59:59 UTC);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let issuer = Issuer::from_ca_cert_pem(&root.cert_pem, &root.key)?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(Credential {
        key_pem: key.serialize_pem(),
        cert_pem: cert.pem(),
    })
}

fn write(path: &Path, text: &str) -> Result<(), CnsError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| CnsError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| CnsError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes a minted card as `<dir>/<stem>.crt.pem` and `<dir>/<stem>.key.pem`.
pub fn write_card(dir: &Path, stem: &str, card: &MintedCard) -> Result<(), CnsError> {
    write(
        &dir.join(format!("{stem}.crt.pem")),
        &card.credential.cert_pem,
    )?;
    write(
        &dir.join(format!("{stem}.key.pem")),
        &card.credential.key_pem,
    )
}

/// Regenerates the whole test PKI under `<fixtures>/cns/` from `pki.toml`: every CA, the server
/// credential, and a card of every variant for every holder (`cards.toml` + `cards/`). Returns
/// the files' stems.
pub fn regenerate_pki(fixtures_dir: &Path, users: &[User]) -> Result<Vec<String>, CnsError> {
    let cns = fixtures_dir.join("cns");
    let table_path = cns.join("pki.toml");
    let text = std::fs::read_to_string(&table_path).map_err(|source| CnsError::Io {
        path: table_path.display().to_string(),
        source,
    })?;
    let table = PkiTable::parse(&text, &table_path.display().to_string())?;
    let mut cas: Vec<LoadedCa> = Vec::new();
    let mut written = Vec::new();
    for spec in &table.cas {
        let parent = match &spec.issuer {
            Some(id) => cas.iter().find(|c| &c.spec.id == id),
            None => None,
        };
        let ca = make_ca(spec, parent)?;
        write(&cns.join(format!("ca/{}.crt.pem", spec.id)), &ca.cert_pem)?;
        write(
            &cns.join(format!("ca/{}.key.pem", spec.id)),
            &ca.key.serialize_pem(),
        )?;
        written.push(format!("ca/{}", spec.id));
        cas.push(ca);
    }
    let root = cas
        .iter()
        .find(|c| c.spec.id == "root")
        .ok_or_else(|| CnsError::Table {
            path: table_path.display().to_string(),
            message: "no CA with id \"root\" (it issues the listeners' server certificate)".into(),
        })?;
    let server = make_server(root)?;
    write(&cns.join("server.crt.pem"), &server.cert_pem)?;
    write(&cns.join("server.key.pem"), &server.key_pem)?;
    written.push("server".into());
    let mut records = Vec::new();
    for username in &table.holders {
        let user = users
            .iter()
            .find(|u| &u.username == username)
            .ok_or_else(|| CnsError::UnknownHolder(username.clone()))?;
        let holder =
            Holder::of_user(user).ok_or_else(|| CnsError::UnknownHolder(username.clone()))?;
        for variant in &table.variants {
            let card = mint_card(&cas, &holder, variant)?;
            let id = format!("{username}-{}", variant.name);
            write_card(&cns.join("cards"), &id, &card)?;
            records.push(CardRecord {
                id: id.clone(),
                holder: username.clone(),
                variant: variant.name.clone(),
                ca: variant.ca.clone(),
                serial: card.serial,
            });
            written.push(format!("cards/{id}"));
        }
    }
    let cards_toml =
        toml::to_string(&CardsFile { cards: records }).map_err(|e| CnsError::Table {
            path: "cards.toml".into(),
            message: e.to_string(),
        })?;
    write(
        &cns.join("cards.toml"),
        &format!(
            "# The committed CNS cards (made by `spid-harness fixtures cns-pki`; do not edit).\n\n{cards_toml}"
        ),
    )?;
    Ok(written)
}
