use crate::support::{refused_check, spid_error, world, Login};
use mock_idps::spid::script::Outcome;
use reference_sp::faults::Faults;

#[tokio::test]
async fn every_user_anomaly_ends_on_the_spid_error_page() {
    let w = world(Faults::none()).await;
    for (outcome, nr) in [
        (Outcome::WrongCredentials, "nr19"),
        (Outcome::NoLevel, "nr20"),
        (Outcome::Timeout, "nr21"),
        (Outcome::ConsentDenied, "nr22"),
        (Outcome::Suspended, "nr23"),
        (Outcome::Cancel, "nr25"),
        (Outcome::PurposeMismatch, "nr30"),
    ] {
        let (status, body, _) = w
            .login(&Login {
                outcome,
                ..Login::default()
            })
            .await;
        assert_eq!(status, 403, "{outcome:?}: {body}");
        assert_eq!(
            spid_error(&body).as_deref(),
            Some(nr),
            "{outcome:?}: {body}"
        );
        assert_eq!(refused_check(&body).as_deref(), Some("status"));
        assert_eq!(w.me().await.0, 401);
    }
}
