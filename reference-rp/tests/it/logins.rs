//! Every OP at every level it offers, through the reference RP.

use crate::support::world;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;
use rstest::rstest;

#[tokio::test]
async fn every_spid_op_and_cie_at_every_level_it_offers_is_accepted() {
    let w = world("").await;
    let ops: Vec<_> =
        w.rp.ops()
            .map(|o| (o.id.clone(), o.levels.clone(), o.cie))
            .collect();
    assert_eq!(ops.len(), 15, "13 SPID providers and two CIE flavours");
    assert_eq!(ops.iter().filter(|o| o.2).count(), 2);
    let mut logins = 0;
    for (op, levels, cie) in ops {
        for level in levels {
            let (_, s) = w
                .login(&op, level)
                .await
                .unwrap_or_else(|e| panic!("{op} {level}: {e}"));
            assert_eq!(s.level, Some(level), "{op}");
            assert_eq!(
                s.userinfo["given_name"], "Francesca",
                "{op}: {}",
                s.userinfo
            );
            assert!(s.userinfo["https://attributes.eid.gov.it/fiscal_number"].is_string());
            // SPID puts no user claims in the ID token (authorization_endpoint.rst).
            if !cie {
                assert!(s.id_token.get("given_name").is_none(), "{op}");
            }
            logins += 1;
        }
    }
    assert_eq!(logins, 2 * 3 + 2 * 3 + 11 * 2);
}

/// Every user anomaly of the SAML mocks' shared login path, at a SPID OP and at CIE: the OP
/// answers `access_denied` naming the anomaly code (authorization_endpoint.rst; the codes of
/// docs/rules/spid-saml.md), and the RP refuses the login. CIE uses its own subset of the SPID
/// numbering (fixtures/profiles/cie.toml, docs/rules/cie.md): three wrong PINs block the
/// credential (nr23), and nr20 and nr30 are not CIE codes (no CIE case for them).
#[rstest]
#[case::nr19_wrong_credentials(Outcome::WrongCredentials, "nr19", Some("nr23"))]
#[case::nr20_no_credential_of_the_level(Outcome::NoLevel, "nr20", None)]
#[case::nr21_timeout(Outcome::Timeout, "nr21", Some("nr21"))]
#[case::nr22_consent_denied(Outcome::ConsentDenied, "nr22", Some("nr22"))]
#[case::nr23_suspended(Outcome::Suspended, "nr23", Some("nr23"))]
#[case::nr25_cancel(Outcome::Cancel, "nr25", Some("nr25"))]
#[case::nr30_purpose_mismatch(Outcome::PurposeMismatch, "nr30", None)]
#[tokio::test]
async fn an_anomaly_comes_back_as_access_denied_naming_the_spid_code(
    #[case] outcome: Outcome,
    #[case] spid: &str,
    #[case] cie: Option<&str>,
) {
    let w = world("").await;
    let cases = [("poste", Some(spid)), ("cie", cie)];
    for (op, nr) in cases.iter().filter_map(|(op, nr)| nr.map(|nr| (*op, nr))) {
        let q = w.authorize(op, Level::L2, outcome).await;
        match w.rp.finish(&q).await {
            Err(reference_rp::RpError::OpError { error, description }) => {
                assert_eq!(error, "access_denied", "{op} {nr}");
                assert!(
                    description.starts_with(&format!("{nr}:")),
                    "{op} {nr}: {description}"
                );
            }
            other => panic!("{op} {nr}: the RP must refuse: {other:?}"),
        }
        // The state was consumed: the same answer cannot be played again into a login.
        assert!(w.rp.finish(&q).await.is_err(), "{op} {nr}");
    }
}
