"""The anonymised indicators dataset of a council or a consortium for a period: one row per
figure, in machine codes (:mod:`teia.reports.dataset_catalog`), with small numbers hidden.

Each council is counted in its own scope from the same measures as its report
(:func:`teia.reports.measures.measure`) into a :class:`Tally` of additive counts and
histograms of days; a consortium's own rows are the sum of its councils' tallies. No name
leaves a council: categories are codes (areas, age bands, support types, the parish's name
as a code, the type of a partner, never the partner), and staff appear only as a count.

Unlike a council's own report, the dataset leaves the council, so every count of 1 to 4
people is hidden even for one council, with the figures resting on it and a complement where
a sum would reveal it (:mod:`teia.reports.suppression`). A council's rows are the same in its
own dataset and in its consortium's.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.core.tenancy import tenant_scope
from teia.reports.council import period_text
from teia.reports.dataset_catalog import (
    APPLICATION_STATUSES,
    BY_CODE,
    COLUMNS,
    CONSORTIUM_BREAKDOWNS,
    CURRENCIES,
    INDICATOR_SUMS,
    INDICATORS,
    OTHER_PARISH,
    SCHEMA_VERSION,
    TOTAL,
    Breakdown,
    TerritoryType,
    Unit,
    category_labels,
)
from teia.reports.figures import Cell, Report, Section, Table
from teia.reports.measures import STATES, UNKNOWN, CouncilMeasures, measure
from teia.reports.stats import mean, median
from teia.reports.suppression import Sum, hidden_with_parts, suppress
from teia.tenants.models import Consortium, Organization, Tenant

Progress = Callable[[int, str], None]
Key = tuple[str, str, str]  # indicator, breakdown, category
Number = int | Decimal
Value = int | Decimal | float | None
CENT = Decimal("0.01")
N, AREA, AGE_BAND, PARISH = "none", "area", "age_band", "parish"
SUPPORT_TYPE, STATUS, OUTCOME, PARTNER_TYPE = (
    "support_type",
    "application_status",
    "decision_outcome",
    "partner_type",
)


@dataclass
class Tally:
    """What a territory's figures are computed from; a consortium's is the sum of its
    councils' (:meth:`add`)."""

    counts: dict[Key, Number] = field(default_factory=dict)  # counts and amounts
    # (family, breakdown, category): "stay_days" gives "stay_days_median" and "stay_days_mean"
    days: dict[Key, Counter[int]] = field(default_factory=dict)
    fixed: dict[Key, int] = field(default_factory=dict)  # a council's own settings

    def count(self, key: Key, value: Number) -> None:
        self.counts[key] = self.counts.get(key, 0) + value

    def histogram(self, key: Key, values: Counter[int]) -> None:
        self.days.setdefault(key, Counter()).update(values)

    def add(self, other: Tally) -> None:
        for key, value in other.counts.items():
            if _in_consortium(key):
                self.count(key, value)
        for key, values in other.days.items():
            if _in_consortium(key):
                self.histogram(key, values)


@dataclass(frozen=True)
class Territory:
    type: TerritoryType
    code: str  # the council's official code (DTMN, IBGE) or the consortium's slug
    currency: str


def _in_consortium(key: Key) -> bool:
    indicator = BY_CODE.get(key[0])
    return Breakdown(key[1]) in CONSORTIUM_BREAKDOWNS and (
        indicator is None or indicator.consortium
    )


# --- counting a council ------------------------------------------------------------------


def parish_code(name: str, listed: Iterable[str]) -> str:
    """The parish as a code: its name lower-cased, without accents, ``_`` between words;
    ``unknown`` when none is recorded, ``other`` when it is not one of the council's."""
    if not name:
        return UNKNOWN
    if name not in listed:
        return OTHER_PARISH
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
    ).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or OTHER_PARISH


def _money(amount: Decimal | float | int | None) -> Decimal:
    return Decimal(str(amount or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def council_tally(session: Session, tenant: Tenant, start: date, end: date) -> Tally:
    """The council's counts for the period; call in its scope."""
    m = measure(session, tenant, start, end)
    t = Tally()
    _cases(t, m, tenant)
    _applications(t, m)
    _referrals(t, m, _partner_types(session, m.referrals))
    t.count(("cases_with_overdue_actions", N, TOTAL), m.overdue_cases)
    t.count(("overdue_actions", N, TOTAL), m.overdue_actions)
    t.count(("case_managers", N, TOTAL), len(m.caseload))
    t.count(("caseload_households", N, TOTAL), sum(h for _name, _n, h in m.caseload.values()))
    t.fixed[("caseload_target", N, TOTAL)] = m.caseload_target
    for key, n in m.stays.items():
        t.count((f"stays_{key}", N, TOTAL), n)
    t.histogram(("stay_days", N, TOTAL), m.stay_days)
    t.count(("shelter_places", N, TOTAL), m.places)
    t.count(("shelter_places_occupied", N, TOTAL), m.occupied)
    return t


def _cases(t: Tally, m: CouncilMeasures, tenant: Tenant) -> None:
    parishes = {parish_code(name, tenant.parishes) for name in tenant.parishes}
    for state in STATES:
        t.count((f"cases_{state}", N, TOTAL), m.cases[state])
        t.count((f"households_{state}", N, TOTAL), m.households[state])
        t.count((f"people_{state}", N, TOTAL), m.people[state])
        for area, counts in m.by_area.items():
            t.count((f"cases_{state}", AREA, area), counts[state])
        for band, counts in m.by_age.items():
            t.count((f"people_{state}", AGE_BAND, band), counts[state])
        for parish in sorted(parishes):
            t.count((f"cases_{state}", PARISH, parish), 0)
        for name, counts in m.by_parish.items():
            code = parish_code(name, tenant.parishes)
            t.count((f"cases_{state}", PARISH, code), counts[state])


def _applications(t: Tally, m: CouncilMeasures) -> None:
    t.count(("applications", N, TOTAL), sum(m.by_status.values()))
    for code in APPLICATION_STATUSES:
        t.count(("applications", STATUS, code), m.by_status.get(code, 0))
    for kind in sorted(set(m.by_support) | set(m.paid_by_support)):
        n, requested, approved = m.by_support.get(kind, (0, 0, 0))
        paid_n, paid = m.paid_by_support.get(kind, (0, 0))
        for code, value in (
            ("applications", n),
            ("amount_requested", _money(requested)),
            ("amount_approved", _money(approved)),
            ("applications_paid", paid_n),
            ("amount_paid", _money(paid)),
        ):
            t.count((code, SUPPORT_TYPE, kind), value)
            if code.startswith("amount_"):
                t.count((code, N, TOTAL), value)
    for code in ("amount_requested", "amount_approved", "amount_paid"):
        t.count((code, N, TOTAL), Decimal("0.00"))
    t.count(("applications_paid", N, TOTAL), m.paid_applications)
    t.count(("decisions", N, TOTAL), sum(m.decisions.values()))
    for outcome in sorted(set(category_labels()[Breakdown.DECISION_OUTCOME]) | set(m.decisions)):
        t.count(("decisions", OUTCOME, outcome), m.decisions.get(outcome, 0))
    t.histogram(("decision_days", N, TOTAL), m.days_to_decision)
    t.count(("first_payments", N, TOTAL), sum(m.days_to_payment.values()))
    t.histogram(("payment_days", N, TOTAL), m.days_to_payment)


def _partner_types(session: Session, referrals: dict[int, object]) -> dict[int, str]:
    if not referrals:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.type_code).where(Organization.id.in_(referrals))
    )
    return {org_id: type_code for org_id, type_code in rows}


def _referrals(t: Tally, m: CouncilMeasures, types: dict[int, str]) -> None:
    for code in ("made", "accepted", "refused", "pending", "cancelled", "answered"):
        t.count((f"referrals_{code}", N, TOTAL), 0)
    t.histogram(("referral_response_days", N, TOTAL), Counter())
    for org_id, (_name, made, accepted, refused, pending) in m.referrals.items():
        answered = m.response_days.get(org_id, Counter())
        kind = types[org_id]
        for code, n in (
            ("made", made),
            ("accepted", accepted),
            ("refused", refused),
            ("pending", pending),
            ("cancelled", made - accepted - refused - pending),
            ("answered", sum(answered.values())),
        ):
            t.count((f"referrals_{code}", N, TOTAL), n)
            t.count((f"referrals_{code}", PARTNER_TYPE, kind), n)
        t.histogram(("referral_response_days", N, TOTAL), answered)
        t.histogram(("referral_response_days", PARTNER_TYPE, kind), answered)


# --- figures and what to hide -------------------------------------------------------------


def figures(t: Tally) -> dict[Key, Value]:
    """Every figure of a tally: its counts and amounts, the medians and means of its days,
    the occupancy rate and the mean caseload."""
    out: dict[Key, Value] = {**t.counts, **t.fixed}
    for (family, breakdown, category), days in t.days.items():
        out[(f"{family}_median", breakdown, category)] = median(days)
        out[(f"{family}_mean", breakdown, category)] = mean(days)
    places = t.counts.get(("shelter_places", N, TOTAL), 0)
    occupied = t.counts.get(("shelter_places_occupied", N, TOTAL), 0)
    out[("shelter_occupancy_percent", N, TOTAL)] = (
        round(100 * float(occupied) / float(places), 1) if places else None
    )
    managers = t.counts.get(("case_managers", N, TOTAL), 0)
    households = t.counts.get(("caseload_households", N, TOTAL), 0)
    out[("caseload_households_mean", N, TOTAL)] = (
        round(float(households) / float(managers), 1) if managers else None
    )
    return out


def _sums(keys: Iterable[Key]) -> list[Sum]:
    """The additive relations among ``keys``: a partition's categories add up to the total,
    and the referrals made are those accepted, refused, pending or cancelled."""
    keys = list(keys)
    out = []
    for indicator in INDICATORS:
        if indicator.partition is None:
            continue
        parts = tuple(k for k in keys if k[0] == indicator.code and k[1] == indicator.partition)
        if parts:
            out.append(Sum((indicator.code, N, TOTAL), parts))
    for total, parts in INDICATOR_SUMS:
        for _code, breakdown, category in (k for k in keys if k[0] == total):
            out.append(
                Sum((total, breakdown, category), tuple((p, breakdown, category) for p in parts))
            )
    return out


def hidden_cells(
    values: dict[Key, Value], *, within: bool = True, hidden: Iterable[Key] = ()
) -> set[Key]:
    """The cells of one territory to hide (``within``: protect its own sums as well)."""
    return suppress(
        values,
        people=[k for k in values if BY_CODE[k[0]].people],
        rests_on={
            k: (base, k[1], k[2]) for k in values if (base := BY_CODE[k[0]].base) is not None
        },
        sums=_sums(values) if within else [],
        hidden=hidden,
    )


# --- rows ---------------------------------------------------------------------------------


def _ordered(values: dict[Key, Value]) -> list[Key]:
    """The catalogue's order: indicator, breakdown, then the breakdown's categories (fixed
    order, or alphabetical with ``unknown`` and ``other`` last)."""
    position = {
        i.code: (n, {b.value: m for m, b in enumerate(i.breakdowns)})
        for n, i in enumerate(INDICATORS)
    }
    fixed = {b.value: list(codes) for b, codes in category_labels().items()}

    def sort_key(key: Key) -> tuple[int, int, int, bool, str]:
        n, breakdowns = position[key[0]]
        order = fixed.get(key[1], [])
        return (
            n,
            breakdowns[key[1]],
            order.index(key[2]) if key[2] in order else len(order),
            key[2] in (UNKNOWN, OTHER_PARISH),
            key[2],
        )

    return sorted(values, key=sort_key)


def _value(value: Value, unit: Unit) -> Cell:
    if value is None:
        return None
    if unit == Unit.COUNT:
        return int(value)
    return float(value)


def rows(
    territory: Territory,
    values: dict[Key, Value],
    hidden: set[Key],
    start: date,
    end: date,
) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    for key in _ordered(values):
        indicator = BY_CODE[key[0]]
        secret = key in hidden
        out.append(
            [
                SCHEMA_VERSION,
                start.isoformat(),
                end.isoformat(),
                territory.type.value,
                territory.code,
                *key,
                territory.currency if indicator.unit == Unit.MONEY else indicator.unit.value,
                None if secret else _value(values[key], indicator.unit),
                secret,
            ]
        )
    return out


def _report(name: str, start: date, end: date, table_rows: list[list[Cell]]) -> Report:
    table = Table(
        "dataset",
        _("Indicadores anonimizados: uma linha por valor"),
        list(COLUMNS),
        table_rows,
        note=_(
            "Códigos estáveis, descritos no esquema JSON que acompanha os dados. Contagens de "
            "1 a 4 pessoas, os valores calculados a partir delas e os que permitiriam "
            "deduzi-las de um total ficam vazios, com suppressed = true."
        ),
    )
    return Report(
        title=_("Dados anonimizados de indicadores"),
        subtitle=f"{name} · {period_text(start, end)}",
        sections=[Section("dataset", _("Dados"), [table])],
    )


def _council_territory(tenant: Tenant) -> Territory:
    return Territory(TerritoryType.COUNCIL, tenant.official_code, CURRENCIES[tenant.country])


def council_dataset(
    session: Session,
    council_id: int,
    start: date,
    end: date,
    *,
    progress: Progress = lambda p, s: None,
) -> Report:
    """The council's dataset: its own rows, counted in its scope."""
    tenant = session.get(Tenant, council_id)
    if tenant is None:
        raise LookupError(council_id)
    progress(10, _("Casos, candidaturas e encaminhamentos"))
    with tenant_scope(council_id):
        values = figures(council_tally(session, tenant, start, end))
    progress(80, _("Anonimização"))
    table_rows = rows(_council_territory(tenant), values, hidden_cells(values), start, end)
    return _report(tenant.official_name, start, end, table_rows)


def consortium_dataset(
    session: Session,
    consortium_id: int,
    start: date,
    end: date,
    *,
    progress: Progress = lambda p, s: None,
) -> Report:
    """The consortium's dataset: each member council's rows, as in its own dataset, then
    the consortium's, hidden wherever a council's cell that adds up to it is."""
    consortium = session.get(Consortium, consortium_id)
    if consortium is None:
        raise LookupError(consortium_id)
    members = sorted(consortium.members, key=lambda t: t.official_code)
    session.flush()
    total = Tally()
    table_rows: list[list[Cell]] = []
    council_hidden: list[set[Key]] = []
    for i, member in enumerate(members):
        progress(5 + 75 * i // max(len(members), 1), member.name)
        with tenant_scope(member.id):
            tally = council_tally(session, member, start, end)
        total.add(tally)
        values = figures(tally)
        council_hidden.append(hidden := hidden_cells(values))
        table_rows += rows(_council_territory(member), values, hidden, start, end)
    progress(85, _("Anonimização"))
    values = figures(total)
    hidden = hidden_cells(values, within=False, hidden=hidden_with_parts(values, council_hidden))
    territory = Territory(TerritoryType.CONSORTIUM, consortium.slug, CURRENCIES[consortium.country])
    table_rows += rows(territory, values, hidden, start, end)
    return _report(consortium.official_name, start, end, table_rows)
