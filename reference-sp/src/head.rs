//! What every message the SP sends starts with: its `ID`, `IssueInstant`, `Destination` and
//! our entityID (the Issuer), whether an AuthnRequest, a LogoutRequest or a LogoutResponse.

/// The head of one outgoing message.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// `ID` (an xs:ID, random).
    pub id: &'a str,
    /// `IssueInstant`, UTC with milliseconds.
    pub issue_instant: &'a str,
    /// `Destination`: the IdP endpoint of the binding used.
    pub destination: &'a str,
    /// Our entityID (Issuer text and NameQualifier).
    pub sp_entity_id: &'a str,
}
