//! The Assertion Consumer Service: every check on a posted Response, in order, each skipped when
//! its fault switch is off. The Response envelope and the signatures are read from the uppsala
//! tree bergshamra verified, and so is the Assertion we consume ([`crate::model`]): what we read
//! is exactly what was verified.

pub mod checks;

use crate::binding::decode_post;
use crate::dom;
use crate::faults::Faults;
use crate::idp::{has_dtd, IdpRegistry, TrustedIdp};
use crate::level::{Comparison, Level};
use crate::metadata::requested_attributes;
use crate::model::Assertion;
use crate::ns;
use crate::session::{Login, Outstanding, Sessions};
use std::collections::HashMap;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use uppsala::{Document, NodeId};

/// Why the SP refused a Response: the check that failed, what exactly, and the SPID error code
/// when the IdP reported one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The check's stable name (a fault switch), or `malformed` when the message cannot be
    /// processed at all.
    pub check: &'static str,
    /// What is wrong.
    pub reason: String,
    /// The SPID ErrorCode (nr19–nr30) of an IdP error status.
    pub spid_error: Option<u8>,
}

/// What the ACS needs to know about the SP and the moment.
#[derive(Debug)]
pub struct AcsInput<'a> {
    /// Our entityID (Audience).
    pub entity_id: &'a str,
    /// The ACS URL reached (Destination, Recipient).
    pub acs_url: &'a str,
    /// Allowed clock skew.
    pub skew: Duration,
    /// Checks switched off.
    pub faults: &'a Faults,
    /// Trusted IdPs.
    pub idps: &'a IdpRegistry,
    /// Sessions and replay cache.
    pub sessions: &'a Sessions,
    /// The browser session posting, if it has one.
    pub sid: Option<&'a str>,
    /// Now.
    pub now: OffsetDateTime,
    /// The RelayState posted with the Response.
    pub relay_state: Option<&'a str>,
}

/// Name of the refusal when the message cannot be processed (not a switch: nothing to accept).
pub const MALFORMED: &str = "malformed";

fn refuse(check: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        check,
        reason: reason.into(),
        spid_error: None,
    }
}

struct Run<'a> {
    faults: &'a Faults,
}

impl Run<'_> {
    /// Runs check `name` unless it is switched off.
    fn check(
        &self,
        name: &'static str,
        f: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), Refusal> {
        if self.faults.is_off(name) {
            return Ok(());
        }
        f().map_err(|reason| refuse(name, reason))
    }

    fn on(&self, name: &str) -> bool {
        !self.faults.is_off(name)
    }
}

/// The outcome of verifying one signature element.
type SigOutcome = Result<Vec<Option<NodeId>>, String>;

/// Checks the base64 `SAMLResponse` posted to the ACS; on success returns the login.
pub fn consume(input: &AcsInput<'_>, saml_response: &str) -> Result<Login, Refusal> {
    let run = Run {
        faults: input.faults,
    };
    let (now, skew) = (input.now, input.skew);
    let xml =
        decode_post(saml_response, "SAMLResponse").map_err(|e| refuse(MALFORMED, e.to_string()))?;
    // XML security: no DTD, no entity declarations, refused before any parsing (SPT "xml"
    // cases; OWASP XXE). With the switch off, uppsala expands internal entities within limits.
    run.check("no-dtd", || {
        if has_dtd(&xml) {
            Err("the Response has a DOCTYPE or ENTITY declaration".into())
        } else {
            Ok(())
        }
    })?;
    let doc =
        uppsala::parse(&xml).map_err(|e| refuse(MALFORMED, format!("not well-formed XML: {e}")))?;
    let root = doc
        .document_element()
        .filter(|r| dom::is(&doc, *r, ns::PROTOCOL, "Response"))
        .ok_or_else(|| refuse(MALFORMED, "the root element is not samlp:Response"))?;
    let a = |n: &str| dom::attr(&doc, root, n);

    // SAML Core §3.2.2: Version 2.0 (SPT 10–11).
    run.check("version", || checks::version(a("Version"), "Response"))?;
    // SAML Core §3.2.2: ID required, an xs:ID (SPT 8–9).
    run.check("response-id", || checks::xml_id(a("ID"), "Response"))?;

    // RT single-sign-on: InResponseTo must name an outstanding request of this browser
    // session; unsolicited Responses are refused (SPT 16–19). The request is used once.
    let irt = a("InResponseTo");
    let taken = match (input.sid, irt) {
        (Some(sid), Some(id)) => input.sessions.take_outstanding(sid, id),
        _ => None,
    };
    let request = match taken {
        Some(o) => o,
        None if run.on("in-response-to") => {
            return Err(refuse(
                "in-response-to",
                format!(
                    "InResponseTo {} is not an outstanding request of this browser session",
                    checks::shown(irt)
                ),
            ))
        }
        None => guess_request(input, &doc, root, irt)?,
    };
    // SAML Bindings §3.5.3 (HTTP-POST) and §3.4.3: the IdP must return the exact RelayState it
    // received with the request; a changed or missing one is a tampered or misrouted answer.
    run.check("relay-state", || {
        match (&request.relay_state, input.relay_state) {
            (None, _) => Ok(()),
            (Some(sent), Some(got)) if sent == got => Ok(()),
            (Some(_), Some(got)) => Err(format!(
                "RelayState {got:?} is not the one sent with the request"
            )),
            (Some(_), None) => Err("the RelayState sent with the request did not come back".into()),
        }
    })?;
    let idp: Arc<TrustedIdp> = input
        .idps
        .get(&request.idp)
        .cloned()
        .ok_or_else(|| refuse("issuer", format!("the IdP {} is not trusted", request.idp)))?;

    // Signatures: algorithms first, then bergshamra verifies every ds:Signature with the IdP's
    // metadata certificates only (trusted keys, strict positions).
    let signatures = dom::all_named(&doc, root, ns::DSIG, "Signature");
    // RT trasmissione: SHA-256 or stronger; SHA-1 refused (SPT signature/digest allow-lists).
    run.check("signature-algorithm", || {
        signatures
            .iter()
            .try_for_each(|s| checks::algorithms(&doc, *s))
    })?;
    let verified = verify_signatures(&idp, &doc, &xml, &signatures);

    // RT single-sign-on: the Response signature is optional ("può"), but when present it must
    // verify with the IdP's certificate (SPT 4–7).
    let response_sigs: Vec<NodeId> = dom::children(&doc, root, ns::DSIG, "Signature").collect();
    for sig in &response_sigs {
        let outcome = verified
            .get(sig)
            .cloned()
            .unwrap_or_else(|| Err("not verified".into()));
        run.check("response-signature", || {
            outcome
                .as_ref()
                .map(|_| ())
                .map_err(|e| format!("the Response signature does not verify: {e}"))
        })?;
        if let Ok(resolved) = &outcome {
            // XSW: the Response signature must cover the Response root itself.
            run.check("signed-node", || {
                checks::signed_node(resolved, root, "Response")
            })?;
        }
    }

    // RT single-sign-on: Response Issuer = the IdP's entityID (SPT 27–29) ...
    let issuer = dom::child(&doc, root, ns::ASSERTION, "Issuer");
    run.check("issuer", || {
        let value = issuer.map(|i| dom::text(&doc, i));
        checks::issuer(value.as_deref(), "Response", &idp.entity_id)
    })?;
    // ... with Format absent or entity (SPT 30 KO, 31 OK).
    run.check("issuer-format", || {
        let format = issuer.and_then(|i| dom::attr(&doc, i, "Format"));
        checks::issuer_format(format, "Response", true)
    })?;
    // SPT 12–15: IssueInstant not before the request, not after receipt.
    run.check("response-issue-instant", || {
        checks::issue_instant(a("IssueInstant"), "Response", request.issued, now, skew)
    })?;
    // RT / SPT 20–21: Destination = the ACS URL reached. With `destination-unsigned` off the SP
    // has a combination bug: it checks Destination only on a signed Response (a legal unsigned
    // Response with a wrong Destination gets through; each alone is handled right).
    let response_signed = !response_sigs.is_empty();
    if response_signed || run.on("destination-unsigned") {
        run.check("destination", || match a("Destination") {
            Some(d) if d == input.acs_url => Ok(()),
            other => Err(format!(
                "Destination {} is not this ACS ({})",
                checks::shown(other),
                input.acs_url
            )),
        })?;
    }
    // RT messaggi-errore: anything but Success is an error; nr19–nr30 get the SPID error page
    // (SPT 104–108, 111).
    status(&run, &doc, root)?;

    // SAML Profiles §4.1.4.2 and XSW defence: exactly one Assertion, a child of the Response,
    // and no EncryptedAssertion (SPT 32 and the XSW cases).
    let assertions = dom::all_named(&doc, root, ns::ASSERTION, "Assertion");
    let encrypted = dom::all_named(&doc, root, ns::ASSERTION, "EncryptedAssertion");
    run.check("single-assertion", || {
        let direct = assertions
            .first()
            .is_some_and(|x| doc.parent(*x) == Some(root));
        if assertions.len() == 1 && direct && encrypted.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} Assertion(s) ({} as a child of the Response) and {} EncryptedAssertion(s); exactly one Assertion child is required",
                assertions.len(),
                usize::from(direct),
                encrypted.len()
            ))
        }
    })?;
    let assertion = dom::children(&doc, root, ns::ASSERTION, "Assertion")
        .next()
        .or_else(|| assertions.first().copied())
        .ok_or_else(|| refuse("single-assertion", "there is no Assertion"))?;

    // RT single-sign-on: the Assertion signature is mandatory (SPT 2–3, 100, 112–113) ...
    let assertion_sigs: Vec<NodeId> =
        dom::children(&doc, assertion, ns::DSIG, "Signature").collect();
    let valid = assertion_sigs
        .iter()
        .find_map(|s| verified.get(s).and_then(|o| o.as_ref().ok()));
    run.check("assertion-signature", || {
        match (valid, assertion_sigs.first()) {
            (Some(_), _) => Ok(()),
            (None, None) => Err("the Assertion is not signed".into()),
            (None, Some(s)) => Err(format!(
                "the Assertion signature does not verify: {}",
                verified
                    .get(s)
                    .and_then(|o| o.as_ref().err())
                    .cloned()
                    .unwrap_or_default()
            )),
        }
    })?;
    // ... and must cover this Assertion itself, not another node (XSW).
    if let Some(resolved) = valid {
        run.check("signed-node", || {
            checks::signed_node(resolved, assertion, "Assertion")
        })?;
    }

    // XSW defence: the Assertion read is the one whose signature was checked (the Response's
    // child). With `consumed-assertion` off the SP reads the first Assertion in document order,
    // wherever it is (an Assertion wrapped in samlp:Extensions comes first): the classic
    // wrapping bug, where verification and consumption pick different elements. Observable only
    // with `single-assertion` off too (SAML Security §6.5 / XSW, Somorovsky 2012).
    let assertion = if run.on("consumed-assertion") {
        assertion
    } else {
        assertions.first().copied().unwrap_or(assertion)
    };
    let aa = |n: &str| dom::attr(&doc, assertion, n);
    run.check("version", || checks::version(aa("Version"), "Assertion"))?;
    run.check("assertion-id", || checks::xml_id(aa("ID"), "Assertion"))?;
    run.check("assertion-issue-instant", || {
        checks::issue_instant(aa("IssueInstant"), "Assertion", request.issued, now, skew)
    })?;

    // Values are all the text of an element, comments skipped (CVE-2017-11427: a comment
    // inserted in a signed value leaves the signature valid; reading only the first text node
    // would log in someone else).
    let model = if run.on("text-nodes") {
        Assertion::read(&doc, assertion)
    } else {
        Assertion::read_with(&doc, assertion, dom::first_text_node)
    };
    let time = |v: &Option<String>| v.as_deref().and_then(checks::parse_instant);

    // RT: Assertion Issuer = the IdP (SPT 67–69) with Format entity (SPT 70–72).
    let issuer = model.issuer.as_ref();
    run.check("issuer", || {
        checks::issuer(
            issuer.map(|i| i.value.as_str()),
            "Assertion",
            &idp.entity_id,
        )
    })?;
    run.check("issuer-format", || {
        checks::issuer_format(issuer.and_then(|i| i.format.as_deref()), "Assertion", false)
    })?;

    // RT: NameID transient with NameQualifier (SPT 45–52).
    run.check("name-id", || {
        let n = model.name_id.as_ref().ok_or("the Subject has no NameID")?;
        if n.value.is_empty() {
            return Err("the NameID is empty".into());
        }
        if n.format.as_deref() != Some(ns::NAMEID_TRANSIENT) {
            return Err(format!("NameID Format {:?} is not transient", n.format));
        }
        if n.name_qualifier
            .as_deref()
            .is_none_or(|q| q.trim().is_empty())
        {
            return Err("NameID has no NameQualifier".into());
        }
        Ok(())
    })?;

    // RT / SAML Profiles §4.1.4.2: bearer confirmation, Recipient = ACS, InResponseTo = the
    // request, NotOnOrAfter not passed (SPT 53–66).
    run.check("subject-confirmation", || {
        let mut why = String::from("the Subject has no SubjectConfirmation");
        for c in &model.confirmations {
            if c.method.as_deref() != Some(ns::CM_BEARER) {
                why = format!("SubjectConfirmation Method {:?} is not bearer", c.method);
                continue;
            }
            if !c.has_data {
                why = "SubjectConfirmation has no SubjectConfirmationData".into();
                continue;
            }
            if c.recipient.as_deref() != Some(input.acs_url) {
                why = format!("Recipient {:?} is not this ACS", c.recipient);
                continue;
            }
            if c.in_response_to.as_deref() != Some(request.id.as_str()) {
                why = format!(
                    "SubjectConfirmationData InResponseTo {:?} is not the request {}",
                    c.in_response_to, request.id
                );
                continue;
            }
            match time(&c.not_on_or_after) {
                Some(t) if t > now - skew => return Ok(()),
                Some(_) => why = "SubjectConfirmationData NotOnOrAfter has passed".into(),
                None => why = "SubjectConfirmationData NotOnOrAfter is missing or malformed".into(),
            }
        }
        Err(why)
    })?;
    let confirmation_until = model
        .confirmations
        .iter()
        .filter_map(|c| time(&c.not_on_or_after))
        .max();

    // RT: Conditions with NotBefore and NotOnOrAfter, now inside them (SPT 73–82).
    let conditions = model.conditions.as_ref();
    let not_on_or_after = conditions.and_then(|c| time(&c.not_on_or_after));
    run.check("conditions", || {
        let c = conditions.ok_or("the Assertion has no Conditions")?;
        let nb = time(&c.not_before).ok_or("Conditions NotBefore is missing or malformed")?;
        let na = not_on_or_after.ok_or("Conditions NotOnOrAfter is missing or malformed")?;
        if nb > now + skew {
            return Err("the Assertion is not valid yet (NotBefore)".into());
        }
        if na <= now - skew {
            return Err("the Assertion has expired (NotOnOrAfter)".into());
        }
        Ok(())
    })?;
    // RT: AudienceRestriction/Audience = our entityID (SPT 83–87).
    run.check("audience", || {
        let audiences: Vec<&str> = conditions
            .map(|c| c.audiences.iter().map(String::as_str).collect())
            .unwrap_or_default();
        if audiences.contains(&input.entity_id) {
            Ok(())
        } else {
            Err(format!(
                "Audience {audiences:?} does not name this SP ({})",
                input.entity_id
            ))
        }
    })?;

    // RT: the level, and the acceptance matrix (docs/rules/spid-saml.md).
    let statement = model.authn_statements.first();
    let class_ref = statement.and_then(|s| s.class_ref.as_deref());
    let mut level = class_ref.and_then(Level::from_uri);
    if run.on("authn-context") {
        level = Some(
            checks::authn_context(class_ref, request.level, request.comparison)
                .map_err(|r| refuse("authn-context", r))?,
        );
    }
    let session_index = statement.and_then(|s| s.session_index.clone());
    // RT single-sign-on (Assertion): SessionIndex by the level the request ASKED for, never by
    // the level asserted: an IdP may upgrade ("Tale scelta non deve comportare un esito negativo
    // della richiesta").
    // With the in-response-to check off the request may be a guess (no IssueInstant): there is
    // no requested level to judge by, so the check has nothing to say.
    if request.issued.is_some() {
        run.check("session-index", || {
            checks::session_index(request.level, session_index.as_deref())
        })?;
    }

    // CIE manuale SP: the CIE-only checks (FriendlyNames, SPNameQualifier).
    if idp.cie {
        run.check(crate::cie::CHECK_FRIENDLY_NAMES, || {
            crate::cie::friendly_names(&doc, assertion)
        })?;
        run.check(crate::cie::CHECK_SP_NAME_QUALIFIER, || {
            crate::cie::sp_name_qualifier(&doc, assertion, input.entity_id)
        })?;
    }

    // RT attributi: exactly what the AttributeConsumingService asked for.
    let received = model.attributes.clone();
    let requested = requested_attributes(request.attribute_index);
    run.check("attributes", || checks::attributes(&received, requested))?;

    // RT: keep Response and Assertion IDs against replay until NotOnOrAfter.
    let ids: Vec<&str> = [a("ID"), aa("ID")]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
    run.check("replay", || match input.sessions.replayed(&ids, now) {
        Some(id) => Err(format!("ID {id} was already consumed (replay)")),
        None if !input.sessions.replay_has_room(ids.len(), now) => Err(
            "the replay cache is full of IDs not yet expired: refused rather than forget one (retry in a few minutes)"
                .into(),
        ),
        None => Ok(()),
    })?;
    let until = [not_on_or_after, confirmation_until]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(now)
        .max(now)
        + skew;
    input.sessions.remember(&ids, until, now);

    Ok(Login {
        idp: idp.entity_id.clone(),
        name_id: model
            .name_id
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_default(),
        name_qualifier: model
            .name_id
            .as_ref()
            .and_then(|n| n.name_qualifier.clone())
            .unwrap_or_default(),
        session_index,
        level: level.unwrap_or(request.level),
        via_pin: false,
        attributes: received
            .into_iter()
            .map(|(n, v)| (n, v.unwrap_or_default()))
            .collect(),
    })
}

/// With the in-response-to check off: the request this Response most likely answers, or one
/// made up from the Issuer (L1 minimum, attribute set 0, no IssueInstant bound).
fn guess_request(
    input: &AcsInput<'_>,
    doc: &Document<'_>,
    root: NodeId,
    irt: Option<&str>,
) -> Result<Outstanding, Refusal> {
    if let Some(o) = input.sessions.guess_outstanding(input.sid, irt) {
        // Not bound to this browser's request, so no RelayState to expect either.
        return Ok(Outstanding {
            relay_state: None,
            ..o
        });
    }
    let issuer = dom::child(doc, root, ns::ASSERTION, "Issuer")
        .map(|i| dom::text(doc, i))
        .or_else(|| {
            dom::all_named(doc, root, ns::ASSERTION, "Assertion")
                .first()
                .and_then(|x| dom::child(doc, *x, ns::ASSERTION, "Issuer"))
                .map(|i| dom::text(doc, i))
        })
        .unwrap_or_default();
    let idp = input
        .idps
        .get(&issuer)
        .ok_or_else(|| refuse("issuer", format!("no trusted IdP has entityID {issuer:?}")))?;
    Ok(Outstanding {
        id: irt.unwrap_or_default().to_string(),
        idp: idp.entity_id.clone(),
        level: Level::L1,
        comparison: Comparison::Minimum,
        attribute_index: 0,
        issued: None,
        relay_state: None,
    })
}

/// Verifies every signature with the IdP's certificates; maps each `ds:Signature` to the nodes
/// its references resolved to, or why it failed.
fn verify_signatures(
    idp: &TrustedIdp,
    doc: &Document<'_>,
    xml: &str,
    signatures: &[NodeId],
) -> HashMap<NodeId, SigOutcome> {
    let mut out = HashMap::new();
    if signatures.is_empty() {
        return out;
    }
    match bergshamra::dsig::verify::verify_all_document_with_source(&idp.dsig, doc, Some(xml)) {
        Ok(results) => {
            // One result per ds:Signature, in document order; match them by node when valid.
            for (sig, result) in signatures.iter().zip(results) {
                let outcome = match result {
                    bergshamra::VerifyResult::Valid {
                        signature_node,
                        references,
                        ..
                    } if signature_node == *sig => {
                        if references.iter().all(|r| r.digest_verified) {
                            Ok(references.iter().map(|r| r.resolved_node).collect())
                        } else {
                            Err("a reference was not digested locally".to_string())
                        }
                    }
                    bergshamra::VerifyResult::Valid { .. } => {
                        Err("signature order mismatch".to_string())
                    }
                    bergshamra::VerifyResult::Invalid { reason } => Err(reason),
                };
                out.insert(*sig, outcome);
            }
        }
        Err(e) => {
            for sig in signatures {
                out.insert(*sig, Err(e.to_string()));
            }
        }
    }
    out
}

/// The status check (RT messaggi-errore; SPT 22–26, 104–111).
fn status(run: &Run<'_>, doc: &Document<'_>, root: NodeId) -> Result<(), Refusal> {
    if !run.on("status") {
        return Ok(());
    }
    let status = dom::child(doc, root, ns::PROTOCOL, "Status");
    let code = status.and_then(|s| dom::child(doc, s, ns::PROTOCOL, "StatusCode"));
    let top = code.and_then(|c| dom::attr(doc, c, "Value"));
    if top == Some(ns::STATUS_SUCCESS) {
        return Ok(());
    }
    let sub = code
        .and_then(|c| dom::child(doc, c, ns::PROTOCOL, "StatusCode"))
        .and_then(|c| dom::attr(doc, c, "Value"));
    let message = status
        .and_then(|s| dom::child(doc, s, ns::PROTOCOL, "StatusMessage"))
        .map(|m| dom::text(doc, m))
        .unwrap_or_default();
    Err(Refusal {
        check: "status",
        reason: format!(
            "the IdP answered with status {} {} {:?}",
            top.unwrap_or("(none)"),
            sub.unwrap_or(""),
            message
        ),
        spid_error: checks::spid_error_code(&message),
    })
}
