//! The relying-party catalogue: one typed table ([`OIDC_CASES`]) of answers an OpenID Provider
//! sends to the RP under test, most of them crafted to be wrong. Each case names the rule it
//! tests (paraphrased, with its source), what the RP must do, and either the switch set of the
//! reference RP whose mutant (those checks off) accepts the bad answer, or a written waiver
//! saying why no switch set can show the case failing.

use super::{ALGS, AUTHZ};
use crate::report::Severity;
use mock_idps::oidc::op::crafted::Wrap;

/// Which OpenID Provider answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// A SPID OP (`poste`).
    Spid,
    /// The CIE OP (`cie`): ID tokens encrypted to the RP, `iss` mandatory in the answer.
    Cie,
}

impl Provider {
    /// The mock OP's id.
    pub fn id(self) -> &'static str {
        match self {
            Self::Spid => "poste",
            Self::Cie => "cie",
        }
    }
}

/// A claim edit the table can hold (turned into `mock_idps` edits when played).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tweak {
    /// Sets a claim to this JSON text.
    Set(&'static str, &'static str),
    /// Removes a claim.
    Remove(&'static str),
    /// Sets a claim to the OP's clock plus seconds.
    Time(&'static str, i64),
    /// `aud` becomes the RP's client_id plus this other audience.
    ExtraAudience(&'static str),
}

/// What the OP's answer to the case's login is, or what happens to it on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Play {
    /// A correct login, unchanged (the control case).
    Correct,
    /// The ID token of the code grant, crafted.
    IdToken(&'static [Tweak], Wrap),
    /// The userinfo answer, crafted.
    Userinfo(&'static [Tweak], Wrap),
    /// A correct login, then a refresh whose ID token is crafted.
    Refresh(&'static [Tweak], Wrap),
    /// A correct login, then a refresh the OP answers with a sound ID token even where its
    /// profile gives none (CIE).
    RefreshIdToken,
    /// The authorization response, changed on its way back to the RP.
    Callback(CallbackChange),
    /// A correct login, then the same authorization response again (the code replayed).
    ReplayCode,
    /// The ID token a correct earlier login of the same user got, sent in a new login.
    OtherSessionIdToken,
    /// A login at an OP the federation serves broken (set up before the RP discovers it).
    Federation(OpBreak),
}

/// What is wrong with an OP's place in the federation: its entity configuration, the
/// statement its superior issues about it, its chain, or its trust marks. Each break has an
/// OP of its own ([`OpBreak::op`]), so that the breaks of different cases never meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpBreak {
    /// The trust anchor's subordinate statement about the OP is expired.
    StatementExpired,
    /// The statement about the OP is signed with a key that is not the trust anchor's.
    StatementForged,
    /// The OP hangs below two intermediates while the anchor allows max_path_length 1.
    PastMaxPathLength,
    /// The OP's entity configuration breaks the anchor's metadata policy (an essential
    /// `openid_provider` member, `token_endpoint_auth_methods_supported`, left out).
    PolicyViolation,
    /// The OP's entity configuration's self-signature does not verify.
    EcSignatureCorrupt,
    /// The OP's entity configuration is expired.
    EcExpired,
    /// The OP's entity configuration lists no trust mark.
    NoTrustMark,
    /// The OP's trust mark is revoked (its issuer's status endpoint says inactive).
    TrustMarkRevoked,
    /// The OP's trust mark is expired.
    TrustMarkExpired,
    /// The OP's trust mark is not signed by its issuer's key.
    TrustMarkBadSignature,
    /// The OP's trust mark is issued by an entity the anchor does not list for its type.
    TrustMarkUnlistedIssuer,
    /// The OP's trust mark names another subject.
    TrustMarkWrongSubject,
}

impl OpBreak {
    /// The OP this break is applied to (a SPID OP no other case logs in at).
    pub fn op(self) -> &'static str {
        match self {
            Self::StatementExpired => "aruba",
            Self::StatementForged => "infocert",
            Self::PastMaxPathLength => "intesa",
            Self::PolicyViolation => "etna",
            Self::EcSignatureCorrupt => "infocamere",
            Self::EcExpired => "intesi",
            Self::NoTrustMark => "lepida",
            Self::TrustMarkRevoked => "namirial",
            Self::TrustMarkExpired => "sielte",
            Self::TrustMarkBadSignature => "spiditalia",
            Self::TrustMarkUnlistedIssuer => "tim",
            Self::TrustMarkWrongSubject => "teamsystem",
        }
    }
}

/// A change to the authorization response (the redirect to the RP's callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackChange {
    /// `state` replaced by another value of the same shape.
    WrongState,
    /// No `state`.
    NoState,
    /// `iss` of another entity.
    WrongIss,
    /// No `iss`.
    NoIss,
    /// An OAuth error response with this `error` (the code dropped, `state` and `iss` kept).
    Error(&'static str),
}

/// What the RP must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Log the user in.
    Accept,
    /// Not log the user in (no session, or no new one).
    Refuse,
}

impl Expect {
    /// `accept` or `refuse`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Refuse => "refuse",
        }
    }
}

/// How the case is shown to be able to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The reference RP with these checks switched off accepts the case's answer.
    Mutant(&'static [&'static str]),
    /// No switch set makes the reference RP accept it; why.
    Waiver(&'static str),
    /// An accept case: the strict reference RP passing it is the proof.
    Control,
}

/// The rule a case tests: the source (document and section) and its words, paraphrased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Where the rule is written.
    pub source: &'static str,
    /// What it says, in our words.
    pub words: &'static str,
}

/// Where other public suites play the same answer (an empty string: none found). Each id was
/// read in the suite's own sources: the OpenID Foundation conformance suite's RP test modules
/// (`src/main/java/net/openid/conformance/openid/client/`, whose summaries name the older
/// RP test tool's test they correspond to) and AgID spid-oidc-check-rp's tests (`src/test/`,
/// ids as in its `config_sample/test.json`). The other suite's expectation can be looser than
/// ours (e.g. `oidcc-client-test-kid-absent-single-jwks` lets an RP accept a token without
/// `kid`, where SPID/CIE ask for it): the mapping names the scenario, the rule is ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Maps {
    /// The OpenID Foundation conformance suite's RP test module (`oidcc-client-test-…`).
    pub oidf: &'static str,
    /// The same test's name in the Foundation's older RP test tool (`rp-…`).
    pub oidf_legacy: &'static str,
    /// AgID spid-oidc-check-rp's test ids (`2.2.0`…), comma-separated.
    pub agid: &'static str,
}

impl Maps {
    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.oidf.is_empty() && self.oidf_legacy.is_empty() && self.agid.is_empty()
    }

    /// One line: `OIDF oidcc-client-test-x (rp-x); AgID 2.2.0`, empty when nothing is mapped.
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        match (self.oidf, self.oidf_legacy) {
            ("", "") => {}
            (m, "") => parts.push(format!("OIDF {m}")),
            ("", l) => parts.push(format!("OIDF (old RP tests) {l}")),
            (m, l) => parts.push(format!("OIDF {m} ({l})")),
        }
        if !self.agid.is_empty() {
            parts.push(format!("AgID spid-oidc-check-rp {}", self.agid));
        }
        parts.join("; ")
    }
}

/// One case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcCase {
    /// Stable id (`oidc-idt-alg-none`…).
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// The OP that answers.
    pub provider: Provider,
    /// The answer.
    pub play: Play,
    /// What the RP must do.
    pub expect: Expect,
    /// The rule.
    pub rule: Rule,
    /// Whether a failure fails the run.
    pub severity: Severity,
    /// How the case is shown to be able to fail.
    pub proof: Proof,
    /// Where other suites play the same answer.
    pub maps: Maps,
}

impl OidcCase {
    /// The OP the case logs in at.
    pub fn op(&self) -> &'static str {
        match self.play {
            Play::Federation(b) => b.op(),
            _ => self.provider.id(),
        }
    }

    /// The same case mapped to the OpenID Foundation suite's test module and its older name.
    const fn oidf(mut self, module: &'static str, legacy: &'static str) -> Self {
        self.maps.oidf = module;
        self.maps.oidf_legacy = legacy;
        self
    }

    /// The same case at warning severity (advice no rule binds the RP to: a failure does not
    /// fail the run).
    const fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same case mapped to AgID spid-oidc-check-rp's test ids.
    const fn agid(mut self, ids: &'static str) -> Self {
        self.maps.agid = ids;
        self
    }
}

const CORE_IDT: &str = "OpenID Connect Core 1.0 §3.1.3.7 (ID Token Validation)";
const SPID_IDT: &str = "spid-cie-oidc-docs docs/en/token_endpoint.rst, ID Token";
const AUTHN_RESP: &str = "spid-cie-oidc-docs docs/en/authentication_response.rst";
const USERINFO: &str = "spid-cie-oidc-docs docs/en/userinfo_endpoint.rst, Response";
const NBF: &str = "RFC 7519 §4.1.5 (nbf)";
const CORE_REFRESH: &str = "OpenID Connect Core 1.0 §12.2 (Successful Refresh Response)";
const REFRESH_CIE: &str = "spid-cie-oidc-docs docs/en/differenze_spid_cie.rst, Refresh Token";
const REFRESH_SPID: &str =
    "spid-cie-oidc-docs docs/en/token_endpoint.rst (Refresh Token) and differenze_spid_cie.rst";
const FED_CHAIN: &str = "OpenID Federation 1.0, Resolving the Trust Chain and Metadata; spid-cie-oidc-docs docs/en/trust_negotiation.rst";
const FED_CONSTRAINTS: &str = "OpenID Federation 1.0, Constraints (max_path_length)";
const FED_POLICY: &str =
    "OpenID Federation 1.0, Metadata Policy; spid-cie-oidc-docs docs/en/entity_statement.rst";
const ENTITY_CONF: &str =
    "spid-cie-oidc-docs docs/en/entity_configuration.rst; OpenID Federation 1.0, Entity Statement";
const TRUST_MARKS: &str =
    "spid-cie-oidc-docs docs/en/trust_marks.rst; OpenID Federation 1.0, Trust Marks";

// Claim values (JSON) the crafted answers put in place of the right ones.
/// An `iss` of another entity.
const EVIL_ISS: &str = "\"https://evil.example.it\"";
/// An ID token `aud` of another client only.
const OTHER_AUD_LIST: &str = "[\"https://other-rp.example.it\"]";
/// A userinfo `aud` of another client.
const OTHER_AUD: &str = "\"https://other-rp.example.it\"";
/// A `sub` of another user.
const OTHER_SUB: &str = "\"someone-else\"";
/// A `nonce` this login did not send.
const OTHER_NONCE: &str = "\"another0nonce00000000000000000000000000000\"";
/// An `at_hash` of another access token.
const OTHER_AT_HASH: &str = "\"qiyh4XPJGsOZ2MEAyLkfWqeQ\"";

const fn case(
    id: &'static str,
    title: &'static str,
    provider: Provider,
    play: Play,
    rule: Rule,
    proof: Proof,
) -> OidcCase {
    OidcCase {
        id,
        title,
        provider,
        play,
        expect: match proof {
            Proof::Control => Expect::Accept,
            _ => Expect::Refuse,
        },
        rule,
        severity: Severity::Error,
        proof,
        maps: Maps {
            oidf: "",
            oidf_legacy: "",
            agid: "",
        },
    }
}

/// A case whose rule binds the OP only (or the RP with a SHOULD): a failure is advice, a
/// warning that never fails the run (as for SAML, error severity only where a rule addressed
/// to the relying party says so).
const fn advice(
    id: &'static str,
    title: &'static str,
    provider: Provider,
    play: Play,
    rule: Rule,
    proof: Proof,
) -> OidcCase {
    let mut c = case(id, title, provider, play, rule, proof);
    c.severity = Severity::Warning;
    c
}

/// The words of the rule an OAuth 2.0 authorization error answer breaks nothing of.
const OAUTH_ERROR: &str = "an error response carries error, error_description and state and no code (RFC 6749 §4.1.2.1): nothing in it authenticates a user";
/// The same for the error codes OpenID Connect adds.
const OIDC_ERROR: &str = "OpenID Connect adds its own error codes (Core §3.1.2.6) to the same error response: still no code, no login";

/// A SPID authorization error answer `code` (no code to redeem, so a waiver: no switch can make
/// the RP log in on it), under the rule words `words`.
macro_rules! authz_error {
    ($id:literal, $code:literal, $words:expr) => {
        case(
            $id,
            concat!("authorization error ", $code),
            Spid,
            Play::Callback(Cb::Error($code)),
            rule(AUTHN_RESP, $words),
            Proof::Waiver(ERROR_WAIVER),
        )
    };
}

const fn rule(source: &'static str, words: &'static str) -> Rule {
    Rule { source, words }
}

use CallbackChange as Cb;
use Provider::{Cie, Spid};

/// Every case, in catalogue order.
pub static OIDC_CASES: &[OidcCase] = &[
    case(
        "oidc-login-spid",
        "a correct SPID login is accepted",
        Spid,
        Play::Correct,
        rule(SPID_IDT, "an ID token signed by the OP, for this client, with the nonce and at_hash of this login and the level asked for, is what the RP validates and accepts"),
        Proof::Control,
    )
    .oidf("oidcc-client-test-idtoken-sig-rs256", "rp-id_token-sig-rs256")
    .agid("2.2.0, 3.1.0, 4.1.0"),
    case(
        "oidc-login-cie",
        "a correct CIE login (ID token signed then encrypted) is accepted",
        Cie,
        Play::Correct,
        rule(SPID_IDT, "when the RP's metadata names id_token_encrypted_response_alg the OP sends the ID token as a nested JWT, signed then encrypted (cty JWT); the RP decrypts and validates it"),
        Proof::Control,
    )
    .oidf("", "rp-id_token-sig+enc"),
    case(
        "oidc-idt-alg-none",
        "ID token with alg none (no signature)",
        Spid,
        Play::IdToken(&[], Wrap::Unsigned),
        rule(ALGS, "the signature algorithm none MUST NOT be supported by SPID and CIE participants; an unsigned ID token is not signed by the OP at all"),
        // at-hash too: the RP hashes the access token with the algorithm of the token's
        // verified key, which an unsigned, MACed or unknown-kid token does not have.
        Proof::Mutant(&["at-hash", "id-token-alg", "id-token-signature"]),
    )
    .oidf("oidcc-client-test-idtoken-sig-none", "rp-id_token-sig-none"),
    case(
        "oidc-idt-hs256-public-key",
        "ID token MACed with HS256 keyed with the OP's public RSA key (algorithm confusion)",
        Spid,
        Play::IdToken(&[], Wrap::Hs256WithPublicKey),
        rule(ALGS, "HS256, HS384 and HS512 MUST NOT be supported; the RP verifies with the OP's published keys and the algorithms it registered, never an algorithm the token header picks"),
        Proof::Mutant(&["at-hash", "id-token-alg", "id-token-signature"]),
    ),
    case(
        "oidc-idt-kid-unknown",
        "ID token whose header kid names no key of the OP's jwks",
        Spid,
        Play::IdToken(&[], Wrap::WrongKid),
        rule(CORE_IDT, "the signature is validated with the keys the issuer provided (item 6): a kid outside the OP's resolved jwks names no key the RP may use"),
        Proof::Mutant(&["at-hash", "id-token-kid", "id-token-signature"]),
    ),
    advice(
        "oidc-idt-kid-missing",
        "ID token whose header has no kid (advice, warning only)",
        Spid,
        Play::IdToken(&[], Wrap::NoKid),
        rule(SPID_IDT, "the ID token header carries the kid of the OP key that signed it (the example header and RFC 7638 key ids); without it the RP cannot tell which published key applies. The kid binds the OP; the RP's duty (Core §3.1.3.7 item 6) is a signature that verifies with the OP's keys, which a kid-less token signed with the OP's only key has: refusing it is advice"),
        Proof::Mutant(&["id-token-kid"]),
    )
    .oidf("oidcc-client-test-kid-absent-single-jwks", "rp-id_token-kid-absent-single-jwks"),
    case(
        "oidc-idt-signature-corrupt",
        "ID token whose signature does not verify (one bit flipped)",
        Spid,
        Play::IdToken(&[], Wrap::CorruptSignature),
        rule(CORE_IDT, "the RP MUST validate the ID token's signature per JWS with the alg of its header and the issuer's keys (item 6)"),
        Proof::Mutant(&["id-token-signature"]),
    )
    .oidf("oidcc-client-test-invalid-sig-rs256", "rp-id_token-bad-sig-rs256"),
    case(
        "oidc-idt-foreign-key",
        "ID token signed by a key outside the OP's jwks, under the OP key's kid",
        Spid,
        Play::IdToken(&[], Wrap::ForeignKey),
        rule(CORE_IDT, "only keys the issuer provides for OpenID Connect may verify the ID token (item 6); a signature by any other key, even the OP's federation key, is invalid"),
        Proof::Mutant(&["id-token-signature"]),
    )
    .oidf("oidcc-client-test-invalid-sig-rs256", "rp-id_token-bad-sig-rs256"),
    case(
        "oidc-idt-cie-signature-corrupt",
        "CIE: encrypted ID token whose inner signature does not verify",
        Cie,
        Play::IdToken(&[], Wrap::CorruptSignature),
        rule(CORE_IDT, "after decrypting, the RP still validates the inner JWS signature with the OP's keys (items 1 and 6)"),
        Proof::Mutant(&["id-token-signature"]),
    )
    .oidf("oidcc-client-test-invalid-sig-rs256", "rp-id_token-bad-sig-rs256"),
    case(
        "oidc-idt-iss-wrong",
        "ID token iss of another entity",
        Spid,
        Play::IdToken(&[Tweak::Set("iss", EVIL_ISS)], Wrap::Normal),
        rule(SPID_IDT, "iss identifies the OP; the client MUST verify it equals the OP it called (and Core §3.1.3.7 item 2: an exact match)"),
        Proof::Mutant(&["id-token-iss"]),
    )
    .oidf("oidcc-client-test-invalid-iss", "rp-id_token-issuer-mismatch"),
    case(
        "oidc-idt-aud-wrong",
        "ID token aud of another client",
        Spid,
        Play::IdToken(&[Tweak::Set("aud", OTHER_AUD_LIST)], Wrap::Normal),
        rule(SPID_IDT, "aud MUST be the client_id and the RP MUST verify it is its own (Core §3.1.3.7 item 3)"),
        Proof::Mutant(&["id-token-aud"]),
    )
    .oidf("oidcc-client-test-invalid-aud", "rp-id_token-aud"),
    case(
        "oidc-idt-aud-untrusted-extra",
        "ID token aud listing this client and an untrusted other audience",
        Spid,
        Play::IdToken(&[Tweak::ExtraAudience("https://untrusted.example.it")], Wrap::Normal),
        rule(CORE_IDT, "the ID token MUST be rejected when its aud lists audiences the client does not trust, even if its own client_id is among them (item 3)"),
        Proof::Mutant(&["id-token-aud"]),
    ),
    case(
        "oidc-idt-expired",
        "ID token already expired (exp a minute ago)",
        Spid,
        Play::IdToken(&[Tweak::Time("exp", -60), Tweak::Time("iat", -120), Tweak::Time("nbf", -120)], Wrap::Normal),
        rule(CORE_IDT, "the current time MUST be before exp (item 9; RFC 7519 §4.1.4: a JWT at or after its exp must not be accepted)"),
        Proof::Mutant(&["id-token-exp"]),
    ),
    case(
        "oidc-idt-iat-future",
        "ID token issued an hour in the future",
        Spid,
        Play::IdToken(&[Tweak::Time("iat", 3600), Tweak::Time("nbf", 3600)], Wrap::Normal),
        rule(CORE_IDT, "iat lets the client reject tokens issued too far from the current time (item 10); a token stamped an hour ahead cannot come from this login"),
        // The OP stamps nbf with iat: the nbf check must be off too for the token to pass.
        Proof::Mutant(&["id-token-iat", "id-token-nbf"]),
    ),
    case(
        "oidc-idt-nonce-missing",
        "ID token without nonce",
        Spid,
        Play::IdToken(&[Tweak::Remove("nonce")], Wrap::Normal),
        rule(SPID_IDT, "nonce is required and MUST equal the value the RP sent in the authentication request (Core §3.1.3.7 item 11)"),
        Proof::Mutant(&["nonce"]),
    ),
    case(
        "oidc-idt-nonce-wrong",
        "ID token with another nonce",
        Spid,
        Play::IdToken(&[Tweak::Set("nonce", OTHER_NONCE)], Wrap::Normal),
        rule(SPID_IDT, "nonce MUST equal the value the RP sent in the authentication request (Core §3.1.3.7 item 11)"),
        Proof::Mutant(&["nonce"]),
    )
    .oidf("oidcc-client-test-nonce-invalid", "rp-nonce-invalid"),
    case(
        "oidc-idt-acr-missing",
        "ID token without acr",
        Spid,
        Play::IdToken(&[Tweak::Remove("acr")], Wrap::Normal),
        rule(SPID_IDT, "acr is the level the user actually authenticated at; SPID and CIE always send it, and the RP checks it is appropriate (Core §3.1.3.7 item 12)"),
        Proof::Mutant(&["acr"]),
    ),
    case(
        "oidc-idt-acr-lower",
        "ID token acr SpidL1 for a login asked at SpidL2",
        Spid,
        Play::IdToken(&[Tweak::Set("acr", "\"https://www.spid.gov.it/SpidL1\"")], Wrap::Normal),
        rule(SPID_IDT, "acr may equal or exceed the level requested, never fall below it; the RP checks the level is the one it needs (Core §3.1.3.7 item 12)"),
        Proof::Mutant(&["acr"]),
    ),
    advice(
        "oidc-idt-at-hash-wrong",
        "ID token at_hash of another access token (advice, warning only)",
        Spid,
        Play::IdToken(&[Tweak::Set("at_hash", OTHER_AT_HASH)], Wrap::Normal),
        rule(SPID_IDT, "the OP puts the left half of the access token's hash in at_hash, so a client that checks it can tell the tokens were issued together. Core §3.1.3.8 lets a code-flow client use at_hash (MAY), and no SPID/CIE rule makes the RP check it: refusing is advice"),
        Proof::Mutant(&["at-hash"]),
    )
    .oidf("oidcc-client-test-invalid-athash", "rp-id_token-bad-at_hash"),
    advice(
        "oidc-idt-spid-user-claims",
        "SPID: ID token carrying user attributes (given_name, family_name) (advice, warning only)",
        Spid,
        Play::IdToken(&[Tweak::Set("given_name", "\"Francesca\""), Tweak::Set("family_name", "\"Romano\"")], Wrap::Normal),
        rule(AUTHZ, "SPID does not let the RP ask for user attributes in the ID token: they are released by the userinfo endpoint only (parameters scope and claims; differenze_spid_cie.rst: in SPID the user attributes are not available in the ID Token). The rule binds the request and the OP; no rule makes the RP refuse extra claims (Core §2 allows other claims): refusing is advice"),
        Proof::Mutant(&["id-token-claims"]),
    ),
    advice(
        "oidc-idt-cie-not-encrypted",
        "CIE: ID token sent as a bare JWS although the RP asked for encryption (advice, warning only)",
        Cie,
        Play::IdToken(&[], Wrap::BareJws),
        rule(SPID_IDT, "when the RP publishes id_token_encrypted_response_alg the OP MUST encrypt the ID token; the RP's side is Core §3.1.3.7 item 1: if encryption was negotiated and the ID token is not encrypted, the RP SHOULD reject it (a SHOULD: advice)"),
        Proof::Mutant(&["id-token-encryption"]),
    ),
    case(
        "oidc-idt-cie-alg-none",
        "CIE: encrypted ID token whose inner JWS has alg none",
        Cie,
        Play::IdToken(&[], Wrap::Unsigned),
        rule(ALGS, "none MUST NOT be supported in CIE either: encrypting an unsigned token to the RP does not make it the OP's"),
        Proof::Mutant(&["at-hash", "id-token-alg", "id-token-signature"]),
    )
    .oidf("oidcc-client-test-idtoken-sig-none", "rp-id_token-sig-none"),
    case(
        "oidc-idt-cie-nonce-wrong",
        "CIE: encrypted ID token with another nonce",
        Cie,
        Play::IdToken(&[Tweak::Set("nonce", OTHER_NONCE)], Wrap::Normal),
        rule(SPID_IDT, "nonce MUST equal the value the RP sent in the authentication request, for CIE as for SPID (Core §3.1.3.7 item 11)"),
        Proof::Mutant(&["nonce"]),
    )
    .oidf("oidcc-client-test-nonce-invalid", "rp-nonce-invalid"),
    case(
        "oidc-idt-cie-aud-wrong",
        "CIE: encrypted ID token for another client",
        Cie,
        Play::IdToken(&[Tweak::Set("aud", OTHER_AUD_LIST)], Wrap::Normal),
        rule(SPID_IDT, "aud MUST be the client_id and the RP MUST verify it is its own; being able to decrypt the token proves nothing about its audience"),
        Proof::Mutant(&["id-token-aud"]),
    )
    .oidf("oidcc-client-test-invalid-aud", "rp-id_token-aud"),
    case(
        "oidc-idt-cie-rsa1-5",
        "CIE: ID token encrypted with RSA1_5",
        Cie,
        Play::IdToken(&[], Wrap::Rsa1_5),
        rule(ALGS, "RSA1_5 key encryption MUST NOT be supported in SPID and CIE"),
        Proof::Waiver(RSA1_5_WAIVER),
    ),
    case(
        "oidc-authz-state-wrong",
        "authorization response whose state is not the one sent",
        Spid,
        Play::Callback(Cb::WrongState),
        rule(AUTHN_RESP, "state MUST be the value the client put in its authentication request and the client checks it matches (RFC 6749 §10.12: the CSRF defence)"),
        Proof::Mutant(&["state"]),
    ),
    case(
        "oidc-authz-state-missing",
        "authorization response without state",
        Spid,
        Play::Callback(Cb::NoState),
        rule(AUTHN_RESP, "state is part of every authentication response and MUST equal the request's; an answer without it belongs to no login of the client"),
        Proof::Mutant(&["state"]),
    ),
    case(
        "oidc-authz-iss-wrong",
        "authorization response iss of another OP (mix-up)",
        Spid,
        Play::Callback(Cb::WrongIss),
        rule(AUTHN_RESP, "the RP MUST validate iss, the identifier of the OP that produced the response, and must not let several OPs use one identifier (RFC 9207 §2.4)"),
        Proof::Mutant(&["iss"]),
    ),
    case(
        "oidc-authz-iss-missing-cie",
        "CIE: authorization response without iss",
        Cie,
        Play::Callback(Cb::NoIss),
        rule(AUTHN_RESP, "iss is MANDATORY in CIE authentication responses and the RP MUST validate it"),
        Proof::Mutant(&["iss"]),
    ),
    authz_error!("oidc-authz-error-access-denied", "access_denied", OAUTH_ERROR),
    authz_error!("oidc-authz-error-invalid-request", "invalid_request", OAUTH_ERROR)
    .agid("2.4.7"),
    authz_error!("oidc-authz-error-unauthorized-client", "unauthorized_client", OAUTH_ERROR),
    authz_error!("oidc-authz-error-unsupported-response-type", "unsupported_response_type", OAUTH_ERROR),
    authz_error!("oidc-authz-error-invalid-scope", "invalid_scope", OAUTH_ERROR),
    authz_error!("oidc-authz-error-server-error", "server_error", OAUTH_ERROR),
    authz_error!("oidc-authz-error-temporarily-unavailable", "temporarily_unavailable", OAUTH_ERROR),
    authz_error!("oidc-authz-error-login-required", "login_required", OIDC_ERROR),
    authz_error!("oidc-authz-error-consent-required", "consent_required", OIDC_ERROR),
    authz_error!("oidc-authz-error-invalid-request-object", "invalid_request_object", OIDC_ERROR),
    authz_error!("oidc-authz-error-request-uri-not-supported", "request_uri_not_supported", OIDC_ERROR),
    authz_error!("oidc-authz-error-registration-not-supported", "registration_not_supported", OIDC_ERROR),
    case(
        "oidc-authz-error-access-denied-cie",
        "CIE: authorization error access_denied",
        Cie,
        Play::Callback(Cb::Error("access_denied")),
        rule(AUTHZ, "the error codes table (Error Codes) applies to SPID and CIE alike: an error answer comes back with error, error_description and state, never a code"),
        Proof::Waiver(ERROR_WAIVER),
    ),
    case(
        "oidc-userinfo-plain-json",
        "userinfo answered as plain JSON",
        Spid,
        Play::Userinfo(&[], Wrap::PlainJson),
        rule(USERINFO, "the userinfo response body MUST be a signed and encrypted JWT (cty JWT); plain JSON is neither"),
        Proof::Mutant(&["userinfo-encryption", "userinfo-signature"]),
    ),
    advice(
        "oidc-userinfo-bare-jws",
        "userinfo answered as a bare JWS (not encrypted) (advice, warning only)",
        Spid,
        Play::Userinfo(&[], Wrap::BareJws),
        rule(USERINFO, "the userinfo response body MUST be a signed and encrypted JWT: a signature alone is not enough. The MUST binds the OP; the RP's side (Core §5.3.4) is to decrypt what was negotiated encrypted and validate the signature, with no rule to refuse a signed answer: refusing is advice"),
        Proof::Mutant(&["userinfo-encryption"]),
    ),
    advice(
        "oidc-userinfo-cie-bare-jws",
        "CIE: userinfo answered as a bare JWS (not encrypted) (advice, warning only)",
        Cie,
        Play::Userinfo(&[], Wrap::BareJws),
        rule(USERINFO, "the userinfo response body MUST be a signed and encrypted JWT, for CIE as for SPID; the MUST binds the OP (Core §5.3.4 gives the RP no rule to refuse a signed answer): refusing is advice"),
        Proof::Mutant(&["userinfo-encryption"]),
    ),
    case(
        "oidc-userinfo-cie-sub-other",
        "CIE: userinfo sub different from the ID token's",
        Cie,
        Play::Userinfo(&[Tweak::Set("sub", OTHER_SUB)], Wrap::Normal),
        rule(USERINFO, "sub is the subject already released in the ID token; the RP MUST check the two are equal"),
        Proof::Mutant(&["userinfo-sub"]),
    )
    .oidf("oidcc-client-test-userinfo-invalid-sub", "rp-userinfo-bad-sub-claim"),
    case(
        "oidc-userinfo-rsa1-5",
        "userinfo encrypted with RSA1_5",
        Spid,
        Play::Userinfo(&[], Wrap::Rsa1_5),
        rule(ALGS, "RSA1_5 key encryption MUST NOT be supported in SPID and CIE"),
        Proof::Waiver(RSA1_5_WAIVER),
    ),
    case(
        "oidc-userinfo-signature-corrupt",
        "userinfo JWE whose inner JWS signature does not verify",
        Spid,
        Play::Userinfo(&[], Wrap::CorruptSignature),
        rule(USERINFO, "the payload of the userinfo JWE is a JWS of the OP: a signed JWT, whose signature the RP verifies with the OP's keys"),
        Proof::Mutant(&["userinfo-signature"]),
    ),
    case(
        "oidc-userinfo-sub-other",
        "userinfo sub different from the ID token's",
        Spid,
        Play::Userinfo(&[Tweak::Set("sub", OTHER_SUB)], Wrap::Normal),
        rule(USERINFO, "sub is the subject already released in the ID token; the RP MUST check the two are equal (Core §5.3.2 too)"),
        Proof::Mutant(&["userinfo-sub"]),
    )
    .oidf("oidcc-client-test-userinfo-invalid-sub", "rp-userinfo-bad-sub-claim"),
    case(
        "oidc-userinfo-aud-other",
        "userinfo aud of another client",
        Spid,
        Play::Userinfo(&[Tweak::Set("aud", OTHER_AUD)], Wrap::Normal),
        rule(USERINFO, "aud names the recipient RP; the RP MUST check it equals its own client_id"),
        Proof::Mutant(&["userinfo-aud"]),
    ),
    case(
        "oidc-refresh-spid-acr-above-l1",
        "SPID: ID token of a refresh carrying acr SpidL2",
        Spid,
        Play::Refresh(&[Tweak::Set("acr", "\"https://www.spid.gov.it/SpidL2\"")], Wrap::Normal),
        rule("spid-cie-oidc-docs docs/en/differenze_spid_cie.rst, long revocable session", "in SPID's long revocable session an ID token obtained with a refresh token attests SpidL1 only, whatever the level of the first login"),
        Proof::Mutant(&["refresh-acr"]),
    ),
    case(
        "oidc-replay-code",
        "the authorization response of a finished login sent again (code replay)",
        Spid,
        Play::ReplayCode,
        rule(AUTHN_RESP, "state binds one response to one request and is used once; the code is single use (RFC 6749 §4.1.2): a replayed answer logs no one in"),
        Proof::Waiver("the OP refuses a code redeemed before (invalid_grant) and the reference RP forgets a state once used: with every switch off the replay still finds no login to finish"),
    ),
    case(
        "oidc-replay-id-token-other-session",
        "the ID token of an earlier login of the same user sent in a new login",
        Spid,
        Play::OtherSessionIdToken,
        rule(SPID_IDT, "the ID token's nonce MUST be the one this login's request sent and its at_hash MUST match this login's access token: a token issued for another login fails both (Core §3.1.3.7 item 11)"),
        Proof::Mutant(&["at-hash", "nonce"]),
    ),
    case(
        "oidc-idt-iat-missing",
        "ID token without iat",
        Spid,
        Play::IdToken(&[Tweak::Remove("iat")], Wrap::Normal),
        rule(SPID_IDT, "iat is REQUIRED in the SPID/CIE ID token (and in every ID token, Core §2): a token without it is not a valid ID token"),
        Proof::Waiver(TYPED_CLAIMS_WAIVER),
    )
    .oidf("oidcc-client-test-missing-iat", "rp-id_token-iat"),
    case(
        "oidc-idt-exp-missing",
        "ID token without exp",
        Spid,
        Play::IdToken(&[Tweak::Remove("exp")], Wrap::Normal),
        rule(SPID_IDT, "exp is REQUIRED in the SPID/CIE ID token (Core §2 too): without it the token never expires and the RP cannot apply Core §3.1.3.7 item 9"),
        Proof::Waiver(TYPED_CLAIMS_WAIVER),
    ),
    case(
        "oidc-idt-sub-missing",
        "ID token without sub",
        Spid,
        Play::IdToken(&[Tweak::Remove("sub")], Wrap::Normal),
        rule(SPID_IDT, "sub is REQUIRED (Core §2): it is the pairwise identifier of the user; a token without it names no one to log in"),
        Proof::Waiver(TYPED_CLAIMS_WAIVER),
    )
    .oidf("oidcc-client-test-missing-sub", "rp-id_token-sub"),
    case(
        "oidc-idt-aud-missing",
        "ID token without aud",
        Spid,
        Play::IdToken(&[Tweak::Remove("aud")], Wrap::Normal),
        rule(CORE_IDT, "the client MUST check that aud contains its client_id (item 3); a token without aud is for no one and must be rejected"),
        Proof::Mutant(&["id-token-aud"]),
    )
    .oidf("oidcc-client-test-missing-aud", "rp-id_token-aud"),
    case(
        "oidc-idt-iss-missing",
        "ID token without iss",
        Spid,
        Play::IdToken(&[Tweak::Remove("iss")], Wrap::Normal),
        rule(CORE_IDT, "the OP's issuer MUST exactly match the iss claim (item 2): a token without iss matches no OP"),
        Proof::Waiver(TYPED_CLAIMS_WAIVER),
    ),
    case(
        "oidc-idt-nbf-future",
        "ID token not valid before an hour from now (nbf in the future)",
        Spid,
        Play::IdToken(&[Tweak::Time("nbf", 3600)], Wrap::Normal),
        rule(NBF, "a JWT MUST NOT be accepted for processing before its nbf; the ID token is a JWT, so an RP must not log the user in with it yet"),
        Proof::Mutant(&["id-token-nbf"]),
    ),
    advice(
        "oidc-idt-at-hash-missing",
        "ID token without at_hash (advice, warning only)",
        Spid,
        Play::IdToken(&[Tweak::Remove("at_hash")], Wrap::Normal),
        rule(SPID_IDT, "at_hash is REQUIRED in the SPID/CIE ID token and binds it to the access token issued with it; without it the binding cannot be checked. The REQUIRED binds the OP; Core §3.1.3.8 lets a code-flow client use at_hash when present (MAY): refusing a token without it is advice"),
        Proof::Mutant(&["at-hash"]),
    )
    .oidf("oidcc-client-test-missing-athash", "rp-id_token-missing-at_hash"),
    case(
        "oidc-idt-cie-iss-wrong",
        "CIE: encrypted ID token whose iss is another entity",
        Cie,
        Play::IdToken(&[Tweak::Set("iss", EVIL_ISS)], Wrap::Normal),
        rule(CORE_IDT, "the issuer MUST exactly match iss (item 2), after decryption as before: the RP's key opening the JWE says nothing of who wrote the token"),
        Proof::Mutant(&["id-token-iss"]),
    )
    .oidf("oidcc-client-test-invalid-iss", "rp-id_token-issuer-mismatch"),
    case(
        "oidc-idt-cie-expired",
        "CIE: encrypted ID token already expired",
        Cie,
        Play::IdToken(&[Tweak::Time("exp", -60), Tweak::Time("iat", -120), Tweak::Time("nbf", -120)], Wrap::Normal),
        rule(CORE_IDT, "the current time MUST be before exp (item 9), for the decrypted CIE token as for a SPID one"),
        Proof::Mutant(&["id-token-exp"]),
    ),
    case(
        "oidc-idt-cie-iat-future",
        "CIE: encrypted ID token issued an hour in the future",
        Cie,
        Play::IdToken(&[Tweak::Time("iat", 3600), Tweak::Time("nbf", 3600)], Wrap::Normal),
        rule(CORE_IDT, "iat lets the client reject tokens issued too far from the current time (item 10); a token stamped an hour ahead cannot come from this login"),
        Proof::Mutant(&["id-token-iat", "id-token-nbf"]),
    ),
    case(
        "oidc-idt-cie-nbf-future",
        "CIE: encrypted ID token with nbf an hour in the future",
        Cie,
        Play::IdToken(&[Tweak::Time("nbf", 3600)], Wrap::Normal),
        rule(NBF, "a JWT MUST NOT be accepted for processing before its nbf, encrypted or not"),
        Proof::Mutant(&["id-token-nbf"]),
    ),
    case(
        "oidc-idt-cie-kid-unknown",
        "CIE: encrypted ID token whose inner header kid names no key of the OP",
        Cie,
        Play::IdToken(&[], Wrap::WrongKid),
        rule(CORE_IDT, "the inner JWS is validated with the keys the issuer provided (item 6): a kid outside the OP's resolved jwks names no key the RP may use"),
        Proof::Mutant(&["at-hash", "id-token-kid", "id-token-signature"]),
    ),
    case(
        "oidc-idt-cie-hs256-public-key",
        "CIE: encrypted ID token MACed with HS256 keyed with the OP's public key",
        Cie,
        Play::IdToken(&[], Wrap::Hs256WithPublicKey),
        rule(ALGS, "HS256, HS384 and HS512 MUST NOT be supported, in CIE as in SPID: the token header never picks the verification algorithm"),
        Proof::Mutant(&["at-hash", "id-token-alg", "id-token-signature"]),
    ),
    case(
        "oidc-idt-cie-foreign-key",
        "CIE: encrypted ID token signed by a key outside the OP's jwks",
        Cie,
        Play::IdToken(&[], Wrap::ForeignKey),
        rule(CORE_IDT, "only keys the issuer provides for OpenID Connect may verify the ID token (item 6), once decrypted too"),
        Proof::Mutant(&["id-token-signature"]),
    )
    .oidf("oidcc-client-test-invalid-sig-rs256", "rp-id_token-bad-sig-rs256"),
    case(
        "oidc-idt-cie-acr-missing",
        "CIE: encrypted ID token without acr",
        Cie,
        Play::IdToken(&[Tweak::Remove("acr")], Wrap::Normal),
        rule(SPID_IDT, "acr is the level the user authenticated at, REQUIRED for CIE as for SPID; the RP checks it is the one it needs (Core §3.1.3.7 item 12)"),
        Proof::Mutant(&["acr"]),
    ),
    advice(
        "oidc-idt-cie-at-hash-wrong",
        "CIE: encrypted ID token whose at_hash is another access token's (advice, warning only)",
        Cie,
        Play::IdToken(&[Tweak::Set("at_hash", OTHER_AT_HASH)], Wrap::Normal),
        rule(SPID_IDT, "the OP puts the left half of the access token's hash in at_hash, so a client that checks it can tell the tokens were issued together. Core §3.1.3.8 lets a code-flow client use at_hash (MAY), and no SPID/CIE rule makes the RP check it: refusing is advice"),
        Proof::Mutant(&["at-hash"]),
    )
    .oidf("oidcc-client-test-invalid-athash", "rp-id_token-bad-at_hash"),
    case(
        "oidc-userinfo-cie-plain-json",
        "CIE: userinfo answered as plain JSON",
        Cie,
        Play::Userinfo(&[], Wrap::PlainJson),
        rule(USERINFO, "the userinfo response body MUST be a signed and encrypted JWT, for CIE as for SPID; plain JSON is neither"),
        Proof::Mutant(&["userinfo-encryption", "userinfo-signature"]),
    ),
    case(
        "oidc-userinfo-cie-aud-other",
        "CIE: userinfo aud of another client",
        Cie,
        Play::Userinfo(&[Tweak::Set("aud", OTHER_AUD)], Wrap::Normal),
        rule(USERINFO, "aud names the recipient RP; the RP MUST check it equals its own client_id"),
        Proof::Mutant(&["userinfo-aud"]),
    ),
    case(
        "oidc-userinfo-cie-signature-corrupt",
        "CIE: userinfo JWE whose inner JWS signature does not verify",
        Cie,
        Play::Userinfo(&[], Wrap::CorruptSignature),
        rule(USERINFO, "the payload of the userinfo JWE is a JWS of the OP, whose signature the RP verifies with the OP's keys"),
        Proof::Mutant(&["userinfo-signature"]),
    ),
    case(
        "oidc-userinfo-iss-other",
        "userinfo iss of another entity than the OP",
        Spid,
        Play::Userinfo(&[Tweak::Set("iss", EVIL_ISS)], Wrap::Normal),
        rule(USERINFO, "iss is the URI of the OP (Core §5.3.2: the OP's issuer); the guidelines make the RP check sub and aud, not iss, so checking it is advice: a userinfo naming another issuer is not this OP's answer"),
        Proof::Mutant(&["userinfo-iss"]),
    )
    .warning(),
    case(
        "oidc-userinfo-cie-iss-other",
        "CIE: userinfo iss of another entity than the OP",
        Cie,
        Play::Userinfo(&[Tweak::Set("iss", EVIL_ISS)], Wrap::Normal),
        rule(USERINFO, "iss is the URI of the OP (Core §5.3.2: the OP's issuer); checking it is advice, not a rule the guidelines set for the RP"),
        Proof::Mutant(&["userinfo-iss"]),
    )
    .warning(),
    case(
        "oidc-refresh-spid",
        "SPID: a refresh (long revocable session) gives an ID token at SpidL1, accepted",
        Spid,
        Play::Refresh(&[], Wrap::Normal),
        rule(REFRESH_SPID, "with offline_access and prompt=consent the OP issues a refresh token; the ID token a refresh returns carries SpidL1 and is validated like the first one"),
        Proof::Control,
    )
    .oidf("oidcc-client-test-refresh-token", ""),
    case(
        "oidc-refresh-cie",
        "CIE: a refresh gives a new access token and no ID token, accepted",
        Cie,
        Play::Refresh(&[], Wrap::Normal),
        rule(REFRESH_CIE, "in CIE the refresh token gives no ID token: it renews no authentication, it lets the RP read again at userinfo the attributes the user consented to"),
        Proof::Control,
    )
    .oidf("oidcc-client-test-refresh-token", ""),
    case(
        "oidc-refresh-cie-id-token",
        "CIE: a refresh answered with an ID token (a renewed authentication CIE does not allow)",
        Cie,
        Play::RefreshIdToken,
        rule(REFRESH_CIE, "in CIE the refresh token does not give an ID token, so the RP cannot obtain a new authentication nor renew one with it: an ID token in a refresh answer must not be taken as one"),
        Proof::Mutant(&["refresh-cie-id-token"]),
    ),
    case(
        "oidc-refresh-spid-sub-other",
        "SPID: the ID token of a refresh names another subject",
        Spid,
        Play::Refresh(&[Tweak::Set("sub", OTHER_SUB)], Wrap::Normal),
        rule(CORE_REFRESH, "the sub of a refreshed ID token MUST be the sub of the ID token of the original authentication"),
        Proof::Mutant(&["refresh-sub"]),
    )
    .oidf("oidcc-client-test-refresh-token-invalid-sub", ""),
    case(
        "oidc-refresh-spid-iss-wrong",
        "SPID: the ID token of a refresh carries another iss",
        Spid,
        Play::Refresh(&[Tweak::Set("iss", EVIL_ISS)], Wrap::Normal),
        rule(CORE_REFRESH, "the iss of a refreshed ID token MUST be the iss of the original one, the OP the session was opened at"),
        Proof::Mutant(&["id-token-iss"]),
    )
    .oidf("oidcc-client-test-refresh-token-invalid-issuer", ""),
    case(
        "oidc-refresh-spid-aud-wrong",
        "SPID: the ID token of a refresh is for another client",
        Spid,
        Play::Refresh(&[Tweak::Set("aud", OTHER_AUD_LIST)], Wrap::Normal),
        rule(CORE_REFRESH, "the aud of a refreshed ID token MUST be the aud of the original one: this client"),
        Proof::Mutant(&["id-token-aud"]),
    ),
    case(
        "oidc-refresh-spid-signature-corrupt",
        "SPID: the ID token of a refresh has a signature that does not verify",
        Spid,
        Play::Refresh(&[], Wrap::CorruptSignature),
        rule(CORE_REFRESH, "apart from what §12.2 lists, a refreshed ID token follows the rules of the first one: signed by the OP, verified by the RP (§3.1.3.7 item 6)"),
        Proof::Mutant(&["id-token-signature"]),
    ),
    case(
        "oidc-op-statement-expired",
        "OP whose subordinate statement from the trust anchor is expired",
        Spid,
        Play::Federation(OpBreak::StatementExpired),
        rule(FED_CHAIN, "every statement of a trust chain must be valid now (iat before, exp after); a chain with an expired statement is not valid and the RP may not use the OP's metadata"),
        Proof::Mutant(&["op-trust-chain"]),
    ),
    case(
        "oidc-op-statement-bad-signature",
        "OP whose subordinate statement is not signed by the trust anchor",
        Spid,
        Play::Federation(OpBreak::StatementForged),
        rule(FED_CHAIN, "each subordinate statement is verified with its issuer's keys, the anchor's with the keys the RP trusts out of band; a statement another key signed breaks the chain"),
        Proof::Mutant(&["op-trust-chain"]),
    ),
    case(
        "oidc-op-max-path-length",
        "OP below two intermediates where the trust anchor allows one (max_path_length)",
        Spid,
        Play::Federation(OpBreak::PastMaxPathLength),
        rule(FED_CONSTRAINTS, "max_path_length bounds the intermediates between the constraint's issuer and the subject; a chain longer than that is not valid"),
        Proof::Mutant(&["op-trust-chain"]),
    ),
    case(
        "oidc-op-metadata-policy-violated",
        "OP whose metadata breaks the trust anchor's metadata policy (an essential member absent)",
        Spid,
        Play::Federation(OpBreak::PolicyViolation),
        rule(FED_POLICY, "the superiors' metadata policies are applied to the subject's metadata; when an operator is not met (here essential) the metadata, and the chain, are not valid"),
        Proof::Mutant(&["op-trust-chain"]),
    ),
    case(
        "oidc-op-ec-bad-signature",
        "OP whose entity configuration's self-signature does not verify",
        Spid,
        Play::Federation(OpBreak::EcSignatureCorrupt),
        rule(ENTITY_CONF, "an entity configuration is signed with a key of its own jwks (and of the jwks its superior lists); an RP that cannot verify it must not trust the OP"),
        // The chain checks the same signature with the keys the anchor lists for the OP.
        Proof::Mutant(&["op-entity-configuration", "op-trust-chain"]),
    ),
    case(
        "oidc-op-ec-expired",
        "OP whose entity configuration is expired",
        Spid,
        Play::Federation(OpBreak::EcExpired),
        rule(ENTITY_CONF, "exp of an entity configuration is REQUIRED and the configuration is not valid after it"),
        Proof::Mutant(&["op-entity-configuration", "op-trust-chain"]),
    ),
    advice(
        "oidc-op-trust-mark-missing",
        "OP whose entity configuration lists no trust mark (advice, warning only)",
        Spid,
        Play::Federation(OpBreak::NoTrustMark),
        rule(TRUST_MARKS, "an OP of the SPID/CIE federation shows a trust mark issued by an entity the anchor lists; without one it does not show the federation's mark. The SPID/CIE documents say how a trust mark is validated (statically with its issuer's key, sub and exp; dynamically at the issuer's status endpoint) and bind the OP to show its marks; no rule makes an RP refuse an OP over its trust mark: refusing is advice"),
        Proof::Mutant(&["op-trust-mark"]),
    ),
    advice(
        "oidc-op-trust-mark-revoked",
        "OP whose trust mark is revoked at its issuer (advice, warning only)",
        Spid,
        Play::Federation(OpBreak::TrustMarkRevoked),
        rule(TRUST_MARKS, "a trust mark can be revoked: the issuer's trust mark status endpoint tells whether it is still active, and an inactive mark proves nothing. The SPID/CIE documents say how a trust mark is validated (statically with its issuer's key, sub and exp; dynamically at the issuer's status endpoint) and bind the OP to show its marks; no rule makes an RP refuse an OP over its trust mark: refusing is advice"),
        Proof::Mutant(&["op-trust-mark"]),
    ),
    advice(
        "oidc-op-trust-mark-expired",
        "OP whose trust mark is expired (advice, warning only)",
        Spid,
        Play::Federation(OpBreak::TrustMarkExpired),
        rule(TRUST_MARKS, "a trust mark with exp is not valid after it. The SPID/CIE documents say how a trust mark is validated (statically with its issuer's key, sub and exp; dynamically at the issuer's status endpoint) and bind the OP to show its marks; no rule makes an RP refuse an OP over its trust mark: refusing is advice"),
        Proof::Mutant(&["op-trust-mark"]),
    ),
    advice(
        "oidc-op-trust-mark-bad-signature",
        "OP whose trust mark is not signed by its issuer's key (advice, warning only)",
        Spid,
        Play::Federation(OpBreak::TrustMarkBadSignature),
        rule(TRUST_MARKS, "a trust mark is a JWT signed by its issuer, verified with the issuer's keys from the issuer's own trust chain. The SPID/CIE documents say how a trust mark is validated (statically with its issuer's key, sub and exp; dynamically at the issuer's status endpoint) and bind the OP to show its marks; no rule makes an RP refuse an OP over its trust mark: refusing is advice"),
        Proof::Mutant(&["op-trust-mark"]),
    ),
    advice(
        "oidc-op-trust-mark-unlisted-issuer",
        "OP whose trust mark comes from an entity the anchor does not list as its issuer (advice, warning only)",
        Spid,
        Play::Federation(OpBreak::TrustMarkUnlistedIssuer),
        rule(TRUST_MARKS, "the trust anchor's trust_mark_issuers names who may issue each trust mark type; a mark from anyone else is not valid. The SPID/CIE documents say how a trust mark is validated (statically with its issuer's key, sub and exp; dynamically at the issuer's status endpoint) and bind the OP to show its marks; no rule makes an RP refuse an OP over its trust mark: refusing is advice"),
        Proof::Mutant(&["op-trust-mark"]),
    ),
    advice(
        "oidc-op-trust-mark-wrong-sub",
        "OP whose trust mark was issued to another entity (advice, warning only)",
        Spid,
        Play::Federation(OpBreak::TrustMarkWrongSubject),
        rule(TRUST_MARKS, "the sub of a trust mark is the entity it is issued to; a mark whose sub is not the OP says nothing about the OP. The SPID/CIE documents say how a trust mark is validated (statically with its issuer's key, sub and exp; dynamically at the issuer's status endpoint) and bind the OP to show its marks; no rule makes an RP refuse an OP over its trust mark: refusing is advice"),
        Proof::Mutant(&["op-trust-mark"]),
    ),
];

const TYPED_CLAIMS_WAIVER: &str = "the reference RP reads ID tokens into openidconnect's typed claims, where iss, sub, exp and iat are required fields: a token without one does not parse, so every mutant refuses it too";

const RSA1_5_WAIVER: &str = "the reference RP's decrypter admits RSA-OAEP and RSA-OAEP-256 only, whatever its switches: it refuses RSA1_5 with every check off";

const ERROR_WAIVER: &str = "no switch makes the reference RP log in on an error response: it has no code to redeem, so every mutant refuses it too";

/// The reference RP's switches no case here is the mutant of, and why.
pub static UNCOVERED_SWITCHES: &[(&str, &str)] = &[];

/// The case with `id`.
pub fn by_id(id: &str) -> Option<&'static OidcCase> {
    OIDC_CASES.iter().find(|c| c.id == id)
}

/// The rule as one line: `source: words`.
pub fn rule_line(case: &OidcCase) -> String {
    format!("{}: {}", case.rule.source, case.rule.words)
}
