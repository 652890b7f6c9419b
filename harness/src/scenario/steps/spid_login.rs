//! `spid-login`: a SPID login at a provider and level through the reference service, then the
//! service's timeline policy on the current day (ID-01, ID-04). The data of a login step and
//! what `oidc-login` shares with it (reading the keys, judging the login) live here too.

use super::{spec, Action, Parse};
use crate::report::Entry;
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, OUTCOMES};
use crate::scenario::runner::{Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::clock::Clock;
use mock_idps::pin::LoginMethod;
use mock_idps::spid::level::Level;
use std::ops::Range;

pub(super) const SPEC: KindSpec = ProviderLogin::spec(
    "spid-login",
    "log in with SPID through the reference service",
    parse,
);

/// A SPID login through the reference service (ID-01, ID-04).
#[derive(Debug, Clone)]
pub struct SpidLogin(pub ProviderLogin);

/// Who logs in at which provider and level, and how it ends: the data of `spid-login` and
/// `oidc-login`.
#[derive(Debug, Clone)]
pub struct ProviderLogin {
    /// Who.
    pub actor: Actor,
    /// Provider id (for `oidc-login`, an OpenID Provider id: a SPID provider id, `cie` or
    /// `cie-preprod`).
    pub provider: String,
    /// Level requested.
    pub level: Level,
    /// How it ends at the provider.
    pub outcome: mock_idps::spid::script::Outcome,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let catalog = cx.catalog;
    let providers: Vec<&str> = catalog.providers.iter().map(String::as_str).collect();
    let login = ProviderLogin::read(cx, s, actor, ("provider", &providers), |n| {
        format!("SPID level {n}: use 1, 2 or 3")
    })?;
    Some(Action::SpidLogin(SpidLogin(login)))
}

impl ProviderLogin {
    /// The [`KindSpec`] of a login kind: the keys [`Self::read`] reads.
    pub(super) const fn spec(name: &'static str, summary: &'static str, parse: Parse) -> KindSpec {
        spec(name, &["actor", "provider", "level"], &["outcome"], summary, parse)
    }

    /// Reads the keys of a login step. An unknown `provider` is an error at its span naming
    /// it as `what`, with the ids of `known` and the nearest one as a hint; a `level` other
    /// than 1, 2 or 3 is an error at its span, worded by `level_message`; `outcome` is `ok`
    /// when absent.
    pub(super) fn read(
        cx: &mut Cx<'_>,
        s: &StepSpec,
        actor: Option<Actor>,
        (what, known): (&str, &[&str]),
        level_message: impl FnOnce(u8) -> String,
    ) -> Option<Self> {
        let provider = cx.one_of(s.provider.as_ref()?, what, known);
        let l = s.level.as_ref()?;
        let level = match Level::try_from(*l.get_ref()) {
            Ok(level) => level,
            Err(_) => {
                cx.err(l.span(), level_message(*l.get_ref()));
                return None;
            }
        };
        Some(Self {
            actor: actor?,
            provider: provider?,
            level,
            outcome: cx
                .opt_choice(s.outcome.as_ref(), "outcome", OUTCOMES)
                .unwrap_or_default(),
        })
    }

    /// The outcome of this login once the environment ran it: on acceptance the actor holds a
    /// digital identity of `method`; a refusal answers the SPID code the service showed.
    pub(super) fn outcome(&self, r: &mut Run<'_>, method: LoginMethod, entry: Entry) -> Outcome {
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

impl SpidLogin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let login = &self.0;
        let method = accepted_level(r, login.level)?;
        let env = r.runner.spid().await?;
        let entry = env
            .login(&login.actor.username, &login.provider, login.level, login.outcome)
            .await;
        login.outcome(r, method, entry)
    }
}

/// ID-01: the service accepts the SPID levels its phase of the timeline lists on the current
/// day: the login method of `level` when it does, `SERVICE_METHOD_NOT_ACCEPTED` when not.
pub(super) fn accepted_level(r: &Run<'_>, level: Level) -> Result<LoginMethod, String> {
    accepted_method(
        r,
        match level.number() {
            1 => LoginMethod::SpidL1,
            2 => LoginMethod::SpidL2,
            _ => LoginMethod::SpidL3,
        },
    )
}

/// `method` when the service's phase of the timeline on the current day lists it among the
/// methods it must accept, `SERVICE_METHOD_NOT_ACCEPTED` when not.
pub(super) fn accepted_method(r: &Run<'_>, method: LoginMethod) -> Result<LoginMethod, String> {
    let date = r.clock.now().date();
    if r.pin.timeline().phase_at(date).must_accept.contains(&method) {
        Ok(method)
    } else {
        Err("SERVICE_METHOD_NOT_ACCEPTED".into())
    }
}
