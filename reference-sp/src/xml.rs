//! A small XML writer that escapes every text and attribute value.
//!
//! We emit our own messages (AuthnRequest, LogoutRequest/Response, metadata) with this writer
//! rather than samael's serializers, because samael writes text with `BytesText::from_escaped`
//! and never escapes it (samael 0.0.x `BytesText::from_escaped` on text nodes): an entityID, URL or contact string with `&`
//! or `<` would come out as broken or injected XML.

use std::borrow::Cow;

/// Escapes `&`, `<`, `>`, `"` and `'` (quick-xml), plus CR, and LF and TAB in attributes so they
/// survive attribute-value normalization.
pub fn escape(s: &str, attribute: bool) -> Cow<'_, str> {
    let escaped = quick_xml::escape::escape(s);
    let kept_as_reference = |c: char| c == '\r' || (attribute && matches!(c, '\n' | '\t'));
    if !escaped.contains(kept_as_reference) {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 8);
    for c in escaped.chars() {
        match c {
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Streams elements into a string; names are trusted constants, values are escaped.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    open: Vec<&'static str>,
}

impl XmlWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v, true));
            self.out.push('"');
        }
    }

    /// Opens `<name attrs>`.
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(name, attrs);
        self.out.push('>');
        self.open.push(name);
        self
    }

    /// Writes `<name attrs/>`.
    pub fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(name, attrs);
        self.out.push_str("/>");
        self
    }

    /// Writes `<name attrs>text</name>`.
    pub fn leaf(&mut self, name: &'static str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start(name, attrs);
        self.out.push('>');
        self.out.push_str(&escape(text, false));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
        self
    }

    /// Appends trusted markup as is (an XML declaration).
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Closes everything still open and returns the document.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut w = XmlWriter::new();
        w.open("a", &[("x", "1\"<&\n")])
            .leaf("b", &[], "R&D <co>")
            .empty("c", &[]);
        assert_eq!(
            w.finish(),
            "<a x=\"1&quot;&lt;&amp;&#10;\"><b>R&amp;D &lt;co&gt;</b><c/></a>"
        );
        assert_eq!(escape("it's\r\n\t", false), "it&apos;s&#13;\n\t");
        assert_eq!(escape("it's\r\n\t", true), "it&apos;s&#13;&#10;&#9;");
        assert!(matches!(escape("plain", true), Cow::Borrowed("plain")));
    }
}
