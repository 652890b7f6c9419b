//! The SPID AuthnRequest we send (RT single-sign-on; docs/rules/spid-saml.md), written with our own
//! escaping writer (see [`crate::xml`] for why not samael's serializer).

use crate::binding::{redirect_query, Kind, SIG_ALG};
use crate::faults::Faults;
use crate::head::Head;
use crate::keys::{KeyError, SignOptions, SpKeys, SIGNATURE_MARK};
use crate::level::{Comparison, Level};
use crate::ns;
use crate::xml::XmlWriter;
use base64::Engine;

/// Everything one AuthnRequest says.
#[derive(Debug, Clone)]
pub struct AuthnRequestPlan<'a> {
    /// `ID`, `IssueInstant`, `Destination` (the IdP SSO Location of the binding used) and our
    /// entityID.
    pub head: Head<'a>,
    /// The requested level.
    pub level: Level,
    /// `Comparison`.
    pub comparison: Comparison,
    /// `AttributeConsumingServiceIndex` (0, 1 or 2 in our metadata).
    pub attribute_index: u8,
    /// Our ACS URL (the one of index 0 in our metadata).
    pub acs_url: &'a str,
    /// The `req-*` switches on make the request break one rule each.
    pub faults: &'a Faults,
    /// ForceAuthn at every level (CIE manuale SP), not only above L1.
    pub force_authn_always: bool,
}

/// The ID every request carries under the `req-id-unique` mutant.
const FIXED_ID: &str = "_always-the-same-request-id";

/// The AuthnRequest XML; `signed` leaves room for the enveloped signature after the Issuer
/// (HTTP-POST). On HTTP-Redirect the XML carries no signature (RT; SAML Bindings §3.4.4.1).
pub fn authn_request_xml(p: &AuthnRequestPlan<'_>, signed: bool) -> String {
    let f = p.faults;
    let on = |name: &str| !f.is_off(name);
    let index = p.attribute_index.to_string();
    let id = request_id(p);
    let shifted;
    let instant = if !on("req-issue-instant-format") {
        "2024-01-01T00:00:00+01:00"
    } else if !on("req-issue-instant-skew") {
        shifted = shift_instant(p.head.issue_instant, time::Duration::minutes(-10));
        &shifted
    } else {
        p.head.issue_instant
    };
    let mut attrs: Vec<(&str, &str)> =
        vec![("xmlns:samlp", ns::PROTOCOL), ("xmlns:saml", ns::ASSERTION)];
    if !on("req-purpose") {
        attrs.push(("xmlns:spid", ns::SPID));
    }
    if on("req-id") {
        attrs.push(("ID", id));
    }
    attrs.push(("Version", if on("req-version") { "2.0" } else { "2.1" }));
    if on("req-issue-instant") {
        attrs.push(("IssueInstant", instant));
    }
    if on("req-destination") {
        let destination = if on("req-destination-value") {
            p.head.destination
        } else {
            "https://wrong-idp.spid-harness.example/sso"
        };
        attrs.push(("Destination", destination));
    }
    // ForceAuthn is required above L1 (RT single-sign-on; SPT authn_request checks).
    if (p.level > Level::L1 || p.force_authn_always) && on("req-force-authn") {
        attrs.push(("ForceAuthn", "true"));
    }
    if !on("req-is-passive") {
        attrs.push(("IsPassive", "false"));
    }
    let url_mode = !on("req-acs-url-in-metadata") || !on("req-protocol-binding");
    if !url_mode {
        let acs_index = if on("req-acs-index-in-metadata") {
            "0"
        } else {
            "5"
        };
        attrs.push(("AssertionConsumerServiceIndex", acs_index));
    }
    if url_mode || !on("req-acs-index-xor-url") {
        let url = if on("req-acs-url-in-metadata") {
            p.acs_url
        } else {
            "http://127.0.0.1:9/acs"
        };
        let binding = if on("req-protocol-binding") {
            ns::BINDING_POST
        } else {
            ns::BINDING_REDIRECT
        };
        attrs.push(("AssertionConsumerServiceURL", url));
        attrs.push(("ProtocolBinding", binding));
    }
    if on("req-attribute-index") {
        let index = if on("req-attribute-index-in-metadata") {
            index.as_str()
        } else {
            "7"
        };
        attrs.push(("AttributeConsumingServiceIndex", index));
    }
    let mut w = XmlWriter::new();
    if !on("req-no-dtd") {
        w.raw("<!DOCTYPE samlp:AuthnRequest []>");
    }
    w.open("samlp:AuthnRequest", &attrs);
    if on("req-purpose") {
        // nothing: no Extensions
    } else {
        w.open("samlp:Extensions", &[])
            .leaf("spid:Purpose", &[], "Z")
            .close();
    }
    if on("req-issuer") {
        let mut issuer: Vec<(&str, &str)> = Vec::new();
        if on("req-issuer-format") {
            issuer.push(("Format", ns::NAMEID_ENTITY));
        }
        if on("req-issuer-name-qualifier") {
            issuer.push(("NameQualifier", p.head.sp_entity_id));
        }
        if !on("req-post-signature-covers-root") {
            issuer.push(("ID", ISSUER_ID));
        }
        let text = if on("req-issuer-value") {
            p.head.sp_entity_id
        } else {
            "https://someone-else.spid-harness.example"
        };
        w.leaf("saml:Issuer", &issuer, text);
    }
    if signed {
        w.raw(SIGNATURE_MARK);
    }
    if !on("req-subject") {
        w.open("saml:Subject", &[])
            .leaf(
                "saml:NameID",
                &[("NameQualifier", p.head.sp_entity_id)],
                "someone",
            )
            .close();
    }
    if on("req-name-id-policy") {
        // Transient, and no AllowCreate (Avviso 5).
        let format = if on("req-name-id-policy-format") {
            ns::NAMEID_TRANSIENT
        } else {
            ns::NAMEID_PERSISTENT
        };
        let mut policy = vec![("Format", format)];
        if !on("req-name-id-policy-allow-create") {
            policy.push(("AllowCreate", "true"));
        }
        w.empty("samlp:NameIDPolicy", &policy);
    }
    if !on("req-conditions") {
        w.empty(
            "saml:Conditions",
            &[
                ("NotBefore", "2024-01-01T00:00:00+01:00"),
                ("NotOnOrAfter", "2024-01-01T01:00:00+01:00"),
            ],
        );
    }
    if on("req-requested-authn-context") {
        let mut rac = Vec::new();
        if on("req-comparison") {
            rac.push(("Comparison", p.comparison.as_str()));
        }
        w.open("samlp:RequestedAuthnContext", &rac);
        let class = if on("req-authn-context-class-ref") {
            p.level.uri()
        } else {
            "urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2"
        };
        w.leaf("saml:AuthnContextClassRef", &[], class);
        if !on("req-authn-context-single") {
            w.leaf("saml:AuthnContextClassRef", &[], Level::L3.uri());
        }
        w.close();
    }
    if !on("req-scoping") {
        w.empty("samlp:Scoping", &[("ProxyCount", "1")]);
    }
    w.finish()
}

/// `ID` of the Issuer when the `req-post-signature-covers-root` mutant signs it instead of the
/// root.
const ISSUER_ID: &str = "_reference-sp-issuer";

fn request_id<'a>(p: &AuthnRequestPlan<'a>) -> &'a str {
    if p.faults.is_off("req-id-unique") {
        FIXED_ID
    } else if p.faults.is_off("req-id-format") {
        "1-starts-with-a-digit"
    } else {
        p.head.id
    }
}

/// `instant` moved by `by` (unchanged if it does not parse).
fn shift_instant(instant: &str, by: time::Duration) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(instant, &Rfc3339)
        .ok()
        .and_then(|t| (t + by).format(&Rfc3339).ok())
        .unwrap_or_else(|| instant.to_string())
}

/// An AuthnRequest ready for its binding.
#[derive(Debug, Clone)]
pub enum Encoded {
    /// HTTP-POST: the signed XML and the RelayState for the auto-post form.
    Post {
        /// Signed AuthnRequest.
        xml: String,
        /// RelayState, if sent.
        relay: Option<String>,
    },
    /// HTTP-Redirect: the signed query string (without `?`).
    Redirect {
        /// `SAMLRequest=…&RelayState=…&SigAlg=…&Signature=…`.
        query: String,
    },
}

/// The RelayState we send for `token`, unless a `req-relay-state*` mutant changes it.
fn relay_state(faults: &Faults, token: &str) -> Option<String> {
    if faults.is_off("req-relay-state") {
        None
    } else if faults.is_off("req-relay-state-length") {
        Some(format!("{token}{}", "x".repeat(100)))
    } else if faults.is_off("req-relay-state-opaque") {
        Some("https://reference-sp.spid-harness.example/after-login".into())
    } else {
        Some(token.to_string())
    }
}

/// Builds, signs and encodes the AuthnRequest for HTTP-POST (`post`) or HTTP-Redirect, with
/// RelayState `relay` (SAML Bindings §3.4, §3.5; RT single-sign-on).
pub fn encode(
    p: &AuthnRequestPlan<'_>,
    post: bool,
    relay: &str,
    keys: &SpKeys,
) -> Result<Encoded, KeyError> {
    let f = p.faults;
    let relay = relay_state(f, relay);
    if post {
        let xml = authn_request_xml(p, !f.is_off("req-post-signature"));
        if f.is_off("req-post-signature") {
            return Ok(Encoded::Post { xml, relay });
        }
        let options = SignOptions {
            signature: f
                .is_off("req-post-signature-algorithm")
                .then_some(ns::SIG_RSA_SHA1),
            digest: f
                .is_off("req-post-digest-algorithm")
                .then_some(ns::DIGEST_SHA1),
            cert_base64: None,
        };
        let target = if f.is_off("req-post-signature-covers-root") {
            ISSUER_ID
        } else {
            request_id(p)
        };
        let mut xml = keys.sign_enveloped_with(&xml, target, &options)?;
        if f.is_off("req-post-signature-valid") {
            // Changed after signing: the digest no longer matches.
            xml = xml.replacen(
                "<samlp:AuthnRequest ",
                "<samlp:AuthnRequest ProviderName=\"tampered\" ",
                1,
            );
        }
        return Ok(Encoded::Post { xml, relay });
    }
    let xml = if f.is_off("req-redirect-no-xml-signature") {
        keys.sign_enveloped(&authn_request_xml(p, true), request_id(p))?
    } else {
        authn_request_xml(p, false)
    };
    if f.is_off("req-decodes") {
        // Base64 of the XML without DEFLATE: not what HTTP-Redirect carries.
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
        let q = format!("SAMLRequest={}", urlencode(&b64));
        return Ok(Encoded::Redirect { query: q });
    }
    let mut query = redirect_query(Kind::Request, &xml, relay.as_deref(), keys)?;
    if f.is_off("req-redirect-sigalg-allowed") {
        query = query.replacen(&urlencode(SIG_ALG), &urlencode(ns::SIG_RSA_SHA1), 1);
    }
    if f.is_off("req-redirect-signature-valid") {
        // A signature over other octets.
        let other = redirect_query(Kind::Request, &xml, Some("another-relay-state"), keys)?;
        if let (Some((head, _)), Some((_, sig))) = (
            query.split_once("&Signature="),
            other.split_once("&Signature="),
        ) {
            query = format!("{head}&Signature={sig}");
        }
    }
    if f.is_off("req-redirect-sigalg") {
        query = drop_param(&query, "SigAlg");
    }
    if f.is_off("req-redirect-signature") {
        query = drop_param(&query, "Signature");
    }
    Ok(Encoded::Redirect { query })
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn drop_param(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter(|p| p.split_once('=').map(|(n, _)| n) != Some(name))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spid_shape() {
        let xml = authn_request_xml(
            &AuthnRequestPlan {
                head: Head {
                    id: "_abc",
                    issue_instant: "2024-01-01T00:00:00.000Z",
                    destination: "http://idp/sso?a=1&b=2",
                    sp_entity_id: "https://sp.example",
                },
                level: Level::L2,
                comparison: Comparison::Minimum,
                attribute_index: 1,
                acs_url: "http://sp/acs",
                faults: &Faults::none(),
                force_authn_always: false,
            },
            false,
        );
        assert!(xml.contains("ForceAuthn=\"true\""));
        assert!(xml.contains("Destination=\"http://idp/sso?a=1&amp;b=2\""));
        assert!(xml.contains("AttributeConsumingServiceIndex=\"1\""));
        assert!(xml.contains("Comparison=\"minimum\""));
        assert!(!xml.contains("AllowCreate"));
        assert!(uppsala::parse(&xml).is_ok());
    }
}
