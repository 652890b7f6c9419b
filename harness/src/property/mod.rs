//! Property-based testing of relying services: a model of acceptance ([`model`]) over typed
//! changes to the correct Response (the catalogue's mutations plus legal variations), seeded
//! generation of combinations ([`generate`]), their rendering for a captured AuthnRequest
//! ([`build`]), a runner that compares the service's verdict with the model's and shrinks every
//! disagreement to a minimal counterexample ([`run`]), and `proptest` strategies for Rust
//! services tested in-process ([`strategies`]).

pub mod build;
pub mod cli;
pub mod generate;
pub mod in_process;
pub mod model;
pub mod run;
pub mod strategies;

pub use generate::{combination, GenConfig};
pub use model::{Binding, Broken, Change, Combination, Legal, ModelVerdict};
pub use run::{run, Counterexample, PropertyConfig, PropertyRun};
