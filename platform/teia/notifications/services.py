"""Notify users, and schedule reminders that a beat turns into notifications exactly once.

A reminder is keyed by (tenant, object, kind, due date): scheduling it twice stores it once,
and dispatching claims each pending row with a conditional UPDATE, so two beats that run at
the same time still send it once. Each kind registers a handler that words the message, or
returns ``None`` when the thing is no longer due (the reminder is then cancelled), and may
register a loader that reads what a batch's handlers need in one query, so that they find it
in the session instead of querying once per reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from teia.core.db import after_commit, utcnow
from teia.core.tenancy import require_tenant_id
from teia.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationSettings,
    Reminder,
)

DISPATCH_BATCH = 500
EMAIL_BATCH = 500  # e-mails per broker message from notify_many
UNSENT_GRACE = timedelta(minutes=10)
UNSENT_GIVE_UP = timedelta(days=2)


@dataclass(frozen=True)
class ReminderMessage:
    subject: str
    body: str
    link: str | None = None


@dataclass(frozen=True)
class NewNotification:
    """What :func:`notify_many` stores for one user."""

    user_id: int
    kind: str
    subject: str
    body: str = ""
    link: str | None = None
    tenant_id: int | None = None
    email: bool = True


ReminderHandler = Callable[[Session, Reminder], ReminderMessage | None]
# Reads, for a batch's object ids, what the kind's handler gets from the session; returns
# the objects, which the batch holds (the session's identity map only keeps them while used).
ReminderLoader = Callable[[Session, list[int]], Sequence[object]]
_handlers: dict[str, ReminderHandler] = {}
_loaders: dict[str, ReminderLoader] = {}
_labels: dict[str, str] = {}
_topics: dict[str, str] = {}


def reminder_kind(
    kind: str, label: str, *, loader: ReminderLoader | None = None
) -> Callable[[ReminderHandler], ReminderHandler]:
    """Register the handler that words reminders of ``kind``, the label lists show, and
    optionally the loader of a batch's objects."""

    def register(handler: ReminderHandler) -> ReminderHandler:
        _handlers[kind] = handler
        _labels[kind] = label
        if loader is not None:
            _loaders[kind] = loader
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
    """Store an in-app notification; e-mail it once the transaction commits, or leave it to
    the user's daily digest when they chose one."""
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
    if email and not digest_users(session, [user_id]):
        from teia.notifications.tasks import send_notification_email

        note_id = note.id
        after_commit(session, lambda: send_notification_email.delay(note_id))
    return note


def notify_many(session: Session, messages: Sequence[NewNotification]) -> list[int]:
    """:func:`notify` for many at once, in one INSERT and one read of the recipients'
    delivery settings whatever their number, their e-mails queued in batches of
    ``EMAIL_BATCH`` (a broker message each); returns the notifications' ids in order."""
    if not messages:
        return []
    ids = list(
        session.scalars(
            insert(Notification).returning(Notification.id, sort_by_parameter_order=True),
            [asdict(message) for message in messages],
        )
    )
    emailed = [(note_id, m.user_id) for note_id, m in zip(ids, messages, strict=True) if m.email]
    digest = digest_users(session, {user_id for _note_id, user_id in emailed})
    pending = [note_id for note_id, user_id in emailed if user_id not in digest]
    from teia.notifications.tasks import send_notification_emails

    for start in range(0, len(pending), EMAIL_BATCH):
        batch = pending[start : start + EMAIL_BATCH]
        after_commit(session, lambda batch=batch: send_notification_emails.delay(batch))
    return ids


def digest_users(session: Session, user_ids: Iterable[int]) -> set[int]:
    """Those of the users who get their e-mail gathered in one daily digest."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(NotificationSettings.user_id).where(
                NotificationSettings.user_id.in_(wanted), NotificationSettings.digest.is_(True)
            )
        )
    )


def resend_email(session: Session, notification_id: int) -> bool:
    """Queue again (after commit) an e-mail whose retries gave up; False if none had."""
    note = session.get(Notification, notification_id)
    if note is None or note.email_failed_at is None or note.emailed_at is not None:
        return False
    note.email_failed_at = None
    note.email_error = None
    note.email_attempts = 0
    session.flush()
    from teia.notifications.tasks import send_notification_email

    after_commit(session, lambda: send_notification_email.delay(notification_id))
    return True


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
        count, more = dispatch_due_batch(session, today)
        sent += count
        if not more:
            return sent


def dispatch_due_batch(session: Session, today: date) -> tuple[int, bool]:
    """Claim and send up to ``DISPATCH_BATCH`` due reminders of the tenant in scope; returns
    how many were sent and whether more may be due. A caller that commits after each batch
    keeps what was sent should it be stopped midway: the rest stays pending."""
    ids = list(
        session.scalars(
            select(Reminder.id)
            .where(Reminder.status == "pending", Reminder.due_date <= today)
            .order_by(Reminder.due_date, Reminder.id)
            .limit(DISPATCH_BATCH)
        )
    )
    if not ids:
        return 0, False
    claimed = set(
        session.scalars(
            update(Reminder)
            .where(Reminder.id.in_(ids), Reminder.status == "pending")
            .values(status="claimed")
            .returning(Reminder.id)
        )
    )
    reminders = session.scalars(
        select(Reminder).where(Reminder.id.in_(claimed)).order_by(Reminder.id)
    ).all()
    loaded = _load(session, reminders)  # the handlers find these in the session
    due: list[tuple[Reminder, ReminderMessage]] = []
    for reminder in reminders:
        handler = _handlers.get(reminder.kind)
        message = handler(session, reminder) if handler else None
        if message is None:
            reminder.status = "cancelled"
        else:
            due.append((reminder, message))
    del loaded  # held until every handler has run
    note_ids = notify_many(
        session,
        [
            NewNotification(
                user_id=reminder.user_id,
                kind=f"reminder.{reminder.kind}",
                subject=message.subject,
                body=message.body,
                link=message.link,
                tenant_id=reminder.tenant_id,
            )
            for reminder, message in due
        ],
    )
    now = utcnow()
    for (reminder, _message), note_id in zip(due, note_ids, strict=True):
        reminder.status = "sent"
        reminder.sent_at = now
        reminder.notification_id = note_id
    session.flush()
    return len(due), len(ids) == DISPATCH_BATCH


def _load(session: Session, reminders: Sequence[Reminder]) -> list[object]:
    """Each kind's loader over the batch's object ids, for its handler to find them."""
    ids: dict[str, list[int]] = {}
    for reminder in reminders:
        ids.setdefault(reminder.kind, []).append(reminder.object_id)
    return [
        obj
        for kind, object_ids in ids.items()
        if kind in _loaders
        for obj in _loaders[kind](session, object_ids)
    ]


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
    """Notifications due an e-mail that was never delivered nor given up on, except those a
    daily digest gathers."""
    now = utcnow()
    return list(
        session.scalars(
            select(Notification.id)
            .where(
                Notification.email.is_(True),
                Notification.emailed_at.is_(None),
                Notification.email_failed_at.is_(None),
                ~exists().where(
                    NotificationSettings.user_id == Notification.user_id,
                    NotificationSettings.digest.is_(True),
                ),
                Notification.created_at < now - older_than,
                Notification.created_at > now - UNSENT_GIVE_UP,
            )
            .order_by(Notification.id)
            .limit(DISPATCH_BATCH)
        )
    )


@dataclass(frozen=True)
class ReminderCounts:
    due: int
    upcoming: int
    sent_day: int
    sent_week: int
    cancelled: int


def reminder_counts(session: Session, today: date) -> ReminderCounts:
    """The tenant in scope's reminders: due (pending, today or before), upcoming, sent in
    the last 24 hours and 7 days, and cancelled; one aggregate statement."""
    now = utcnow()
    pending = Reminder.status == "pending"
    sent = Reminder.status == "sent"
    row = session.execute(
        select(
            func.count(Reminder.id).filter(pending, Reminder.due_date <= today),
            func.count(Reminder.id).filter(pending, Reminder.due_date > today),
            func.count(Reminder.id).filter(sent, Reminder.sent_at >= now - timedelta(days=1)),
            func.count(Reminder.id).filter(sent, Reminder.sent_at >= now - timedelta(days=7)),
            func.count(Reminder.id).filter(Reminder.status == "cancelled"),
        ).select_from(Reminder)  # an entity, for the tenant criteria to apply
    ).one()
    return ReminderCounts(*(int(n or 0) for n in row))


def failed_emails(session: Session, limit: int = 50) -> tuple[int, list[Notification]]:
    """How many notifications' e-mail gave up after its retries, and the latest of them."""
    failed = (Notification.email_failed_at.is_not(None), Notification.emailed_at.is_(None))
    total = session.scalar(select(func.count(Notification.id)).where(*failed)) or 0
    latest = session.scalars(
        select(Notification)
        .where(*failed)
        .order_by(Notification.email_failed_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    return total, list(latest)
