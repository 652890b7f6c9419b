//! The Response a SPID provider sends: a success with its Assertion, or an error status, built
//! as a [`ResponsePlan`] from the validated request and the identity (SPID rules, single-sign-on).

use super::identity::User;
use super::level::Level;
use super::request_rules::ValidatedRequest;
use crate::clock::saml_instant;
use crate::ids::IdGenerator;
use crate::profile::SamlProfile;
use crate::saml::ns;
use crate::saml::response::{AssertionPlan, AttributePlan, IssuerPlan, ResponsePlan, StatusPlan};
use crate::saml::status::{Delivery, ErrorCode};
use time::{Duration, OffsetDateTime};

/// The issuing side of a Response.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    /// IdP entityID.
    pub entity_id: &'a str,
    /// Whether the Response-level Issuer carries `Format` (SPID: yes; CIE: no).
    pub response_issuer_format: bool,
}

fn entity_issuer(entity_id: &str, with_format: bool) -> IssuerPlan {
    IssuerPlan {
        value: entity_id.to_string(),
        format: with_format.then(|| ns::NAMEID_ENTITY.to_string()),
    }
}

/// A successful SPID Response for `user` at `level` (the SPID profile).
#[allow(clippy::too_many_arguments)]
pub fn success_plan(
    idp: Issuer<'_>,
    req: &ValidatedRequest,
    user: &User,
    level: Level,
    name_id: String,
    session_index: &str,
    now: OffsetDateTime,
    lifetime: Duration,
    ids: &IdGenerator,
) -> ResponsePlan {
    success_plan_for(
        SamlProfile::spid(),
        idp,
        req,
        user,
        level,
        name_id,
        session_index,
        now,
        lifetime,
        ids,
    )
}

/// A successful Response for `user` at `level` under `profile`: the attributes requested that
/// the profile releases (with its FriendlyNames and types), its ACR for the level, and its
/// NameID qualifiers.
#[allow(clippy::too_many_arguments)]
pub fn success_plan_for(
    profile: &SamlProfile,
    idp: Issuer<'_>,
    req: &ValidatedRequest,
    user: &User,
    level: Level,
    name_id: String,
    session_index: &str,
    now: OffsetDateTime,
    lifetime: Duration,
    ids: &IdGenerator,
) -> ResponsePlan {
    let instant = saml_instant(now);
    let until = saml_instant(now + lifetime);
    let s = |v: &str| Some(v.to_string());
    let attributes = req
        .attributes
        .iter()
        .filter_map(|name| {
            let spec = profile.attribute(name)?;
            user.attributes.get(name).map(|value| AttributePlan {
                name: name.clone(),
                name_format: s(ns::ATTRNAME_BASIC),
                friendly_name: spec.friendly_name.clone(),
                value: value.clone(),
                xsi_type: Some(spec.xsi_type.clone()),
            })
        })
        .collect();
    ResponsePlan {
        id: Some(ids.saml_id()),
        version: s("2.0"),
        issue_instant: Some(instant.clone()),
        in_response_to: Some(req.id.clone()),
        destination: Some(req.acs_url.clone()),
        issuer: Some(entity_issuer(idp.entity_id, idp.response_issuer_format)),
        status: StatusPlan::success(),
        assertion: Some(AssertionPlan {
            id: Some(ids.saml_id()),
            version: s("2.0"),
            issue_instant: Some(instant.clone()),
            issuer: Some(entity_issuer(idp.entity_id, true)),
            name_id: Some(name_id),
            name_id_format: s(ns::NAMEID_TRANSIENT),
            name_id_qualifier: s(idp.entity_id),
            // CIE manuale SP: SPNameQualifier = the SP; SPID writes none.
            name_id_sp_qualifier: profile
                .name_id_sp_qualifier
                .then(|| req.sp_entity_id.clone()),
            confirmation_method: s(ns::CM_BEARER),
            recipient: Some(req.acs_url.clone()),
            confirmation_in_response_to: Some(req.id.clone()),
            confirmation_not_on_or_after: Some(until.clone()),
            not_before: Some(instant.clone()),
            not_on_or_after: Some(until),
            audience: Some(req.sp_entity_id.clone()),
            authn_instant: Some(instant),
            // Regole tecniche SPID, single-sign-on, Assertion: SessionIndex goes with assertions
            // "emesse a seguito di richieste di autenticazione per il livello SPID 1" and not with
            // those answering requests for SPID 2 and 3. The REQUESTED level decides, so an
            // upgraded answer to an L1 request (allowed: "Tale scelta non deve comportare un esito
            // negativo della richiesta") still carries it.
            session_index: sends_session_index(req.level).then(|| session_index.to_string()),
            authn_context_class_ref: s(profile.acr(level)),
            attributes,
            signed: true,
        }),
        signed: true,
    }
}

/// Whether an assertion answering a request for `requested` carries `SessionIndex` (Regole
/// tecniche SPID, single-sign-on, Assertion: only for requests of SPID level 1, whatever level the
/// IdP then authenticated at).
pub fn sends_session_index(requested: Level) -> bool {
    requested == Level::L1
}

/// An error Response carrying SPID ErrorCode `nr` (top status, sub-status, "ErrorCode nrNN").
pub fn error_plan(
    idp: Issuer<'_>,
    code: &ErrorCode,
    in_response_to: Option<&str>,
    destination: &str,
    now: OffsetDateTime,
    ids: &IdGenerator,
) -> ResponsePlan {
    let (top, sub) = match code.delivery {
        Delivery::Response { top, sub } => (top, sub),
        // Page-delivered codes are not sent as Responses; answer as a generic requester error.
        Delivery::Page(_) => (ns::STATUS_REQUESTER, None),
    };
    ResponsePlan {
        id: Some(ids.saml_id()),
        version: Some("2.0".into()),
        issue_instant: Some(saml_instant(now)),
        in_response_to: in_response_to.map(str::to_string),
        destination: Some(destination.to_string()),
        issuer: Some(entity_issuer(idp.entity_id, idp.response_issuer_format)),
        status: StatusPlan {
            code: top.to_string(),
            sub_code: sub.map(str::to_string),
            message: Some(code.status_message()),
        },
        assertion: None,
        signed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spid::level::Comparison;

    fn session_index_for(requested: Level, authenticated: Level) -> Option<String> {
        let fixtures = crate::fixtures::Fixtures::embedded().unwrap();
        let user = fixtures.user("francesca.romano").unwrap();
        let req = ValidatedRequest {
            id: "_req".into(),
            sp_entity_id: "https://sp.test/".into(),
            level: requested,
            comparison: Comparison::Minimum,
            acs_url: "https://sp.test/acs".into(),
            attributes: vec![],
            purpose: None,
        };
        let plan = success_plan(
            Issuer {
                entity_id: "https://idp.test/",
                response_issuer_format: true,
            },
            &req,
            user,
            authenticated,
            "nameid".into(),
            "sess-1",
            OffsetDateTime::now_utc(),
            Duration::minutes(5),
            &IdGenerator::seeded(1),
        );
        plan.assertion.and_then(|a| a.session_index)
    }

    #[test]
    fn session_index_follows_the_requested_level_not_the_level_authenticated() {
        // Regole tecniche SPID, single-sign-on (Assertion): "a seguito di richieste di
        // autenticazione per il livello SPID 1"; an upgrade keeps it.
        assert_eq!(
            session_index_for(Level::L1, Level::L1).as_deref(),
            Some("sess-1")
        );
        assert_eq!(
            session_index_for(Level::L1, Level::L2).as_deref(),
            Some("sess-1")
        );
        assert_eq!(
            session_index_for(Level::L1, Level::L3).as_deref(),
            Some("sess-1")
        );
        assert_eq!(session_index_for(Level::L2, Level::L2), None);
        assert_eq!(session_index_for(Level::L2, Level::L3), None);
        assert_eq!(session_index_for(Level::L3, Level::L3), None);
    }
}
