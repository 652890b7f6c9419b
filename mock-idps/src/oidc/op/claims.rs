//! OIDC claims from the fixture users' SPID attributes: one table maps each claim to the SPID
//! attribute it is read from (spid-cie-oidc-docs docs/en/attributi_utente.rst lists the claim
//! names; the SPID attribute names are those of fixtures/users.toml).

use crate::spid::identity::User;
use serde_json::{Map, Value};

/// Claim name → SPID attribute name.
pub const CLAIM_ATTRIBUTES: &[(&str, &str)] = &[
    ("given_name", "name"),
    ("family_name", "familyName"),
    ("birthdate", "dateOfBirth"),
    ("gender", "gender"),
    ("email", "email"),
    ("phone_number", "mobilePhone"),
    ("place_of_birth", "placeOfBirth"),
    ("address", "address"),
    (
        "https://attributes.eid.gov.it/fiscal_number",
        "fiscalNumber",
    ),
    ("https://attributes.eid.gov.it/spid_code", "spidCode"),
    (
        "https://attributes.eid.gov.it/e_delivery_service",
        "digitalAddress",
    ),
];

/// The SPID attribute a claim is read from (`email_verified` comes with `email`).
pub fn attribute_of(claim: &str) -> Option<&'static str> {
    match claim {
        "email_verified" => Some("email"),
        _ => CLAIM_ATTRIBUTES
            .iter()
            .find(|(c, _)| *c == claim)
            .map(|(_, a)| *a),
    }
}

/// Whether the OP knows `claim`.
pub fn known(claim: &str) -> bool {
    attribute_of(claim).is_some()
}

/// The values of `names` for `user`; claims the user has no attribute for are left out.
pub fn values(user: &User, names: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    for n in names {
        let Some(attr) = attribute_of(n) else {
            continue;
        };
        let Some(v) = user.attributes.get(attr) else {
            continue;
        };
        let value = match n.as_str() {
            // The mock's addresses of e-mail are the fixture's, verified by the provider.
            "email_verified" => Value::Bool(true),
            "address" => serde_json::json!({ "formatted": v }),
            _ => Value::String(v.clone()),
        };
        out.insert(n.clone(), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_claim_maps_to_an_attribute_the_fixture_users_carry() {
        let f = crate::fixtures::Fixtures::embedded().expect("embedded fixtures");
        let u = f.user("mario.rossi").expect("fixture user");
        let names: Vec<String> = CLAIM_ATTRIBUTES
            .iter()
            .map(|(c, _)| c.to_string())
            .collect();
        let v = values(u, &names);
        assert_eq!(v["given_name"], "Mario");
        assert_eq!(
            v["https://attributes.eid.gov.it/fiscal_number"],
            "TINIT-RSSMRA80A01H501U"
        );
        assert_eq!(v.len(), names.len(), "{v:?}");
        assert!(!known("nickname"));
    }
}
