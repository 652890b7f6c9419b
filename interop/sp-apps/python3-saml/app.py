"""The smallest SPID service provider built on OneLogin's python3-saml, configured as a careful
integrator would: strict mode, signed AuthnRequests (RSA-SHA256), signed Assertions required,
the SPID level asked for with Comparison "minimum" and ForceAuthn above SpidL1, the SPID
attributes requested, InResponseTo bound to the browser's pending request, a replay cache of
Assertion IDs, the level asserted checked against the level asked for (an upgrade is accepted),
and signed SPID metadata with the public-sector ContactPerson extensions.

  GET  /login?idp=ENTITYID&level=1|2|3   starts a login (HTTP-Redirect: the only binding
                                         python3-saml offers for AuthnRequests)
  POST /acs                              Assertion Consumer Service
  GET  /me                               the protected page (200 when logged in, else 401)
  GET  /logout, GET /slo                 single logout (SP- and IdP-initiated)
  GET  /metadata                         signed SP metadata
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from flask import redirect, request, session  # noqa: E402
from lxml import etree  # noqa: E402
from onelogin.saml2.auth import OneLogin_Saml2_Auth  # noqa: E402
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request  # noqa: E402
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C  # noqa: E402
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser  # noqa: E402
from onelogin.saml2.metadata import OneLogin_Saml2_Metadata  # noqa: E402
from onelogin.saml2.settings import OneLogin_Saml2_Settings  # noqa: E402

import pycommon as common  # noqa: E402

LIB = "python3-saml"
ENTITY_ID = f"https://{LIB}.interop.spid-harness.example"
KEY, CERT = common.key_pair(LIB)
IDPS = {
    eid: OneLogin_Saml2_IdPMetadataParser.parse(xml.decode(), entity_id=eid)["idp"]
    for eid, xml in common.idp_descriptors(common.load_idp_documents()).items()
}
REPLAY = common.ReplayCache()
COUNTER = common.Counter()
BASE = {"url": ""}

class SpidAuthnRequest(OneLogin_Saml2_Authn_Request):
    """python3-saml's AuthnRequest with the SPID Issuer (Format entity, NameQualifier) and no
    NameIDPolicy AllowCreate (Avviso SPID n. 5), through the library's own extension point
    (`OneLogin_Saml2_Auth.authn_request_class`): its template has neither option. The XML is
    edited before python3-saml encodes and signs it."""

    def __init__(self, settings, *args, **kwargs):
        super().__init__(settings, *args, **kwargs)
        eid = settings.get_sp_data()["entityId"]
        xml = self._authn_request.replace(
            f"<saml:Issuer>{eid}</saml:Issuer>",
            f'<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity" '
            f'NameQualifier="{eid}">{eid}</saml:Issuer>', 1)
        self._authn_request = xml.replace('\n        AllowCreate="true" />', " />", 1)


OneLogin_Saml2_Auth.authn_request_class = SpidAuthnRequest

app = common.spid_app(__name__, COUNTER)


def settings(idp: dict | None, level: int) -> dict:
    base = BASE["url"]
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": ENTITY_ID,
            "assertionConsumerService": {"url": f"{base}/acs", "binding": C.BINDING_HTTP_POST},
            "singleLogoutService": {"url": f"{base}/slo", "binding": C.BINDING_HTTP_REDIRECT},
            "attributeConsumingService": {
                "index": "0",
                "serviceName": "Servizi online del Comune di Prova",
                "requestedAttributes": [
                    {"name": a, "nameFormat": common.ATTR_NAME_FORMAT, "isRequired": True}
                    for a in common.SPID_ATTRIBUTES
                ],
            },
            "NameIDFormat": C.NAMEID_TRANSIENT,
            "x509cert": CERT,
            "privateKey": KEY,
        },
        "idp": idp or {"entityId": "urn:none", "singleSignOnService": {"url": "http://127.0.0.1/"},
                       "x509cert": CERT},
        "security": {
            "authnRequestsSigned": True,
            "logoutRequestSigned": True,
            "logoutResponseSigned": True,
            "signMetadata": False,
            "wantMessagesSigned": False,
            "wantAssertionsSigned": True,
            "wantNameId": True,
            "wantAttributeStatement": True,
            "wantXMLValidation": True,
            "requestedAuthnContext": [common.SPID_LEVEL.format(level)],
            "requestedAuthnContextComparison": "minimum",
            "failOnAuthnContextMismatch": False,
            "signatureAlgorithm": C.RSA_SHA256,
            "digestAlgorithm": C.SHA256,
            "rejectDeprecatedAlgorithm": True,
            "rejectUnsolicitedResponsesWithInResponseTo": True,
            "allowRepeatAttributeName": False,
        },
        "organization": {"it": {"name": common.ORG_NAME, "displayname": common.ORG_NAME,
                                "url": "https://comune-di-prova.example"}},
    }


def saml_request_data() -> dict:
    host, _, port = request.host.partition(":")
    return {"https": "off", "http_host": request.host, "server_port": port or "80",
            "script_name": request.path, "get_data": request.args.copy(),
            "post_data": request.form.copy(), "query_string": request.query_string.decode()}


@app.get("/login")
def login():
    idp = IDPS.get(request.args.get("idp", ""))
    level = common.requested_level(request.args.get("level", "2"))
    if idp is None or level is None:
        return common.error_page("idp must be a trusted IdP entityID and level 1, 2 or 3", 400)
    auth = OneLogin_Saml2_Auth(saml_request_data(), settings(idp, level))
    url = auth.login(return_to=common.opaque_relay_state(), force_authn=level > 1)
    session["pending"] = {"id": auth.get_last_request_id(), "idp": idp["entityId"], "level": level}
    return redirect(url)


@app.post("/acs")
def acs():
    pending = common.pending_login()
    idp = IDPS.get(pending["idp"])
    auth = OneLogin_Saml2_Auth(saml_request_data(), settings(idp, pending["level"]))
    try:
        auth.process_response(request_id=pending["id"])
    except Exception as e:  # noqa: BLE001 - every failure is a refusal, with its reason
        return common.error_page(f"risposta non valida: {e}")
    if auth.get_errors():
        return common.error_page(f"{auth.get_last_error_reason()}")
    user, refusal = common.checked_login(pending, auth.get_last_authn_contexts(),
                                         auth.get_attributes())
    if refusal:
        return refusal
    not_after = auth.get_last_assertion_not_on_or_after() or (time.time() + 300)
    if not REPLAY.first_use(auth.get_last_assertion_id(), float(not_after)):
        return common.error_page("asserzione già usata")
    user.update(name_id=auth.get_nameid(), name_id_format=auth.get_nameid_format(),
                name_id_nq=auth.get_nameid_nq(), session_index=auth.get_session_index())
    session["user"] = user
    common.logged_in(user)
    return redirect("/me")


@app.get("/logout")
def logout():
    user = session.pop("user", None)
    if not user:
        return redirect("/")
    idp = IDPS.get(user["idp"])
    auth = OneLogin_Saml2_Auth(saml_request_data(), settings(idp, user["level"]))
    url = auth.logout(return_to=common.opaque_relay_state(), name_id=user["name_id"],
                      session_index=user["session_index"], nq=user["idp"],
                      name_id_format=user["name_id_format"])
    session["logout"] = {"id": auth.get_last_request_id(), "idp": user["idp"],
                         "level": user["level"]}
    return redirect(url)


@app.route("/slo", methods=["GET"])
def slo():
    if not (request.args.get("Signature") and request.args.get("SigAlg")):
        # python3-saml verifies a logout message's signature when there is one, and requires
        # one only with wantMessagesSigned, which would also require signed Responses (SPID
        # asks for signed Assertions): the SPID rules sign logout messages (RT single-logout).
        return common.error_page("messaggio di logout non firmato", 400)
    pending = session.pop("logout", None)
    user = session.get("user")
    # A LogoutResponse answers our pending LogoutRequest; a LogoutRequest names the IdP of the
    # current session.
    idp_id = (pending or {}).get("idp") or (user or {}).get("idp")
    auth = OneLogin_Saml2_Auth(saml_request_data(),
                               settings(IDPS.get(idp_id or ""), (user or pending or {}).get("level", 1)))
    try:
        url = auth.process_slo(request_id=(pending or {}).get("id"),
                               delete_session_cb=lambda: session.pop("user", None))
    except Exception as e:  # noqa: BLE001
        return common.error_page(f"logout non valido: {e}", 400)
    if auth.get_errors():
        return common.error_page(f"logout non valido: {auth.get_last_error_reason()}", 400)
    if url:
        return redirect(url)
    return "<!doctype html><title>Uscita</title><p>Sei uscito."


def spid_metadata() -> str:
    """python3-saml's SP metadata, with the SPID ContactPerson (spid:IPACode, spid:Public) that
    its builder cannot express, then signed."""
    s = OneLogin_Saml2_Settings(settings(None, 2), sp_validation_only=True)
    xml = s.get_sp_metadata()
    root = etree.fromstring(xml if isinstance(xml, bytes) else xml.encode())
    md = common.MD
    contact = etree.SubElement(root, f"{{{md}}}ContactPerson", contactType="other")
    ext = etree.SubElement(contact, f"{{{md}}}Extensions",
                           nsmap={"spid": "https://spid.gov.it/saml-extensions"})
    etree.SubElement(ext, "{https://spid.gov.it/saml-extensions}IPACode").text = common.IPA_CODE
    etree.SubElement(ext, "{https://spid.gov.it/saml-extensions}Public")
    etree.SubElement(contact, f"{{{md}}}EmailAddress").text = common.EMAIL
    # ACS index 0, default (SPID RT metadata: "index" 0 for the default ACS).
    for a in root.iter(f"{{{md}}}AssertionConsumerService"):
        a.set("index", "0")
        a.set("isDefault", "true")
    return OneLogin_Saml2_Metadata.sign_metadata(etree.tostring(root).decode(), KEY, CERT,
                                                 C.RSA_SHA256, C.SHA256)


METADATA: dict[str, str] = {}


@app.get("/metadata")
def metadata():
    if "xml" not in METADATA:
        METADATA["xml"] = spid_metadata()
    return METADATA["xml"], 200, {"content-type": "application/samlmetadata+xml"}


if __name__ == "__main__":
    common.serve(app, lambda base: BASE.update(url=base))
