"""In-app/e-mail notifications, and reminders keyed so that each is sent once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from teia.core.db import Base, utcnow
from teia.core.tenancy import TenantScoped


class Notification(Base):
    """A message to one user; the text carries no personal data of a case, only a link."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_digest_id", "digest_id"),  # a digest's notifications
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
    # Delivery: attempts so far, the relay's last error, when the retries gave up; the
    # digest that carried it (a user who chose one daily e-mail).
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(String(500))
    email_failed_at: Mapped[datetime | None]
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_digests.id", ondelete="SET NULL")
    )


class Reminder(TenantScoped, Base):
    """Something due on a date; (object, kind, due date) is its natural key."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "object_type", "object_id", "kind", "due_date"),
        Index("ix_reminders_due", "tenant_id", "status", "due_date"),
        Index("ix_reminders_user", "tenant_id", "user_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(64))
    due_date: Mapped[date]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/sent/cancelled
    sent_at: Mapped[datetime | None]
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(Base):
    """How a user wants one optional topic (new vignettes, meeting invitations…): in the app,
    by e-mail, both or neither. No row: both."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)


class NotificationSettings(Base):
    """A user's delivery choice: each e-mail as it comes, or one daily digest."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[bool] = mapped_column(default=False)
    digest_hour: Mapped[int] = mapped_column(default=8)  # local hour of the council's zone


class NotificationDigest(Base):
    """One digest e-mail per user and day: its natural key, and what it gathered."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_notification_digests_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    emailed_at: Mapped[datetime | None]


class BeatSlot(Base):
    """A scheduled task's run for one slot of its schedule: a second beat (or a beat that
    fires twice) finds the slot taken and does nothing."""

    __tablename__ = "beat_slots"
    __table_args__ = (UniqueConstraint("task", "slot", name="uq_beat_slots"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(120))
    slot: Mapped[datetime]  # the schedule's due time, truncated to the minute (UTC)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
