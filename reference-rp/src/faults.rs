//! Fault switches: every check the reference RP makes on what an OpenID Provider answers has a
//! stable name; any subset can be switched off to make a "mutant" RP that accepts what the check
//! refuses (the same shape as the reference SP's switches).

pub use fault_switches::{Fault, UnknownFault};

/// Every switch, sorted by name (the data is `faults.txt`, one `name: description` a line).
pub static ALL: &[Fault] = fault_switches::table!(include_str!("faults.txt"));

fault_switches::catalogue! {
    /// A set of switched-off checks (and switched-on sending faults: [`crate::sending::ALL`],
    /// parsed with the checking ones but listed apart); the default (none) is the strict RP.
    pub type Faults = Faults<RpSwitches>[ALL, crate::sending::ALL];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_is_refused_with_a_suggestion() {
        let e = Faults::parse("nonce,stat").unwrap_err();
        assert_eq!(e.suggestion, Some("state"));
        let f = Faults::parse("nonce at-hash").unwrap();
        assert!(f.is_off("nonce") && f.is_off("at-hash") && f.on("acr"));
    }
}
