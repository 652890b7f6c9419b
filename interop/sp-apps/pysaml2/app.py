"""The smallest SPID service provider built on pysaml2 (IdentityPython), configured as a careful
integrator would: signed AuthnRequests (RSA-SHA256, SHA-256) on HTTP-Redirect or HTTP-POST,
signed Assertions required, no unsolicited Responses, the SPID level asked for with Comparison
"minimum" and ForceAuthn above SpidL1, the SPID attributes requested, NameID transient,
InResponseTo bound to the browser's pending request, a replay cache of Assertion IDs, the level
asserted checked against the level asked for (an upgrade is accepted), signed logout messages
required, and signed SPID metadata with the public-sector ContactPerson extensions.

  GET  /login?idp=ENTITYID&level=1|2|3&binding=redirect|post
  POST /acs           Assertion Consumer Service
  GET  /me            the protected page (200 when logged in, else 401)
  GET  /logout        SP-initiated single logout; GET|POST /slo its endpoint (both bindings)
  GET  /metadata      signed SP metadata
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from flask import redirect, request, session  # noqa: E402
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, ExtensionElement, md  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.metadata import entity_descriptor, sign_entity_descriptor  # noqa: E402
from saml2.saml import NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef, NameID  # noqa: E402
from saml2.samlp import RequestedAuthnContext  # noqa: E402
from saml2.sigver import security_context  # noqa: E402

import pycommon as common  # noqa: E402

LIB = "pysaml2"
ENTITY_ID = f"https://{LIB}.interop.spid-harness.example"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SPID_NS = "https://spid.gov.it/saml-extensions"
KEY_DIR = Path(common.env_setting("SP_KEY_DIR"))
REPLAY = common.ReplayCache()
COUNTER = common.Counter()
STATE: dict = {}
LOCK = threading.Lock()


def session_alive(user: dict | None) -> bool:
    """A session ends when the IdP logs its NameID out (the live set is bounded by logins)."""
    return bool(user) and user["name_id"] in STATE["sessions"]


app = common.spid_app(__name__, COUNTER, alive=session_alive)


def trusted_metadata_files() -> list[str]:
    """pysaml2 reads metadata from files: the registry feed (fetched once) and each document."""
    work = Path(tempfile.mkdtemp(prefix="pysaml2-md-"))
    files = []
    for i, (eid, xml) in enumerate(common.idp_descriptors(common.load_idp_documents()).items()):
        path = work / f"idp-{i}.xml"
        path.write_bytes(xml)
        files.append(str(path))
    return files


def config(base: str) -> SPConfig:
    conf = SPConfig()
    conf.load({
        "entityid": ENTITY_ID,
        # The AttributeConsumingService's ServiceName (pysaml2 reads it from the top level).
        "name": ("Servizi online del Comune di Prova", "it"),
        "metadata": {"local": trusted_metadata_files()},
        "key_file": str(KEY_DIR / f"{LIB}.key.pem"),
        "cert_file": str(KEY_DIR / f"{LIB}.crt.pem"),
        "xmlsec_binary": shutil.which("xmlsec1"),
        # Clock skew tolerated between IdP and SP, in seconds.
        "accepted_time_diff": 120,
        # SPID attribute names are not in pysaml2's attribute maps: keep them as sent.
        "allow_unknown_attributes": True,
        "attribute_map_dir": str(Path(__file__).resolve().parent / "attribute-maps"),
        "service": {"sp": {
            "name": "Servizi online del Comune di Prova",
            "endpoints": {
                "assertion_consumer_service": [(f"{base}/acs", BINDING_HTTP_POST)],
                "single_logout_service": [(f"{base}/slo", BINDING_HTTP_REDIRECT),
                                          (f"{base}/slo", BINDING_HTTP_POST)],
            },
            "required_attributes": common.SPID_ATTRIBUTES,
            "requested_attribute_name_format": common.ATTR_NAME_FORMAT,
            "name_id_format": [NAMEID_FORMAT_TRANSIENT],
            "name_id_format_allow_create": False,
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": False,
            "signing_algorithm": RSA_SHA256,
            "digest_algorithm": SHA256,
        }},
        "organization": {"name": [(common.ORG_NAME, "it")],
                         "display_name": [(common.ORG_NAME, "it")],
                         "url": [("https://comune-di-prova.example", "it")]},
    })
    return conf


def client() -> Saml2Client:
    return STATE["client"]


def http_answer(info: dict):
    """pysaml2's http_info as a Flask answer: a redirect or an auto-posting form."""
    headers = dict(info.get("headers", []))
    if info.get("method") == "POST" or "Location" not in headers:
        return info["data"], 200, {"content-type": "text/html; charset=utf-8"}
    return redirect(headers["Location"])


@app.get("/login")
def login():
    idp = request.args.get("idp", "")
    level = common.requested_level(request.args.get("level", "2"))
    binding = {"redirect": BINDING_HTTP_REDIRECT, "post": BINDING_HTTP_POST}.get(
        request.args.get("binding", "redirect"))
    if idp not in STATE["idps"] or level is None or binding is None:
        return common.error_page("idp must be a trusted IdP entityID, level 1, 2 or 3, "
                                 "binding redirect or post", 400)
    authn_context = RequestedAuthnContext(
        authn_context_class_ref=[AuthnContextClassRef(text=common.SPID_LEVEL.format(level))],
        comparison="minimum")
    extra = {"force_authn": "true"} if level > 1 else {}
    req_id, info = client().prepare_for_authenticate(
        entityid=idp, relay_state=common.opaque_relay_state(), binding=binding, sign=True,
        sigalg=RSA_SHA256, digest_alg=SHA256, nameid_format=NAMEID_FORMAT_TRANSIENT,
        requested_authn_context=authn_context, attribute_consuming_service_index="0", **extra)
    session["pending"] = {"id": req_id, "idp": idp, "level": level}
    return http_answer(info)


@app.post("/acs")
def acs():
    pending = common.pending_login()
    try:
        resp = client().parse_authn_request_response(
            request.form.get("SAMLResponse", ""), BINDING_HTTP_POST,
            outstanding={pending["id"]: "/me"})
    except Exception as e:  # noqa: BLE001 - every failure is a refusal, with its reason
        return common.error_page(f"risposta non valida: {type(e).__name__}: {e}")
    if resp is None:
        return common.error_page("risposta non valida")
    if resp.issuer() != pending["idp"]:
        return common.error_page("la risposta non viene dall'IdP a cui è stata chiesta")
    user, refusal = common.checked_login(pending, [ctx[0] for ctx in resp.authn_info()],
                                         resp.ava or {})
    if refusal:
        return refusal
    assertion = resp.assertion
    if not REPLAY.first_use(assertion.id, time.time() + 600):
        return common.error_page("asserzione già usata")
    statements = assertion.authn_statement or []
    user.update(name_id=resp.name_id.text, name_id_format=resp.name_id.format,
                session_index=statements[0].session_index if statements else None)
    session["user"] = user
    with LOCK:
        live = STATE["sessions"]
        live[resp.name_id.text] = live.get(resp.name_id.text, 0) + 1
        while len(live) > 10_000:
            live.pop(next(iter(live)))
    common.logged_in(user)
    return redirect("/me")


@app.get("/logout")
def logout():
    user = session.pop("user", None)
    if not session_alive(user):
        return redirect("/")
    with LOCK:
        STATE["sessions"].pop(user["name_id"], None)
    destination = client().metadata.single_logout_service(
        user["idp"], BINDING_HTTP_REDIRECT, "idpsso")[0]["location"]
    req_id, req = client().create_logout_request(
        destination, user["idp"],
        name_id=NameID(text=user["name_id"], format=user["name_id_format"],
                       name_qualifier=user["idp"]),
        session_indexes=[user["session_index"]] if user["session_index"] else None)
    info = client().apply_binding(BINDING_HTTP_REDIRECT, str(req), destination,
                                  relay_state=common.opaque_relay_state(), sign=True,
                                  sigalg=RSA_SHA256)
    session["logout"] = {"id": req_id, "idp": user["idp"]}
    return http_answer(info)


def message_signed(binding: str, encoded: str) -> bool:
    """pysaml2 verifies a logout message's signature when there is one but, on the SP side,
    does not require one: the SPID rules do (RT single-logout)."""
    if binding == BINDING_HTTP_REDIRECT:
        return bool(request.args.get("Signature")) and bool(request.args.get("SigAlg"))
    try:
        xml = base64.b64decode(encoded)
    except ValueError:
        return False
    return b"SignatureValue" in xml


@app.route("/slo", methods=["GET", "POST"])
def slo():
    binding = BINDING_HTTP_REDIRECT if request.method == "GET" else BINDING_HTTP_POST
    params = request.args if request.method == "GET" else request.form
    if "SAMLResponse" in params:
        pending = session.pop("logout", None)
        if not pending:
            return common.error_page("nessun logout in corso", 400)
        if not message_signed(binding, params["SAMLResponse"]):
            return common.error_page("LogoutResponse non firmata", 400)
        try:
            resp = client().parse_logout_request_response(params["SAMLResponse"], binding)
        except Exception as e:  # noqa: BLE001
            return common.error_page(f"LogoutResponse non valida: {e}", 400)
        if resp is None or resp.response.in_response_to != pending["id"] \
                or resp.issuer() != pending["idp"]:
            return common.error_page("LogoutResponse non valida", 400)
        return "<!doctype html><title>Uscita</title><p>Sei uscito."
    if "SAMLRequest" in params:
        if not message_signed(binding, params["SAMLRequest"]):
            return common.error_page("LogoutRequest non firmata", 400)
        try:
            req = client().parse_logout_request(
                params["SAMLRequest"], binding, relay_state=params.get("RelayState"),
                sigalg=params.get("SigAlg"), signature=params.get("Signature"))
        except Exception as e:  # noqa: BLE001
            return common.error_page(f"LogoutRequest non valida: {e}", 400)
        if req is None:
            return common.error_page("LogoutRequest non valida", 400)
        message = req.message
        name_id = message.name_id.text if message.name_id is not None else None
        idp = message.issuer.text if message.issuer is not None else None
        with LOCK:
            known = name_id in STATE["sessions"] and idp in STATE["idps"]
            if known:
                STATE["sessions"].pop(name_id, None)
        status = None if known else "urn:oasis:names:tc:SAML:2.0:status:Requester"
        response = client().create_logout_response(message, [binding], status=status,
                                                   sign=binding == BINDING_HTTP_POST,
                                                   sign_alg=RSA_SHA256, digest_alg=SHA256)
        dest = client().metadata.single_logout_service(idp, binding, "idpsso")[0]["location"] \
            if idp in STATE["idps"] else ""
        info = client().apply_binding(binding, str(response), dest,
                                      relay_state=params.get("RelayState"), response=True,
                                      sign=binding == BINDING_HTTP_REDIRECT, sigalg=RSA_SHA256)
        return http_answer(info)
    return common.error_page("nessun messaggio SAML", 400)


def spid_metadata(conf: SPConfig) -> str:
    """pysaml2's SP metadata, with the SPID ContactPerson (spid:IPACode, spid:Public) added to
    its object model (its config cannot express the extensions), then signed."""
    edesc = entity_descriptor(conf)
    ext = md.Extensions(extension_elements=[
        ExtensionElement("IPACode", namespace=SPID_NS, text=common.IPA_CODE),
        ExtensionElement("Public", namespace=SPID_NS),
    ])
    edesc.contact_person = [md.ContactPerson(
        contact_type="other", extensions=ext,
        email_address=[md.EmailAddress(text=common.EMAIL)])]
    for sp in edesc.spsso_descriptor if isinstance(edesc.spsso_descriptor, list) \
            else [edesc.spsso_descriptor]:
        for i, a in enumerate(sp.assertion_consumer_service):
            a.index = str(i)
            a.is_default = "true" if i == 0 else None
        for acs_desc in sp.attribute_consuming_service:
            acs_desc.index = "0"
    secc = security_context(conf)
    _edesc, xml = sign_entity_descriptor(edesc, f"_{secrets.token_hex(16)}", secc,
                                         sign_alg=RSA_SHA256, digest_alg=SHA256)
    return xml


@app.get("/metadata")
def metadata():
    return STATE["metadata"], 200, {"content-type": "application/samlmetadata+xml"}


def start(base: str) -> None:
    conf = config(base)
    STATE["client"] = Saml2Client(conf)
    STATE["idps"] = set(STATE["client"].metadata.identity_providers())
    STATE["sessions"] = {}
    STATE["metadata"] = spid_metadata(conf)


if __name__ == "__main__":
    common.serve(app, start)
