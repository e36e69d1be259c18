"""The daily digest: one e-mail per user and local day gathering what was not e-mailed.

A user who chose the digest gets no e-mail per notification (see ``notify``); at their hour,
in their council's time zone, one e-mail lists what came since the last one. The row of
(user, day) is the natural key: a second run of the same hour, or of another hour that day,
finds it and sends nothing. Every statement is bounded: an UPDATE stamps the notifications
with the digest, the e-mail lists the latest few and counts the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, User
from teia.core.celery import BEAT_TIMEZONE
from teia.core.db import utcnow
from teia.core.mail import send_mail
from teia.notifications.models import Notification, NotificationDigest, NotificationSettings
from teia.tenants.models import Tenant

DIGEST_LISTED = 30  # the latest ones the e-mail lists; the others are counted
USER_BATCH = 500


def due_digests(session: Session, now: datetime | None = None) -> Iterator[tuple[int, date]]:
    """(user, local day) of each active user with the digest whose hour it is now where their
    council is (the first council they work in; Lisbon for a platform-only account)."""
    moment = (now or utcnow()).replace(tzinfo=UTC)
    last_id = 0
    while True:
        rows = session.execute(
            select(
                NotificationSettings.user_id,
                NotificationSettings.digest_hour,
                func.min(Tenant.timezone),
            )
            .join(User, User.id == NotificationSettings.user_id)
            .outerjoin(
                Membership,
                (Membership.user_id == User.id)
                & Membership.active.is_(True)
                & Membership.tenant_id.is_not(None),
            )
            .outerjoin(Tenant, Tenant.id == Membership.tenant_id)
            .where(
                NotificationSettings.digest.is_(True),
                User.active.is_(True),
                NotificationSettings.user_id > last_id,
            )
            .group_by(NotificationSettings.user_id, NotificationSettings.digest_hour)
            .order_by(NotificationSettings.user_id)
            .limit(USER_BATCH)
        ).all()
        for user_id, hour, zone in rows:
            local = moment.astimezone(ZoneInfo(zone or BEAT_TIMEZONE))
            if local.hour == hour:
                yield user_id, local.date()
        if len(rows) < USER_BATCH:
            return
        last_id = rows[-1][0]


def send_digest(session: Session, user_id: int, day: date) -> int:
    """E-mail the user's digest of ``day`` unless it went already; returns how many
    notifications it carried (0: nothing to send, or sent before). A relay error raises,
    for the task to retry: the digest's row waits, unsent, and the retry sends it."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return 0
    digest = _digest_row(session, user_id, day)
    if digest.emailed_at is not None:
        return 0
    session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.email.is_(True),
            Notification.emailed_at.is_(None),
            Notification.email_failed_at.is_(None),
            Notification.digest_id.is_(None),
        )
        .values(digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    ours = Notification.digest_id == digest.id
    count = session.scalar(select(func.count(Notification.id)).where(ours)) or 0
    digest.count = count
    if count:
        listed = session.scalars(
            select(Notification).where(ours).order_by(Notification.id.desc()).limit(DIGEST_LISTED)
        ).all()
        send_mail(user.email, _("Resumo diário da Teia"), _body(list(listed), count))
    now = utcnow()
    session.execute(
        update(Notification)
        .where(ours)
        .values(emailed_at=now)
        .execution_options(synchronize_session=False)
    )
    digest.emailed_at = now
    session.flush()
    return count


def _digest_row(session: Session, user_id: int, day: date) -> NotificationDigest:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Table = NotificationDigest.__table__  # type: ignore[assignment]
    session.execute(
        insert(table)
        .values(user_id=user_id, day=day, count=0, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
    )
    digest = session.scalar(
        select(NotificationDigest).where(
            NotificationDigest.user_id == user_id, NotificationDigest.day == day
        )
    )
    assert digest is not None
    return digest


def _body(listed: list[Notification], count: int) -> str:
    base = current_app.config["TEIA_SETTINGS"].base_url
    lines = [_("Tem %(n)d notificações desde o último resumo:", n=count), ""]
    for note in listed:
        lines.append(f"- {note.subject}")
        if note.link:
            lines.append(f"  {base}{note.link}")
    if count > len(listed):
        lines += ["", _("E mais %(n)d na aplicação.", n=count - len(listed))]
    lines += ["", f"{base}/notifications"]
    return "\n".join(lines)
