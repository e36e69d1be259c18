"""Two-factor sign-in: enrolment, codes and recovery codes, required roles, per-council rules."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import ValidationError
from sqlalchemy import select

from teia.accounts import mfa
from teia.accounts.models import Membership, RecoveryCode, Role, TwoFactor, User
from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.demo import DEMO_TOTP_SECRET
from teia.tenants.models import Organization, Tenant
from teia.tenants.schemas import SecuritySpec
from tests.conftest import DEMO_PASSWORD, csrf_token, login, outbox, second_factor, totp_code
from tests.test_invitations import invite, link_in

CODES_PAGE = re.compile(r"<li><code>([0-9a-f]{4}(?:-[0-9a-f]{4}){3})</code></li>")


def user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def actions(app: Flask, email: str) -> list[str]:
    with app.app_context():
        uid = str(user(email).id)
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "user", AuditEvent.object_id == uid)
                .order_by(AuditEvent.id)
            )
        )


def enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Enrol through the pages as a person would; the key and the recovery codes shown."""
    page = client.get("/account/2fa")
    assert page.status_code == 200
    match = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.text)
    assert match, "no key on the enrolment page"
    secret = match.group(1)
    assert "<svg" in page.text and "otpauth://totp/Teia:" in page.text
    done = client.post(
        "/account/2fa/confirm",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page.text)},
    )
    assert done.status_code == 200, done.text
    codes = CODES_PAGE.findall(done.text)
    return secret, codes


def sign_out(client: FlaskClient) -> None:
    page = client.get("/account")
    client.post("/logout", data={"csrf_token": csrf_token(page.text)})


def password_step(client: FlaskClient, email: str) -> str:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_enrolment_gives_ten_single_use_codes_and_keeps_the_key_encrypted(
    app: Flask, as_user
) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    page = c.get("/account/2fa")
    wrong = c.post(
        "/account/2fa/confirm", data={"code": "000000", "csrf_token": csrf_token(page.text)}
    )
    assert "O código não está certo" in wrong.text
    assert "two_factor.enrolment_failed" in actions(app, "gestora@mourao.demo")

    secret, codes = enrol(c)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        row = db.session.get(TwoFactor, user("gestora@mourao.demo").id)
        assert row is not None and row.confirmed_at is not None
        assert secret not in row.secret  # stored encrypted
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert "two_factor.enabled" in actions(app, "gestora@mourao.demo")
    assert "Ativa." in c.get("/account").text


def test_sign_in_asks_the_code_after_the_password(app: Flask, as_user, client) -> None:  # type: ignore[no-untyped-def]
    secret, _ = enrol(as_user("gestora@mourao.demo"))
    assert password_step(client, "gestora@mourao.demo") == "/login/two-factor"
    assert client.get("/t/mourao/").status_code == 302  # not signed in yet
    # The enrolment used this time step's code: the app's next code is the one that works.
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    assert second_factor(client, next_code).status_code == 302
    assert client.get("/t/mourao/").status_code == 200
    with app.app_context():
        login_event = db.session.scalar(
            select(AuditEvent)
            .where(
                AuditEvent.action == "login", AuditEvent.actor_id == user("gestora@mourao.demo").id
            )
            .order_by(AuditEvent.id.desc())
        )
        assert login_event is not None and login_event.details == {"method": "password+totp"}


def test_a_code_is_refused_the_second_time_and_a_wrong_one_is_audited(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    password_step(first, "coordenacao@mourao.demo")
    password_step(second, "coordenacao@mourao.demo")
    code = totp_code(app, "coordenacao@mourao.demo")
    assert second_factor(first, code).status_code == 302
    replay = second_factor(second, code)
    assert replay.status_code == 200 and "Código errado ou já usado." in replay.text
    wrong = second_factor(second, "123456" if code != "123456" else "654321")
    assert "Código errado ou já usado." in wrong.text
    assert second.get("/t/mourao/").status_code == 302
    assert actions(app, "coordenacao@mourao.demo").count("login.two_factor_failed") == 2


def test_a_recovery_code_works_once(app: Flask, as_user, client) -> None:  # type: ignore[no-untyped-def]
    _, codes = enrol(as_user("gestora@mourao.demo"))
    password_step(client, "gestora@mourao.demo")
    assert second_factor(client, codes[3].upper().replace("-", " ")).status_code == 302
    assert "restam 9" in client.get("/", follow_redirects=True).text
    sign_out(client)
    password_step(client, "gestora@mourao.demo")
    again = second_factor(client, codes[3])
    assert "Código errado ou já usado." in again.text
    assert "login.two_factor_failed" in actions(app, "gestora@mourao.demo")


def test_ten_wrong_codes_lock_the_account(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    password_step(client, "coordenacao@mourao.demo")
    for _ in range(9):
        assert "Código errado" in second_factor(client, "0000-0000-0000-0000").text
    locked = second_factor(client, "0000-0000-0000-0000")
    assert "bloqueada durante 15 minutos" in locked.text
    assert "login.locked" in actions(app, "coordenacao@mourao.demo")
    # Even the right password is refused while locked.
    page = client.get("/login")
    again = client.post(
        "/login",
        data={
            "email": "coordenacao@mourao.demo",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert "bloqueada" in again.text


def test_the_second_step_is_rate_limited(client) -> None:  # type: ignore[no-untyped-def]
    password_step(client, "coordenacao@mourao.demo")
    token = csrf_token(client.get("/login/two-factor").text)
    statuses = [
        client.post("/login/two-factor", data={"code": "x", "csrf_token": token}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_the_second_step_needs_the_password_step_first(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_second_step_runs_out(client) -> None:  # type: ignore[no-untyped-def]
    password_step(client, "coordenacao@mourao.demo")
    with client.session_transaction() as s:
        s["pending_login"] = {**s["pending_login"], "at": s["pending_login"]["at"] - 301}
    assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_an_admin_without_a_second_factor_enrols_before_anything_else(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        mfa.remove(db.session, user("coordenacao@portel.demo"))
        db.session.commit()
    assert password_step(client, "coordenacao@portel.demo") == "/account/2fa"
    for path in ("/t/portel/", "/t/portel/admin/users", "/account"):
        held = client.get(path)
        assert held.status_code == 302 and held.headers["Location"] == "/account/2fa", path
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json["error"] == "two_factor_required"
    page = client.get("/account/2fa")
    assert "O seu papel exige a verificação em dois passos" in page.text
    assert "two_factor.enrolment_required" in actions(app, "coordenacao@portel.demo")
    enrol(client)
    assert client.get("/t/portel/").status_code == 200


@pytest.mark.parametrize(
    ("email", "required"),
    [
        ("admin@teia.demo", True),  # platform admin
        ("coordenacao@cimac.demo", True),  # consortium coordinator
        ("coordenacao@mourao.demo", True),  # tenant admin
        ("decisao@mourao.demo", True),  # Mourão's tenant.yaml lists decision_maker
        ("gestora@mourao.demo", False),
        ("ipss@mourao.demo", False),
    ],
)
def test_who_must_use_a_second_factor(app: Flask, email: str, required: bool) -> None:
    with app.app_context():
        assert mfa.requires_two_factor(db.session, user(email)) is required


def test_the_rule_follows_each_councils_configuration(app: Flask) -> None:
    with app.app_context():
        mourao = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        portel = db.session.scalar(select(Tenant).where(Tenant.slug == "portel"))
        assert mourao is not None and portel is not None
        assert mourao.two_factor_roles == ["decision_maker"] and portel.two_factor_roles == []
        person = User(email="vereador@portel.test", name="Vereador de Portel")
        db.session.add(person)
        org = db.session.scalar(select(Organization).where(Organization.slug == "municipio-portel"))
        assert org is not None
        membership = Membership(
            user=person, organization=org, tenant=portel, role=Role.DECISION_MAKER
        )
        db.session.add(membership)
        db.session.flush()
        assert not mfa.requires_two_factor(db.session, person)
        portel.two_factor_roles = ["decision_maker"]
        db.session.flush()
        assert mfa.requires_two_factor(db.session, person)
        membership.active = False  # only active memberships count
        db.session.flush()
        assert not mfa.requires_two_factor(db.session, person)


def test_tenant_yaml_names_council_roles_only() -> None:
    assert SecuritySpec(require_two_factor=["finance"]).require_two_factor == [Role.FINANCE]
    with pytest.raises(ValidationError, match="not a council role: consortium_coordinator"):
        SecuritySpec(require_two_factor=["consortium_coordinator"])
    with pytest.raises(ValidationError):
        SecuritySpec(require_two_factor=["mayor"])


def test_the_demo_key_is_the_documented_one(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    password_step(client, "admin@teia.demo")
    assert second_factor(client, pyotp.TOTP(DEMO_TOTP_SECRET).now()).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_disabling_needs_the_password_and_a_code(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    secret, _ = enrol(c)
    page = c.get("/account/2fa")
    token = csrf_token(page.text)
    wrong = c.post(
        "/account/2fa/disable",
        data={"disable-password": "nao-e-esta", "disable-code": "1", "csrf_token": token},
        follow_redirects=True,
    )
    assert "A palavra-passe está errada." in wrong.text
    assert "two_factor.disable_refused" in actions(app, "gestora@mourao.demo")
    done = c.post(
        "/account/2fa/disable",
        data={
            "disable-password": DEMO_PASSWORD,
            "disable-code": pyotp.TOTP(secret).at(time.time() + 30),
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert "Verificação em dois passos desativada." in done.text
    with app.app_context():
        assert not mfa.enrolled(db.session, user("gestora@mourao.demo"))
    assert "two_factor.disabled" in actions(app, "gestora@mourao.demo")


def test_an_admin_who_disables_it_must_enrol_again(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@mourao.demo")
    page = c.get("/account/2fa")
    c.post(
        "/account/2fa/disable",
        data={
            "disable-password": DEMO_PASSWORD,
            "disable-code": totp_code(app, "coordenacao@mourao.demo"),
            "csrf_token": csrf_token(page.text),
        },
    )
    assert c.get("/t/mourao/").headers["Location"] == "/account/2fa"


def test_new_recovery_codes_replace_the_old_ones(app: Flask, as_user, client) -> None:  # type: ignore[no-untyped-def]
    c = as_user("gestora@mourao.demo")
    secret, old = enrol(c)
    page = c.get("/account/2fa")
    assert "Restam 10 códigos" in page.text
    fresh = c.post(
        "/account/2fa/recovery-codes",
        data={"code": pyotp.TOTP(secret).at(time.time() + 30), "csrf_token": csrf_token(page.text)},
    )
    new = CODES_PAGE.findall(fresh.text)
    assert len(new) == 10 and not set(new) & set(old)
    password_step(client, "gestora@mourao.demo")
    assert "Código errado" in second_factor(client, old[0]).text
    assert second_factor(client, new[0]).status_code == 302


def test_the_login_helper_signs_in_an_admin(client) -> None:  # type: ignore[no-untyped-def]
    assert login(client, "coordenacao@mourao.demo").status_code == 302
    assert client.get("/t/mourao/admin/users").status_code == 200


def test_an_invited_admin_enrols_right_after_accepting(app: Flask, as_user, client) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    invite(app, admin, "nova.coordenadora@exemplo.pt", role="tenant_admin", org="municipio-mourao")
    path = link_in(outbox(app)[0])
    page = client.get(path)
    accepted = client.post(
        path,
        data={
            "name": "Nova Coordenadora",
            "password": "senha-bem-longa",
            "confirm": "senha-bem-longa",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert accepted.headers["Location"] == "/account/2fa"
    assert client.get("/t/mourao/admin/users").headers["Location"] == "/account/2fa"
    enrol(client)
    assert client.get("/t/mourao/admin/users").status_code == 200
    assert "two_factor.enrolment_required" in actions(app, "nova.coordenadora@exemplo.pt")
