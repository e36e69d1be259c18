"""The OpenID Connect relying party: discovery, the authorization URL, the code exchange and
the ID token check. Protocol only (no database, no Flask): Authlib's OAuth 2.0 client with
PKCE for the HTTP side, and its ID-token claims (over joserfc) for the JWT side.

Every failure is an ``OidcError`` whose ``reason`` is a stable code for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import is_secure_transport
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

SCOPE = "openid email profile"
HTTP_TIMEOUT = 5  # seconds, for every call to a provider
# Clock skew tolerated on ``exp`` and ``iat``.
LEEWAY = 60
DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class OidcError(Exception):
    """The provider, or what it sent, cannot be trusted; ``reason`` names the check."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Client:
    """What the relying party needs of one provider."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str


def discover(issuer: str) -> dict[str, Any]:
    """The provider's metadata; its ``issuer`` must be exactly the one configured."""
    metadata = _get_json(issuer.rstrip("/") + DISCOVERY_PATH, "discovery")
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key)]
    if missing:
        raise OidcError("discovery", f"metadata without {', '.join(missing)}")
    if metadata["issuer"] != issuer:
        raise OidcError("discovery", f"metadata names issuer {metadata['issuer']!r}")
    for key in REQUIRED_METADATA[1:]:
        if not is_secure_transport(metadata[key]):
            raise OidcError("discovery", f"{key} is not HTTPS")
    return metadata


def fetch_jwks(metadata: dict[str, Any]) -> KeySet:
    data = _get_json(metadata["jwks_uri"], "jwks")
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcError("jwks", str(exc)) from exc


def authorization_url(
    client: Client,
    metadata: dict[str, Any],
    *,
    state: str,
    nonce: str,
    code_verifier: str,
    login_hint: str | None = None,
) -> str:
    """Where to send the browser: authorization code flow with a PKCE S256 challenge."""
    extra = {"login_hint": login_hint} if login_hint else {}
    with _session(client, metadata) as session:
        url, _ = session.create_authorization_url(
            metadata["authorization_endpoint"],
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            **extra,
        )
    return url


def exchange_code(
    client: Client, metadata: dict[str, Any], *, code: str, code_verifier: str
) -> dict[str, Any]:
    """Trade the authorization code (and the PKCE verifier) for the provider's tokens."""
    with _session(client, metadata) as session:
        try:
            token = session.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=HTTP_TIMEOUT,
            )
        except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
            raise OidcError("token_exchange", str(exc)) from exc
    if not token.get("id_token"):
        raise OidcError("token_exchange", "no id_token in the answer")
    return dict(token)


def verify_id_token(
    client: Client,
    metadata: dict[str, Any],
    token: dict[str, Any],
    *,
    nonce: str,
    keys: KeySet | None = None,
) -> dict[str, Any]:
    """The ID token's claims, once its signature, issuer, audience, times and nonce hold."""
    algorithms = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        if alg != "none" and not alg.startswith("HS")
    ]
    keys = keys or fetch_jwks(metadata)
    try:
        try:
            decoded = jwt.decode(token["id_token"], keys, algorithms=algorithms)
        except InvalidKeyIdError:
            # The provider may have rotated its keys since they were fetched.
            decoded = jwt.decode(token["id_token"], fetch_jwks(metadata), algorithms=algorithms)
    except (BadSignatureError, InvalidKeyIdError) as exc:
        raise OidcError("signature", str(exc)) from exc
    except JoseError as exc:
        raise OidcError("id_token_malformed", str(exc)) from exc
    except ValueError as exc:
        raise OidcError("id_token_malformed", str(exc)) from exc
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": client.issuer},
            "aud": {"essential": True, "value": client.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
        },
        {"nonce": nonce, "client_id": client.client_id, "access_token": token.get("access_token")},
    )
    try:
        claims.validate(leeway=LEEWAY)
    except ExpiredTokenError as exc:
        raise OidcError("expired", str(exc)) from exc
    except ClaimError as exc:
        raise OidcError(_CLAIM_REASONS.get(exc.claim, "claims"), str(exc)) from exc
    return dict(claims)


_CLAIM_REASONS = {
    "iss": "issuer",
    "aud": "audience",
    "azp": "audience",
    "nonce": "nonce",
    "iat": "issued_at",
    "exp": "expired",
}


def _session(client: Client, metadata: dict[str, Any]) -> OAuth2Session:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else methods[0]
    return OAuth2Session(
        client.client_id,
        client.client_secret,
        scope=SCOPE,
        redirect_uri=client.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
    )


def _get_json(url: str, reason: str) -> dict[str, Any]:
    if not is_secure_transport(url):
        raise OidcError(reason, f"{url} is not HTTPS")
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(reason, str(exc)) from exc
    if not isinstance(data, dict):
        raise OidcError(reason, "the answer is not a JSON object")
    return data
