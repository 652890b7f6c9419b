//! `delegate`: registers a delega dell'identità digitale (ID-08).

use super::{parties, spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, DELEGATION_CHANNELS, FORMS, METHODS};
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::{DelegationChannel, DelegationForm, DelegationRequest, LoginMethod};
use std::ops::Range;
use time::Date;

pub(super) const SPEC: KindSpec = spec(
    "delegate",
    &["delegante", "delegato", "form", "channel"],
    &["via", "until", "limits", "certificate"],
    "register a delega dell'identità digitale",
    parse,
);

/// Registers a delegation (ID-08).
#[derive(Debug, Clone)]
pub struct Delegate {
    /// The person represented.
    pub delegante: Actor,
    /// The trusted person.
    pub delegato: Actor,
    /// The form.
    pub form: DelegationForm,
    /// Office or online.
    pub channel: DelegationChannel,
    /// Online: how the filer logged in.
    pub via: Option<LoginMethod>,
    /// Last day.
    pub until: Option<Date>,
    /// Allowed services.
    pub limits: Vec<String>,
    /// AA09 doctor's certificate.
    pub certificate: bool,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, _: Option<Actor>, _: Range<usize>) -> Option<Action> {
    let parties = parties(cx, s);
    let form = cx.choice(s.form.as_ref()?, "form", FORMS);
    let channel = cx.choice(
        s.channel.as_ref()?,
        "delegation channel",
        DELEGATION_CHANNELS,
    );
    let until = s.until.as_ref().and_then(|u| cx.day(u));
    let limits = s
        .limits
        .iter()
        .flatten()
        .filter_map(|l| cx.service(l))
        .collect();
    let (delegante, delegato) = parties?;
    Some(Action::Delegate(Delegate {
        delegante,
        delegato,
        form: form?,
        channel: channel?,
        via: cx.opt_choice(s.via.as_ref(), "login method", METHODS),
        until,
        limits,
        certificate: s.certificate.as_ref().is_some_and(|c| *c.get_ref()),
    }))
}

impl Delegate {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let req = DelegationRequest {
            delegante: self.delegante.fiscal_code.clone(),
            delegato: self.delegato.fiscal_code.clone(),
            form: self.form,
            channel: self.channel,
            until: self.until,
            limits: self.limits.clone(),
            medical_certificate: self.certificate,
            via: self.via,
        };
        r.pin.delegate(&req).map_err(code)?;
        Ok(Vec::new())
    }
}
