//! Reading untrusted XML: guards against DTDs and entities, then a small navigation layer over
//! the uppsala DOM that bergshamra verifies signatures on, so each message is parsed once.

use uppsala::{Document, NodeId, NodeKind};

/// Largest XML message we accept, before or after inflation (256 KiB).
pub const MAX_XML_BYTES: usize = 256 * 1024;

/// Why an XML message was refused before or while parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// A document type declaration (and with it entity declarations) was present.
    #[error("the XML carries a DOCTYPE or ENTITY declaration, which SAML messages must not have")]
    Doctype,
    /// The message is larger than [`MAX_XML_BYTES`].
    #[error("the XML is {0} bytes, over the 256 KiB limit")]
    TooLarge(usize),
    /// The text is not well-formed XML.
    #[error("the XML is not well-formed: {0}")]
    Malformed(String),
}

/// Refuses what no SAML message may contain, before any parser sees it.
pub fn guard(xml: &str) -> Result<(), XmlError> {
    if xml.len() > MAX_XML_BYTES {
        return Err(XmlError::TooLarge(xml.len()));
    }
    if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
        return Err(XmlError::Doctype);
    }
    Ok(())
}

/// A parsed, guarded XML document.
pub struct XmlDoc<'a> {
    doc: Document<'a>,
}

impl<'a> XmlDoc<'a> {
    /// Guards then parses `xml`.
    pub fn parse(xml: &'a str) -> Result<Self, XmlError> {
        guard(xml)?;
        let doc = uppsala::parse(xml).map_err(|e| XmlError::Malformed(e.to_string()))?;
        Ok(Self { doc })
    }

    /// The document element.
    pub fn root(&self) -> Option<Node<'_, 'a>> {
        self.doc
            .document_element()
            .map(|id| Node { doc: &self.doc, id })
    }

    /// The underlying uppsala document (for signature verification).
    pub fn document(&self) -> &Document<'a> {
        &self.doc
    }

    /// A node by id.
    pub fn node(&self, id: NodeId) -> Node<'_, 'a> {
        Node { doc: &self.doc, id }
    }
}

/// An element of a parsed document.
#[derive(Clone, Copy)]
pub struct Node<'d, 'a> {
    doc: &'d Document<'a>,
    id: NodeId,
}

impl<'d, 'a> Node<'d, 'a> {
    /// The node id in the document.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// True when this element has namespace `ns` and local name `local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.doc
            .element(self.id)
            .is_some_and(|e| e.name.matches(Some(ns), local))
    }

    /// The local name.
    pub fn local_name(&self) -> &'d str {
        self.doc
            .element(self.id)
            .map(|e| &*e.name.local_name)
            .unwrap_or("")
    }

    /// The namespace URI.
    pub fn namespace(&self) -> Option<&'d str> {
        self.doc
            .element(self.id)
            .and_then(|e| e.name.namespace_uri.as_deref())
    }

    /// An unqualified attribute's value.
    pub fn attr(&self, name: &str) -> Option<&'d str> {
        self.doc.element(self.id).and_then(|e| {
            e.attributes
                .iter()
                .find(|a| a.name.namespace_uri.is_none() && *a.name.local_name == *name)
                .map(|a| &*a.value)
        })
    }

    /// A namespaced attribute's value.
    pub fn attr_ns(&self, ns: &str, name: &str) -> Option<&'d str> {
        self.doc.get_attribute_ns(self.id, ns, name)
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = Node<'d, 'a>> + 'd {
        let doc = self.doc;
        doc.children_iter(self.id)
            .filter(move |c| matches!(doc.node_kind(*c), Some(NodeKind::Element(_))))
            .map(move |id| Node { doc, id })
    }

    /// Child elements named `ns:local`.
    pub fn children(&self, ns: &'d str, local: &'d str) -> impl Iterator<Item = Node<'d, 'a>> + 'd {
        self.elements().filter(move |n| n.is(ns, local))
    }

    /// The first child element named `ns:local`.
    pub fn child(&self, ns: &'d str, local: &'d str) -> Option<Node<'d, 'a>> {
        self.children(ns, local).next()
    }

    /// The concatenated text of this element and its descendants.
    pub fn text(&self) -> String {
        self.doc.text_content_deep(self.id)
    }

    /// True when any descendant (or this node) is a comment.
    pub fn has_comment(&self) -> bool {
        self.doc
            .descendants(self.id)
            .into_iter()
            .any(|d| matches!(self.doc.node_kind(d), Some(NodeKind::Comment(_))))
    }

    /// Byte range of this element in the source text.
    pub fn source_range(&self) -> Option<std::ops::Range<usize>> {
        self.doc.node_range(self.id)
    }

    /// Descendant elements (depth first) named `ns:local`, this one included.
    pub fn descendants(&self, ns: &'d str, local: &'d str) -> Vec<Node<'d, 'a>> {
        let doc = self.doc;
        let mut all = vec![self.id];
        all.extend(doc.descendants(self.id));
        all.into_iter()
            .map(|id| Node { doc, id })
            .filter(|n| n.is(ns, local))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctype_and_entities_are_refused() {
        let bomb = "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
        assert_eq!(XmlDoc::parse(bomb).err(), Some(XmlError::Doctype));
        assert!(matches!(
            XmlDoc::parse("<a><b></a>").err(),
            Some(XmlError::Malformed(_))
        ));
        let big = format!("<a>{}</a>", "x".repeat(MAX_XML_BYTES));
        assert!(matches!(
            XmlDoc::parse(&big).err(),
            Some(XmlError::TooLarge(_))
        ));
    }

    #[test]
    fn navigation() {
        let xml = r#"<p:a xmlns:p="urn:x" k="v"><p:b>one</p:b><p:b>two</p:b><c/></p:a>"#;
        let doc = XmlDoc::parse(xml).unwrap();
        let root = doc.root().unwrap();
        assert!(root.is("urn:x", "a"));
        assert_eq!(root.attr("k"), Some("v"));
        let texts: Vec<_> = root.children("urn:x", "b").map(|n| n.text()).collect();
        assert_eq!(texts, ["one", "two"]);
        assert_eq!(root.elements().count(), 3);
    }
}
