"""Notify users, and schedule reminders that a beat turns into notifications exactly once.

A reminder is keyed by (tenant, object, kind, due date): scheduling it twice stores it once,
and dispatching claims each pending row with a conditional UPDATE, so two beats that run at
the same time still send it once. Each kind registers a handler that words the message, or
returns ``None`` when the thing is no longer due (the reminder is then cancelled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from teia.core.db import after_commit, utcnow
from teia.core.tenancy import require_tenant_id
from teia.notifications.models import Notification, NotificationPreference, Reminder

DISPATCH_BATCH = 500
UNSENT_GRACE = timedelta(minutes=10)
UNSENT_GIVE_UP = timedelta(days=2)


@dataclass(frozen=True)
class ReminderMessage:
    subject: str
    body: str
    link: str | None = None


ReminderHandler = Callable[[Session, Reminder], ReminderMessage | None]
_handlers: dict[str, ReminderHandler] = {}
_labels: dict[str, str] = {}
_topics: dict[str, str] = {}


def reminder_kind(kind: str, label: str) -> Callable[[ReminderHandler], ReminderHandler]:
    """Register the handler that words reminders of ``kind``, and the label lists show."""

    def register(handler: ReminderHandler) -> ReminderHandler:
        _handlers[kind] = handler
        _labels[kind] = label
        return handler

    return register


def reminder_label(kind: str) -> str:
    return str(_labels.get(kind, kind))


def notify(
    session: Session,
    *,
    user_id: int,
    kind: str,
    subject: str,
    body: str = "",
    link: str | None = None,
    tenant_id: int | None = None,
    email: bool = True,
) -> Notification:
    """Store an in-app notification; e-mail it once the transaction commits."""
    note = Notification(
        user_id=user_id,
        tenant_id=tenant_id,
        kind=kind,
        subject=subject,
        body=body,
        link=link,
        email=email,
    )
    session.add(note)
    session.flush()
    if email:
        from teia.notifications.tasks import send_notification_email

        note_id = note.id
        after_commit(session, lambda: send_notification_email.delay(note_id))
    return note


def preference_topic(topic: str, label: str) -> None:
    """Declare a topic a user may turn off in the app or by e-mail (their preferences page)."""
    _topics[topic] = label


def preference_topics() -> dict[str, str]:
    """Every declared topic and its label, in the order they were declared."""
    return dict(_topics)


def notify_by_preference(
    session: Session,
    *,
    user_id: int,
    topic: str,
    subject: str,
    body: str = "",
    link: str | None = None,
    tenant_id: int | None = None,
) -> Notification | None:
    """Notify as the user chose for ``topic``: nothing when both ways are off; stored as
    already read (no badge) when only e-mail is on."""
    if topic not in _topics:
        raise ValueError(f"undeclared notification topic {topic!r}")
    pref = session.get(NotificationPreference, (user_id, topic))
    in_app = pref is None or pref.in_app
    email = pref is None or pref.email
    if not (in_app or email):
        return None
    note = notify(
        session,
        user_id=user_id,
        kind=topic,
        subject=subject,
        body=body,
        link=link,
        tenant_id=tenant_id,
        email=email,
    )
    if not in_app:
        note.read_at = note.created_at or utcnow()
    return note


def schedule_reminder(
    session: Session, *, object_type: str, object_id: int, kind: str, due_date: date, user_id: int
) -> None:
    """Store the reminder unless one with the same natural key exists (idempotent)."""
    if kind not in _handlers:
        raise ValueError(f"no handler registered for reminder kind {kind!r}")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(Reminder)
        .values(
            tenant_id=require_tenant_id(),
            object_type=object_type,
            object_id=object_id,
            kind=kind,
            due_date=due_date,
            user_id=user_id,
            status="pending",
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(
            index_elements=["tenant_id", "object_type", "object_id", "kind", "due_date"]
        )
    )
    session.execute(stmt)


def dispatch_due_reminders(session: Session, today: date) -> int:
    """Turn due reminders of the tenant in scope into notifications; returns how many sent."""
    sent = 0
    while True:
        ids = list(
            session.scalars(
                select(Reminder.id)
                .where(Reminder.status == "pending", Reminder.due_date <= today)
                .order_by(Reminder.due_date, Reminder.id)
                .limit(DISPATCH_BATCH)
            )
        )
        if not ids:
            return sent
        claimed = set(
            session.scalars(
                update(Reminder)
                .where(Reminder.id.in_(ids), Reminder.status == "pending")
                .values(status="claimed")
                .returning(Reminder.id)
            )
        )
        reminders = session.scalars(select(Reminder).where(Reminder.id.in_(claimed))).all()
        for reminder in reminders:
            sent += _send(session, reminder)
        session.flush()
        if len(ids) < DISPATCH_BATCH:
            return sent


def _send(session: Session, reminder: Reminder) -> int:
    handler = _handlers.get(reminder.kind)
    message = handler(session, reminder) if handler else None
    if message is None:
        reminder.status = "cancelled"
        return 0
    note = notify(
        session,
        user_id=reminder.user_id,
        kind=f"reminder.{reminder.kind}",
        subject=message.subject,
        body=message.body,
        link=message.link,
        tenant_id=reminder.tenant_id,
    )
    reminder.status = "sent"
    reminder.sent_at = utcnow()
    reminder.notification_id = note.id
    return 1


def unread_count(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def user_notifications(
    session: Session,
    user_id: int,
    *,
    limit: int = 50,
    tenant_id: int | None = None,
    unread_only: bool = False,
) -> list[Notification]:
    """The user's latest notifications, optionally of one council and unread only."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if tenant_id is not None:
        stmt = stmt.where(Notification.tenant_id == tenant_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    order = (Notification.created_at.desc(), Notification.id.desc())
    return list(session.scalars(stmt.order_by(*order).limit(limit)))


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read."""
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow())).rowcount


def pending_reminders(session: Session, user_id: int, limit: int = 20) -> list[Reminder]:
    """What is coming up for the user in the tenant in scope."""
    return list(
        session.scalars(
            select(Reminder)
            .where(Reminder.user_id == user_id, Reminder.status == "pending")
            .order_by(Reminder.due_date)
            .limit(limit)
        )
    )


def unsent_email_ids(session: Session, *, older_than: timedelta) -> list[int]:
    """Notifications due an e-mail that none of the task's retries delivered yet."""
    now = utcnow()
    return list(
        session.scalars(
            select(Notification.id)
            .where(
                Notification.email.is_(True),
                Notification.emailed_at.is_(None),
                Notification.created_at < now - older_than,
                Notification.created_at > now - UNSENT_GIVE_UP,
            )
            .order_by(Notification.id)
            .limit(DISPATCH_BATCH)
        )
    )
