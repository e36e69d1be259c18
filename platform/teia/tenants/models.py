"""Councils, consortia, partner organisations and shared catalogues: platform-level rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dateutil.easter import easter
from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from teia.core.db import Base, utcnow

consortium_members = Table(
    "consortium_members",
    Base.metadata,
    Column("consortium_id", ForeignKey("consortia.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
)

organization_tenants = Table(
    "organization_tenants",
    Base.metadata,
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("tenant_id", ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
)


class Tenant(Base):
    """A council (município): one tenant of the deployment."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    official_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(5))
    official_code: Mapped[str] = mapped_column(String(7))
    district: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    municipal_holiday: Mapped[str] = mapped_column(String(16))  # "MM-DD" or "easter+N"
    municipal_holiday_name: Mapped[str] = mapped_column(String(200))
    parishes: Mapped[list[str]] = mapped_column(JSON, default=list)
    caseload_target: Mapped[int] = mapped_column(default=50)
    case_retention_years: Mapped[int] = mapped_column(default=5)
    audit_retention_years: Mapped[int] = mapped_column(default=10)
    break_glass_hours: Mapped[int | None]  # None: partners have no emergency access
    # Roles that must sign in with a second factor here, beyond those required everywhere.
    two_factor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Slugs of the Teia councils that border this one (shelter placement: territoriality).
    neighbours: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)

    consortia: Mapped[list[Consortium]] = relationship(
        secondary=consortium_members, back_populates="members"
    )

    def municipal_holiday_in(self, year: int) -> date:
        """The council's own holiday in ``year`` (fixed, or a number of days after Easter)."""
        if self.municipal_holiday.startswith("easter+"):
            return easter(year) + timedelta(
                days=int(self.municipal_holiday.removeprefix("easter+"))
            )
        month, day = self.municipal_holiday.split("-")
        return date(year, int(month), int(day))

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class Consortium(Base):
    """A group of councils (CIM, intermunicipal consortium) that work together."""

    __tablename__ = "consortia"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    official_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    source_hash: Mapped[str] = mapped_column(String(64))

    members: Mapped[list[Tenant]] = relationship(
        secondary=consortium_members, back_populates="consortia", order_by=Tenant.name
    )


class Organization(Base):
    """A partner entity of the Rede Social (or the council itself), active in some tenants."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(63))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenants: Mapped[list[Tenant]] = relationship(secondary=organization_tenants)


class CatalogEntry(Base):
    """One entry of a shared catalogue (partner types, later support types, modalities)."""

    __tablename__ = "catalog_entries"
    __table_args__ = (UniqueConstraint("catalog", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog: Mapped[str] = mapped_column(String(63))
    code: Mapped[str] = mapped_column(String(63))
    countries: Mapped[list[str]] = mapped_column(JSON)
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What a catalogue adds per entry (a shelter modality's expected stay, a public's ages).
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_hash: Mapped[str] = mapped_column(String(64))

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or next(iter(self.labels.values()))
