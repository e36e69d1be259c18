"""Units and places of a host council, their pools and quotas, and occupancy.

Occupancy is never typed: a place is *occupied* while an admitted allocation holds it, *held*
while an offer to it is open or accepted, *blocked* while it carries a reason and nothing holds
it, and *free* otherwise. :func:`occupancy` counts all of it in one aggregate query for any
number of units (the desk and the indicators call it too).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from teia.audit.services import audit
from teia.core.db import utcnow
from teia.shelter import catalog
from teia.shelter.labels import ALLOCATION_STATUS
from teia.shelter.lifecycle import ShelterError, respond
from teia.shelter.models import (
    HOLDING_STATUSES,
    AdmissionSheet,
    Allocation,
    AllocationStatus,
    PlacePool,
    SexRule,
    ShelterPlace,
    ShelterUnit,
)
from teia.tenants.models import Consortium, Organization, Tenant
from teia.tenants.services import MUNICIPALITY_TYPE

PAGE_SIZE = 50
MAX_NEW_PLACES = 50
PREFIX_LENGTH = 30  # a label is "<prefix> <n>" within the column's 40 characters
# Who may run a unit: the council itself, the consortium, or a social partner.
OPERATOR_TYPES = (
    MUNICIPALITY_TYPE,
    "intermunicipal_entity",
    "private_social_solidarity_institution",
    "misericordia",
    "civil_society_organization",
    "shelter_operator",
)
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")


# --- occupancy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """The places of one public (or of a whole unit), by state."""

    capacity: int = 0  # active places
    occupied: int = 0  # an admitted allocation holds it
    held: int = 0  # offered, or accepted and awaiting admission
    blocked: int = 0  # blocked with a reason, nothing holding it

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied - self.held - self.blocked, 0)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.capacity + other.capacity,
            self.occupied + other.occupied,
            self.held + other.held,
            self.blocked + other.blocked,
        )


@dataclass(frozen=True)
class UnitOccupancy:
    unit_id: int
    publics: dict[str, Counts] = field(default_factory=dict)  # by public code

    @property
    def total(self) -> Counts:
        return sum(self.publics.values(), Counts())


def occupancy(
    session: Session, unit_ids: Collection[int], *, consortium_id: int | None = None
) -> dict[int, UnitOccupancy]:
    """Per unit and per public: capacity, occupied, held, blocked and free, from allocations.

    One aggregate query whatever the number of units; with ``consortium_id``, only the places
    offered to that consortium's pool count. Every unit asked for is in the answer.
    """
    found: dict[int, dict[str, Counts]] = {uid: {} for uid in unit_ids}
    if not found:
        return {}
    holding = Allocation.status
    stmt = (
        select(
            ShelterPlace.unit_id,
            ShelterPlace.public,
            func.count(ShelterPlace.id),
            func.count(case((holding == AllocationStatus.ADMITTED, 1))),
            func.count(
                case(
                    (holding.in_((AllocationStatus.OFFERED, AllocationStatus.ACCEPTED)), 1),
                )
            ),
            func.count(
                case((and_(ShelterPlace.blocked_reason.is_not(None), Allocation.id.is_(None)), 1))
            ),
        )
        .outerjoin(
            Allocation,
            and_(Allocation.place_id == ShelterPlace.id, Allocation.status.in_(HOLDING_STATUSES)),
        )
        .where(ShelterPlace.unit_id.in_(list(found)), ShelterPlace.active.is_(True))
        .group_by(ShelterPlace.unit_id, ShelterPlace.public)
    )
    if consortium_id is not None:
        stmt = stmt.join(
            PlacePool,
            and_(PlacePool.place_id == ShelterPlace.id, PlacePool.consortium_id == consortium_id),
        )
    for unit_id, public, capacity, occupied, held, blocked in session.execute(stmt):
        found[unit_id][public] = Counts(capacity, occupied, held, blocked)
    return {uid: UnitOccupancy(uid, dict(sorted(p.items()))) for uid, p in found.items()}


def pool_quotas(
    session: Session, consortium_id: int, unit_ids: Collection[int]
) -> dict[int, dict[str, dict[int, int]]]:
    """Places reserved in a pool for one member council: unit → public → council → count."""
    quotas: dict[int, dict[str, dict[int, int]]] = {}
    if not unit_ids:
        return quotas
    rows = session.execute(
        select(
            ShelterPlace.unit_id,
            ShelterPlace.public,
            PlacePool.reserved_for_tenant_id,
            func.count(ShelterPlace.id),
        )
        .join(PlacePool, PlacePool.place_id == ShelterPlace.id)
        .where(
            PlacePool.consortium_id == consortium_id,
            PlacePool.reserved_for_tenant_id.is_not(None),
            ShelterPlace.unit_id.in_(unit_ids),
            ShelterPlace.active.is_(True),
        )
        .group_by(ShelterPlace.unit_id, ShelterPlace.public, PlacePool.reserved_for_tenant_id)
    )
    for unit_id, public, tenant_id, count in rows:
        quotas.setdefault(unit_id, {}).setdefault(public, {})[tenant_id] = count
    return quotas


def holders(session: Session, place_ids: Collection[int]) -> dict[int, AllocationStatus]:
    """The status of the allocation holding each place, for the places something holds."""
    if not place_ids:
        return {}
    rows = session.execute(
        select(Allocation.place_id, Allocation.status).where(
            Allocation.place_id.in_(place_ids), Allocation.status.in_(HOLDING_STATUSES)
        )
    )
    return {place_id: AllocationStatus(status) for place_id, status in rows}


# --- units ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInput:
    name: str
    operator_id: int | None
    modality: str
    sex_rule: str
    accessible: bool
    intensive_care: bool
    parish: str | None
    phone: str | None


def operators(session: Session, tenant: Tenant) -> list[Organization]:
    """Who may run a unit in the council: its own organisation, the consortium's, partners."""
    return list(
        session.scalars(
            select(Organization)
            .where(
                Organization.tenants.any(Tenant.id == tenant.id),
                Organization.type_code.in_(OPERATOR_TYPES),
            )
            .order_by(Organization.type_code != MUNICIPALITY_TYPE, Organization.name)
        )
    )


def _checked(session: Session, tenant: Tenant, data: UnitInput) -> dict[str, Any]:
    name = data.name.strip()
    if not name:
        raise ShelterError(_("Dê um nome à unidade."), field="name")
    if len(name) > 200:
        raise ShelterError(_("O nome tem no máximo 200 caracteres."), field="name")
    if data.operator_id not in {o.id for o in operators(session, tenant)}:
        raise ShelterError(
            _("Escolha uma entidade gestora que trabalhe neste município."), field="operator"
        )
    if data.modality not in catalog.modalities(session, tenant.country):
        raise ShelterError(_("Escolha uma modalidade de acolhimento da lista."), field="modality")
    if data.sex_rule not in {r.value for r in SexRule}:
        raise ShelterError(_("Escolha a quem a unidade se destina."), field="sex_rule")
    parish = (data.parish or "").strip() or None
    if parish is not None and parish not in tenant.parishes:
        raise ShelterError(_("Escolha uma freguesia deste município."), field="parish")
    phone = (data.phone or "").strip() or None
    if phone is not None and not _PHONE.match(phone):
        raise ShelterError(
            _("Escreva um telefone só com algarismos (e espaços, +, parênteses)."), field="phone"
        )
    return {
        "name": name,
        "operator_id": data.operator_id,
        "modality": data.modality,
        "sex_rule": SexRule(data.sex_rule),
        "accessible": data.accessible,
        "intensive_care": data.intensive_care,
        "parish": parish,
        "phone": phone,
    }


def create_unit(session: Session, tenant: Tenant, data: UnitInput) -> ShelterUnit:
    """A new unit hosted by ``tenant`` (no places yet)."""
    unit = ShelterUnit(host_tenant_id=tenant.id, **_checked(session, tenant, data))
    session.add(unit)
    session.flush()
    audit(session, "shelter.unit.created", object_type="shelter_unit", object_id=unit.id)
    return unit


def update_unit(session: Session, tenant: Tenant, unit: ShelterUnit, data: UnitInput) -> None:
    values = _checked(session, tenant, data)
    changed = sorted(k for k, v in values.items() if getattr(unit, k) != v)
    for key in changed:
        setattr(unit, key, values[key])
    session.flush()
    if changed:
        audit(
            session,
            "shelter.unit.updated",
            object_type="shelter_unit",
            object_id=unit.id,
            details={"fields": changed},
        )


def set_unit_active(session: Session, unit: ShelterUnit, active: bool) -> None:
    """Close a unit (only when nothing holds any of its places), or open it again."""
    if unit.active == active:
        return
    if not active:
        held = session.scalar(
            select(func.count(Allocation.id)).where(
                Allocation.unit_id == unit.id, Allocation.status.in_(HOLDING_STATUSES)
            )
        )
        if held:
            raise ShelterError(
                _(
                    "A unidade tem %(n)s vaga(s) oferecida(s), aceite(s) ou ocupada(s): só se "
                    "desativa quando nenhuma vaga estiver em uso.",
                    n=held,
                )
            )
    unit.active = active
    session.flush()
    action = "shelter.unit.reactivated" if active else "shelter.unit.deactivated"
    audit(session, action, object_type="shelter_unit", object_id=unit.id)


def hosted_units(
    session: Session,
    tenant: Tenant,
    *,
    page: int = 1,
    operator_ids: Collection[int] | None = None,
) -> tuple[list[ShelterUnit], int]:
    """The council's units (only those of ``operator_ids`` when given), active first and by
    name, a page at a time, with the total."""
    where = [ShelterUnit.host_tenant_id == tenant.id]
    if operator_ids is not None:
        where.append(ShelterUnit.operator_id.in_(operator_ids))
    total = session.scalar(select(func.count(ShelterUnit.id)).where(*where)) or 0
    units = session.scalars(
        select(ShelterUnit)
        .options(joinedload(ShelterUnit.operator))
        .where(*where)
        .order_by(ShelterUnit.active.desc(), ShelterUnit.name, ShelterUnit.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(units), total


# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolChoice:
    """A place offered to a consortium's pool; with ``reserved_for``, a quota for one member."""

    consortium_id: int
    reserved_for: int | None = None


def council_pools(session: Session, tenant: Tenant) -> list[Consortium]:
    """The consortia whose pools the council may offer places to, with their members."""
    return list(
        session.scalars(
            select(Consortium)
            .options(selectinload(Consortium.members))
            .where(Consortium.members.any(Tenant.id == tenant.id))
            .order_by(Consortium.name)
        )
    )


def _checked_pools(
    session: Session, tenant: Tenant, pools: Iterable[PoolChoice]
) -> list[PoolChoice]:
    consortia = {c.id: c for c in council_pools(session, tenant)}
    checked: dict[int, PoolChoice] = {}
    for choice in pools:
        consortium = consortia.get(choice.consortium_id)
        if consortium is None:
            raise ShelterError(_("Este município não pertence a esse consórcio."), field="pools")
        if choice.reserved_for is not None and choice.reserved_for not in {
            m.id for m in consortium.members
        }:
            raise ShelterError(
                _(
                    "A quota só pode reservar vagas para um município membro de %(consortium)s.",
                    consortium=consortium.name,
                ),
                field="pools",
            )
        checked[choice.consortium_id] = choice
    return list(checked.values())


def unit_places(session: Session, unit: ShelterUnit) -> list[ShelterPlace]:
    """The unit's places by label, with their pools (quota councils included)."""
    return list(
        session.scalars(
            select(ShelterPlace)
            .options(
                selectinload(ShelterPlace.pools).options(
                    joinedload(PlacePool.consortium), joinedload(PlacePool.reserved_for)
                )
            )
            .where(ShelterPlace.unit_id == unit.id)
            .order_by(ShelterPlace.active.desc(), ShelterPlace.label, ShelterPlace.id)
        )
    )


def add_places(
    session: Session,
    tenant: Tenant,
    unit: ShelterUnit,
    *,
    public: str,
    count: int,
    prefix: str,
    pools: Sequence[PoolChoice],
) -> list[ShelterPlace]:
    """``count`` places of one public, labelled ``<prefix> <n>`` with numbers free in the
    unit, each offered to ``pools``."""
    if public not in catalog.publics(session, tenant.country):
        raise ShelterError(_("Escolha o público da lista."), field="public")
    if not 1 <= count <= MAX_NEW_PLACES:
        raise ShelterError(
            _("Acrescente entre 1 e %(n)s vagas de cada vez.", n=MAX_NEW_PLACES), field="count"
        )
    prefix = " ".join(prefix.split())
    if not prefix:
        raise ShelterError(
            _("Escreva o prefixo das etiquetas (por exemplo «Cama»)."), field="prefix"
        )
    if len(prefix) > PREFIX_LENGTH:
        raise ShelterError(
            _("O prefixo tem no máximo %(n)s caracteres.", n=PREFIX_LENGTH), field="prefix"
        )
    if not unit.active:
        raise ShelterError(_("A unidade está desativada: reative-a antes de criar vagas."))
    checked = _checked_pools(session, tenant, pools)
    taken = set(session.scalars(select(ShelterPlace.label).where(ShelterPlace.unit_id == unit.id)))
    created: list[ShelterPlace] = []
    number = 0
    while len(created) < count:
        number += 1
        label = f"{prefix} {number}"
        if label in taken:
            continue
        place = ShelterPlace(unit_id=unit.id, label=label, public=public)
        place.pools = [
            PlacePool(consortium_id=c.consortium_id, reserved_for_tenant_id=c.reserved_for)
            for c in checked
        ]
        session.add(place)
        created.append(place)
    session.flush()
    audit(
        session,
        "shelter.places.added",
        object_type="shelter_unit",
        object_id=unit.id,
        details={"places": [p.id for p in created], "public": public},
    )
    return created


def set_pools(
    session: Session,
    tenant: Tenant,
    unit: ShelterUnit,
    places: Sequence[ShelterPlace],
    pools: Sequence[PoolChoice],
) -> None:
    """Offer exactly these places to exactly these pools (with their quotas)."""
    checked = {c.consortium_id: c for c in _checked_pools(session, tenant, pools)}
    for place in places:
        kept = []
        for pool in place.pools:
            choice = checked.get(pool.consortium_id)
            if choice is not None:
                pool.reserved_for_tenant_id = choice.reserved_for
                kept.append(pool)
        present = {p.consortium_id for p in kept}
        kept += [
            PlacePool(consortium_id=c.consortium_id, reserved_for_tenant_id=c.reserved_for)
            for cid, c in checked.items()
            if cid not in present
        ]
        place.pools = kept
    session.flush()
    audit(
        session,
        "shelter.place.pools_changed",
        object_type="shelter_unit",
        object_id=unit.id,
        details={
            "places": [p.id for p in places],
            "pools": [
                {"consortium": c.consortium_id, "reserved_for": c.reserved_for}
                for c in checked.values()
            ],
        },
    )


def _refuse_if_held(session: Session, place: ShelterPlace, message: str) -> None:
    status = holders(session, [place.id]).get(place.id)
    if status is not None:
        raise ShelterError(
            _(
                "%(message)s A vaga está %(status)s.",
                message=message,
                status=ALLOCATION_STATUS[status],
            )
        )


def block_place(session: Session, place: ShelterPlace, *, reason: str, actor_id: int) -> None:
    """Take a free place out of use for a while (maintenance, an outbreak), saying why."""
    reason = reason.strip()
    if not reason:
        raise ShelterError(_("Indique o motivo do bloqueio."), field="reason")
    if not place.active:
        raise ShelterError(_("Esta vaga foi desativada."))
    if place.blocked_reason is not None:
        raise ShelterError(
            _("Esta vaga já está bloqueada: %(reason)s", reason=place.blocked_reason)
        )
    _refuse_if_held(session, place, _("Só se bloqueia uma vaga livre."))
    place.blocked_reason = reason
    place.blocked_at = utcnow()
    place.blocked_by_id = actor_id
    session.flush()
    audit(
        session,
        "shelter.place.blocked",
        object_type="shelter_place",
        object_id=place.id,
        details={"reason": reason},
    )


def unblock_place(session: Session, place: ShelterPlace) -> None:
    if place.blocked_reason is None:
        raise ShelterError(_("Esta vaga não está bloqueada."))
    place.blocked_reason = None
    place.blocked_at = None
    place.blocked_by_id = None
    session.flush()
    audit(session, "shelter.place.unblocked", object_type="shelter_place", object_id=place.id)


def deactivate_place(session: Session, place: ShelterPlace) -> None:
    """The place no longer exists (its label stays taken in the unit)."""
    if not place.active:
        raise ShelterError(_("Esta vaga já está desativada."))
    _refuse_if_held(session, place, _("Só se desativa uma vaga livre."))
    place.active = False
    session.flush()
    audit(session, "shelter.place.deactivated", object_type="shelter_place", object_id=place.id)


# --- the consortium's pool ------------------------------------------------------------------


def pool_units(
    session: Session,
    consortium: Consortium,
    *,
    host_tenant_id: int | None = None,
    page: int = 1,
) -> tuple[list[ShelterUnit], int]:
    """Active units of member councils with at least one active place in the pool."""
    members = [t.id for t in consortium.members]
    if host_tenant_id is not None:
        members = [t for t in members if t == host_tenant_id]
    in_pool = (
        select(ShelterPlace.unit_id)
        .join(PlacePool, PlacePool.place_id == ShelterPlace.id)
        .where(PlacePool.consortium_id == consortium.id, ShelterPlace.active.is_(True))
    )
    where = [
        ShelterUnit.id.in_(in_pool),
        ShelterUnit.active.is_(True),
        ShelterUnit.host_tenant_id.in_(members),
    ]
    total = session.scalar(select(func.count(ShelterUnit.id)).where(*where)) or 0
    units = session.scalars(
        select(ShelterUnit)
        .options(joinedload(ShelterUnit.operator), joinedload(ShelterUnit.host_tenant))
        .where(*where)
        .order_by(ShelterUnit.name, ShelterUnit.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(units), total


# --- the unit's staff -----------------------------------------------------------------------


def open_offers(session: Session, unit: ShelterUnit) -> list[Allocation]:
    """Offers to the unit awaiting its answer, then those accepted and awaiting admission."""
    return list(
        session.scalars(
            select(Allocation)
            .options(joinedload(Allocation.profile), joinedload(Allocation.place))
            .where(
                Allocation.unit_id == unit.id,
                Allocation.status.in_((AllocationStatus.OFFERED, AllocationStatus.ACCEPTED)),
            )
            .order_by(Allocation.status.desc(), Allocation.expires_at, Allocation.id)
        )
    )


def offers_waiting(session: Session, unit_ids: Collection[int]) -> dict[int, int]:
    """How many offers each unit has to answer."""
    if not unit_ids:
        return {}
    rows = session.execute(
        select(Allocation.unit_id, func.count(Allocation.id))
        .where(Allocation.unit_id.in_(unit_ids), Allocation.status == AllocationStatus.OFFERED)
        .group_by(Allocation.unit_id)
    )
    return {unit_id: count for unit_id, count in rows}


def answer_offer(
    session: Session, allocation: Allocation, *, accept: bool, reason: str | None, actor_id: int
) -> None:
    """The unit's answer to an offered place (see :func:`lifecycle.respond`), audited."""
    respond(session, allocation, accept=accept, actor_id=actor_id, reason=reason)
    audit(
        session,
        "shelter.offer.accepted" if accept else "shelter.offer.refused",
        object_type="shelter_allocation",
        object_id=allocation.id,
        details={"unit": allocation.unit_id, "profile": allocation.profile_id},
    )


def current_sheets(session: Session, unit: ShelterUnit) -> list[AdmissionSheet]:
    """The admission sheets of the people in the unit now (in the host council's scope)."""
    return list(
        session.scalars(
            select(AdmissionSheet)
            .where(AdmissionSheet.unit_id == unit.id, AdmissionSheet.ended_on.is_(None))
            .order_by(AdmissionSheet.admitted_on.desc(), AdmissionSheet.id.desc())
        )
    )
