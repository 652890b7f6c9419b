//! SAML profiles as data: what differs between SPID and CIE ID on the one SAML core (Response
//! Issuer Format, attribute set, Comparisons, ForceAuthn, Destination, logout kind, error codes,
//! ACR per level, the L3 factor). The SPID profile is `fixtures/profiles/spid.toml`, the CIE ID
//! profile `fixtures/profiles/cie.toml`; both are compiled in, as they are protocol rules rather
//! than test data.

use crate::spid::level::{Comparison, Level};
use serde::Deserialize;
use std::sync::OnceLock;

/// When `ForceAuthn="true"` is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForceAuthnPolicy {
    /// Above L1 (SPID rules, single-sign-on).
    AboveL1,
    /// At every level (CIE manuale SP).
    Always,
}

/// What a request's `Destination` may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DestinationRule {
    /// The SSO Location or the IdP entityID (SPID, Avviso 11).
    SsoOrEntityId,
    /// Only the SSO Location of the binding used (CIE manuale SP).
    SsoOnly,
}

/// How a session at the IdP ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogoutKind {
    /// SAML single logout on HTTP-Redirect and HTTP-POST (SPID).
    Saml,
    /// A plain HTTP GET that ends the IdP session; no SAML SLO (CIE manuale SP).
    PlainHttp,
}

/// The second factor at L3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum L3Factor {
    /// A signing device with its PIN, after user name and password (SPID).
    DevicePin,
    /// The CIE on an NFC reader with its PIN, instead of user name and password (CIE).
    CieCard,
}

/// One attribute the profile can release.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileAttribute {
    /// `Name`.
    pub name: String,
    /// `FriendlyName`, when the profile writes one.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// `xsi:type` of the value.
    #[serde(default = "xs_string")]
    pub xsi_type: String,
}

fn xs_string() -> String {
    "xs:string".into()
}

/// The `AuthnContextClassRef` returned per level.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcrTable {
    /// For L1.
    pub l1: String,
    /// For L2.
    pub l2: String,
    /// For L3.
    pub l3: String,
}

/// The error code each user anomaly ends with; `None` where the profile defines none.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyCodes {
    /// Wrong credentials (or PINs) until the attempt limit.
    #[serde(default)]
    pub attempt_limit: Option<u8>,
    /// No credential of the requested level.
    #[serde(default)]
    pub no_level: Option<u8>,
    /// The login took too long.
    #[serde(default)]
    pub timeout: Option<u8>,
    /// The user denied consent.
    #[serde(default)]
    pub consent_denied: Option<u8>,
    /// Identity suspended or revoked; credentials or card blocked, expired or revoked.
    #[serde(default)]
    pub suspended: Option<u8>,
    /// The user cancelled.
    #[serde(default)]
    pub cancel: Option<u8>,
    /// The identity is not of the kind requested (spid:Purpose).
    #[serde(default)]
    pub purpose_mismatch: Option<u8>,
}

/// One SAML profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlProfile {
    /// `SPID` or `CIE`.
    pub name: String,
    /// Whether the Response-level Issuer carries `Format`.
    pub response_issuer_format: bool,
    /// Comparisons a request may use.
    pub comparisons: Vec<Comparison>,
    /// When ForceAuthn is required.
    pub force_authn: ForceAuthnPolicy,
    /// What Destination may be.
    pub destination: DestinationRule,
    /// How sessions end.
    pub logout: LogoutKind,
    /// Whether the NameID carries `SPNameQualifier` = the SP.
    pub name_id_sp_qualifier: bool,
    /// The L3 factor.
    pub l3_factor: L3Factor,
    /// Error codes the profile may send.
    pub error_codes: Vec<u8>,
    /// ACR per level.
    pub acr: AcrTable,
    /// Codes of the user anomalies.
    pub anomalies: AnomalyCodes,
    /// Attributes the IdP can release, in metadata order.
    #[serde(rename = "attribute")]
    pub attributes: Vec<ProfileAttribute>,
}

/// Why a profile could not be read.
pub type ProfileError = crate::fixtures::TomlError;

impl SamlProfile {
    /// Parses a profile; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, ProfileError> {
        crate::fixtures::parse_toml(text, path)
    }

    /// The SPID profile (fixtures/profiles/spid.toml).
    pub fn spid() -> &'static SamlProfile {
        static P: OnceLock<SamlProfile> = OnceLock::new();
        P.get_or_init(|| {
            // Invariant: the file is compiled in and parsed by a unit test.
            SamlProfile::parse(
                include_str!("../../fixtures/profiles/spid.toml"),
                "profiles/spid.toml",
            )
            .expect("the embedded SPID profile parses")
        })
    }

    /// The CIE ID profile (fixtures/profiles/cie.toml).
    pub fn cie() -> &'static SamlProfile {
        static P: OnceLock<SamlProfile> = OnceLock::new();
        P.get_or_init(|| {
            // Invariant: the file is compiled in and parsed by a unit test.
            SamlProfile::parse(
                include_str!("../../fixtures/profiles/cie.toml"),
                "profiles/cie.toml",
            )
            .expect("the embedded CIE profile parses")
        })
    }

    /// The ACR to return for `level`.
    pub fn acr(&self, level: Level) -> &str {
        match level {
            Level::L1 => &self.acr.l1,
            Level::L2 => &self.acr.l2,
            Level::L3 => &self.acr.l3,
        }
    }

    /// The attribute `name`, if the profile releases it.
    pub fn attribute(&self, name: &str) -> Option<&ProfileAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Whether a request may use `c`.
    pub fn allows(&self, c: Comparison) -> bool {
        self.comparisons.contains(&c)
    }

    /// Whether ForceAuthn must be true at `level`.
    pub fn force_authn_required(&self, level: Level) -> bool {
        match self.force_authn {
            ForceAuthnPolicy::AboveL1 => level > Level::L1,
            ForceAuthnPolicy::Always => true,
        }
    }

    /// The code a scripted outcome ends with under this profile (`None`: success, or an
    /// anomaly the profile has no code for).
    pub fn outcome_code(&self, outcome: crate::spid::script::Outcome) -> Option<u8> {
        use crate::spid::script::Outcome as O;
        let a = &self.anomalies;
        match outcome {
            O::Success => None,
            O::WrongCredentials => a.attempt_limit,
            O::NoLevel => a.no_level,
            O::Timeout => a.timeout,
            O::ConsentDenied => a.consent_denied,
            O::Suspended => a.suspended,
            O::Cancel => a.cancel,
            O::PurposeMismatch => a.purpose_mismatch,
        }
    }

    /// Whether a login under this profile can end with `outcome` (success always can; an
    /// anomaly needs an error code in the profile).
    pub fn expresses(&self, outcome: crate::spid::script::Outcome) -> bool {
        outcome == crate::spid::script::Outcome::Success || self.outcome_code(outcome).is_some()
    }

    /// The outcomes this profile can end a login with, for messages ("success, timeout, …").
    pub fn outcome_names(&self) -> String {
        crate::spid::script::Outcome::ALL
            .into_iter()
            .filter(|o| self.expresses(*o))
            .map(crate::spid::script::Outcome::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spid::script::Outcome;

    #[test]
    fn both_profiles_parse_and_send_only_their_codes() {
        for p in [SamlProfile::spid(), SamlProfile::cie()] {
            for o in Outcome::ALL {
                if let Some(nr) = p.outcome_code(o) {
                    assert!(p.error_codes.contains(&nr), "{} {o:?} → {nr}", p.name);
                    assert!(crate::saml::status::ErrorCode::get(nr).is_some());
                }
            }
        }
    }

    #[test]
    fn spid_profile_is_the_spid_rules() {
        let p = SamlProfile::spid();
        assert!(p.response_issuer_format);
        assert_eq!(p.comparisons.len(), 4);
        assert_eq!(p.attributes.len(), 23);
        assert_eq!(p.outcome_code(Outcome::WrongCredentials), Some(19));
        assert!(!p.force_authn_required(Level::L1) && p.force_authn_required(Level::L2));
        assert_eq!(p.attribute("dateOfBirth").unwrap().xsi_type, "xs:date");
    }

    #[test]
    fn cie_profile_differs_as_the_manual_says() {
        let p = SamlProfile::cie();
        assert!(!p.response_issuer_format);
        assert_eq!(p.comparisons, vec![Comparison::Exact, Comparison::Minimum]);
        assert!(p.force_authn_required(Level::L1));
        assert_eq!(p.destination, DestinationRule::SsoOnly);
        assert_eq!(p.logout, LogoutKind::PlainHttp);
        let names: Vec<_> = p.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["name", "familyName", "dateOfBirth", "fiscalNumber"]);
        assert!(p.attributes.iter().all(|a| a.friendly_name.is_some()));
        assert_eq!(p.attribute("dateOfBirth").unwrap().xsi_type, "xs:string");
        let mut expected: Vec<u8> = (2..=18).collect();
        expected.extend([21, 22, 23, 25]);
        assert_eq!(p.error_codes, expected);
        assert_eq!(p.outcome_code(Outcome::NoLevel), None);
        assert_eq!(p.acr(Level::L2), "https://www.spid.gov.it/SpidL2");
    }
}
