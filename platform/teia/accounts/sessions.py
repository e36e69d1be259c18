"""The signed-in session: started fresh at every login, ended when idle or too old.

The session lives in Flask's signed cookie. At login it is emptied and refilled, so nothing set
before the login (by anyone who could plant a cookie) carries into the signed-in session, and
it gets a new random ``sid``. Two timestamps bound it: ``last_seen`` (idle timeout) and
``login_at`` (absolute timeout), checked before every request.
"""

from __future__ import annotations

import secrets
import time

from flask import current_app, session
from flask_login import current_user, login_user, logout_user

from teia.accounts.models import User
from teia.audit.services import audit
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope

SESSION_ID = "sid"
LOGIN_AT = "login_at"
LAST_SEEN = "last_seen"
ENROL_DUE = "enrol_2fa"
PENDING = "pending_login"
# Only refresh ``last_seen`` (and so rewrite the cookie) this often.
TOUCH_EVERY = 60
# Time to type the code after the password.
PENDING_SECONDS = 300


def begin_session(user: User, *, method: str, remember: bool = False) -> None:
    """Sign ``user`` in on a brand-new session and audit the login with its ``method``."""
    session.clear()
    login_user(user, remember=remember)
    now = int(time.time())
    session[SESSION_ID] = secrets.token_urlsafe(32)
    session[LOGIN_AT] = now
    session[LAST_SEEN] = now
    user.last_login_at = utcnow()
    account_event("login", user, method=method)


def account_event(action: str, user: User, **details: str) -> None:
    """Audit an event of the account itself, outside any council (also when the request runs
    in one, as an invitation's acceptance does)."""
    with tenant_scope(None):
        audit(
            db.session,
            action,
            object_type="user",
            object_id=user.id,
            actor_id=user.id,
            details=details,
        )
        db.session.flush()


def require_enrolment() -> None:
    """Hold the signed-in user on the two-factor enrolment until it is done."""
    session[ENROL_DUE] = True


def enrolment_due() -> bool:
    return bool(session.get(ENROL_DUE)) and current_user.is_authenticated


def enrolment_done() -> None:
    session.pop(ENROL_DUE, None)


def begin_pending_login(user: User, next_url: str | None) -> None:
    """The password was right; remember who is halfway in until the second factor."""
    session.clear()
    session[PENDING] = {
        "user_id": user.id,
        "auth_version": user.auth_version,
        "at": int(time.time()),
        "next": next_url,
    }


def pending_login() -> tuple[User, str | None] | None:
    """The user (and where they were going) waiting for the second factor, if still valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or int(time.time()) - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.active or user.auth_version != pending["auth_version"]:
        return None
    return user, pending["next"]


def end_session() -> None:
    """Sign out and forget everything the session held."""
    logout_user()
    session.clear()


def expired_reason() -> str | None:
    """``"idle"`` or ``"absolute"`` when the signed-in session has run out, else ``None``.

    A signed-in session without the timestamps (restored from a remember-me cookie, or made
    before this check existed) counts as expired: its age cannot be known.
    """
    if not current_user.is_authenticated:
        return None
    login_at, last_seen = session.get(LOGIN_AT), session.get(LAST_SEEN)
    if not isinstance(login_at, int) or not isinstance(last_seen, int):
        return "absolute"
    settings = current_app.config["TEIA_SETTINGS"]
    now = int(time.time())
    if now - login_at > settings.session_max_hours * 3600:
        return "absolute"
    if now - last_seen > settings.session_idle_minutes * 60:
        return "idle"
    if now - last_seen >= TOUCH_EVERY:
        session[LAST_SEEN] = now
    return None
