"""Stays in the requesting council: the PIA/PIF and its goals and reviews, the contacts log,
the blockers that keep a stay from ending, the stays list with time in care per unit, and the
board of prolonged stays (the seed's "painel de casos por tempo, pendências e responsáveis").

Every function works in the council in scope, flushes and never commits. A refused change
raises :class:`~teia.shelter.lifecycle.ShelterError` with the reason and the field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from teia.accounts.models import User
from teia.audit.services import audit
from teia.core.clock import today
from teia.shelter import warnings
from teia.shelter.labels import (
    BLOCKER_KIND,
    CONTACT_KIND,
    GOAL_STATUS,
    GOAL_TERM,
    MAIN_GOAL,
    PLAN_KIND,
    RESPONSIBLE,
    REVIEW_PROGRESS,
)
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    ShelterUnit,
    Stay,
    StayBlocker,
    StayContact,
    StayStatus,
)
from teia.shelter.warnings import Sign

PAGE_SIZE = 50
READMISSION_WINDOW_DAYS = 365  # a re-admission within this long after the earlier stay ended
REVIEW_EVERY_DAYS = (7, 365)  # the shortest and longest review periodicity accepted
# Contacts whose note is the point of the record: an incident, the reason for no visits.
NOTE_REQUIRED = ("incident", "no_visit_reason")


def days_in_care(stay: Stay, on: date) -> int:
    """Days from admission to the end of the stay, or to ``on`` while it runs."""
    return ((stay.ended_on or on) - stay.admitted_on).days


def is_readmission(stay: Stay, previous_ended_on: date | None) -> bool:
    """A re-admission within a year of the end of the person's earlier stay."""
    return (
        previous_ended_on is not None
        and (stay.admitted_on - previous_ended_on).days <= READMISSION_WINDOW_DAYS
    )


def load_stay(session: Session, stay_id: int) -> Stay | None:
    """The stay with what its page shows: person, case, unit, referent, plan, goals, reviews."""
    return session.scalar(
        select(Stay)
        .options(
            joinedload(Stay.person),
            joinedload(Stay.case),
            joinedload(Stay.unit).joinedload(ShelterUnit.host_tenant),
            joinedload(Stay.technical_referent),
            joinedload(Stay.plan).options(
                selectinload(CarePlan.goals), selectinload(CarePlan.reviews)
            ),
        )
        .where(Stay.id == stay_id)
    )


def related_stays(session: Session, stay: Stay) -> tuple[Stay | None, Stay | None]:
    """The person's earlier stay (this one is a re-admission) and a later one, if any."""
    previous = later = None
    if stay.previous_stay_id is not None:
        previous = session.scalar(
            select(Stay).options(joinedload(Stay.unit)).where(Stay.id == stay.previous_stay_id)
        )
    later = session.scalar(
        select(Stay)
        .options(joinedload(Stay.unit))
        .where(Stay.previous_stay_id == stay.id)
        .order_by(Stay.admitted_on.desc())
        .limit(1)
    )
    return previous, later


def contacts(session: Session, stay: Stay, limit: int | None) -> list[StayContact]:
    """The contacts log, newest first (``limit`` of them, or all)."""
    stmt = (
        select(StayContact)
        .where(StayContact.stay_id == stay.id)
        .order_by(StayContact.occurred_on.desc(), StayContact.id.desc())
    )
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def count_contacts(session: Session, stay: Stay) -> int:
    return (
        session.scalar(select(func.count(StayContact.id)).where(StayContact.stay_id == stay.id))
        or 0
    )


def blockers(session: Session, stay: Stay) -> list[StayBlocker]:
    """Pending blockers first (by deadline), then the resolved ones."""
    return list(
        session.scalars(
            select(StayBlocker)
            .where(StayBlocker.stay_id == stay.id)
            .order_by(
                StayBlocker.resolved_on.is_not(None),
                StayBlocker.due_on.is_(None),
                StayBlocker.due_on,
                StayBlocker.id,
            )
        )
    )


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


# --- the PIA/PIF ------------------------------------------------------------------------------


def _require_active(stay: Stay) -> None:
    if stay.status != StayStatus.ACTIVE:
        raise ShelterError(_("Este acolhimento já terminou: o registo está fechado."))


def _plan(stay: Stay) -> CarePlan:
    if stay.plan is None:
        raise ShelterError(_("Este acolhimento não tem PIA/PIF."))
    return stay.plan


def _during_stay(stay: Stay, day: date, field: str) -> None:
    """A date in the stay: not before the admission, not in the future."""
    if day < stay.admitted_on:
        raise ShelterError(
            _(
                "A data não pode ser anterior à admissão (%(d)s).",
                d=stay.admitted_on.strftime("%d/%m/%Y"),
            ),
            field=field,
        )
    if day > today():
        raise ShelterError(_("A data não pode ser futura."), field=field)


def _choice(value: str | None, labels: dict[str, object], field: str) -> str:
    if value not in labels:
        raise ShelterError(_("Escolha uma das opções da lista."), field=field)
    return value


def _text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ShelterError(_("Preencha este campo."), field=field)
    return text


@dataclass(frozen=True)
class PlanInput:
    kind: str
    diagnosis: str
    main_goal: str | None
    main_goal_detail: str
    contact_plan: str
    review_criteria: str
    review_every_days: int
    next_review_on: date


def update_plan(session: Session, stay: Stay, data: PlanInput, *, actor_id: int) -> CarePlan:
    """Edit the PIA/PIF's content: diagnosis, main goal, contact plan, review criteria."""
    _require_active(stay)
    plan = _plan(stay)
    _choice(data.kind, PLAN_KIND, "kind")
    if data.main_goal is not None:
        _choice(data.main_goal, MAIN_GOAL, "main_goal")
        if data.main_goal == "other" and not data.main_goal_detail.strip():
            raise ShelterError(_("Descreva a saída protetiva pretendida."), "main_goal_detail")
    shortest, longest = REVIEW_EVERY_DAYS
    if not shortest <= data.review_every_days <= longest:
        raise ShelterError(
            _("A periodicidade vai de %(a)s a %(b)s dias.", a=shortest, b=longest),
            field="review_every_days",
        )
    if data.next_review_on < stay.admitted_on:
        raise ShelterError(
            _("A reavaliação não pode ser anterior à admissão."), field="next_review_on"
        )
    plan.kind = data.kind
    plan.diagnosis = data.diagnosis.strip()
    plan.main_goal = data.main_goal
    plan.main_goal_detail = data.main_goal_detail.strip()
    plan.contact_plan = data.contact_plan.strip()
    plan.review_criteria = data.review_criteria.strip()
    plan.review_every_days = data.review_every_days
    plan.next_review_on = data.next_review_on
    plan.updated_by_id = actor_id
    audit(session, "shelter.plan.updated", object_type="stay", object_id=stay.id)
    session.flush()
    return plan


def add_goal(
    session: Session,
    stay: Stay,
    *,
    term: str,
    description: str,
    responsible: str,
    responsible_detail: str | None,
    due_on: date | None,
) -> CarePlanGoal:
    """A short- or medium-term goal, with who answers for it and by when."""
    _require_active(stay)
    plan = _plan(stay)
    _choice(term, GOAL_TERM, "term")
    _choice(responsible, RESPONSIBLE, "responsible")
    detail = (responsible_detail or "").strip() or None
    if responsible == "other" and detail is None:
        raise ShelterError(_("Indique quem é o responsável."), field="responsible_detail")
    if due_on is not None and due_on < stay.admitted_on:
        raise ShelterError(_("O prazo não pode ser anterior à admissão."), field="due_on")
    goal = CarePlanGoal(
        plan_id=plan.id,
        term=term,
        description=_text(description, "description"),
        responsible=responsible,
        responsible_detail=detail,
        due_on=due_on,
    )
    session.add(goal)
    plan.goals.append(goal)
    audit(session, "shelter.plan.goal_added", object_type="stay", object_id=stay.id)
    session.flush()
    return goal


def update_goal(
    session: Session, stay: Stay, goal: CarePlanGoal, *, status: str, due_on: date | None
) -> None:
    """Mark a goal done or dropped (or open again), and set or move its deadline."""
    _require_active(stay)
    _choice(status, GOAL_STATUS, "status")
    if due_on is not None and due_on < stay.admitted_on:
        raise ShelterError(_("O prazo não pode ser anterior à admissão."), field="due_on")
    if status != goal.status:
        goal.done_on = today() if status == "done" else None
    goal.status = status
    goal.due_on = due_on
    audit(
        session,
        "shelter.plan.goal_updated",
        object_type="stay",
        object_id=stay.id,
        details={"goal": goal.id, "status": status},
    )
    session.flush()


def record_review(
    session: Session,
    stay: Stay,
    *,
    reviewed_on: date,
    progress: str,
    summary: str,
    plan_changed: bool,
    actor_id: int,
) -> CarePlanReview:
    """A periodic review; the next one is due ``review_every_days`` after it."""
    _require_active(stay)
    plan = _plan(stay)
    _during_stay(stay, reviewed_on, "reviewed_on")
    _choice(progress, REVIEW_PROGRESS, "progress")
    latest = max((r.reviewed_on for r in plan.reviews), default=None)
    if latest is not None and reviewed_on < latest:
        raise ShelterError(
            _(
                "Já há uma reavaliação de %(d)s: registe as seguintes por ordem.",
                d=latest.strftime("%d/%m/%Y"),
            ),
            field="reviewed_on",
        )
    review = CarePlanReview(
        plan_id=plan.id,
        reviewed_on=reviewed_on,
        progress=progress,
        summary=_text(summary, "summary"),
        plan_changed=plan_changed,
        reviewer_id=actor_id,
    )
    session.add(review)
    plan.reviews.append(review)
    plan.next_review_on = reviewed_on + timedelta(days=plan.review_every_days)
    audit(session, "shelter.plan.reviewed", object_type="stay", object_id=stay.id)
    session.flush()
    return review


# --- the contacts log and the blockers --------------------------------------------------------


def add_contact(
    session: Session,
    stay: Stay,
    *,
    occurred_on: date,
    kind: str,
    with_whom: str | None,
    supervised: bool,
    notes: str,
    actor_id: int,
) -> StayContact:
    """A family visit or call, an outing, a community contact, the person heard, an incident,
    or the technical reason why there are no family visits."""
    _require_active(stay)
    _during_stay(stay, occurred_on, "occurred_on")
    _choice(kind, CONTACT_KIND, "kind")
    notes = notes.strip()
    if kind in NOTE_REQUIRED and not notes:
        raise ShelterError(
            _("Descreva o incidente.")
            if kind == "incident"
            else _("Escreva a justificação técnica para não haver visitas."),
            field="notes",
        )
    contact = StayContact(
        stay_id=stay.id,
        occurred_on=occurred_on,
        kind=kind,
        with_whom=(with_whom or "").strip() or None,
        supervised=supervised,
        notes=notes,
        recorded_by_id=actor_id,
    )
    session.add(contact)
    audit(
        session,
        "shelter.stay.contact_recorded",
        object_type="stay",
        object_id=stay.id,
        details={"kind": kind},
    )
    session.flush()
    return contact


def add_blocker(
    session: Session,
    stay: Stay,
    *,
    kind: str,
    description: str,
    owner: str,
    owner_user_id: int | None,
    due_on: date | None,
    allowed_user_ids: set[int],
) -> StayBlocker:
    """What keeps the stay from ending, who unblocks it and by when."""
    _require_active(stay)
    _choice(kind, BLOCKER_KIND, "kind")
    if owner_user_id is not None and owner_user_id not in allowed_user_ids:
        raise ShelterError(_("Esta pessoa não pertence à equipa do município."), "owner_user_id")
    if due_on is not None and due_on < stay.admitted_on:
        raise ShelterError(_("O prazo não pode ser anterior à admissão."), field="due_on")
    blocker = StayBlocker(
        stay_id=stay.id,
        kind=kind,
        description=_text(description, "description"),
        owner=_text(owner, "owner"),
        owner_user_id=owner_user_id,
        due_on=due_on,
    )
    session.add(blocker)
    audit(
        session,
        "shelter.stay.blocker_added",
        object_type="stay",
        object_id=stay.id,
        details={"kind": kind},
    )
    session.flush()
    return blocker


def resolve_blocker(
    session: Session, stay: Stay, blocker: StayBlocker, *, resolved_on: date
) -> None:
    _require_active(stay)
    if blocker.resolved_on is not None:
        raise ShelterError(_("Esta pendência já está resolvida."))
    _during_stay(stay, resolved_on, "resolved_on")
    blocker.resolved_on = resolved_on
    audit(
        session,
        "shelter.stay.blocker_resolved",
        object_type="stay",
        object_id=stay.id,
        details={"blocker": blocker.id},
    )
    session.flush()


# --- the stays list and time in care ----------------------------------------------------------


@dataclass(frozen=True)
class StayRow:
    stay: Stay
    days: int
    readmission: bool
    signs: list[Sign]


@dataclass(frozen=True)
class StayFilters:
    ended: bool = False
    unit_id: int | None = None
    page: int = 1


def stay_list(session: Session, filters: StayFilters, on: date) -> tuple[list[StayRow], int]:
    """A page of the council's active (or ended) stays, longest in care first, with signs."""
    previous = aliased(Stay)
    status = StayStatus.DISCHARGED if filters.ended else StayStatus.ACTIVE
    where = [Stay.status == status]
    if filters.unit_id is not None:
        where.append(Stay.unit_id == filters.unit_id)
    total = session.scalar(select(func.count(Stay.id)).where(*where)) or 0
    order = (Stay.ended_on.desc(),) if filters.ended else ()
    rows = session.execute(
        select(Stay, previous.ended_on)
        .outerjoin(previous, previous.id == Stay.previous_stay_id)
        .options(
            joinedload(Stay.person), joinedload(Stay.unit), joinedload(Stay.technical_referent)
        )
        .where(*where)
        .order_by(*order, Stay.admitted_on, Stay.id)
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    shown = warnings.signs_of(session, (stay.id for stay, _ended in rows), on)
    return [
        StayRow(
            stay=stay,
            days=days_in_care(stay, on),
            readmission=is_readmission(stay, ended),
            signs=shown.get(stay.id, []),
        )
        for stay, ended in rows
    ], total


@dataclass(frozen=True)
class UnitTime:
    """Time in care in one unit, over the council's stays there (running ones to today)."""

    unit_id: int
    name: str
    stays: int
    active: int
    average_days: float
    median_days: float
    longest_days: int


def time_in_care_by_unit(session: Session, on: date) -> list[UnitTime]:
    """Average, median and longest days in care per unit, for the council's stays."""
    rows = session.execute(
        select(Stay.unit_id, ShelterUnit.name, Stay.admitted_on, Stay.ended_on)
        .join(ShelterUnit, ShelterUnit.id == Stay.unit_id)
        .order_by(ShelterUnit.name, Stay.unit_id)
    ).all()
    per_unit: dict[tuple[int, str], list[tuple[int, bool]]] = {}
    for unit_id, name, admitted_on, ended_on in rows:
        days = ((ended_on or on) - admitted_on).days
        per_unit.setdefault((unit_id, name), []).append((days, ended_on is None))
    return [
        UnitTime(
            unit_id=unit_id,
            name=name,
            stays=len(values),
            active=sum(1 for _d, running in values if running),
            average_days=round(sum(d for d, _r in values) / len(values), 1),
            median_days=float(median(d for d, _r in values)),
            longest_days=max(d for d, _r in values),
        )
        for (unit_id, name), values in per_unit.items()
    ]


def units_in_use(session: Session) -> list[ShelterUnit]:
    """The units where the council has (or had) stays: the choices of a unit filter."""
    return list(
        session.scalars(
            select(ShelterUnit)
            .where(ShelterUnit.id.in_(select(Stay.unit_id)))
            .order_by(ShelterUnit.name, ShelterUnit.id)
        )
    )


# --- the board of prolonged stays -------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    stay: Stay
    days: int
    days_over: int
    blockers: list[StayBlocker]
    signs: list[Sign]


@dataclass(frozen=True)
class BoardFilters:
    unit_id: int | None = None
    blocker_kind: str | None = None
    page: int = 1


def _board_query(session: Session, filters: BoardFilters, on: date) -> Select[tuple[Stay]]:
    stmt = select(Stay).where(Stay.status == StayStatus.ACTIVE, Stay.expected_end_on <= on)
    if filters.unit_id is not None:
        stmt = stmt.where(Stay.unit_id == filters.unit_id)
    if filters.blocker_kind is not None:
        stmt = stmt.where(
            Stay.id.in_(
                select(StayBlocker.stay_id).where(
                    StayBlocker.kind == filters.blocker_kind, StayBlocker.resolved_on.is_(None)
                )
            )
        )
    return stmt.order_by(Stay.expected_end_on, Stay.id)


def board(session: Session, filters: BoardFilters, on: date) -> tuple[list[BoardRow], int]:
    """Stays past their expected duration, longest over first, each with its pending
    blockers (who owns each, since when) and its warning signs."""
    stmt = _board_query(session, filters, on)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    stays = list(
        session.scalars(
            stmt.options(
                joinedload(Stay.person), joinedload(Stay.unit), joinedload(Stay.technical_referent)
            )
            .limit(PAGE_SIZE)
            .offset((filters.page - 1) * PAGE_SIZE)
        )
    )
    pending: dict[int, list[StayBlocker]] = {}
    if stays:
        for blocker in session.scalars(
            select(StayBlocker)
            .where(
                StayBlocker.stay_id.in_([s.id for s in stays]), StayBlocker.resolved_on.is_(None)
            )
            .order_by(StayBlocker.due_on.is_(None), StayBlocker.due_on, StayBlocker.id)
        ):
            pending.setdefault(blocker.stay_id, []).append(blocker)
    shown = warnings.signs_of(session, (s.id for s in stays), on)
    return [
        BoardRow(
            stay=stay,
            days=days_in_care(stay, on),
            days_over=(on - stay.expected_end_on).days,  # type: ignore[operator]
            blockers=pending.get(stay.id, []),
            signs=shown.get(stay.id, []),
        )
        for stay in stays
    ], total
