"""Properties of the engine over generated households and requests (hypothesis): more income
never makes a household more eligible, and no allowed amount exceeds a cap or the request."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teia.regulations.engine import evaluate
from teia.regulations.facts import (
    Evaluation,
    Expense,
    HouseholdSnapshot,
    Income,
    Member,
    RequestItem,
    SupportRequest,
)
from teia.regulations.schema import EXPENSE_KINDS, INCOME_SOURCES, RegulationFile
from tests.regulation_factories import (
    ALL_EVIDENCE,
    mourao,
    portel,
    references,
    reguengos,
    regulation,
)

REGULATIONS = {
    "mourao-2023": lambda: regulation("mourao", "2023-03-01"),
    "mourao-2024": mourao,
    "reguengos": reguengos,
    "portel": portel,
}
RANK = {"not_eligible": 0, "awaiting_evidence": 1, "eligible": 2}
SETTINGS = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

money = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)
members = st.lists(
    st.builds(
        Member,
        age=st.integers(0, 100),
        relationship=st.just("member"),
        disabled=st.booleans(),
        dependent=st.booleans(),
        emancipated=st.booleans(),
        unemployed=st.booleans(),
    ),
    min_size=1,
    max_size=6,
)
households = st.builds(
    HouseholdSnapshot,
    members=members.map(tuple),
    incomes=st.lists(
        st.builds(
            Income,
            source=st.sampled_from(INCOME_SOURCES),
            amount=money,
            period=st.sampled_from(("monthly", "annual")),
        ),
        max_size=4,
    ).map(tuple),
    expenses=st.lists(
        st.builds(Expense, kind=st.sampled_from(EXPENSE_KINDS), monthly_amount=money), max_size=4
    ).map(tuple),
    residence_months=st.none() | st.integers(0, 240),
    debts_to_council=st.sampled_from((None, "none", "in_resolution", "owing")),
    other_support_same_purpose=st.sampled_from((None, False, True)),
    social_emergency=st.booleans(),
    assets=st.none() | money,
)
# for the caps: households that pass the conditions, so the amounts are computed
adult_first = st.tuples(
    st.builds(
        Member, age=st.integers(18, 100), relationship=st.just("applicant"), applicant=st.just(True)
    ),
    members,
).map(lambda found: (found[0], *found[1][:5]))
eligible_households = st.builds(
    HouseholdSnapshot,
    members=adult_first,
    incomes=st.lists(
        st.builds(
            Income,
            source=st.just("pensions"),
            amount=st.decimals(min_value=0, max_value=100, places=2),
            period=st.just("monthly"),
        ),
        max_size=1,
    ).map(tuple),
    residence_months=st.just(240),
    debts_to_council=st.just("none"),
    other_support_same_purpose=st.just(False),
    assets=st.just(Decimal(0)),
)
SUPPORT_CODES = ("utilities", "housing", "glasses", "lodging", "health_services", "medicines", "x")
items = st.builds(
    RequestItem,
    support_type=st.sampled_from(SUPPORT_CODES),
    amount=st.none() | money,
    quotes=st.lists(money, max_size=3).map(tuple),
    units=st.none() | st.integers(0, 8),
)
requests = st.builds(
    SupportRequest,
    items=st.lists(items, max_size=5).map(tuple),
    waivers=st.sampled_from(({}, {"residence": "Emergência"}, {"residence": ""})),
    evidence=st.frozensets(st.sampled_from(sorted(ALL_EVIDENCE))),
    paid_this_year=st.dictionaries(st.sampled_from(SUPPORT_CODES), money, max_size=3),
)
# for the caps: a few types with caps, often repeated in one request
cap_requests = st.builds(
    SupportRequest,
    items=st.lists(
        st.builds(
            RequestItem,
            support_type=st.sampled_from(("utilities", "housing", "glasses", "lodging")),
            amount=money,
            quotes=st.lists(money, max_size=3).map(tuple),
            units=st.integers(0, 8),
        ),
        min_size=1,
        max_size=5,
    ).map(tuple),
    evidence=st.frozensets(st.sampled_from(sorted(ALL_EVIDENCE))),
    paid_this_year=st.dictionaries(st.sampled_from(SUPPORT_CODES), money, max_size=3),
)
dates = st.dates(min_value=date(2024, 6, 1), max_value=date(2026, 12, 31))


def _run(name: str, household: HouseholdSnapshot, request: SupportRequest, on: date) -> Evaluation:
    doc: RegulationFile = REGULATIONS[name]()
    return evaluate(doc, references(), household, request, max(on, doc.effective_from))


@SETTINGS
@given(st.sampled_from(sorted(REGULATIONS)), households, requests, dates, money)
def test_more_income_never_makes_a_household_more_eligible(
    name: str, household: HouseholdSnapshot, request: SupportRequest, on: date, extra: Decimal
) -> None:
    richer = HouseholdSnapshot(
        members=household.members,
        incomes=(*household.incomes, Income("dependent_work", extra, "monthly")),
        expenses=household.expenses,
        residence_months=household.residence_months,
        debts_to_council=household.debts_to_council,
        other_support_same_purpose=household.other_support_same_purpose,
        social_emergency=household.social_emergency,
        assets=household.assets,
    )
    before = _run(name, household, request, on)
    after = _run(name, richer, request, on)
    assert after.per_capita.value >= before.per_capita.value
    assert RANK[after.outcome] <= RANK[before.outcome]
    assert after.total_allowed <= before.total_allowed
    _check_caps(name, request, before, on)


@SETTINGS
@given(
    st.sampled_from(("mourao-2024", "reguengos", "portel")),
    eligible_households,
    cap_requests,
    dates,
)
def test_allowed_amounts_never_exceed_a_cap_or_the_request(
    name: str, household: HouseholdSnapshot, request: SupportRequest, on: date
) -> None:
    _check_caps(name, request, _run(name, household, request, on), on)


def _check_caps(name: str, request: SupportRequest, result: Evaluation, on: date) -> None:
    doc = REGULATIONS[name]()
    values = {
        ref: references().value(ref, max(on, doc.effective_from)) for ref in doc.reference_names
    }
    cent = Decimal("0.01")
    taken: dict[str, Decimal] = {}
    units_taken: dict[str, int] = {}
    for item, got in zip(request.items, result.items, strict=True):
        assert Decimal(0) <= got.allowed <= got.requested
        spec = doc.support_by_code.get(item.support_type)
        if spec is None or result.outcome == "not_eligible":
            assert got.allowed == 0
            continue
        taken[spec.code] = taken.get(spec.code, Decimal(0)) + got.allowed
        if spec.amount_basis == "lowest_quote" and item.quotes:
            assert got.allowed <= min(item.quotes).quantize(cent)
        caps = spec.caps
        if caps.per_application is not None:
            assert taken[spec.code] <= caps.per_application(values).quantize(cent)
        if caps.per_year is not None:
            paid = request.paid_this_year.get(spec.code, Decimal(0)).quantize(cent)
            assert taken[spec.code] + paid <= max(caps.per_year(values).quantize(cent), paid)
        if spec.units is not None and got.units_allowed is not None:
            units_taken[spec.code] = units_taken.get(spec.code, 0) + got.units_allowed
            if spec.units.max_per_application is not None:
                assert units_taken[spec.code] <= spec.units.max_per_application
            if spec.units.cap_per_unit is not None:
                per_unit = spec.units.cap_per_unit(values).quantize(cent)
                assert got.allowed <= per_unit * got.units_allowed
    if result.household_cap is not None:
        assert result.total_allowed <= result.household_cap.remaining
        assert result.household_cap.remaining <= result.household_cap.amount
