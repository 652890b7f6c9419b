//! Italian codice fiscale for natural persons: computing it from personal data and validating it.
//!
//! The 16-character code is laid out as follows (positions are 1-based):
//!
//! | positions | content                                                        |
//! |-----------|----------------------------------------------------------------|
//! | 1-3       | surname letters (consonants, then vowels, then `X` padding)    |
//! | 4-6       | name letters (1st, 3rd and 4th consonant when there are 4+)    |
//! | 7-8       | last two digits of the birth year                              |
//! | 9         | birth month letter, `A B C D E H L M P R S T` for Jan-Dec      |
//! | 10-11     | birth day, plus 40 for women                                   |
//! | 12-15     | Belfiore code of the birth place (`Z` + 3 digits abroad)       |
//! | 16        | check character                                                |
//!
//! When two people would get the same code, the revenue agency replaces digits with
//! letters (omocodia, `L M N P Q R S T U V` for `0`-`9`) starting from the rightmost
//! digit. [`compute`] always returns the base code; [`validate`] accepts both forms.

/// Month letters, January first.
const MONTH_LETTERS: [u8; 12] = *b"ABCDEHLMPRST";

/// Letters that stand in for the digits `0`-`9` in omocodic codes.
const OMOCODIA_LETTERS: [u8; 10] = *b"LMNPQRSTUV";

/// Zero-based positions that hold digits (or their omocodia letters) in a code.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];

/// Values of the characters in odd (1st, 3rd, ..., 15th) positions for the check
/// character, indexed by letter (`A` = 0). A digit weighs the same as the letter with
/// the same index (`0` like `A`, `1` like `B`, ...).
const ODD_POSITION_VALUES: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // A B C D E F G H I J
    2, 4, 18, 20, 11, 3, 6, 8, 12, 14, // K L M N O P Q R S T
    16, 10, 22, 25, 24, 23, // U V W X Y Z
];

/// Sex as recorded in the codice fiscale (it shifts the day of birth by 40 for women).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Female: the day of birth is written as day + 40.
    Female,
    /// Male: the day of birth is written as is.
    Male,
}

/// Why a codice fiscale could not be computed or is not valid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FiscalCodeError {
    /// A surname or name has no letters once spaces, apostrophes and accents are removed.
    #[error(
        "the {field} has no letters once spaces, apostrophes and hyphens are removed; \
         pass the person's {field} with at least one letter"
    )]
    EmptyName {
        /// Which input was empty: `"surname"` or `"name"`.
        field: &'static str,
    },

    /// A surname or name contains a character with no plain Latin-letter equivalent.
    #[error(
        "the {field} contains {character:?}, which has no A-Z equivalent; \
         transliterate it to Latin letters before computing the code"
    )]
    UnsupportedCharacter {
        /// Which input held the character: `"surname"` or `"name"`.
        field: &'static str,
        /// The offending character.
        character: char,
    },

    /// The birth date does not exist in the calendar (or the year is not four digits).
    #[error(
        "birth date {year:04}-{month:02}-{day:02} does not exist; use a four-digit year, \
         a month 1-12 and a day that fits that month (29 February only in leap years)"
    )]
    InvalidDate {
        /// Year as given.
        year: i32,
        /// Month as given.
        month: u8,
        /// Day as given.
        day: u8,
    },

    /// The birth-place code is not one letter followed by three digits.
    #[error(
        "birth place code {found:?} is not a Belfiore code; it must be one letter and three \
         digits, e.g. H501 for Rome or Z404 for someone born in the USA"
    )]
    InvalidBelfiore {
        /// The code as given.
        found: String,
    },

    /// The code does not have 16 characters.
    #[error(
        "a personal codice fiscale has 16 characters but {found} were given; \
         remove spaces or separators and check that no character is missing or doubled"
    )]
    WrongLength {
        /// Number of characters found.
        found: usize,
    },

    /// A character is not allowed at its position.
    #[error(
        "character {found:?} at position {position} is not allowed: expected {expected}; \
         codes use uppercase A-Z and 0-9 only"
    )]
    InvalidCharacter {
        /// One-based position of the character.
        position: usize,
        /// The character found there.
        found: char,
        /// What belongs at that position.
        expected: &'static str,
    },

    /// The month letter (position 9) is not one of the twelve month letters.
    #[error(
        "month letter {found:?} at position 9 is not a month; \
         use one of A B C D E H L M P R S T for January to December"
    )]
    InvalidMonth {
        /// The letter found.
        found: char,
    },

    /// The day field (positions 10-11) is outside 01-31 and 41-71.
    #[error(
        "day of birth {found:02} at positions 10-11 is out of range; \
         it must be 01-31 for men or 41-71 for women (day + 40)"
    )]
    InvalidDay {
        /// The two-digit day value, after undoing any omocodia letters.
        found: u8,
    },

    /// The last character does not match the one computed from the first fifteen.
    #[error(
        "check character is {found:?} but the first 15 characters give {expected:?}; \
         look for a typo in the code, or recompute the last character"
    )]
    CheckCharacterMismatch {
        /// Check character computed from the first fifteen characters.
        expected: char,
        /// Check character present in the code.
        found: char,
    },
}

/// Builds the 16-character codice fiscale of a person born in Italy or abroad.
///
/// `birth` is `(year, month, day)`; `belfiore` is the code of the municipality of birth,
/// or `Z` + 3 digits for a foreign country (case-insensitive). Accents are folded to
/// plain letters and spaces, apostrophes, hyphens and dots are dropped, so `"D'Angelò"`
/// is read as `DANGELO`.
///
/// # Errors
///
/// [`FiscalCodeError::EmptyName`] or [`FiscalCodeError::UnsupportedCharacter`] for a
/// surname or name that cannot be reduced to A-Z letters,
/// [`FiscalCodeError::InvalidDate`] for a date that does not exist, and
/// [`FiscalCodeError::InvalidBelfiore`] for a malformed birth-place code.
pub fn compute(
    surname: &str,
    name: &str,
    birth: (i32, u8, u8),
    gender: Gender,
    belfiore: &str,
) -> Result<String, FiscalCodeError> {
    let surname_letters = normalise_name(surname, "surname")?;
    let name_letters = normalise_name(name, "name")?;
    let (year, month, day) = birth;
    check_date(year, month, day)?;
    let place = normalise_belfiore(belfiore)?;

    let mut code = String::with_capacity(16);
    code.push_str(&surname_part(&surname_letters));
    code.push_str(&name_part(&name_letters));
    push_two_digits(&mut code, year.rem_euclid(100));
    // check_date guarantees 1 <= month <= 12.
    code.push(char::from(MONTH_LETTERS[usize::from(month - 1)]));
    let coded_day = match gender {
        Gender::Male => day,
        Gender::Female => day + 40,
    };
    push_two_digits(&mut code, i32::from(coded_day));
    code.push_str(&place);
    code.push(check_character(code.as_bytes()));
    Ok(code)
}

/// Checks that `code` is a well-formed personal codice fiscale with a correct check character.
///
/// The code must be uppercase with no separators. Omocodic codes (digits replaced by
/// `L M N P Q R S T U V`) are accepted.
///
/// # Errors
///
/// The first problem found, checked in this order: length, characters allowed at each
/// position, month letter, day range, check character.
pub fn validate(code: &str) -> Result<(), FiscalCodeError> {
    let length = code.chars().count();
    if length != 16 {
        return Err(FiscalCodeError::WrongLength { found: length });
    }
    // Any non-ASCII character is reported with its (1-based) position below.
    for (index, c) in code.chars().enumerate() {
        if !c.is_ascii() {
            return Err(FiscalCodeError::InvalidCharacter {
                position: index + 1,
                found: c,
                expected: expected_at(index),
            });
        }
    }
    let bytes = code.as_bytes();

    for (index, &b) in bytes.iter().enumerate() {
        let allowed = if DIGIT_POSITIONS.contains(&index) {
            b.is_ascii_digit() || OMOCODIA_LETTERS.contains(&b)
        } else {
            b.is_ascii_uppercase()
        };
        if !allowed {
            return Err(FiscalCodeError::InvalidCharacter {
                position: index + 1,
                found: char::from(b),
                expected: expected_at(index),
            });
        }
    }

    if !MONTH_LETTERS.contains(&bytes[8]) {
        return Err(FiscalCodeError::InvalidMonth {
            found: char::from(bytes[8]),
        });
    }

    let day = digit_value(bytes[9]) * 10 + digit_value(bytes[10]);
    if !matches!(day, 1..=31 | 41..=71) {
        return Err(FiscalCodeError::InvalidDay { found: day });
    }

    let expected = check_character(&bytes[..15]);
    let found = char::from(bytes[15]);
    if expected != found {
        return Err(FiscalCodeError::CheckCharacterMismatch { expected, found });
    }
    Ok(())
}

/// Appends `value` (0-99) as two decimal digits.
fn push_two_digits(code: &mut String, value: i32) {
    for digit in [value / 10 % 10, value % 10] {
        code.push(char::from_digit(digit.unsigned_abs(), 10).unwrap_or('0'));
    }
}

/// Describes what belongs at a zero-based position, for error messages.
fn expected_at(index: usize) -> &'static str {
    match index {
        0..=5 => "a letter A-Z (surname and name letters)",
        6 | 7 => "a digit 0-9 or an omocodia letter L M N P Q R S T U V (birth year)",
        8 => "a month letter A B C D E H L M P R S T",
        9 | 10 => "a digit 0-9 or an omocodia letter L M N P Q R S T U V (birth day)",
        11 => "a letter A-Z (first character of the Belfiore code)",
        12..=14 => "a digit 0-9 or an omocodia letter L M N P Q R S T U V (Belfiore code)",
        _ => "a letter A-Z (check character)",
    }
}

/// Value 0-9 of a digit, or of the omocodia letter standing in for it.
///
/// Only called on bytes already checked to be digits or omocodia letters.
fn digit_value(b: u8) -> u8 {
    if b.is_ascii_digit() {
        b - b'0'
    } else {
        OMOCODIA_LETTERS
            .iter()
            .position(|&l| l == b)
            .and_then(|p| u8::try_from(p).ok())
            .unwrap_or(0)
    }
}

/// Computes the check character from the first fifteen characters (uppercase ASCII).
fn check_character(first_fifteen: &[u8]) -> char {
    let sum: u32 = first_fifteen
        .iter()
        .take(15)
        .enumerate()
        .map(|(index, &b)| {
            // Digits weigh like the letter with the same index: '0' like 'A', and so on.
            let rank = if b.is_ascii_digit() {
                b - b'0'
            } else {
                b - b'A'
            };
            if index % 2 == 0 {
                // 1st, 3rd, ... character (odd in the official 1-based numbering).
                ODD_POSITION_VALUES[usize::from(rank)]
            } else {
                u32::from(rank)
            }
        })
        .sum();
    // sum % 26 is below 26, so the cast cannot truncate.
    char::from(b'A' + (sum % 26) as u8)
}

/// Surname part: consonants, then vowels, then `X`, first three.
fn surname_part(letters: &[u8]) -> String {
    let (consonants, vowels) = split_letters(letters);
    consonants
        .iter()
        .chain(vowels.iter())
        .chain([b'X'; 3].iter())
        .take(3)
        .map(|&b| char::from(b))
        .collect()
}

/// Name part: 1st, 3rd and 4th consonant if there are four or more, else as for surnames.
fn name_part(letters: &[u8]) -> String {
    let (consonants, _) = split_letters(letters);
    if consonants.len() >= 4 {
        [consonants[0], consonants[2], consonants[3]]
            .iter()
            .map(|&b| char::from(b))
            .collect()
    } else {
        surname_part(letters)
    }
}

/// Splits uppercase letters into (consonants, vowels), keeping their order.
fn split_letters(letters: &[u8]) -> (Vec<u8>, Vec<u8>) {
    letters
        .iter()
        .partition(|b| !matches!(b, b'A' | b'E' | b'I' | b'O' | b'U'))
}

/// Reduces a surname or name to uppercase A-Z letters, folding accents and dropping separators.
fn normalise_name(input: &str, field: &'static str) -> Result<Vec<u8>, FiscalCodeError> {
    let mut letters = Vec::with_capacity(input.len());
    for original in input.chars() {
        if is_separator(original) {
            continue;
        }
        // Uppercasing first lets one table serve both cases; it also turns 'ß' into "SS".
        for c in original.to_uppercase() {
            if c.is_ascii_uppercase() {
                letters.push(c as u8);
            } else if let Some(plain) = fold_accented(c) {
                letters.extend_from_slice(plain.as_bytes());
            } else if !is_separator(c) {
                return Err(FiscalCodeError::UnsupportedCharacter {
                    field,
                    character: original,
                });
            }
        }
    }
    if letters.is_empty() {
        return Err(FiscalCodeError::EmptyName { field });
    }
    Ok(letters)
}

/// Characters that are ignored in names: spaces, apostrophes, hyphens, dots, combining accents.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{a0}'
            | '\''
            | '\u{2019}'
            | '\u{2018}'
            | '\u{2bc}'
            | '`'
            | '\u{b4}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '.'
    ) || ('\u{300}'..='\u{36f}').contains(&c)
}

/// Plain-letter spelling of an uppercase accented Latin letter, if it has one.
fn fold_accented(c: char) -> Option<&'static str> {
    let plain = match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'Æ' => "AE",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'Ď' | 'Đ' | 'Ð' => "D",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'Ĥ' | 'Ħ' => "H",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'Ĵ' => "J",
        'Ķ' => "K",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'Œ' => "OE",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'Ŵ' => "W",
        'Ý' | 'Ÿ' | 'Ŷ' => "Y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    };
    Some(plain)
}

/// Fails unless `year-month-day` is a real date with a four-digit year.
fn check_date(year: i32, month: u8, day: u8) -> Result<(), FiscalCodeError> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if (1000..=9999).contains(&year) && day >= 1 && day <= days_in_month {
        Ok(())
    } else {
        Err(FiscalCodeError::InvalidDate { year, month, day })
    }
}

/// Uppercases and checks a Belfiore code (one letter, three digits).
fn normalise_belfiore(input: &str) -> Result<String, FiscalCodeError> {
    let upper = input.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let well_formed = bytes.len() == 4
        && bytes[0].is_ascii_uppercase()
        && bytes[1..].iter().all(u8::is_ascii_digit);
    if well_formed {
        Ok(upper)
    } else {
        Err(FiscalCodeError::InvalidBelfiore {
            found: input.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computes a code and asserts it equals `expected` and passes validation.
    fn assert_code(
        surname: &str,
        name: &str,
        birth: (i32, u8, u8),
        gender: Gender,
        belfiore: &str,
        expected: &str,
    ) {
        let code = compute(surname, name, birth, gender, belfiore).unwrap();
        assert_eq!(code, expected, "{name} {surname}");
        validate(&code).unwrap();
    }

    // Each expected code below was worked out by hand (letters, date, place, then the
    // check character from the odd/even tables) before being compared with `compute`.

    #[test]
    fn classic_male_born_in_rome() {
        // RSS MRA 80 A 01 H501; odd sum 61 + even sum 37 = 98, 98 mod 26 = 20 -> U.
        assert_code(
            "Rossi",
            "Mario",
            (1980, 1, 1),
            Gender::Male,
            "H501",
            "RSSMRA80A01H501U",
        );
    }

    #[test]
    fn woman_gets_day_plus_forty() {
        // BNC GLI 92 L 55 (15 + 40) F205; 65 + 39 = 104 -> 0 -> A.
        assert_code(
            "Bianchi",
            "Giulia",
            (1992, 7, 15),
            Gender::Female,
            "F205",
            "BNCGLI92L55F205A",
        );
    }

    #[test]
    fn name_with_four_or_more_consonants_takes_first_third_fourth() {
        // ALESSANDRO: consonants L S S N D R -> L, S, N. 82 + 59 = 141 -> 11 -> L.
        assert_code(
            "Verdi",
            "Alessandro",
            (1975, 3, 12),
            Gender::Male,
            "L219",
            "VRDLSN75C12L219L",
        );
    }

    #[test]
    fn name_with_exactly_three_consonants_takes_them_in_order() {
        // NERI -> N R E; CHIARA -> C H R; day 2 + 40. 98 + 48 = 146 -> 16 -> Q.
        assert_code(
            "Neri",
            "Chiara",
            (1984, 10, 2),
            Gender::Female,
            "D612",
            "NRECHR84R42D612Q",
        );
    }

    #[test]
    fn short_surname_is_padded_with_x() {
        // BO -> B O X; EVA -> V E A; day 5 + 40. 102 + 48 = 150 -> 20 -> U.
        assert_code(
            "Bo",
            "Eva",
            (2001, 12, 5),
            Gender::Female,
            "F839",
            "BOXVEA01T45F839U",
        );
    }

    #[test]
    fn foreign_born_with_short_names_uses_z_code() {
        // WU -> W U X; LI -> L I X; China Z210. 109 + 91 = 200 -> 18 -> S.
        assert_code(
            "Wu",
            "Li",
            (1988, 6, 30),
            Gender::Male,
            "Z210",
            "WUXLIX88H30Z210S",
        );
    }

    #[test]
    fn born_in_the_usa() {
        // SMITH -> S M T; JOHN -> J H N. 104 + 69 = 173 -> 17 -> R.
        assert_code(
            "Smith",
            "John",
            (1979, 4, 18),
            Gender::Male,
            "Z404",
            "SMTJHN79D18Z404R",
        );
    }

    #[test]
    fn apostrophe_and_accents_are_stripped() {
        // D'AMICO -> D M C; NICCOLÒ -> N C C L (4 consonants) -> N C L. 60 + 45 = 105 -> 1 -> B.
        assert_code(
            "D'Amico",
            "Niccolò",
            (1990, 10, 20),
            Gender::Male,
            "H501",
            "DMCNCL90R20H501B",
        );
        // Same person written with a typographic apostrophe and a decomposed accent.
        assert_code(
            "D\u{2019}Amico",
            "Niccolo\u{300}",
            (1990, 10, 20),
            Gender::Male,
            "h501",
            "DMCNCL90R20H501B",
        );
    }

    #[test]
    fn umlaut_is_folded() {
        // MÜLLER -> M L L; ANNA -> N N A; 28 + 40 = 68. 106 + 40 = 146 -> 16 -> Q.
        assert_code(
            "Müller",
            "Anna",
            (1985, 2, 28),
            Gender::Female,
            "A952",
            "MLLNNA85B68A952Q",
        );
    }

    #[test]
    fn multi_word_surname_and_year_2000() {
        // DE LUCA -> D L C; SOFIA -> S F O; 29 Feb 2000 (leap). 67 + 55 = 122 -> 18 -> S.
        assert_code(
            "De Luca",
            "Sofia",
            (2000, 2, 29),
            Gender::Female,
            "A662",
            "DLCSFO00B69A662S",
        );
    }

    #[test]
    fn normalisation_matches_the_documented_examples() {
        assert_eq!(normalise_name("D'Angelò", "surname").unwrap(), b"DANGELO");
        assert_eq!(normalise_name("Niccolò", "name").unwrap(), b"NICCOLO");
        assert_eq!(normalise_name("Müller", "surname").unwrap(), b"MULLER");
        assert_eq!(normalise_name("Strauß", "surname").unwrap(), b"STRAUSS");
    }

    #[test]
    fn validate_accepts_omocodia() {
        // Last digit 1 -> M: odd weight of '1' is 0, of 'M' is 18, so 116 mod 26 = 12 -> M.
        validate("RSSMRA80A01H50MM").unwrap();
        // All seven digits replaced (8 0 0 1 5 0 1 -> U L L M R L M): 89 + 70 = 159 -> D.
        validate("RSSMRAULALMHRLMD").unwrap();
        // Omocodia letters in the day are decoded before the range check (QR = 45):
        // BOXVEA01T45F839U with 4 -> Q, 5 -> R gives 97 + 60 = 157 -> B.
        validate("BOXVEA01TQRF839B").unwrap();
    }

    #[test]
    fn validate_accepts_every_computed_code() {
        for code in [
            "RSSMRA80A01H501U",
            "BNCGLI92L55F205A",
            "VRDLSN75C12L219L",
            "BOXVEA01T45F839U",
            "WUXLIX88H30Z210S",
            "DMCNCL90R20H501B",
        ] {
            assert_eq!(validate(code), Ok(()), "{code}");
        }
    }

    #[test]
    fn omocodia_without_a_new_check_character_is_rejected() {
        assert_eq!(
            validate("RSSMRA80A01H50MU"),
            Err(FiscalCodeError::CheckCharacterMismatch {
                expected: 'M',
                found: 'U'
            })
        );
    }

    #[test]
    fn error_empty_name() {
        assert_eq!(
            compute(" ' ", "Mario", (1980, 1, 1), Gender::Male, "H501"),
            Err(FiscalCodeError::EmptyName { field: "surname" })
        );
        assert_eq!(
            compute("Rossi", "", (1980, 1, 1), Gender::Male, "H501"),
            Err(FiscalCodeError::EmptyName { field: "name" })
        );
    }

    #[test]
    fn error_unsupported_character() {
        assert_eq!(
            compute("Rossi", "Σofia", (1980, 1, 1), Gender::Female, "H501"),
            Err(FiscalCodeError::UnsupportedCharacter {
                field: "name",
                character: 'Σ'
            })
        );
        assert_eq!(
            compute("Rossi2", "Mario", (1980, 1, 1), Gender::Male, "H501"),
            Err(FiscalCodeError::UnsupportedCharacter {
                field: "surname",
                character: '2'
            })
        );
    }

    #[test]
    fn error_invalid_date() {
        for (year, month, day) in [
            (1980, 2, 30),
            (1900, 2, 29),
            (1980, 13, 1),
            (1980, 4, 31),
            (1980, 1, 0),
            (80, 1, 1),
        ] {
            assert_eq!(
                compute("Rossi", "Mario", (year, month, day), Gender::Male, "H501"),
                Err(FiscalCodeError::InvalidDate { year, month, day })
            );
        }
    }

    #[test]
    fn error_invalid_belfiore() {
        for bad in ["H50", "H5011", "1501", "HH01", "", "Hé01"] {
            assert_eq!(
                compute("Rossi", "Mario", (1980, 1, 1), Gender::Male, bad),
                Err(FiscalCodeError::InvalidBelfiore {
                    found: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn error_wrong_length() {
        assert_eq!(
            validate("RSSMRA80A01H501"),
            Err(FiscalCodeError::WrongLength { found: 15 })
        );
        assert_eq!(
            validate("RSS MRA 80A01 H501U"),
            Err(FiscalCodeError::WrongLength { found: 19 })
        );
        assert_eq!(validate(""), Err(FiscalCodeError::WrongLength { found: 0 }));
    }

    #[test]
    fn error_invalid_character() {
        for (code, at, bad) in [
            // Lowercase is rejected: codes are written in capitals.
            ("rssmra80a01h501u", 1, 'r'),
            // A digit where a name letter belongs.
            ("RSSMR180A01H501U", 6, '1'),
            // A letter that is not an omocodia letter where a digit belongs.
            ("RSSMRA8AA01H501U", 8, 'A'),
            // Non-ASCII characters are reported by character position, not byte offset.
            ("RSSMRÀ80A01H501U", 6, 'À'),
        ] {
            assert!(
                matches!(
                    validate(code),
                    Err(FiscalCodeError::InvalidCharacter { position, found, .. })
                        if position == at && found == bad
                ),
                "{code}"
            );
        }
    }

    #[test]
    fn error_invalid_month() {
        assert_eq!(
            validate("RSSMRA80F01H501U"),
            Err(FiscalCodeError::InvalidMonth { found: 'F' })
        );
    }

    #[test]
    fn error_invalid_day() {
        for (code, day) in [
            ("RSSMRA80A00H501U", 0),
            ("RSSMRA80A32H501U", 32),
            ("RSSMRA80A40H501U", 40),
            ("RSSMRA80A72H501U", 72),
            ("RSSMRA80AV9H501U", 99),
        ] {
            assert_eq!(
                validate(code),
                Err(FiscalCodeError::InvalidDay { found: day }),
                "{code}"
            );
        }
    }

    #[test]
    fn error_check_character_mismatch() {
        assert_eq!(
            validate("RSSMRA80A01H501A"),
            Err(FiscalCodeError::CheckCharacterMismatch {
                expected: 'U',
                found: 'A'
            })
        );
    }

    #[test]
    fn error_messages_say_what_to_fix() {
        let message = FiscalCodeError::WrongLength { found: 15 }.to_string();
        assert!(
            message.contains("16") && message.contains("15"),
            "{message}"
        );
        let message = FiscalCodeError::CheckCharacterMismatch {
            expected: 'U',
            found: 'A',
        }
        .to_string();
        assert!(
            message.contains("'U'") && message.contains("'A'"),
            "{message}"
        );
    }
}
