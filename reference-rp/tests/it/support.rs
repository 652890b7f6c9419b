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

/// How the RP gets known to the OPs.
pub enum Registration {
    /// Hand-registered metadata (no federation).
    Direct,
    /// On-boarded to the local federation (in-process entity configuration) with these faults.
    Federation(mock_idps::oidc::federation::testing::RpSetup),
}

pub async fn world(faults: &str) -> World {
    world_with(faults, Registration::Direct).await
}

pub async fn world_with(faults: &str, registration: Registration) -> World {
    let mut w = world_undiscovered(faults, registration).await;
    let entries = reference_rp::op::entries_of(&w.fed.urls());
    w.rp.discover(&entries).await.expect("discovery");
    w
}

/// A federation and a registered RP that has not yet discovered any OP.
pub async fn world_undiscovered(faults: &str, registration: Registration) -> World {
    let fed = MockFederation::start().await.expect("mock federation");
    let config = RpConfig {
        client_id: CLIENT_ID.into(),
        organization_name: "Servizio di prova".into(),
        faults: Faults::parse(faults).expect("faults"),
        clock: Arc::new(mock_idps::SystemClock),
        offline_access: true,
        trust_anchor: reference_rp::app::trust_anchor_of(&fed.urls()).expect("trust anchor"),
    };
    let keys =
        RpKeys::from_fixtures(&mock_idps::FixtureSource::Embedded, "reference-rp").expect("keys");
    let rp = ReferenceRp::new(config, keys).expect("rp");
    match registration {
        Registration::Direct => fed
            .register_oidc_rp(rp.registration().expect("registration"))
            .expect("registered"),
        Registration::Federation(setup) => {
            mock_idps::oidc::federation::testing::onboard_rp(
                fed.oidc_federation(),
                &mock_idps::FixtureSource::Embedded,
                "reference-rp",
                CLIENT_ID,
                Some(rp.federation_metadata()),
                setup,
            )
            .await
            .expect("on-boarded");
        }
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    World { fed, rp, http }
}

impl World {
    /// The entity configuration the mock OP `op` serves.
    pub async fn op_entity_configuration(&self, op: &str) -> String {
        self.http
            .get(&self.fed.urls().oidc[op].entity_configuration)
            .send()
            .await
            .expect("ec")
            .text()
            .await
            .expect("body")
    }

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

    /// Sends the browser to the OP: the HTTP status and body (an OP page) or Location.
    pub async fn authorize_raw(&self, op: &str, level: Level) -> (u16, String) {
        let url = self.rp.start(op, level).expect("start");
        let r = test_support::send(self.http.get(&url)).await;
        let location = r.headers.get("location").and_then(|l| l.to_str().ok());
        (
            r.status.as_u16(),
            location.map_or(r.body.clone(), str::to_string),
        )
    }

    /// A whole login.
    pub async fn login(&self, op: &str, level: Level) -> Result<(String, Session), RpError> {
        let q = self.authorize(op, level, Outcome::Success).await;
        self.rp.finish(&q).await
    }
}
