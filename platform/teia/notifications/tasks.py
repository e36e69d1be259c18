"""Reminder beat and notification e-mail, as Celery tasks that call the services."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.db import db, utcnow
from teia.core.mail import MAIL_RETRY, send_mail
from teia.notifications.models import Notification
from teia.notifications.services import UNSENT_GRACE, dispatch_due_reminders, unsent_email_ids
from teia.tenants.models import Tenant


@shared_task(name="teia.notifications.dispatch_reminders")
def dispatch_reminders() -> int:
    """Beat entry point: one dispatch task per active council."""
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))))
    for tenant_id in tenant_ids:
        dispatch_tenant_reminders.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="teia.notifications.dispatch_tenant_reminders", tenant_scoped=True)
def dispatch_tenant_reminders(tenant_id: int) -> int:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or not tenant.active:
        return 0
    return dispatch_due_reminders(db.session, datetime.now(ZoneInfo(tenant.timezone)).date())


@shared_task(name="teia.notifications.requeue_unsent_emails")
def requeue_unsent_emails() -> int:
    """Queue again what was committed but never e-mailed (a broker down at the time)."""
    ids = unsent_email_ids(db.session, older_than=UNSENT_GRACE)
    for note_id in ids:
        send_notification_email.delay(note_id)
    return len(ids)


@shared_task(name="teia.notifications.send_notification_email", **MAIL_RETRY)
def send_notification_email(notification_id: int) -> bool:
    """E-mail a notification once; a relay error retries with backoff, nothing is lost."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.emailed_at is not None:
        return False
    user = db.session.get(User, note.user_id)
    if user is None or not user.active:
        return False
    base = current_app.config["TEIA_SETTINGS"].base_url
    body = note.body
    if note.link:
        body = f"{body}\n\n{base}{note.link}".strip()
    send_mail(user.email, note.subject, body)
    note.emailed_at = utcnow()
    return True
