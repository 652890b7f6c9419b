//! A mock federation and a reference RP registered with its OPs.

use mock_idps::spid::level::Level;
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use mock_idps::MockFederation;
use reference_rp::keys::RpKeys;
use reference_rp::rp::Session;
use reference_rp::{Faults, ReferenceRp, RpConfig, RpError};
use std::sync::Arc;

/// The RP's client_id in tests (never contacted: the OPs know it from the registration table).
pub const CLIENT_ID: &str = "https://rp.example.it";

/// The user every login uses: L3, with a CIE card.
pub const USER: &str = "francesca.romano";

pub struct World {
    pub fed: MockFederation,
    pub rp: ReferenceRp,
    pub http: reqwest::Client,
}

pub async fn world(faults: &str) -> World {
    let fed = MockFederation::start().await.expect("mock federation");
    let config = RpConfig {
        client_id: CLIENT_ID.into(),
        organization_name: "Servizio di prova".into(),
        faults: Faults::parse(faults).expect("faults"),
        clock: Arc::new(mock_idps::SystemClock),
        offline_access: true,
    };
    let keys =
        RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp").expect("keys");
    let mut rp = ReferenceRp::new(config, keys).expect("rp");
    fed.register_oidc_rp(rp.registration().expect("registration"))
        .expect("registered");
    rp.discover(&reference_rp::op::entries_of(&fed.urls()))
        .await
        .expect("discovery");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    World { fed, rp, http }
}

impl World {
    /// Sends the browser to the OP with a scripted outcome; the callback query the OP
    /// redirects to.
    pub async fn authorize(&self, op: &str, level: Level, outcome: Outcome) -> String {
        let url = self.rp.start(op, level).expect("start");
        self.fed
            .script_next_login(ScriptedLogin {
                provider: Some(op.into()),
                user: USER.into(),
                level: None,
                outcome,
            })
            .expect("script");
        let r = self.http.get(&url).send().await.expect("authorization");
        assert_eq!(
            r.status().as_u16(),
            303,
            "{}",
            r.text().await.unwrap_or_default()
        );
        let location = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        assert!(
            location.starts_with(&format!("{CLIENT_ID}/oidc/callback?")),
            "{location}"
        );
        location
            .split_once('?')
            .map(|(_, q)| q.to_string())
            .unwrap_or_default()
    }

    /// A whole login.
    pub async fn login(&self, op: &str, level: Level) -> Result<(String, Session), RpError> {
        let q = self.authorize(op, level, Outcome::Success).await;
        self.rp.finish(&q).await
    }
}
