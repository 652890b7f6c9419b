"""The `openid_relying_party` metadata the two Authlib RPs of this folder publish in their entity
configurations: the SPID/CIE code flow with private_key_jwt, ID tokens and userinfo signed with
RS256 and encrypted with RSA-OAEP / A128CBC-HS256 (the CIE OPs encrypt to the RP's enc key)."""

import json
from pathlib import Path

# The members every test RP of the project publishes alike (the mock's test RPs read it too).
PROFILE = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "oidc" / "rp-profile.json").read_text())


def relying_party(entity_id, redirect_uri, name, keys, **extra):
    """The metadata of the RP `entity_id` named `name`, publishing the JWKs `keys`; `extra`
    members (such as contacts) are added as they are."""
    return {
        "client_id": entity_id,
        "client_name": name,
        **extra,
        "redirect_uris": [redirect_uri],
        "jwks": {"keys": keys},
        **PROFILE,
    }
