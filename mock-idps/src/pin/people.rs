//! The PIN service's registry: the fixture identities (fixtures/users.toml) joined with their INPS
//! profile (fixtures/pin-profiles.toml).

use super::model::{Citizenship, Gestione, Occupation, Person, Protection};
use crate::spid::identity::User;
use serde::Deserialize;
use std::collections::HashSet;
use time::Date;

/// The profile file shipped in the fixtures.
pub const PROFILES_FILE: &str = "pin-profiles.toml";

/// Why the profile file could not be used: the two ways a user table fails, as its rows are
/// keyed by username too.
pub type ProfileError = crate::spid::identity::UserTableError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profile: Vec<Row>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Row {
    username: String,
    #[serde(default)]
    citizenship: Option<Citizenship>,
    #[serde(default)]
    italian_id: Option<bool>,
    #[serde(default)]
    resident_abroad: bool,
    #[serde(default)]
    protection: Option<Protection>,
    #[serde(default)]
    occupation: Option<Occupation>,
    #[serde(default)]
    gestione: Option<Gestione>,
    #[serde(default)]
    intermediario: bool,
    #[serde(default)]
    company_roles: Vec<String>,
}

/// Joins `users` with the profiles in `text`; `path` names the file in errors. Users with a
/// codice fiscale but no row get the defaults; users without a codice fiscale are skipped.
pub fn people(users: &[User], text: &str, path: &str) -> Result<Vec<Person>, ProfileError> {
    let file: File = crate::fixtures::parse_toml(text, path)?;
    let invalid = |username: &str, problem: String| ProfileError::Invalid {
        path: path.to_string(),
        username: username.to_string(),
        problem,
    };
    let mut seen = HashSet::new();
    for row in &file.profile {
        if !seen.insert(row.username.as_str()) {
            return Err(invalid(&row.username, "appears twice".into()));
        }
        if !users.iter().any(|u| u.username == row.username) {
            return Err(invalid(
                &row.username,
                "no such username in users.toml".into(),
            ));
        }
    }
    let mut out = Vec::new();
    for user in users {
        let Some(cf) = user.fiscal_code() else {
            continue;
        };
        let default_row = Row::default();
        let row = file
            .profile
            .iter()
            .find(|r| r.username == user.username)
            .unwrap_or(&default_row);
        let born = user
            .attributes
            .get("dateOfBirth")
            .and_then(|d| parse_day(d))
            .ok_or_else(|| {
                invalid(
                    &user.username,
                    "dateOfBirth missing or not YYYY-MM-DD".into(),
                )
            })?;
        let attr = |k: &str| user.attributes.get(k).cloned();
        out.push(Person {
            username: user.username.clone(),
            fiscal_code: cf.to_string(),
            date_of_birth: born,
            citizenship: row.citizenship.unwrap_or(Citizenship::Italian),
            italian_id: row.italian_id.unwrap_or(true),
            resident_abroad: row.resident_abroad,
            protection: row.protection,
            occupation: row.occupation.unwrap_or(Occupation::Worker),
            gestione: row.gestione,
            intermediario: row.intermediario,
            company_roles: row.company_roles.clone(),
            mobile: attr("mobilePhone"),
            email: attr("email"),
            pec: attr("digitalAddress"),
            address: attr("address"),
        });
    }
    Ok(out)
}

/// The people of the embedded (or given) fixtures.
pub fn from_fixtures(
    source: &crate::fixtures::FixtureSource,
) -> Result<Vec<Person>, super::PinSetupError> {
    let users_text = source.read("users.toml")?;
    let users = crate::spid::identity::parse_users(&users_text, "fixtures/users.toml")?;
    let text = source.read(PROFILES_FILE)?;
    people(&users, &text, &format!("fixtures/{PROFILES_FILE}"))
        .map_err(|e| super::PinSetupError::Profiles(Box::new(e)))
}

fn parse_day(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::FixtureSource;

    #[test]
    fn embedded_fixtures_give_every_person_a_profile() {
        let people = from_fixtures(&FixtureSource::Embedded).expect("fixtures");
        assert!(people.len() >= 20);
        let find = |u: &str| people.iter().find(|p| p.username == u).expect(u);
        assert!(find("tommaso.greco").is_minor_on(time::macros::date!(2021 - 01 - 01)));
        assert_eq!(find("john.smith").citizenship, Citizenship::NonEu);
        assert!(find("giorgio.bruno").resident_abroad && !find("giorgio.bruno").italian_id);
        assert!(find("laura.fontana").intermediario);
        assert_eq!(find("giuseppe.lombardi").occupation, Occupation::Pensioner);
        assert_eq!(find("mario.rossi").fiscal_code, "RSSMRA80A01H501U");
    }

    #[test]
    fn unknown_usernames_and_keys_are_refused() {
        let users = crate::spid::identity::parse_users(
            &FixtureSource::Embedded.read("users.toml").expect("users"),
            "users.toml",
        )
        .expect("users");
        let e = people(&users, "[[profile]]\nusername = \"nobody\"\n", "p.toml").unwrap_err();
        assert!(e.to_string().contains("no such username"), "{e}");
        let e = people(
            &users,
            "[[profile]]\nusername = \"mario.rossi\"\nshoe = 1\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("shoe"), "{e}");
    }
}
