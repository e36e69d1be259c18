"""Regulation versions and reference values: platform rows, loaded from ``tenants/``.

Regulations are public law, not personal data, so they are not tenant-scoped: a consortium's
coordinators compare two councils' versions. Once loaded a version never changes (applications
cite it); a new version supersedes it from its own effective date. The ORM refuses to change or
delete a loaded row, and PostgreSQL grants refuse it too (``infra/postgres/roles.sql``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from teia.core.db import Base, utcnow
from teia.tenants.models import Tenant


class RegulationVersion(Base):
    """One version of a council's regulation, as its file was when loaded."""

    __tablename__ = "regulation_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    effective_from: Mapped[date]
    label: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    publication: Mapped[dict[str, Any]] = mapped_column(JSON)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the file's data, JSON-safe
    source_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship()

    def __repr__(self) -> str:
        return f"<RegulationVersion {self.tenant_id} {self.effective_from}>"


class ReferenceValue(Base):
    """A reference amount (social pension, IAS, minimum wage) from a date on.

    ``tenant_id`` NULL: the national catalogue; set: a council's override, declared in its
    regulation.
    """

    __tablename__ = "reference_values"
    __table_args__ = (UniqueConstraint("name", "tenant_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="RESTRICT"), index=True
    )
    valid_from: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    source: Mapped[str] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(500))  # e.g. a value still to be confirmed
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoadedRegulationIsImmutable(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _immutable(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, RegulationVersion | ReferenceValue) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise LoadedRegulationIsImmutable(
                "a loaded regulation version or reference value cannot be changed or deleted: "
                "add a new one with a later date"
            )
