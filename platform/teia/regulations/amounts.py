"""Amounts: the household's yearly cap and, per requested support type, the amount allowed
with the cap that bound it (lowest quote, units, per application, per year, household)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from teia.regulations.facts import (
    Bound,
    CapLine,
    HouseholdCap,
    ItemResult,
    ItemStatus,
    RequestItem,
    SupportRequest,
)
from teia.regulations.household import Composition
from teia.regulations.schema import LimitsSpec, SupportType

ZERO = Decimal(0)
Round = Callable[[Decimal], Decimal]


def household_cap(
    limits: LimitsSpec,
    household: Composition,
    references: Mapping[str, Decimal],
    request: SupportRequest,
    rounded: Round,
) -> HouseholdCap | None:
    spec = limits.household
    if spec is None:
        return None
    article = limits.article
    lines = [CapLine("base", article, rounded(spec.base(references)), spec.base.text)]
    per_adult = spec.per_adult(references)
    per_minor = spec.per_minor(references)
    if household.adults:
        amount = rounded(per_adult * household.adults)
        lines.append(
            CapLine("per_adult", article, amount, f"{household.adults} * {spec.per_adult}")
        )
    if household.minors:
        amount = rounded(per_minor * household.minors)
        lines.append(
            CapLine("per_minor", article, amount, f"{household.minors} * {spec.per_minor}")
        )
    for raise_ in spec.raises:
        count = household.counts.get(raise_.when, 0)
        if not count:
            continue
        code = f"raise:{raise_.when}"
        if raise_.add_per_member is not None:
            amount = rounded(raise_.add_per_member(references) * count)
            lines.append(
                CapLine(code, raise_.article, amount, f"{count} * {raise_.add_per_member}")
            )
        elif raise_.add is not None:
            lines.append(
                CapLine(code, raise_.article, rounded(raise_.add(references)), str(raise_.add))
            )
    total = sum((line.amount for line in lines), ZERO)
    if spec.max is not None:
        maximum = rounded(spec.max(references))
        if maximum < total:
            lines.append(CapLine("max", article, maximum, spec.max.text))
            total = maximum
    paid = rounded(sum(request.paid_this_year.values(), ZERO))
    return HouseholdCap(total, paid, max(ZERO, total - paid), article, tuple(lines))


class Granted:
    """What earlier items of the same request already took, per support type, so that two
    items of one type share its caps (per application, per year, units)."""

    __slots__ = ("amounts", "units")

    def __init__(self) -> None:
        self.amounts: dict[str, Decimal] = {}
        self.units: dict[str, int] = {}

    def add(self, result: ItemResult) -> None:
        code = result.support_type
        self.amounts[code] = self.amounts.get(code, ZERO) + result.allowed
        if result.units_allowed:
            self.units[code] = self.units.get(code, 0) + result.units_allowed


def _not_granted(
    spec: SupportType | None, item: RequestItem, requested: Decimal, rounded: Round
) -> ItemResult:
    return ItemResult(
        support_type=item.support_type,
        label=spec.label if spec else "",
        article=spec.article if spec else "",
        requested=requested,
        basis=requested,
        allowed=rounded(ZERO),
        bound_by=None,
        status="not_provided" if spec is None else "not_eligible",
        detail="unknown_support_type" if spec is None else "household_not_eligible",
        units_requested=item.units,
    )


# A cap that may bind: code, article, amount, and how to word it (worded only if it binds).
Candidate = tuple[str, str, Decimal, Callable[[], str]]


def minus(start: str, *amounts: Decimal) -> str:
    """``start - a - b`` for the amounts that are not zero: how a remaining cap was reached."""
    return " - ".join([start, *(str(a) for a in amounts if a)])


def _unit_bounds(
    spec: SupportType,
    item: RequestItem,
    basis: Decimal,
    used: int,
    references: Mapping[str, Decimal],
    rounded: Round,
) -> tuple[int | None, list[Candidate]]:
    units = spec.units
    if units is None or item.units is None:
        return None, []
    bounds: list[Candidate] = []
    allowed_units = item.units
    maximum = units.max_per_application
    if maximum is not None and item.units > maximum - used:
        allowed_units = max(0, maximum - used)
        capped = rounded(basis / item.units * allowed_units)
        text = lambda: f"{basis} / {item.units} * {allowed_units}"  # noqa: E731
        bounds.append(("max_units", spec.article, capped, text))
    if units.cap_per_unit is not None:
        per_unit = units.cap_per_unit
        capped = rounded(per_unit(references) * allowed_units)
        bounds.append(("per_unit", spec.article, capped, lambda: f"{allowed_units} * {per_unit}"))
    return allowed_units, bounds


def _cap_bounds(
    spec: SupportType,
    request: SupportRequest,
    granted: Decimal,
    references: Mapping[str, Decimal],
    rounded: Round,
) -> list[Candidate]:
    caps = spec.caps
    bounds: list[Candidate] = []
    per_application, per_year = caps.per_application, caps.per_year
    if per_application is not None:
        amount = max(ZERO, rounded(per_application(references)) - granted)
        text = lambda: minus(str(per_application), granted)  # noqa: E731
        bounds.append(("per_application", spec.article, amount, text))
    if per_year is not None:
        paid = rounded(request.paid_this_year.get(spec.code, ZERO))
        amount = max(ZERO, rounded(per_year(references)) - paid - granted)
        text = lambda: minus(str(per_year), paid, granted)  # noqa: E731
        bounds.append(("per_year", spec.article, amount, text))
    return bounds


def item_result(
    spec: SupportType | None,
    item: RequestItem,
    request: SupportRequest,
    references: Mapping[str, Decimal],
    household_remaining: Candidate | None,
    rounded: Round,
    eligible: bool,
    granted: Granted,
) -> ItemResult:
    requested = item.amount
    if requested is None:
        requested = min(item.quotes) if item.quotes else ZERO
    requested = rounded(requested)
    if spec is None or not eligible:
        return _not_granted(spec, item, requested, rounded)
    status: ItemStatus = "allowed"
    detail = "within_caps"
    bounds: list[Candidate] = []
    basis = requested
    if spec.amount_basis == "lowest_quote":
        if len(item.quotes) < spec.min_quotes:
            status, detail = "awaiting_evidence", "quotes_missing"
        if item.quotes:
            basis = rounded(min(item.quotes))
            quotes = item.quotes
            text = lambda: "min(" + ", ".join(str(rounded(q)) for q in quotes) + ")"  # noqa: E731
            bounds.append(("lowest_quote", spec.article, basis, text))
    if spec.units is not None and item.units is None:
        status, detail = "awaiting_evidence", "units_missing"
    used = granted.units.get(spec.code, 0)
    units_allowed, unit_bounds = _unit_bounds(spec, item, basis, used, references, rounded)
    bounds += unit_bounds
    bounds += _cap_bounds(spec, request, granted.amounts.get(spec.code, ZERO), references, rounded)
    if household_remaining is not None:
        bounds.append(household_remaining)
    allowed, binding = requested, None
    for candidate in bounds:
        if candidate[2] < allowed:
            allowed, binding = candidate[2], candidate
    bound_by = None
    if binding is not None:
        code, article, amount, text = binding
        bound_by = Bound(code, article, amount, text())
        if status == "allowed":
            detail = "capped"
    missing = tuple(code for code in spec.evidence if code not in request.evidence)
    if missing:
        status, detail = "awaiting_evidence", "evidence_missing"
    result = ItemResult(
        spec.code,
        spec.label,
        spec.article,
        requested,
        basis,
        allowed,
        bound_by,
        status,
        detail,
        item.units,
        units_allowed,
        missing,
    )
    granted.add(result)
    return result
