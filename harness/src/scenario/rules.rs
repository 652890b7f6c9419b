//! The rule ids a scenario step may cover: the numbered facts of the founding documents
//! (`docs/rules/inps-pin.md`: PIN-01…13, SW-01…07, ID-01…11, each with its public source), kept here as data so
//! the engine and the tests need nothing outside the repository.

/// A rule id and its one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The id cited by scenario files (`covers = ["PIN-07"]`).
    pub id: &'static str,
    /// What the rule says, in one line.
    pub summary: &'static str,
}

const fn rule(id: &'static str, summary: &'static str) -> Rule {
    Rule { id, summary }
}

/// Every rule id, in document order.
pub static RULES: &[Rule] = &[
    rule("PIN-01", "two kinds of PIN: ordinario (consult) and dispositivo (also claims and payments)"),
    rule("PIN-02", "online and contact-center PINs are ordinario; conversion with an ID document (MV35, fax, office)"),
    rule("PIN-03", "a claim under an ordinario PIN is accepted but processed only after conversion"),
    rule("PIN-04", "a PIN issued at an INPS office after identification is dispositivo at once"),
    rule("PIN-05", "the online request gives codice fiscale, residence, personal data and contacts"),
    rule("PIN-06", "16-character initial PIN: first 8 at once by SMS or e-mail, the other 8 by post in 7-15 days"),
    rule("PIN-07", "the 16-character PIN opens only the first access, which forces a change to 8 characters"),
    rule("PIN-08", "a PIN expires every 6 months (3 for an intermediario istituzionale), with guided renewal"),
    rule("PIN-09", "10 failed logins lock the account for 5 minutes, each further failure adds 5 minutes"),
    rule("PIN-10", "a lost PIN is recovered with the registered contacts only after a first access; else revoke and request"),
    rule("PIN-11", "a PIN opens only the services that fit the holder's registry data"),
    rule("PIN-12", "login is codice fiscale + PIN, on the portal and in the app"),
    rule("PIN-13", "contact center: 803 164 from landlines, 06 164 164 from mobiles"),
    rule("SW-01", "circolare 87/2020 announces the PIN switch-off in favour of SPID"),
    rule("SW-02", "from 2020-10-01 no new PINs; SPID, CIE and CNS are the access tools"),
    rule("SW-03", "exception: PIN dispositivo still issued to those who cannot obtain SPID, only for their services"),
    rule("SW-04", "in the transitional phase existing PINs stay valid and renewable at expiry"),
    rule("SW-05", "the end of the phase: 2021-09-30 for citizens, 2024-08-31 for companies and intermediaries"),
    rule("SW-06", "an old PIN cannot be reactivated: move to SPID, CIE or CNS"),
    rule("SW-07", "the temporary phone PIN (1 day, 1 week, 1 month, 3 months) after a SPID, CIE or CNS login"),
    rule("ID-01", "SPID level 2 serves almost every service, level 3 particular cases; same prerogatives as a PIN dispositivo"),
    rule("ID-02", "under eIDAS SPID level 2 or 3 serves EU public administrations"),
    rule("ID-03", "SPID needs age 18+, an ID document, the tessera sanitaria, a mobile and an e-mail"),
    rule("ID-04", "the providers and the highest level each offers"),
    rule("ID-05", "CIE 3.0 accepted for every INPS online service from 2020-01-22"),
    rule("ID-06", "CNS: smart card or token with an authentication certificate and the card PIN"),
    rule("ID-07", "standard path: pick the identity, MyINPS, the provider, confirm, contacts and consents"),
    rule("ID-08", "delega dell'identità digitale: a trusted person acts for someone, with limits and notices"),
    rule("ID-09", "common failures and their remedies"),
    rule("ID-10", "MyINPS areas after login"),
    rule("ID-11", "NoiPA is separate; the INPS PIN does not work there"),
];

/// The rule with this id, if any.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The ids every scenario folder must cover (the PIN mechanics and the switch-off).
pub fn must_cover() -> impl Iterator<Item = &'static Rule> {
    RULES
        .iter()
        .filter(|r| r.id.starts_with("PIN-") || r.id.starts_with("SW-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_three_groups_numbered_without_gaps() {
        for (prefix, count) in [("PIN", 13), ("SW", 7), ("ID", 11)] {
            for n in 1..=count {
                let id = format!("{prefix}-{n:02}");
                assert!(find(&id).is_some(), "{id} missing");
            }
        }
        assert_eq!(RULES.len(), 13 + 7 + 11);
        assert_eq!(must_cover().count(), 20);
        assert!(find("PIN-14").is_none());
    }
}
