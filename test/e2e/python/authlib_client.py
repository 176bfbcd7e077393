"""A private_key_jwt client built on Authlib, as a Python SOAR tool would write it.

Reads {token_endpoint, client_id, private_key_pem, alg, kid} as JSON on stdin and prints
{"token": {...}} or {"error": "...", "description": "..."} as JSON.
"""
import json
import sys

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from authlib.integrations.base_client.errors import OAuthError


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """Authlib's PrivateKeyJWT with a 5-minute assertion and the key's kid.

    Authlib signs assertions valid for an hour by default, which Tollgate refuses
    (CLIENT_ASSERTION_MAX_LIFETIME, 5 minutes by default); its sign() also drops the headers.
    """

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            claims=self.claims,
            header=self.headers,
            alg=self.alg,
            expires_in=300,
        )


def main() -> None:
    request = json.load(sys.stdin)
    endpoint = request["token_endpoint"]
    session = OAuth2Session(
        request["client_id"],
        request["private_key_pem"],
        token_endpoint_auth_method="private_key_jwt",
    )
    session.register_client_auth_method(
        ShortLivedPrivateKeyJWT(endpoint, headers={"kid": request["kid"]}, alg=request["alg"])
    )
    try:
        token = session.fetch_token(endpoint, grant_type="client_credentials")
        print(json.dumps({"token": dict(token)}))
    except OAuthError as error:
        print(json.dumps({"error": error.error, "description": error.description}))


main()
