//! The RP on-boarded to the local federation: a valid chain logs in; a chain without a valid
//! trust mark, with an expired subordinate statement, or past max_path_length is refused by
//! every OP with the federation error (errors_federation.rst).

use crate::support::{world_with, Registration};
use mock_idps::oidc::federation::testing::RpSetup;
use mock_idps::oidc::federation::TrustMarkFault;
use mock_idps::spid::level::Level;
use rstest::rstest;

#[tokio::test]
async fn an_rp_with_a_valid_chain_and_trust_mark_logs_in_at_spid_and_cie() {
    let w = world_with("", Registration::Federation(RpSetup::valid())).await;
    for op in ["poste", "cie-preprod"] {
        let (_, s) = w
            .login(op, Level::L2)
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(s.level, Some(Level::L2));
    }
}

#[rstest]
#[case::no_trust_mark(RpSetup::without_trust_mark(), "unauthorized_client")]
#[case::expired_trust_mark(
    RpSetup::with_trust_mark(TrustMarkFault::Expired),
    "unauthorized_client"
)]
#[case::trust_mark_of_another(
    RpSetup::with_trust_mark(TrustMarkFault::WrongSubject),
    "unauthorized_client"
)]
#[case::unlisted_issuer(
    RpSetup::with_trust_mark(TrustMarkFault::UnlistedIssuer),
    "unauthorized_client"
)]
#[case::forged_trust_mark(
    RpSetup::with_trust_mark(TrustMarkFault::BadSignature),
    "unauthorized_client"
)]
#[case::expired_statement(RpSetup::expired_statement(), "invalid_client")]
#[case::past_max_path_length(RpSetup::past_max_path_length(), "invalid_client")]
#[tokio::test]
async fn a_bad_chain_is_refused_with_the_federation_error(
    #[case] setup: RpSetup,
    #[case] code: &str,
) {
    let w = world_with("", Registration::Federation(setup)).await;
    for op in ["aruba", "cie"] {
        let (status, body) = w.authorize_raw(op, Level::L1).await;
        assert_eq!(status, 400, "{op}: {body}");
        assert!(body.contains(code), "{op}: expected {code}: {body}");
    }
}
