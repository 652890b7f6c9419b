//! Our XML builder: every text and attribute value is escaped here, and nowhere else.
//!
//! Elements are written with explicit end tags (never `<x/>`) and attributes in the order given,
//! so that callers who list them in canonical order get output close to exclusive C14N.

use crate::escape::{escape, escape_into, Entities};

/// Builds an XML document as a string, escaping every value it is given.
#[derive(Debug, Default)]
pub struct XmlWriter {
    buf: String,
}

/// An attribute: name and unescaped value.
pub type Attr<'a> = (&'a str, &'a str);

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self {
            buf: String::with_capacity(4096),
        }
    }

    /// Writes `<name attrs…>`.
    pub fn open(&mut self, name: &str, attrs: &[Attr<'_>]) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("=\"");
            escape_attr_into(&mut self.buf, v);
            self.buf.push('"');
        }
        self.buf.push('>');
        self
    }

    /// Writes `<name attrs…>`, skipping attributes whose value is `None`.
    pub fn open_opt(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) -> &mut Self {
        let present: Vec<Attr<'_>> = attrs
            .iter()
            .filter_map(|(k, v)| v.map(|v| (*k, v)))
            .collect();
        self.open(name, &present)
    }

    /// Writes `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// Writes escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_text_into(&mut self.buf, text);
        self
    }

    /// Writes `<name attrs…>text</name>`.
    pub fn leaf(&mut self, name: &str, attrs: &[Attr<'_>], text: &str) -> &mut Self {
        self.open(name, attrs).text(text).close(name)
    }

    /// Writes `<name attrs…></name>`.
    pub fn empty(&mut self, name: &str, attrs: &[Attr<'_>]) -> &mut Self {
        self.open(name, attrs).close(name)
    }

    /// Writes markup that is already well-formed XML (a signed fragment, a comment built by a
    /// conformance mutation). The caller vouches for it.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.buf.push_str(xml);
        self
    }

    /// The document written so far.
    pub fn finish(self) -> String {
        self.buf
    }
}

/// The entities of [`escape_text_into`].
const TEXT: &Entities = &[
    ('&', "&amp;"),
    ('<', "&lt;"),
    ('>', "&gt;"),
    ('\r', "&#xD;"),
];

/// The entities of [`escape_attr_into`].
const ATTR: &Entities = &[
    ('&', "&amp;"),
    ('<', "&lt;"),
    ('"', "&quot;"),
    ('\t', "&#x9;"),
    ('\n', "&#xA;"),
    ('\r', "&#xD;"),
];

/// Escapes character data: `&`, `<`, `>` and carriage return (XML 1.0 §2.4, C14N §2.3).
pub fn escape_text_into(out: &mut String, s: &str) {
    escape_into(out, s, TEXT);
}

/// Escapes an attribute value for double quotes, keeping tabs and newlines through attribute
/// value normalization (XML 1.0 §3.3.3).
pub fn escape_attr_into(out: &mut String, s: &str) {
    escape_into(out, s, ATTR);
}

/// Escapes character data into a new string.
pub fn escape_text(s: &str) -> String {
    escape(s, TEXT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let mut w = XmlWriter::new();
        w.leaf("a", &[("v", "x\"&<y\n")], "D'Amico & <Co> \"q\" Niccolò");
        assert_eq!(
            w.finish(),
            "<a v=\"x&quot;&amp;&lt;y&#xA;\">D'Amico &amp; &lt;Co&gt; \"q\" Niccolò</a>"
        );
    }

    #[test]
    fn optional_attributes_are_skipped() {
        let mut w = XmlWriter::new();
        w.open_opt("a", &[("x", Some("1")), ("y", None)]).close("a");
        assert_eq!(w.finish(), "<a x=\"1\"></a>");
    }
}
