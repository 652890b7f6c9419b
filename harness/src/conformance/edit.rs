//! Text edits on the XML the harness itself rendered (known prefixes, no self-closing tags):
//! find an element by its qualified name, replace or remove it, change an attribute of its
//! start tag. Every function returns the input unchanged when the element is not there.

/// The byte span `[start, end)` of the first `<tag …>…</tag>` at or after `from`, with nested
/// elements of the same name balanced.
pub fn span(xml: &str, tag: &str, from: usize) -> Option<(usize, usize)> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let is_open_at = |i: usize| {
        xml[i..].starts_with(&open)
            && matches!(
                xml.as_bytes().get(i + open.len()),
                Some(b' ' | b'>' | b'/' | b'\n' | b'\t')
            )
    };
    let mut start = from;
    loop {
        let i = xml.get(start..)?.find(&open)? + start;
        if is_open_at(i) {
            start = i;
            break;
        }
        start = i + 1;
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < xml.len() {
        if is_open_at(i) {
            depth += 1;
            i += open.len();
        } else if xml[i..].starts_with(&close) {
            depth -= 1;
            i += close.len();
            if depth == 0 {
                return Some((start, i));
            }
        } else {
            i += xml[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    None
}

/// The first `<tag>` element's markup.
pub fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    span(xml, tag, 0).map(|(s, e)| &xml[s..e])
}

/// Replaces the first `<tag>` element with `with`.
pub fn replace(xml: &str, tag: &str, with: &str) -> String {
    match span(xml, tag, 0) {
        Some((s, e)) => format!("{}{with}{}", &xml[..s], &xml[e..]),
        None => xml.to_string(),
    }
}

/// Removes the first `<tag>` element.
pub fn remove(xml: &str, tag: &str) -> String {
    replace(xml, tag, "")
}

/// Removes the first `<tag>` element found inside the first `<within>` element.
pub fn remove_inside(xml: &str, within: &str, tag: &str) -> String {
    match span(xml, within, 0) {
        Some((s, e)) => format!("{}{}{}", &xml[..s], remove(&xml[s..e], tag), &xml[e..]),
        None => xml.to_string(),
    }
}

/// Replaces the children of the first `<tag>` element, keeping its start tag.
pub fn empty(xml: &str, tag: &str) -> String {
    match span(xml, tag, 0) {
        Some((s, e)) => {
            let head_end = xml[s..e].find('>').map_or(e, |i| s + i + 1);
            format!("{}</{tag}>{}", &xml[..head_end], &xml[e..])
        }
        None => xml.to_string(),
    }
}

/// Inserts `what` right after the end of the first `<tag>` element.
pub fn insert_after(xml: &str, tag: &str, what: &str) -> String {
    match span(xml, tag, 0) {
        Some((_, e)) => format!("{}{what}{}", &xml[..e], &xml[e..]),
        None => xml.to_string(),
    }
}

/// Inserts `what` right before the first `<tag>` element.
pub fn insert_before(xml: &str, tag: &str, what: &str) -> String {
    match span(xml, tag, 0) {
        Some((s, _)) => format!("{}{what}{}", &xml[..s], &xml[s..]),
        None => xml.to_string(),
    }
}

/// Inserts `what` just before the closing tag of the first `<tag>` element.
pub fn append_child(xml: &str, tag: &str, what: &str) -> String {
    match span(xml, tag, 0) {
        Some((_, e)) => {
            let at = e - tag.len() - 3;
            format!("{}{what}{}", &xml[..at], &xml[at..])
        }
        None => xml.to_string(),
    }
}

/// Sets attribute `name` of the start tag at the beginning of `element` (which must start with
/// `<`) to `value`, replacing an existing value or adding the attribute.
pub fn set_attr(element: &str, name: &str, value: &str) -> String {
    let head_end = element.find('>').unwrap_or(element.len());
    let head = &element[..head_end];
    let needle = format!(" {name}=\"");
    match head.find(&needle) {
        Some(i) => {
            let vs = i + needle.len();
            let ve = head[vs..].find('"').map_or(head.len(), |j| vs + j);
            format!("{}{value}{}", &element[..vs], &element[ve..])
        }
        None => {
            let name_end = head.find(' ').unwrap_or(head_end);
            format!(
                "{} {name}=\"{value}\"{}",
                &element[..name_end],
                &element[name_end..]
            )
        }
    }
}

/// The value of attribute `name` in the start tag at the beginning of `element`.
pub fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let head = &element[..element.find('>')?];
    let needle = format!(" {name}=\"");
    let vs = head.find(&needle)? + needle.len();
    let ve = head[vs..].find('"')? + vs;
    Some(&head[vs..ve])
}

/// Replaces the text of the first `<tag>` element (whose content is text only).
pub fn set_text(xml: &str, tag: &str, text: &str) -> String {
    match span(xml, tag, 0) {
        Some((s, e)) => {
            let head_end = xml[s..e].find('>').map_or(e, |i| s + i + 1);
            format!("{}{text}</{tag}>{}", &xml[..head_end], &xml[e..])
        }
        None => xml.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &str =
        "<r:R ID=\"a\"><a:A ID=\"1\"><a:A ID=\"2\">t</a:A></a:A><a:AB></a:AB><s:S></s:S></r:R>";

    #[test]
    fn spans_balance_nested_elements_and_skip_longer_names() {
        assert_eq!(
            element(X, "a:A"),
            Some("<a:A ID=\"1\"><a:A ID=\"2\">t</a:A></a:A>")
        );
        assert_eq!(element(X, "a:AB"), Some("<a:AB></a:AB>"));
        assert_eq!(element(X, "a:Z"), None);
    }

    #[test]
    fn edits() {
        assert_eq!(remove(X, "s:S"), X.replace("<s:S></s:S>", ""));
        assert_eq!(
            empty(X, "a:A"),
            "<r:R ID=\"a\"><a:A ID=\"1\"></a:A><a:AB></a:AB><s:S></s:S></r:R>"
        );
        assert_eq!(set_attr("<r:R ID=\"a\">", "ID", "b"), "<r:R ID=\"b\">");
        assert_eq!(set_attr("<r:R>", "ID", "b"), "<r:R ID=\"b\">");
        assert_eq!(attr(X, "ID"), Some("a"));
        assert!(append_child(X, "r:R", "<x></x>").ends_with("<x></x></r:R>"));
        assert_eq!(set_text("<a>1</a>", "a", "2"), "<a>2</a>");
        assert_eq!(remove("garbage", "a"), "garbage");
    }
}
