"""The quality of shelter care in the seed's six dimensions, counted from recorded data; and
the counts of the shelter hub pages.

A council's figures come from its own rows (the requesting council's stays, plans, contacts,
blockers, discharges and follow-ups), grouped by unit in a fixed number of aggregate queries;
the admission sheets are the host councils' rows, so each host council is asked, in its own
scope, how many sheets of this council's admissions carried health, medication and diet (a
count, nothing else). The consortium's figures enter each member council's scope in turn and
add up the same counts: no personal data leaves a council.

Every figure is a count that adds up across units and councils (medians from a histogram of
days in care), so a council's figure is the sum of its units' and the consortium's the sum of
its councils'. In the consortium's unit and council rows a count between 1 and 4 is shown as
"<5", with what depends on it, so a small unit's figures cannot point at a person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from teia.core.clock import today
from teia.core.db import utcnow
from teia.core.tenancy import tenant_scope
from teia.reports.suppression import SMALL
from teia.shelter.labels import BLOCKER_KIND, RISK
from teia.shelter.models import (
    OPEN_PROFILE_STATUSES,
    AdmissionSheet,
    Allocation,
    AllocationStatus,
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    DischargeStep,
    FollowUpContact,
    PlacementProfile,
    PlacementRequest,
    RequestStatus,
    ShelterUnit,
    Stay,
    StayBlocker,
    StayContact,
    StayStatus,
)
from teia.tenants.models import Consortium, Tenant

HEARD_WINDOW_DAYS = 90  # "heard in the last 90 days", "outings in the last 90 days"
READMISSION_DAYS = 365  # a re-admission within 12 months of the earlier discharge
DISCHARGE_STEPS_REQUIRED = (1, 2, 3, 4)  # the steps before leaving; step 5 comes after


class days_between(FunctionElement[int]):
    """Whole days from the second date to the first, on PostgreSQL and SQLite."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


def readmitted() -> Exists:
    """A stay that began at most :data:`READMISSION_DAYS` after the end of the one before."""
    earlier = aliased(Stay)
    return (
        select(earlier.id)
        .where(
            earlier.id == Stay.previous_stay_id,
            earlier.ended_on.is_not(None),
            days_between(Stay.admitted_on, earlier.ended_on) <= READMISSION_DAYS,
        )
        .exists()
    )


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def last_twelve_months(cls, end: date) -> Period:
        try:
            year_before = end.replace(year=end.year - 1)
        except ValueError:  # 29 February
            year_before = end.replace(year=end.year - 1, day=28)
        return cls(year_before + timedelta(days=1), end)

    def reference(self, on: date) -> date:
        """The day active stays are counted on: the period's end, never after ``on``."""
        return min(self.end, on)


# --- counting ----------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of one council (or the sum of several), by unit.

    ``counts[(measure, unit_id)]`` is a number of stays, contacts, reviews...;
    ``days[(state, unit_id, days)]`` is how many active or ended stays had that many days.
    """

    counts: Counter[tuple[str, int]] = field(default_factory=Counter)
    days: Counter[tuple[str, int, int]] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.days.update(other.days)

    def units(self) -> set[int]:
        return {unit for (_measure, unit), n in self.counts.items() if n} | {
            unit for (_state, unit, _days), n in self.days.items() if n
        }

    def slice(self, unit_id: int | None = None) -> Slice:
        """The counts of one unit, or (``None``) of every unit together."""
        counts: Counter[str] = Counter()
        for (measure, unit), n in self.counts.items():
            if unit_id is None or unit == unit_id:
                counts[measure] += n
        days: dict[str, Counter[int]] = {"active": Counter(), "ended": Counter()}
        for (state, unit, length), n in self.days.items():
            if unit_id is None or unit == unit_id:
                days[state][length] += n
        return Slice(counts, days)

    def by_unit(self) -> dict[int, Slice]:
        """Every unit's counts, read in one pass (a :meth:`slice` per unit reads every count
        once per unit: 46 s of a consortium's report with 2,000 units)."""
        found: dict[int, Slice] = {unit: Slice.empty() for unit in self.units()}
        for (measure, unit), n in self.counts.items():
            if n:
                found[unit].counts[measure] += n
        for (state, unit, length), n in self.days.items():
            if n:
                found[unit].days[state][length] += n
        return found


@dataclass(frozen=True)
class Slice:
    counts: Counter[str]
    days: dict[str, Counter[int]]

    @classmethod
    def empty(cls) -> Slice:
        return cls(Counter(), {"active": Counter(), "ended": Counter()})


def _n(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def _within(consortium_id: int | None) -> list[ColumnElement[bool]]:
    """Stays placed through the consortium (all of the council's when ``None``)."""
    if consortium_id is None:
        return []
    return [
        Stay.allocation_id.in_(
            select(Allocation.id).where(Allocation.consortium_id == consortium_id)
        )
    ]


def _council_tally(session: Session, period: Period, on: date, consortium_id: int | None) -> Tally:
    """The counts of the council in scope (its admission sheets come later, from the hosts)."""
    start = period.start
    within = _within(consortium_id)
    in_care = [
        Stay.admitted_on <= on,
        or_(Stay.ended_on.is_(None), Stay.ended_on >= start),
        *within,
    ]
    active = or_(Stay.ended_on.is_(None), Stay.ended_on > on)
    ended = and_(Stay.ended_on.is_not(None), Stay.ended_on <= on)
    admitted = Stay.admitted_on >= start
    first_day = case((Stay.admitted_on > start, Stay.admitted_on), else_=literal(start))
    last_day = case((ended, Stay.ended_on), else_=literal(on))
    flagged = and_(admitted, PlacementRequest.outside_territory.is_(True))
    goal_with_date = (
        select(CarePlanGoal.id)
        .where(CarePlanGoal.plan_id == CarePlan.id, CarePlanGoal.due_on.is_not(None))
        .exists()
    )
    steps_done = (
        select(func.count(DischargeStep.id))
        .where(DischargeStep.stay_id == Stay.id, DischargeStep.step.in_(DISCHARGE_STEPS_REQUIRED))
        .scalar_subquery()
    )
    readmission = readmitted()
    tally = Tally()
    stays = session.execute(
        select(
            Stay.unit_id,
            func.count(Stay.id).label("in_care"),
            func.coalesce(func.sum(days_between(last_day, first_day) + 1), 0).label("stay_days"),
            _n(admitted).label("admitted"),
            _n(flagged).label("flagged"),
            _n(
                and_(flagged, ShelterUnit.host_tenant_id != PlacementProfile.anchor_tenant_id)
            ).label("flagged_outside"),
            _n(active).label("active"),
            _n(and_(active, CarePlan.main_goal.is_not(None), goal_with_date)).label("plan_goals"),
            _n(and_(active, CarePlan.next_review_on >= on)).label("review_current"),
            _n(and_(active, Stay.expected_end_on.is_not(None))).label("expected"),
            _n(and_(active, Stay.expected_end_on < on)).label("past_expected"),
            _n(ended).label("ended"),
            _n(and_(ended, steps_done == len(DISCHARGE_STEPS_REQUIRED))).label("steps_done"),
            _n(and_(admitted, readmission)).label("readmitted"),
        )
        .join(PlacementRequest, PlacementRequest.id == Stay.request_id)
        .join(PlacementProfile, PlacementProfile.id == PlacementRequest.profile_id)
        .join(ShelterUnit, ShelterUnit.id == Stay.unit_id)
        .outerjoin(CarePlan, CarePlan.stay_id == Stay.id)
        .where(*in_care)
        .group_by(Stay.unit_id)
    )
    _collect(tally, stays)

    in_period = StayContact.occurred_on >= start
    recent = StayContact.occurred_on > on - timedelta(days=HEARD_WINDOW_DAYS)
    contacts = session.execute(
        select(
            Stay.unit_id,
            _n(and_(in_period, StayContact.kind == "incident")).label("incidents"),
            func.count(
                distinct(case((and_(in_period, StayContact.kind == "community"), Stay.id)))
            ).label("community"),
            func.count(
                distinct(case((and_(active, recent, StayContact.kind == "heard"), Stay.id)))
            ).label("heard"),
            func.count(
                distinct(
                    case(
                        (
                            and_(active, recent, StayContact.kind.in_(("outing", "community"))),
                            Stay.id,
                        )
                    )
                )
            ).label("outings"),
        )
        .join(Stay, Stay.id == StayContact.stay_id)
        .where(
            *in_care,
            StayContact.occurred_on >= min(start, on - timedelta(days=HEARD_WINDOW_DAYS - 1)),
            StayContact.occurred_on <= on,
        )
        .group_by(Stay.unit_id)
    )
    _collect(tally, contacts)

    state = case((active, literal("active")), else_=literal("ended"))
    length = case(
        (active, days_between(literal(on), Stay.admitted_on)),
        else_=days_between(Stay.ended_on, Stay.admitted_on),
    )
    per_stay = (
        select(Stay.unit_id, state.label("state"), length.label("length"))
        .where(*in_care, or_(active, ended))
        .subquery()
    )
    for unit_id, stay_state, days, n in session.execute(
        select(per_stay.c.unit_id, per_stay.c.state, per_stay.c.length, func.count()).group_by(
            per_stay.c.unit_id, per_stay.c.state, per_stay.c.length
        )
    ):
        tally.days[(stay_state, unit_id, days)] += n

    reviews = session.execute(
        select(
            Stay.unit_id,
            func.count(CarePlanReview.id).label("reviews"),
            _n(CarePlanReview.plan_changed.is_(True)).label("reviews_changed"),
        )
        .join(CarePlan, CarePlan.id == CarePlanReview.plan_id)
        .join(Stay, Stay.id == CarePlan.stay_id)
        .where(CarePlanReview.reviewed_on >= start, CarePlanReview.reviewed_on <= on, *within)
        .group_by(Stay.unit_id)
    )
    _collect(tally, reviews)

    for unit_id, kind, n in session.execute(
        select(Stay.unit_id, StayBlocker.kind, func.count())
        .join(Stay, Stay.id == StayBlocker.stay_id)
        .where(
            *in_care,
            active,
            or_(StayBlocker.resolved_on.is_(None), StayBlocker.resolved_on > on),
            StayBlocker.created_at < datetime.combine(on + timedelta(days=1), time()),
        )
        .group_by(Stay.unit_id, StayBlocker.kind)
    ):
        tally.counts[(f"blockers:{kind}", unit_id)] += n

    follow_ups = session.execute(
        select(
            Stay.unit_id,
            func.count(FollowUpContact.id).label("follow_ups"),
            _n(
                and_(
                    FollowUpContact.done_on.is_not(None),
                    FollowUpContact.done_on <= FollowUpContact.due_on,
                )
            ).label("follow_ups_on_time"),
        )
        .join(Stay, Stay.id == FollowUpContact.stay_id)
        .where(FollowUpContact.due_on >= start, FollowUpContact.due_on <= on, *within)
        .group_by(Stay.unit_id)
    )
    _collect(tally, follow_ups)
    return tally


def _collect(tally: Tally, rows: Iterable[Any]) -> None:
    """Add rows of ``(unit_id, measure...)`` to the tally, by the rows' column names."""
    for row in rows:
        values = row._mapping
        for name, n in values.items():
            if name != "unit_id" and n:
                tally.counts[(name, row.unit_id)] += int(n)


def _add_sheets(
    session: Session,
    tallies: dict[int, Tally],
    hosts: Iterable[int],
    period: Period,
    on: date,
    consortium_id: int | None,
) -> None:
    """Ask each host council, in its own scope, how many admission sheets of the requesting
    councils' admissions carried health, medication and diet: counts only."""
    complete = and_(
        func.trim(AdmissionSheet.health) != "",
        func.trim(AdmissionSheet.medication) != "",
        func.trim(AdmissionSheet.diet) != "",
    )
    conditions = [
        PlacementProfile.requesting_tenant_id.in_(sorted(tallies)),
        AdmissionSheet.admitted_on >= period.start,
        AdmissionSheet.admitted_on <= on,
    ]
    if consortium_id is not None:
        conditions.append(Allocation.consortium_id == consortium_id)
    session.flush()  # nothing pending may be written from another council's scope
    for host in sorted(hosts):
        with tenant_scope(host):
            rows = session.execute(
                select(
                    PlacementProfile.requesting_tenant_id,
                    AdmissionSheet.unit_id,
                    func.count(AdmissionSheet.id),
                    _n(complete),
                )
                .join(Allocation, Allocation.id == AdmissionSheet.allocation_id)
                .join(PlacementProfile, PlacementProfile.id == Allocation.profile_id)
                .where(*conditions)
                .group_by(PlacementProfile.requesting_tenant_id, AdmissionSheet.unit_id)
            ).all()
        for council, unit_id, sheets, full in rows:
            tallies[council].counts[("sheets", unit_id)] += sheets
            tallies[council].counts[("sheets_complete", unit_id)] += full


@dataclass(frozen=True)
class UnitInfo:
    id: int
    name: str
    host_id: int
    host_name: str


def _units(session: Session, ids: Iterable[int]) -> dict[int, UnitInfo]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(ShelterUnit.id, ShelterUnit.name, Tenant.id, Tenant.name)
        .join(Tenant, Tenant.id == ShelterUnit.host_tenant_id)
        .where(ShelterUnit.id.in_(wanted))
    )
    return {r[0]: UnitInfo(*r) for r in rows}


def _hosts_of_admissions(tallies: Iterable[Tally], units: dict[int, UnitInfo]) -> set[int]:
    return {
        units[unit].host_id
        for tally in tallies
        for (measure, unit), n in tally.counts.items()
        if measure == "admitted" and n and unit in units
    }


# --- what the page shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str  # the value: "42,9 %", "3", "—"
    detail: str = ""  # how it was reached: "3 / 7", "2 incidentes / 917 dias"


Compute = Callable[[Slice, bool], Cell]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any
    definition: Any
    compute: Compute


@dataclass(frozen=True)
class Dimension:
    key: str
    title: Any
    indicators: tuple[Indicator, ...]


def _hidden(n: int, hide: bool) -> bool:
    return hide and n in SMALL


def _shown(n: int, hide: bool) -> str:
    return "<5" if _hidden(n, hide) else format_decimal(n)


def _stays(n: int, hide: bool) -> str:
    if _hidden(n, hide):
        return _("<5 acolhimentos")
    return ngettext("%(num)d acolhimento", "%(num)d acolhimentos", n)


def _incidents(n: int, hide: bool) -> str:
    if _hidden(n, hide):
        return _("<5 incidentes")
    return ngettext("%(num)d incidente", "%(num)d incidentes", n)


def _share(numerator: str, denominator: str) -> Compute:
    def compute(s: Slice, hide: bool) -> Cell:
        num, den = s.counts[numerator], s.counts[denominator]
        detail = f"{_shown(num, hide)} / {_shown(den, hide)}"
        if not den or _hidden(num, hide) or _hidden(den, hide):
            return Cell("—", detail)
        return Cell(format_percent(num / den, "#,##0.0 %"), detail)

    return compute


def _per_thousand_days(numerator: str) -> Compute:
    def compute(s: Slice, hide: bool) -> Cell:
        num, days, stays = s.counts[numerator], s.counts["stay_days"], s.counts["in_care"]
        if _hidden(num, hide) or _hidden(stays, hide):
            # the days of a few stays would tell their lengths
            return Cell("—", f"{_incidents(num, hide)} · {_stays(stays, hide)}")
        detail = _(
            "%(incidents)s / %(days)s dias",
            incidents=_incidents(num, hide),
            days=format_decimal(days),
        )
        if not days:
            return Cell("—", detail)
        return Cell(format_decimal(num * 1000 / days, "#,##0.0"), detail)

    return compute


def _count(measure: str) -> Compute:
    def compute(s: Slice, hide: bool) -> Cell:
        return Cell(_shown(s.counts[measure], hide))

    return compute


def _median(lengths: Counter[int]) -> float:
    ordered = sorted(lengths.items())
    total = sum(lengths.values())
    middle = {(total - 1) // 2, total // 2}  # one index when odd, two when even
    picked: list[int] = []
    seen = 0
    for length, n in ordered:
        picked.extend(length for i in middle if seen <= i < seen + n)
        seen += n
    return sum(picked) / len(picked)


def _days_in_care(state: str) -> Compute:
    def compute(s: Slice, hide: bool) -> Cell:
        lengths = s.days[state]
        stays = sum(lengths.values())
        detail = _stays(stays, hide)
        if not stays or _hidden(stays, hide):
            return Cell("—", detail)
        mean = sum(length * n for length, n in lengths.items()) / stays
        text = _(
            "mediana %(median)s · média %(mean)s",
            median=format_decimal(_median(lengths), "#,##0.#"),
            mean=format_decimal(mean, "#,##0.#"),
        )
        return Cell(text, detail)

    return compute


def _blockers(s: Slice, hide: bool) -> Cell:
    by_kind = [
        (label, s.counts[f"blockers:{kind}"])
        for kind, label in BLOCKER_KIND.items()
        if s.counts[f"blockers:{kind}"]
    ]
    total = sum(n for _label, n in by_kind)
    return Cell(
        _shown(total, hide), " · ".join(f"{label}: {_shown(n, hide)}" for label, n in by_kind)
    )


DIMENSIONS = (
    Dimension(
        "safety",
        _l("Segurança e proteção"),
        (
            Indicator(
                "incident_rate",
                _l("Incidentes por 1000 dias de acolhimento"),
                _l(
                    "Contactos do tipo «incidente» registados no período, a dividir pelos dias "
                    "de acolhimento no período (de cada entrada à saída, inclusive, ou até ao "
                    "dia de referência), vezes 1000."
                ),
                _per_thousand_days("incidents"),
            ),
            Indicator(
                "safety_outside",
                _l("Acolhimentos com risco de perseguição colocados fora do território"),
                _l(
                    "Entradas no período cujo pedido exigia local fora do território: as que "
                    "ficaram numa unidade de outro município que não o de referência da pessoa."
                ),
                _share("flagged_outside", "flagged"),
            ),
        ),
    ),
    Dimension(
        "daily_care",
        _l("Cuidado quotidiano"),
        (
            Indicator(
                "sheets_complete",
                _l("Fichas de admissão com saúde, medicação e alimentação"),
                _l(
                    "Fichas de admissão das entradas no período (contadas no município que "
                    "acolhe) com os três campos preenchidos, sobre todas essas fichas."
                ),
                _share("sheets_complete", "sheets"),
            ),
            Indicator(
                "community",
                _l("Acolhimentos com contacto com a comunidade (escola, saúde)"),
                _l(
                    "Acolhimentos em curso em algum dia do período com pelo menos um contacto "
                    "«comunidade (escola, saúde, vizinhança)» registado no período."
                ),
                _share("community", "in_care"),
            ),
        ),
    ),
    Dimension(
        "rights",
        _l("Direitos e participação"),
        (
            Indicator(
                "heard",
                _l("Pessoas acolhidas ouvidas nos últimos 90 dias"),
                _l(
                    "Acolhimentos ativos no dia de referência com uma audição da pessoa "
                    "registada nos 90 dias até esse dia, sobre os acolhimentos ativos."
                ),
                _share("heard", "active"),
            ),
            Indicator(
                "outings",
                _l("Saídas ou contactos com a comunidade nos últimos 90 dias"),
                _l(
                    "Acolhimentos ativos no dia de referência com uma saída programada ou um "
                    "contacto com a comunidade nos 90 dias até esse dia, sobre os ativos."
                ),
                _share("outings", "active"),
            ),
        ),
    ),
    Dimension(
        "technical_work",
        _l("Trabalho técnico"),
        (
            Indicator(
                "plan_goals",
                _l("PIA/PIF com objetivo principal e metas com prazo"),
                _l(
                    "Acolhimentos ativos cujo plano tem objetivo principal e pelo menos uma "
                    "meta com prazo, sobre os acolhimentos ativos (sem plano conta como não)."
                ),
                _share("plan_goals", "active"),
            ),
            Indicator(
                "review_current",
                _l("Reavaliação do plano em dia"),
                _l(
                    "Acolhimentos ativos cujo plano tem a próxima reavaliação marcada para o "
                    "dia de referência ou depois, sobre os acolhimentos ativos."
                ),
                _share("review_current", "active"),
            ),
            Indicator(
                "reviews_changed",
                _l("Reavaliações que mudaram o plano"),
                _l("Reavaliações feitas no período que alteraram o plano, sobre todas elas."),
                _share("reviews_changed", "reviews"),
            ),
        ),
    ),
    Dimension(
        "length",
        _l("Tempo de acolhimento"),
        (
            Indicator(
                "days_active",
                _l("Dias em acolhimento: acolhimentos ativos"),
                _l(
                    "Dias desde a entrada até ao dia de referência, dos acolhimentos ativos "
                    "nesse dia: mediana e média."
                ),
                _days_in_care("active"),
            ),
            Indicator(
                "days_ended",
                _l("Dias em acolhimento: acolhimentos terminados no período"),
                _l("Dias da entrada à saída dos acolhimentos terminados no período."),
                _days_in_care("ended"),
            ),
            Indicator(
                "past_expected",
                _l("Acolhimentos acima da duração prevista da modalidade"),
                _l(
                    "Acolhimentos ativos cuja data prevista de fim (entrada mais a duração "
                    "prevista da modalidade) já passou, sobre os ativos com duração prevista."
                ),
                _share("past_expected", "expected"),
            ),
            Indicator(
                "blockers",
                _l("Pendências abertas, por tipo"),
                _l("Pendências por resolver no dia de referência, dos acolhimentos ativos."),
                _blockers,
            ),
        ),
    ),
    Dimension(
        "exits",
        _l("Saídas e pós-desligamento"),
        (
            Indicator(
                "discharges",
                _l("Desligamentos no período"),
                _l("Acolhimentos terminados entre o início do período e o dia de referência."),
                _count("ended"),
            ),
            Indicator(
                "steps_done",
                _l("Desligamentos com os passos 1 a 4 registados"),
                _l(
                    "Desligamentos no período com registo da segurança confirmada, do plano "
                    "pós-desligamento, da continuidade de serviços e da entrega de documentos."
                ),
                _share("steps_done", "ended"),
            ),
            Indicator(
                "follow_ups_on_time",
                _l("Contactos pós-desligamento feitos até à data prevista"),
                _l(
                    "Contactos de acompanhamento com data prevista no período (até ao dia de "
                    "referência) feitos nessa data ou antes, sobre todos esses contactos."
                ),
                _share("follow_ups_on_time", "follow_ups"),
            ),
            Indicator(
                "readmitted",
                _l("Reacolhimentos até 12 meses após um desligamento"),
                _l(
                    "Entradas no período que retomam um acolhimento terminado 365 dias antes "
                    "ou menos, sobre todas as entradas no período."
                ),
                _share("readmitted", "admitted"),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class Row:
    label: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Report:
    period: Period
    reference: date
    total: dict[str, Cell]
    units: list[Row]
    councils: list[Row]  # the consortium's members; empty on a council's page
    suppressed: bool  # the "<5" rule applies to the unit and council rows


def _cells(s: Slice, hide: bool) -> dict[str, Cell]:
    return {i.key: i.compute(s, hide) for d in DIMENSIONS for i in d.indicators}


def _unit_rows(
    tally: Tally, units: dict[int, UnitInfo], *, hide: bool, with_host: bool
) -> list[Row]:
    rows = []
    slices = tally.by_unit()
    for unit_id in tally.units():
        info = units.get(unit_id)
        name = info.name if info else str(unit_id)
        if with_host and info:
            name = f"{name} ({info.host_name})"
        rows.append(Row(name, _cells(slices[unit_id], hide)))
    return sorted(rows, key=lambda r: r.label)


def council_report(session: Session, tenant: Tenant, period: Period) -> Report:
    """The council's indicators, with a row per unit its stays were in."""
    on = period.reference(today())
    tally = _council_tally(session, period, on, None)
    tallies = {tenant.id: tally}
    units = _units(session, tally.units())
    hosts = _hosts_of_admissions(tallies.values(), units)
    _add_sheets(session, tallies, hosts, period, on, None)
    units.update(_units(session, tally.units() - units.keys()))
    return Report(
        period,
        on,
        _cells(tally.slice(), False),
        _unit_rows(tally, units, hide=False, with_host=True),
        [],
        suppressed=False,
    )


def consortium_report(
    session: Session, consortium: Consortium, period: Period, *, unit_rows: bool = True
) -> Report:
    """The consortium's indicators: each member council counted in its own scope, then added
    up; unit and council rows hide counts between 1 and 4. Without ``unit_rows`` (a report
    that shows the councils only) the units' rows are left empty."""
    on = period.reference(today())
    members = sorted(consortium.members, key=lambda t: t.name)
    tallies: dict[int, Tally] = {}
    session.flush()
    for member in members:
        with tenant_scope(member.id):
            tallies[member.id] = _council_tally(session, period, on, consortium.id)
    units = _units(session, set().union(*(t.units() for t in tallies.values())))
    hosts = _hosts_of_admissions(tallies.values(), units)
    if tallies:
        _add_sheets(session, tallies, hosts, period, on, consortium.id)
    total = Tally()
    for tally in tallies.values():
        total.add(tally)
    units.update(_units(session, total.units() - units.keys()))
    return Report(
        period,
        on,
        _cells(total.slice(), False),
        _unit_rows(total, units, hide=True, with_host=True) if unit_rows else [],
        [Row(m.name, _cells(tallies[m.id].slice(), True)) for m in members],
        suppressed=True,
    )


# --- the hub pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilOverview:
    open_requests: int
    active_stays: int
    prolonged_stays: int


def council_overview(session: Session, on: date) -> CouncilOverview:
    """The council's open requests, active stays and prolonged stays (those that reached
    their expected end: the board's and the warning sign's definition)."""
    open_requests = session.scalar(
        select(func.count(PlacementRequest.id)).where(PlacementRequest.status == RequestStatus.OPEN)
    )
    active, prolonged = session.execute(
        select(
            func.count(Stay.id),
            _n(and_(Stay.expected_end_on.is_not(None), Stay.expected_end_on <= on)),
        ).where(Stay.status == StayStatus.ACTIVE)
    ).one()
    return CouncilOverview(open_requests or 0, active, prolonged)


def hosted_units_count(session: Session, tenant_id: int) -> int:
    return (
        session.scalar(
            select(func.count(ShelterUnit.id)).where(
                ShelterUnit.host_tenant_id == tenant_id, ShelterUnit.active.is_(True)
            )
        )
        or 0
    )


@dataclass(frozen=True)
class UnitWork:
    unit: ShelterUnit
    pending_offers: int  # offers waiting for the unit's answer
    residents: int  # admitted stays


def unit_work(session: Session, units: list[ShelterUnit]) -> list[UnitWork]:
    """For each unit its staff run: offers to answer and current residents (one query)."""
    if not units:
        return []
    now = utcnow()
    counts = {
        unit_id: (pending, residents)
        for unit_id, pending, residents in session.execute(
            select(
                Allocation.unit_id,
                _n(
                    and_(Allocation.status == AllocationStatus.OFFERED, Allocation.expires_at > now)
                ),
                _n(Allocation.status == AllocationStatus.ADMITTED),
            )
            .where(
                Allocation.unit_id.in_([u.id for u in units]),
                Allocation.status.in_((AllocationStatus.OFFERED, AllocationStatus.ADMITTED)),
            )
            .group_by(Allocation.unit_id)
        )
    }
    return [UnitWork(u, *counts.get(u.id, (0, 0))) for u in units]


@dataclass(frozen=True)
class DeskOverview:
    queue_by_risk: list[tuple[str, str, int, int]]  # (risk, label, waiting, offered)
    offers_waiting: int  # offers the units have not answered yet
    accepted_waiting: int  # accepted, waiting for the admission


def desk_overview(session: Session, consortium_id: int) -> DeskOverview:
    """The desk's queue by risk and the offers still open (two aggregate queries)."""
    found: dict[tuple[str, str], int] = {
        (risk, status): n
        for risk, status, n in session.execute(
            select(PlacementProfile.risk, PlacementProfile.status, func.count())
            .where(
                PlacementProfile.consortium_id == consortium_id,
                PlacementProfile.status.in_(OPEN_PROFILE_STATUSES),
            )
            .group_by(PlacementProfile.risk, PlacementProfile.status)
        )
    }
    offers = dict(
        session.execute(
            select(Allocation.status, func.count())
            .where(
                Allocation.consortium_id == consortium_id,
                Allocation.status.in_((AllocationStatus.OFFERED, AllocationStatus.ACCEPTED)),
            )
            .group_by(Allocation.status)
        ).all()
    )
    return DeskOverview(
        [
            (risk, str(label), found.get((risk, "waiting"), 0), found.get((risk, "offered"), 0))
            for risk, label in RISK.items()
        ],
        offers.get(AllocationStatus.OFFERED, 0),
        offers.get(AllocationStatus.ACCEPTED, 0),
    )
