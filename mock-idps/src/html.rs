//! HTML escaping for the pages the mocks write by hand (auto-post forms, the legacy PIN form);
//! the templated pages escape through minijinja.

/// Appends `s` escaped for HTML text and double- or single-quoted attribute values.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
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
