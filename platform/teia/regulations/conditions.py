"""The fixed library of access conditions. Each kind reads declared facts and returns a
status; unknown facts or missing evidence leave a condition awaiting evidence, and a waiver
counts only where the regulation allows it, with its justification."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from teia.regulations.facts import (
    ConditionResult,
    ConditionStatus,
    HouseholdSnapshot,
    SupportRequest,
    ThresholdResult,
)
from teia.regulations.household import Composition
from teia.regulations.schema_conditions import (
    EconomicNeed,
    MaximumAssets,
    MinimumAge,
    MinimumResidence,
    NoDebtsToCouncil,
    NoOtherSupportSamePurpose,
)

AnyCondition = (
    MinimumResidence
    | MinimumAge
    | NoDebtsToCouncil
    | NoOtherSupportSamePurpose
    | EconomicNeed
    | MaximumAssets
)
# status, detail code, required, actual
Verdict = tuple[ConditionStatus, str, str | None, str | None]


class Facts:
    """What a condition may read: the household, the threshold result, reference values."""

    __slots__ = ("household", "references", "threshold")

    def __init__(
        self,
        household: HouseholdSnapshot,
        threshold: ThresholdResult,
        references: Mapping[str, Decimal],
    ) -> None:
        self.household = household
        self.threshold = threshold
        self.references = references


def _unknown(required: str) -> Verdict:
    return "awaiting_evidence", "unknown_fact", required, None


def _residence(condition: MinimumResidence, facts: Facts) -> Verdict:
    required = str(condition.params.months)
    months = facts.household.residence_months
    if months is None:
        return _unknown(required)
    if months >= condition.params.months:
        return "passed", "met", required, str(months)
    return "failed", "below_minimum", required, str(months)


def _age(condition: MinimumAge, facts: Facts) -> Verdict:
    members = facts.household.members
    applicant = next((m for m in members if m.applicant), members[0])
    required = str(condition.params.years)
    if applicant.age >= condition.params.years:
        return "passed", "met", required, str(applicant.age)
    if condition.params.emancipation and applicant.emancipated:
        return "passed", "emancipated", required, str(applicant.age)
    return "failed", "below_minimum", required, str(applicant.age)


def _debts(condition: NoDebtsToCouncil, facts: Facts) -> Verdict:
    debts = facts.household.debts_to_council
    if debts is None:
        return _unknown("none")
    if debts == "none":
        return "passed", "met", "none", debts
    if debts == "in_resolution" and condition.params.allow_in_resolution:
        return "passed", "in_resolution", "none", debts
    return "failed", debts, "none", debts


def _other_support(condition: NoOtherSupportSamePurpose, facts: Facts) -> Verdict:
    other = facts.household.other_support_same_purpose
    if other is None:
        return _unknown("no")
    if other:
        return "failed", "other_support", "no", "yes"
    return "passed", "met", "no", "no"


def _economic_need(condition: EconomicNeed, facts: Facts) -> Verdict:
    threshold = facts.threshold
    detail = {
        "passed": "within_threshold",
        "failed": "above_threshold",
        "awaiting_evidence": "expense_evidence_missing",
    }[threshold.status]
    return threshold.status, detail, threshold.rule, str(threshold.per_capita)


def _assets(condition: MaximumAssets, facts: Facts) -> Verdict:
    limit = condition.params.amount(facts.references)
    required = f"<= {limit}"
    assets = facts.household.assets
    if assets is None:
        return _unknown(required)
    if assets <= limit:
        return "passed", "met", required, str(assets)
    return "failed", "above_maximum", required, str(assets)


_KINDS: dict[str, Callable[..., Verdict]] = {
    "minimum_residence": _residence,
    "minimum_age": _age,
    "no_debts_to_council": _debts,
    "no_other_support_same_purpose": _other_support,
    "economic_need": _economic_need,
    "maximum_assets": _assets,
}


def check_condition(
    condition: AnyCondition, facts: Facts, request: SupportRequest, household: Composition
) -> ConditionResult:
    status, detail, required, actual = _KINDS[condition.kind](condition, facts)
    missing: tuple[str, ...] = ()
    if status == "passed" and condition.evidence:
        missing = tuple(code for code in condition.evidence if code not in request.evidence)
        if missing:
            status, detail = "awaiting_evidence", "evidence_missing"
    waiver = condition.waiver
    justification = request.waivers.get(condition.id)
    refused = None
    if status != "passed" and justification is not None:
        if waiver is None:
            refused = "not_allowed"
        elif not household.has(waiver.when):
            refused = "not_applicable"
        elif waiver.requires_justification and not justification.strip():
            refused = "justification_missing"
        else:
            return ConditionResult(
                condition.id,
                condition.kind,
                condition.article,
                "waived",
                detail,
                required,
                actual,
                missing,
                waiver.article,
                justification.strip() or None,
            )
    return ConditionResult(
        condition.id,
        condition.kind,
        condition.article,
        status,
        detail,
        required,
        actual,
        missing,
        waiver.article if waiver else None,
        None,
        refused,
    )
