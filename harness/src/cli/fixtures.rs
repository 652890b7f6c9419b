//! `spid-harness fixtures …`: [`crate::fixtures::regenerate`] for the provider keys, the CNS
//! test PKI and card certificates.

use crate::exit;
use anyhow::Context;
use clap::{Args, Subcommand};
use mock_idps::cns::mint::{mint_card, write_card, Holder};
use mock_idps::cns::CnsPki;
use mock_idps::fixtures::{FixtureSource, Fixtures};
use std::path::{Path, PathBuf};

/// `spid-harness fixtures …`
#[derive(Debug, Subcommand)]
pub enum FixturesAction {
    /// Make new RSA-2048 keys and certificates for every provider (valid 2025-2050).
    Regenerate {
        /// The fixtures folder to write into.
        #[arg(long, default_value = "fixtures")]
        dir: PathBuf,
        /// Only make the key pairs that are missing (a new provider row's, CIE ID, CNS gateway);
        /// keep every existing key.
        #[arg(long)]
        only_missing: bool,
    },
    /// Make the CNS test PKI (CAs, server certificate, a card of every variant for every holder
    /// of `cns/pki.toml`) under `<dir>/cns/`.
    CnsPki {
        /// The fixtures folder to write into.
        #[arg(long, default_value = "fixtures")]
        dir: PathBuf,
    },
    /// Mint one CNS card certificate and key, signed by the variant's test CA.
    Cns(MintOpts),
}

/// Runs `fixtures ACTION`.
pub fn exec(action: FixturesAction) -> anyhow::Result<u8> {
    match action {
        FixturesAction::Regenerate { dir, only_missing } => {
            let written = crate::fixtures::regenerate(&dir, only_missing)?;
            outln!(
                "wrote {} key pairs under {}: {}",
                written.len(),
                dir.join("keys").display(),
                written.join(", ")
            );
            Ok(exit::OK)
        }
        FixturesAction::CnsPki { dir } => regenerate_pki(&dir),
        FixturesAction::Cns(opts) => mint(opts),
    }
}

/// Options of `fixtures cns`.
#[derive(Debug, Args)]
pub struct MintOpts {
    /// The holder's codice fiscale (16 characters).
    #[arg(long)]
    pub cf: String,
    /// The card variant (valid, valid-camera, expired, not-yet-valid, revoked, unknown-ca, no-cf,
    /// cns-like, cie; see fixtures/cns/pki.toml).
    #[arg(long, default_value = "valid")]
    pub variant: String,
    /// Given name; default: the fixture identity's with this codice fiscale.
    #[arg(long)]
    pub given_name: Option<String>,
    /// Surname; default: the fixture identity's with this codice fiscale.
    #[arg(long)]
    pub surname: Option<String>,
    /// Folder to write `<CF>-<variant>.crt.pem` and `.key.pem` into.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Use this fixtures folder (CA keys) instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

/// Regenerates the CNS PKI under `<dir>/cns/`.
fn regenerate_pki(dir: &Path) -> anyhow::Result<u8> {
    let fixtures = Fixtures::from_dir(dir).with_context(|| format!("loading {}", dir.display()))?;
    let written = mock_idps::cns::mint::regenerate_pki(dir, &fixtures.users)?;
    outln!(
        "wrote {} CNS keys and certificates under {}",
        written.len(),
        dir.join("cns").display()
    );
    Ok(exit::OK)
}

/// Mints one card.
fn mint(opts: MintOpts) -> anyhow::Result<u8> {
    let source = match &opts.fixtures {
        Some(dir) => FixtureSource::Dir(dir.clone()),
        None => FixtureSource::Embedded,
    };
    let fixtures = Fixtures::load(&source)?;
    let pki = CnsPki::load(&source)?;
    let cf = opts.cf.trim().to_ascii_uppercase();
    mock_idps::spid::fiscal_code::validate(&cf)
        .with_context(|| format!("--cf {cf:?} is not a valid codice fiscale"))?;
    let user = fixtures
        .users
        .iter()
        .find(|u| u.fiscal_code() == Some(cf.as_str()));
    let pick = |given: &Option<String>, attr: &str, flag: &str| -> anyhow::Result<String> {
        given
            .clone()
            .or_else(|| user.and_then(|u| u.attributes.get(attr).cloned()))
            .with_context(|| format!("{cf} is not a fixture identity: give the holder's {flag}"))
    };
    let holder = Holder {
        given_name: pick(&opts.given_name, "name", "--given-name")?,
        surname: pick(&opts.surname, "familyName", "--surname")?,
        fiscal_code: cf.clone(),
    };
    let variant = pki.table.variant(&opts.variant)?;
    let card = mint_card(&pki.cas, &holder, variant)?;
    let stem = format!("{cf}-{}", variant.name);
    write_card(&opts.out, &stem, &card)?;
    outln!(
        "wrote {} and {} (serial {}, CA {}, expected: {:?} at the {:?} layer: {})",
        opts.out.join(format!("{stem}.crt.pem")).display(),
        opts.out.join(format!("{stem}.key.pem")).display(),
        card.serial,
        variant.ca,
        variant.expect,
        variant.layer,
        variant.reason
    );
    if variant.revoked {
        outln!(
            "this card is new to the mock: revoke it at runtime with POST /admin/cns/revoke {{\"ca\": \"{}\", \"serial\": \"{}\"}}",
            variant.ca, card.serial
        );
    }
    Ok(exit::OK)
}
