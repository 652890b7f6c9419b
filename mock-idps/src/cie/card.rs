//! One simulated CIE card: its 8-digit PIN and PUK and their counters, expiry and revocation, and
//! the desktop software's pairing rule (docs/rules/cie.md).
//!
//! - PIN and PUK are 8 digits each; the first four are on the Comune's receipt, the last four in
//!   the letter delivered with the card (cartaidentita.interno.gov.it, codici di sicurezza).
//! - 3 consecutive wrong PINs block the PIN; the PUK unblocks it and sets a new PIN.
//! - 10 wrong PUKs block the card for good (AgID, as cited by the Comuni's pages) [3P].
//! - The desktop software (CIE middleware) asks for the whole 8-digit PIN at the first pairing
//!   ("abbinamento"), then only for its last 4 digits; the CieID phone app asks for all 8.

use crate::tries::{Tries, Try};
use serde::{Deserialize, Serialize};
use time::Date;

/// Consecutive wrong PINs that block the PIN (docs/rules/cie.md).
pub const PIN_TRIES: u32 = 3;
/// Wrong PUKs that block the card for good (docs/rules/cie.md).
pub const PUK_TRIES: u32 = 10;

/// A card as the fixtures describe it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CardSpec {
    /// Card number, e.g. `CA00001AA`.
    pub number: String,
    /// The holder's username in users.toml.
    pub holder: String,
    /// The 8-digit PIN the card is issued with.
    pub pin: String,
    /// The 8-digit PUK.
    pub puk: String,
    /// Expiry date.
    #[serde(with = "date_format")]
    pub expires: Date,
    /// Revoked (lost, stolen).
    #[serde(default)]
    pub revoked: bool,
    /// What the card is for in tests.
    #[serde(default)]
    pub note: String,
}

mod date_format {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, FORMAT)
            .map_err(|e| serde::de::Error::custom(format!("date {text:?} is not YYYY-MM-DD: {e}")))
    }
}

/// Which reader the card is presented to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reader {
    /// A desktop NFC/RF reader with the CIE software (the pairing rule applies).
    #[default]
    Desktop,
    /// A phone with NFC and the CieID app (always the whole PIN).
    App,
}

impl Reader {
    /// Parses `desktop` or `app`.
    pub fn parse(s: &str) -> Option<Reader> {
        match s {
            "desktop" => Some(Reader::Desktop),
            "app" => Some(Reader::App),
            _ => None,
        }
    }
}

/// The life state of the card's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardState {
    /// The PIN works.
    Active,
    /// 3 wrong PINs: only the PUK can unblock it.
    PinBlocked,
    /// 10 wrong PUKs: blocked for good.
    Dead,
}

/// Why a card cannot be used at all (each ends a CIE login with code 23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "kebab-case")]
pub enum CardUnusable {
    /// Past its expiry date.
    #[error("la carta è scaduta (card expired)")]
    Expired,
    /// Revoked.
    #[error("la carta è revocata (card revoked)")]
    Revoked,
    /// The PIN is blocked (3 wrong PINs); the PUK unblocks it.
    #[error("il PIN è bloccato: sbloccalo con il PUK (PIN blocked; unblock it with the PUK)")]
    PinBlocked,
    /// Blocked for good (10 wrong PUKs).
    #[error("la carta è bloccata definitivamente (card blocked for good after 10 wrong PUKs)")]
    Dead,
}

/// What a PIN entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinOutcome {
    /// Right PIN: the card authenticated its holder.
    Accepted,
    /// Wrong PIN; `left` tries before the PIN blocks.
    Wrong {
        /// Tries left.
        left: u32,
    },
    /// Wrong PIN, and it was the last try: the PIN is now blocked.
    NowBlocked,
    /// The card cannot be used (nothing counted).
    Unusable(CardUnusable),
    /// The entry has the wrong shape for this reader (nothing sent to the card, nothing counted).
    BadEntry(String),
}

/// What a PUK entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PukOutcome {
    /// Right PUK: the PIN is unblocked and replaced by the new one.
    Unblocked,
    /// Wrong PUK; `left` tries before the card dies.
    Wrong {
        /// Tries left.
        left: u32,
    },
    /// Wrong PUK, the last try: the card is now blocked for good.
    NowDead,
    /// The card cannot be used (dead, expired or revoked).
    Unusable(CardUnusable),
    /// The PUK or the new PIN has the wrong shape (nothing counted).
    BadEntry(String),
}

/// A card and its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    /// The fixture row.
    pub spec: CardSpec,
    pin: String,
    pin_failures: Tries,
    puk_failures: Tries,
    state: CardState,
    paired: bool,
}

/// Whether `s` is exactly `n` ASCII digits.
pub fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

impl Card {
    /// A new card as issued: its PIN, no failures, not paired with the desktop software.
    pub fn new(spec: CardSpec) -> Self {
        Self {
            pin: spec.pin.clone(),
            spec,
            pin_failures: Tries::new(PIN_TRIES),
            puk_failures: Tries::new(PUK_TRIES),
            state: CardState::Active,
            paired: false,
        }
    }

    /// The credentials' state.
    pub fn state(&self) -> CardState {
        self.state
    }

    /// Wrong PINs in a row so far.
    pub fn pin_failures(&self) -> u32 {
        self.pin_failures.failures()
    }

    /// Wrong PUKs so far.
    pub fn puk_failures(&self) -> u32 {
        self.puk_failures.failures()
    }

    /// Whether the desktop software is paired with the card.
    pub fn paired(&self) -> bool {
        self.paired
    }

    /// The PIN in force (fixture PIN, or the one set with the PUK).
    pub fn current_pin(&self) -> &str {
        &self.pin
    }

    /// Why the card cannot be used on `today`, if it cannot: dead first, then revoked, then
    /// expired (a card past its date is expired whatever its PIN), then a blocked PIN.
    pub fn unusable(&self, today: Date) -> Option<CardUnusable> {
        if self.state == CardState::Dead {
            Some(CardUnusable::Dead)
        } else if self.spec.revoked {
            Some(CardUnusable::Revoked)
        } else if today > self.spec.expires {
            Some(CardUnusable::Expired)
        } else if self.state == CardState::PinBlocked {
            Some(CardUnusable::PinBlocked)
        } else {
            None
        }
    }

    /// Checks a PIN typed on `reader` on `today`.
    ///
    /// Desktop: 8 digits at the first pairing, then the last 4 (CIE middleware manual, primo
    /// utilizzo); the app: always 8. A wrong-shaped entry is refused before reaching the card.
    pub fn enter_pin(&mut self, entry: &str, reader: Reader, today: Date) -> PinOutcome {
        if let Some(why) = self.unusable(today) {
            return PinOutcome::Unusable(why);
        }
        let entry = entry.trim();
        let (wanted, expected): (usize, &str) = match (reader, self.paired) {
            (Reader::Desktop, true) => (4, &self.pin[self.pin.len().saturating_sub(4)..]),
            _ => (8, &self.pin),
        };
        if !is_digits(entry, wanted) {
            let why = match (reader, self.paired) {
                (Reader::Desktop, true) => {
                    "il software CIE è già abbinato: inserisci solo le ultime 4 cifre del PIN (paired: type only the last 4 digits)"
                }
                (Reader::Desktop, false) => {
                    "primo abbinamento: inserisci tutte le 8 cifre del PIN (first pairing: type all 8 digits)"
                }
                (Reader::App, _) => {
                    "l'app CieID chiede il PIN di 8 cifre (the CieID app asks for all 8 digits)"
                }
            };
            return PinOutcome::BadEntry(why.into());
        }
        if entry == expected {
            self.pin_failures.clear();
            if reader == Reader::Desktop {
                self.paired = true;
            }
            return PinOutcome::Accepted;
        }
        match self.pin_failures.fail() {
            Try::Exhausted => {
                self.state = CardState::PinBlocked;
                PinOutcome::NowBlocked
            }
            Try::Left(left) => PinOutcome::Wrong { left },
        }
    }

    /// Enters the PUK and a new 8-digit PIN (CieID app or CIE software, "sblocco PIN").
    ///
    /// A right PUK unblocks the PIN, sets the new one and clears both counters; the desktop
    /// pairing is undone, as it was made with the old PIN (our reading). 10 wrong PUKs kill the
    /// card. Expired and revoked cards cannot be unblocked.
    pub fn enter_puk(&mut self, puk: &str, new_pin: &str, today: Date) -> PukOutcome {
        match self.unusable(today) {
            None | Some(CardUnusable::PinBlocked) => {}
            Some(why) => return PukOutcome::Unusable(why),
        }
        let puk = puk.trim();
        let new_pin = new_pin.trim();
        if !is_digits(puk, 8) {
            return PukOutcome::BadEntry("il PUK ha 8 cifre (the PUK has 8 digits)".into());
        }
        if !is_digits(new_pin, 8) {
            return PukOutcome::BadEntry(
                "il nuovo PIN deve avere 8 cifre (the new PIN must have 8 digits)".into(),
            );
        }
        if puk == self.spec.puk {
            self.pin = new_pin.to_string();
            self.pin_failures.clear();
            self.puk_failures.clear();
            self.state = CardState::Active;
            self.paired = false;
            return PukOutcome::Unblocked;
        }
        match self.puk_failures.fail() {
            Try::Exhausted => {
                self.state = CardState::Dead;
                PukOutcome::NowDead
            }
            Try::Left(left) => PukOutcome::Wrong { left },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 01 - 15);

    fn card() -> Card {
        Card::new(CardSpec {
            number: "CA00001AA".into(),
            holder: "mario.rossi".into(),
            pin: "12345678".into(),
            puk: "87654321".into(),
            expires: date!(2032 - 01 - 01),
            revoked: false,
            note: String::new(),
        })
    }

    #[rstest]
    #[case::app_full_pin(Reader::App, "12345678", PinOutcome::Accepted)]
    #[case::desktop_first_pairing_full(Reader::Desktop, "12345678", PinOutcome::Accepted)]
    #[case::desktop_first_pairing_short(
        Reader::Desktop,
        "5678",
        PinOutcome::BadEntry(String::new())
    )]
    #[case::app_short(Reader::App, "5678", PinOutcome::BadEntry(String::new()))]
    #[case::letters(Reader::App, "1234567a", PinOutcome::BadEntry(String::new()))]
    #[case::wrong(Reader::App, "12345679", PinOutcome::Wrong { left: 2 })]
    fn first_pin_entry(#[case] reader: Reader, #[case] entry: &str, #[case] out: PinOutcome) {
        let mut c = card();
        let got = c.enter_pin(entry, reader, TODAY);
        match (&got, &out) {
            (PinOutcome::BadEntry(_), PinOutcome::BadEntry(_)) => {
                assert_eq!(c.pin_failures(), 0, "a bad entry is not counted")
            }
            _ => assert_eq!(got, out),
        }
    }

    #[test]
    fn after_pairing_the_desktop_wants_the_last_four() {
        let mut c = card();
        assert_eq!(
            c.enter_pin("12345678", Reader::Desktop, TODAY),
            PinOutcome::Accepted
        );
        assert!(c.paired());
        assert!(matches!(
            c.enter_pin("12345678", Reader::Desktop, TODAY),
            PinOutcome::BadEntry(_)
        ));
        assert_eq!(
            c.enter_pin("5678", Reader::Desktop, TODAY),
            PinOutcome::Accepted
        );
        assert_eq!(
            c.enter_pin("1234", Reader::Desktop, TODAY),
            PinOutcome::Wrong { left: 2 }
        );
        // The app still asks for all 8.
        assert_eq!(
            c.enter_pin("12345678", Reader::App, TODAY),
            PinOutcome::Accepted
        );
    }

    #[rstest]
    #[case(1, PinOutcome::Wrong { left: 2 })]
    #[case(2, PinOutcome::Wrong { left: 1 })]
    #[case(3, PinOutcome::NowBlocked)]
    #[case(4, PinOutcome::Unusable(CardUnusable::PinBlocked))]
    fn wrong_pins_block_at_three(#[case] n: usize, #[case] last: PinOutcome) {
        let mut c = card();
        let mut out = PinOutcome::Accepted;
        for _ in 0..n {
            out = c.enter_pin("00000000", Reader::App, TODAY);
        }
        assert_eq!(out, last);
        // Once blocked even the right PIN is refused.
        if n >= 3 {
            assert_eq!(
                c.enter_pin("12345678", Reader::App, TODAY),
                PinOutcome::Unusable(CardUnusable::PinBlocked)
            );
        }
    }

    #[test]
    fn a_right_pin_resets_the_count() {
        let mut c = card();
        c.enter_pin("00000000", Reader::App, TODAY);
        c.enter_pin("00000000", Reader::App, TODAY);
        assert_eq!(
            c.enter_pin("12345678", Reader::App, TODAY),
            PinOutcome::Accepted
        );
        assert_eq!(
            c.enter_pin("00000000", Reader::App, TODAY),
            PinOutcome::Wrong { left: 2 }
        );
    }

    #[test]
    fn the_puk_unblocks_and_sets_a_new_pin() {
        let mut c = card();
        for _ in 0..3 {
            c.enter_pin("00000000", Reader::Desktop, TODAY);
        }
        assert_eq!(c.state(), CardState::PinBlocked);
        assert_eq!(
            c.enter_puk("11111111", "99998888", TODAY),
            PukOutcome::Wrong { left: 9 }
        );
        assert!(matches!(
            c.enter_puk("87654321", "9999", TODAY),
            PukOutcome::BadEntry(_)
        ));
        assert_eq!(c.puk_failures(), 1);
        assert_eq!(
            c.enter_puk("87654321", "99998888", TODAY),
            PukOutcome::Unblocked
        );
        assert_eq!((c.state(), c.puk_failures()), (CardState::Active, 0));
        assert_eq!(c.current_pin(), "99998888");
        assert_eq!(
            c.enter_pin("12345678", Reader::App, TODAY),
            PinOutcome::Wrong { left: 2 }
        );
        assert_eq!(
            c.enter_pin("99998888", Reader::App, TODAY),
            PinOutcome::Accepted
        );
    }

    #[rstest]
    #[case(9, PukOutcome::Wrong { left: 1 })]
    #[case(10, PukOutcome::NowDead)]
    #[case(11, PukOutcome::Unusable(CardUnusable::Dead))]
    fn ten_wrong_puks_kill_the_card(#[case] n: usize, #[case] last: PukOutcome) {
        let mut c = card();
        let mut out = PukOutcome::Unblocked;
        for _ in 0..n {
            out = c.enter_puk("00000000", "11112222", TODAY);
        }
        assert_eq!(out, last);
    }

    #[rstest]
    #[case::expired(date!(2032 - 01 - 02), false, CardUnusable::Expired)]
    #[case::revoked(TODAY, true, CardUnusable::Revoked)]
    fn expired_and_revoked_cards(
        #[case] today: Date,
        #[case] revoked: bool,
        #[case] why: CardUnusable,
    ) {
        let mut c = card();
        c.spec.revoked = revoked;
        assert_eq!(
            c.enter_pin("12345678", Reader::App, today),
            PinOutcome::Unusable(why)
        );
        assert_eq!(
            c.enter_puk("87654321", "11112222", today),
            PukOutcome::Unusable(why)
        );
        assert_eq!(c.pin_failures(), 0);
    }

    #[test]
    fn the_expiry_day_itself_is_valid() {
        let mut c = card();
        assert_eq!(
            c.enter_pin("12345678", Reader::App, date!(2032 - 01 - 01)),
            PinOutcome::Accepted
        );
    }

    #[derive(Debug, Clone)]
    enum Attempt {
        Pin(String, Reader),
        Puk(String, String),
    }

    fn attempt() -> impl Strategy<Value = Attempt> {
        // Mostly well-formed digits, including the card's own PIN and PUK, so that the right
        // codes are tried too.
        let code8 = prop_oneof![
            Just("12345678".to_string()),
            Just("87654321".to_string()),
            "[0-9]{8}",
            "[0-9]{4}",
            ".{0,10}",
        ];
        prop_oneof![
            (
                code8.clone(),
                prop_oneof![Just(Reader::App), Just(Reader::Desktop)]
            )
                .prop_map(|(p, r)| Attempt::Pin(p, r)),
            (code8.clone(), code8).prop_map(|(p, n)| Attempt::Puk(p, n)),
        ]
    }

    proptest! {
        /// Once dead, no sequence of PIN or PUK attempts (the right ones included) brings a
        /// card back, and it stays dead.
        #[test]
        fn no_sequence_revives_a_dead_card(attempts in proptest::collection::vec(attempt(), 0..60)) {
            let mut c = card();
            for _ in 0..PUK_TRIES {
                c.enter_puk("00000000", "11112222", TODAY);
            }
            prop_assert_eq!(c.state(), CardState::Dead);
            for a in attempts {
                match a {
                    Attempt::Pin(p, r) => prop_assert_eq!(
                        c.enter_pin(&p, r, TODAY),
                        PinOutcome::Unusable(CardUnusable::Dead)
                    ),
                    Attempt::Puk(p, n) => prop_assert_eq!(
                        c.enter_puk(&p, &n, TODAY),
                        PukOutcome::Unusable(CardUnusable::Dead)
                    ),
                }
                prop_assert_eq!(c.state(), CardState::Dead);
            }
        }

        /// The PIN never blocks before the third consecutive wrong entry, and the card never
        /// dies while PUK failures are below ten.
        #[test]
        fn counters_never_exceed_their_limits(attempts in proptest::collection::vec(attempt(), 0..60)) {
            let mut c = card();
            for a in attempts {
                match a {
                    Attempt::Pin(p, r) => { c.enter_pin(&p, r, TODAY); }
                    Attempt::Puk(p, n) => { c.enter_puk(&p, &n, TODAY); }
                }
                prop_assert!(c.pin_failures() <= PIN_TRIES);
                prop_assert!(c.puk_failures() <= PUK_TRIES);
                prop_assert_eq!(c.state() == CardState::Dead, c.puk_failures() >= PUK_TRIES);
            }
        }
    }
}
