"""Reminder beat and notification e-mail, as Celery tasks that call the services."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from flask import current_app
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.beat import beat_task
from teia.core.db import db, utcnow
from teia.core.mail import MAIL_RETRY, TRANSIENT_MAIL_ERRORS, send_mail
from teia.notifications import digest
from teia.notifications.models import Notification
from teia.notifications.services import UNSENT_GRACE, dispatch_due_batch, unsent_email_ids
from teia.tenants.models import Tenant


@beat_task("teia.notifications.dispatch_reminders")
def dispatch_reminders() -> int:
    """Beat entry point: one dispatch task per active council."""
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))))
    for tenant_id in tenant_ids:
        dispatch_tenant_reminders.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="teia.notifications.dispatch_tenant_reminders", tenant_scoped=True)
def dispatch_tenant_reminders(tenant_id: int) -> int:
    """The council's due reminders, one committed batch after another: a worker stopped
    midway leaves the rest pending (its batch rolled back) for the next run or redelivery."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or not tenant.active:
        return 0
    day = datetime.now(ZoneInfo(tenant.timezone)).date()
    sent = 0
    while True:
        count, more = dispatch_due_batch(db.session, day)
        db.session.commit()  # each batch durable (its e-mails queued): a lost worker loses none
        sent += count
        if not more:
            return sent


@beat_task("teia.notifications.requeue_unsent_emails")
def requeue_unsent_emails() -> int:
    """Queue again what was committed but never e-mailed (a broker down at the time)."""
    ids = unsent_email_ids(db.session, older_than=UNSENT_GRACE)
    for note_id in ids:
        send_notification_email.delay(note_id)
    return len(ids)


@shared_task(
    name="teia.notifications.send_notification_email",
    bind=True,
    max_retries=MAIL_RETRY["max_retries"],
)
def send_notification_email(self: Task, notification_id: int) -> bool:
    """E-mail a notification once; a relay error retries with backoff, counted on the
    notification with the relay's error, and the last failed retry marks it failed (the
    operators' page can queue it again)."""
    retries = self.request.retries
    try:
        return _email(notification_id, last=retries >= self.max_retries)
    except TRANSIENT_MAIL_ERRORS as exc:
        raise self.retry(exc=exc, countdown=_backoff(retries)) from exc


@shared_task(name="teia.notifications.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the notifications that one transaction stored, one after another, from one
    broker message; one the relay refuses goes on alone as ``send_notification_email`` at its
    first retry (same backoff, same number of attempts). Returns how many were sent."""
    sent = 0
    for note_id in notification_ids:
        try:
            sent += _email(note_id, last=False)
        except TRANSIENT_MAIL_ERRORS:
            send_notification_email.apply_async((note_id,), countdown=_backoff(0), retries=1)
    return sent


def _email(notification_id: int, *, last: bool) -> bool:
    """One attempt at the notification's e-mail, committed with its outcome (a batch stopped
    midway does not send again what went). The relay's error is raised for a retry, unless
    this was the ``last`` attempt: the notification is then marked failed."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.emailed_at is not None or note.email_failed_at is not None:
        return False
    user = db.session.get(User, note.user_id)
    if user is None or not user.active:
        return False
    base = current_app.config["TEIA_SETTINGS"].base_url
    body = note.body
    if note.link:
        body = f"{body}\n\n{base}{note.link}".strip()
    note.email_attempts += 1
    try:
        send_mail(user.email, note.subject, body)
    except TRANSIENT_MAIL_ERRORS as exc:
        note.email_error = (str(exc) or type(exc).__name__)[:500]
        note.email_failed_at = utcnow() if last else None
        db.session.commit()
        if not last:
            raise
        return False
    note.emailed_at = utcnow()
    note.email_error = None
    db.session.commit()
    return True


def _backoff(retries: int) -> int:
    """Seconds before the next attempt at a refused e-mail."""
    return get_exponential_backoff_interval(  # type: ignore[no-any-return]
        factor=MAIL_RETRY["retry_backoff"],
        retries=retries,
        maximum=MAIL_RETRY["retry_backoff_max"],
        full_jitter=True,
    )


@beat_task("teia.notifications.send_digests")
def send_digests() -> int:
    """Beat entry point (hourly): one digest task per user whose digest hour it is."""
    queued = 0
    for user_id, day in digest.due_digests(db.session):
        send_user_digest.delay(user_id, day.isoformat())
        queued += 1
    return queued


@shared_task(name="teia.notifications.send_user_digest", **MAIL_RETRY)
def send_user_digest(user_id: int, day: str) -> int:
    return digest.send_digest(db.session, user_id, date.fromisoformat(day))
