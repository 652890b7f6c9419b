//! The card table (fixtures/cie-cards.toml) and the running cards: their PIN/PUK counters, the
//! reader failures a test has scripted, and look-ups by number and by holder.

use super::card::{is_digits, Card, CardSpec};
use crate::fixtures::{parse_toml, TomlError};
use crate::spid::identity::User;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

/// Why the card table could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardTableError {
    /// TOML syntax or schema error.
    #[error(transparent)]
    Toml(#[from] TomlError),
    /// A row breaks a rule.
    #[error("{path}: card {number:?}: {problem}")]
    Invalid {
        /// The file.
        path: String,
        /// The card.
        number: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    card: Vec<CardSpec>,
}

/// Whether `s` has the CIE 3.0 number shape: 2 letters, 5 digits, 2 letters.
fn is_card_number(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..7].iter().all(u8::is_ascii_digit)
        && b[7..].iter().all(u8::is_ascii_uppercase)
}

/// Parses and checks the card table against the users; `path` names it in errors.
pub fn parse_cards(
    text: &str,
    path: &str,
    users: &[User],
) -> Result<Vec<CardSpec>, CardTableError> {
    let table: Table = parse_toml(text, path)?;
    let mut seen = std::collections::HashSet::new();
    for c in &table.card {
        let invalid = |problem: &str| CardTableError::Invalid {
            path: path.to_string(),
            number: c.number.clone(),
            problem: problem.to_string(),
        };
        if !is_card_number(&c.number) {
            return Err(invalid(
                "the number must be 2 letters, 5 digits, 2 letters (CA00001AA)",
            ));
        }
        if !seen.insert(c.number.clone()) {
            return Err(invalid("the number appears twice"));
        }
        if !users.iter().any(|u| u.username == c.holder) {
            return Err(invalid(&format!(
                "holder {:?} is not a username in users.toml",
                c.holder
            )));
        }
        // docs/rules/cie.md: PIN and PUK are 8 digits each.
        if !is_digits(&c.pin, 8) || !is_digits(&c.puk, 8) {
            return Err(invalid("pin and puk must be 8 digits each"));
        }
    }
    Ok(table.card)
}

/// A card read failure a test can script (docs/rules/inps-pin.md ID-09: the phone does not read the card).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReadFailure {
    /// NFC is switched off on the phone, or the desktop reader is not connected.
    NfcOff,
    /// The card moved away from the reader while it was being read.
    CardMoved,
}

impl ReadFailure {
    /// What the page tells the user.
    pub fn message(self) -> &'static str {
        match self {
            ReadFailure::NfcOff => "Lettore non disponibile: attiva l'NFC e riprova. NFC is off or the reader is not connected.",
            ReadFailure::CardMoved => "Lettura interrotta: la carta è stata spostata, appoggiala di nuovo e riprova. The card moved during the read.",
        }
    }
}

/// Every card as it runs, shared by the CIE providers (a card is one physical object).
#[derive(Debug, Default)]
pub struct CardStore {
    cards: Mutex<BTreeMap<String, Card>>,
    read_failures: Mutex<VecDeque<ReadFailure>>,
}

impl CardStore {
    /// The cards as issued.
    pub fn new(specs: &[CardSpec]) -> Self {
        Self {
            cards: Mutex::new(
                specs
                    .iter()
                    .map(|s| (s.number.clone(), Card::new(s.clone())))
                    .collect(),
            ),
            read_failures: Mutex::default(),
        }
    }

    /// Runs `f` on the card `number`; `None` if there is no such card.
    pub fn with_card<T>(&self, number: &str, f: impl FnOnce(&mut Card) -> T) -> Option<T> {
        let mut cards = self.cards.lock().unwrap_or_else(|e| e.into_inner());
        cards.get_mut(number.trim()).map(f)
    }

    /// A copy of the card `number`.
    pub fn card(&self, number: &str) -> Option<Card> {
        self.with_card(number, |c| c.clone())
    }

    /// The holder's current card: the one expiring last.
    pub fn card_of(&self, holder: &str) -> Option<Card> {
        let cards = self.cards.lock().unwrap_or_else(|e| e.into_inner());
        cards
            .values()
            .filter(|c| c.spec.holder == holder)
            .max_by_key(|c| c.spec.expires)
            .cloned()
    }

    /// Every card, by number.
    pub fn all(&self) -> Vec<Card> {
        self.cards
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Every card number, sorted.
    pub fn numbers(&self) -> Vec<String> {
        self.cards
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// Queues a read failure for the next card read.
    pub fn push_read_failure(&self, f: ReadFailure) {
        self.read_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(f);
    }

    /// Takes the next scripted read failure, if any.
    pub fn take_read_failure(&self) -> Option<ReadFailure> {
        self.read_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_table_is_valid_and_covers_the_cases() {
        let f = crate::fixtures::Fixtures::embedded().unwrap();
        let specs = &f.cie_cards;
        assert!(specs.iter().any(|c| c.revoked));
        assert!(specs
            .iter()
            .any(|c| c.expires < time::macros::date!(2026 - 01 - 01)));
        assert!(specs.iter().filter(|c| !c.revoked).count() >= 3);
    }

    #[test]
    fn bad_rows_are_refused_clearly() {
        let users = crate::fixtures::Fixtures::embedded().unwrap().users;
        let row = |number: &str, holder: &str, pin: &str| {
            format!("[[card]]\nnumber = \"{number}\"\nholder = \"{holder}\"\npin = \"{pin}\"\npuk = \"12345678\"\nexpires = \"2030-01-01\"\n")
        };
        let e = parse_cards(&row("CA1", "mario.rossi", "12345678"), "t", &users).unwrap_err();
        assert!(e.to_string().contains("2 letters, 5 digits"), "{e}");
        let e = parse_cards(&row("CA00001AA", "nobody", "12345678"), "t", &users).unwrap_err();
        assert!(e.to_string().contains("not a username"), "{e}");
        let e = parse_cards(&row("CA00001AA", "mario.rossi", "1234"), "t", &users).unwrap_err();
        assert!(e.to_string().contains("8 digits"), "{e}");
        let e = parse_cards("[[card]]\nnumber = \"CA00001AA\"\nholder = \"mario.rossi\"\npin = \"12345678\"\npuk = \"12345678\"\nexpires = \"2030-13-01\"\n", "t", &users).unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    }

    #[test]
    fn the_current_card_is_the_latest() {
        let f = crate::fixtures::Fixtures::embedded().unwrap();
        let store = CardStore::new(&f.cie_cards);
        assert_eq!(
            store.card_of("mario.rossi").unwrap().spec.number,
            "CA00001AA"
        );
        assert!(store.card_of("luca.ferrari").is_none());
        store.push_read_failure(ReadFailure::NfcOff);
        assert_eq!(store.take_read_failure(), Some(ReadFailure::NfcOff));
        assert_eq!(store.take_read_failure(), None);
    }
}
