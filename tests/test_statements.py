"""The number of SQL statements per request does not grow with the data."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import Membership, Role, User
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.services import notify, schedule_reminder
from teia.tenants.models import Organization, Tenant

PAGES = [
    "/t/mourao/",
    "/t/mourao/admin/users",
    "/t/mourao/admin/audit",
    "/notifications",
    "/api/v1/me",
    "/api/v1/t/mourao/members",
]


def counts(c) -> dict[str, int]:  # type: ignore[no-untyped-def]
    result = {}
    for path in PAGES:
        response = c.get(path)
        assert response.status_code == 200, path
        result[path] = int(response.headers["X-SQL-Statements"])
    return result


def grow(app: Flask, n: int) -> None:
    """Add ``n`` members, notifications and reminders to Mourão."""
    with app.app_context():
        mourao = db.session.scalar(select(Tenant).where(Tenant.slug == "mourao"))
        admin = db.session.scalar(select(User).where(User.email == "coordenacao@mourao.demo"))
        org = db.session.scalar(select(Organization).where(Organization.slug == "scm-mourao"))
        assert mourao and admin and org
        for i in range(n):
            user = User(email=f"extra{i}@mourao.test", name=f"Extra {i}", password_hash="x")
            user.memberships.append(
                Membership(tenant=mourao, organization=org, role=Role.TECHNICIAN)
            )
            db.session.add(user)
            notify(
                db.session,
                user_id=admin.id,
                kind="test",
                subject=f"N{i}",
                email=False,
                tenant_id=mourao.id,
            )
        db.session.flush()
        with tenant_scope(mourao.id):
            for i in range(n):
                schedule_reminder(
                    db.session,
                    object_type="invitation",
                    object_id=10_000 + i,
                    kind="invitation_expiring",
                    due_date=admin.created_at.date(),
                    user_id=admin.id,
                )
        db.session.commit()


def test_statements_per_request_are_constant(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@mourao.demo")
    before = counts(c)
    grow(app, 40)
    after = counts(c)
    assert after == before
    assert all(n <= 12 for n in after.values()), after
