//! The legacy INPS PIN credential service, simulated: request on three channels, the 8 + 8 initial
//! PIN, first access, expiry and renewal, lockout, recovery and revocation, conversion to
//! dispositivo, services gated by kind and registry data, the switch-off timeline, the phone PIN
//! and the delega dell'identità digitale.
//!
//! Every rule of `docs/rules/inps-pin.md` (PIN-01…13, SW-01…07, ID-08/10) is enforced where
//! a comment cites its id. Time comes from the [`crate::clock::Clock`], randomness from the seedable
//! [`crate::ids::IdGenerator`], state from a [`PinStore`] (memory, or a durable journal file).
//!
//! Non-goals: INPS's real data formats, or any real back office.
//!
//! The public interface is:

mod backend;
mod delegation;
mod error;
pub mod expiry;
mod issuance;
pub mod lockout;
mod model;
pub mod openapi;
pub mod people;
mod phone_pin;
pub mod service;
pub mod services;
mod setup;
mod store;
pub mod timeline;

pub use backend::{PinBackend, PinConfig, PinStatus, ServiceAccess, Session};
pub use delegation::{Delegation, DelegationChannel, DelegationForm, DelegationRequest};
pub use error::PinError;
pub use issuance::{check_new_pin, Conversion, ConversionMethod, Issued, RecoveryContacts};
pub use model::{
    Carrier, Channel, Citizenship, Claim, ClaimStatus, Gestione, LoginMethod, Message, Occupation,
    Person, Pin, PinKind, PinScope, PinState, Protection,
};
pub use phone_pin::{ContactCenterCall, PhonePin, PhoneValidity};
pub use service::router;
pub use setup::PinSetupError;
pub use store::{
    replay_journal, Compaction, FileStore, JournalContents, MemoryStore, PinStore, Record,
    StoreError,
};
pub use timeline::{Allowance, Audience, Timeline, TimelineError};
