"""Cases, their timeline, diagnosis and intervention plan, referrals, and partner shares."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow
from teia.core.tenancy import TenantScoped
from teia.people.models import Household, Person

if TYPE_CHECKING:
    from teia.accounts.models import User
    from teia.tenants.models import Organization


class Area(StrEnum):
    SOCIAL_ACTION = "social_action"
    HOUSING = "housing"
    HEALTH = "health"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    INCOME = "income"
    JUSTICE = "justice"
    FAMILY = "family"


class RiskFlag(StrEnum):
    CHILD_AT_RISK = "child_at_risk"
    DOMESTIC_VIOLENCE = "domestic_violence"
    ISOLATED_ELDERLY = "isolated_elderly"
    HOMELESSNESS = "homelessness"
    SEVERE_DEPRIVATION = "severe_deprivation"
    MENTAL_HEALTH = "mental_health"


class CaseStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class EventKind(StrEnum):
    CONTACT = "contact"
    HOME_VISIT = "home_visit"
    MEETING = "meeting"
    NOTE = "note"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class ReferralStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Section(StrEnum):
    """The parts of a case a share can open to a partner."""

    IDENTIFICATION = "identification"
    DIAGNOSIS = "diagnosis"
    PLAN = "plan"  # the plan's actions assigned to the partner, and their goals
    REFERRALS = "referrals"  # the referrals made to the partner
    TIMELINE = "timeline"  # entries not marked confidential


class LegalBasis(StrEnum):
    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    PUBLIC_INTEREST = "public_interest"
    VITAL_INTEREST = "vital_interest"


class Case(TenantScoped, Base):
    """One household episode followed by one case manager."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_cases_tenant_number"),
        UniqueConstraint("tenant_id", "submission_key", name="uq_cases_tenant_submission"),
        Index("ix_cases_tenant_status_opened", "tenant_id", "status", "opened_on"),
        # The case list: newest first, a page at a time.
        Index("ix_cases_tenant_opened", "tenant_id", "opened_on", "id"),
        Index("ix_cases_tenant_manager_status", "tenant_id", "manager_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # "2026/0042", per council and year
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    # The person the case was opened for (the household's representative, usually).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opening_reason: Mapped[str] = mapped_column(Text)
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.OPEN)
    status_reason: Mapped[str | None] = mapped_column(Text)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    anonymised_at: Mapped[datetime | None]
    submission_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
    person: Mapped[Person] = relationship()
    manager: Mapped[User] = relationship()


class CaseEvent(TenantScoped, Base):
    """A contact, home visit, meeting or note on the case's timeline."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_when", "case_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    # Confidential: the case manager, the author and the named readers only.
    confidential: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()
    readers: Mapped[list[ConfidentialReader]] = relationship(cascade="all, delete-orphan")


class ConfidentialReader(TenantScoped, Base):
    __tablename__ = "confidential_readers"
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_confidential_readers"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class DiagnosisArea(TenantScoped, Base):
    """The diagnosis of one area of the case: needs, potentials, support network."""

    __tablename__ = "diagnosis_areas"
    __table_args__ = (UniqueConstraint("case_id", "area", name="uq_diagnosis_areas_case_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    area: Mapped[Area] = mapped_column(String(32))
    needs: Mapped[str] = mapped_column(Text, default="")
    potentials: Mapped[str] = mapped_column(Text, default="")
    support_network: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InterventionPlan(TenantScoped, Base):
    """One version of the plan negotiated with the family; earlier versions are kept."""

    __tablename__ = "intervention_plans"
    __table_args__ = (
        UniqueConstraint("case_id", "version", name="uq_intervention_plans_version"),
        Index("ix_intervention_plans_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(String(16), default=PlanStatus.ACTIVE)
    agreed_on: Mapped[date | None]  # the day the family agreed to it
    review_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goals: Mapped[list[PlanGoal]] = relationship(
        order_by="PlanGoal.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()


class PlanGoal(TenantScoped, Base):
    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("intervention_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(Text)

    actions: Mapped[list[PlanAction]] = relationship(
        order_by="PlanAction.position", cascade="all, delete-orphan"
    )


class PlanAction(TenantScoped, Base):
    """A step of the plan, with who answers for it (a professional or a partner) and by when."""

    __tablename__ = "plan_actions"
    __table_args__ = (
        Index("ix_plan_actions_tenant_status_due", "tenant_id", "status", "due_on"),
        Index("ix_plan_actions_tenant_org", "tenant_id", "responsible_organization_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True
    )
    # Denormalised so that caseload and overdue queries need no join through goals.
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("intervention_plans.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    responsible_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    due_on: Mapped[date | None]
    status: Mapped[ActionStatus] = mapped_column(String(16), default=ActionStatus.PLANNED)
    progress_note: Mapped[str | None] = mapped_column(Text)
    # The due date whose lapse was last flagged: each lapse is flagged once.
    overdue_flagged_for: Mapped[date | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
    responsible_organization: Mapped[Organization | None] = relationship()


class Referral(TenantScoped, Base):
    """An *encaminhamento*: the case manager asks a partner organisation for a response."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_tenant_org_status", "tenant_id", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    area: Mapped[Area] = mapped_column(String(32))
    request: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[date]
    status: Mapped[ReferralStatus] = mapped_column(String(16), default=ReferralStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_reason: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]

    case: Mapped[Case] = relationship()
    organization: Mapped[Organization] = relationship()


class Consent(TenantScoped, Base):
    """A person's consent to share: who consented, when, to what, until when; revocable."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    given_by: Mapped[str] = mapped_column(String(200))  # the person or their legal representative
    given_on: Mapped[date]
    scope: Mapped[str] = mapped_column(Text)
    valid_until: Mapped[date | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseShare(TenantScoped, Base):
    """What of one case one partner organisation may see, why, on what basis, until when."""

    __tablename__ = "case_shares"
    __table_args__ = (
        Index("ix_case_shares_tenant_org_case", "tenant_id", "organization_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    sections: Mapped[list[str]] = mapped_column(JSON)
    # With the diagnosis section: the areas it opens (empty: every area).
    diagnosis_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[LegalBasis] = mapped_column(String(32))
    legal_reference: Mapped[str | None] = mapped_column(String(250))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), index=True)
    expires_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    consent: Mapped[Consent | None] = relationship()


class EmergencyAccess(TenantScoped, Base):
    """A partner's time-limited *break-glass* opening of a case, with the reason stated."""

    __tablename__ = "emergency_accesses"
    __table_args__ = (Index("ix_emergency_accesses_user_case", "tenant_id", "user_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class Anonymisation(TenantScoped, Base):
    """What retention removed from a closed case, and when (the audit log is kept apart)."""

    __tablename__ = "anonymisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    closed_on: Mapped[date]
    removed: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)
