"""Pages: navigation by role, the switcher, notifications, Portuguese of each country."""

from __future__ import annotations

import pyotp
from flask import Flask
from sqlalchemy import select

from teia.accounts.mfa import enrol_with_secret
from teia.accounts.models import Membership, Role, User
from teia.core.db import db
from teia.tenants.models import Organization, Tenant
from tests.conftest import csrf_token, login


def test_navigation_follows_the_role(as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo").get("/t/mourao/").text
    assert 'href="/t/mourao/admin/users"' in admin and 'href="/t/mourao/admin/audit"' in admin
    worker = as_user("gestora@mourao.demo").get("/t/mourao/").text
    assert "/admin/users" not in worker and 'aria-current="page"' in worker
    operator = as_user("admin@teia.demo").get("/", follow_redirects=True).text
    assert 'href="/admin/"' in operator


def test_the_switcher_lists_only_the_users_councils(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    page = c.get("/t/mourao/").text
    assert 'value="t/mourao" selected' in page and 'value="t/portel"' in page
    assert "reguengos" not in page
    assert c.get("/switch?to=t/portel").headers["Location"] == "/t/portel/"
    assert c.get("/switch?to=t/reguengos-de-monsaraz").status_code == 404


def test_home_shows_what_needs_attention(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("coordenacao@mourao.demo").get("/t/mourao/").text
    assert "Convite pendente" in page or "Convite por aceitar a expirar" in page
    assert "Nova Técnica" in page  # the demo's pending invitation
    assert "Bem-vinda à Teia" in page  # unread notification


def test_notifications_can_be_read(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@mourao.demo")
    page = c.get("/notifications")
    assert "Bem-vinda à Teia" in page.text and 'class="badge"' in page.text
    c.post("/notifications/read", data={"csrf_token": csrf_token(page.text)})
    assert 'class="badge"' not in c.get("/notifications").text


def test_forms_are_accessible(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").text
    assert '<label for="email">' in page and '<label for="password">' in page
    assert 'autocomplete="current-password"' in page
    assert 'lang="pt-PT"' in page and 'href="#conteudo"' in page
    failed = login(client, "ninguem@exemplo.pt", "")
    assert 'aria-invalid="true"' in failed.text
    assert 'aria-describedby="password-error"' in failed.text


def test_static_assets_are_local(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").text
    assert "http://" not in page.split("<body>")[0] and "https://" not in page
    with client.get("/static/teia.css") as css:
        assert css.status_code == 200 and "--brand" in css.text


def test_brazilian_council_reads_brazilian_portuguese(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        tenant = Tenant(
            slug="sao-tome-br",
            name="São Tomé",
            official_name="Prefeitura de Teste",
            country="BR",
            locale="pt_BR",
            official_code="3500000",
            district="SP",
            region="Teste",
            timezone="America/Sao_Paulo",
            municipal_holiday="07-03",
            municipal_holiday_name="Aniversário",
            parishes=["Centro"],
            source_hash="t",
        )
        org = db.session.scalar(select(Organization).where(Organization.slug == "cimac"))
        user = db.session.scalar(select(User).where(User.email == "gestora@mourao.demo"))
        db.session.add(tenant)
        db.session.flush()
        db.session.add(
            Membership(user=user, organization=org, tenant=tenant, role=Role.TENANT_ADMIN)
        )
        enrol_with_secret(db.session, user, pyotp.random_base32())  # admins sign in with TOTP
        db.session.commit()
    login(client, "gestora@mourao.demo")
    br = client.get("/t/sao-tome-br/").text
    assert 'lang="pt-BR"' in br and "Gerenciar usuários" not in br
    assert 'href="/t/sao-tome-br/admin/users">Usuários<' in br
    pt = client.get("/t/mourao/").text
    assert 'lang="pt-PT"' in pt
    assert "Usuários" not in client.get("/t/mourao/").text


def test_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
