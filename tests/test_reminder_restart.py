"""A worker killed mid-batch loses no reminder and sends none twice: each batch commits with
its claims, the batch in flight rolls back and stays pending, and the next run (a restarted
worker, the broker's redelivery) sends the rest. Two beats firing the same slot dispatch once.

PostgreSQL and Redis, with real worker processes (``celery -A tasks worker``)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update

from teia.accounts.models import Invitation, Role, User
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import BeatSlot, Notification, Reminder
from teia.notifications.services import unsent_email_ids
from teia.notifications.tasks import (
    dispatch_reminders,
    dispatch_tenant_reminders,
    send_notification_email,
)
from teia.tenants.models import Tenant
from tests.conftest import PG_URL, REPO, requires_postgres

pytestmark = [requires_postgres, pytest.mark.own_transactions]

REMINDERS = 1500  # three batches
KIND = "reminder.invitation_expiring"
ADMIN = "coordenacao@portel.demo"


def _worker(app: Flask, log: Path) -> subprocess.Popen[bytes]:
    settings = app.config["TEIA_SETTINGS"]
    env = {
        **os.environ,
        "TEIA_ENV": "testing",
        "TEIA_SECRET_KEY": settings.secret_key,
        "TEIA_DATABASE_URL": PG_URL,
        "TEIA_BROKER_URL": settings.broker_url,
        "TEIA_REDIS_URL": settings.redis_url,
        "TEIA_INSTANCE_DIR": str(settings.instance_dir),
        "TEIA_BASE_URL": settings.base_url,
    }
    command = [str(REPO / ".venv/bin/celery"), "-A", "tasks", "worker", "--pool=solo"]
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [*command, "--loglevel=INFO", "--without-heartbeat", "--without-gossip"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _count(app: Flask, tenant_id: int, status: str) -> int:
    with app.app_context(), tenant_scope(tenant_id):
        n = db.session.scalar(
            select(func.count()).select_from(Reminder).where(Reminder.status == status)
        )
        db.session.rollback()
        return n or 0


def _wait(condition, timeout: float = 120) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def due(app: Flask) -> Iterator[tuple[int, int]]:
    """Many due reminders of one open invitation (a date each) in Portel, committed."""
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "portel"))
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        assert tenant_id and admin
        admin_id, org_id = admin.id, admin.memberships[0].organization_id
        today = utcnow().date()
        with tenant_scope(tenant_id):
            invitation = Invitation(
                email="muitos@exemplo.pt",
                name="M",
                role=Role.TECHNICIAN,
                organization_id=org_id,
                invited_by_id=admin_id,
                expires_at=utcnow() + timedelta(days=1),
            )
            db.session.add(invitation)
            db.session.flush()
            db.session.execute(
                Reminder.__table__.insert(),
                [
                    {
                        "tenant_id": tenant_id,
                        "object_type": "invitation",
                        "object_id": invitation.id,
                        "kind": "invitation_expiring",
                        "due_date": today - timedelta(days=i),
                        "user_id": admin_id,
                        "status": "pending",
                        "created_at": utcnow(),
                    }
                    for i in range(REMINDERS)
                ],
            )
            db.session.commit()
        invitation_id = invitation.id
    pending = _pending_by_council(app)  # the demo's: the beat below sends those too
    try:
        yield tenant_id, admin_id
    finally:
        _restore(app, pending, tenant_id, invitation_id)


def _pending_by_council(app: Flask) -> dict[int, list[int]]:
    with app.app_context():
        found = {}
        for tenant_id in db.session.scalars(select(Tenant.id)).all():
            with tenant_scope(tenant_id):
                found[tenant_id] = list(
                    db.session.scalars(select(Reminder.id).where(Reminder.status == "pending"))
                )
        db.session.rollback()
        return found


def _restore(app: Flask, pending: dict[int, list[int]], tenant_id: int, invitation_id: int) -> None:
    """Put the committed base data back as it was: the demo's reminders pending again, ours
    and every notification they made removed, no slot claimed, an empty outbox."""
    with app.app_context():
        notes: list[int] = []
        for council_id, ids in pending.items():
            with tenant_scope(council_id):
                mine = Reminder.object_id == invitation_id if council_id == tenant_id else False
                touched = (Reminder.id.in_(ids) | mine) & Reminder.notification_id.is_not(None)
                notes += db.session.scalars(select(Reminder.notification_id).where(touched))
                db.session.execute(
                    update(Reminder)
                    .where(Reminder.id.in_(ids))
                    .values(status="pending", sent_at=None, notification_id=None)
                )
        with tenant_scope(tenant_id):
            db.session.execute(delete(Reminder).where(Reminder.object_id == invitation_id))
            db.session.execute(delete(Invitation).where(Invitation.id == invitation_id))
        db.session.execute(delete(Notification).where(Notification.id.in_(notes)))
        db.session.execute(delete(BeatSlot))
        db.session.commit()
    outbox = app.config["TEIA_SETTINGS"].outbox_dir
    for message in outbox.glob("*.eml") if outbox.exists() else []:
        message.unlink()


def _ours(app: Flask) -> int:
    """The e-mails the admin of Portel got (the demo's reminders go to others)."""
    outbox = app.config["TEIA_SETTINGS"].outbox_dir
    return sum(
        1
        for p in outbox.glob("*.eml")
        if message_from_bytes(p.read_bytes(), policy=default)["To"] == ADMIN
    )


def _redeliver_lost(app: Flask) -> None:
    """What Redis does once the visibility timeout of a dead worker's task passes: put the
    unacknowledged messages back on their queue (here at once, not after an hour)."""
    celery = app.extensions["celery"]
    with celery.connection_for_write() as conn:
        channel = conn.default_channel
        channel.visibility_timeout = 0
        channel.qos.restore_visible(num=1000)


def test_a_worker_killed_mid_batch_loses_none_and_sends_none_twice(
    app: Flask, due: tuple[int, int], tmp_path: Path
) -> None:
    tenant_id, admin_id = due
    celery = app.extensions["celery"]
    celery.conf.task_always_eager = False
    log = tmp_path / "worker.log"
    first = _worker(app, log)
    second = None
    try:
        dispatch_tenant_reminders.delay(tenant_id)
        assert _wait(lambda: _count(app, tenant_id, "sent") > 0), log.read_text()
        os.kill(first.pid, signal.SIGKILL)  # mid-run: some batches committed, one in flight
        first.wait()
        sent_at_kill = _count(app, tenant_id, "sent")
        assert 0 < sent_at_kill < REMINDERS, "the worker was not stopped midway"
        assert _count(app, tenant_id, "claimed") == 0  # the batch in flight rolled back
        second = _worker(app, log)
        _redeliver_lost(app)  # the killed task comes back and carries on
        assert _wait(lambda: _count(app, tenant_id, "sent") == REMINDERS), log.read_text()
        # The sweep of e-mails never queued (killed between a batch's commit and queuing its
        # e-mails), as it runs ten minutes later; what is queued twice is sent once.
        with app.app_context():
            for note_id in unsent_email_ids(db.session, older_than=timedelta(0)):
                send_notification_email.delay(note_id)
            db.session.rollback()
        # Two beats fire the same slot: the first fans out, the second does nothing.
        dispatch_reminders.delay()
        dispatch_reminders.delay()
        assert _wait(
            lambda: len(re.findall(r"dispatch_reminders\[.*\] succeeded", log.read_text())) == 2
        )
        results = re.findall(
            r"dispatch_reminders\[.*\] succeeded in [\d.]+s: (\d+)", log.read_text()
        )
        assert sorted(results) == ["0", "3"]
        assert _wait(lambda: _ours(app) == REMINDERS), log.read_text()
    finally:
        celery.conf.task_always_eager = True
        _stop(first)
        if second is not None:
            _stop(second)
    assert _count(app, tenant_id, "pending") == 0
    with app.app_context():
        notes = db.session.execute(
            select(func.count(), func.count(Notification.emailed_at)).where(
                Notification.kind == KIND, Notification.user_id == admin_id
            )
        ).one()
        with tenant_scope(tenant_id):
            linked = db.session.scalar(
                select(func.count(func.distinct(Reminder.notification_id))).where(
                    Reminder.status == "sent"
                )
            )
        db.session.rollback()
    assert tuple(notes) == (REMINDERS, REMINDERS)  # one notification each, each e-mailed
    assert linked == REMINDERS  # none shared, none duplicated
    time.sleep(1)  # nothing more arrives
    assert _ours(app) == REMINDERS
