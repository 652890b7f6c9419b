//! The committed fixtures stay usable: every certificate outlives the next two years, every
//! provider has a key, and every test identity's codice fiscale matches its own data.

use mock_idps::fixtures::Fixtures;
use mock_idps::spid::fiscal_code::{compute, validate, Gender};
use mock_idps::spid::level::Level;
use time::{Duration, OffsetDateTime};

#[test]
fn no_fixture_certificate_expires_within_two_years() {
    let fixtures = Fixtures::embedded().expect("fixtures load");
    let horizon = OffsetDateTime::now_utc() + Duration::days(2 * 366);
    for (id, key) in &fixtures.keys {
        let not_after = key.trusted_cert().not_after();
        assert!(
            not_after > horizon,
            "the certificate of {id} expires on {not_after}: run `spid-harness fixtures regenerate` and commit"
        );
        assert!(
            not_after.year() >= 2046,
            "{id}: fixture certificates must be valid until at least 2046"
        );
    }
}

#[test]
fn every_provider_has_a_key_and_the_seed_levels() {
    let fixtures = Fixtures::embedded().unwrap();
    assert_eq!(fixtures.providers.len(), 13);
    for p in &fixtures.providers {
        assert!(fixtures.keys.contains_key(&p.id), "{}", p.id);
        // docs/rules/inps-pin.md ID-04: Aruba and Poste offer L3, the others L2.
        let expected = if ["aruba", "poste"].contains(&p.id.as_str()) {
            Level::L3
        } else {
            Level::L2
        };
        assert_eq!(p.max_level, expected, "{}", p.id);
    }
}

#[test]
fn every_fiscal_number_matches_its_identity() {
    let fixtures = Fixtures::embedded().unwrap();
    assert!(fixtures.users.len() >= 20);
    for u in &fixtures.users {
        let a = |k: &str| {
            u.attributes
                .get(k)
                .unwrap_or_else(|| panic!("{}: no {k}", u.username))
                .as_str()
        };
        let cf = u.fiscal_code().unwrap();
        validate(cf).unwrap();
        let date = a("dateOfBirth");
        let birth = (
            date[0..4].parse().unwrap(),
            date[5..7].parse().unwrap(),
            date[8..10].parse().unwrap(),
        );
        let gender = if a("gender") == "F" {
            Gender::Female
        } else {
            Gender::Male
        };
        let expected =
            compute(a("familyName"), a("name"), birth, gender, a("placeOfBirth")).unwrap();
        assert_eq!(cf, expected, "{}", u.username);
    }
}

#[test]
fn the_identity_set_covers_what_tests_need() {
    let f = Fixtures::embedded().unwrap();
    let has = |pred: &dyn Fn(&mock_idps::spid::identity::User) -> bool| f.users.iter().any(pred);
    use mock_idps::spid::identity::IdentityStatus::*;
    use mock_idps::spid::purpose::IdentityKind::*;
    for level in Level::ALL {
        assert!(has(&|u| u.max_level == level && u.status == Active));
    }
    assert!(has(&|u| u.status == Suspended) && has(&|u| u.status == Revoked));
    for kind in [Legal, Professional, ProfessionalLegal] {
        assert!(has(&|u| u.kind == kind));
    }
    assert!(has(&|u| u.note.contains("minor")));
    assert!(has(&|u| u.note.contains("non-EU")));
    assert!(has(
        &|u| u.attributes["familyName"].contains('\'') && u.attributes["name"].contains('ò')
    ));
}
