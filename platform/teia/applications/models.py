"""Applications for emergency social support (*candidaturas*) and everything recorded on them.

Every row is the council's (personal data): tenant-scoped, with row-level security.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow
from teia.core.tenancy import TenantScoped
from teia.people.models import Person
from teia.regulations.models import RegulationVersion

if TYPE_CHECKING:
    from teia.accounts.models import User

Money = Numeric(12, 2)


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_ANALYSIS = "in_analysis"
    AWAITING_DOCUMENTS = "awaiting_documents"
    EXCLUSION_PROPOSED = "exclusion_proposed"
    EXCLUDED = "excluded"
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"
    CLOSED = "closed"
    CEASED = "ceased"
    WITHDRAWN = "withdrawn"


FINAL_STATUSES = frozenset(
    {
        ApplicationStatus.EXCLUDED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.CLOSED,
        ApplicationStatus.CEASED,
        ApplicationStatus.WITHDRAWN,
    }
)


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    SUPPLIER = "supplier"


class DocumentStatus(StrEnum):
    MISSING = "missing"
    RECEIVED = "received"
    VALIDATED = "validated"
    REJECTED = "rejected"
    WAIVED = "waived"


# Documents that count as evidence for the evaluation.
EVIDENCE_STATUSES = (DocumentStatus.RECEIVED, DocumentStatus.VALIDATED)
PROOF_OF_EXPENSE = "proof_of_expense"  # the code of a proof-of-expense upload (art. 17)


class RequestStatus(StrEnum):
    OPEN = "open"
    REGULARISED = "regularised"
    EXPIRED = "expired"


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Application(TenantScoped, Base):
    """One application of a household under the regulation in force on its date."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_applications_tenant_number"),
        UniqueConstraint("tenant_id", "submission_key", name="uq_applications_tenant_submission"),
        # The list: newest first, a page at a time; and by status.
        Index("ix_applications_tenant_date", "tenant_id", "application_date", "id"),
        # By status, in the list's order (read from the index alone: 35 -> 9 ms for a status
        # with 18,000 of a council's 50,000 applications).
        Index("ix_applications_tenant_status", "tenant_id", "status", "application_date", "id"),
        # A person's applications; covering, so a search by a common surname (a quarter of a
        # council) reads the matches from the index alone (95 -> 55 ms for 12,500 matches).
        Index(
            "ix_applications_applicant_id", "applicant_id", "tenant_id", "application_date", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # "2026/0042", per council and year
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ApplicationStatus] = mapped_column(String(24), default=ApplicationStatus.DRAFT)
    application_date: Mapped[date]
    # The version in force on the application date: the rules the application is judged by.
    regulation_version_id: Mapped[int] = mapped_column(ForeignKey("regulation_versions.id"))
    # The household as declared (members, incomes, expenses, residence, debts...).
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Conditions waived (condition id -> justification), e.g. residence under art. 8.º e).
    waivers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    payment_method: Mapped[PaymentMethod | None] = mapped_column(String(16))
    iban: Mapped[str | None] = mapped_column(String(34))
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    supplier_nif: Mapped[str | None] = mapped_column(String(9))
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the last one, as data
    evaluated_at: Mapped[datetime | None]
    exclusion_cause: Mapped[str | None] = mapped_column(String(64))
    cessation_cause: Mapped[str | None] = mapped_column(String(64))
    ceased_on: Mapped[date | None]
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    refund_reason: Mapped[str | None] = mapped_column(Text)
    refunded_on: Mapped[date | None]
    submission_key: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applicant: Mapped[Person] = relationship()
    regulation_version: Mapped[RegulationVersion] = relationship()
    technician: Mapped[User] = relationship()
    items: Mapped[list[ApplicationItem]] = relationship(
        order_by="ApplicationItem.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[ApplicationDocument]] = relationship(
        order_by="ApplicationDocument.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        order_by="ApplicationEvent.id", cascade="all, delete-orphan"
    )
    document_requests: Mapped[list[DocumentRequest]] = relationship(
        order_by="DocumentRequest.id", cascade="all, delete-orphan"
    )
    home_visits: Mapped[list[HomeVisit]] = relationship(
        order_by="HomeVisit.id", cascade="all, delete-orphan"
    )
    decision: Mapped[Decision | None] = relationship(cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(
        order_by="Payment.id", cascade="all, delete-orphan"
    )


class ApplicationItem(TenantScoped, Base):
    """One support type requested, with what was proposed, approved and paid for it."""

    __tablename__ = "application_items"
    # The list filtered by support type.
    __table_args__ = (
        Index("ix_application_items_tenant_type", "tenant_id", "support_type", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    support_type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    requested_amount: Mapped[Decimal | None] = mapped_column(Money)
    quotes: Mapped[list[str]] = mapped_column(JSON, default=list)  # amounts, as strings
    units: Mapped[int | None]
    proposed_amount: Mapped[Decimal | None] = mapped_column(Money)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # The part of a cessation's refund that came back from this item.
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class ApplicationDocument(TenantScoped, Base):
    """A document of the checklist (art. 9.º), or a proof of expense, and its file."""

    __tablename__ = "application_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(250))
    article: Mapped[str | None] = mapped_column(String(60))
    required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[DocumentStatus] = mapped_column(String(16), default=DocumentStatus.MISSING)
    due_date: Mapped[date | None]  # documents with a deadline of their own (IEFP: 30 wd)
    storage_key: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class ApplicationEvent(TenantScoped, Base):
    """The history: every transition and every record made on the application."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class DocumentRequest(TenantScoped, Base):
    """The notice of missing documents or clarifications (arts. 11.º a) and 12.º, n.º 1)."""

    __tablename__ = "document_requests"
    __table_args__ = (
        Index("ix_document_requests_tenant_status_due", "tenant_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    notified_on: Mapped[date]
    due_on: Mapped[date]  # the last day to regularise (working days from the notice)
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(String(16), default=RequestStatus.OPEN)
    resolved_on: Mapped[date | None]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HomeVisit(TenantScoped, Base):
    """A home visit or interview, and the social opinion (*parecer social*, art. 11.º d))."""

    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    findings: Mapped[str] = mapped_column(Text)
    social_opinion: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User | None] = relationship()


class Decision(TenantScoped, Base):
    """The deliberation: when, its reference, who recorded it, and why."""

    __tablename__ = "application_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[DecisionOutcome] = mapped_column(String(16))
    decided_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(120))  # "Deliberação n.º 45/2026"
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()


class Payment(TenantScoped, Base):
    """A payment of an approved item (art. 17.º), and the proof of the expense it paid."""

    __tablename__ = "application_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("application_items.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[PaymentMethod] = mapped_column(String(16))
    iban: Mapped[str | None] = mapped_column(String(34))
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    supplier_nif: Mapped[str | None] = mapped_column(String(9))
    paid_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proof_due_on: Mapped[date]
    proof_received_on: Mapped[date | None]
    proof_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("application_documents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
