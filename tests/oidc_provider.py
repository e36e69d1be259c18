"""A small, real OpenID provider for the tests, built on Authlib's server side.

Discovery, JWKS, an authorization endpoint that approves its configured user at once, and a
token endpoint (authorization code + PKCE, client secret) that issues ID tokens signed with a
real RSA key. It runs as a werkzeug server on 127.0.0.1 in a thread. ``knobs`` make it
misbehave the way a hostile or broken provider would: another issuer, another audience, an
expired token, a signature by a key it does not publish, an e-mail from another domain, a
nonce from another sign-in.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

KID = "teia-test-key"


@dataclass
class Person:
    """The person the provider signs in, without asking."""

    sub: str
    email: str
    name: str = "Pessoa de Teste"


@dataclass
class Knobs:
    issuer: str | None = None  # claim another issuer in the ID token
    audience: str | None = None  # address the ID token to another client
    expired: bool = False  # issue an ID token that expired ten minutes ago
    forge: bool = False  # sign with a key that is not in the JWKS (same kid)
    email: str | None = None  # put this e-mail in the ID token
    nonce: str | None = None  # answer with another nonce than the one asked for
    email_verified: bool = True  # say the e-mail was not verified


@dataclass
class _Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class OidcProvider:
    """Start with ``start()``; ``issuer`` is then its address. One client, one person."""

    def __init__(
        self, *, client_id: str, client_secret: str, redirect_uris: list[str], person: Person
    ) -> None:
        self.client = _Client(client_id, client_secret, redirect_uris)
        self.person = person
        self.knobs = Knobs()
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.codes: dict[str, _Code] = {}
        self.issuer = ""
        self.token_requests: list[dict[str, Any]] = []
        self._server: Any = None
        self.app = self._build_app()

    def reset(self, person: Person | None = None) -> None:
        self.knobs = Knobs()
        if person is not None:
            self.person = person

    def start(self, port: int = 0) -> OidcProvider:
        """Serve in a thread on 127.0.0.1 (``port`` 0: any free one)."""
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the Flask app --------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("oidc_provider")
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = False
        server = AuthorizationServer(
            app,
            query_client=lambda cid: self.client if cid == self.client.client_id else None,
            save_token=lambda token, request: None,
        )
        server.register_grant(self._code_grant(), [CodeChallenge(required=True), self._id_token()])

        @app.get("/.well-known/openid-configuration")
        def discovery():  # type: ignore[no-untyped-def]
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
                scopes_supported=["openid", "email", "profile"],
            )

        @app.get("/jwks")
        def jwks():  # type: ignore[no-untyped-def]
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():  # type: ignore[no-untyped-def]
            try:
                grant = server.get_consent_grant(end_user=self.person)
            except OAuth2Error as error:
                return jsonify(error=error.error, description=error.description), 400
            return server.create_authorization_response(grant=grant, grant_user=self.person)

        @app.post("/token")
        def token():  # type: ignore[no-untyped-def]
            return server.create_token_response()

        return app

    def _code_grant(self) -> type[AuthorizationCodeGrant]:
        provider = self

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: Any) -> None:
                data = request.payload.data
                provider.codes[code] = _Code(
                    code=code,
                    client_id=request.client.client_id,
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope,
                    person=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: _Code) -> Person:
                return authorization_code.person

        return CodeGrant

    def _id_token(self) -> OpenIDCode:
        provider = self

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce: str, request: Any) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: _Client) -> RSAKey:
                return provider.other_key if provider.knobs.forge else provider.key

            def get_client_algorithm(self, client: _Client) -> str:
                return "RS256"

            def get_encode_header(self, client: _Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": KID}

            def get_client_claims(self, client: _Client) -> dict[str, Any]:
                knobs = provider.knobs
                claims: dict[str, Any] = {
                    "iss": knobs.issuer or provider.issuer,
                    "aud": [knobs.audience or client.client_id],
                }
                if knobs.expired:
                    now = int(time.time())
                    claims.update(iat=now - 3600, exp=now - 600, auth_time=now - 3600)
                return claims

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                info = UserInfo(
                    sub=user.sub,
                    email=provider.knobs.email or user.email,
                    email_verified=provider.knobs.email_verified,
                    name=user.name,
                )
                if provider.knobs.nonce:
                    info["nonce"] = provider.knobs.nonce  # overrides the requested one
                return info

        return IdToken(require_nonce=True)
