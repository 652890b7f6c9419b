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

/// A value the service must read whole when it accepts (comment-injection cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intact {
    /// The `fiscalNumber` attribute.
    FiscalNumber,
    /// The Subject's NameID.
    NameId,
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
    /// (domain-rules §1.2) for the level and Comparison the request asked for.
    ByLevel(Level),
    /// Refuse, or log the user in with this value read whole: a service that reads only part of
    /// it logs in someone else (CVE-2017-11427). Judged on the protected page after the login.
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
}
