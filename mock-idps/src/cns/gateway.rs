//! The CNS gateway identity provider: a SAML IdP on the CNS mutual-TLS listener, the way regional
//! identity gateways turn a card login into a SAML Response for the service (issue #6 item 4,
//! docs/rules/cns.md). `GET /cns/sso?SAMLRequest=…` (HTTP-Redirect binding, the query string
//! signed) or `POST /cns/sso` with the form field `SAMLRequest` (HTTP-POST binding, the request
//! carrying an enveloped signature), as its metadata lists both, is checked with the SPID request
//! rules, the holder is read from the verified client certificate, and a signed Response is
//! auto-posted to the service's ACS. Its metadata is served on the plain-HTTP federation port
//! at `/idp/cns-gateway/metadata`, with the SSO location on the mutual-TLS listener.

use crate::cns::holder::{read_holder, CardIdentity};
use crate::cns::listener::PeerCertificates;
use crate::profile::SamlProfile;
use crate::saml::authn_request::AuthnRequest;
use crate::saml::binding::{
    decode_post, decode_redirect, post_form, post_form_fields, MessageKind,
};
use crate::saml::dsig::{verify_enveloped, DsigError};
use crate::saml::idp_metadata::{idp_metadata, IdpDescription};
use crate::saml::keys::SigningKey;
use crate::saml::response::ResponsePlan;
use crate::saml::status::code;
use crate::saml::xml_read::XmlDoc;
use crate::spid::assertion::{error_plan, success_plan, Issuer};
use crate::spid::identity::{IdentityStatus, User};
use crate::spid::level::Level;
use crate::spid::purpose::IdentityKind;
use crate::spid::request_rules::{validate, Addressee};
use crate::spid::state::MockState;
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The gateway's provider id (its key pair is `fixtures/keys/cns-gateway.{key,crt}.pem`).
pub const GATEWAY_ID: &str = "cns-gateway";

/// The level the gateway asserts for a card login. Regional CNS gateways map a CNS login
/// (possession of the card + knowledge of its PIN) to a "substantial" level of assurance
/// (eIDAS Regulation 2015/1502 annex, as the SPID levels map it: SpidL2 = substantial), not
/// to "high": the card PIN is checked by the card, not by the gateway.
pub const GATEWAY_LEVEL: Level = Level::L2;

/// The running gateway: entity, endpoints, key and its signed metadata.
#[derive(Debug)]
pub struct CnsGateway {
    state: Arc<MockState>,
    entity_id: String,
    sso_url: String,
    key: Arc<SigningKey>,
    metadata: String,
}

impl CnsGateway {
    /// A gateway with entityID `{federation base}/idp/cns-gateway` whose SSO endpoint is
    /// `{tls_base}/cns/sso`; signs its metadata once.
    pub fn new(
        state: Arc<MockState>,
        key: Arc<SigningKey>,
        tls_base: &str,
    ) -> Result<Self, DsigError> {
        let entity_id = format!("{}/idp/{GATEWAY_ID}", state.base_url);
        let sso_url = format!("{}/cns/sso", tls_base.trim_end_matches('/'));
        let metadata = idp_metadata(
            &IdpDescription {
                entity_id: &entity_id,
                id: "_metadata_cns-gateway",
                sso_url: &sso_url,
                // Card logins end at the service; the gateway keeps no session to log out of.
                slo_url: None,
                organization: "spid-harness CNS gateway",
                display_name: "Gateway CNS (mock, spid-harness)",
                organization_url: "https://github.com/spid-harness",
                attributes: &SamlProfile::spid().attributes,
                cert_base64: key.cert_base64(),
            },
            &key,
        )?;
        Ok(Self {
            state,
            entity_id,
            sso_url,
            key,
            metadata,
        })
    }

    /// The entityID.
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The SSO endpoint on the mutual-TLS listener.
    pub fn sso_url(&self) -> &str {
        &self.sso_url
    }

    /// The signed metadata.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// Answers one `GET /cns/sso` (HTTP-Redirect): an auto-post form with the signed Response,
    /// or an error page.
    pub fn answer(
        &self,
        query: &str,
        client_cert: Option<&[u8]>,
    ) -> Result<String, GatewayRefusal> {
        self.answer_inbound(GatewayInbound::Redirect(query), client_cert)
    }

    /// Answers one request on either binding.
    pub fn answer_inbound(
        &self,
        inbound: GatewayInbound<'_>,
        client_cert: Option<&[u8]>,
    ) -> Result<String, GatewayRefusal> {
        let page = |status: StatusCode, detail: String| GatewayRefusal { status, detail };
        let bad = |detail: String| page(StatusCode::BAD_REQUEST, detail);
        let (xml, relay_state, redirect) = match inbound {
            GatewayInbound::Redirect(query) => {
                let msg = decode_redirect(query).map_err(|e| bad(e.to_string()))?;
                if msg.kind != MessageKind::Request {
                    return Err(bad(
                        "SAMLResponse sent to the SSO endpoint; an AuthnRequest goes in SAMLRequest"
                            .into(),
                    ));
                }
                (msg.xml.clone(), msg.relay_state.clone(), Some(msg))
            }
            GatewayInbound::Post {
                saml_request,
                relay_state,
            } => {
                let value = saml_request.ok_or_else(|| {
                    bad("no SAMLRequest field in the POST form (HTTP-POST binding)".into())
                })?;
                let xml = decode_post(value, "SAMLRequest").map_err(|e| bad(e.to_string()))?;
                (xml, relay_state.map(str::to_string), None)
            }
        };
        let doc = XmlDoc::parse(&xml).map_err(|e| bad(e.to_string()))?;
        let req = AuthnRequest::from_doc(&doc)
            .map_err(|e| page(StatusCode::BAD_REQUEST, e.to_string()))?;
        let issuer = req
            .issuer
            .as_ref()
            .filter(|i| req.issuer_count == 1 && !i.value.is_empty())
            .ok_or_else(|| {
                page(
                    StatusCode::BAD_REQUEST,
                    "exactly one non-empty saml:Issuer is required".into(),
                )
            })?;
        let sp = self.state.sp(&issuer.value).ok_or_else(|| {
            page(
                StatusCode::BAD_REQUEST,
                format!(
                    "no SP with entityID {} is registered: POST its metadata to /admin/sp-metadata",
                    issuer.value
                ),
            )
        })?;
        // SPID rules: on HTTP-Redirect the query string is signed (SigAlg, Signature); on
        // HTTP-POST the AuthnRequest carries an enveloped signature.
        match &redirect {
            Some(msg) => msg
                .verify(&sp.signing_certs)
                .map_err(|e| page(StatusCode::FORBIDDEN, e.to_string()))?,
            None => {
                let root = doc
                    .root()
                    .ok_or_else(|| bad("the SAMLRequest has no root element".into()))?;
                verify_enveloped(&doc, root, &sp.signing_certs)
                    .map_err(|e| page(StatusCode::FORBIDDEN, e.to_string()))?;
            }
        }
        let now = self.state.clock.now();
        let idp = Issuer {
            entity_id: &self.entity_id,
            response_issuer_format: true,
        };
        let addressee = Addressee {
            entity_id: &self.entity_id,
            sso_url: &self.sso_url,
        };
        let relay = relay_state.as_deref();
        let valid = match validate(&req, &sp, addressee, now, self.state.config.request_skew) {
            Ok(v) => v,
            Err(v) => {
                let plan = error_plan(
                    idp,
                    code(v.code),
                    v.in_response_to.as_deref(),
                    &v.reply_to,
                    now,
                    &self.state.ids,
                );
                return self.signed_form(&v.reply_to, &plan, relay);
            }
        };
        // The card: the TLS layer verified chain, validity and CRLs; the holder check reads the
        // codice fiscale and the CNS/CIE policy (CNSA pattern).
        let der = client_cert
            .ok_or_else(|| page(StatusCode::UNAUTHORIZED, "no client certificate".into()))?;
        let card = read_holder(der).map_err(|e| page(StatusCode::FORBIDDEN, e.to_string()))?;
        // A request for L3 cannot be met at the gateway's level: SPID ErrorCode nr20 (no
        // credential of the requested level), answered to the SP as the SPID rules say.
        let Some(level) =
            crate::spid::level::negotiate(valid.level, valid.comparison, GATEWAY_LEVEL)
        else {
            let plan = error_plan(
                idp,
                code(20),
                Some(&valid.id),
                &valid.acs_url,
                now,
                &self.state.ids,
            );
            return self.signed_form(&valid.acs_url, &plan, relay);
        };
        let user = card_user(&card);
        let plan = success_plan(
            idp,
            &valid,
            &user,
            level,
            self.state.ids.name_id(),
            &self.state.ids.saml_id(),
            now,
            self.state.config.assertion_lifetime,
            &self.state.ids,
        );
        self.signed_form(&valid.acs_url, &plan, relay)
    }

    fn signed_form(
        &self,
        acs: &str,
        plan: &ResponsePlan,
        relay: Option<&str>,
    ) -> Result<String, GatewayRefusal> {
        let xml = plan.sign(&self.key).map_err(|e| GatewayRefusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: format!("signing the Response failed: {e}"),
        })?;
        Ok(post_form(acs, MessageKind::Response, &xml, relay))
    }
}

/// An AuthnRequest as it reached the gateway.
#[derive(Debug, Clone, Copy)]
pub enum GatewayInbound<'a> {
    /// HTTP-Redirect: the raw query string.
    Redirect(&'a str),
    /// HTTP-POST: the form fields.
    Post {
        /// `SAMLRequest` (base64), if sent.
        saml_request: Option<&'a str>,
        /// `RelayState`, if sent.
        relay_state: Option<&'a str>,
    },
}

/// Why the gateway answered with its own error page instead of a Response.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct GatewayRefusal {
    /// HTTP status of the page.
    pub status: StatusCode,
    /// What is wrong.
    pub detail: String,
}

/// The card holder as an identity the SPID Response builder releases from: fiscalNumber, name
/// and familyName, the only attributes a CNS certificate carries.
fn card_user(card: &CardIdentity) -> User {
    let attributes = BTreeMap::from([
        ("fiscalNumber".to_string(), card.fiscal_number.clone()),
        ("name".to_string(), card.name.clone()),
        ("familyName".to_string(), card.family_name.clone()),
    ]);
    User {
        username: card.fiscal_number.clone(),
        password: String::new(),
        max_level: GATEWAY_LEVEL,
        device_pin: None,
        status: IdentityStatus::Active,
        kind: IdentityKind::Natural,
        note: format!("CNS card {} issued by {}", card.serial, card.issuer),
        attributes,
    }
}

/// `GET` and `POST /cns/sso` on the mutual-TLS listener.
pub fn tls_router(gateway: Arc<CnsGateway>) -> Router {
    Router::new()
        .route("/cns/sso", get(sso).post(sso_post))
        .with_state(gateway)
}

/// `GET /idp/cns-gateway/metadata` on the plain-HTTP federation port.
pub fn http_router(gateway: Arc<CnsGateway>) -> Router {
    Router::new()
        .route("/idp/cns-gateway/metadata", get(metadata))
        .with_state(gateway)
}

async fn sso(
    State(gateway): State<Arc<CnsGateway>>,
    RawQuery(query): RawQuery,
    peer: Option<Extension<PeerCertificates>>,
) -> Response {
    let leaf = peer.as_ref().and_then(|Extension(p)| p.0.first().cloned());
    let inbound = GatewayInbound::Redirect(query.as_deref().unwrap_or(""));
    page(gateway.answer_inbound(inbound, leaf.as_deref()))
}

async fn sso_post(
    State(gateway): State<Arc<CnsGateway>>,
    peer: Option<Extension<PeerCertificates>>,
    body: Bytes,
) -> Response {
    let leaf = peer.as_ref().and_then(|Extension(p)| p.0.first().cloned());
    let answer = match post_form_fields(&body) {
        Ok(form) => gateway.answer_inbound(
            GatewayInbound::Post {
                saml_request: form.get("SAMLRequest").map(String::as_str),
                relay_state: form.get("RelayState").map(String::as_str),
            },
            leaf.as_deref(),
        ),
        // A SAMLRequest or RelayState given twice, as on the providers' SSO endpoints.
        Err(e) => Err(GatewayRefusal {
            status: StatusCode::BAD_REQUEST,
            detail: e.to_string(),
        }),
    };
    page(answer)
}

fn page(answer: Result<String, GatewayRefusal>) -> Response {
    match answer {
        Ok(html) => Html(html).into_response(),
        Err(r) => (
            r.status,
            Html(format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Gateway CNS</title></head><body><h1>Accesso con CNS non riuscito</h1><p>{}</p></body></html>",
                crate::html::escape(&r.detail)
            )),
        )
            .into_response(),
    }
}

async fn metadata(State(gateway): State<Arc<CnsGateway>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/samlmetadata+xml; charset=utf-8",
        )],
        gateway.metadata.clone(),
    )
        .into_response()
}
