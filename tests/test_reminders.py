"""Reminders: a natural key makes the schedule idempotent; each is sent once."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from teia.accounts.models import Invitation, Role, User
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification, Reminder
from teia.notifications.services import dispatch_due_reminders, schedule_reminder
from teia.notifications.tasks import dispatch_reminders
from teia.tenants.models import Tenant
from tests.conftest import outbox


def setup_invitation(app: Flask, slug: str = "portel") -> tuple[int, int, int]:
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        admin = db.session.scalar(select(User).where(User.email == f"coordenacao@{slug}.demo"))
        assert tenant_id and admin
        with tenant_scope(tenant_id):
            invitation = Invitation(
                email="p@exemplo.pt",
                name="P",
                role=Role.TECHNICIAN,
                organization_id=admin.memberships[0].organization_id,
                invited_by_id=admin.id,
                expires_at=utcnow() + timedelta(days=1),
            )
            db.session.add(invitation)
            db.session.flush()
        db.session.commit()
        return tenant_id, invitation.id, admin.id


def schedule(tenant_id: int, invitation_id: int, user_id: int) -> None:
    with tenant_scope(tenant_id):
        schedule_reminder(
            db.session,
            object_type="invitation",
            object_id=invitation_id,
            kind="invitation_expiring",
            due_date=utcnow().date(),
            user_id=user_id,
        )


def test_scheduling_twice_stores_once_and_dispatching_twice_sends_once(app: Flask) -> None:
    tenant_id, invitation_id, admin_id = setup_invitation(app)
    with app.app_context():
        schedule(tenant_id, invitation_id, admin_id)
        schedule(tenant_id, invitation_id, admin_id)
        with tenant_scope(tenant_id):
            assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1
            assert dispatch_due_reminders(db.session, utcnow().date()) == 1
            assert dispatch_due_reminders(db.session, utcnow().date()) == 0
        db.session.commit()
        notes = db.session.scalars(
            select(Notification).where(Notification.user_id == admin_id)
        ).all()
        assert [n.kind for n in notes] == ["reminder.invitation_expiring"]
        assert notes[0].emailed_at is not None
    [message] = outbox(app)
    assert message["To"] == "coordenacao@portel.demo"
    assert "/t/portel/admin/users" in message.get_content()


def test_a_reminder_no_longer_due_is_cancelled(app: Flask) -> None:
    tenant_id, invitation_id, admin_id = setup_invitation(app)
    with app.app_context():
        schedule(tenant_id, invitation_id, admin_id)
        with tenant_scope(tenant_id):
            db.session.get(Invitation, invitation_id).accepted_at = utcnow()  # type: ignore[union-attr]
            assert dispatch_due_reminders(db.session, utcnow().date()) == 0
            status = db.session.scalar(select(Reminder.status))
        assert status == "cancelled"


def test_future_reminders_wait(app: Flask) -> None:
    tenant_id, invitation_id, admin_id = setup_invitation(app)
    with app.app_context(), tenant_scope(tenant_id):
        schedule_reminder(
            db.session,
            object_type="invitation",
            object_id=invitation_id,
            kind="invitation_expiring",
            due_date=utcnow().date() + timedelta(days=3),
            user_id=admin_id,
        )
        assert dispatch_due_reminders(db.session, utcnow().date()) == 0


def test_beat_task_dispatches_every_council_in_its_own_scope(app: Flask) -> None:
    tenant_id, invitation_id, admin_id = setup_invitation(app)
    with app.app_context():
        schedule(tenant_id, invitation_id, admin_id)
        db.session.commit()
        assert dispatch_reminders.delay().get() == 3  # one task per council, eager here
        sent = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == admin_id)
        )
        assert sent == 1
        dispatch_reminders.delay()
        sent = db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == admin_id)
        )
        assert sent == 1
