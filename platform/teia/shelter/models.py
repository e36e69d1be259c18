"""Shelter places (*vagas de acolhimento*) pooled by consortia, and the stays in them.

Three layers, by who may see them:

- **The pool** (platform rows, reached only through a consortium membership, the host
  council's administration or the unit's own staff): units, places, which pools and quotas a
  place belongs to, the *placement profile* that crosses the council border (age, sex, public,
  needs, constraints, risk and urgency: no name, no address), the allocations that hold a
  place, and the log of every allocation decision. Nothing personal.
- **The requesting council** (tenant-owned, row-level security): the placement request with
  its reasons, the quick on-call decision, the stay, its PIA/PIF, contacts, blockers,
  discharge and post-discharge follow-up.
- **The host council** (tenant-owned): the admission sheet, the only personal data the unit
  receives (identification, health, medication, diet, school, contacts).

A place is held by at most one allocation at a time (offered, accepted or admitted): a
partial unique index, so two coordinators offering the last place at the same moment cannot
both succeed, whatever the application does.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow
from teia.core.tenancy import TenantScoped

if TYPE_CHECKING:
    from teia.accounts.models import User
    from teia.cases.models import Case
    from teia.people.models import Person
    from teia.tenants.models import Consortium, Organization, Tenant


# Catalogues (tenants/_catalogs/): modalities carry `expected_stay_days`, publics carry
# `min_age`/`max_age`.
MODALITIES = "shelter_modalities"
PUBLICS = "shelter_publics"


class SexRule(StrEnum):
    """Who a unit may house: anyone, or only women / only men (a casa abrigo, say)."""

    ANY = "any"
    FEMALE = "female"
    MALE = "male"


class Risk(StrEnum):
    CRITICAL = "critical"  # threat to life, serious violence, exploitation
    HIGH = "high"
    MODERATE = "moderate"


RISK_RANK = {Risk.CRITICAL: 3, Risk.HIGH: 2, Risk.MODERATE: 1}


class Urgency(StrEnum):
    IMMEDIATE = "immediate"  # today
    DAYS = "days"  # within 72 hours
    PLANNED = "planned"  # within weeks


URGENCY_RANK = {Urgency.IMMEDIATE: 3, Urgency.DAYS: 2, Urgency.PLANNED: 1}


class ProfileStatus(StrEnum):
    WAITING = "waiting"  # in the queue
    OFFERED = "offered"  # a place is held for it
    PLACED = "placed"  # admitted
    CANCELLED = "cancelled"  # withdrawn by the requesting council


OPEN_PROFILE_STATUSES = (ProfileStatus.WAITING, ProfileStatus.OFFERED)


class AllocationStatus(StrEnum):
    OFFERED = "offered"  # the place is reserved until expires_at
    ACCEPTED = "accepted"  # the unit accepted; waiting for the admission
    REFUSED = "refused"  # the unit refused, with a reason
    EXPIRED = "expired"  # nobody answered in time
    WITHDRAWN = "withdrawn"  # the desk or the requesting council took it back
    ADMITTED = "admitted"  # the stay is running
    DISCHARGED = "discharged"  # the stay ended


HOLDING_STATUSES = (
    AllocationStatus.OFFERED,
    AllocationStatus.ACCEPTED,
    AllocationStatus.ADMITTED,
)
_HOLDING_SQL = text("status IN ('offered', 'accepted', 'admitted')")


class ShelterUnit(Base):
    """A shelter unit: where it is, who runs it, whom it may house."""

    __tablename__ = "shelter_units"
    __table_args__ = (Index("ix_shelter_units_host_active", "host_tenant_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    host_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    # The council's own organisation, a partner (IPSS, Misericórdia) or the consortium's.
    operator_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    modality: Mapped[str] = mapped_column(String(63))  # code in the shelter_modalities catalogue
    sex_rule: Mapped[SexRule] = mapped_column(String(8), default=SexRule.ANY)
    accessible: Mapped[bool] = mapped_column(default=False)  # step-free, adapted bathroom
    intensive_care: Mapped[bool] = mapped_column(default=False)  # 24 h nursing / dependency care
    parish: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    host_tenant: Mapped[Tenant] = relationship()
    operator: Mapped[Organization] = relationship()
    places: Mapped[list[ShelterPlace]] = relationship(
        back_populates="unit", order_by="ShelterPlace.label", cascade="all, delete-orphan"
    )


class ShelterPlace(Base):
    """One place (a bed, a family room) for one public. Its occupancy comes from allocations."""

    __tablename__ = "shelter_places"
    __table_args__ = (UniqueConstraint("unit_id", "label", name="uq_shelter_places_unit_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("shelter_units.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))  # "Quarto 2, cama A"
    public: Mapped[str] = mapped_column(String(63))  # code in the shelter_publics catalogue
    active: Mapped[bool] = mapped_column(default=True)  # False: the place no longer exists
    # A blocked place (maintenance, an outbreak) takes no new allocation; the reason is shown.
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    blocked_at: Mapped[datetime | None]
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[ShelterUnit] = relationship(back_populates="places")
    pools: Mapped[list[PlacePool]] = relationship(cascade="all, delete-orphan")


class PlacePool(Base):
    """A place offered to a consortium's pool; with a quota, reserved for one member council."""

    __tablename__ = "shelter_place_pools"
    __table_args__ = (Index("ix_shelter_place_pools_consortium", "consortium_id", "place_id"),)

    place_id: Mapped[int] = mapped_column(
        ForeignKey("shelter_places.id", ondelete="CASCADE"), primary_key=True
    )
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id"), primary_key=True)
    reserved_for_tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))

    consortium: Mapped[Consortium] = relationship()
    reserved_for: Mapped[Tenant | None] = relationship()


class PlacementProfile(Base):
    """What the consortium's desk sees of a request until admission: never who, never where."""

    __tablename__ = "placement_profiles"
    __table_args__ = (
        # The queue: open requests of a consortium, highest risk and urgency first, oldest first.
        Index(
            "ix_placement_profiles_queue",
            "consortium_id",
            "status",
            "risk_rank",
            "urgency_rank",
            "requested_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id"))
    requesting_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    # The council where the person's life is (school, health care, family): territoriality.
    anchor_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    reference: Mapped[str] = mapped_column(String(40))  # "MOU 2026/0003": the request's number
    age: Mapped[int]
    sex: Mapped[str] = mapped_column(String(1))  # F, M or X
    public: Mapped[str] = mapped_column(String(63))
    modalities: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: any adequate
    needs_accessibility: Mapped[bool] = mapped_column(default=False)
    needs_intensive_care: Mapped[bool] = mapped_column(default=False)
    # Safety demands a place away from the territory (pursuit, threat by a criminal group).
    outside_territory: Mapped[bool] = mapped_column(default=False)
    constraints: Mapped[list[str]] = mapped_column(JSON, default=list)  # fixed codes only
    risk: Mapped[Risk] = mapped_column(String(12))
    risk_rank: Mapped[int]
    urgency: Mapped[Urgency] = mapped_column(String(12))
    urgency_rank: Mapped[int]
    status: Mapped[ProfileStatus] = mapped_column(String(12), default=ProfileStatus.WAITING)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    consortium: Mapped[Consortium] = relationship()
    requesting_tenant: Mapped[Tenant] = relationship(foreign_keys=[requesting_tenant_id])
    anchor_tenant: Mapped[Tenant] = relationship(foreign_keys=[anchor_tenant_id])


class Allocation(Base):
    """A place offered to a request; accepted or refused by the unit; then the stay it holds."""

    __tablename__ = "shelter_allocations"
    __table_args__ = (
        # One holder per place, and one held place per request: the concurrency guarantee.
        Index(
            "uq_shelter_allocations_place_holding",
            "place_id",
            unique=True,
            postgresql_where=_HOLDING_SQL,
            sqlite_where=_HOLDING_SQL,
        ),
        Index(
            "uq_shelter_allocations_profile_holding",
            "profile_id",
            unique=True,
            postgresql_where=_HOLDING_SQL,
            sqlite_where=_HOLDING_SQL,
        ),
        Index("ix_shelter_allocations_unit_status", "unit_id", "status"),
        Index("ix_shelter_allocations_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("placement_profiles.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("shelter_places.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("shelter_units.id"))
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id"), index=True)
    status: Mapped[AllocationStatus] = mapped_column(String(12), default=AllocationStatus.OFFERED)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    admitted_at: Mapped[datetime | None]
    discharged_at: Mapped[datetime | None]
    # The candidate's position, score and the rules behind them when the offer was made.
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    profile: Mapped[PlacementProfile] = relationship()
    place: Mapped[ShelterPlace] = relationship()
    unit: Mapped[ShelterUnit] = relationship()


class AllocationEvent(Base):
    """The desk's log: every offer, answer, expiry, admission and discharge, with its reasons."""

    __tablename__ = "shelter_allocation_events"
    __table_args__ = (Index("ix_shelter_allocation_events_profile", "profile_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("placement_profiles.id"))
    allocation_id: Mapped[int | None] = mapped_column(ForeignKey("shelter_allocations.id"))
    action: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


# --- the requesting council ------------------------------------------------------------


class RequestStatus(StrEnum):
    OPEN = "open"  # in the consortium's queue
    PLACED = "placed"
    CANCELLED = "cancelled"


class ProtectiveBody(StrEnum):
    NONE = "none"
    CPCJ = "cpcj"  # PT: Comissão de Proteção de Crianças e Jovens
    CONSELHO_TUTELAR = "conselho_tutelar"  # BR
    COURT = "court"
    PUBLIC_PROSECUTOR = "public_prosecutor"
    POLICE = "police"


class PlacementRequest(TenantScoped, Base):
    """A request for a shelter place for one person of a case, with its reasons."""

    __tablename__ = "placement_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_placement_requests_tenant_number"),
        UniqueConstraint(
            "tenant_id", "submission_key", name="uq_placement_requests_tenant_submission"
        ),
        Index("ix_placement_requests_tenant_status", "tenant_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # "2026/0003", per council and year
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("placement_profiles.id"), unique=True)
    # Need checklist (the seed's indicators) and the factors that must not alone justify it.
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    isolated_factors: Mapped[list[str]] = mapped_column(JSON, default=list)
    situation: Mapped[str] = mapped_column(Text)  # where the person is, the risk, references
    risk: Mapped[Risk] = mapped_column(String(12))
    urgency: Mapped[Urgency] = mapped_column(String(12))
    protective_measure: Mapped[str | None] = mapped_column(Text)  # the measure or court decision
    protective_body: Mapped[ProtectiveBody] = mapped_column(String(24))
    protective_reference: Mapped[str | None] = mapped_column(String(120))  # process number
    outside_territory: Mapped[bool] = mapped_column(default=False)
    safety_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(String(12), default=RequestStatus.OPEN)
    status_reason: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submission_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    profile: Mapped[PlacementProfile] = relationship()
    requested_by: Mapped[User] = relationship()


class ShelterDecision(TenantScoped, Base):
    """The on-call quick decision: the seed's eight questions and what was decided."""

    __tablename__ = "shelter_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))  # "request" or "no_shelter"
    reason: Mapped[str | None] = mapped_column(Text)  # why not, or the protection chosen instead
    request_id: Mapped[int | None] = mapped_column(ForeignKey("placement_requests.id"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class StayStatus(StrEnum):
    ACTIVE = "active"
    DISCHARGED = "discharged"


class Stay(TenantScoped, Base):
    """A person's time in a unit, followed by the requesting council's technical referent."""

    __tablename__ = "shelter_stays"
    __table_args__ = (
        Index("ix_shelter_stays_tenant_status", "tenant_id", "status", "admitted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("placement_requests.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("shelter_allocations.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("shelter_units.id"), index=True)
    modality: Mapped[str] = mapped_column(String(63))
    admitted_on: Mapped[date]
    referral_guide: Mapped[str] = mapped_column(String(60))  # guia de encaminhamento
    technical_referent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    follow_up_every_days: Mapped[int] = mapped_column(default=15)
    expected_end_on: Mapped[date | None]  # admitted_on + the modality's expected duration
    status: Mapped[StayStatus] = mapped_column(String(12), default=StayStatus.ACTIVE)
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    end_notes: Mapped[str | None] = mapped_column(Text)
    # A re-admission points at the person's earlier stay.
    previous_stay_id: Mapped[int | None] = mapped_column(ForeignKey("shelter_stays.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[PlacementRequest] = relationship()
    case: Mapped[Case] = relationship()
    person: Mapped[Person] = relationship()
    allocation: Mapped[Allocation] = relationship()
    unit: Mapped[ShelterUnit] = relationship()
    technical_referent: Mapped[User] = relationship()
    plan: Mapped[CarePlan | None] = relationship(back_populates="stay", uselist=False)


class CarePlan(TenantScoped, Base):
    """The PIA/PIF, started on the day of admission, with the seed's minimum content."""

    __tablename__ = "shelter_care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(
        ForeignKey("shelter_stays.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # "pia" (individual) or "pif" (family)
    diagnosis: Mapped[str] = mapped_column(Text, default="")  # risks, needs, strengths, network
    main_goal: Mapped[str | None] = mapped_column(String(24))  # return_family, extended_family...
    main_goal_detail: Mapped[str] = mapped_column(Text, default="")
    contact_plan: Mapped[str] = mapped_column(Text, default="")  # family and community contact
    review_criteria: Mapped[str] = mapped_column(Text, default="")
    review_every_days: Mapped[int] = mapped_column(default=90)
    next_review_on: Mapped[date]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    stay: Mapped[Stay] = relationship(back_populates="plan")
    goals: Mapped[list[CarePlanGoal]] = relationship(
        order_by="CarePlanGoal.id", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[CarePlanReview]] = relationship(
        order_by="CarePlanReview.reviewed_on", cascade="all, delete-orphan"
    )


class CarePlanGoal(TenantScoped, Base):
    """A short- or medium-term goal with who does it and by when."""

    __tablename__ = "shelter_care_plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("shelter_care_plans.id", ondelete="CASCADE"), index=True
    )
    term: Mapped[str] = mapped_column(String(8))  # "short" or "medium"
    description: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(24))  # unit, team, family, court, school...
    responsible_detail: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, done, dropped
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CarePlanReview(TenantScoped, Base):
    """A periodic review: what moved, and whether the plan changed because of it."""

    __tablename__ = "shelter_care_plan_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("shelter_care_plans.id", ondelete="CASCADE"), index=True
    )
    reviewed_on: Mapped[date]
    progress: Mapped[str] = mapped_column(String(12))  # advance, setback, none
    summary: Mapped[str] = mapped_column(Text)
    plan_changed: Mapped[bool] = mapped_column(default=False)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StayContact(TenantScoped, Base):
    """Family visits and contacts, outings, the person heard, incidents: the stay's log."""

    __tablename__ = "shelter_stay_contacts"
    __table_args__ = (Index("ix_shelter_stay_contacts_stay_on", "stay_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("shelter_stays.id", ondelete="CASCADE"))
    occurred_on: Mapped[date]
    # family_visit, family_call, outing, community, heard (the person's participation),
    # incident, no_visit_reason (why there are no family visits: a technical reason)
    kind: Mapped[str] = mapped_column(String(24))
    with_whom: Mapped[str | None] = mapped_column(String(200))
    supervised: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StayBlocker(TenantScoped, Base):
    """What keeps a stay from ending (documents, a court decision...), and who owns it."""

    __tablename__ = "shelter_stay_blockers"

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(
        ForeignKey("shelter_stays.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))  # documents, court_decision, health, ...
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))  # who unblocks it ("Tribunal de Évora")
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    resolved_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DischargeStep(TenantScoped, Base):
    """One of the seed's five steps of a protected discharge, recorded when done."""

    __tablename__ = "shelter_discharge_steps"
    __table_args__ = (UniqueConstraint("stay_id", "step", name="uq_shelter_discharge_steps"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("shelter_stays.id", ondelete="CASCADE"))
    step: Mapped[int]  # 1..5
    done_on: Mapped[date]
    notes: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUpContact(TenantScoped, Base):
    """A post-discharge contact, scheduled (weekly at first) and recorded when made."""

    __tablename__ = "shelter_follow_ups"
    __table_args__ = (Index("ix_shelter_follow_ups_stay_due", "stay_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("shelter_stays.id", ondelete="CASCADE"))
    due_on: Mapped[date]
    responsible_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    done_on: Mapped[date | None]
    # school, family, health, income, support network: what the seed says to monitor
    observations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)


# --- the host council --------------------------------------------------------------------


class AdmissionSheet(TenantScoped, Base):
    """What the unit receives for immediate care, in the host council: nothing more."""

    __tablename__ = "shelter_admission_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("shelter_units.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("shelter_allocations.id"), unique=True)
    given_names: Mapped[str] = mapped_column(String(120))
    family_names: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(String(1))
    health: Mapped[str] = mapped_column(Text, default="")
    medication: Mapped[str] = mapped_column(Text, default="")
    diet: Mapped[str] = mapped_column(Text, default="")
    school: Mapped[str] = mapped_column(Text, default="")
    contacts: Mapped[str] = mapped_column(Text, default="")  # who may be called, and who not
    referent_name: Mapped[str] = mapped_column(String(200))
    referent_contact: Mapped[str] = mapped_column(String(200))
    requesting_council: Mapped[str] = mapped_column(String(120))
    referral_guide: Mapped[str] = mapped_column(String(60))
    admitted_on: Mapped[date]
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
