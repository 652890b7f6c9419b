use base64::Engine;
use mock_idps::clock::SimClock;
use mock_idps::federation::{FederationConfig, MockFederation};
use mock_idps::spid::level::Level as MockLevel;
use mock_idps::spid::script::{Outcome, ScriptedLogin};
use reference_sp::faults::Faults;
use reference_sp::{ReferenceSp, SpConfig};
use std::sync::Arc;

pub struct World {
    pub fed: MockFederation,
    pub sp: ReferenceSp,
    pub clock: Arc<SimClock>,
    pub browser: reqwest::Client,
}

pub use test_support::{browser, form_action, form_value};

pub async fn world(faults: Faults) -> World {
    world_with(SpConfig {
        faults,
        ..SpConfig::default()
    })
    .await
}

pub async fn world_with(config: SpConfig) -> World {
    world_for(|_| config).await
}

/// Mocks on a simulated clock (now) and a reference SP on that clock trusting their SPID
/// registry, the rest of its configuration from `config` given the running mocks.
pub async fn world_for(config: impl FnOnce(&MockFederation) -> SpConfig) -> World {
    let clock = Arc::new(SimClock::new(time::OffsetDateTime::now_utc()));
    let fed = MockFederation::start_with(FederationConfig {
        clock: Some(clock.clone()),
        ..FederationConfig::default()
    })
    .await
    .unwrap();
    let sp = ReferenceSp::start(SpConfig {
        idp_metadata: vec![fed.state().registry_xml.clone()],
        clock: clock.clone(),
        ..config(&fed)
    })
    .await
    .unwrap();
    fed.register_sp_metadata(sp.metadata_xml()).unwrap();
    World {
        fed,
        sp,
        clock,
        browser: browser(),
    }
}

/// What the IdP posts to the SP's ACS.
#[derive(Debug, Clone)]
pub struct Posted {
    pub acs: String,
    pub xml: String,
    pub relay_state: Option<String>,
}

pub struct Login<'a> {
    pub provider: &'a str,
    pub user: &'a str,
    pub level: u8,
    pub comparison: &'a str,
    pub binding: &'a str,
    pub outcome: Outcome,
    pub forced_level: Option<MockLevel>,
}

impl Default for Login<'_> {
    fn default() -> Self {
        Login {
            provider: "aruba",
            user: "mario.rossi",
            level: 2,
            comparison: "minimum",
            binding: "redirect",
            outcome: Outcome::Success,
            forced_level: None,
        }
    }
}

impl World {
    pub fn entity_id(&self, provider: &str) -> String {
        self.fed.urls().providers[provider].entity_id.clone()
    }

    /// Starts a login at the SP and follows it to the IdP's auto-post form (scripted login).
    pub async fn to_idp_answer(&self, l: &Login<'_>) -> Posted {
        self.to_idp_answer_with(&self.browser, l)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`World::to_idp_answer`] with another browser; `Err` names the step that failed.
    pub async fn to_idp_answer_with(
        &self,
        browser: &reqwest::Client,
        l: &Login<'_>,
    ) -> Result<Posted, String> {
        self.fed
            .script_next_login(ScriptedLogin {
                provider: Some(l.provider.to_string()),
                user: l.user.to_string(),
                level: l.forced_level,
                outcome: l.outcome,
            })
            .map_err(|e| e.to_string())?;
        let urls = self.sp.urls();
        let http = |e: reqwest::Error| e.to_string();
        let r = browser
            .get(&urls.login)
            .query(&[
                ("idp", self.entity_id(l.provider).as_str()),
                ("level", &l.level.to_string()),
                ("comparison", l.comparison),
                ("binding", l.binding),
            ])
            .send()
            .await
            .map_err(http)?;
        let idp_page = if l.binding == "redirect" {
            if r.status() != 302 {
                return Err(format!("SP /login answers {}, not a redirect", r.status()));
            }
            let location = r.headers()["location"].to_str().unwrap().to_string();
            assert!(!location.contains("RelayState=http"));
            browser.get(&location).send().await.map_err(http)?
        } else {
            if r.status() != 200 {
                return Err(format!("SP /login answers {}", r.status()));
            }
            let html = r.text().await.map_err(http)?;
            let action = form_action(&html).ok_or("no form action")?;
            let mut form = vec![(
                "SAMLRequest",
                form_value(&html, "SAMLRequest").ok_or("no SAMLRequest")?,
            )];
            if let Some(rs) = form_value(&html, "RelayState") {
                form.push(("RelayState", rs));
            }
            browser
                .post(&action)
                .form(&form)
                .send()
                .await
                .map_err(http)?
        };
        let status = idp_page.status();
        let html = idp_page.text().await.map_err(http)?;
        if status != 200 {
            return Err(format!("IdP answer {status}: {html}"));
        }
        let b64 = form_value(&html, "SAMLResponse")
            .ok_or_else(|| format!("no SAMLResponse in the IdP answer: {html}"))?;
        Ok(Posted {
            acs: form_action(&html).ok_or("no ACS action")?,
            xml: String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?,
            relay_state: form_value(&html, "RelayState"),
        })
    }

    /// Posts what the IdP posted to the ACS with `browser`; returns status, body, location.
    pub async fn post_acs_with(
        &self,
        browser: &reqwest::Client,
        posted: &Posted,
    ) -> (u16, String, Option<String>) {
        post_to_acs(browser, posted, &posted.xml).await
    }

    /// Posts (possibly crafted) XML to the ACS; returns status and body.
    pub async fn post_acs(&self, posted: &Posted, xml: &str) -> (u16, String, Option<String>) {
        post_to_acs(&self.browser, posted, xml).await
    }

    /// GET /me: status and body.
    pub async fn me(&self) -> (u16, String) {
        let r = self.browser.get(self.sp.urls().me).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// A whole login; returns the ACS answer.
    pub async fn login(&self, l: &Login<'_>) -> (u16, String, Option<String>) {
        let posted = self.to_idp_answer(l).await;
        self.post_acs(&posted, &posted.xml.clone()).await
    }
}

/// The `data-check` of the SP's refusal page.
pub fn refused_check(body: &str) -> Option<String> {
    let start = body.find("data-check=\"")? + "data-check=\"".len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// The `data-spid-error` of the SP's refusal page.
pub fn spid_error(body: &str) -> Option<String> {
    let start = body.find("data-spid-error=\"")? + "data-spid-error=\"".len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// Posts `xml` as the SAMLResponse to the ACS `posted` names, with its RelayState, from
/// `browser`; returns the status, the body and the `Location`.
async fn post_to_acs(
    browser: &reqwest::Client,
    posted: &Posted,
    xml: &str,
) -> (u16, String, Option<String>) {
    let mut form = vec![(
        "SAMLResponse",
        base64::engine::general_purpose::STANDARD.encode(xml),
    )];
    if let Some(rs) = &posted.relay_state {
        form.push(("RelayState", rs.clone()));
    }
    let r = browser.post(&posted.acs).form(&form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    (status, r.text().await.unwrap(), location)
}
