//! One file per step kind: its keys ([`KindSpec`]), how it is read from a [`StepSpec`] and how
//! it runs. The list in `step_kinds!` below is the only place a kind is named: the table
//! [`KINDS`], the [`Action`] enum and the dispatch of [`Action::run`] are generated from it, so
//! a kind cannot be listed without a loader and a runner (it does not compile).

use super::format::StepSpec;
use super::load::Cx;
use super::runner::{code, Outcome, Run};
use super::step::{Actor, KindSpec, PinChoice};
use mock_idps::pin::{PinBackend, PinError};
use std::ops::Range;

/// Reads a step of one kind: the spec as written, its actor (already resolved, `None` when
/// absent or unknown) and the span of its `do`, for errors about the step as a whole.
pub(super) type Parse = fn(&mut Cx<'_>, &StepSpec, Option<Actor>, Range<usize>) -> Option<Action>;

/// `SPEC`, the newtype `$kind` over an [`ActorPin`] (documented by the leading doc comment) and
/// its loader, for a kind whose data is who acts and which PIN they type.
macro_rules! actor_pin_kind {
    ($(#[$doc:meta])* $kind:ident, $name:literal, $summary:literal, $default:expr) => {
        pub(super) const SPEC: $crate::scenario::step::KindSpec =
            super::spec($name, &["actor"], &["pin"], $summary, parse);

        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $kind(pub super::ActorPin);

        fn parse(
            cx: &mut $crate::scenario::load::Cx<'_>,
            s: &$crate::scenario::format::StepSpec,
            actor: Option<$crate::scenario::step::Actor>,
            _: std::ops::Range<usize>,
        ) -> Option<super::Action> {
            super::ActorPin::read(cx, s, actor, $default).map(|a| super::Action::$kind($kind(a)))
        }
    };
}

macro_rules! step_kinds {
    ($($variant:ident => $module:ident,)*) => {
        $(mod $module;)*
        $(pub use $module::$variant;)*

        /// The operation of a step: one variant per kind, each defined in its own file.
        #[derive(Debug, Clone)]
        pub enum Action {
            $(
                #[allow(missing_docs)]
                $variant($variant),
            )*
        }

        /// Every step kind, as data.
        pub static KINDS: &[KindSpec] = &[$($module::SPEC,)*];

        impl Action {
            /// Runs the step once.
            pub(super) async fn run(&self, r: &mut Run<'_>) -> Outcome {
                match self {
                    $(Action::$variant(a) => a.run(r).await,)*
                }
            }
        }
    };
}

step_kinds! {
    Advance => advance,
    RequestPin => request_pin,
    DeliverMail => deliver_mail,
    FirstAccess => first_access,
    PinLogin => pin_login,
    ServicePinLogin => service_pin_login,
    Renew => renew,
    Recover => recover,
    Revoke => revoke,
    Convert => convert,
    OpenService => open_service,
    SubmitClaim => submit_claim,
    PinStatus => pin_status,
    GeneratePhonePin => generate_phone_pin,
    PhonePinCall => phone_pin_call,
    Delegate => delegate,
    RevokeDelegation => revoke_delegation,
    ActFor => act_for,
    SpidLogin => spid_login,
    OidcLogin => oidc_login,
    Load => load,
    Timeline => timeline,
}

/// Who acts and which PIN they type: the data of `first-access`, `pin-login`,
/// `service-pin-login`, `renew` and `phone-pin-call`.
#[derive(Debug, Clone)]
pub struct ActorPin {
    /// Who.
    pub actor: Actor,
    /// What is typed.
    pub pin: PinChoice,
}

impl ActorPin {
    /// Reads the actor (required) and `pin` (`default` when absent).
    fn read(
        cx: &mut Cx<'_>,
        s: &StepSpec,
        actor: Option<Actor>,
        default: PinChoice,
    ) -> Option<Self> {
        Some(Self {
            actor: actor?,
            pin: cx.pin_choice(s.pin.as_ref(), default),
        })
    }

    /// What the actor types for the PIN chosen.
    fn typed(&self, r: &mut Run<'_>) -> String {
        r.typed(&self.actor, self.pin)
    }

    /// Types the PIN, chooses a new secret and has `change` (given the fiscal code, the PIN
    /// typed and the new one) replace the PIN with it; the actor then holds the new secret.
    async fn change_secret(
        &self,
        r: &mut Run<'_>,
        change: fn(&PinBackend, &str, &str, &str) -> Result<(), PinError>,
    ) -> Outcome {
        let typed = self.typed(r);
        let new = r.new_secret();
        change(&r.pin, &self.actor.fiscal_code, &typed, &new).map_err(code)?;
        r.state(&self.actor).secret = Some(new);
        Ok(Vec::new())
    }
}

/// Reads `delegante` and `delegato` (both required): the two people of a delegation, each
/// resolved (and reported when unknown) before either is given up on.
fn parties(cx: &mut Cx<'_>, s: &StepSpec) -> Option<(Actor, Actor)> {
    let delegante = cx.actor(s.delegante.as_ref()?);
    let delegato = cx.actor(s.delegato.as_ref()?);
    Some((delegante?, delegato?))
}

const fn spec(
    name: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    summary: &'static str,
    parse: Parse,
) -> KindSpec {
    KindSpec {
        name,
        required,
        optional,
        summary,
        parse,
    }
}
