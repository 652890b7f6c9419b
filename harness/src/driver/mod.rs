//! Driving a service's login path as a user agent would: the HTTP [`browser`], one SPID
//! [`login`] through a mock provider, and the CNS smart-card presentation ([`cns_card`],
//! [`cns_login`]).

pub mod browser;
pub mod cns_card;
pub mod cns_login;
pub mod login;
pub mod remote;

/// The text of an HTML page: its tags dropped (each as a space), white space folded.
pub(crate) fn strip_tags(body: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
