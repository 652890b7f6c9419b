//! Identifiers, NameIDs and one-time codes from one generator, seedable so that runs can be replayed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::sync::Mutex;

/// Makes every random value the mocks hand out; with a seed, the same sequence every run.
#[derive(Debug)]
pub struct IdGenerator {
    rng: Mutex<ChaCha20Rng>,
}

impl IdGenerator {
    /// A generator seeded from the operating system.
    pub fn random() -> Self {
        Self {
            rng: Mutex::new(ChaCha20Rng::from_entropy()),
        }
    }

    /// A generator that yields the same sequence for the same seed (`--seed`).
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: Mutex::new(ChaCha20Rng::seed_from_u64(seed)),
        }
    }

    fn bytes<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        self.rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fill(&mut out[..]);
        out
    }

    /// A SAML ID: an underscore and 32 hex digits (an xs:ID must not start with a digit).
    pub fn saml_id(&self) -> String {
        format!("_{}", hex(&self.bytes::<16>()))
    }

    /// An opaque transient NameID value.
    pub fn name_id(&self) -> String {
        format!("_{}", hex(&self.bytes::<20>()))
    }

    /// An opaque token for URLs and forms (pending logins, sessions).
    pub fn token(&self) -> String {
        hex(&self.bytes::<16>())
    }

    /// A one-time code of `digits` decimal digits.
    pub fn otp(&self, digits: u32) -> String {
        let max = 10u64.pow(digits);
        let n = self
            .rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .gen_range(0..max);
        format!("{n:0width$}", width = digits as usize)
    }
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::random()
    }
}

/// Lowercase hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_generators_repeat() {
        let (a, b) = (IdGenerator::seeded(7), IdGenerator::seeded(7));
        assert_eq!(a.saml_id(), b.saml_id());
        assert_eq!(a.otp(6), b.otp(6));
        assert_ne!(
            IdGenerator::seeded(8).saml_id(),
            IdGenerator::seeded(7).saml_id()
        );
    }

    #[test]
    fn ids_have_the_saml_shape() {
        let g = IdGenerator::random();
        let id = g.saml_id();
        assert!(id.starts_with('_') && id.len() == 33);
        assert_eq!(g.otp(6).len(), 6);
    }
}
