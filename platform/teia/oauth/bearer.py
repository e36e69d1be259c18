"""Bearer tokens on the JSON API: who a token acts as, and whether it may call an operation.

Flask-Login asks :func:`load_principal` for the user when the session holds none; on an
``/api/`` request with ``Authorization: Bearer ...`` the token is looked up (Authlib's
resource protector with our validator: it exists, has not expired, is not revoked, its client
and user are active) and the request acts as the token's user: the person for a personal
token; for a client, its service account, whose memberships are the client's councils with a
partner role for its organisation (set in ``g.memberships``, where the scope and the access
rules read them). Each operation's declared scope is then checked by :func:`authorize`.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import scope_to_list
from flask import Request, abort, g, jsonify, request
from flask_babel import gettext as _

from teia.accounts.models import User
from teia.audit.services import audit
from teia.core.db import db
from teia.oauth import services
from teia.oauth.models import ApiToken
from teia.oauth.server import REALM, require_token

API_PATH = "/api/"


def _bearer_header(req: Request) -> bool:
    kind, _sep, _value = req.headers.get("Authorization", "").partition(" ")
    return kind.lower() == "bearer"


def current_api_token() -> ApiToken | None:
    """The token this request was authenticated with; None for a browser session."""
    return g.get("api_token")


def load_principal(req: Request) -> User | None:
    """Flask-Login's request loader: the user a valid bearer token acts as, on the API only."""
    if not req.path.startswith(API_PATH) or not _bearer_header(req):
        return None
    if "api_token" in g:  # asked again while refusing: the audit asks who the actor is
        return None
    g.api_token = None
    try:
        token: ApiToken = require_token.acquire_token()
    except OAuth2Error as error:
        refuse(
            401,
            "invalid_token",
            _("O token não é válido: expirou, foi revogado ou não existe. Peça um novo."),
            reason=error.error,
        )
    g.api_token = token
    if token.client is not None:
        g.memberships = services.client_memberships(db.session, token.client)
    return token.user


def authorize(declared: bool, scope: str | None) -> None:
    """The operation's scope (``None``: any token) must be one of the token's; audited."""
    token = current_api_token()
    if token is None:
        if _bearer_header(request):
            message = _("Este pedido traz uma sessão e um token: use só um deles.")
            refuse(400, "invalid_request", message, reason="session_and_token")
        return
    if not declared or (scope and scope not in scope_to_list(token.get_scope())):
        message = _("O token não tem o âmbito necessário para esta operação: %(s)s.", s=scope)
        refuse(403, "insufficient_scope", message, reason="insufficient_scope", scope=scope)
    audit(
        db.session,
        "api.token_used",
        object_type="api_token",
        object_id=token.id,
        details=_token_details(token),
    )
    # Recorded whatever the operation answers (a 404 probe too); nothing else is pending yet.
    db.session.commit()


def _token_details(token: ApiToken | None) -> dict[str, object]:
    details: dict[str, object] = {"method": request.method, "endpoint": request.endpoint}
    if token is not None:
        details["token"] = token.id
        if token.client is not None:
            details["client"] = token.client.client_id
    return details


def refuse(status: int, error: str, message: str, *, reason: str, scope: str | None = None):  # type: ignore[no-untyped-def]
    """Answer ``status`` with the OAuth error code and a message, audited and committed (the
    request ends in error, so its own transaction will be rolled back)."""
    details = _token_details(current_api_token()) | {"reason": reason}
    audit(db.session, "api.token_refused", details=details)
    db.session.commit()
    response = jsonify({"error": error, "status": status, "message": message})
    response.status_code = status
    challenge = f'Bearer realm="{REALM}", error="{error}"'
    if scope:
        challenge += f', scope="{scope}"'
    response.headers["WWW-Authenticate"] = challenge
    abort(response)
