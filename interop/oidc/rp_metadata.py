"""The `openid_relying_party` metadata the two Authlib RPs of this folder publish in their entity
configurations: the SPID/CIE code flow with private_key_jwt, ID tokens and userinfo signed with
RS256 and encrypted with RSA-OAEP / A128CBC-HS256 (the CIE OPs encrypt to the RP's enc key)."""


def relying_party(entity_id, redirect_uri, name, keys, **extra):
    """The metadata of the RP `entity_id` named `name`, publishing the JWKs `keys`; `extra`
    members (such as contacts) are added as they are."""
    return {
        "client_id": entity_id,
        "client_name": name,
        "client_registration_types": ["automatic"],
        **extra,
        "redirect_uris": [redirect_uri],
        "response_types": ["code"],
        "grant_types": ["authorization_code", "refresh_token"],
        "jwks": {"keys": keys},
        "token_endpoint_auth_method": "private_key_jwt",
        "id_token_signed_response_alg": "RS256",
        "id_token_encrypted_response_alg": "RSA-OAEP",
        "id_token_encrypted_response_enc": "A128CBC-HS256",
        "userinfo_signed_response_alg": "RS256",
        "userinfo_encrypted_response_alg": "RSA-OAEP",
        "userinfo_encrypted_response_enc": "A128CBC-HS256",
    }
