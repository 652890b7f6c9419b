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

/// A trust mark absent or not valid: every OP answers `unauthorized_client`.
#[rstest]
#[case::no_trust_mark(RpSetup::without_trust_mark())]
#[case::expired_trust_mark(RpSetup::with_trust_mark(TrustMarkFault::Expired))]
#[case::trust_mark_of_another(RpSetup::with_trust_mark(TrustMarkFault::WrongSubject))]
#[case::unlisted_issuer(RpSetup::with_trust_mark(TrustMarkFault::UnlistedIssuer))]
#[case::forged_trust_mark(RpSetup::with_trust_mark(TrustMarkFault::BadSignature))]
#[tokio::test]
async fn a_chain_without_a_valid_trust_mark_is_refused_as_unauthorized_client(
    #[case] setup: RpSetup,
) {
    refused_by_every_op(setup, "unauthorized_client").await;
}

/// A chain that does not resolve (an expired subordinate statement, a path past
/// max_path_length): every OP answers `invalid_client`.
#[rstest]
#[case::expired_statement(RpSetup::expired_statement())]
#[case::past_max_path_length(RpSetup::past_max_path_length())]
#[tokio::test]
async fn a_chain_that_does_not_resolve_is_refused_as_invalid_client(#[case] setup: RpSetup) {
    refused_by_every_op(setup, "invalid_client").await;
}

/// Every OP (one SPID, one CIE) answers the authorization request with HTTP 400 and `code`.
async fn refused_by_every_op(setup: RpSetup, code: &str) {
    let w = world_with("", Registration::Federation(setup)).await;
    for op in ["aruba", "cie"] {
        let (status, body) = w.authorize_raw(op, Level::L1).await;
        assert_eq!(status, 400, "{op}: {body}");
        assert!(body.contains(code), "{op}: expected {code}: {body}");
    }
}
