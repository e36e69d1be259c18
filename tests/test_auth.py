"""Sign-in, lockout, rate limiting, CSRF, logout, and sessions that end with the password."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core.db import db, utcnow
from tests.conftest import csrf_token, login


def user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def test_login_lands_on_the_council_home(client) -> None:  # type: ignore[no-untyped-def]
    response = login(client, "gestora@mourao.demo")
    assert response.status_code == 302
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "Município de Mourão" in home.text


def test_wrong_password_is_refused_with_a_clear_message(client) -> None:  # type: ignore[no-untyped-def]
    response = login(client, "gestora@mourao.demo", "errada-123")
    assert response.status_code == 200
    assert "E-mail ou palavra-passe errados." in response.text
    assert client.get("/t/mourao/").status_code == 302  # still signed out


def test_ten_failures_lock_the_account_and_are_audited(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(9):
        assert "errados" in login(client, "decisao@mourao.demo", "nao-e-esta").text
    locked = login(client, "decisao@mourao.demo", "nao-e-esta")
    assert "bloqueada durante 15 minutos" in locked.text
    # Even the right password is refused while locked.
    assert "bloqueada" in login(client, "decisao@mourao.demo").text
    with app.app_context():
        target = user("decisao@mourao.demo")
        assert target.locked_until is not None and target.locked_until > utcnow()
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.object_id == str(target.id))
            )
        )
        assert actions.count("login.failed") == 10
        assert "login.locked" in actions and "login.refused_locked" in actions
        target.locked_until = utcnow() - timedelta(seconds=1)  # the lock runs out
        db.session.commit()
    assert login(client, "decisao@mourao.demo").status_code == 302


def test_login_is_rate_limited_per_address(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/login").text)
    statuses = [
        client.post(
            "/login", data={"email": f"x{i}@x.test", "password": "x", "csrf_token": token}
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429


def test_post_without_csrf_token_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login", data={"email": "gestora@mourao.demo", "password": "teia-demo"})
    assert response.status_code == 400
    assert "O formulário expirou" in response.text


def test_logout_needs_post_with_csrf_and_ends_the_session(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    assert c.post("/logout").status_code == 400
    page = c.get("/t/mourao/")
    assert c.post("/logout", data={"csrf_token": csrf_token(page.text)}).status_code == 302
    assert c.get("/t/mourao/").status_code == 302


def test_next_only_goes_to_local_paths(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/login").text)
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"email": "gestora@mourao.demo", "password": "teia-demo", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_password_change_ends_other_sessions(as_user) -> None:  # type: ignore[no-untyped-def]
    first = as_user("financas@mourao.demo")
    second = as_user("financas@mourao.demo")
    page = first.get("/account")
    response = first.post(
        "/account",
        data={
            "current": "teia-demo",
            "password": "uma-nova-senha-longa",
            "confirm": "uma-nova-senha-longa",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    assert first.get("/t/mourao/").status_code == 200
    assert second.get("/t/mourao/").status_code == 302  # old session no longer valid


def test_session_cookie_flags(client) -> None:  # type: ignore[no-untyped-def]
    response = login(client, "gestora@mourao.demo")
    cookie = next(
        v
        for k, v in response.headers.items()
        if k == "Set-Cookie" and v.startswith("teia_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
