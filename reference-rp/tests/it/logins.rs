//! Every OP at every level it offers, through the reference RP.

use crate::support::world;
use mock_idps::spid::level::Level;
use mock_idps::spid::script::Outcome;

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

#[tokio::test]
async fn an_anomaly_comes_back_as_access_denied_naming_the_spid_code() {
    let w = world("").await;
    for (op, outcome, nr) in [
        ("poste", Outcome::ConsentDenied, "nr22"),
        ("aruba", Outcome::Cancel, "nr25"),
        ("infocert", Outcome::WrongCredentials, "nr19"),
    ] {
        let q = w.authorize(op, Level::L2, outcome).await;
        match w.rp.finish(&q).await {
            Err(reference_rp::RpError::OpError { error, description }) => {
                assert_eq!(error, "access_denied", "{op}");
                assert!(description.starts_with(nr), "{op}: {description}");
            }
            other => panic!("{op}: {other:?}"),
        }
    }
}
