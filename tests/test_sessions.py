"""Sessions: a fresh one at every login, idle and absolute timeouts, and the ways they end."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from teia.accounts import mfa, services
from teia.accounts.models import User
from teia.accounts.sessions import LAST_SEEN, LOGIN_AT, SESSION_ID
from teia.audit.models import AuditEvent
from teia.config import Settings
from teia.core.db import db
from tests.conftest import csrf_token, login


def user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def session_value(client: FlaskClient, key: str):  # type: ignore[no-untyped-def]
    with client.session_transaction() as s:
        return s.get(key)


def shift(client: FlaskClient, **seconds_ago: int) -> None:
    """Move the session's timestamps into the past, as if that time had gone by."""
    with client.session_transaction() as s:
        for key, ago in seconds_ago.items():
            s[key] = int(time.time()) - ago


def expiry_reasons(app: Flask, email: str) -> list[str]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "session.expired",
                AuditEvent.object_id == str(user(email).id),
            )
        )
        return [e.details["reason"] for e in events]


def test_login_starts_a_new_session_and_keeps_nothing_from_before(client) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
        s[SESSION_ID] = "chosen-by-an-attacker"
    assert login(client, "gestora@mourao.demo").status_code == 302
    first = session_value(client, SESSION_ID)
    assert first and first != "chosen-by-an-attacker"
    assert session_value(client, "planted") is None
    assert isinstance(session_value(client, LOGIN_AT), int)
    page = client.get("/t/mourao/")
    client.post("/logout", data={"csrf_token": csrf_token(page.text)})
    assert session_value(client, SESSION_ID) is None
    login(client, "gestora@mourao.demo")
    assert session_value(client, SESSION_ID) not in (None, first)


def test_the_login_is_audited_with_its_method_and_time(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    login(client, "gestora@mourao.demo")
    with app.app_context():
        who = user("gestora@mourao.demo")
        assert who.last_login_at is not None
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.actor_id == who.id)
        )
        assert event is not None and event.details == {"method": "password"}


def test_an_idle_session_ends_with_a_message(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    shift(c, last_seen=29 * 60)
    assert c.get("/t/mourao/").status_code == 200
    assert session_value(c, LAST_SEEN) >= int(time.time()) - 5  # activity moved it on
    shift(c, last_seen=31 * 60)
    ended = c.get("/t/mourao/cases/")
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/login?next=/t/mourao/cases/")
    page = c.get(ended.headers["Location"])
    assert "A sessão terminou por inatividade. Entre de novo." in page.text
    assert c.get("/t/mourao/").status_code == 302  # signed out
    assert expiry_reasons(app, "gestora@mourao.demo") == ["idle"]


def test_a_session_ends_after_its_maximum_length_however_active(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    shift(c, login_at=11 * 3600 + 3000, last_seen=10)
    assert c.get("/t/mourao/").status_code == 200
    shift(c, login_at=12 * 3600 + 1, last_seen=10)
    ended = c.get("/t/mourao/", follow_redirects=True)
    assert "A sessão atingiu a duração máxima. Entre de novo." in ended.text
    assert expiry_reasons(app, "gestora@mourao.demo") == ["absolute"]


def test_the_api_answers_401_to_an_expired_session(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    assert c.get("/api/v1/me").status_code == 200
    shift(c, last_seen=31 * 60)
    response = c.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"] == "session_expired"
    assert "inatividade" in response.json["message"]
    assert expiry_reasons(app, "gestora@mourao.demo") == ["idle"]
    assert c.get("/api/v1/me").status_code == 401


def test_a_session_without_its_timestamps_is_not_trusted(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    with c.session_transaction() as s:
        del s[LOGIN_AT]
    assert c.get("/t/mourao/").status_code == 302


def test_the_timeouts_follow_the_settings(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    settings: Settings = app.config["TEIA_SETTINGS"]
    saved = settings.session_idle_minutes
    settings.session_idle_minutes = 5
    try:
        shift(c, last_seen=6 * 60)
        assert c.get("/t/mourao/").status_code == 302
    finally:
        settings.session_idle_minutes = saved


def test_timeouts_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEIA_INSTANCE_DIR", str(tmp_path))
    assert (Settings.from_env().session_idle_minutes, Settings.from_env().session_max_hours) == (
        30,
        12,
    )
    monkeypatch.setenv("TEIA_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("TEIA_SESSION_MAX_HOURS", "8")
    settings = Settings.from_env()
    assert (settings.session_idle_minutes, settings.session_max_hours) == (15, 8)


def test_disabling_an_account_ends_its_sessions(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    # The platform admin has no membership: nothing but the account itself can shut it out.
    c = as_user("admin@teia.demo")
    assert c.get("/admin/").status_code == 200
    with app.app_context():
        services.set_account_active(db.session, user("admin@teia.demo"), False)
        db.session.commit()
    assert c.get("/admin/").status_code == 302
    assert c.get("/api/v1/me").status_code == 401
    with app.app_context():
        admin = user("admin@teia.demo")
        assert admin.auth_version == 2
        services.set_account_active(db.session, admin, True)
        db.session.commit()
    assert c.get("/admin/").status_code == 302  # re-enabling does not revive old sessions
    assert "user.disabled" in db_actions(app)


def db_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action)))


def test_a_disabled_account_cannot_sign_in(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        services.set_account_active(db.session, user("gestora@mourao.demo"), False)
        db.session.commit()
    assert "E-mail ou palavra-passe errados." in login(client, "gestora@mourao.demo").text


def test_the_operator_commands_disable_and_reset(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@mourao.demo")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accounts", "reset-two-factor", "coordenacao@mourao.demo"])
    assert result.exit_code == 0, result.output
    assert c.get("/t/mourao/").status_code == 302  # its sessions ended
    with app.app_context():
        assert not mfa.enrolled(db.session, user("coordenacao@mourao.demo"))
    result = runner.invoke(args=["accounts", "disable", "gestora@mourao.demo"])
    assert result.exit_code == 0 and "disabled" in result.output
    with app.app_context():
        assert not user("gestora@mourao.demo").active
    assert runner.invoke(args=["accounts", "disable", "ninguem@x.test"]).exit_code != 0


def test_a_password_change_elsewhere_ends_this_session_too(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    with app.app_context():
        services.set_password(db.session, user("gestora@mourao.demo"), "outra-senha-longa")
        db.session.commit()
    assert c.get("/t/mourao/").status_code == 302
    assert c.get("/api/v1/me").status_code == 401
