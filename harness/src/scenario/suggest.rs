//! "Did you mean …?" for misspelt keys, step kinds and ids (Jaro-Winkler and edit distance).

/// The candidate closest to `given`, if one is close enough to be a likely typo.
pub fn closest<'a, I>(given: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = given.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let jw = strsim::jaro_winkler(&lower, &c_lower);
            let lev = strsim::levenshtein(&lower, &c_lower);
            (c, jw, lev)
        })
        .filter(|(c, jw, lev)| *jw >= 0.8 || *lev <= (c.len() / 3).max(1))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
        .map(|(c, _, _)| c.to_string())
}

/// `", did you mean \"x\"?"`, or nothing.
pub fn hint<'a, I>(given: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(given, candidates)
        .map(|c| format!("; did you mean {c:?}?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let keys = ["actor", "expect", "covers", "channel"];
        assert_eq!(closest("acter", keys).as_deref(), Some("actor"));
        assert_eq!(closest("expcet", keys).as_deref(), Some("expect"));
        assert_eq!(closest("zzzzzz", keys), None);
        assert_eq!(
            closest("PIN-7", ["PIN-07", "SW-07"]).as_deref(),
            Some("PIN-07")
        );
    }
}
