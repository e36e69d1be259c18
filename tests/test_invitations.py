"""A council's admin invites people; the link arrives by e-mail and works once."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import Invitation, Membership, Role, User
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Reminder
from teia.tenants.models import Organization, Tenant
from tests.conftest import body, csrf_token, outbox


def mourao_id() -> int:
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))  # type: ignore[return-value]


def org_id(slug: str) -> int:
    return db.session.scalar(select(Organization.id).where(Organization.slug == slug))  # type: ignore[return-value]


def invite(app: Flask, c, email: str, role: str = "technician", org: str = "scm-mourao"):  # type: ignore[no-untyped-def]
    page = c.get("/t/mourao/admin/users")
    with app.app_context():
        organization = org_id(org)
    return c.post(
        "/t/mourao/admin/users/invite",
        data={
            "name": "Nova Pessoa",
            "email": email,
            "role": role,
            "organization": organization,
            "csrf_token": csrf_token(page.text),
        },
    )


def link_in(message) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"http://teia\.test(/invitations/\S+)", body(message))
    assert match, body(message)
    return match.group(1)


def test_invite_email_accept_and_membership(app: Flask, as_user, client) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    assert invite(app, admin, "Nova.Pessoa@Exemplo.pt").status_code == 302
    [message] = outbox(app)
    assert message["To"] == "nova.pessoa@exemplo.pt"
    assert "Município de Mourão" in message["Subject"]
    path = link_in(message)
    page = client.get(path)
    assert page.status_code == 200 and "Técnico/a" in page.text
    response = client.post(
        path,
        data={
            "name": "Nova Pessoa",
            "password": "senha-bem-longa",
            "confirm": "senha-bem-longa",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/t/mourao/"
    assert client.get("/t/mourao/").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nova.pessoa@exemplo.pt"))
        assert user is not None
        [membership] = user.memberships
        assert membership.role == Role.TECHNICIAN and membership.organization.slug == "scm-mourao"
    assert client.get(path).status_code == 404  # single use


def test_existing_account_proves_its_password(app: Flask, as_user, client) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    invite(app, admin, "gestora@portel.demo", role="case_manager", org="municipio-mourao")
    path = link_in(outbox(app)[0])
    page = client.get(path)
    assert "Já tem conta" in page.text
    wrong = client.post(path, data={"password": "nao-e-esta", "csrf_token": csrf_token(page.text)})
    assert "Palavra-passe errada" in wrong.text
    ok = client.post(path, data={"password": "teia-demo", "csrf_token": csrf_token(page.text)})
    assert ok.status_code == 302
    assert client.get("/t/mourao/").status_code == 200
    assert client.get("/t/portel/").status_code == 200


def test_invite_validates_input_and_organization(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    bad_email = invite(app, admin, "sem-arroba")
    assert bad_email.status_code == 422
    assert "Escreva um endereço de e-mail válido." in bad_email.text
    assert 'aria-invalid="true"' in bad_email.text
    page = admin.get("/t/mourao/admin/users")
    with app.app_context():
        outsider = db.session.get(Organization, org_id("cimac"))
        assert outsider
        regional = Organization(slug="so-portel", name="Só em Portel", type_code="school")
        regional.tenants = [db.session.scalar(select(Tenant).where(Tenant.slug == "portel"))]
        db.session.add(regional)
        db.session.commit()
        foreign_org = regional.id
    response = admin.post(
        "/t/mourao/admin/users/invite",
        data={
            "name": "X",
            "email": "x@x.pt",
            "role": "technician",
            "organization": foreign_org,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 422  # not a choice in Mourão
    assert outbox(app) == []


def test_invitation_schedules_a_reminder_and_revoking_cancels_it(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    invite(app, admin, "lembrete@exemplo.pt")
    with app.app_context(), tenant_scope(mourao_id()):
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.email == "lembrete@exemplo.pt")
        )
        assert invitation is not None
        reminder = db.session.scalar(
            select(Reminder).where(
                Reminder.object_id == invitation.id, Reminder.object_type == "invitation"
            )
        )
        assert reminder is not None
        assert reminder.due_date == (
            invitation.expires_at.date().fromordinal(invitation.expires_at.date().toordinal() - 2)
        )
        invitation_id = invitation.id
    page = admin.get("/t/mourao/admin/users")
    assert "lembrete@exemplo.pt" in page.text
    response = admin.post(
        f"/t/mourao/admin/invitations/{invitation_id}/revoke",
        data={"csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    path = link_in(outbox(app)[0])
    assert admin.get(path).status_code == 404


def test_admin_manages_roles_and_access_but_not_their_own(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    with app.app_context():
        ids = dict(
            db.session.execute(
                select(User.email, Membership.id)
                .join(Membership.user)
                .where(Membership.tenant_id == mourao_id())
            ).all()
        )
    token = csrf_token(admin.get("/t/mourao/admin/users").text)
    admin.post(
        f"/t/mourao/admin/memberships/{ids['junta@mourao.demo']}/active",
        data={"csrf_token": token, "active": "0"},
    )
    assert as_user_fails(app, "junta@mourao.demo")
    admin.post(
        f"/t/mourao/admin/memberships/{ids['gestora@mourao.demo']}/role",
        data={"csrf_token": token, "role": "tenant_admin"},
    )
    mine = admin.post(
        f"/t/mourao/admin/memberships/{ids['coordenacao@mourao.demo']}/active",
        data={"csrf_token": token, "active": "0"},
        follow_redirects=True,
    )
    assert "Não pode retirar o seu próprio acesso." in mine.text
    with app.app_context():
        assert db.session.get(Membership, ids["gestora@mourao.demo"]).role == "tenant_admin"  # type: ignore[union-attr]
        assert db.session.get(Membership, ids["coordenacao@mourao.demo"]).active  # type: ignore[union-attr]


def as_user_fails(app: Flask, email: str) -> bool:
    from tests.conftest import login

    c = app.test_client()
    login(c, email)
    return c.get("/t/mourao/").status_code == 404


def test_api_invitation_needs_csrf_and_validates(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    token = csrf_token(admin.get("/t/mourao/").text)
    with app.app_context():
        organization = org_id("cs-mourao")
    payload = {
        "name": "API",
        "email": "api@exemplo.pt",
        "role": "technician",
        "organization_id": organization,
    }
    assert admin.post("/api/v1/t/mourao/invitations", json=payload).status_code == 400
    bad = admin.post(
        "/api/v1/t/mourao/invitations",
        json={**payload, "email": "x"},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "email"
    ok = admin.post("/api/v1/t/mourao/invitations", json=payload, headers={"X-CSRFToken": token})
    assert ok.status_code == 201 and ok.get_json()["email"] == "api@exemplo.pt"
    assert len(outbox(app)) == 1


def test_an_invitation_link_does_not_work_under_another_council(
    app: Flask, as_user, client
) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    invite(app, admin, "so.mourao@exemplo.pt")
    path = link_in(outbox(app)[0])
    assert path.startswith("/invitations/mourao/")
    foreign = path.replace("/invitations/mourao/", "/invitations/reguengos-de-monsaraz/")
    assert client.get(foreign).status_code == 404
    assert client.get(path.replace("/mourao/", "/nao-existe/")).status_code == 404
    assert client.get(path).status_code == 200


def test_api_refuses_a_role_that_is_not_a_councils(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    token = csrf_token(admin.get("/t/mourao/").text)
    with app.app_context():
        organization = org_id("cs-mourao")
    response = admin.post(
        "/api/v1/t/mourao/invitations",
        json={
            "name": "C",
            "email": "c@exemplo.pt",
            "role": "consortium_coordinator",
            "organization_id": organization,
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "Esse papel não existe num município."
    assert outbox(app) == []
