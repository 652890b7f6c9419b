"""An SPID/CIE OpenID Connect relying party web app on Authlib, for `spid-harness check --oidc`
to run against (interop/oidc/check_authlib.py starts it; needs the venv of
interop/oidc/requirements.txt).

Every security decision is Authlib's wherever Authlib has a facility for it, configured as
strictly as it allows; the app adds only the plumbing a federation RP needs and Authlib lacks:
  - the authorization URL with PKCE S256 (OAuth2Session, code_challenge_method S256) and a
    signed request object (authlib.jose JsonWebToken, RS256) carrying the same parameters;
  - the callback: state and error responses checked by OAuth2Session.fetch_token, the token
    request authenticated with private_key_jwt (authlib.oauth2.rfc7523.PrivateKeyJWT);
  - the ID token: decrypted when it is a JWE (JsonWebEncryption, RSA-OAEP/RSA-OAEP-256 and
    A128CBC-HS256/A256CBC-HS512 only), verified with the OP's keys (JsonWebToken restricted to
    RS256/RS512/PS256/PS512/ES256) and validated with authlib.oidc.core.CodeIDToken (iss, aud,
    exp, iat, nonce, azp, at_hash; acr essential and at or above the level asked for);
  - userinfo: fetched with the bearer token, decrypted and verified as above, its claims
    validated as JWTClaims (iss the OP, aud the client, sub the ID token's);
  - refresh (POST /refresh): OAuth2Session.refresh_token; SPID: the new ID token validated as
    the first one (iss, aud, sub the session's, acr SpidL1); CIE: no ID token expected (one in
    the answer is refused), as CIE's refresh renews no authentication;
  - the OPs: resolved through the trust anchor's resolve endpoint, its answer verified with the
    anchor keys configured out of band (the --trust-anchor file `spid-harness check --oidc
    --write-trust-anchor` writes);
  - logout (POST /logout): the access token revoked at the OP's revocation endpoint with
    OAuth2Session.revoke_token (RFC 7009), private_key_jwt as at the token endpoint; the refresh
    token kept (CIE logout.rst), the session dropped;
  - its own entity configuration (self-signed, authority_hints the anchor, the trust mark the
    federation issued fetched from its trust mark endpoint), the login start, the callback, the
    protected page /me (200 logged in, 401 otherwise), /refresh and /logout.
What Authlib has no facility for is left undone on purpose, so the harness measures Authlib:
the authorization response's `iss` (RFC 9207; Authlib implements only the server side), the
OP's trust marks and the userinfo content type. docs/interop-oidc.md argues each finding.

usage: authlib_rp_app.py --trust-anchor FILE --port PORT [--wait SECS]
"""

import argparse
import json
import secrets
import sys
import threading
import time
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebEncryption, JsonWebKey, JsonWebToken, JWTClaims
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken

from rp_metadata import relying_party

warnings.filterwarnings("ignore", category=DeprecationWarning)

SIG_ALGS = ["RS256", "RS512", "PS256", "PS512", "ES256"]
ENC_ALGS = ["RSA-OAEP", "RSA-OAEP-256", "A128CBC-HS256", "A256CBC-HS512"]
LEVELS = ["https://www.spid.gov.it/SpidL%d" % n for n in (1, 2, 3)]
LEEWAY = 60


def rsa_key(kid):
    return JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": kid})


class App:
    def __init__(self, handover, port):
        self.handover = handover
        self.entity_id = "http://127.0.0.1:%d" % port
        self.redirect_uri = self.entity_id + "/callback"
        self.fed_key = rsa_key("authlib-app-fed")
        self.sig_key = rsa_key("authlib-app-sig")
        self.enc_key = rsa_key("authlib-app-enc")
        self.anchor_keys = JsonWebKey.import_key_set(handover["trust_anchor_jwks"])
        self.trust_marks = []
        self.ops = {}
        self.pending = {}
        self.sessions = {}
        self.lock = threading.Lock()
        self.http = requests.Session()

    # ---------------------------------------------------------------- federation

    def metadata(self):
        public = lambda k, use: {**k.as_dict(is_private=False), "use": use}
        return {
            "openid_relying_party": relying_party(
                self.entity_id, self.redirect_uri, "Authlib SPID/CIE RP",
                [public(self.sig_key, "sig"), public(self.enc_key, "enc")],
                contacts=["ops@pec.authlib-app.example.it"]),
            "federation_entity": {
                "organization_name": "Authlib SPID/CIE RP",
                "homepage_uri": self.entity_id,
                "policy_uri": self.entity_id + "/privacy",
                "contacts": ["ops@pec.authlib-app.example.it"],
            },
        }

    def fetch_trust_marks(self):
        if self.trust_marks:
            return
        try:
            r = self.http.get(self.handover["trust_mark_endpoint"],
                              params={"sub": self.entity_id}, timeout=5)
        except requests.RequestException:
            return
        if r.status_code == 200:
            self.trust_marks = [{"id": self.handover["rp_trust_mark_type"],
                                 "trust_mark": r.text.strip()}]

    def entity_configuration(self):
        self.fetch_trust_marks()
        now = int(time.time())
        claims = {
            "iss": self.entity_id, "sub": self.entity_id, "iat": now, "exp": now + 3600,
            "jwks": {"keys": [self.fed_key.as_dict(is_private=False)]},
            "authority_hints": [self.handover["trust_anchor"]],
            "metadata": self.metadata(),
        }
        if self.trust_marks:
            claims["trust_marks"] = self.trust_marks
        header = {"alg": "RS256", "kid": self.fed_key.kid, "typ": "entity-statement+jwt"}
        return JsonWebToken(["RS256"]).encode(header, claims, self.fed_key).decode()

    def op(self, entity_id):
        """The OP's metadata, resolved by the trust anchor (its answer verified with the anchor
        keys configured out of band)."""
        cached = self.ops.get(entity_id)
        if cached and cached["exp"] > time.time():
            return cached["metadata"]
        r = self.http.get(self.handover["trust_anchor_resolve"],
                          params={"sub": entity_id, "trust_anchor": self.handover["trust_anchor"]},
                          timeout=10)
        r.raise_for_status()
        claims = JsonWebToken(SIG_ALGS).decode(
            r.text.strip(), self.anchor_keys,
            claims_options={"iss": {"essential": True, "value": self.handover["trust_anchor"]},
                            "sub": {"essential": True, "value": entity_id},
                            "exp": {"essential": True}})
        claims.validate(leeway=LEEWAY)
        md = claims["metadata"]["openid_provider"]
        self.ops[entity_id] = {"metadata": md, "exp": claims["exp"]}
        return md

    # ---------------------------------------------------------------- OIDC

    def client(self, state=None):
        # private_key_jwt at the token and at the revocation endpoint alike: Authlib's default for
        # revocation is client_secret_basic (which would send the PEM as a password), so it is
        # named here.
        auth = PrivateKeyJWT(alg="RS256", headers={"kid": self.sig_key.kid})
        return OAuth2Session(
            self.entity_id,
            client_secret=self.sig_key.as_pem(is_private=True).decode(),
            token_endpoint_auth_method=auth, revocation_endpoint_auth_method=auth,
            redirect_uri=self.redirect_uri, state=state, code_challenge_method="S256",
        )

    def start(self, op_id, level):
        md = self.op(op_id)
        cie = any(o["entity_id"] == op_id and o["profile"] == "cie" for o in self.handover["ops"])
        scope = "openid profile email offline_access" if cie else "openid offline_access"
        state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
        now = int(time.time())
        request_object = {
            "iss": self.entity_id, "aud": [op_id], "client_id": self.entity_id,
            "response_type": "code", "scope": scope, "redirect_uri": self.redirect_uri,
            "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
            "nonce": nonce, "state": state, "prompt": "consent login",
            "acr_values": LEVELS[level - 1],
            "claims": {"userinfo": {"given_name": None, "family_name": None, "email": None,
                                    "https://attributes.eid.gov.it/fiscal_number": {"essential": True}}},
            "iat": now, "exp": now + 300, "jti": generate_token(32),
        }
        signed = JsonWebToken(["RS256"]).encode(
            {"alg": "RS256", "kid": self.sig_key.kid, "typ": "JWT"}, request_object, self.sig_key).decode()
        client = self.client()
        client.scope = scope
        url, _ = client.create_authorization_url(
            md["authorization_endpoint"], state=state, code_verifier=verifier, request=signed,
            response_type="code")
        return url, {"state": state, "nonce": nonce, "verifier": verifier, "op": op_id,
                     "level": level}

    def decode_nested(self, raw, md, claims_cls=JWTClaims, options=None, params=None):
        raw = raw.strip()
        if raw.count(".") == 4:
            data = JsonWebEncryption(ENC_ALGS).deserialize_compact(raw, self.enc_key)
            raw = data["payload"].decode()
        keys = JsonWebKey.import_key_set(md["jwks"])
        claims = JsonWebToken(SIG_ALGS).decode(raw, keys, claims_cls=claims_cls,
                                               claims_options=options, claims_params=params)
        claims.validate(leeway=LEEWAY)
        return claims

    def id_token(self, token, p, md, sub=None, nonce=True):
        # The level asked for or above; a SPID refresh yields SpidL1 only (the long revocable
        # session of the SPID OIDC guidelines).
        acrs = LEVELS[:1] if not nonce else LEVELS[p["level"] - 1:]
        options = {"iss": {"essential": True, "value": p["op"]},
                   "aud": {"essential": True, "value": self.entity_id},
                   "acr": {"essential": True, "values": acrs}}
        if sub is not None:
            options["sub"] = {"essential": True, "value": sub}
        params = {"client_id": self.entity_id, "access_token": token["access_token"]}
        if nonce:
            params["nonce"] = p["nonce"]
        return self.decode_nested(token["id_token"], md, CodeIDToken, options, params)

    def finish(self, p, url):
        md = self.op(p["op"])
        client = self.client(state=p["state"])
        token = client.fetch_token(md["token_endpoint"], authorization_response=url,
                                   code_verifier=p["verifier"])
        id_claims = self.id_token(token, p, md)
        r = client.get(md["userinfo_endpoint"], timeout=10)
        r.raise_for_status()
        userinfo = self.decode_nested(r.text, md, JWTClaims, {
            "iss": {"essential": True, "value": p["op"]},
            "aud": {"essential": True, "value": self.entity_id},
            "sub": {"essential": True, "value": id_claims["sub"]},
        })
        return {"token": token, "sub": id_claims["sub"], "userinfo": dict(userinfo), "p": p}

    def refresh(self, s):
        md = self.op(s["p"]["op"])
        client = self.client()
        token = client.refresh_token(md["token_endpoint"], refresh_token=s["token"]["refresh_token"])
        op_id = s["p"]["op"]
        if any(o["entity_id"] == op_id and o["profile"] == "cie" for o in self.handover["ops"]):
            # CIE (differenze_spid_cie.rst, Refresh Token): a refresh renews no authentication and
            # carries no ID token; one in the answer is refused.
            if "id_token" in token:
                raise ValueError("a CIE refresh answer carries an ID token")
            s["token"] = {**s["token"], **token}
            return {"sub": s["sub"]}
        claims = self.id_token(token, s["p"], md, sub=s["sub"], nonce=False)
        s["token"] = {**s["token"], **token}
        return dict(claims)

    def logout(self, s):
        # revocation_endpoint.rst (SPID): at logout the RP revokes the access token it holds;
        # logout.rst (CIE): the refresh token is not revoked then. Authlib's revoke_token
        # (RFC 7009) would pick the refresh token when none is named, so the access token is.
        md = self.op(s["p"]["op"])
        r = self.client().revoke_token(md["revocation_endpoint"], token=s["token"]["access_token"],
                                       token_type_hint="access_token", timeout=10)
        r.raise_for_status()


def cookies_of(headers):
    out = {}
    for line in headers.get_all("Cookie") or []:
        for part in line.split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                out[k] = v
    return out


def handler(app):
    class H(BaseHTTPRequestHandler):
        def answer(self, status, body, ctype="text/html; charset=utf-8", headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            cookies = cookies_of(self.headers)
            try:
                if url.path == "/.well-known/openid-federation":
                    return self.answer(200, app.entity_configuration(),
                                       "application/entity-statement+jwt")
                if url.path == "/login":
                    target, pending = app.start(q["op"], int(q.get("level", "2")))
                    browser = secrets.token_urlsafe(24)
                    with app.lock:
                        app.pending[browser] = pending
                    return self.answer(302, "", headers=[
                        ("Location", target),
                        ("Set-Cookie", f"authlib_login={browser}; Path=/; HttpOnly; SameSite=Lax")])
                if url.path == "/callback":
                    with app.lock:
                        pending = app.pending.pop(cookies.get("authlib_login", ""), None)
                    if pending is None:
                        return self.answer(400, "<h1>Accesso rifiutato</h1><p>no login started in this browser</p>")
                    session = app.finish(pending, app.entity_id + self.path)
                    sid = secrets.token_urlsafe(24)
                    with app.lock:
                        app.sessions[sid] = session
                    return self.answer(302, "", headers=[
                        ("Location", "/me"),
                        ("Set-Cookie", f"authlib_session={sid}; Path=/; HttpOnly; SameSite=Lax"),
                        ("Set-Cookie", "authlib_login=; Path=/; Max-Age=0")])
                if url.path == "/me":
                    s = app.sessions.get(cookies.get("authlib_session", ""))
                    if s is None:
                        return self.answer(401, "<h1>Area riservata</h1><p>non hai effettuato l'accesso</p>")
                    return self.answer(200, "<h1>Area riservata</h1><pre>%s</pre>" % json.dumps(s["userinfo"]))
                return self.answer(404, "not found", "text/plain")
            except Exception as e:  # noqa: BLE001 - every refusal is a page naming its reason
                return self.answer(403, "<h1>Accesso rifiutato</h1><p>%s: %s</p>"
                                   % (type(e).__name__, str(e)[:300].replace("<", "&lt;")))

        def do_POST(self):
            cookies = cookies_of(self.headers)
            sid = cookies.get("authlib_session", "")
            s = app.sessions.get(sid)
            if self.path == "/logout":
                with app.lock:
                    app.sessions.pop(sid, None)
                if s is not None:
                    try:
                        app.logout(s)
                    except Exception as e:  # noqa: BLE001
                        return self.answer(502, "%s: %s" % (type(e).__name__, str(e)[:300]), "text/plain")
                return self.answer(303, "", headers=[
                    ("Location", "/"), ("Set-Cookie", "authlib_session=; Path=/; Max-Age=0")])
            if self.path != "/refresh":
                return self.answer(404, "not found", "text/plain")
            if s is None:
                return self.answer(401, "not logged in", "text/plain")
            try:
                return self.answer(200, json.dumps(app.refresh(s)), "application/json")
            except Exception as e:  # noqa: BLE001
                return self.answer(403, "%s: %s" % (type(e).__name__, str(e)[:300]), "text/plain")

        def log_message(self, *args):
            pass

    return H


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--trust-anchor", required=True,
                   help="the file `spid-harness check --oidc --write-trust-anchor` writes")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the file")
    args = p.parse_args()
    deadline = time.time() + args.wait
    while True:
        try:
            with open(args.trust_anchor) as f:
                handover = json.load(f)
            break
        except (OSError, ValueError):
            if time.time() > deadline:
                sys.exit(f"{args.trust_anchor}: no trust anchor file after {args.wait} s")
            time.sleep(0.1)
    app = App(handover, args.port)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(app))
    print(f"authlib RP app on {app.entity_id}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
