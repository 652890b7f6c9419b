//! End-to-end tests of the reference SP against the mock SPID providers (which play the IdP).
#![allow(missing_docs)]

/// Shared set-up: a federation and an SP on one simulated clock, a browser, form parsing.
mod support;

/// Logins through every provider at every level it offers, both bindings.
mod login;

/// User anomalies (nr19–nr30) end on the SP's SPID error page.
mod anomalies;

/// Single logout started by the SP and by the IdP.
mod slo;

/// Every fault switch: the strict SP refuses a crafted Response, the mutant accepts it.
mod faults;

/// "Entra con CIE": every level, the card outcomes, the CIE request rules and checks.
mod cie;

/// The SP's metadata: schema and signature with xmllint and xmlsec1 (skipped if absent).
mod metadata;

/// "Entra con PIN": before and after the citizens' switch-off, backend errors with their code.
mod pin_login;

/// The binary logs every refusal, with the check that refused it, through `tracing`.
mod logging;
/// Issue #11: bounded SP stores, and the soak figures (ignored: run on demand).
mod soak;
