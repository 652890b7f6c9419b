//! The SP conformance suite: a typed catalogue of Response cases ([`cases::RESPONSE_CASES`]),
//! the runner that plays them against a service as a trusted IdP ([`runner`]), and the setup
//! that runs them against the embedded reference SP ([`reference`]).

pub mod case;
pub mod cases;
pub mod cns;
pub mod edit;
pub mod reference;
pub mod runner;
pub mod sign;

pub use case::{Expect, Mutation, ResponseCase};
pub use cases::RESPONSE_CASES;
pub use runner::{run, Target};

/// The cases whose id is in `only` (all when `only` is empty); unknown ids are returned apart.
pub fn select(only: &[String]) -> (Vec<&'static ResponseCase>, Vec<String>) {
    if only.is_empty() {
        return (RESPONSE_CASES.iter().collect(), Vec::new());
    }
    let unknown = only
        .iter()
        .filter(|id| !RESPONSE_CASES.iter().any(|c| c.id == id.as_str()))
        .cloned()
        .collect();
    let chosen = RESPONSE_CASES
        .iter()
        .filter(|c| only.iter().any(|id| id == c.id))
        .collect();
    (chosen, unknown)
}
