//! The RP resolves each OP's trust chain to the anchor it was configured with and checks the
//! OP's trust mark (OpenID Federation 1.0, "Resolving the Trust Chain and Metadata", "Trust
//! Marks"): an OP whose chain or mark is bad is refused by the strict RP with the matching
//! check, and accepted (and logged in at) by the RP with only that switch off.

use crate::support::{world_undiscovered, Registration, World};
use mock_idps::oidc::federation::Superior;
use mock_idps::oidc::keys::{load, KeyRole};
use mock_idps::spid::level::Level;
use mock_idps::FixtureSource;
use rstest::rstest;

/// What is wrong with the OP `poste` in the federation (or with what the RP trusts).
#[derive(Debug, Clone, Copy)]
enum OpFault {
    /// The anchor's statement about the OP is expired.
    ExpiredStatement,
    /// The anchor's statement about the OP is signed with a key that is not the anchor's.
    ForgedStatement,
    /// The RP is configured with other keys for the anchor than the ones it signs with.
    UntrustedAnchorKeys,
    /// The OP hangs below the second intermediate: two intermediates, max_path_length 1.
    PastMaxPathLength,
    /// The OP's trust marks are withdrawn.
    NoTrustMark,
    /// The OP's trust mark is revoked at the issuer (the status endpoint says inactive).
    RevokedTrustMark,
}

fn break_op(w: &mut World, fault: OpFault) {
    let fed = w.fed.oidc_federation().clone();
    let op = w.fed.urls().oidc["poste"].issuer.clone();
    let found = match fault {
        OpFault::ExpiredStatement => fed.set_expired_statement(&op, true),
        OpFault::ForgedStatement => fed.set_forged_statement(&op, true),
        OpFault::PastMaxPathLength => fed.set_superior(&op, Superior::DeepIntermediate),
        OpFault::NoTrustMark => {
            fed.remove_trust_marks(&op);
            true
        }
        OpFault::RevokedTrustMark => {
            let t = fed
                .trust_mark_type("openid_provider")
                .expect("OP mark type");
            fed.revoke_trust_mark(&op, &t)
        }
        OpFault::UntrustedAnchorKeys => {
            let other = load(
                &FixtureSource::Embedded,
                "intermediate",
                KeyRole::Federation,
            )
            .expect("key");
            w.rp.config.trust_anchor.jwks =
                mock_idps::oidc::jose::Jwks::new(vec![other.public_jwk().clone()]);
            true
        }
    };
    assert!(found, "{op} is registered in the federation");
}

async fn discover_poste(w: &mut World) -> Result<(), reference_rp::RpError> {
    let entries: Vec<_> = reference_rp::op::entries_of(&w.fed.urls())
        .into_iter()
        .filter(|e| e.id == "poste")
        .collect();
    w.rp.discover(&entries).await
}

#[rstest]
#[case::expired_statement(
    OpFault::ExpiredStatement,
    "op-trust-chain",
    "op-trust-chain",
    "expired"
)]
#[case::bad_anchor_signature(
    OpFault::ForgedStatement,
    "op-trust-chain",
    "op-trust-chain",
    "does not verify"
)]
#[case::past_max_path_length(
    OpFault::PastMaxPathLength,
    "op-trust-chain",
    "op-trust-chain",
    "max_path_length"
)]
#[case::no_trust_mark(
    OpFault::NoTrustMark,
    "op-trust-mark",
    "op-trust-mark",
    "no trust_marks"
)]
#[case::revoked_trust_mark(
    OpFault::RevokedTrustMark,
    "op-trust-mark",
    "op-trust-mark",
    "status endpoint"
)]
// Wrong anchor keys also leave the anchor's list of trust-mark issuers unauthenticated: the
// mark cannot be checked either, so only the RP with both switches off accepts the OP.
#[case::untrusted_anchor_keys(
    OpFault::UntrustedAnchorKeys,
    "op-trust-chain",
    "op-trust-chain,op-trust-mark",
    "configured trust anchor keys"
)]
#[tokio::test]
async fn an_op_with_a_bad_chain_or_trust_mark_is_refused_unless_the_switch_is_off(
    #[case] fault: OpFault,
    #[case] switch: &str,
    #[case] off: &str,
    #[case] why: &str,
) {
    // The same OP is fine before the fault.
    let mut w = world_undiscovered("", Registration::Direct).await;
    discover_poste(&mut w)
        .await
        .expect("a sound OP is accepted");
    break_op(&mut w, fault);
    let e = discover_poste(&mut w)
        .await
        .expect_err("the strict RP refuses the OP");
    assert_eq!(e.check(), Some(switch), "{e}");
    assert!(e.to_string().contains(why), "{fault:?}: {e}");

    let mut w = world_undiscovered(off, Registration::Direct).await;
    break_op(&mut w, fault);
    discover_poste(&mut w)
        .await
        .unwrap_or_else(|e| panic!("with {off} off the OP is accepted: {e}"));
    let (_, s) = w.login("poste", Level::L2).await.expect("and logged in at");
    assert_eq!(s.level, Some(Level::L2));
}

#[tokio::test]
async fn the_strict_rp_resolves_every_op_to_the_anchor_and_accepts_one_intermediate() {
    let mut w = world_undiscovered("", Registration::Direct).await;
    let entries = reference_rp::op::entries_of(&w.fed.urls());
    w.rp.discover(&entries).await.expect("every OP resolves");
    assert_eq!(w.rp.ops().count(), 15);
    // An OP below the intermediate: one intermediate is within max_path_length 1.
    let op = w.fed.urls().oidc["aruba"].issuer.clone();
    assert!(w
        .fed
        .oidc_federation()
        .set_superior(&op, Superior::Intermediate));
    let aruba: Vec<_> = entries.into_iter().filter(|e| e.id == "aruba").collect();
    w.rp.discover(&aruba)
        .await
        .expect("one intermediate is fine");
    w.login("aruba", Level::L1).await.expect("login");
}

#[tokio::test]
async fn discovering_each_op_leaves_out_a_refused_op_and_names_why_at_its_login() {
    let mut w = world_undiscovered("", Registration::Direct).await;
    break_op(&mut w, OpFault::ExpiredStatement);
    let entries = reference_rp::op::entries_of(&w.fed.urls());
    let refused = w.rp.discover_each(&entries).await;
    let ids: Vec<&str> = refused.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["poste"]);
    assert_eq!(refused[0].1.check(), Some("op-trust-chain"));
    assert_eq!(w.rp.ops().count(), 14);
    let e =
        w.rp.start("poste", Level::L2)
            .expect_err("no login at a refused OP");
    assert!(
        matches!(e, reference_rp::RpError::OpRefused { .. })
            && e.to_string().contains("op-trust-chain: "),
        "{e}"
    );
    w.login("aruba", Level::L2)
        .await
        .expect("the others still log in");
}
