"""The pure evaluation: (regulation version, reference values, household, request, date) ->
a result that cites an article for every figure. No database, no Flask, no parsing: the
regulation's expressions were compiled when its file was validated."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import cache, partial
from typing import NamedTuple

from teia.regulations.amounts import (
    ZERO,
    Candidate,
    Granted,
    Round,
    household_cap,
    item_result,
    minus,
)
from teia.regulations.conditions import Facts, check_condition
from teia.regulations.facts import (
    ConditionResult,
    ConditionStatus,
    DocumentRequirement,
    Evaluation,
    ExpenseLine,
    ExpenseStatus,
    HouseholdCap,
    HouseholdSnapshot,
    IncomeLine,
    ItemResult,
    Outcome,
    PerCapita,
    PriorityFlag,
    ReferenceTable,
    ReferenceUsed,
    SupportRequest,
    ThresholdResult,
)
from teia.regulations.household import Composition, composition
from teia.regulations.schema import DocumentSpec, RegulationFile

TWELVE = Decimal(12)
_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


@cache
def _rounder(places: int, mode: str) -> Round:
    """Round money as the regulation says (``Decimal.quantize`` bound to its places/mode)."""
    return partial(Decimal.quantize, exp=Decimal(1).scaleb(-places), rounding=_MODES[mode])


class _Values(NamedTuple):
    """What depends only on the version, the reference table and the date."""

    references: dict[str, Decimal]  # name -> amount
    used: tuple[ReferenceUsed, ...]
    threshold: Decimal
    threshold_refs: tuple[ReferenceUsed, ...]


_VALUES: dict[tuple[int, int, date], tuple[RegulationFile, ReferenceTable, _Values]] = {}


def _values(regulation: RegulationFile, refs: ReferenceTable, on: date, rounded: Round) -> _Values:
    """Reference values and threshold on a date, memoised (the objects are kept with their
    entry, so an id is not reused while cached)."""
    key = (id(regulation), id(refs), on)
    cached = _VALUES.get(key)
    if cached is not None:
        return cached[2]
    table = (
        refs.with_overrides(regulation.reference_points())
        if regulation.reference_overrides
        else refs
    )
    points = [table.point(name, on) for name in regulation.reference_names]
    references = {p.name: p.amount for p in points}
    used = tuple(
        ReferenceUsed(p.name, p.valid_from, p.amount, p.source, p.override) for p in points
    )
    bound = regulation.threshold.rule.bound
    found = _Values(
        references,
        used,
        rounded(bound(references)),
        tuple(u for u in used if u.name in bound.names),
    )
    if len(_VALUES) >= 1024:
        _VALUES.clear()
    _VALUES[key] = (regulation, refs, found)
    return found


def _per_capita(
    regulation: RegulationFile,
    household: HouseholdSnapshot,
    request: SupportRequest,
    members: Composition,
    references: Mapping[str, Decimal],
    rounded: Round,
) -> PerCapita:
    counted = regulation.counted_sources
    income_lines = []
    annual_income = ZERO
    for income in household.incomes:
        annual = income.amount * TWELVE if income.period == "monthly" else income.amount
        is_counted = income.source in counted
        if is_counted:
            annual_income += annual
        income_lines.append(
            IncomeLine(income.source, income.period, income.amount, annual, is_counted)
        )
    deductible = regulation.deductible_by_kind
    room: dict[str, Decimal] = {}  # what each capped kind may still deduct this month
    expense_lines = []
    proven = pending = ZERO
    for expense in household.expenses:
        spec = deductible.get(expense.kind)
        if spec is None:
            expense_lines.append(
                ExpenseLine(
                    expense.kind, expense.monthly_amount, ZERO, "not_deductible", None, None, None
                )
            )
            continue
        amount, cap = expense.monthly_amount, None
        status: ExpenseStatus = "deducted"
        if spec.monthly_cap is not None:
            cap = rounded(spec.monthly_cap(references))
            left = room.setdefault(expense.kind, cap)
            if amount > left:
                amount, status = left, "capped"
            room[expense.kind] = left - amount
        if spec.evidence is not None and spec.evidence not in request.evidence:
            status = "awaiting_evidence"
            pending += amount
        else:
            proven += amount
        article = spec.article or regulation.expenses.article
        expense_lines.append(
            ExpenseLine(
                expense.kind, expense.monthly_amount, amount, status, cap, spec.evidence, article
            )
        )
    env = {
        "annual_income": annual_income,
        "monthly_income": annual_income / TWELVE,
        "annual_expenses": proven * TWELVE,
        "monthly_expenses": proven,
        "members": Decimal(members.members),
        "weighted_members": members.weighted_members,
        "adults": Decimal(members.adults),
        "minors": Decimal(members.minors),
    }
    formula = regulation.per_capita.formula
    value = rounded(formula(env))
    value_if_evidenced = value
    if pending:
        env["annual_expenses"] = (proven + pending) * TWELVE
        env["monthly_expenses"] = proven + pending
        value_if_evidenced = rounded(formula(env))
    return PerCapita(
        value=value,
        value_if_evidenced=value_if_evidenced,
        formula=formula.text,
        article=regulation.per_capita.article,
        income_article=regulation.income.article,
        expenses_article=regulation.expenses.article,
        annual_income=rounded(annual_income),
        annual_expenses=rounded(proven * TWELVE),
        annual_expenses_if_evidenced=rounded((proven + pending) * TWELVE),
        members=members.members,
        weighted_members=members.weighted_members,
        adults=members.adults,
        minors=members.minors,
        incomes=tuple(income_lines),
        expenses=tuple(expense_lines),
    )


def _threshold(
    regulation: RegulationFile, per_capita: PerCapita, values: _Values
) -> ThresholdResult:
    rule = regulation.threshold.rule
    status: ConditionStatus
    if rule.holds(per_capita.value, values.threshold):
        status = "passed"
    elif rule.holds(per_capita.value_if_evidenced, values.threshold):
        status = "awaiting_evidence"
    else:
        status = "failed"
    return ThresholdResult(
        rule.text,
        values.threshold,
        values.threshold_refs,
        per_capita.value,
        status,
        regulation.threshold.article,
    )


def _household_text(cap: HouseholdCap, remaining: Decimal) -> Callable[[], str]:
    return lambda: minus(str(cap.amount), cap.paid_this_year, cap.remaining - remaining)


def _outcome(conditions: tuple[ConditionResult, ...], items: tuple[ItemResult, ...]) -> Outcome:
    statuses = {c.status for c in conditions}
    if "failed" in statuses:
        return "not_eligible"
    if "awaiting_evidence" in statuses or any(i.status == "awaiting_evidence" for i in items):
        return "awaiting_evidence"
    return "eligible"


def evaluate(
    regulation: RegulationFile,
    refs: ReferenceTable,
    household: HouseholdSnapshot,
    request: SupportRequest,
    on: date,
) -> Evaluation:
    """Evaluate ``request`` by ``household`` under ``regulation`` with the values of ``on``."""
    if on < regulation.effective_from:
        raise ValueError(
            f"the version of {regulation.effective_from.isoformat()} was not in force on "
            f"{on.isoformat()}"
        )
    rounded = _rounder(regulation.rounding.places, regulation.rounding.mode)
    values = _values(regulation, refs, on, rounded)
    references = values.references
    members = composition(household, regulation.household, regulation.per_capita.member_weights)
    per_capita = _per_capita(regulation, household, request, members, references, rounded)
    threshold = _threshold(regulation, per_capita, values)
    facts = Facts(household, threshold, references)
    conditions = tuple(check_condition(c, facts, request, members) for c in regulation.conditions)
    eligible = not any(c.status == "failed" for c in conditions)
    cap = household_cap(regulation.limits, members, references, request, rounded)
    remaining = cap.remaining if cap is not None else None
    items: list[ItemResult] = []
    granted = Granted()
    for item in request.items:
        bound: Candidate | None = None
        if cap is not None and remaining is not None:
            text = _household_text(cap, remaining)
            bound = ("household_year", regulation.limits.article, remaining, text)
        result = item_result(
            regulation.support_by_code.get(item.support_type),
            item,
            request,
            references,
            bound,
            rounded,
            eligible,
            granted,
        )
        if remaining is not None:
            remaining -= result.allowed
        items.append(result)
    item_results = tuple(items)
    required = _required(regulation, household, request, request.payment_method, members)
    return Evaluation(
        council=regulation.council,
        version=regulation.version,
        effective_from=regulation.effective_from,
        on=on,
        outcome=_outcome(conditions, item_results),
        per_capita=per_capita,
        threshold=threshold,
        conditions=conditions,
        items=item_results,
        household_cap=cap,
        priority_groups=tuple(
            PriorityFlag(g.code, g.label, g.article)
            for g in regulation.priority_groups
            if members.has(g.when)
        ),
        references=values.used,
        missing_documents=tuple(d.code for d, _ in required if d.code not in request.evidence),
        rounding=f"{regulation.rounding.places}:{regulation.rounding.mode}",
    )


def checklist(
    regulation: RegulationFile,
    household: HouseholdSnapshot,
    request: SupportRequest,
    payment_method: str | None = None,
) -> list[DocumentRequirement]:
    """The documents that instruct this application (art. 9 of the model), in file order."""
    members = composition(household, regulation.household, regulation.per_capita.member_weights)
    required = _required(regulation, household, request, payment_method, members)
    return [
        DocumentRequirement(
            d.code, d.label, d.article, reason, d.code in request.evidence, d.deadline
        )
        for d, reason in required
    ]


def _required(
    regulation: RegulationFile,
    household: HouseholdSnapshot,
    request: SupportRequest,
    payment_method: str | None,
    members: Composition,
) -> list[tuple[DocumentSpec, str]]:
    """The documents asked of this household and request, each with the rule asking it."""
    facts = {flag for flag, count in members.counts.items() if count}
    facts.add("always")
    for expense in household.expenses:
        facts.add("expense:" + expense.kind)
    for income in household.incomes:
        facts.add("income:" + income.source)
    for item in request.items:
        facts.add("support:" + item.support_type)
    method = payment_method or request.payment_method
    if method:
        facts.add("payment:" + method)
    wanted: set[str] = set()
    for item in request.items:
        spec = regulation.support_by_code.get(item.support_type)
        if spec is not None:
            wanted.update(spec.evidence)
    for expense in household.expenses:
        deductible = regulation.deductible_by_kind.get(expense.kind)
        if deductible is not None and deductible.evidence:
            wanted.add(deductible.evidence)
    return [
        (d, d.when if d.when in facts else "evidence")
        for d in regulation.documents
        if d.when in facts or d.code in wanted
    ]
