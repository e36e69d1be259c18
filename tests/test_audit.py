"""The audit trail is append-only and each council sees only its own events."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from teia.audit.guards import AuditIsAppendOnly
from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.tenants.models import Tenant
from tests.conftest import csrf_token


def test_the_orm_refuses_to_change_or_delete_an_event(app: Flask) -> None:
    with app.app_context():
        event = AuditEvent(action="test.immutable")
        db.session.add(event)
        db.session.flush()
        event.action = "test.changed"
        with pytest.raises(AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        event = AuditEvent(action="test.immutable")
        db.session.add(event)
        db.session.flush()
        db.session.delete(event)
        with pytest.raises(AuditIsAppendOnly):
            db.session.flush()
        db.session.rollback()


def test_changes_are_audited_with_actor_tenant_and_address(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("coordenacao@mourao.demo")
    page = admin.get("/t/mourao/admin/users")
    with app.app_context():
        org = db.session.scalar(select(Tenant.id).where(Tenant.slug == "mourao"))
    admin.post(
        "/t/mourao/admin/users/invite",
        data={
            "name": "A",
            "email": "auditada@exemplo.pt",
            "role": "finance",
            "organization": _council_org(app),
            "csrf_token": csrf_token(page.text),
        },
    )
    with app.app_context(), tenant_scope(org):
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "invitation.created")
        )
        assert event is not None
        assert event.actor is not None and event.actor.email == "coordenacao@mourao.demo"
        assert event.address == "127.0.0.1"
        assert event.details["role"] == "finance"


def _council_org(app: Flask) -> int:
    from teia.tenants.models import Organization

    with app.app_context():
        return db.session.scalar(  # type: ignore[return-value]
            select(Organization.id).where(Organization.slug == "municipio-mourao")
        )


def test_admin_audit_page_lists_only_the_councils_events(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = {slug: id_ for slug, id_ in db.session.execute(select(Tenant.slug, Tenant.id))}
        for slug in ("mourao", "reguengos-de-monsaraz"):
            with tenant_scope(ids[slug]):
                db.session.add(AuditEvent(action=f"test.event.{slug}"))
                db.session.flush()
        db.session.commit()
    page = as_user("coordenacao@mourao.demo").get("/t/mourao/admin/audit")
    assert page.status_code == 200
    assert "test.event.mourao" in page.text
    assert "test.event.reguengos-de-monsaraz" not in page.text
    assert "login" not in page.text.split("<tbody>")[1].split("</tbody>")[0].replace(
        "test.event", ""
    )  # platform-level sign-ins are not a council's events


def test_platform_audit_is_for_operators_only(as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("coordenacao@mourao.demo").get("/admin/audit").status_code == 404
    page = as_user("admin@teia.demo").get("/admin/audit")
    assert page.status_code == 200 and "login" in page.text
