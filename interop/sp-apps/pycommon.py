"""What the two Python matrix apps share: their settings from the environment, the IdP metadata
they trust, the SPID attributes and levels, a bounded replay cache, and the HTTP server.

Not part of any library under test: only the glue an integrator writes around one.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import urllib.request
from collections import OrderedDict
from pathlib import Path

from lxml import etree

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
SPID_LEVEL = "https://www.spid.gov.it/SpidL{}"
# The attributes the service asks for (SPID technical rules, "Attributi"): names as the IdPs
# send them, with NameFormat basic.
SPID_ATTRIBUTES = ["spidCode", "name", "familyName", "fiscalNumber", "email", "dateOfBirth"]
ATTR_NAME_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
# Contact data of the (fictitious) public administration running the app.
ORG_NAME = "Comune di Prova"
IPA_CODE = "c_h501"
EMAIL = "spid-tech@comune-di-prova.example"


def env_setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SystemExit(f"{name} is not set")
    return value


def load_idp_documents() -> list[bytes]:
    """The IdP metadata documents trusted: the registry feed at SP_IDP_REGISTRY_URL (fetched once
    at start, as an operator would) and the files in SP_IDP_METADATA_FILES."""
    docs = []
    url = os.environ.get("SP_IDP_REGISTRY_URL")
    if url:
        with urllib.request.urlopen(url, timeout=10) as r:
            docs.append(r.read())
    for path in filter(None, os.environ.get("SP_IDP_METADATA_FILES", "").split(os.pathsep)):
        docs.append(Path(path).read_bytes())
    if not docs:
        raise SystemExit("no IdP metadata: set SP_IDP_REGISTRY_URL or SP_IDP_METADATA_FILES")
    return docs


def idp_descriptors(docs: list[bytes]) -> dict[str, bytes]:
    """entityID -> a standalone EntityDescriptor document, for every IdP in the documents."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    out = {}
    for doc in docs:
        root = etree.fromstring(doc, parser)
        for ed in root.iter(f"{{{MD}}}EntityDescriptor"):
            if ed.find(f"{{{MD}}}IDPSSODescriptor") is not None:
                out[ed.get("entityID")] = etree.tostring(ed)
    return out


def key_pair(lib: str) -> tuple[str, str]:
    keys = Path(env_setting("SP_KEY_DIR"))
    return ((keys / f"{lib}.key.pem").read_text(), (keys / f"{lib}.crt.pem").read_text())


def requested_level(raw: str | None) -> int | None:
    return int(raw) if raw in ("1", "2", "3") else None


def asserted_level(class_refs: list[str]) -> int | None:
    for ref in class_refs:
        for n in (1, 2, 3):
            if (ref or "").strip() == SPID_LEVEL.format(n):
                return n
    return None


class ReplayCache:
    """Assertion IDs already consumed, kept until their NotOnOrAfter; bounded."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def first_use(self, assertion_id: str, expires_at: float) -> bool:
        now = time.time()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if assertion_id in self._seen:
                return False
            if len(self._seen) >= self._capacity:
                self._seen.popitem(last=False)
            self._seen[assertion_id] = max(expires_at, now + 300)
            return True


class Counter:
    """Requests served (for the performance figures)."""

    def __init__(self) -> None:
        self.n = 0
        self._lock = threading.Lock()

    def inc(self) -> None:
        with self._lock:
            self.n += 1


def spid_app(name: str, counter: Counter, alive=bool):
    """The Flask app of a matrix SP: a random session key, Lax HttpOnly cookies, every request
    counted in `counter`, and the pages every app serves the same way: the home page, /stats and
    /me (the reserved area of a user whose session `alive(user)` says is still on)."""
    from flask import Flask, session
    from markupsafe import escape

    app = Flask(name)
    app.secret_key = os.urandom(32)
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    app.before_request(counter.inc)

    @app.get("/")
    def index():
        return "<!doctype html><title>Comune di Prova</title><p><a href='/login'>Entra con SPID</a>"

    @app.get("/stats")
    def stats():
        return {"requests": counter.n}

    @app.get("/me")
    def me():
        user = session.get("user")
        if not alive(user):
            session.pop("user", None)
            return error_page("non autenticato", 401)
        return (f"<!doctype html><title>Area riservata</title><p>Benvenuto {escape(user['name'])} "
                f"{escape(user['familyName'])} ({escape(user['fiscalNumber'])}), "
                f"SpidL{user['level']}")

    return app


def pending_login() -> dict:
    """The login this browser started (taken out of its session), or a 403 refusal raised."""
    from flask import abort, session

    pending = session.pop("pending", None)
    if not pending:
        abort(error_page("no login in progress in this browser"))
    return pending


def checked_login(pending: dict, class_refs: list[str], attrs: dict) -> tuple[dict | None, object]:
    """What the app checks in a Response its library accepted: the SPID level asserted is at least
    the one asked for and every requested attribute is there. Returns (the session's user without
    its NameID members, None), or (None, the refusal page)."""
    level = asserted_level(class_refs)
    if level is None or level < pending["level"]:
        return None, error_page(f"livello SPID insufficiente: chiesto {pending['level']}")
    missing = [a for a in SPID_ATTRIBUTES if not attrs.get(a)]
    if missing:
        return None, error_page(f"attributi mancanti: {', '.join(missing)} (ricevuti: {sorted(attrs)})")
    user = {"fiscalNumber": attrs["fiscalNumber"][0], "name": attrs["name"][0],
            "familyName": attrs["familyName"][0], "level": level, "idp": pending["idp"]}
    return user, None


def logged_in(user: dict) -> None:
    """Logs a login to stderr (the run's log)."""
    import sys

    print(f"login: NameID={user['name_id']!r} fiscalNumber={user['fiscalNumber']!r} "
          f"SpidL{user['level']}", file=sys.stderr, flush=True)


def opaque_relay_state() -> str:
    return secrets.token_urlsafe(16)


def serve(app, announce) -> None:
    """Serves the WSGI app on SP_BIND (127.0.0.1:0 picks a port); `announce(base)` is called with
    the real base URL before the first request."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    host, _, port = env_setting("SP_BIND", "127.0.0.1:0").rpartition(":")
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"SP_BIND {host}: loopback only")
    server = make_server(host, int(port), app, threaded=True)
    base = f"http://{host}:{server.server_port}"
    announce(base)
    print(f"listening on {base}", flush=True)
    server.serve_forever()


def error_page(message: str, status: int = 403):
    from flask import make_response
    from markupsafe import escape

    import sys

    print(f"refused ({status}): {message}", file=sys.stderr, flush=True)
    body = (f"<!doctype html><title>Accesso non riuscito</title><h1>Accesso non riuscito</h1>"
            f"<p>{escape(message)}</p>")
    return make_response(body, status)
