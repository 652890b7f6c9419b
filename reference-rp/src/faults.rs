//! Fault switches: every check the reference RP makes on what an OpenID Provider answers has a
//! stable name; any subset can be switched off to make a "mutant" RP that accepts what the check
//! refuses (the same shape as the reference SP's switches).

pub use fault_switches::{Fault, UnknownFault};

/// Every switch, sorted by name.
pub static ALL: &[Fault] = &[
    Fault { name: "acr", description: "the ID token's acr is a SPID level at least the requested one (higher is fine)" },
    Fault { name: "at-hash", description: "the ID token's at_hash is the left half of the access token's hash" },
    Fault { name: "id-token-alg", description: "the ID token is signed with RS256, RS512, PS256 or ES256 (no other algorithm)" },
    Fault { name: "id-token-aud", description: "the ID token's aud lists our client_id and no untrusted audience" },
    Fault { name: "id-token-claims", description: "SPID: the ID token carries no user attributes (they come from userinfo only)" },
    Fault { name: "id-token-encryption", description: "CIE: the ID token is encrypted to our key, as our metadata asks" },
    Fault { name: "id-token-exp", description: "the ID token's exp is in the future" },
    Fault { name: "id-token-iat", description: "the ID token's iat is not in the future nor older than ten minutes" },
    Fault { name: "id-token-iss", description: "the ID token's iss is the OP the request went to" },
    Fault { name: "id-token-kid", description: "the ID token's header names (kid) a key of the OP's resolved jwks" },
    Fault { name: "id-token-nbf", description: "the ID token's nbf, when present, is not in the future (RFC 7519 §4.1.5)" },
    Fault { name: "id-token-signature", description: "the ID token's signature verifies with the OP's resolved jwks" },
    Fault { name: "iss", description: "the authorization response's iss is the OP the request went to (mix-up defence)" },
    Fault { name: "nonce", description: "the ID token's nonce is the one our request sent" },
    Fault { name: "op-entity-configuration", description: "the OP's entity configuration is self-signed with a key of its jwks, iss = sub = its issuer, not expired" },
    Fault { name: "op-trust-chain", description: "the OP's trust chain resolves to the configured trust anchor: every statement signed by its issuer and unexpired, max_path_length kept, the metadata policy applied and kept" },
    Fault { name: "op-trust-mark", description: "the OP publishes a valid trust mark of the required type, from an issuer the anchor lists, active at its status endpoint" },
    Fault { name: "refresh-acr", description: "SPID: an ID token from a refresh carries acr SpidL1 only" },
    Fault { name: "refresh-cie-id-token", description: "CIE: a refresh answer carries no ID token (CIE's refresh renews no authentication)" },
    Fault { name: "refresh-sub", description: "an ID token from a refresh names the session's subject (sub unchanged)" },
    Fault { name: "state", description: "the authorization response's state is one our browser session sent (used once)" },
    Fault { name: "userinfo-aud", description: "the userinfo JWT's aud is our client_id" },
    Fault { name: "userinfo-encryption", description: "the userinfo answer is a JWE encrypted to our key (not a bare JWS or JSON)" },
    Fault { name: "userinfo-iss", description: "the userinfo JWT's iss is the OP the request went to" },
    Fault { name: "userinfo-signature", description: "the JWS inside the userinfo JWE verifies with the OP's resolved jwks" },
    Fault { name: "userinfo-sub", description: "the userinfo sub equals the ID token's sub" },
];

/// The reference RP's switches: the checking ones ([`ALL`]) and the sending ones
/// ([`crate::sending::ALL`]), parsed together but listed apart.
#[derive(Debug, Clone, Copy)]
pub struct RpSwitches;

impl fault_switches::Catalogue for RpSwitches {
    const TABLES: &'static [&'static [Fault]] = &[ALL, crate::sending::ALL];
}

/// A set of switched-off checks (and switched-on sending faults); the default (none) is the
/// strict RP.
pub type Faults = fault_switches::Faults<RpSwitches>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_unique_kebab_and_in_one_table() {
        assert_eq!(Faults::check_catalogue(), Ok(()));
    }

    #[test]
    fn an_unknown_name_is_refused_with_a_suggestion() {
        let e = Faults::parse("nonce,stat").unwrap_err();
        assert_eq!(e.suggestion, Some("state"));
        let f = Faults::parse("nonce at-hash").unwrap();
        assert!(f.is_off("nonce") && f.is_off("at-hash") && f.on("acr"));
    }
}
