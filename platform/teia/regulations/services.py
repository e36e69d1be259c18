"""Reading loaded regulations: the version in force on a date, a council's versions, the parsed
document of a version and the reference values a council's evaluations use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from teia.accounts.models import Role
from teia.core.db import MAX_ID
from teia.regulations.engine import checklist, evaluate
from teia.regulations.facts import (
    DocumentRequirement,
    Evaluation,
    HouseholdSnapshot,
    ReferencePoint,
    ReferenceTable,
    SupportRequest,
)
from teia.regulations.models import ReferenceValue, RegulationVersion
from teia.regulations.schema import RegulationFile, parse_regulation
from teia.tenants.models import Tenant

# Regulations are public law: every member of the council's staff reads them and simulates.
REGULATION_ROLES = frozenset(
    {Role.TECHNICIAN, Role.CASE_MANAGER, Role.TENANT_ADMIN, Role.DECISION_MAKER, Role.FINANCE}
)


class NoRegulationInForce(LookupError):
    """The council has no version in force on the date asked (none loaded, or all later)."""


def versions(session: Session, tenant_id: int) -> list[RegulationVersion]:
    """The council's versions, the latest first."""
    return list(
        session.scalars(
            select(RegulationVersion)
            .where(RegulationVersion.tenant_id == tenant_id)
            .order_by(RegulationVersion.effective_from.desc())
        )
    )


def version_in_force(session: Session, tenant_id: int, on: date) -> RegulationVersion:
    """The version with the latest effective date not after ``on``."""
    version = session.scalar(
        select(RegulationVersion)
        .where(RegulationVersion.tenant_id == tenant_id, RegulationVersion.effective_from <= on)
        .order_by(RegulationVersion.effective_from.desc())
        .limit(1)
    )
    if version is None:
        raise NoRegulationInForce(
            _("Não há regulamento em vigor a %(date)s.", date=on.strftime("%d/%m/%Y"))
        )
    return version


def comparable_councils(tenant: Tenant) -> list[Tenant]:
    """The other councils of the consortia ``tenant`` belongs to (criteria to converge)."""
    found = {t.slug: t for c in tenant.consortia for t in c.members if t.id != tenant.id}
    return sorted(found.values(), key=lambda t: t.name)


def find_version(session: Session, tenant_id: int, key: str) -> RegulationVersion | None:
    """A council's version by its effective date (``2024-04-02``) or its id."""
    where = RegulationVersion.tenant_id == tenant_id
    if key.isascii() and key.isdigit():  # not "²", which is a digit int() refuses
        if int(key) > MAX_ID:
            return None
        return session.scalar(
            select(RegulationVersion).where(where, RegulationVersion.id == int(key))
        )
    try:
        effective = date.fromisoformat(key)
    except ValueError:
        return None
    return session.scalar(
        select(RegulationVersion).where(where, RegulationVersion.effective_from == effective)
    )


_DOCS: dict[str, RegulationFile] = {}


def regulation_doc(version: RegulationVersion) -> RegulationFile:
    """The version's validated document, parsed once per source hash."""
    doc = _DOCS.get(version.source_hash)
    if doc is None:
        doc = _DOCS[version.source_hash] = parse_regulation(version.document)
    return doc


def reference_rows(session: Session, tenant_id: int) -> list[ReferenceValue]:
    """The national values and the council's overrides, by name and date (for the pages)."""
    return list(
        session.scalars(
            select(ReferenceValue)
            .where(or_(ReferenceValue.tenant_id.is_(None), ReferenceValue.tenant_id == tenant_id))
            .order_by(ReferenceValue.name, ReferenceValue.valid_from, ReferenceValue.tenant_id)
        )
    )


def reference_table(session: Session, tenant_id: int) -> ReferenceTable:
    """The national reference values with the council's own overrides."""
    rows = reference_rows(session, tenant_id)
    return ReferenceTable(
        ReferencePoint(r.name, r.valid_from, r.amount, r.source, override=r.tenant_id is not None)
        for r in rows
    )


@dataclass(frozen=True)
class Simulation:
    version: RegulationVersion
    evaluation: Evaluation
    documents: list[DocumentRequirement]


def simulate(
    session: Session,
    tenant_id: int,
    household: HouseholdSnapshot,
    request: SupportRequest,
    on: date,
) -> Simulation:
    """Evaluate a household under the version in force on ``on``; nothing is written."""
    version = version_in_force(session, tenant_id, on)
    doc = regulation_doc(version)
    evaluation = evaluate(doc, reference_table(session, tenant_id), household, request, on)
    return Simulation(version, evaluation, checklist(doc, household, request))
