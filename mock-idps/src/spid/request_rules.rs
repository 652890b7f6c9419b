//! The SPID rules an IdP applies to an AuthnRequest once its signature is verified, each mapped
//! to the ErrorCode the SPID technical rules assign (nr08–nr18). The first broken rule wins.

use super::level::{Comparison, Level};
use crate::clock::parse_instant;
use crate::profile::{DestinationRule, SamlProfile};
use crate::saml::authn_request::AuthnRequest;
use crate::saml::ns;
use crate::saml::sp_metadata::SpMetadata;
use time::{Duration, OffsetDateTime};

/// A request that passed every rule: what the login flow needs from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedRequest {
    /// The request ID (InResponseTo of the answer).
    pub id: String,
    /// The SP's entityID.
    pub sp_entity_id: String,
    /// Requested level.
    pub level: Level,
    /// Comparison (absent means `exact`, SAML Core §3.3.2.2.1).
    pub comparison: Comparison,
    /// Where the Response goes.
    pub acs_url: String,
    /// Attribute names to release (the requested AttributeConsumingService).
    pub attributes: Vec<String>,
    /// `spid:Purpose`, if any.
    pub purpose: Option<String>,
}

/// A broken rule: the SPID code, what exactly is wrong, and where the error Response goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    /// ErrorCode number.
    pub code: u8,
    /// What is wrong, for the IdP page, the log and the report.
    pub detail: String,
    /// The request ID, when the request had a usable one.
    pub in_response_to: Option<String>,
    /// The ACS to answer at: the requested one when valid, else the SP's default (nr16 rule).
    pub reply_to: String,
}

/// The IdP as a request should address it.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    /// The IdP entityID (accepted as Destination, Avviso 11).
    pub entity_id: &'a str,
    /// The SSO endpoint URL.
    pub sso_url: &'a str,
}

/// Applies every SPID rule in order; `skew` bounds IssueInstant around `now` (±2 minutes by
/// default, as spid-testenv2 does; the rules give no number).
pub fn validate(
    req: &AuthnRequest,
    sp: &SpMetadata,
    idp: Addressee<'_>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<ValidatedRequest, RuleViolation> {
    validate_for(SamlProfile::spid(), req, sp, idp, now, skew)
}

/// Applies every rule of `profile` in order (the SPID rules with the profile's Destination,
/// Comparison and ForceAuthn choices).
pub fn validate_for(
    profile: &SamlProfile,
    req: &AuthnRequest,
    sp: &SpMetadata,
    idp: Addressee<'_>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<ValidatedRequest, RuleViolation> {
    let id_ok = req.id.as_deref().filter(|id| is_xml_id(id));
    let requested_acs = resolve_acs(req, sp);
    let fail = |code: u8, detail: String| RuleViolation {
        code,
        detail,
        in_response_to: id_ok.map(str::to_string),
        reply_to: requested_acs
            .clone()
            .unwrap_or_else(|_| sp.default_acs().location.clone()),
    };
    // nr09: Version must be 2.0.
    if req.version.as_deref() != Some("2.0") {
        return Err(fail(
            9,
            format!(
                "Version is {}, it must be \"2.0\"",
                shown(req.version.as_deref())
            ),
        ));
    }
    // nr11: ID present and an xs:ID.
    let id = id_ok.ok_or_else(|| {
        fail(
            11,
            format!(
                "ID {} is missing or not a valid xs:ID",
                shown(req.id.as_deref())
            ),
        )
    })?;
    // nr13: IssueInstant present, UTC, coherent with the arrival time.
    let instant = req.issue_instant.as_deref().unwrap_or("");
    match parse_instant(instant) {
        Some(t) if instant.ends_with('Z') && (t - now).abs() <= skew => {}
        Some(t) if instant.ends_with('Z') => {
            return Err(fail(
                13,
                format!(
                    "IssueInstant {instant} is {} seconds from the IdP clock (limit {})",
                    (t - now).whole_seconds(),
                    skew.whole_seconds()
                ),
            ))
        }
        _ => {
            return Err(fail(
                13,
                format!("IssueInstant {instant:?} is missing or not a UTC xs:dateTime"),
            ))
        }
    }
    // nr14: Destination is this IdP's SSO URL, or (SPID, Avviso 11) its entityID; CIE manuale
    // SP: only the SSO Location of the binding used.
    let by_entity_id = profile.destination == DestinationRule::SsoOrEntityId;
    match req.destination.as_deref() {
        Some(d) if d == idp.sso_url || (by_entity_id && d == idp.entity_id) => {}
        other if by_entity_id => {
            return Err(fail(
                14,
                format!(
                    "Destination {} is neither {} nor {}",
                    shown(other),
                    idp.sso_url,
                    idp.entity_id
                ),
            ))
        }
        other => {
            return Err(fail(
                14,
                format!(
                    "Destination {} is not {}, the SSO Location of the binding used ({} rules)",
                    shown(other),
                    idp.sso_url,
                    profile.name
                ),
            ))
        }
    }
    // nr15: IsPassive must not be true.
    if matches!(req.is_passive.as_deref(), Some("true" | "1")) {
        return Err(fail(
            15,
            "IsPassive is true; SPID does not allow passive authentication".into(),
        ));
    }
    // nr12: exactly one RequestedAuthnContext with one SPID level and a valid Comparison.
    if req.requested_authn_context_count != 1 {
        return Err(fail(
            12,
            format!(
                "{} RequestedAuthnContext elements; exactly one is required",
                req.requested_authn_context_count
            ),
        ));
    }
    let rac = req
        .requested_authn_context
        .as_ref()
        .ok_or_else(|| fail(12, "no RequestedAuthnContext".into()))?;
    let comparison = match rac.comparison.as_deref() {
        None => Comparison::Exact,
        Some(c) => Comparison::parse(c)
            .filter(|c| profile.allows(*c))
            .ok_or_else(|| {
                let allowed: Vec<&str> = profile.comparisons.iter().map(|c| c.as_str()).collect();
                fail(
                    12,
                    format!(
                        "Comparison {c:?} is not one of {} ({} rules)",
                        allowed.join(", "),
                        profile.name
                    ),
                )
            })?,
    };
    let level = match rac.class_refs.as_slice() {
        [one] => Level::from_uri(one).ok_or_else(|| {
            fail(
                12,
                format!("AuthnContextClassRef {one:?} is not a SPID level URI"),
            )
        })?,
        refs => {
            return Err(fail(
                12,
                format!(
                    "{} AuthnContextClassRef elements; exactly one is required",
                    refs.len()
                ),
            ))
        }
    };
    // nr08 (our reading): ForceAuthn must be true above L1 (SPID rules, single-sign-on), and
    // always for CIE (CIE manuale SP); the rules name no code for it, so it counts as a request
    // not conforming to the profile.
    if profile.force_authn_required(level)
        && !matches!(req.force_authn.as_deref(), Some("true" | "1"))
    {
        return Err(fail(
            8,
            format!(
                "ForceAuthn is {:?}; it must be true for {level} ({} rules)",
                req.force_authn, profile.name
            ),
        ));
    }
    // nr16: AssertionConsumerService by index, or by URL with the POST binding.
    let acs_url = requested_acs.clone().map_err(|detail| fail(16, detail))?;
    // nr17: NameIDPolicy with the transient Format.
    match &req.name_id_policy_format {
        Some(Some(f)) if f == ns::NAMEID_TRANSIENT => {}
        Some(Some(f)) => {
            return Err(fail(
                17,
                format!(
                    "NameIDPolicy Format is {f}, it must be {}",
                    ns::NAMEID_TRANSIENT
                ),
            ))
        }
        Some(None) => return Err(fail(17, "NameIDPolicy has no Format".into())),
        None => return Err(fail(17, "NameIDPolicy is missing".into())),
    }
    // nr18: AttributeConsumingServiceIndex well-formed and in the metadata.
    let attributes = match req.attribute_service_index.as_deref() {
        Some(raw) => {
            let index: u32 = raw.trim().parse().map_err(|_| {
                fail(
                    18,
                    format!("AttributeConsumingServiceIndex {raw:?} is not an unsigned integer"),
                )
            })?;
            sp.attribute_service(index)
                .ok_or_else(|| {
                    fail(
                        18,
                        format!("AttributeConsumingServiceIndex {index} is not in the SP metadata"),
                    )
                })?
                .attributes
                .clone()
        }
        None => sp
            .attribute_service(0)
            .or(sp.attribute_services.first())
            .map(|s| s.attributes.clone())
            .unwrap_or_default(),
    };
    Ok(ValidatedRequest {
        id: id.to_string(),
        sp_entity_id: sp.entity_id.clone(),
        level,
        comparison,
        acs_url,
        attributes,
        purpose: req.purpose.clone(),
    })
}

/// The ACS the request designates, or why it designates none (nr16 text).
fn resolve_acs(req: &AuthnRequest, sp: &SpMetadata) -> Result<String, String> {
    match (&req.acs_index, &req.acs_url, &req.protocol_binding) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            Err("AssertionConsumerServiceIndex given together with AssertionConsumerServiceURL/ProtocolBinding".into())
        }
        (Some(raw), None, None) => {
            let index: u32 = raw
                .trim()
                .parse()
                .map_err(|_| format!("AssertionConsumerServiceIndex {raw:?} is not an unsigned integer"))?;
            let acs = sp
                .acs_by_index(index)
                .ok_or_else(|| format!("AssertionConsumerServiceIndex {index} is not in the SP metadata"))?;
            if acs.binding != ns::BINDING_POST {
                return Err(format!("the ACS with index {index} has binding {}, not HTTP-POST", acs.binding));
            }
            Ok(acs.location.clone())
        }
        (None, Some(url), binding) => {
            if binding.as_deref() != Some(ns::BINDING_POST) {
                return Err(format!(
                    "ProtocolBinding is {}; with AssertionConsumerServiceURL it must be HTTP-POST",
                    shown(binding.as_deref())
                ));
            }
            sp.acs
                .iter()
                .find(|a| &a.location == url)
                .map(|a| a.location.clone())
                .ok_or_else(|| format!("AssertionConsumerServiceURL {url} is not an ACS Location in the SP metadata"))
        }
        (None, None, _) => Err("neither AssertionConsumerServiceIndex nor AssertionConsumerServiceURL is present".into()),
    }
}

/// True when `s` can be an xs:ID (an NCName: starts with a letter or `_`).
fn is_xml_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A value as an error page shows it: `"x"`, or `absent` (never Rust's `Some(..)`/`None`).
fn shown(v: Option<&str>) -> String {
    v.map_or_else(|| "absent".to_string(), |x| format!("{x:?}"))
}
