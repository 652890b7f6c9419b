//! Escaping by a table of character entities: the one loop behind the HTML pages written by hand
//! ([`crate::html`]) and the SAML XML writer ([`crate::saml::xml_writer`]); each names its own
//! table.

/// Characters and the entity that stands for each.
pub type Entities = [(char, &'static str)];

/// Appends `s` to `out` with every character that `entities` lists replaced by its entity.
pub fn escape_into(out: &mut String, s: &str, entities: &Entities) {
    for c in s.chars() {
        match entities.iter().find(|(raw, _)| *raw == c) {
            Some((_, entity)) => out.push_str(entity),
            None => out.push(c),
        }
    }
}

/// `s` with every character that `entities` lists replaced by its entity.
pub fn escape(s: &str, entities: &Entities) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, entities);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_listed_characters_are_replaced() {
        let table = [('&', "&amp;"), ('é', "&#xE9;")];
        assert_eq!(super::escape("a&b é<", &table), "a&amp;b &#xE9;<");
    }
}
