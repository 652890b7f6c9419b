//! Fault switches: every check the reference SP runs on a Response has a stable name, and any
//! subset can be switched off to make a "mutant" SP that accepts what the check refuses. The
//! `md-*` and `req-*` switches make the SP's own metadata or AuthnRequests break one rule each
//! (named as the `spid-harness check` metadata and AuthnRequest check they prove).

pub use fault_switches::{Fault, UnknownFault};

/// Every switch, sorted by name (the data is `faults.txt`, one `name: description` a line).
pub static ALL: &[Fault] = fault_switches::table!(include_str!("faults.txt"));

fault_switches::catalogue! {
    /// A set of switched-off checks; the default (none) is the strict SP.
    pub type Faults = Faults<SpSwitches>[ALL];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_switch_parses_alone() {
        for f in ALL {
            assert_eq!(Faults::parse(f.name).unwrap().names(), vec![f.name]);
        }
    }
}
