"""Supra-municipal working groups: members, case vignettes, meetings, constraints.

A group belongs to a consortium (or is formed ad hoc across councils by a platform admin) and
its membership decides everything a member can see. These are platform rows, reached only
through ``GroupMember``; nothing of a case record is stored here. A *vignette* is a
pseudonymised projection a case manager builds from a case, sees in full and then publishes;
the link from a vignette back to its case (``VignetteSource``) and what the author adopted
from the group stay in the author's council, under row-level security.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow
from teia.core.tenancy import TenantScoped

if TYPE_CHECKING:
    from teia.accounts.models import User
    from teia.tenants.models import Consortium, Organization, Tenant


class MemberRole(StrEnum):
    COORDINATOR = "coordinator"  # runs the group: members, meetings, minutes, constraints
    MEMBER = "member"


class WorkingGroup(Base):
    """A working group: a theme, a coordinator and members from several councils."""

    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: formed ad hoc across councils by a platform admin (``councils`` lists them).
    consortium_id: Mapped[int | None] = mapped_column(ForeignKey("consortia.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consortium: Mapped[Consortium | None] = relationship()
    councils: Mapped[list[GroupCouncil]] = relationship(cascade="all, delete-orphan")
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class GroupCouncil(Base):
    """A council taking part in an ad hoc group (a consortium's group takes its members)."""

    __tablename__ = "working_group_councils"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)

    tenant: Mapped[Tenant] = relationship()


class GroupMember(Base):
    """A person in a group, taking part for one council (or for the consortium itself)."""

    __tablename__ = "working_group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id", name="uq_working_group_members_user"),
        Index("ix_working_group_members_user", "user_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The council the member speaks for; None for a consortium coordinator.
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[MemberRole] = mapped_column(String(16), default=MemberRole.MEMBER)
    active: Mapped[bool] = mapped_column(default=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    group: Mapped[WorkingGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tenant: Mapped[Tenant | None] = relationship()
    organization: Mapped[Organization] = relationship()


class VignetteStatus(StrEnum):
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # content erased; comments hidden


class Vignette(Base):
    """A case brought to a group, pseudonymised: no name, number, address or exact date.

    ``content`` is the structure the author saw in the preview (age band, sex, household
    composition, areas, risk flags, plan goals, blockers, actions tried, each free text
    scrubbed); ``content_hash`` is the hash of that preview, checked again at publication.
    """

    __tablename__ = "vignettes"
    __table_args__ = (Index("ix_vignettes_group", "group_id", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))  # the author's council
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)  # what the author asks the group
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[VignetteStatus] = mapped_column(String(12), default=VignetteStatus.PUBLISHED)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    group: Mapped[WorkingGroup] = relationship()
    author: Mapped[User | None] = relationship()
    source_tenant: Mapped[Tenant] = relationship()
    comments: Mapped[list[VignetteComment]] = relationship(
        order_by="VignetteComment.created_at", cascade="all, delete-orphan"
    )


class CommentKind(StrEnum):
    COMMENT = "comment"
    PROPOSAL = "proposal"  # a concrete suggestion the author may adopt


class VignetteComment(Base):
    __tablename__ = "vignette_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    vignette_id: Mapped[int] = mapped_column(
        ForeignKey("vignettes.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[CommentKind] = mapped_column(String(12), default=CommentKind.COMMENT)
    body: Mapped[str] = mapped_column(Text)  # scrubbed of identifier patterns before storing
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class VignetteSource(TenantScoped, Base):
    """Which case a vignette came from: kept in the author's council, never in the group."""

    __tablename__ = "vignette_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    vignette_id: Mapped[int] = mapped_column(
        ForeignKey("vignettes.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the author adopted from the group's proposals, recorded privately in the case.
    adopted_note: Mapped[str | None] = mapped_column(Text)
    adopted_comment_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    adopted_at: Mapped[datetime | None]

    vignette: Mapped[Vignette] = relationship()


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"  # by the coordinator; from then on the meeting record is read-only


class Meeting(Base):
    __tablename__ = "group_meetings"
    __table_args__ = (Index("ix_group_meetings_group", "group_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # naive UTC, as every stored timestamp
    location: Mapped[str] = mapped_column(String(250))  # a room, or "videoconferência"
    status: Mapped[MeetingStatus] = mapped_column(String(12), default=MeetingStatus.SCHEDULED)
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_status: Mapped[MinutesStatus] = mapped_column(String(12), default=MinutesStatus.DRAFT)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(cascade="all, delete-orphan")
    decisions: Mapped[list[MeetingDecision]] = relationship(
        order_by="MeetingDecision.position", cascade="all, delete-orphan"
    )
    actions: Mapped[list[ActionItem]] = relationship(
        order_by="ActionItem.id", cascade="all, delete-orphan"
    )


class AgendaKind(StrEnum):
    VIGNETTE = "vignette"
    CONSTRAINT = "constraint"
    PRACTICE = "practice"
    OTHER = "other"


class AgendaItem(Base):
    __tablename__ = "group_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("group_meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[AgendaKind] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    vignette_id: Mapped[int | None] = mapped_column(ForeignKey("vignettes.id", ondelete="SET NULL"))
    constraint_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_constraints.id", ondelete="SET NULL")
    )
    practice_id: Mapped[int | None] = mapped_column(ForeignKey("practices.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="")


class AttendanceStatus(StrEnum):
    INVITED = "invited"
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Attendance(Base):
    __tablename__ = "group_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_group_attendance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("group_meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(String(12), default=AttendanceStatus.INVITED)

    user: Mapped[User] = relationship()


class MeetingDecision(Base):
    __tablename__ = "group_meeting_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("group_meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class ActionItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionItem(Base):
    """Something a meeting decided someone does by a date; stays open after the minutes."""

    __tablename__ = "group_action_items"
    __table_args__ = (Index("ix_group_action_items_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("group_meetings.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]
    status: Mapped[ActionItemStatus] = mapped_column(String(12), default=ActionItemStatus.OPEN)
    done_at: Mapped[datetime | None]
    done_note: Mapped[str | None] = mapped_column(Text)

    owner: Mapped[User] = relationship()


class ConstraintStatus(StrEnum):
    IDENTIFIED = "identified"
    RAISED = "raised"  # taken to the responsible body
    ANSWERED = "answered"  # a response came back
    RESOLVED = "resolved"
    DROPPED = "dropped"


class GroupConstraint(Base):
    """A problem the group identified (slow access to a benefit, missing places for a public)."""

    __tablename__ = "group_constraints"
    __table_args__ = (Index("ix_group_constraints_group", "group_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    affected_tenant_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[ConstraintStatus] = mapped_column(
        String(12), default=ConstraintStatus.IDENTIFIED
    )
    raised_with: Mapped[str | None] = mapped_column(String(250))  # "ISS, I.P.", "Linha 144"
    raised_on: Mapped[date | None]
    response: Mapped[str | None] = mapped_column(Text)
    response_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GroupReminderSent(Base):
    """One row per reminder sent (meeting tomorrow, action overdue): its natural key."""

    __tablename__ = "group_reminders_sent"
    __table_args__ = (
        UniqueConstraint(
            "object_type", "object_id", "kind", "due_date", "user_id", name="uq_group_reminders"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32))  # "meeting" or "action_item"
    object_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    due_date: Mapped[date]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
