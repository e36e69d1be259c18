"""The evaluation engine on the shipped regulations: thresholds to the cent, conditions with
their articles, waivers, evidence, and the caps that bind each amount."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from teia.regulations.engine import checklist, evaluate
from teia.regulations.facts import (
    ConditionResult,
    Evaluation,
    Expense,
    HouseholdSnapshot,
    Income,
    Member,
    ReferencePoint,
    ReferenceTable,
)
from teia.regulations.schema import parse_regulation
from tests.regulation_factories import (
    ALL_EVIDENCE,
    household,
    item,
    mourao,
    portel,
    references,
    reguengos,
    regulation,
    request,
)

MAY_2024 = date(2024, 5, 2)
MARCH_2025 = date(2025, 3, 3)
JULY_2024 = date(2024, 7, 1)


def _condition(evaluation: Evaluation, condition_id: str) -> ConditionResult:
    return next(c for c in evaluation.conditions if c.id == condition_id)


def test_a_household_exactly_at_the_social_pension_is_eligible() -> None:
    # 242.32 x 12 = 2,907.84 a year for one person: per capita 242.32, the 2024 social pension.
    result = evaluate(
        mourao(), references(), household(40, annual_income="2907.84"), request(), MAY_2024
    )
    assert result.per_capita.value == Decimal("242.32")
    assert result.threshold.value == Decimal("242.32")
    assert result.threshold.references[0].name == "social_pension"
    assert result.threshold.references[0].valid_from == date(2024, 1, 1)
    assert result.threshold.status == "passed"
    assert result.outcome == "eligible"


def test_one_cent_over_the_threshold_fails_citing_article_4_h() -> None:
    result = evaluate(
        mourao(), references(), household(40, annual_income="2907.96"), request(), MAY_2024
    )
    assert result.per_capita.value == Decimal("242.33")
    assert result.outcome == "not_eligible"
    assert result.threshold.status == "failed"
    assert result.threshold.article == "4.º, h)"
    need = _condition(result, "economic_need")
    assert need.status == "failed" and need.detail == "above_threshold"
    assert "4.º, h)" in need.article
    assert all(i.allowed == 0 for i in result.items)


def test_per_capita_is_rounded_to_cents_half_up_before_the_comparison() -> None:
    # 2,907.89 / 12 = 242.3241... -> 242.32 (passes); 2,907.90 / 12 = 242.325 -> 242.33 (fails)
    below = evaluate(
        mourao(), references(), household(40, annual_income="2907.89"), request(), MAY_2024
    )
    above = evaluate(
        mourao(), references(), household(40, annual_income="2907.90"), request(), MAY_2024
    )
    assert (below.per_capita.value, below.outcome) == (Decimal("242.32"), "eligible")
    assert (above.per_capita.value, above.outcome) == (Decimal("242.33"), "not_eligible")


def test_the_computation_is_explained_line_by_line() -> None:
    snapshot = household(
        40, 38, 10, annual_income="9000", expenses={"housing": "250", "transport": "40"}
    )
    result = evaluate(mourao(), references(), snapshot, request(), MAY_2024)
    per_capita = result.per_capita
    assert per_capita.formula == "(annual_income - annual_expenses) / (12 * members)"
    assert (per_capita.members, per_capita.adults, per_capita.minors) == (3, 2, 1)
    assert per_capita.annual_expenses == Decimal("3000.00")
    assert per_capita.value == Decimal("166.67")  # (9000 - 3000) / 36
    kinds = {line.kind: line for line in per_capita.expenses}
    assert kinds["housing"].status == "deducted" and kinds["housing"].article == "4.º, b)"
    assert kinds["transport"].status == "not_deductible"
    assert per_capita.incomes[0].counted and per_capita.income_article == "4.º, f)"


def test_an_income_outside_article_4_f_is_not_counted() -> None:
    snapshot = HouseholdSnapshot(
        members=(Member(40, "applicant", applicant=True),),
        incomes=(Income("housing_support", Decimal("100"), "monthly"),),
        residence_months=120,
        debts_to_council="none",
        other_support_same_purpose=False,
    )
    result = evaluate(mourao(), references(), snapshot, request(), MAY_2024)
    line = result.per_capita.incomes[0]
    assert (line.counted, line.annual_amount) == (False, Decimal("1200"))
    assert result.per_capita.annual_income == 0


def test_the_residence_waiver_is_recorded_with_its_justification() -> None:
    snapshot = household(40, annual_income="1200", residence_months=4, social_emergency=True)
    waived = evaluate(
        mourao(),
        references(),
        snapshot,
        request(waivers={"residence": " Incêndio na habitação "}),
        MAY_2024,
    )
    residence = _condition(waived, "residence")
    assert residence.status == "waived"
    assert residence.waiver_article == "8.º, e)"
    assert residence.waiver_justification == "Incêndio na habitação"
    assert (residence.required, residence.actual) == ("12", "4")
    assert waived.outcome == "eligible"


@pytest.mark.parametrize(
    ("emergency", "justification", "refused"),
    [(False, "Incêndio", "not_applicable"), (True, "  ", "justification_missing")],
)
def test_a_waiver_outside_the_rule_is_refused(
    emergency: bool, justification: str, refused: str
) -> None:
    snapshot = household(40, annual_income="1200", residence_months=4, social_emergency=emergency)
    result = evaluate(
        mourao(), references(), snapshot, request(waivers={"residence": justification}), MAY_2024
    )
    residence = _condition(result, "residence")
    assert (residence.status, residence.waiver_refused) == ("failed", refused)
    assert residence.article == "8.º, a)"
    assert result.outcome == "not_eligible"


def test_the_2023_version_had_no_waiver() -> None:
    original = regulation("mourao", "2023-03-01")
    snapshot = household(40, annual_income="1200", residence_months=4, social_emergency=True)
    result = evaluate(
        original, references(), snapshot, request(waivers={"residence": "Incêndio"}), MAY_2024
    )
    residence = _condition(result, "residence")
    assert (residence.status, residence.waiver_refused) == ("failed", "not_allowed")


def test_unknown_facts_and_missing_evidence_await_evidence() -> None:
    snapshot = household(40, annual_income="1200", debts_to_council=None)
    result = evaluate(
        mourao(), references(), snapshot, request(evidence=frozenset({"income_proof"})), MAY_2024
    )
    assert result.outcome == "awaiting_evidence"
    debts = _condition(result, "no_debts")
    assert (debts.status, debts.detail) == ("awaiting_evidence", "unknown_fact")
    residence = _condition(result, "residence")
    assert residence.status == "awaiting_evidence"
    assert residence.missing_evidence == ("residence_certificate",)
    assert "residence_certificate" in result.missing_documents


def test_a_deduction_waiting_for_its_receipt_leaves_need_awaiting_evidence() -> None:
    # 3,600 a year: 300 per capita without the rent, 200 with it.
    snapshot = household(40, annual_income="3600", expenses={"housing": "100"})
    pending = evaluate(
        mourao(),
        references(),
        snapshot,
        request(evidence=ALL_EVIDENCE - {"housing_receipt"}),
        MAY_2024,
    )
    assert pending.per_capita.value == Decimal("300.00")
    assert pending.per_capita.value_if_evidenced == Decimal("200.00")
    assert pending.threshold.status == "awaiting_evidence"
    assert pending.outcome == "awaiting_evidence"
    proven = evaluate(mourao(), references(), snapshot, request(), MAY_2024)
    assert (proven.threshold.status, proven.outcome) == ("passed", "eligible")


def test_minimum_age_accepts_an_emancipated_minor() -> None:
    minor = HouseholdSnapshot(
        members=(Member(17, "applicant", applicant=True, emancipated=True),),
        residence_months=120,
        debts_to_council="none",
        other_support_same_purpose=False,
    )
    result = evaluate(mourao(), references(), minor, request(), MAY_2024)
    assert _condition(result, "age").detail == "emancipated"
    original = evaluate(
        regulation("mourao", "2023-03-01"), references(), minor, request(), MAY_2024
    )
    assert _condition(original, "age").status == "failed"


def test_lodging_is_capped_at_three_nights() -> None:
    result = evaluate(
        mourao(),
        references(),
        household(40, annual_income="1200"),
        request(item("lodging", "250", units=5)),
        MAY_2024,
    )
    lodging = result.items[0]
    assert lodging.units_allowed == 3
    assert lodging.allowed == Decimal("150.00")
    assert lodging.bound_by is not None
    assert (lodging.bound_by.code, lodging.bound_by.article) == ("max_units", "5.º, f)")


def test_portel_pays_the_lowest_of_two_quotes() -> None:
    snapshot = household(40, annual_income="0", residence_months=48)
    result = evaluate(
        portel(),
        references(),
        snapshot,
        request(
            item("health_services", "180", "180", "150"), item("health_services", None, "90", "95")
        ),
        JULY_2024,
    )
    health, unpriced = result.items
    assert health.requested == Decimal("180.00")
    assert health.basis == Decimal("150.00") and health.allowed == Decimal("150.00")
    assert health.bound_by is not None
    assert (health.bound_by.code, health.bound_by.article) == ("lowest_quote", "5.º, d)")
    # without an amount of its own, the request is the lowest quote
    assert (unpriced.requested, unpriced.allowed, unpriced.bound_by) == (
        Decimal("90.00"),
        Decimal("90.00"),
        None,
    )
    one_quote = evaluate(
        portel(), references(), snapshot, request(item("health_services", None, "180")), JULY_2024
    )
    assert one_quote.items[0].status == "awaiting_evidence"
    assert one_quote.items[0].detail == "quotes_missing"
    assert one_quote.outcome == "awaiting_evidence"


def test_the_yearly_cap_of_a_type_counts_what_was_already_paid() -> None:
    snapshot = household(40, annual_income="0", residence_months=48)
    result = evaluate(
        portel(),
        references(),
        snapshot,
        request(item("glasses", "180", "180", "190"), paid={"glasses": "120"}),
        JULY_2024,
    )
    glasses = result.items[0]
    assert glasses.allowed == Decimal("80.00")
    assert glasses.bound_by is not None and glasses.bound_by.code == "per_year"


def test_the_household_yearly_cap_minus_what_was_paid_binds() -> None:
    # Mourão (documented choice): one IAS per adult, half per minor: 509.26 + 254.63 = 763.89.
    snapshot = household(40, 8, annual_income="1200")
    result = evaluate(
        mourao(),
        references(),
        snapshot,
        request(item("housing", "200"), item("utilities", "300"), paid={"utilities": "300"}),
        MAY_2024,
    )
    cap = result.household_cap
    assert cap is not None
    assert (cap.amount, cap.paid_this_year, cap.remaining) == (
        Decimal("763.89"),
        Decimal("300.00"),
        Decimal("463.89"),
    )
    assert {(r.name, r.amount) for r in result.references} == {
        ("IAS", Decimal("509.26")),
        ("social_pension", Decimal("242.32")),
    }
    housing, utilities = result.items
    assert housing.allowed == Decimal("200.00") and housing.bound_by is None
    assert utilities.allowed == Decimal("263.89")
    assert utilities.bound_by is not None
    assert (utilities.bound_by.code, utilities.bound_by.article) == (
        "household_year",
        "6.º, n.º 1 e n.º 2",
    )


def test_reguengos_raises_the_household_cap_for_dependants() -> None:
    snapshot = HouseholdSnapshot(
        members=(
            Member(40, "applicant", applicant=True),
            Member(70, "parent", dependent=True, disabled=True),
            Member(5, "child"),
        ),
        residence_months=120,
        debts_to_council="none",
        other_support_same_purpose=False,
    )
    result = evaluate(reguengos(), references(), snapshot, request(), MARCH_2025)
    cap = result.household_cap
    assert cap is not None
    lines = {line.code: line.amount for line in cap.lines}
    assert lines == {
        "base": Decimal("300.00"),
        "per_adult": Decimal("600.00"),
        "per_minor": Decimal("200.00"),
        "raise:has_minors": Decimal("100.00"),
        "raise:has_elderly": Decimal("150.00"),
        "raise:has_disabled": Decimal("200.00"),
        "raise:has_dependent": Decimal("150.00"),
    }
    assert cap.amount == Decimal("1700.00")
    assert {p.code for p in result.priority_groups} == {
        "families_with_minors",
        "elderly",
        "disability",
    }


def test_reguengos_gets_a_different_cited_result_for_the_same_figures() -> None:
    # One adult, 3,300 a year: 275.00 per capita in both councils.
    snapshot = household(40, annual_income="3300", residence_months=30)
    in_mourao = evaluate(mourao(), references(), snapshot, request(), MARCH_2025)
    in_reguengos = evaluate(reguengos(), references(), snapshot, request(), MARCH_2025)
    assert in_mourao.per_capita.value == in_reguengos.per_capita.value == Decimal("275.00")
    assert in_mourao.outcome == "not_eligible"
    assert (in_mourao.threshold.rule, in_mourao.threshold.article) == (
        "<= social_pension",
        "4.º, h)",
    )
    assert in_mourao.threshold.value == Decimal("251.65")  # the 2025 social pension
    assert in_reguengos.outcome == "eligible"
    assert (in_reguengos.threshold.rule, in_reguengos.threshold.article) == (
        "<= 0.6 * IAS",
        "5.º, n.º 2",
    )
    assert in_reguengos.threshold.value == Decimal("313.50")  # 0.6 x 522.50


def test_reguengos_weighs_members_and_asks_two_years_of_residence() -> None:
    snapshot = household(40, 38, 10, 7, annual_income="9000", residence_months=18)
    in_mourao = evaluate(mourao(), references(), snapshot, request(), MARCH_2025)
    in_reguengos = evaluate(reguengos(), references(), snapshot, request(), MARCH_2025)
    assert in_reguengos.per_capita.weighted_members == Decimal("2.7")
    assert in_reguengos.per_capita.value == Decimal("277.78")  # 9000 / (12 x 2.7)
    assert _condition(in_mourao, "residence").status == "passed"
    residence = _condition(in_reguengos, "residence")
    assert (residence.status, residence.article, residence.required) == ("failed", "6.º, a)", "24")


def test_reguengos_caps_the_housing_deduction() -> None:
    snapshot = household(40, annual_income="6000", expenses={"housing": "400"})
    result = evaluate(reguengos(), references(), snapshot, request(), MARCH_2025)
    line = result.per_capita.expenses[0]
    assert (line.status, line.cap, line.deducted_monthly) == (
        "capped",
        Decimal("261.25"),
        Decimal("261.25"),
    )


def test_a_regulation_override_beats_the_national_value() -> None:
    table = references().with_overrides(
        [ReferencePoint("social_pension", date(2024, 3, 1), Decimal("300.00"))]
    )
    result = evaluate(mourao(), table, household(40, annual_income="3300"), request(), MAY_2024)
    assert result.threshold.value == Decimal("300.00")
    assert result.threshold.references[0].override is True
    assert result.outcome == "eligible"


def test_the_national_value_published_after_an_override_applies_from_its_date() -> None:
    table = ReferenceTable(
        [
            ReferencePoint("social_pension", date(2024, 1, 1), Decimal("242.32")),
            ReferencePoint("social_pension", date(2024, 3, 1), Decimal("300.00"), override=True),
            ReferencePoint("social_pension", date(2025, 1, 1), Decimal("251.65")),
            ReferencePoint("IAS", date(2024, 1, 1), Decimal("509.26")),
        ]
    )
    assert table.value("social_pension", date(2024, 12, 31)) == Decimal("300.00")
    assert table.value("social_pension", date(2025, 1, 1)) == Decimal("251.65")


def test_a_version_is_not_applied_before_it_was_in_force() -> None:
    with pytest.raises(ValueError, match="not in force"):
        evaluate(mourao(), references(), household(40), request(), date(2024, 4, 1))


def test_the_evaluation_is_json_safe() -> None:
    result = evaluate(
        mourao(),
        references(),
        household(40, 9, annual_income="1200"),
        request(item("lodging", "90", units=2)),
        MAY_2024,
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["outcome"] == "eligible"
    assert data["threshold"]["value"] == "242.32"
    assert data["items"][0]["allowed"] == "90.00"
    assert data["effective_from"] == "2024-04-02"


def test_the_checklist_follows_the_household_and_the_request() -> None:
    snapshot = HouseholdSnapshot(
        members=(Member(40, "applicant", applicant=True, unemployed=True),),
        expenses=(Expense("housing", Decimal(300)),),
    )
    documents = checklist(
        mourao(), snapshot, request(item("glasses", "100"), evidence=frozenset()), "bank_transfer"
    )
    codes = {d.code: d for d in documents}
    assert {
        "websiss_form",
        "iefp_registration",
        "housing_receipt",
        "medical_prescription",
        "iban_proof",
    } <= set(codes)
    assert codes["iefp_registration"].deadline == "employment_centre_proof"
    assert codes["iefp_registration"].article == "9.º, c)"
    assert "utility_receipt" not in codes
    cash = checklist(mourao(), snapshot, request(evidence=frozenset()), "cash")
    assert "iban_proof" not in {d.code for d in cash}


def test_a_value_set_by_the_regulation_itself_applies_from_its_date() -> None:
    data = mourao().to_document()
    data["reference_overrides"] = [
        {"name": "social_pension", "from": "2024-04-02", "amount": "260.00", "source": "art. 4.º"}
    ]
    own = parse_regulation(data)
    snapshot = household(40, annual_income="3060")  # 255.00 per capita
    result = evaluate(own, references(), snapshot, request(), MAY_2024)
    assert result.threshold.value == Decimal("260.00")
    assert result.threshold.references[0].override is True
    assert result.outcome == "eligible"
    # the national value published later (2025) takes over from its date
    later = evaluate(own, references(), snapshot, request(), MARCH_2025)
    assert later.threshold.value == Decimal("251.65")
    assert later.outcome == "not_eligible"
