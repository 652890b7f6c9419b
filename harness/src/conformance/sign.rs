//! Signing a case's Response: as the plan says, after a text edit of the unsigned XML, or in a
//! case-specific way (a key the service does not trust, a SHA-1 digest, two Assertions).

use super::case::Ctx;
use super::edit;
use base64::Engine;
use bergshamra::c14n::C14nMode;
use bergshamra::xml::nodeset::NodeSet;
use mock_idps::saml::dsig::{find_by_id, sign_enveloped, DsigError};
use mock_idps::saml::keys::SigningKey;
use mock_idps::saml::ns;
use mock_idps::saml::response::{BuildError, ResponsePlan};

const DIGEST_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";

fn nonempty(id: &Option<String>) -> Option<&str> {
    id.as_deref().filter(|s| !s.is_empty())
}

/// The plan with no signature anywhere.
pub(crate) fn unsigned(plan: &ResponsePlan) -> ResponsePlan {
    let mut p = plan.clone();
    p.signed = false;
    if let Some(a) = p.assertion.as_mut() {
        a.signed = false;
    }
    p
}

/// Signs `xml` (the plan's XML, possibly edited) as `plan` says: the Assertion first (in place,
/// inside the Response), then the Response, each with `assertion_key` / `response_key`.
pub fn sign_xml_as_plan(
    xml: String,
    plan: &ResponsePlan,
    assertion_key: &SigningKey,
    response_key: &SigningKey,
) -> Result<String, BuildError> {
    let mut xml = xml;
    if let Some(a) = plan.assertion.as_ref().filter(|a| a.signed) {
        let id = nonempty(&a.id).ok_or(BuildError::NoId("Assertion"))?;
        xml = sign_enveloped(&xml, id, assertion_key)?;
    }
    if plan.signed {
        let id = nonempty(&plan.id).ok_or(BuildError::NoId("Response"))?;
        xml = sign_enveloped(&xml, id, response_key)?;
    }
    Ok(xml)
}

/// The unsigned XML of the plan, edited by `edit`, then signed as the plan says.
pub fn edit_then_sign(
    plan: &ResponsePlan,
    ctx: &Ctx<'_>,
    edit_fn: fn(String, &Ctx<'_>) -> String,
) -> Result<String, BuildError> {
    let xml = edit_fn(unsigned(plan).to_xml(), ctx);
    sign_xml_as_plan(xml, plan, ctx.key, ctx.key)
}

/// Response and Assertion signed with a key the service does not trust; the attacker's
/// certificate is in `KeyInfo` (spid-sp-test 5).
pub fn rogue_both(plan: &ResponsePlan, ctx: &Ctx<'_>) -> Result<String, BuildError> {
    plan.sign(ctx.rogue_key)
}

/// As [`rogue_both`] with no `KeyInfo` at all (spid-sp-test 4).
pub fn rogue_both_no_keyinfo(plan: &ResponsePlan, ctx: &Ctx<'_>) -> Result<String, BuildError> {
    let mut xml = plan.sign(ctx.rogue_key)?;
    while edit::span(&xml, "ds:KeyInfo", 0).is_some() {
        xml = edit::remove(&xml, "ds:KeyInfo");
    }
    Ok(xml)
}

/// The Assertion signed with a key the service does not trust, the Response with the IdP's
/// (spid-sp-test 100).
pub fn rogue_assertion(plan: &ResponsePlan, ctx: &Ctx<'_>) -> Result<String, BuildError> {
    sign_xml_as_plan(unsigned(plan).to_xml(), plan, ctx.rogue_key, ctx.key)
}

/// The Assertion signed with RSA-SHA256 over a SHA-1 digest (a digest downgrade).
pub fn sha1_digest(plan: &ResponsePlan, ctx: &Ctx<'_>) -> Result<String, BuildError> {
    let xml = unsigned(plan).to_xml();
    let id = plan
        .assertion
        .as_ref()
        .and_then(|a| nonempty(&a.id))
        .ok_or(BuildError::NoId("Assertion"))?;
    let canonical = {
        let doc = uppsala::parse(&xml).map_err(|e| DsigError::Xml(e.to_string()))?;
        let target = find_by_id(&doc, id).ok_or_else(|| DsigError::NoSuchId(id.to_string()))?;
        let set = NodeSet::tree_without_comments(target, &doc);
        bergshamra::c14n::canonicalize_doc(&doc, C14nMode::Exclusive, Some(&set), &[] as &[&str])
            .map_err(|e| DsigError::C14n(e.to_string()))?
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &canonical);
    let signed = sign_enveloped(&xml, id, ctx.key)?;
    let signed = signed.replacen(
        &format!("<ds:DigestMethod Algorithm=\"{}\">", ns::DIGEST_SHA256),
        &format!("<ds:DigestMethod Algorithm=\"{DIGEST_SHA1}\">"),
        1,
    );
    let signed = edit::set_text(&signed, "ds:DigestValue", &b64.encode(digest.as_ref()));
    let (s, e) = edit::span(&signed, "ds:SignedInfo", 0)
        .ok_or_else(|| DsigError::Xml("no SignedInfo".into()))?;
    let body = &signed[s + "<ds:SignedInfo>".len()..e - "</ds:SignedInfo>".len()];
    let canonical_signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{}\">{body}</ds:SignedInfo>",
        ns::DSIG
    );
    let value = b64.encode(ctx.key.sign_rsa_sha256(canonical_signed_info.as_bytes()));
    let mut out = edit::set_text(&signed, "ds:SignatureValue", &value);
    if plan.signed {
        let rid = nonempty(&plan.id).ok_or(BuildError::NoId("Response"))?;
        out = sign_enveloped(&out, rid, ctx.key)?;
    }
    Ok(out)
}

/// Two signed Assertions in one Response: the correct one and a second for another subject.
pub fn two_assertions(plan: &ResponsePlan, ctx: &Ctx<'_>) -> Result<String, BuildError> {
    let mut other = plan.clone();
    other.signed = false;
    if let Some(a) = other.assertion.as_mut() {
        a.id = Some(ctx.ids.saml_id());
        a.name_id = Some(ctx.ids.name_id());
    }
    let other_xml = other.sign(ctx.key)?;
    let second = edit::element(&other_xml, "saml:Assertion")
        .unwrap_or_default()
        .to_string();
    let mut first = plan.clone();
    first.signed = false;
    let xml = first.sign(ctx.key)?;
    let xml = edit::insert_after(&xml, "saml:Assertion", &second);
    sign_xml_as_plan(xml, &unsigned_assertion_view(plan), ctx.key, ctx.key)
}

/// The plan with only its Response signature (the Assertions are signed already).
fn unsigned_assertion_view(plan: &ResponsePlan) -> ResponsePlan {
    let mut p = plan.clone();
    if let Some(a) = p.assertion.as_mut() {
        a.signed = false;
    }
    p
}
