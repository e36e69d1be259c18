"""What the case API reads and writes: the OpenAPI document's schemas are these models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, AwareDatetime, Field

from teia.cases.models import (
    ActionStatus,
    Area,
    CaseStatus,
    EventKind,
    LegalBasis,
    ReferralStatus,
    RiskFlag,
    Section,
)
from teia.core.api import MAX_ID, ApiModel, Id, UtcDateTime
from teia.people.models import Relationship
from teia.people.schemas_api import CaseRef, HouseholdOut, PersonSummary

# --- references ---------------------------------------------------------------------------


class UserRef(ApiModel):
    id: int
    name: str


class OrganizationRef(ApiModel):
    id: int
    slug: str
    name: str


# --- the case list and a case -------------------------------------------------------------


class CaseQuery(ApiModel):
    status: CaseStatus | None = None
    area: Area | None = None
    manager_id: Id | None = None
    q: str = Field("", max_length=100, description="Nome de alguém do agregado, ou o n.º")
    page: int = Field(1, ge=1, le=MAX_ID)


class PersonName(ApiModel):
    id: int
    given_names: str
    family_names: str


class CaseSummary(ApiModel):
    id: int
    number: str
    status: CaseStatus
    opened_on: date
    closed_on: date | None
    manager: UserRef
    person: PersonName | None = Field(
        None, description="Só com a identificação partilhada (ausente sem ela)"
    )


class CaseList(ApiModel):
    cases: list[CaseSummary]
    total: int
    page: int
    page_size: int


class CaseIn(ApiModel):
    person_id: Id
    manager_id: Id
    opening_reason: str = Field(max_length=4000)
    areas: list[Area]
    risk_flags: list[RiskFlag] = []


class HouseholdMemberOut(ApiModel):
    person: PersonSummary
    relationship_to_representative: Relationship
    joined_on: date | None
    left_on: date | None


class Identification(ApiModel):
    person_id: int
    household: HouseholdOut
    members: list[HouseholdMemberOut]


class DiagnosisOut(ApiModel):
    area: Area
    needs: str
    potentials: str
    support_network: str
    updated_at: UtcDateTime


class ActionOut(ApiModel):
    id: int
    goal_id: int
    position: int
    description: str
    responsible_user: UserRef | None
    responsible_organization: OrganizationRef | None
    due_on: date | None
    status: ActionStatus
    progress_note: str | None


class GoalOut(ApiModel):
    id: int
    position: int
    description: str
    actions: list[ActionOut]


class PlanOut(ApiModel):
    id: int
    case_id: int
    version: int
    agreed_on: date | None
    review_on: date | None
    goals: list[GoalOut]


class ReferralOut(ApiModel):
    id: int
    case: CaseRef
    organization: OrganizationRef
    area: Area
    request: str
    respond_by: date
    status: ReferralStatus
    requested_at: UtcDateTime
    response_reason: str | None
    responded_at: UtcDateTime | None
    outcome: str | None
    completed_at: UtcDateTime | None


class EventOut(ApiModel):
    id: int
    kind: EventKind
    occurred_at: UtcDateTime
    text: str
    confidential: bool
    author: UserRef | None


class CaseDetail(ApiModel):
    """A case as the viewer may see it: a section not open to them is absent."""

    id: int
    number: str
    status: CaseStatus
    opened_on: date
    closed_on: date | None
    manager: UserRef
    sections: list[Section] = Field(description="As secções que quem pergunta pode ver")
    # The council's staff only:
    opening_reason: str | None = None
    status_reason: str | None = None
    risk_flags: list[RiskFlag] | None = None
    # Every area for the staff; for a partner, the diagnosis areas shared with it.
    areas: list[Area] | None = None
    identification: Identification | None = None
    diagnosis: list[DiagnosisOut] | None = None
    plan: PlanOut | None = Field(None, description="null: o processo ainda não tem plano")
    referrals: list[ReferralOut] | None = None
    timeline: list[EventOut] | None = Field(None, description="Os 50 registos mais recentes")
    timeline_has_older: bool | None = Field(
        None, description="Há registos anteriores (ver a página de registos)"
    )


# --- writing to a case --------------------------------------------------------------------


class StatusIn(ApiModel):
    status: CaseStatus
    reason: str = Field("", max_length=2000)


def _in_utc(value: datetime) -> datetime:
    """Stored in UTC: a moment whose UTC date falls outside years 1-9999 is refused."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(_("Data e hora fora do intervalo aceite.")) from None


class EventIn(ApiModel):
    kind: EventKind
    occurred_at: Annotated[AwareDatetime, AfterValidator(_in_utc)]
    text: str = Field(max_length=10000)
    confidential: bool = False
    reader_ids: list[Id] = Field([], description="Quem mais lê um registo confidencial")


class ActionIn(ApiModel):
    description: str = Field(max_length=2000)
    responsible_user_id: Id | None = None
    responsible_organization_id: Id | None = None
    due_on: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    progress_note: str | None = Field(None, max_length=2000)


class GoalIn(ApiModel):
    description: str = Field(max_length=2000)
    actions: list[ActionIn] = []


class PlanIn(ApiModel):
    """The whole plan: stored as a new version, the previous one kept."""

    agreed_on: date | None = None
    review_on: date | None = None
    goals: list[GoalIn]


class ActionUpdateIn(ApiModel):
    status: ActionStatus
    progress_note: str | None = Field(None, max_length=2000)


class CaseloadRow(ApiModel):
    user_id: int
    name: str
    open_cases: int
    families: int
    overdue_actions: int
    reviews_due: int
    target: int
    ratio: float
    over_target: bool


class CaseloadOut(ApiModel):
    target: int
    rows: list[CaseloadRow]


# --- referrals and shares ----------------------------------------------------------------


class ReferralQuery(ApiModel):
    status: ReferralStatus | None = None
    page: int = Field(1, ge=1, le=MAX_ID)


class ReferralList(ApiModel):
    referrals: list[ReferralOut]
    total: int
    page: int
    page_size: int


class ReferralIn(ApiModel):
    organization_id: Id
    area: Area
    request: str = Field(max_length=4000)
    respond_by: date


class AnswerIn(ApiModel):
    """The partner: accepted, refused (with a reason), completed (with the outcome).
    The council's staff: cancelled."""

    status: ReferralStatus
    reason: str = Field("", max_length=2000)
    outcome: str = Field("", max_length=4000)


class ShareIn(ApiModel):
    organization_id: Id
    sections: list[Section]
    diagnosis_areas: list[Area] = Field([], description="Vazio: todas as áreas")
    purpose: str = Field(max_length=500)
    legal_basis: LegalBasis
    legal_reference: str | None = Field(None, max_length=250)
    consent_id: Id | None = None
    expires_on: date


class ShareOut(ApiModel):
    id: int
    case_id: int
    organization: OrganizationRef
    sections: list[Section]
    diagnosis_areas: list[Area]
    purpose: str
    legal_basis: LegalBasis
    legal_reference: str | None
    consent_id: int | None
    expires_on: date
    revoked_at: UtcDateTime | None
    active: bool
