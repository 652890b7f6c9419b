//! Fault switches, apart from what they switch: a reference implementation names each of its
//! checks, lists the names in one or more tables ([`Fault`]), and a [`Faults`] set holds the
//! checks switched off, so that a "mutant" accepts what a check refuses. Both `reference-sp`
//! and `reference-rp` keep their own tables (their protocol knowledge) and use this type for
//! the set, its parsing and its suggestions; nothing here knows SAML or OpenID Connect.
//!
//! ```
//! use fault_switches::{Catalogue, Fault, Faults};
//!
//! #[derive(Debug)]
//! struct Demo;
//! impl Catalogue for Demo {
//!     const TABLES: &'static [&'static [Fault]] = &[&[
//!         Fault { name: "audience", description: "the audience is ours" },
//!         Fault { name: "replay", description: "an ID is consumed once" },
//!     ]];
//! }
//!
//! let off = Faults::<Demo>::parse("replay").unwrap();
//! assert!(off.is_off("replay") && off.on("audience"));
//! let wrong = Faults::<Demo>::parse("audiance").unwrap_err();
//! assert_eq!(wrong.to_string(), "unknown fault switch \"audiance\" (did you mean \"audience\"?)");
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;

/// One switch: its stable name and what switching it off disables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The stable kebab-case name (`--faults NAME,...`).
    pub name: &'static str,
    /// One line: what the implementation stops checking (or starts doing wrong) when it is off.
    pub description: &'static str,
}

/// Declares a crate's catalogue: the marker type, its tables, the set type over it, and a test
/// that the tables are well formed ([`Faults::check_catalogue`]).
///
/// ```
/// static ALL: &[fault_switches::Fault] = fault_switches::table!("replay: once\n");
/// fault_switches::catalogue! {
///     /// The demo's switch set.
///     pub type Faults = Faults<DemoSwitches>[ALL];
/// }
/// assert!(Faults::parse("replay").unwrap().is_off("replay"));
/// ```
#[macro_export]
macro_rules! catalogue {
    ($(#[$doc:meta])* $vis:vis type $alias:ident = Faults<$marker:ident>[$($table:expr),+ $(,)?];) => {
        /// The tables of this crate's fault switches.
        #[derive(Debug, Clone, Copy)]
        $vis struct $marker;

        impl $crate::Catalogue for $marker {
            const TABLES: &'static [&'static [$crate::Fault]] = &[$($table),+];
        }

        $(#[$doc])*
        $vis type $alias = $crate::Faults<$marker>;

        #[cfg(test)]
        #[test]
        fn the_fault_catalogue_is_well_formed() {
            assert_eq!($crate::Faults::<$marker>::check_catalogue(), Ok(()));
        }
    };
}

/// A table of switches from its text, at compile time: one switch a line, `name: what
/// switching it off disables`; blank lines and lines starting with `#` are skipped. A line
/// without `:` or without a description stops the build.
///
/// ```
/// static ALL: &[fault_switches::Fault] =
///     fault_switches::table!("# two switches\naudience: the audience is ours\n\nreplay: once\n");
/// assert_eq!((ALL.len(), ALL[1].name, ALL[1].description), (2, "replay", "once"));
/// ```
#[macro_export]
macro_rules! table {
    ($text:expr) => {{
        const TEXT: &str = $text;
        &$crate::parse_table::<{ $crate::count_rows(TEXT) }>(TEXT)
    }};
}

/// How many switches the text of a table lists (see [`table!`]).
pub const fn count_rows(text: &'static str) -> usize {
    let mut rest = text;
    let mut n = 0;
    while !rest.is_empty() {
        let (line, tail) = next_row(rest);
        if line.is_some() {
            n += 1;
        }
        rest = tail;
    }
    n
}

/// The `N` switches of the text of a table (see [`table!`], which counts them).
pub const fn parse_table<const N: usize>(text: &'static str) -> [Fault; N] {
    let mut table = [Fault {
        name: "",
        description: "",
    }; N];
    let mut rest = text;
    let mut k = 0;
    while !rest.is_empty() {
        let (line, tail) = next_row(rest);
        rest = tail;
        let Some(line) = line else { continue };
        let bytes = line.as_bytes();
        let mut colon = 0;
        while colon < bytes.len() && bytes[colon] != b':' {
            colon += 1;
        }
        if colon == bytes.len() {
            panic!("a fault-switch line without ':' between the name and the description");
        }
        let (name, description) = line.split_at(colon);
        let description = description.split_at(1).1.trim_ascii();
        if description.is_empty() {
            panic!("a fault switch without a description");
        }
        table[k] = Fault {
            name: name.trim_ascii(),
            description,
        };
        k += 1;
    }
    table
}

/// The first line of `text` (trimmed; `None` if blank or a `#` comment) and what follows it.
const fn next_row(text: &'static str) -> (Option<&'static str>, &'static str) {
    let bytes = text.as_bytes();
    let mut end = 0;
    while end < bytes.len() && bytes[end] != b'\n' {
        end += 1;
    }
    let (line, rest) = text.split_at(end);
    let rest = if rest.is_empty() {
        rest
    } else {
        rest.split_at(1).1
    };
    let line = line.trim_ascii();
    if line.is_empty() || line.as_bytes()[0] == b'#' {
        (None, rest)
    } else {
        (Some(line), rest)
    }
}

/// The switches one implementation knows: one or more tables, each sorted by name.
pub trait Catalogue {
    /// Every table whose names a set of this catalogue may hold.
    const TABLES: &'static [&'static [Fault]];
}

/// A set of switched-off checks of the catalogue `C`; the default (none) is the strict
/// implementation.
pub struct Faults<C> {
    off: BTreeSet<&'static str>,
    catalogue: PhantomData<fn() -> C>,
}

/// A switch name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault switch {name:?}{}", suggestion.map(|s| format!(" (did you mean {s:?}?)")).unwrap_or_default())]
pub struct UnknownFault {
    /// The name given.
    pub name: String,
    /// The closest known name, when one is close enough.
    pub suggestion: Option<&'static str>,
}

/// A table that breaks the naming rules (see [`check_names`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadTable {
    /// Two names out of order, or the same name twice.
    #[error("{before:?} is listed before {after:?}: a table is sorted by name, each name once")]
    Unsorted {
        /// The earlier name.
        before: &'static str,
        /// The later one.
        after: &'static str,
    },
    /// A name with a character other than a lower-case letter, a digit or `-`.
    #[error("{0:?} is not kebab-case (lower-case letters, digits and '-')")]
    NotKebab(&'static str),
    /// A switch without a description.
    #[error("{0:?} has no description")]
    Undescribed(&'static str),
    /// A name in two tables of one catalogue.
    #[error("{0:?} is in two tables of one catalogue")]
    Twice(&'static str),
}

/// Checks one table: sorted by name, each name once, kebab-case, every switch described.
pub fn check_names(table: &[Fault]) -> Result<(), BadTable> {
    for w in table.windows(2) {
        if w[0].name >= w[1].name {
            return Err(BadTable::Unsorted {
                before: w[0].name,
                after: w[1].name,
            });
        }
    }
    for f in table {
        let kebab = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
        if f.name.is_empty() || !f.name.bytes().all(kebab) {
            return Err(BadTable::NotKebab(f.name));
        }
        if f.description.is_empty() {
            return Err(BadTable::Undescribed(f.name));
        }
    }
    Ok(())
}

impl<C: Catalogue> Faults<C> {
    /// Every check on: the strict implementation.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every switch of the catalogue, table after table.
    pub fn known() -> impl Iterator<Item = &'static Fault> {
        C::TABLES.iter().flat_map(|table| table.iter())
    }

    /// Checks every table of the catalogue ([`check_names`]) and that no name is in two of them.
    pub fn check_catalogue() -> Result<(), BadTable> {
        let mut seen = BTreeSet::new();
        for table in C::TABLES {
            check_names(table)?;
        }
        for f in Self::known() {
            if !seen.insert(f.name) {
                return Err(BadTable::Twice(f.name));
            }
        }
        Ok(())
    }

    /// Parses a comma- or space-separated list of switch names; an empty list is `none()`.
    pub fn parse(list: &str) -> Result<Self, UnknownFault> {
        let mut faults = Self::none();
        for name in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            if !faults.switch_off(name) {
                return Err(UnknownFault {
                    name: name.to_string(),
                    suggestion: Self::closest(name),
                });
            }
        }
        Ok(faults)
    }

    /// Switches one check off; `false` if the name is unknown.
    pub fn switch_off(&mut self, name: &str) -> bool {
        match Self::known().find(|f| f.name == name) {
            Some(f) => {
                self.off.insert(f.name);
                true
            }
            None => false,
        }
    }

    /// Whether the check `name` is switched off.
    pub fn is_off(&self, name: &str) -> bool {
        self.off.contains(name)
    }

    /// Whether the check `name` runs.
    pub fn on(&self, name: &str) -> bool {
        !self.is_off(name)
    }

    /// The switched-off checks, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        self.off.iter().copied().collect()
    }

    /// The known name closest to `name` by edit distance, if within a third of its length
    /// (at least 2).
    fn closest(name: &str) -> Option<&'static str> {
        let limit = (name.len() / 3).max(2);
        Self::known()
            .map(|f| (strsim::levenshtein(name, f.name), f.name))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n)
    }
}

// By hand rather than derived: a derive would ask the catalogue marker for the same traits.
impl<C> Default for Faults<C> {
    fn default() -> Self {
        Self {
            off: BTreeSet::new(),
            catalogue: PhantomData,
        }
    }
}

impl<C> Clone for Faults<C> {
    fn clone(&self) -> Self {
        Self {
            off: self.off.clone(),
            catalogue: PhantomData,
        }
    }
}

impl<C> PartialEq for Faults<C> {
    fn eq(&self, other: &Self) -> bool {
        self.off == other.off
    }
}

impl<C> Eq for Faults<C> {}

impl<C> fmt::Debug for Faults<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults").field("off", &self.off).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;
    impl Catalogue for Two {
        const TABLES: &'static [&'static [Fault]] = &[
            &[
                Fault {
                    name: "audience",
                    description: "a",
                },
                Fault {
                    name: "replay",
                    description: "r",
                },
            ],
            &[Fault {
                name: "state-short",
                description: "s",
            }],
        ];
    }

    #[test]
    fn parse_and_query_across_tables() {
        let f = Faults::<Two>::parse("audience, state-short").unwrap();
        assert!(f.is_off("audience") && f.is_off("state-short") && f.on("replay"));
        assert_eq!(f.names(), vec!["audience", "state-short"]);
        assert_eq!(Faults::<Two>::parse(" ,").unwrap(), Faults::none());
        let mut g = Faults::<Two>::none();
        assert!(g.switch_off("replay") && !g.switch_off("nonsense"));
        assert_eq!(g.names(), vec!["replay"]);
        assert_eq!(format!("{g:?}"), "Faults { off: {\"replay\"} }");
    }

    #[test]
    fn an_unknown_name_gets_the_closest_one_if_close_enough() {
        let e = Faults::<Two>::parse("audience,state-shrt").unwrap_err();
        assert_eq!(
            (e.name.as_str(), e.suggestion),
            ("state-shrt", Some("state-short"))
        );
        assert!(e.to_string().contains("did you mean \"state-short\""));
        let e = Faults::<Two>::parse("zzzzzzzzzzzz").unwrap_err();
        assert_eq!(e.suggestion, None);
        assert_eq!(e.to_string(), "unknown fault switch \"zzzzzzzzzzzz\"");
    }

    #[test]
    fn a_text_table_skips_blanks_and_comments_and_splits_at_the_first_colon() {
        const TEXT: &str = "# comment\n\n  md-acs: metadata: one ACS  \nreplay:once";
        let t = parse_table::<{ count_rows(TEXT) }>(TEXT);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].name, t[0].description),
            ("md-acs", "metadata: one ACS")
        );
        assert_eq!((t[1].name, t[1].description), ("replay", "once"));
    }

    #[test]
    #[should_panic(expected = "without ':'")]
    fn a_text_line_without_a_colon_is_refused() {
        parse_table::<1>("replay once");
    }

    #[test]
    #[should_panic(expected = "without a description")]
    fn a_text_line_without_a_description_is_refused() {
        parse_table::<1>("replay: ");
    }

    #[test]
    fn a_table_out_of_order_or_badly_named_is_refused() {
        let f = |name| Fault {
            name,
            description: "d",
        };
        assert_eq!(check_names(&[f("a"), f("b-2")]), Ok(()));
        assert!(matches!(
            check_names(&[f("b"), f("a")]),
            Err(BadTable::Unsorted { .. })
        ));
        assert!(matches!(
            check_names(&[f("a"), f("a")]),
            Err(BadTable::Unsorted { .. })
        ));
        assert_eq!(check_names(&[f("Upper")]), Err(BadTable::NotKebab("Upper")));
        let blank = Fault {
            name: "a",
            description: "",
        };
        assert_eq!(check_names(&[blank]), Err(BadTable::Undescribed("a")));
        assert_eq!(Faults::<Two>::check_catalogue(), Ok(()));
        struct Dup;
        impl Catalogue for Dup {
            const TABLES: &'static [&'static [Fault]] = &[
                &[Fault {
                    name: "x",
                    description: "d",
                }],
                &[Fault {
                    name: "x",
                    description: "d",
                }],
            ];
        }
        assert_eq!(Faults::<Dup>::check_catalogue(), Err(BadTable::Twice("x")));
    }
}
