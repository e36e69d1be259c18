"""What the applications API reads and writes: the OpenAPI document's schemas are these models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from teia.applications.models import (
    ApplicationStatus,
    DecisionOutcome,
    DocumentStatus,
    PaymentMethod,
    RequestStatus,
)
from teia.cases.schemas_api import PersonName, UserRef
from teia.core.api import MAX_ID, ApiModel, Id, UtcDateTime
from teia.people.models import Relationship

Amount = Decimal  # in JSON: a number or a string ("12.50"); answers give strings
MAX_AMOUNT = Decimal("9999999999.99")  # what the amount columns hold: Numeric(12, 2)
Stored = Annotated[Amount, Field(le=MAX_AMOUNT)]
Note = Field("", max_length=4000)

# --- the list -------------------------------------------------------------------------------


class ApplicationQuery(ApiModel):
    status: ApplicationStatus | None = None
    support_type: str | None = Field(None, max_length=63)
    technician_id: Id | None = None
    q: str = Field("", max_length=100, description="Nome do requerente, ou o n.º (2026/0001)")
    page: int = Field(1, ge=1, le=MAX_ID)


class ApplicationSummary(ApiModel):
    id: int
    number: str
    status: ApplicationStatus
    application_date: date
    applicant: PersonName
    technician: UserRef


class ApplicationList(ApiModel):
    applications: list[ApplicationSummary]
    total: int
    total_exact: bool  # false: there are more than ``total`` (lists count 10,000 at most)
    page: int
    page_size: int


# --- intake ---------------------------------------------------------------------------------


class MemberIn(ApiModel):
    age: int = Field(ge=0, le=130)
    relationship: Relationship
    name: str = Field("", max_length=250)
    person_id: Id | None = None
    applicant: bool = False
    disabled: bool = False
    dependent: bool = False
    emancipated: bool = False
    unemployed: bool = False


class IncomeIn(ApiModel):
    source: str = Field(max_length=63)
    amount: Amount = Field(ge=0, decimal_places=2)
    period: Literal["annual", "monthly"] = "annual"
    member: int | None = Field(None, ge=0, description="A posição do membro na lista")


class ExpenseIn(ApiModel):
    kind: str = Field(max_length=63)
    monthly_amount: Amount = Field(ge=0, decimal_places=2)


class HouseholdIn(ApiModel):
    """The household as declared at intake."""

    members: list[MemberIn] = Field(min_length=1, max_length=30)
    incomes: list[IncomeIn] = Field([], max_length=100)
    expenses: list[ExpenseIn] = Field([], max_length=50)
    residence_months: int | None = Field(None, ge=0)
    debts_to_council: Literal["none", "in_resolution", "owing"] | None = None
    other_support_same_purpose: bool | None = None
    social_emergency: bool = False
    assets: Amount | None = Field(None, ge=0, decimal_places=2)


class ItemIn(ApiModel):
    support_type: str = Field(max_length=63)
    description: str = Field("", max_length=2000)
    amount: Amount | None = Field(None, gt=0, le=MAX_AMOUNT, decimal_places=2)
    quotes: list[Amount] = Field([], max_length=5)
    units: int | None = Field(None, ge=1, le=366)


class ApplicationIn(ApiModel):
    household_id: Id
    applicant_id: Id
    case_id: Id | None = None
    technician_id: Id | None = Field(None, description="Por omissão, quem regista")
    application_date: date
    household: HouseholdIn
    items: list[ItemIn] = Field(min_length=1, max_length=20)
    payment_method: PaymentMethod | None = None
    iban: str | None = Field(None, max_length=42)
    supplier_name: str | None = Field(None, max_length=200)
    supplier_nif: str | None = Field(None, max_length=15)


# --- an application -------------------------------------------------------------------------


class RegulationRef(ApiModel):
    id: int
    label: str
    title: str
    effective_from: date


class ItemOut(ApiModel):
    id: int
    support_type: str
    description: str
    requested_amount: Amount | None
    quotes: list[str]
    units: int | None
    proposed_amount: Amount | None
    approved_amount: Amount | None
    paid_amount: Amount
    refunded_amount: Amount


class DocumentOut(ApiModel):
    id: int
    code: str
    label: str
    article: str | None
    required: bool
    status: DocumentStatus
    due_date: date | None
    filename: str | None
    content_type: str | None
    size: int | None
    sha256: str | None
    uploaded_at: UtcDateTime | None
    note: str | None


class DocumentList(ApiModel):
    documents: list[DocumentOut]


class DocumentFileOut(ApiModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    content_base64: str


class DocumentRequestOut(ApiModel):
    id: int
    notified_on: date
    due_on: date
    codes: list[str]
    note: str
    status: RequestStatus
    resolved_on: date | None


class HomeVisitOut(ApiModel):
    id: int
    visited_on: date
    by: UserRef | None
    findings: str
    social_opinion: str


class DecisionOut(ApiModel):
    outcome: DecisionOutcome
    decided_on: date
    reference: str
    reasons: str
    decided_by: UserRef | None


class PaymentOut(ApiModel):
    id: int
    item_id: int
    amount: Amount
    method: PaymentMethod
    iban: str | None
    supplier_name: str | None
    supplier_nif: str | None
    paid_on: date
    proof_due_on: date
    proof_received_on: date | None
    proof_document_id: int | None


class EventOut(ApiModel):
    id: int
    kind: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus | None
    actor: UserRef | None
    at: UtcDateTime
    note: str | None
    data: dict[str, Any]


class ApplicationDetail(ApiModel):
    """An application with its whole instruction (the read is audited)."""

    id: int
    number: str
    status: ApplicationStatus
    application_date: date
    applicant: PersonName
    household_id: int
    case_id: int | None
    technician: UserRef
    regulation: RegulationRef
    household: HouseholdIn
    waivers: dict[str, str] = Field(description="Condições dispensadas e a fundamentação")
    payment_method: PaymentMethod | None
    iban: str | None
    supplier_name: str | None
    supplier_nif: str | None
    items: list[ItemOut]
    documents: list[DocumentOut]
    document_requests: list[DocumentRequestOut]
    home_visits: list[HomeVisitOut]
    decision: DecisionOut | None
    payments: list[PaymentOut]
    events: list[EventOut]
    evaluation: dict[str, Any] | None = Field(
        description="A última avaliação (valores em texto, cada regra com o seu artigo)"
    )
    evaluated_at: UtcDateTime | None
    exclusion_cause: str | None
    cessation_cause: str | None
    ceased_on: date | None
    refund_amount: Amount | None
    refund_reason: str | None
    refunded_on: date | None
    allowed_transitions: list[str] = Field(description="Os passos que quem pergunta pode dar")


class StepOut(ApiModel):
    """Where the application stands after a step."""

    id: int
    number: str
    status: ApplicationStatus
    allowed_transitions: list[str]


class EvaluationOut(ApiModel):
    outcome: Literal["eligible", "not_eligible", "awaiting_evidence"]
    evaluation: dict[str, Any]


# --- the steps ------------------------------------------------------------------------------


class NoteIn(ApiModel):
    note: str = Note


class ReviewIn(ApiModel):
    accepted: bool
    note: str = Note


class DocumentsRequestIn(ApiModel):
    codes: list[str] = Field([], max_length=30, description="Os documentos em falta")
    note: str = Field("", max_length=4000, description="Esclarecimentos pedidos")
    notified_on: date | None = Field(None, description="Por omissão, hoje")


class ExclusionIn(ApiModel):
    cause: str = Field(max_length=63)
    note: str = Note


class HomeVisitIn(ApiModel):
    visited_on: date
    findings: str = Field(max_length=10000)
    social_opinion: str = Field(max_length=10000)


class ProofRequestIn(ApiModel):
    what: str = Field(max_length=4000)
    due_on: date


class WaiverIn(ApiModel):
    condition_id: str = Field(max_length=63)
    justification: str = Field(max_length=4000)


class ProposalIn(ApiModel):
    amounts: dict[int, Stored] = Field({}, description="Por apoio (id): o montante proposto")
    note: str = Note


class DecisionIn(ApiModel):
    outcome: DecisionOutcome
    decided_on: date
    reference: str = Field(max_length=120, description="p. ex. Deliberação n.º 45/2026")
    reasons: str = Note
    amounts: dict[int, Stored] = Field({}, description="Por apoio (id): o montante aprovado")


class PaymentIn(ApiModel):
    item_id: Id
    amount: Amount = Field(gt=0, le=MAX_AMOUNT, decimal_places=2)
    method: PaymentMethod
    paid_on: date
    iban: str | None = Field(None, max_length=42)
    supplier_name: str | None = Field(None, max_length=200)
    supplier_nif: str | None = Field(None, max_length=15)


class CessationIn(ApiModel):
    cause: str = Field(max_length=63)
    ceased_on: date
    reason: str = Field(max_length=4000)
    refund_amount: Amount | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=2)


class RefundIn(ApiModel):
    refunded_on: date


class WithdrawIn(ApiModel):
    reason: str = Field(max_length=4000)
