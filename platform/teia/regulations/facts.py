"""What the engine reads (a household as declared, a support request, reference values) and
what it returns (an evaluation with every figure and the article it rests on). Plain frozen
dataclasses with ``Decimal`` money: no ORM, no Flask, no pydantic."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

Period = Literal["monthly", "annual"]
DebtStatus = Literal["none", "in_resolution", "owing"]
Outcome = Literal["eligible", "not_eligible", "awaiting_evidence"]
ConditionStatus = Literal["passed", "failed", "waived", "awaiting_evidence"]
ExpenseStatus = Literal["deducted", "capped", "not_deductible", "awaiting_evidence"]
ItemStatus = Literal["allowed", "awaiting_evidence", "not_eligible", "not_provided"]


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    age: int
    relationship: str
    applicant: bool = False
    disabled: bool = False
    dependent: bool = False
    emancipated: bool = False
    unemployed: bool = False


@dataclass(frozen=True, slots=True)
class Income:
    source: str
    amount: Decimal
    period: Period


@dataclass(frozen=True, slots=True)
class Expense:
    kind: str
    monthly_amount: Decimal


@dataclass(frozen=True, slots=True)
class HouseholdSnapshot:
    """The household as declared; ``None`` marks a fact not yet known."""

    members: tuple[Member, ...]
    incomes: tuple[Income, ...] = ()
    expenses: tuple[Expense, ...] = ()
    residence_months: int | None = None
    debts_to_council: DebtStatus | None = None
    other_support_same_purpose: bool | None = None
    social_emergency: bool = False
    assets: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a household has at least one member")


@dataclass(frozen=True, slots=True)
class RequestItem:
    support_type: str
    amount: Decimal | None = None
    quotes: tuple[Decimal, ...] = ()
    units: int | None = None

    def __post_init__(self) -> None:
        if (self.amount is not None and self.amount < 0) or any(q < 0 for q in self.quotes):
            raise ValueError("amounts and quotes are zero or more")
        if self.units is not None and self.units < 0:
            raise ValueError("units are zero or more")


@dataclass(frozen=True, slots=True)
class SupportRequest:
    items: tuple[RequestItem, ...] = ()
    waivers: Mapping[str, str] = field(default_factory=dict)  # condition id -> justification
    evidence: frozenset[str] = frozenset()  # document codes received
    paid_this_year: Mapping[str, Decimal] = field(default_factory=dict)  # support type -> paid
    payment_method: str | None = None  # bank_transfer | cash | supplier, when chosen


@dataclass(frozen=True, slots=True)
class ReferencePoint:
    """One published value: ``amount`` of ``name`` from ``valid_from`` on."""

    name: str
    valid_from: date
    amount: Decimal
    source: str = ""
    override: bool = False  # a council's (or a regulation's) own value


class MissingReferenceValue(LookupError):
    """No value of a reference (social pension, IAS, ...) is known on a date."""


class ReferenceTable:
    """Reference values by date for one council: the national catalogue plus overrides.

    On a date the point with the latest ``valid_from`` not after it applies; on equal dates
    an override wins over the national value.
    """

    __slots__ = ("_dates", "_points")

    def __init__(self, points: Iterable[ReferencePoint]) -> None:
        by_name: dict[str, list[ReferencePoint]] = {}
        for point in points:
            by_name.setdefault(point.name, []).append(point)
        self._points: dict[str, list[ReferencePoint]] = {}
        self._dates: dict[str, list[date]] = {}
        for name, found in by_name.items():
            ordered = sorted(found, key=lambda p: (p.valid_from, p.override))
            self._points[name] = ordered
            self._dates[name] = [p.valid_from for p in ordered]

    def with_overrides(self, overrides: Iterable[ReferencePoint]) -> ReferenceTable:
        extra = [dataclasses.replace(p, override=True) for p in overrides]
        return ReferenceTable([p for found in self._points.values() for p in found] + extra)

    def point(self, name: str, on: date) -> ReferencePoint:
        dates = self._dates.get(name)
        index = bisect.bisect_right(dates, on) if dates else 0
        if not index:
            raise MissingReferenceValue(f"no value of {name} in force on {on.isoformat()}")
        return self._points[name][index - 1]

    def value(self, name: str, on: date) -> Decimal:
        return self.point(name, on).amount


# --- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncomeLine:
    source: str
    period: Period
    amount: Decimal
    annual_amount: Decimal
    counted: bool


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    kind: str
    monthly_amount: Decimal
    deducted_monthly: Decimal  # what counts once the evidence is in (0 if not deductible)
    status: ExpenseStatus
    cap: Decimal | None
    evidence: str | None
    article: str | None


@dataclass(frozen=True, slots=True)
class PerCapita:
    """Monthly per-capita income and how it was reached.

    ``value`` counts only expenses whose evidence was received; ``value_if_evidenced`` also
    counts those still awaiting it (equal when nothing is pending).
    """

    value: Decimal
    value_if_evidenced: Decimal
    formula: str
    article: str
    income_article: str
    expenses_article: str
    annual_income: Decimal
    annual_expenses: Decimal
    annual_expenses_if_evidenced: Decimal
    members: int
    weighted_members: Decimal
    adults: int
    minors: int
    incomes: tuple[IncomeLine, ...]
    expenses: tuple[ExpenseLine, ...]


@dataclass(frozen=True, slots=True)
class ReferenceUsed:
    name: str
    valid_from: date
    amount: Decimal
    source: str
    override: bool


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    rule: str
    value: Decimal
    references: tuple[ReferenceUsed, ...]
    per_capita: Decimal
    status: ConditionStatus  # passed | failed | awaiting_evidence (expense evidence pending)
    article: str


@dataclass(frozen=True, slots=True)
class ConditionResult:
    id: str
    kind: str
    article: str
    status: ConditionStatus
    detail: str  # a code: met, below_minimum, unknown_fact, evidence_missing, owing, ...
    required: str | None = None
    actual: str | None = None
    missing_evidence: tuple[str, ...] = ()
    waiver_article: str | None = None
    waiver_justification: str | None = None
    waiver_refused: str | None = None  # not_allowed | not_applicable | justification_missing


@dataclass(frozen=True, slots=True)
class Bound:
    """The cap that set an allowed amount: its code, article, amount and how it was reached."""

    code: str  # lowest_quote, max_units, per_unit, per_application, per_year, household_year
    article: str
    amount: Decimal
    text: str


@dataclass(frozen=True, slots=True)
class ItemResult:
    support_type: str
    label: str
    article: str
    requested: Decimal
    basis: Decimal
    allowed: Decimal
    bound_by: Bound | None
    status: ItemStatus
    detail: str  # within_caps, capped, evidence_missing, quotes_missing, units_missing, ...
    units_requested: int | None = None
    units_allowed: int | None = None
    missing_evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CapLine:
    code: str  # base, per_adult, per_minor, raise:<flag>, max
    article: str
    amount: Decimal
    text: str


@dataclass(frozen=True, slots=True)
class HouseholdCap:
    amount: Decimal
    paid_this_year: Decimal
    remaining: Decimal
    article: str
    lines: tuple[CapLine, ...]


@dataclass(frozen=True, slots=True)
class PriorityFlag:
    code: str
    label: str
    article: str


@dataclass(frozen=True, slots=True)
class DocumentRequirement:
    code: str
    label: str
    article: str
    reason: str  # the rule that asks for it: always, expense:housing, support:glasses, ...
    received: bool
    deadline: str | None = None  # name of a regulation deadline (e.g. employment_centre_proof)


@dataclass(frozen=True, slots=True)
class Evaluation:
    council: str
    version: str
    effective_from: date
    on: date
    outcome: Outcome
    per_capita: PerCapita
    threshold: ThresholdResult
    conditions: tuple[ConditionResult, ...]
    items: tuple[ItemResult, ...]
    household_cap: HouseholdCap | None
    priority_groups: tuple[PriorityFlag, ...]
    references: tuple[ReferenceUsed, ...]  # every reference value the version read on ``on``
    missing_documents: tuple[str, ...]
    rounding: str  # places:mode, e.g. 2:half_up

    @property
    def total_allowed(self) -> Decimal:
        return sum((item.allowed for item in self.items), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: Decimals as strings, dates in ISO form, tuples as lists."""
        return _jsonable(self)  # type: ignore[no-any-return]


_FIELDS: dict[type, tuple[str, ...]] = {}
_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: object) -> object:
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _jsonable(getattr(value, name)) for name in names}
    if isinstance(value, frozenset | set):
        return sorted(_jsonable(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    raise TypeError(f"not JSON-safe: {kind.__name__}")
