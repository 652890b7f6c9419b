#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/seeds/TARGET/) from the repository's test
fixtures: response and metadata snapshots, scenario files, and small hand-checked messages in the
shapes the mocks exchange. The first byte of most seeds selects a mode of its target (see each
target's header)."""
import base64, json, os, urllib.parse, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
SEEDS = os.path.join(HERE, "seeds")


def put(target, name, sel, body):
    os.makedirs(os.path.join(SEEDS, target), exist_ok=True)
    data = (bytes([sel]) if sel is not None else b"") + (body if isinstance(body, bytes) else body.encode())
    with open(os.path.join(SEEDS, target, name), "wb") as f:
        f.write(data)


def snapshot(name):
    with open(os.path.join(ROOT, "mock-idps/tests/it/snapshots", name)) as f:
        return f.read().split("---\n", 2)[2]


SP = "http://127.0.0.1:8090/metadata"
IDP = "http://127.0.0.1:8089/idp/aruba"
NS = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'
ISSUER = f'<saml:Issuer NameQualifier="{SP}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{SP}</saml:Issuer>'
AUTHN = (
    f'<samlp:AuthnRequest {NS} ID="_4d38c302617b5bf98951e65b4cf304711e2166df20" Version="2.0" '
    f'IssueInstant="2026-01-01T10:00:00.000Z" Destination="{IDP}/sso" AssertionConsumerServiceIndex="0" '
    f'AttributeConsumingServiceIndex="0" ForceAuthn="true">{ISSUER}'
    '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"/>'
    '<samlp:RequestedAuthnContext Comparison="minimum"><saml:AuthnContextClassRef>https://www.spid.gov.it/SpidL2'
    "</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>"
)
LOGOUT = (
    f'<samlp:LogoutRequest {NS} ID="_a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" Version="2.0" '
    f'IssueInstant="2026-01-01T10:00:00.000Z" Destination="{IDP}/slo">{ISSUER}'
    f'<saml:NameID NameQualifier="{IDP}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">_n1</saml:NameID>'
    "<samlp:SessionIndex>_s1</samlp:SessionIndex></samlp:LogoutRequest>"
)
LOGOUT_RESPONSE = (
    f'<samlp:LogoutResponse {NS} ID="_b1" InResponseTo="_a1" Version="2.0" IssueInstant="2026-01-01T10:00:00.000Z" '
    f'Destination="{IDP}/slo"><saml:Issuer>{SP}</saml:Issuer><samlp:Status>'
    '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>'
)


def main():
    put("authn_redirect", "xml", 1, AUTHN)
    put("authn_post", "xml", 1, AUTHN)
    b64 = base64.b64encode(AUTHN.encode()).decode()
    put("authn_post", "form", 0, "SAMLRequest=" + urllib.parse.quote(b64, safe="") + "&RelayState=r")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflate.compress(AUTHN.encode()) + deflate.flush()
    query = "SAMLRequest=" + urllib.parse.quote(base64.b64encode(raw).decode(), safe="") + "&RelayState=r"
    put("authn_redirect", "query", 0, query)
    for name in ["it__snapshots__aruba_metadata.snap", "it__cie__cie_metadata.snap"]:
        put("sp_metadata", name, None, snapshot(name))
    for sel in (0, 1):
        put("logout", f"request-{sel}", sel, LOGOUT)
        put("logout", f"response-{sel}", sel | 2, LOGOUT_RESPONSE)
    for name in ["it__snapshots__poste_response_l1.snap", "it__cie__cie_response_l3.snap"]:
        put("acs", name, 0, snapshot(name))
        put("acs", name + "-lenient", 1, snapshot(name))
    for name in ["lockout.toml", "phone-pin.toml", "first-access.toml"]:
        with open(os.path.join(ROOT, "scenarios", name), "rb") as f:
            put("scenario", name, None, f.read())
    msg = {"type": "message", "id": "m1", "fiscal_code": "RSSMRA80A01H501U", "carrier": "sms",
           "address": "+39333", "text": "t", "code": None, "sent_at": "2020-01-01T00:00:00Z",
           "delivered_at": "2020-01-01T00:00:00Z"}
    framed = b""
    for seq in (1, 2):
        payload = json.dumps({"seq": seq, "records": [msg]}, separators=(",", ":")).encode()
        framed += b"J1 %08x %08x " % (len(payload), zlib.crc32(payload)) + payload + b"\n"
    put("journal", "framed", None, framed)
    put("journal", "legacy", None, json.dumps({"seq": 1, "records": [msg]}, separators=(",", ":")) + "\n")
    put("admin_json", "next-login", 0, '{"user": "mario.rossi", "provider": "aruba", "level": 2, "outcome": "success"}')
    put("admin_json", "cie-read-failure", 1, '{"failure": "nfc-off"}')
    m = "RSSMRA80A01H501U"
    bodies = [  # in the order of PATHS in fuzz_targets/pin_json.rs
        {"fiscal_code": m, "channel": "office"},
        {"fiscal_code": m, "initial_pin": "ABCDEFGH12345678", "new_pin": "Mario001"},
        {"fiscal_code": m, "pin": "Mario001"},
        {"fiscal_code": m, "pin": "Mario001", "new_pin": "Mario002"},
        {"fiscal_code": m, "mobile": "+393331234567", "email": "m@example.it", "pec": "m@pec.it"},
        {"fiscal_code": m},
        {"fiscal_code": m, "method": "online"},
        {"token": "t", "service": "cedolino-pensione"},
        {"fiscal_code": m, "via": "cie", "validity": "1-week"},
        {"fiscal_code": m, "phone_pin": "123456"},
        {"delegante": m, "delegato": "VRDGPP70A01F205X"},
        {"delegato": m, "delegante": "VRDGPP70A01F205X", "via": "spid-l2", "service": "cedolino-pensione"},
        {"token": "t"},
        {"by": m},
    ]
    for i, body in enumerate(bodies):
        put("pin_json", f"body-{i}", i, json.dumps(body))


if __name__ == "__main__":
    main()
