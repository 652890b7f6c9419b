//! What differs between the SPID and the CIE OIDC profiles, as data. Sources: spid-cie-oidc-docs
//! docs/en/authorization_endpoint.rst, token_endpoint.rst, userinfo_endpoint.rst,
//! revocation_endpoint.rst, differenze_spid_cie.rst.

use crate::spid::provider::OidcProfileName;

/// How a parameter sent both as an HTTP parameter and in the request object is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplication {
    /// MUST be in both, equal (a mismatch is `invalid_request`).
    MustMatch,
    /// SHOULD be in both; when they differ the request object wins.
    ObjectWins,
}

/// One OIDC profile's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OidcProfile {
    /// `spid` or `cie`.
    pub name: &'static str,
    /// `client_id` and `response_type` duplication (authorization_endpoint.rst: SPID MUST, CIE SHOULD).
    pub client_id_duplication: Duplication,
    /// Scopes the profile defines besides `openid` (SPID: offline_access; CIE adds profile, email).
    pub scopes: &'static [&'static str],
    /// Whether user claims may go in the ID token (SPID: none, userinfo only).
    pub claims_in_id_token: bool,
    /// Whether userinfo answers POST (SPID: GET only; CIE: GET and POST).
    pub userinfo_post: bool,
    /// Whether a refreshed ID token carries `acr` SpidL1 only (SPID long revocable session,
    /// differenze_spid_cie.rst).
    pub refresh_acr_l1: bool,
    /// Whether a refresh-token grant returns an ID token (SPID yes; CIE no: its refresh token
    /// gives a new access token only, differenze_spid_cie.rst "Refresh Token").
    pub refresh_id_token: bool,
    /// Whether revoking an access token revokes its refresh tokens and ends the SSO session
    /// (SPID yes; CIE: MUST NOT revoke refresh tokens, revocation_endpoint.rst).
    pub at_revokes_rt: bool,
    /// Whether revoking a refresh token also revokes the access token issued with it (CIE).
    pub rt_revokes_at: bool,
    /// Whether the ID token is encrypted when the RP's metadata has
    /// `id_token_encrypted_response_alg` (CIE: MUST, token_endpoint.rst).
    pub id_token_encryption: bool,
    /// Claims released per scope (CIE `profile`: eIDAS minimum set; `email`).
    pub scope_claims: &'static [(&'static str, &'static [&'static str])],
    /// The claims released when the request names none (SPID's `claims` parameter is how an RP
    /// asks for attributes; without it the OP releases the profile's minimum set).
    pub default_claims: &'static [&'static str],
}

const EIDAS_MINIMUM: &[&str] = &[
    "family_name",
    "given_name",
    "birthdate",
    "https://attributes.eid.gov.it/fiscal_number",
];

/// SPID OIDC.
pub const SPID: OidcProfile = OidcProfile {
    name: "spid",
    client_id_duplication: Duplication::MustMatch,
    scopes: &["offline_access"],
    claims_in_id_token: false,
    userinfo_post: false,
    refresh_acr_l1: true,
    refresh_id_token: true,
    at_revokes_rt: true,
    rt_revokes_at: false,
    id_token_encryption: false,
    scope_claims: &[],
    default_claims: &[
        "given_name",
        "family_name",
        "https://attributes.eid.gov.it/fiscal_number",
    ],
};

/// CIE OIDC.
pub const CIE: OidcProfile = OidcProfile {
    name: "cie",
    client_id_duplication: Duplication::ObjectWins,
    scopes: &["offline_access", "profile", "email"],
    claims_in_id_token: true,
    userinfo_post: true,
    refresh_acr_l1: false,
    refresh_id_token: false,
    at_revokes_rt: false,
    rt_revokes_at: true,
    id_token_encryption: true,
    scope_claims: &[
        ("profile", EIDAS_MINIMUM),
        ("email", &["email", "email_verified"]),
    ],
    default_claims: EIDAS_MINIMUM,
};

impl OidcProfile {
    /// The profile a provider row names.
    pub fn of(name: OidcProfileName) -> &'static OidcProfile {
        match name {
            OidcProfileName::Spid => &SPID,
            OidcProfileName::Cie => &CIE,
        }
    }

    /// Whether `scope` is one this profile defines (`openid` always is).
    pub fn knows_scope(&self, scope: &str) -> bool {
        scope == "openid" || self.scopes.contains(&scope)
    }

    /// The claim names `scopes` release, in order, without repeats.
    pub fn claims_for_scopes<'a>(
        &self,
        scopes: impl IntoIterator<Item = &'a str>,
    ) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for s in scopes {
            for (_, names) in self.scope_claims.iter().filter(|(n, _)| *n == s) {
                for n in *names {
                    if !out.contains(n) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cie_profile_scope_releases_the_eidas_minimum_set() {
        let c = CIE.claims_for_scopes(["openid", "profile", "email"]);
        assert_eq!(c.len(), 6);
        assert!(c.contains(&"https://attributes.eid.gov.it/fiscal_number"));
        assert!(SPID.claims_for_scopes(["openid", "profile"]).is_empty());
        assert!(!SPID.knows_scope("profile"));
        assert!(CIE.knows_scope("email"));
    }
}
