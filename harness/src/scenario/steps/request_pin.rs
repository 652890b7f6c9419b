//! `request-pin`: requests a PIN (PIN-02, PIN-04…PIN-06, SW-02, SW-03).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, CHANNELS, KINDS_PIN, SCOPES};
use crate::scenario::runner::{check, code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::{Channel, PinKind, PinScope};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "request-pin",
    &["actor", "channel"],
    &["kind", "scope"],
    "request a PIN",
    parse,
);

/// Requests a PIN (PIN-02, PIN-04…PIN-06, SW-02, SW-03).
#[derive(Debug, Clone)]
pub struct RequestPin {
    /// Who.
    pub actor: Actor,
    /// Where.
    pub channel: Channel,
    /// Expected kind.
    pub kind: Option<PinKind>,
    /// Expected scope.
    pub scope: Option<PinScope>,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::RequestPin(RequestPin {
        actor: actor?,
        channel: cx.choice(s.channel.as_ref()?, "channel", CHANNELS)?,
        kind: cx.opt_choice(s.kind.as_ref(), "PIN kind", KINDS_PIN),
        scope: cx.opt_choice(s.scope.as_ref(), "scope", SCOPES),
    }))
}

impl RequestPin {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let issued = r
            .pin
            .request(&self.actor.fiscal_code, self.channel)
            .map_err(code)?;
        r.state(&self.actor).secret = None;
        let mut m = Vec::new();
        check("kind", self.kind, issued.kind, &mut m);
        check("scope", self.scope, issued.scope, &mut m);
        Ok(m)
    }
}
