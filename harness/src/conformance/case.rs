//! The typed Response case: what is sent (a mutation of a correct Response), the rule it tests,
//! the verdict a conforming service must reach, and the reference-SP fault switches under which
//! the case must fail (its proof that it tests something).

use mock_idps::ids::IdGenerator;
use mock_idps::saml::keys::SigningKey;
use mock_idps::saml::response::{BuildError, ResponsePlan};
use mock_idps::spid::level::{sp_must_accept, Comparison, Level};
use mock_idps::spid::request_rules::ValidatedRequest;
use time::OffsetDateTime;

/// What a mutation sees: the request being answered, the IdP it signs as, the moment, the keys.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The AuthnRequest the Response answers, as the IdP validated it.
    pub request: &'a ValidatedRequest,
    /// The IdP's entityID (the Issuer of a correct Response).
    pub idp_entity_id: &'a str,
    /// Now (the instants of the correct Response).
    pub now: OffsetDateTime,
    /// The IdP's key, registered at the service.
    pub key: &'a SigningKey,
    /// A key the service does not trust for this IdP (another provider's).
    pub rogue_key: &'a SigningKey,
    /// Fresh IDs.
    pub ids: &'a IdGenerator,
}

/// Signs a plan in a case-specific way (another key, an old digest, two Assertions…).
pub type SignFn = fn(&ResponsePlan, &Ctx<'_>) -> Result<String, BuildError>;

/// How the correct Response is changed.
#[derive(Clone, Copy)]
pub enum Mutation {
    /// Sent as built: a correct Response.
    None,
    /// One or more fields of the plan changed before signing.
    Plan(fn(&mut ResponsePlan, &Ctx<'_>)),
    /// The plan's unsigned XML edited as text, then signed as the plan says (for shapes the
    /// plan cannot express: an empty `Status`, a missing `Subject`…).
    Unsigned(fn(String, &Ctx<'_>) -> String),
    /// The signed XML edited as text (signature wrapping, DTDs…).
    Xml(fn(String, &Ctx<'_>) -> String),
    /// The plan signed by a case-specific function.
    Sign(SignFn),
    /// A multi-step flow the runner plays.
    Flow(Flow),
}

impl std::fmt::Debug for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Mutation {
    /// A short name of the mutation's kind, for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Mutation::None => "none",
            Mutation::Plan(_) => "plan",
            Mutation::Unsigned(_) => "unsigned-xml",
            Mutation::Xml(_) => "signed-xml",
            Mutation::Sign(_) => "signing",
            Mutation::Flow(_) => "flow",
        }
    }
}

/// Flows that need more than one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A correct Response is accepted, then the same signed Response is posted again from
    /// another browser (an attacker who captured it); the second post is judged.
    ReplayResponse,
    /// A Response answering the request of another browser session, posted in this one.
    OtherSessionRequest,
    /// A login completes; a second login in the same browser is answered with a fresh, correct
    /// Response to the first (already consumed) request.
    ConsumedRequest,
    /// A login completes; another browser's fresh request is answered by a new (unsigned)
    /// Response carrying the first login's signed Assertion.
    ReplayAssertion,
    /// A correct Response posted with a RelayState other than the one the service sent.
    TamperRelayState,
    /// A correct Response posted without the RelayState the service sent.
    DropRelayState,
}

/// What the service must keep intact when it accepts: a value read whole (comment-injection
/// cases), or the subject of the signed Assertion (signature wrapping beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intact {
    /// The `fiscalNumber` attribute.
    FiscalNumber,
    /// The Subject's NameID.
    NameId,
    /// The subject (NameID, fiscalNumber) of the signed Assertion, not of an unsigned one
    /// wrapped beside it (SAML Security §6.5: the signature must cover the element consumed).
    SignedSubject,
}

/// The verdict a conforming service must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The user is logged in.
    Accept,
    /// The user is not logged in.
    Refuse,
    /// Either is conforming (the case is informative).
    Either,
    /// The Assertion carries this level: accept or refuse by the acceptance matrix
    /// (docs/rules/spid-saml.md) for the level and Comparison the request asked for.
    ByLevel(Level),
    /// Refuse, or log the user in with this value read whole: a service that reads only part of
    /// it logs in someone else (CVE-2017-11427); or, for [`Intact::SignedSubject`], log in the
    /// signed Assertion's subject, not the wrapped one's. Judged on the identity page after the
    /// login.
    RefuseOrIntact(Intact),
}

impl Expect {
    /// The expectation for a request of `requested` with `comparison`: `Some(true)` accept,
    /// `Some(false)` refuse, `None` either.
    pub fn resolve(self, requested: Level, comparison: Comparison) -> Option<bool> {
        match self {
            Expect::Accept => Some(true),
            Expect::Refuse => Some(false),
            Expect::Either => None,
            Expect::ByLevel(got) => Some(sp_must_accept(requested, comparison, got)),
            Expect::RefuseOrIntact(_) => None,
        }
    }
}

/// The login the case asks the service for (level and Comparison of the AuthnRequest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginAsk {
    /// Level 1–3.
    pub level: u8,
    /// `exact`, `minimum`, `better` or `maximum`.
    pub comparison: &'static str,
}

/// The login most cases use: SpidL2, minimum.
pub const DEFAULT_LOGIN: LoginAsk = LoginAsk {
    level: 2,
    comparison: "minimum",
};

/// Why a case's expectation binds the service, which decides its severity. Recorded per case:
/// the catalogue review of which rule obliges the service provider (docs/rules/sp-obligations.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A rule addressed to the service provider (a MUST / "deve" it must meet): a case that is
    /// not as expected is an error. The value is the obligation's id in
    /// `docs/rules/sp-obligations.md` (`SP-CHECKS`…).
    Sp(&'static str),
    /// No rule obliges the service provider (the rule binds the IdP, or the figure is ours): the
    /// case is advice or hardening, and not being as expected is a warning. The value says why.
    Advice(&'static str),
}

impl Basis {
    /// The report severity: error for an SP obligation, warning for advice.
    pub fn severity(self) -> crate::report::Severity {
        match self {
            Basis::Sp(_) => crate::report::Severity::Error,
            Basis::Advice(_) => crate::report::Severity::Warning,
        }
    }

    /// One phrase for reports: the obligation id, or "advice: why".
    pub fn describe(self) -> String {
        match self {
            Basis::Sp(id) => format!("SP obligation {id} (docs/rules/sp-obligations.md)"),
            Basis::Advice(why) => format!("advice, not an SP obligation: {why}"),
        }
    }
}

/// What a case needs of the request the service sent, so that what it sends means what its
/// title says; a service that cannot produce it gets the case "not applicable".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Premise {
    /// Any request.
    Any,
    /// The request asks for SPID level 2 or 3 (no SessionIndex in the correct answer).
    AboveL1,
    /// The request asks for SPID level 1 (SessionIndex in the correct answer).
    L1,
    /// The request asks for exactly the level and Comparison of the case's login (its title
    /// names them).
    AsAsked,
}

impl Premise {
    /// Whether a request for `level` with `comparison` meets the premise of a case asking `ask`.
    pub fn holds(self, ask: LoginAsk, level: Level, comparison: Comparison) -> bool {
        match self {
            Premise::Any => true,
            Premise::AboveL1 => level != Level::L1,
            Premise::L1 => level == Level::L1,
            Premise::AsAsked => {
                level.number() == ask.level && comparison.as_str() == ask.comparison
            }
        }
    }

    /// The premise in words, for the case's login `ask`.
    pub fn describe(self, ask: LoginAsk) -> String {
        match self {
            Premise::Any => "any request".into(),
            Premise::AboveL1 => "a request for SpidL2 or SpidL3".into(),
            Premise::L1 => "a request for SpidL1".into(),
            Premise::AsAsked => format!(
                "a request for SpidL{} with Comparison {}",
                ask.level, ask.comparison
            ),
        }
    }
}

/// One Response case of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct ResponseCase {
    /// Stable id: `"1"`, `"xsw3"`, `"67"` as the official tools number them; `"replay-1"`… for
    /// ours.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The rule tested: document and clause.
    pub rule: &'static str,
    /// The login asked for.
    pub login: LoginAsk,
    /// What is changed in the correct Response.
    pub mutation: Mutation,
    /// The verdict a conforming service must reach.
    pub expect: Expect,
    /// The reference-SP fault switches (comma-separated) that, all switched off, make this
    /// refuse case fail; `None` for accept and either cases, or with a `waiver`.
    pub mutant: Option<&'static str>,
    /// Why a refuse case has no mutant.
    pub waiver: Option<&'static str>,
    /// Whether the expectation is an SP obligation (error) or advice (warning), and why.
    pub basis: Basis,
    /// What the captured request must be for the case to mean what its title says.
    pub premise: Premise,
}

impl ResponseCase {
    /// The same case recorded as advice (a warning), with the reason.
    pub const fn advice(mut self, why: &'static str) -> Self {
        self.basis = Basis::Advice(why);
        self
    }

    /// The same case resting on the SP obligation `id` of docs/rules/sp-obligations.md.
    pub const fn obliged_by(mut self, id: &'static str) -> Self {
        self.basis = Basis::Sp(id);
        self
    }

    /// The same case with a premise on the captured request.
    pub const fn needs(mut self, premise: Premise) -> Self {
        self.premise = premise;
        self
    }

    /// The title as reported: advice says so.
    pub fn reported_title(&self) -> String {
        match self.basis {
            Basis::Sp(_) => self.title.to_string(),
            Basis::Advice(_) => format!("{} (advice, warning only)", self.title),
        }
    }
}
