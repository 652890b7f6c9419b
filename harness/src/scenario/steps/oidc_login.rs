//! `oidc-login`: a login over OpenID Connect at an OpenID Provider (a SPID provider, or CIE
//! OIDC `cie` / `cie-preprod`) and level, through the reference OIDC relying party on-boarded to
//! the mocks' federation, then the service's timeline policy on the current day (ID-01 for the
//! SPID levels, ID-05 for CIE).

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
    "oidc-login",
    &["actor", "provider", "level"],
    &["outcome"],
    "log in over OpenID Connect through the reference relying party",
    parse,
);

/// The CIE OpenID Providers (`fixtures/cie.toml`): production and pre-production.
pub const CIE_OPS: [&str; 2] = ["cie", "cie-preprod"];

/// An OpenID Connect login through the reference RP (ID-01, ID-05).
#[derive(Debug, Clone)]
pub struct OidcLogin {
    /// Who.
    pub actor: Actor,
    /// OpenID Provider id (a SPID provider id, `cie` or `cie-preprod`).
    pub provider: String,
    /// Level requested.
    pub level: Level,
    /// How it ends at the provider.
    pub outcome: mock_idps::spid::script::Outcome,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let p = s.provider.as_ref()?;
    let known: Vec<&str> = cx
        .catalog
        .providers
        .iter()
        .map(String::as_str)
        .chain(CIE_OPS)
        .collect();
    if !known.contains(&p.get_ref().as_str()) {
        let hint = suggest::hint(p.get_ref(), known.iter().copied());
        let message = format!(
            "unknown OpenID Provider {:?} (one of: {}){hint}",
            p.get_ref(),
            known.join(", ")
        );
        cx.err(p.span(), message);
    }
    let l = s.level.as_ref()?;
    let level = match Level::try_from(*l.get_ref()) {
        Ok(level) => level,
        Err(_) => {
            cx.err(l.span(), format!("level {}: use 1, 2 or 3", l.get_ref()));
            return None;
        }
    };
    Some(Action::OidcLogin(OidcLogin {
        actor: actor?,
        provider: p.get_ref().clone(),
        level,
        outcome: cx
            .opt_choice(s.outcome.as_ref(), "outcome", OUTCOMES)
            .unwrap_or_default(),
    }))
}

impl OidcLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let method = if CIE_OPS.contains(&self.provider.as_str()) {
            let date = r.clock.now().date();
            if !r
                .pin
                .timeline()
                .phase_at(date)
                .must_accept
                .contains(&LoginMethod::Cie)
            {
                return Err("SERVICE_METHOD_NOT_ACCEPTED".into());
            }
            LoginMethod::Cie
        } else {
            super::spid_login::accepted_level(r, self.level)?
        };
        let env = r.runner.spid().await?;
        let entry = env
            .oidc_login(&self.actor.username, &self.provider, self.level, self.outcome)
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
