"""The regulation desk's reads and its one write: the queue, the ranked candidates of a
request, the log, and the offer that holds a place.

The queue and the ranking read the pool in a fixed number of queries whatever its size
(:func:`queue`: a count and one page query; :func:`load_ranking`: the catalogue, the
consortium's councils, the units with places of the request's public counted, and the pool's
other units). The ranking itself is :mod:`teia.shelter.ranking` (pure).

An offer is safe under concurrency on two levels: the profile moves ``waiting → offered`` by
a conditional UPDATE (two coordinators offering different units to one request: one wins),
and each place is taken inside a SAVEPOINT against the partial unique index
``uq_shelter_allocations_place_holding`` (two requests offered the last place of a unit at
the same moment: one wins, the other tries the next free place or is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from teia.audit.services import audit
from teia.core.db import utcnow
from teia.core.layout import local_time
from teia.shelter import catalog, lifecycle, ranking
from teia.shelter.labels import EXCLUSION_REASON, PROFILE_STATUS
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import (
    HOLDING_STATUSES,
    OPEN_PROFILE_STATUSES,
    Allocation,
    AllocationEvent,
    AllocationStatus,
    PlacementProfile,
    PlacePool,
    ProfileStatus,
    ShelterPlace,
    ShelterUnit,
    Urgency,
)
from teia.tenants.models import Consortium, Tenant, consortium_members

PAGE_SIZE = 50
LOG_PAGE_SIZE = 50
MIN_HOLD_HOURS, MAX_HOLD_HOURS = 1, 72
DESK_PURPOSE = _l("Regulação de vagas de acolhimento do consórcio")

# The queue's priority: risk first, then urgency, then the longest wait (the index
# ix_placement_profiles_queue serves the filter).
QUEUE_ORDER = (
    PlacementProfile.risk_rank.desc(),
    PlacementProfile.urgency_rank.desc(),
    PlacementProfile.requested_at,
    PlacementProfile.id,
)
PENDING_OFFER = (AllocationStatus.OFFERED, AllocationStatus.ACCEPTED)


def default_hold_hours(profile: PlacementProfile) -> int:
    """How long an offer holds the place unless the desk says otherwise."""
    return 4 if profile.urgency == Urgency.IMMEDIATE else 24


# --- the queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    public: str | None = None
    status: str | None = None  # waiting or offered; None: both
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    position: int  # in this (filtered) queue, 1 = served first
    profile: PlacementProfile
    council: str  # the requesting council
    offer: Allocation | None  # the pending offer (offered or accepted), if any
    offer_unit: str | None

    def waiting(self, now: datetime) -> timedelta:
        return now - self.profile.requested_at


def queue(
    session: Session, consortium_id: int, filters: QueueFilters
) -> tuple[list[QueueRow], int]:
    """One page of the consortium's open requests in priority order, and how many there are."""
    statuses = [filters.status] if filters.status else list(OPEN_PROFILE_STATUSES)
    where = [
        PlacementProfile.consortium_id == consortium_id,
        PlacementProfile.status.in_(statuses),
    ]
    if filters.public:
        where.append(PlacementProfile.public == filters.public)
    total = session.scalar(select(func.count()).select_from(PlacementProfile).where(*where)) or 0
    offset = (filters.page - 1) * PAGE_SIZE
    page = (
        select(PlacementProfile.id)
        .where(*where)
        .order_by(*QUEUE_ORDER)
        .limit(PAGE_SIZE)
        .offset(offset)
        .subquery()
    )
    rows = session.execute(
        select(PlacementProfile, Tenant.name, Allocation, ShelterUnit.name)
        .join(page, page.c.id == PlacementProfile.id)
        .join(Tenant, Tenant.id == PlacementProfile.requesting_tenant_id)
        .outerjoin(
            Allocation,
            and_(
                Allocation.profile_id == PlacementProfile.id,
                Allocation.status.in_(PENDING_OFFER),
            ),
        )
        .outerjoin(ShelterUnit, ShelterUnit.id == Allocation.unit_id)
        .order_by(*QUEUE_ORDER)
    ).all()
    return [
        QueueRow(offset + n, profile, council, offer, unit)
        for n, (profile, council, offer, unit) in enumerate(rows, start=1)
    ], total


# --- the ranking --------------------------------------------------------------------------------


def need_of(profile: PlacementProfile) -> ranking.Need:
    return ranking.Need(
        age=profile.age,
        sex=profile.sex,
        public=profile.public,
        requesting_tenant_id=profile.requesting_tenant_id,
        anchor_tenant_id=profile.anchor_tenant_id,
        modalities=frozenset(profile.modalities or ()),
        needs_accessibility=profile.needs_accessibility,
        needs_intensive_care=profile.needs_intensive_care,
        outside_territory=profile.outside_territory,
    )


def councils(session: Session, consortium_id: int) -> tuple[ranking.Territory, dict[int, str]]:
    """The consortium's councils: who borders whom, and their names."""
    rows = session.execute(
        select(Tenant.id, Tenant.slug, Tenant.name, Tenant.neighbours)
        .join(consortium_members, consortium_members.c.tenant_id == Tenant.id)
        .where(consortium_members.c.consortium_id == consortium_id)
    ).all()
    territory = ranking.Territory.from_slugs((r.id, r.slug, r.neighbours or ()) for r in rows)
    return territory, {r.id: r.name for r in rows}


def _pooled(consortium_id: int) -> ColumnElement[bool]:
    """Join condition: the place is offered to the consortium's pool."""
    return and_(PlacePool.place_id == ShelterPlace.id, PlacePool.consortium_id == consortium_id)


def _holder() -> ColumnElement[bool]:
    """Join condition: the allocation holding the place, if any (at most one: the index)."""
    return and_(Allocation.place_id == ShelterPlace.id, Allocation.status.in_(HOLDING_STATUSES))


def _free() -> tuple[ColumnElement[bool], ...]:
    """A place that takes a new allocation: not blocked, not held (the outer-joined holder)."""
    return ShelterPlace.blocked_reason.is_(None), Allocation.id.is_(None)


def supplies(
    session: Session, profile: PlacementProfile, lacking_listed: int | None = None
) -> tuple[list[ranking.Supply], int]:
    """Every unit with active places in the profile's pool, its places of the profile's public
    counted by availability for the requesting council; and how many units of the pool without
    a place of that public were left out beyond the first ``lacking_listed`` by name (None:
    list them all). Most units of a large pool serve other publics: a page lists a few.

    One query in two parts: the units with places of the public, counted (only those places
    are joined to their pool and holder); and the other units of the pool, found by probing
    each unit's places (``OFFSET 0`` keeps PostgreSQL from turning that EXISTS into a join of
    the whole pool), the first listed and all counted with a window."""
    cid, requesting = profile.consortium_id, profile.requesting_tenant_id
    reserved = PlacePool.reserved_for_tenant_id

    def free_count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(ShelterPlace.id).filter(and_(*_free(), condition))

    counted = (
        select(
            ShelterPlace.unit_id.label("unit_id"),
            func.count(ShelterPlace.id).label("places"),
            free_count(reserved.is_(None)).label("open"),
            free_count(reserved == requesting).label("own"),
            free_count(reserved != requesting).label("other"),
        )
        .join(PlacePool, _pooled(cid))
        .outerjoin(Allocation, _holder())
        .where(ShelterPlace.public == profile.public, ShelterPlace.active)
        .group_by(ShelterPlace.unit_id)
        .cte("counted")
    )
    unit = (
        ShelterUnit.id,
        ShelterUnit.name,
        ShelterUnit.host_tenant_id,
        ShelterUnit.modality,
        ShelterUnit.sex_rule,
        ShelterUnit.accessible,
        ShelterUnit.intensive_care,
        ShelterUnit.active,
    )
    with_public = select(
        *unit,
        counted.c.places,
        counted.c.open,
        counted.c.own,
        counted.c.other,
        literal(0).label("lacking"),
    ).join(counted, counted.c.unit_id == ShelterUnit.id)
    in_pool = (
        select(ShelterPlace.id)
        .join(PlacePool, _pooled(cid))
        .where(ShelterPlace.unit_id == ShelterUnit.id, ShelterPlace.active)
        .offset(0)
    )
    none = literal(0)
    lacking = (
        select(*unit, none, none, none, none, func.count().over().label("lacking"))
        .where(in_pool.exists(), ShelterUnit.id.not_in(select(counted.c.unit_id)))
        .order_by(ShelterUnit.name, ShelterUnit.id)
        .limit(lacking_listed)
        .subquery("lacking")
    )
    # Core: plain rows, no ORM entities; fetched at once (iterating fetches row by row).
    rows = session.connection().execute(union_all(with_public, select(lacking))).all()
    found = [ranking.Supply._make(row[:12]) for row in rows]
    lacking_total = next((row[12] for row in rows if not row[8]), 0)
    return found, lacking_total - sum(1 for s in found if not s.places)


def load_ranking(
    session: Session,
    profile: PlacementProfile,
    publics: dict[str, catalog.Public] | None = None,
    *,
    lacking_listed: int | None = None,
) -> tuple[ranking.Ranking, dict[int, str]]:
    """The profile's candidates and excluded units, and the names of the consortium's councils
    (``publics``: the catalogue, when the caller has it already; ``lacking_listed``: how many
    units without a place of the public to list, None for all)."""
    if publics is None:
        consortium = session.get(Consortium, profile.consortium_id)
        assert consortium is not None
        publics = catalog.publics(session, consortium.country)
    territory, names = councils(session, profile.consortium_id)
    listed, unlisted = supplies(session, profile, lacking_listed)
    ranked = ranking.rank(
        need_of(profile),
        listed,
        public=publics.get(profile.public),
        territory=territory,
        unlisted=unlisted,
    )
    return ranked, names


# --- the offer ----------------------------------------------------------------------------------


def offer(
    session: Session,
    profile: PlacementProfile,
    unit_id: int,
    *,
    actor_id: int,
    hold_hours: int,
) -> Allocation:
    """Hold a free adequate place of ``unit_id`` for ``profile`` for ``hold_hours`` hours.

    Refused (``ShelterError``) when the profile is no longer waiting, the unit is no longer a
    candidate, or every free place went to someone else meanwhile; the profile then stays
    (or goes back to) waiting.
    """
    if not MIN_HOLD_HOURS <= hold_hours <= MAX_HOLD_HOURS:
        raise ShelterError(
            _(
                "A reserva dura entre %(low)d e %(high)d horas.",
                low=MIN_HOLD_HOURS,
                high=MAX_HOLD_HOURS,
            ),
            field="hold_hours",
        )
    if not _set_status(session, profile, ProfileStatus.WAITING, ProfileStatus.OFFERED):
        raise ShelterError(
            _(
                "Este pedido já não está em espera (está: %(status)s); "
                "outra oferta pode ter sido feita entretanto.",
                status=PROFILE_STATUS[profile.status],
            )
        )
    try:
        allocation = _hold(session, profile, unit_id, actor_id=actor_id, hold_hours=hold_hours)
    except ShelterError:
        _set_status(session, profile, ProfileStatus.OFFERED, ProfileStatus.WAITING)
        raise
    explanation = allocation.explanation
    lifecycle.log_event(
        session, profile, "offered", allocation=allocation, actor_id=actor_id, details=explanation
    )
    expires = local_time(allocation.expires_at)
    consortium = session.get(Consortium, profile.consortium_id)
    assert consortium is not None
    public = catalog.publics(session, consortium.country).get(profile.public)
    lifecycle.tell_unit(
        session,
        allocation,
        _("Vaga oferecida pela regulação: responda até %(at)s", at=expires),
        _(
            "Pedido %(ref)s: %(age)d anos, %(public)s.",
            ref=profile.reference,
            age=profile.age,
            public=public.label if public else profile.public,
        ),
    )
    unit = allocation.unit
    lifecycle.tell_requester(
        session,
        profile,
        _("Vaga oferecida (pedido %(ref)s)", ref=profile.reference),
        _("%(unit)s; a unidade responde até %(at)s.", unit=unit.name, at=expires),
    )
    audit(
        session,
        "shelter.offer_made",
        object_type="shelter_allocation",
        object_id=allocation.id,
        purpose=str(DESK_PURPOSE),
        actor_id=actor_id,
        details={"profile_id": profile.id, "unit_id": unit_id, **explanation},
    )
    return allocation


def _set_status(
    session: Session, profile: PlacementProfile, expected: ProfileStatus, new: ProfileStatus
) -> bool:
    """Move the profile's status only if it is still ``expected``."""
    moved = session.execute(
        update(PlacementProfile)
        .where(PlacementProfile.id == profile.id, PlacementProfile.status == expected)
        .values(status=new)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(profile)
    return bool(moved)


def _hold(
    session: Session,
    profile: PlacementProfile,
    unit_id: int,
    *,
    actor_id: int,
    hold_hours: int,
) -> Allocation:
    ranked, _names = load_ranking(session, profile)
    candidate = ranked.candidate(unit_id)
    if candidate is None:
        excluded = next((e for e in ranked.excluded if e.supply.unit_id == unit_id), None)
        if excluded is None:
            raise ShelterError(
                _("Esta unidade não tem lugares no conjunto de vagas do consórcio."),
                field="unit_id",
            )
        raise ShelterError(
            _(
                "Esta unidade não é candidata para este pedido: %(reasons)s.",
                reasons="; ".join(str(EXCLUSION_REASON[r]) for r in excluded.reasons),
            ),
            field="unit_id",
        )
    explanation = candidate.explanation(len(ranked.candidates))
    now = utcnow()
    for place_id in free_places(session, profile, unit_id):
        allocation = Allocation(
            profile_id=profile.id,
            place_id=place_id,
            unit_id=unit_id,
            consortium_id=profile.consortium_id,
            status=AllocationStatus.OFFERED,
            offered_by_id=actor_id,
            offered_at=now,
            expires_at=now + timedelta(hours=hold_hours),
            explanation=explanation,
        )
        try:
            with session.begin_nested():
                session.add(allocation)
        except IntegrityError:
            continue  # another coordinator took this place at the same moment
        return allocation
    raise ShelterError(_("Já não há vaga livre adequada nesta unidade."), field="unit_id")


def free_places(session: Session, profile: PlacementProfile, unit_id: int) -> list[int]:
    """The unit's free places the profile may take, its council's quota first."""
    reserved = PlacePool.reserved_for_tenant_id
    return list(
        session.scalars(
            select(ShelterPlace.id)
            .join(PlacePool, _pooled(profile.consortium_id))
            .outerjoin(Allocation, _holder())
            .where(
                ShelterPlace.unit_id == unit_id,
                ShelterPlace.active,
                ShelterPlace.public == profile.public,
                *_free(),
                or_(reserved.is_(None), reserved == profile.requesting_tenant_id),
            )
            .order_by(reserved.is_(None), ShelterPlace.label, ShelterPlace.id)
        )
    )


def withdraw(session: Session, allocation: Allocation, *, actor_id: int, reason: str) -> None:
    """The desk takes an offer back: the place returns, the request queues, both are told."""
    lifecycle.withdraw(session, allocation, actor_id=actor_id, reason=reason)
    profile = allocation.profile
    subject = _("Oferta de vaga retirada pela regulação (pedido %(ref)s)", ref=profile.reference)
    body = f"{allocation.unit.name}: {reason.strip()}"
    lifecycle.tell_unit(session, allocation, subject, body)
    lifecycle.tell_requester(session, profile, subject, body)
    audit(
        session,
        "shelter.offer_withdrawn",
        object_type="shelter_allocation",
        object_id=allocation.id,
        purpose=str(DESK_PURPOSE),
        actor_id=actor_id,
        details={"profile_id": profile.id, "reason": reason.strip()},
    )


# --- the request page and the log --------------------------------------------------------------


def offers_of(session: Session, profile_id: int) -> list[Allocation]:
    """Every offer made for a request, newest first, with its unit and place."""
    return list(
        session.scalars(
            select(Allocation)
            .options(joinedload(Allocation.unit), joinedload(Allocation.place))
            .where(Allocation.profile_id == profile_id)
            .order_by(Allocation.offered_at.desc(), Allocation.id.desc())
        )
    )


def events_of(session: Session, profile_id: int) -> list[AllocationEvent]:
    """The request's log, oldest first, with who acted."""
    return list(
        session.scalars(
            select(AllocationEvent)
            .options(joinedload(AllocationEvent.actor))
            .where(AllocationEvent.profile_id == profile_id)
            .order_by(AllocationEvent.id)
        )
    )


@dataclass(frozen=True)
class LogRow:
    event: AllocationEvent
    reference: str
    unit: str | None


def log_page(session: Session, consortium_id: int, page: int) -> tuple[list[LogRow], bool]:
    """One page of the desk's decisions, newest first, and whether an older page exists."""
    rows = session.execute(
        select(AllocationEvent, PlacementProfile.reference, ShelterUnit.name)
        .join(PlacementProfile, PlacementProfile.id == AllocationEvent.profile_id)
        .outerjoin(Allocation, Allocation.id == AllocationEvent.allocation_id)
        .outerjoin(ShelterUnit, ShelterUnit.id == Allocation.unit_id)
        .options(joinedload(AllocationEvent.actor))
        .where(AllocationEvent.consortium_id == consortium_id)
        .order_by(AllocationEvent.id.desc())
        .limit(LOG_PAGE_SIZE + 1)
        .offset((page - 1) * LOG_PAGE_SIZE)
    ).all()
    more = len(rows) > LOG_PAGE_SIZE
    return [LogRow(e, ref, unit) for e, ref, unit in rows[:LOG_PAGE_SIZE]], more
