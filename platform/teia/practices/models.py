"""The good-practice library, shared across consortia.

A practice is written by a professional (draft), submitted for review by a coordinator of the
consortium it comes from, and published; published practices are readable by every
professional of the platform. A council marks a practice it adopted and records how it went.
Nothing here is about a person.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow

if TYPE_CHECKING:
    from teia.accounts.models import User
    from teia.tenants.models import Consortium, Tenant


class PracticeStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"  # submitted; a coordinator publishes it or returns it
    PUBLISHED = "published"
    ARCHIVED = "archived"  # out of date; kept for the record, not listed


class Practice(Base):
    __tablename__ = "practices"
    __table_args__ = (Index("ix_practices_status", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    what_was_done: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")  # people, money, time, partners
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # lower-case words
    status: Mapped[PracticeStatus] = mapped_column(String(12), default=PracticeStatus.DRAFT)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)  # why it was returned
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consortium: Mapped[Consortium] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    councils: Mapped[list[PracticeCouncil]] = relationship(cascade="all, delete-orphan")
    attachments: Mapped[list[PracticeAttachment]] = relationship(
        order_by="PracticeAttachment.id", cascade="all, delete-orphan"
    )
    adoptions: Mapped[list[PracticeAdoption]] = relationship(
        order_by="PracticeAdoption.updated_at.desc()", cascade="all, delete-orphan"
    )


class PracticeCouncil(Base):
    """A council involved in a practice."""

    __tablename__ = "practice_councils"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)

    tenant: Mapped[Tenant] = relationship()


class PracticeAttachment(Base):
    """A file of a practice (a protocol, a form template), kept in the platform's storage."""

    __tablename__ = "practice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(
        ForeignKey("practices.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdoptionStatus(StrEnum):
    PLANNED = "planned"
    ADOPTED = "adopted"
    DISCONTINUED = "discontinued"


class PracticeAdoption(Base):
    """A council that took up a practice, and how it went (readable by every reader)."""

    __tablename__ = "practice_adoptions"
    __table_args__ = (
        UniqueConstraint("practice_id", "council_id", name="uq_practice_adoptions_council"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"))
    council_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    status: Mapped[AdoptionStatus] = mapped_column(String(12), default=AdoptionStatus.ADOPTED)
    started_on: Mapped[date | None]
    how_it_went: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    council: Mapped[Tenant] = relationship()
