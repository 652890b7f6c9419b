//! A simulated CNS smart card on the client side: it holds the authentication key and
//! certificate and releases them for a TLS handshake only after the right PIN. Three consecutive
//! wrong PINs block it, the PUK unblocks it and sets a new PIN (docs/rules/cns.md [3P]); the PUK
//! try limit is not documented for the CNS and is 10 here, as for the CIE (docs/rules/cie.md).

use mock_idps::tries::{Tries, Try};

/// Consecutive wrong PINs that block the card (docs/rules/cns.md).
pub const PIN_TRIES: u32 = 3;
/// Consecutive wrong PUKs that make the card unusable for good (CIE figure, docs/rules/cie.md).
pub const PUK_TRIES: u32 = 10;

/// Why the card refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// Wrong PIN; the card is still usable.
    #[error("wrong PIN: {left} tries left before the card blocks")]
    WrongPin {
        /// Tries left.
        left: u32,
    },
    /// Three wrong PINs: only the PUK unblocks the card.
    #[error("the PIN is blocked after 3 wrong tries: unblock the card with the PUK")]
    PinBlocked,
    /// Wrong PUK.
    #[error("wrong PUK: {left} tries left before the card is unusable")]
    WrongPuk {
        /// Tries left.
        left: u32,
    },
    /// Too many wrong PUKs.
    #[error("the card is blocked for good after {PUK_TRIES} wrong PUKs")]
    Dead,
    /// The new PIN is not 5 to 8 digits.
    #[error("a PIN is 5 to 8 digits")]
    BadNewPin,
}

/// A card: certificate, key, PIN and PUK state.
#[derive(Debug, Clone)]
pub struct SmartCard {
    cert_pem: String,
    key_pem: String,
    pin: String,
    puk: String,
    pin_tries: Tries,
    puk_tries: Tries,
}

impl SmartCard {
    /// A card holding `cert_pem`/`key_pem`, protected by `pin` and `puk`.
    pub fn new(cert_pem: &str, key_pem: &str, pin: &str, puk: &str) -> Self {
        Self {
            cert_pem: cert_pem.to_string(),
            key_pem: key_pem.to_string(),
            pin: pin.to_string(),
            puk: puk.to_string(),
            pin_tries: Tries::new(PIN_TRIES),
            puk_tries: Tries::new(PUK_TRIES),
        }
    }

    /// Releases the credential (certificate + key PEM) for one handshake if `pin` is right.
    pub fn unlock(&mut self, pin: &str) -> Result<String, CardError> {
        if self.puk_tries.exhausted() {
            return Err(CardError::Dead);
        }
        attempt(&mut self.pin_tries, pin == self.pin, Secret::Pin)?;
        self.pin_tries.clear();
        Ok(format!("{}{}", self.cert_pem, self.key_pem))
    }

    /// Unblocks the PIN with the PUK and sets `new_pin`.
    pub fn unblock(&mut self, puk: &str, new_pin: &str) -> Result<(), CardError> {
        attempt(&mut self.puk_tries, puk == self.puk, Secret::Puk)?;
        if !(5..=8).contains(&new_pin.len()) || !new_pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::BadNewPin);
        }
        self.puk_tries.clear();
        self.pin_tries.clear();
        self.pin = new_pin.to_string();
        Ok(())
    }
}

/// The card's two secrets.
#[derive(Debug, Clone, Copy)]
enum Secret {
    Pin,
    Puk,
}

/// A try of `secret`: refused at once when `tries` are exhausted; nothing when `right`; else
/// one more failure counted, and the error with the tries left (or the block at the limit).
fn attempt(tries: &mut Tries, right: bool, secret: Secret) -> Result<(), CardError> {
    let exhausted = match secret {
        Secret::Pin => CardError::PinBlocked,
        Secret::Puk => CardError::Dead,
    };
    if tries.exhausted() {
        return Err(exhausted);
    }
    if right {
        return Ok(());
    }
    Err(match (tries.fail(), secret) {
        (Try::Exhausted, _) => exhausted,
        (Try::Left(left), Secret::Pin) => CardError::WrongPin { left },
        (Try::Left(left), Secret::Puk) => CardError::WrongPuk { left },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_wrong_pins_block_and_the_puk_unblocks() {
        let mut card = SmartCard::new("C", "K", "12345678", "87654321");
        assert_eq!(card.unlock("0"), Err(CardError::WrongPin { left: 2 }));
        assert_eq!(card.unlock("1"), Err(CardError::WrongPin { left: 1 }));
        assert_eq!(card.unlock("2"), Err(CardError::PinBlocked));
        assert_eq!(card.unlock("12345678"), Err(CardError::PinBlocked));
        assert_eq!(card.unblock("87654321", "12a"), Err(CardError::BadNewPin));
        card.unblock("87654321", "55555").expect("unblocked");
        assert_eq!(card.unlock("55555").as_deref(), Ok("CK"));
    }

    #[test]
    fn a_right_pin_resets_the_counter() {
        let mut card = SmartCard::new("C", "K", "11111", "22222");
        let _ = card.unlock("0");
        let _ = card.unlock("0");
        card.unlock("11111").expect("right pin");
        assert_eq!(card.unlock("0"), Err(CardError::WrongPin { left: 2 }));
    }

    #[test]
    fn ten_wrong_puks_kill_the_card() {
        let mut card = SmartCard::new("C", "K", "11111", "22222");
        for _ in 0..3 {
            let _ = card.unlock("0");
        }
        for left in (1..PUK_TRIES).rev() {
            assert_eq!(
                card.unblock("0", "33333"),
                Err(CardError::WrongPuk { left })
            );
        }
        assert_eq!(card.unblock("0", "33333"), Err(CardError::Dead));
        assert_eq!(card.unblock("22222", "33333"), Err(CardError::Dead));
        assert_eq!(card.unlock("11111"), Err(CardError::Dead));
    }
}
