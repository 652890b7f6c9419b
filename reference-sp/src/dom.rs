//! Small read helpers over an uppsala document (the tree bergshamra verified): children by
//! namespace and local name, attributes, text.

use uppsala::{Document, NodeId};

/// Whether `node` is the element `{ns}local`.
pub fn is(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> bool {
    doc.element(node)
        .is_some_and(|e| e.name.matches(Some(ns), local))
}

/// The element children of `node` named `{ns}local`.
pub fn children<'d>(
    doc: &'d Document<'_>,
    node: NodeId,
    ns: &'d str,
    local: &'d str,
) -> impl Iterator<Item = NodeId> + 'd {
    doc.children_iter(node)
        .filter(move |c| is(doc, *c, ns, local))
}

/// The first element child of `node` named `{ns}local`.
pub fn child(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> Option<NodeId> {
    children(doc, node, ns, local).next()
}

/// `node` and every element below it named `{ns}local`, in document order.
pub fn all_named(doc: &Document<'_>, node: NodeId, ns: &str, local: &str) -> Vec<NodeId> {
    std::iter::once(node)
        .chain(doc.descendants(node))
        .filter(|n| is(doc, *n, ns, local))
        .collect()
}

/// The unqualified attribute `name` of `node`.
pub fn attr<'d>(doc: &'d Document<'_>, node: NodeId, name: &str) -> Option<&'d str> {
    doc.element(node).and_then(|e| e.get_attribute(name))
}

/// The text below `node`, trimmed: every text node joined, comments skipped.
pub fn text(doc: &Document<'_>, node: NodeId) -> String {
    doc.text_content_deep(node).trim().to_string()
}

/// Only the first text node of `node`, trimmed: how SAML libraries hit by CVE-2017-11427 read
/// values (a comment splits the text). Used only by the `text-nodes` mutant.
pub fn first_text_node(doc: &Document<'_>, node: NodeId) -> String {
    doc.children_iter(node)
        .find_map(|c| doc.text_content(c))
        .unwrap_or_default()
        .trim()
        .to_string()
}
