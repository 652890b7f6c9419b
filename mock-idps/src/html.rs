//! HTML escaping for the pages the mocks write by hand (auto-post forms, the legacy PIN form);
//! the templated pages escape through minijinja.

/// The characters that HTML text and double- or single-quoted attribute values escape.
const HTML: &crate::escape::Entities = &[
    ('&', "&amp;"),
    ('<', "&lt;"),
    ('>', "&gt;"),
    ('"', "&quot;"),
    ('\'', "&#39;"),
];

/// Appends `s` escaped for HTML text and double- or single-quoted attribute values.
pub fn escape_into(out: &mut String, s: &str) {
    crate::escape::escape_into(out, s, HTML);
}

/// `s` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    crate::escape::escape(s, HTML)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::escape("<a href=\"x\">D'Amico & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;D&#39;Amico &amp; co&lt;/a&gt;"
        );
    }
}
