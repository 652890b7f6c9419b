//! `convert`: converts an ordinario PIN to dispositivo (PIN-02).

use super::{spec, Action};
use crate::scenario::format::StepSpec;
use crate::scenario::load::{Cx, CONVERSIONS};
use crate::scenario::runner::{code, Outcome, Run};
use crate::scenario::step::{Actor, KindSpec};
use mock_idps::pin::{Conversion, ConversionMethod};
use std::ops::Range;

pub(super) const SPEC: KindSpec = spec(
    "convert",
    &["actor", "method"],
    &["document", "mv35_signed"],
    "convert to PIN dispositivo",
    parse,
);

/// Converts to dispositivo (PIN-02).
#[derive(Debug, Clone)]
pub struct Convert {
    /// Who.
    pub actor: Actor,
    /// How.
    pub method: ConversionMethod,
    /// A document is supplied.
    pub document: bool,
    /// MV35 signed.
    pub mv35_signed: bool,
}

fn parse(cx: &mut Cx<'_>, s: &StepSpec, actor: Option<Actor>, _: Range<usize>) -> Option<Action> {
    Some(Action::Convert(Convert {
        actor: actor?,
        method: cx.choice(s.method.as_ref()?, "conversion method", CONVERSIONS)?,
        document: s.document.as_ref().is_none_or(|d| *d.get_ref()),
        mv35_signed: s.mv35_signed.as_ref().is_none_or(|d| *d.get_ref()),
    }))
}

impl Convert {
    pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
        let conversion = Conversion {
            method: self.method,
            document: self
                .document
                .then(|| "carta d'identità CA00000AA".to_string()),
            mv35_signed: self.mv35_signed,
        };
        r.pin
            .convert(&self.actor.fiscal_code, &conversion)
            .map_err(code)?;
        Ok(Vec::new())
    }
}
