//! `spid-login`: a SPID login at a provider and level through the reference service, then the
//! service's timeline policy on the current day (ID-01, ID-04).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, OUTCOMES};
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use crate::scenario::suggest;
use mock_idps::clock::Clock;
use mock_idps::pin::LoginMethod;
use mock_idps::spid::level::Level;
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "spid-login",
    &["actor", "provider", "level"],
    &["outcome"],
    "log in with SPID through the reference service",
    parse,
);

/// A SPID login through the reference service (ID-01, ID-04).
#[derive(Debug, Clone)]
pub struct SpidLogin {
    /// Who.
    pub actor: Actor,
    /// Provider id.
    pub provider: String,
    /// Level requested.
    pub level: Level,
    /// How it ends at the provider.
    pub outcome: mock_idps::spid::script::Outcome,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let p = s.provider.as_ref()?;
    let providers = &cx.catalog.providers;
    if !providers.iter().any(|id| id == p.get_ref()) {
        let hint = suggest::hint(p.get_ref(), providers.iter().map(String::as_str));
        let message = format!(
            "unknown provider {:?} (one of: {}){hint}",
            p.get_ref(),
            providers.join(", ")
        );
        cx.err(p.span(), message);
    }
    let l = s.level.as_ref()?;
    let level = match l.get_ref() {
        1 => Level::L1,
        2 => Level::L2,
        3 => Level::L3,
        other => {
            cx.err(l.span(), format!("SPID level {other}: use 1, 2 or 3"));
            return None;
        }
    };
    Some(Action::SpidLogin(SpidLogin {
        actor: actor?,
        provider: p.get_ref().clone(),
        level,
        outcome: cx
            .opt_choice(s.outcome.as_ref(), "outcome", OUTCOMES)
            .unwrap_or_default(),
    }))
}

impl SpidLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let method = accepted_level(r, self.level)?;
        let env = r.runner.spid().await?;
        let entry = env
            .login(&self.actor.username, &self.provider, self.level, self.outcome)
            .await;
        if let Some(e) = entry.error {
            return Err(format!("login could not run: {e}"));
        }
        match entry.verdict {
            Some(v) if v.accepted => {
                r.state(&self.actor).digital = Some(method);
                Ok(Vec::new())
            }
            Some(v) => Err(v.spid_error.map_or_else(|| "refused".into(), |c| c.to_string())),
            None => Err("no verdict".into()),
        }
    }
}

/// ID-01: the service accepts the SPID levels its phase of the timeline lists on the current
/// day: the login method of `level` when it does, `SERVICE_METHOD_NOT_ACCEPTED` when not.
pub(super) fn accepted_level(r: &Run<'_>, level: Level) -> Result<LoginMethod, String> {
    let method = match level.number() {
        1 => LoginMethod::SpidL1,
        2 => LoginMethod::SpidL2,
        _ => LoginMethod::SpidL3,
    };
    let date = r.clock.now().date();
    if r.pin.timeline().phase_at(date).must_accept.contains(&method) {
        Ok(method)
    } else {
        Err("SERVICE_METHOD_NOT_ACCEPTED".into())
    }
}
