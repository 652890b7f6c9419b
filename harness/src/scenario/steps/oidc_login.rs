//! `oidc-login`: a login over OpenID Connect at an OpenID Provider (a SPID provider, or CIE
//! OIDC `cie` / `cie-preprod`) and level, through the reference OIDC relying party on-boarded to
//! the mocks' federation, then the service's timeline policy on the current day (ID-01 for the
//! SPID levels, ID-05 for CIE).

use super::spid_login::{accepted_level, accepted_method, ProviderLogin};
use super::Action;
use crate::scenario::format::StepSpec;
use crate::scenario::load::Cx;
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::LoginMethod;
use std::ops::Range;

pub(super) const SPEC: KindSpec = ProviderLogin::spec(
    "oidc-login",
    "log in over OpenID Connect through the reference relying party",
    parse,
);

/// The CIE OpenID Providers (`fixtures/cie.toml`): production and pre-production.
pub const CIE_OPS: [&str; 2] = ["cie", "cie-preprod"];

/// An OpenID Connect login through the reference RP (ID-01, ID-05).
#[derive(Debug, Clone)]
pub struct OidcLogin(pub ProviderLogin);

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let catalog = cx.catalog;
    let known: Vec<&str> = catalog
        .providers
        .iter()
        .map(String::as_str)
        .chain(CIE_OPS)
        .collect();
    let login = ProviderLogin::read(cx, s, actor, ("OpenID Provider", &known), |n| {
        format!("level {n}: use 1, 2 or 3")
    })?;
    Some(Action::OidcLogin(OidcLogin(login)))
}

impl OidcLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let login = &self.0;
        let method = if CIE_OPS.contains(&login.provider.as_str()) {
            accepted_method(r, LoginMethod::Cie)?
        } else {
            accepted_level(r, login.level)?
        };
        let env = r.runner.spid().await?;
        let entry = env
            .oidc_login(&login.actor.username, &login.provider, login.level, login.outcome)
            .await;
        login.outcome(r, method, entry)
    }
}
