"""A second RP library against the mock OpenID Providers, and a second JOSE implementation on
what they emit (run by .ci/interop-oidc; needs the venv of interop/oidc/requirements.txt).

Authlib does the code flow: the authorization URL with PKCE S256 and the request object (signed
with jwcrypto), the token request with private_key_jwt client authentication
(authlib.oauth2.rfc7523.PrivateKeyJWT) and its state check. jwcrypto verifies
every OP entity configuration, decrypts and verifies the ID tokens (CIE: nested JWE) and the
userinfo JWTs. The RP is a real federation entity: its entity configuration is served on its own
loopback port and it is on-boarded with POST /admin/oidc/rps, so the OPs resolve its chain.

usage: authlib_rp.py SPID_HARNESS_BINARY
"""

import base64
import hashlib
import json
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import json_decode

from rp_metadata import relying_party

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Rp:
    def __init__(self):
        self.sig = jwk.JWK.generate(kty="RSA", size=2048, kid="authlib-sig", use="sig")
        self.enc = jwk.JWK.generate(kty="RSA", size=2048, kid="authlib-enc", use="enc")
        self.fed = jwk.JWK.generate(kty="RSA", size=2048, kid="authlib-fed", use="sig")
        self.server = HTTPServer(("127.0.0.1", 0), self.handler())
        self.entity_id = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.redirect_uri = self.entity_id + "/callback"
        self.trust_marks = []
        self.authority_hints = []
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def metadata(self):
        public = lambda k: json.loads(k.export_public())
        return {
            "openid_relying_party": relying_party(
                self.entity_id, self.redirect_uri, "Authlib interop RP",
                [public(self.sig), public(self.enc)]),
            "federation_entity": {
                "organization_name": "Authlib interop RP",
                "homepage_uri": self.entity_id,
                "policy_uri": self.entity_id + "/privacy",
                "logo_uri": self.entity_id + "/logo.svg",
                "contacts": ["ops@pec.authlib.example.it"],
                "federation_resolve_endpoint": self.entity_id + "/resolve",
            },
        }

    def entity_configuration(self):
        now = int(time.time())
        claims = {
            "iss": self.entity_id, "sub": self.entity_id, "iat": now, "exp": now + 3600,
            "jwks": {"keys": [json.loads(self.fed.export_public())]},
            "authority_hints": self.authority_hints, "metadata": self.metadata(),
        }
        if self.trust_marks:
            claims["trust_marks"] = self.trust_marks
        token = jws.JWS(json.dumps(claims).encode())
        token.add_signature(self.fed, None, {"alg": "RS256", "kid": self.fed.kid, "typ": "entity-statement+jwt"})
        return token.serialize(compact=True)

    def handler(self):
        rp = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-federation":
                    body = rp.entity_configuration().encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/entity-statement+jwt")
                else:
                    body = b"not found"
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return H


def verify_entity_configuration(jwt_text, issuer):
    token = jws.JWS()
    token.deserialize(jwt_text)
    claims = json_decode(token.objects["payload"])
    keys = jwk.JWKSet.from_json(json.dumps(claims["jwks"]))
    token.verify(keys.get_key(token.jose_header["kid"]))
    return json_decode(token.payload)


def login(rp, op_id, op, level, urls, http):
    ec = http.get(op["entity_configuration"], timeout=10)
    check(ec.headers.get("content-type", "").startswith("application/entity-statement+jwt"), f"{op_id}: entity configuration media type")
    md = verify_entity_configuration(ec.text, op["issuer"])
    check(md["iss"] == md["sub"] == op["issuer"], f"{op_id}: entity configuration verifies with jwcrypto, iss = sub")
    provider = md["metadata"]["openid_provider"]
    op_keys = jwk.JWKSet.from_json(json.dumps(provider["jwks"]))
    cie = op["profile"] == "cie"
    scope = "openid profile email" if cie else "openid"
    verifier = b64url(secrets.token_bytes(32))
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    state, nonce = secrets.token_hex(20), secrets.token_hex(20)
    now = int(time.time())
    request_object = {
        "iss": rp.entity_id, "aud": [op["issuer"]], "client_id": rp.entity_id, "response_type": "code",
        "scope": scope, "code_challenge": challenge, "code_challenge_method": "S256", "nonce": nonce,
        "state": state, "prompt": "consent login", "redirect_uri": rp.redirect_uri,
        "acr_values": "https://www.spid.gov.it/SpidL%d" % level, "iat": now, "exp": now + 300,
        "jti": secrets.token_hex(16),
    }
    signer = jws.JWS(json.dumps(request_object).encode())
    signer.add_signature(rp.sig, None, {"alg": "RS256", "kid": rp.sig.kid, "typ": "JWT"})
    signed = signer.serialize(compact=True)
    auth = PrivateKeyJWT(op["token"], alg="RS256")
    client = OAuth2Session(
        rp.entity_id, client_secret=rp.sig.export_to_pem(private_key=True, password=None).decode(),
        token_endpoint_auth_method=auth, scope=scope, redirect_uri=rp.redirect_uri,
    )
    url, _ = client.create_authorization_url(
        op["authorization"], state=state, code_challenge=challenge, code_challenge_method="S256",
        request=signed, response_type="code",
    )
    r = http.get(url, allow_redirects=False, timeout=10)
    check(r.status_code == 303, f"{op_id} L{level}: authorization answers 303 ({r.status_code})")
    if r.status_code != 303:
        print(r.text[:400])
        return
    callback = r.headers["location"]
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    check(q.get("state") == state and q.get("iss") == op["issuer"], f"{op_id} L{level}: callback carries state and iss")
    token = client.fetch_token(op["token"], authorization_response=callback, code_verifier=verifier)
    raw_id = token["id_token"]
    if cie:
        check(raw_id.count(".") == 4, f"{op_id}: the CIE ID token is a JWE")
        outer = jwe.JWE()
        outer.deserialize(raw_id, key=rp.enc)
        check(outer.jose_header.get("cty") == "JWT", f"{op_id}: nested JWT (cty JWT)")
        raw_id = outer.payload.decode()
    inner = jws.JWS()
    inner.deserialize(raw_id)
    inner.verify(op_keys.get_key(inner.jose_header["kid"]))
    id_claims = json_decode(inner.payload)
    check(id_claims["nonce"] == nonce and id_claims["aud"] in (rp.entity_id, [rp.entity_id]), f"{op_id} L{level}: ID token verifies with jwcrypto, nonce and aud")
    check(id_claims["acr"] == "https://www.spid.gov.it/SpidL%d" % level, f"{op_id} L{level}: acr")
    at_hash = b64url(hashlib.sha256(token["access_token"].encode()).digest()[:16])
    check(id_claims["at_hash"] == at_hash, f"{op_id} L{level}: at_hash")
    ui = http.get(op["userinfo"], headers={"Authorization": "Bearer " + token["access_token"]}, timeout=10)
    check(ui.headers.get("content-type", "").startswith("application/jwt"), f"{op_id}: userinfo is application/jwt")
    outer = jwe.JWE()
    outer.deserialize(ui.text, key=rp.enc)
    signed_ui = jws.JWS()
    signed_ui.deserialize(outer.payload.decode())
    signed_ui.verify(op_keys.get_key(signed_ui.jose_header["kid"]))
    claims = json_decode(signed_ui.payload)
    check(claims["sub"] == id_claims["sub"] and claims["aud"] == rp.entity_id, f"{op_id} L{level}: userinfo decrypts and verifies with jwcrypto, sub and aud")
    check(claims.get("given_name") == "Francesca", f"{op_id} L{level}: userinfo given_name")


def main():
    binary = sys.argv[1]
    rp = Rp()
    with tempfile.TemporaryDirectory() as tmp:
        urls_file = tmp + "/urls.json"
        serve = subprocess.Popen(
            [binary, "serve", "--bind", "127.0.0.1:0", "--urls-json", urls_file, "--auto-login", "francesca.romano"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            for _ in range(300):
                try:
                    urls = json.load(open(urls_file))
                    break
                except (OSError, ValueError):
                    time.sleep(0.1)
            else:
                sys.exit("spid-harness serve wrote no --urls-json")
            http = requests.Session()
            report = http.post(urls["oidc_federation"]["onboard"], json={"entity_id": rp.entity_id}, timeout=20)
            check(report.status_code == 201, f"the RP is on-boarded ({report.status_code} {report.text[:200]})")
            report = report.json()
            rp.trust_marks = report["trust_marks"]
            rp.authority_hints = [report["superior"]]
            for op_id, level in [("poste", 2), ("aruba", 3), ("infocert", 1), ("cie", 2), ("cie-preprod", 3)]:
                login(rp, op_id, urls["oidc"][op_id], level, urls, http)
        finally:
            serve.terminate()
            serve.wait(timeout=10)
    print(f"authlib RP interop: {len(FAILS)} failed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
