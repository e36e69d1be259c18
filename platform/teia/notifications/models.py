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
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

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
