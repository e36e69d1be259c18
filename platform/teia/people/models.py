"""People a council follows, their households, and the history of every change to them."""

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


class Relationship(StrEnum):
    """How a member relates to the household's representative."""

    REPRESENTATIVE = "representative"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    GRANDPARENT = "grandparent"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class DocumentKind(StrEnum):
    CITIZEN_CARD = "citizen_card"
    PASSPORT = "passport"
    RESIDENCE_PERMIT = "residence_permit"
    OTHER = "other"


class Person(TenantScoped, Base):
    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("tenant_id", "nif", name="uq_persons_tenant_nif"),
        UniqueConstraint("tenant_id", "niss", name="uq_persons_tenant_niss"),
        UniqueConstraint("tenant_id", "submission_key", name="uq_persons_tenant_submission"),
        Index("ix_persons_tenant_search_name", "tenant_id", "search_name"),
        Index("ix_persons_tenant_birth_date", "tenant_id", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    given_names: Mapped[str] = mapped_column(String(120))
    family_names: Mapped[str] = mapped_column(String(120))
    # Lower case, accents removed: what name search compares against.
    search_name: Mapped[str] = mapped_column(String(250))
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(String(1))  # F, M or X (as on the citizen card)
    nif: Mapped[str | None] = mapped_column(String(9))
    niss: Mapped[str | None] = mapped_column(String(11))
    sns: Mapped[str | None] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    # A merged record stays for history and points at the one that was kept.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    anonymised_at: Mapped[datetime | None]
    # The form's one-time key: a double submit finds the person the first one created.
    submission_key: Mapped[str | None] = mapped_column(String(36))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    documents: Mapped[list[PersonDocument]] = relationship(
        back_populates="person", order_by="PersonDocument.id", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_names}".strip()


class PersonDocument(TenantScoped, Base):
    __tablename__ = "person_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="documents")


class PersonChange(TenantScoped, Base):
    """One rectified field: the old and the new value, who changed it and why."""

    __tablename__ = "person_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[User | None] = relationship()


class PersonMerge(TenantScoped, Base):
    """A duplicate merged into the kept record, with the duplicate's data as it was."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)


class Household(TenantScoped, Base):
    """An *agregado familiar*: people who share table and home."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    parish: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[HouseholdMember]] = relationship(
        back_populates="household", order_by="HouseholdMember.id", cascade="all, delete-orphan"
    )


class HouseholdMember(TenantScoped, Base):
    __tablename__ = "household_members"
    __table_args__ = (
        UniqueConstraint("household_id", "person_id", name="uq_household_members_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship_to_representative: Mapped[Relationship] = mapped_column(String(32))
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]

    household: Mapped[Household] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()
