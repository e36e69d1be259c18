"""Test harness: schema created once per session by the real migrations, base data (the
shipped councils and the demo users) committed once, and every test inside a transaction
that is rolled back.

Tier 1 (``make test``): SQLite under a temp dir, Celery over kombu's SQLAlchemy transport.
Tier 2 (``.ci/run``): PostgreSQL as the application role with RLS on, Redis as broker, set by
``TEIA_TEST_DATABASE_URL`` (app role), ``TEIA_TEST_MIGRATION_URL`` (owner),
``TEIA_TEST_BROKER_URL`` and ``TEIA_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pyotp
import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from teia import create_app
from teia.config import Settings
from teia.core.db import db
from teia.core.security import limiter

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEIA_TEST_DATABASE_URL", "")
PG_OWNER_URL = os.environ.get("TEIA_TEST_MIGRATION_URL", "")
DEMO_PASSWORD = "teia-demo"

requires_postgres = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"), reason="PostgreSQL tier only (.ci/run)"
)


def alembic_config(url: str) -> Config:
    cfg = Config(str(REPO / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def reset_postgres(owner_url: str) -> None:
    """Empty the test database's schema and re-create it with the migrations and roles."""
    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(owner_url), "head")
    with engine.connect() as conn:
        conn.exec_driver_sql((REPO / "infra/postgres/roles.sql").read_text())
    engine.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    instance = tmp_path_factory.mktemp("instance")
    if PG_URL:
        reset_postgres(PG_OWNER_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{instance / 'test.sqlite'}"
        command.upgrade(alembic_config(url), "head")
    return Settings(
        env="testing",
        secret_key="t" * 64,
        database_url=url,
        broker_url=os.environ.get("TEIA_TEST_BROKER_URL")
        or f"sqla+sqlite:///{instance / 'broker.sqlite'}",
        redis_url=os.environ.get("TEIA_TEST_REDIS_URL", ""),
        instance_dir=instance,
        base_url="http://teia.test",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    app = create_app({"TEIA_SETTINGS": settings, "TESTING": True, "CELERY_TASK_ALWAYS_EAGER": True})
    with app.app_context():
        _load_base_data()
    return app


def _load_base_data() -> None:
    from teia.demo import load_demo
    from teia.tenants.services import sync_tenants

    sync_tenants(db.session, REPO / "tenants")
    load_demo(db.session)
    db.session.commit()


@pytest.fixture(autouse=True)
def _rollback(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test runs inside one outer transaction that is rolled back at its end.

    A test marked ``own_transactions`` (a real worker writing from its own connection) runs
    without it and cleans up after itself: on SQLite the outer transaction would hold the
    write lock the worker needs.
    """
    if "app" not in request.fixturenames or request.node.get_closest_marker("own_transactions"):
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.bind_to(connection)
    limiter.reset()
    try:
        yield
    finally:
        with app.app_context():
            db.unbind()
        outer.rollback()
        connection.close()
        _clear_outbox(app)


def _clear_outbox(app: Flask) -> None:
    outbox = app.config["TEIA_SETTINGS"].outbox_dir
    if outbox.exists():
        for message in outbox.iterdir():
            message.unlink()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    """Sign in by the login form; for an account with a second factor, type its TOTP code too."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
    )
    if response.status_code == 302 and response.headers["Location"] == "/login/two-factor":
        return second_factor(client, totp_code(client.application, email))
    return response


def second_factor(client: FlaskClient, code: str):  # type: ignore[no-untyped-def]
    page = client.get("/login/two-factor")
    return client.post(
        "/login/two-factor", data={"code": code, "csrf_token": csrf_token(page.text)}
    )


def totp_code(app: Flask, email: str) -> str:
    """The code an authenticator app would show for the account's stored key, as the server
    will accept it: of this time step, or of the next once this one has been used."""
    from teia.accounts.models import TwoFactor, User
    from teia.core.crypto import decrypt

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        row = db.session.get(TwoFactor, user.id)
        assert row is not None and row.confirmed_at is not None, f"{email} has no second factor"
        totp = pyotp.TOTP(decrypt(row.secret))
        now = int(time.time()) // totp.interval
        step = next((s for s in (now, now + 1) if s > row.last_step), None)
        assert step is not None, f"{email}: both usable TOTP codes were already used"
        return totp.at(step * totp.interval)


@pytest.fixture
def as_user(app: Flask):  # type: ignore[no-untyped-def]
    """``as_user("gestora@mourao.demo")`` gives a signed-in test client."""

    def sign_in(email: str) -> FlaskClient:
        c = app.test_client()
        response = login(c, email)
        assert response.status_code == 302, response.text
        return c

    return sign_in


def outbox(app: Flask) -> list[EmailMessage]:
    """The messages the app wrote to its local outbox, oldest first."""
    folder = app.config["TEIA_SETTINGS"].outbox_dir
    if not folder.exists():
        return []
    return [
        message_from_bytes(p.read_bytes(), policy=default)  # type: ignore[misc]
        for p in sorted(folder.iterdir())
    ]


def body(message: EmailMessage) -> str:
    return message.get_content()


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"
