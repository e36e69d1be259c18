"""The OAuth 2.0 server, built on Authlib: the client-credentials grant, RFC 7009 revocation,
and the bearer-token validator the API's resource protector uses.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from flask import Flask, current_app
from sqlalchemy import select

from teia.core.db import db
from teia.oauth import services
from teia.oauth.models import AUTH_METHODS, ApiClient, ApiToken
from teia.oauth.scopes import Scope

REALM = "teia"


def _query_client(client_id: str) -> ApiClient | None:
    return db.session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))


def _save_token(token: dict[str, Any], request: Any) -> None:
    services.store_client_token(db.session, request.client, token)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)


class Revocation(RevocationEndpoint):
    """A client revokes one of its own tokens (RFC 7009: unknown tokens are not an error)."""

    CLIENT_AUTH_METHODS = list(AUTH_METHODS)
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> ApiToken | None:
        return services.find_token(db.session, token_string)

    def revoke_token(self, token: ApiToken, request: Any) -> None:
        services.revoke_token(db.session, token, how="rfc7009")


class TokenValidator(BearerTokenValidator):
    """Looked up on every request, so a revocation or a deactivation counts at once."""

    def authenticate_token(self, token_string: str) -> ApiToken | None:
        token = services.find_token(db.session, token_string)
        if token is None or not services.usable(token):
            return None
        return token


require_token = ResourceProtector()
require_token.register_token_validator(TokenValidator(realm=REALM))


def init_app(app: Flask) -> None:
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", [s.value for s in Scope])
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {"client_credentials": int(services.CLIENT_TOKEN_TTL.total_seconds())},
    )
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(Revocation)
    app.extensions["teia_oauth"] = server


def authorization_server() -> AuthorizationServer:
    return current_app.extensions["teia_oauth"]
