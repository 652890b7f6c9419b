//! Unit tests of enveloped signing and verification.
