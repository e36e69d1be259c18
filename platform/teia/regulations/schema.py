"""The shape of a regulation version (``tenants/<council>/regulations/<date>.yaml``) and of the
national reference values catalogue (``tenants/_catalogs/reference_values.yaml``).

Expressions are parsed here, at validation time, so a loaded ``RegulationFile`` is ready for
the engine; dumping it (``to_document``) gives back the source text of every expression."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from teia.regulations.expressions import REFERENCE_NAMES, Comparison, Expression
from teia.regulations.facts import ReferencePoint, ReferenceTable
from teia.regulations.schema_conditions import (
    AgeParams,
    AssetParams,
    Condition,
    DebtParams,
    EconomicNeed,
    MaximumAssets,
    MinimumAge,
    MinimumResidence,
    NoDebtsToCouncil,
    NoOtherSupportSamePurpose,
    NoParams,
    ResidenceParams,
    Waiver,
)
from teia.regulations.schema_rules import check_regulation
from teia.regulations.schema_types import (
    EXPENSE_KINDS,
    HOUSEHOLD_FLAGS,
    INCOME_SOURCES,
    MEMBER_FLAGS,
    PAYMENT_METHODS,
    Amount,
    Article,
    Code,
    ExpenseKind,
    Formula,
    HouseholdFlag,
    IncomeSource,
    Money,
    PaymentMethod,
    ReferenceName,
    Slug,
    Strict,
    Text,
    ThresholdRule,
    amount,
    unique,
)

__all__ = [
    "EXPENSE_KINDS",
    "HOUSEHOLD_FLAGS",
    "INCOME_SOURCES",
    "MEMBER_FLAGS",
    "PAYMENT_METHODS",
    "AgeParams",
    "AssetParams",
    "Caps",
    "CessationCause",
    "Condition",
    "DebtParams",
    "DeductibleExpense",
    "DocumentSpec",
    "EconomicNeed",
    "ExclusionCause",
    "HouseholdLimit",
    "HouseholdSpec",
    "LimitsSpec",
    "MaximumAssets",
    "MinimumAge",
    "MinimumResidence",
    "NoDebtsToCouncil",
    "NoOtherSupportSamePurpose",
    "NoParams",
    "ReferenceValuesFile",
    "RegulationFile",
    "ResidenceParams",
    "Rounding",
    "SupportType",
    "Waiver",
    "error_lines",
    "parse_reference_values",
    "parse_regulation",
]


class Publication(Strict):
    journal: Text
    series: Text | None = None
    number: Text
    date: date
    url: Text | None = None


class Rounding(Strict):
    places: int = Field(default=2, ge=0, le=4)
    mode: Literal["half_up", "half_even", "down"] = "half_up"


class DocumentedChoice(Strict):
    path: Text
    why: Text


class ReferenceOverride(Strict):
    name: ReferenceName
    valid_from: date = Field(alias="from")
    amount: Money
    source: str = ""


class HouseholdSpec(Strict):
    article: Article | None = None
    adult_age: int = Field(default=18, ge=0, le=25)
    elderly_age: int = Field(default=65, ge=50, le=100)


class IncomeSpec(Strict):
    article: Article
    period: Literal["annual", "monthly"] = "annual"
    sources: list[IncomeSource] = Field(min_length=1)

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[str]) -> list[str]:
        unique(value, "source")
        return value


class DeductibleExpense(Strict):
    kind: ExpenseKind
    monthly_cap: Amount | None = None
    evidence: Code | None = None
    article: Article | None = None


class ExpensesSpec(Strict):
    article: Article
    deductible: list[DeductibleExpense] = Field(default_factory=list)

    @field_validator("deductible")
    @classmethod
    def _unique_kinds(cls, value: list[DeductibleExpense]) -> list[DeductibleExpense]:
        unique([e.kind for e in value], "expense kind")
        return value


class MemberWeights(Strict):
    first_adult: Decimal = Field(default=Decimal(1), gt=0, le=1)
    other_adult: Decimal = Field(default=Decimal(1), gt=0, le=1)
    minor: Decimal = Field(default=Decimal(1), gt=0, le=1)


class PerCapitaSpec(Strict):
    article: Article
    formula: Formula
    member_weights: MemberWeights = Field(default_factory=MemberWeights)


class ThresholdSpec(Strict):
    article: Article
    rule: ThresholdRule


class PriorityGroup(Strict):
    code: Code
    label: Text
    article: Article
    when: HouseholdFlag


class CapRaise(Strict):
    when: HouseholdFlag
    add: Amount | None = None
    add_per_member: Amount | None = None
    article: Article

    @model_validator(mode="after")
    def _one_amount(self) -> CapRaise:
        if (self.add is None) == (self.add_per_member is None):
            raise ValueError("give exactly one of 'add' (once) or 'add_per_member'")
        if self.add_per_member is not None and self.when not in MEMBER_FLAGS:
            flags = ", ".join(MEMBER_FLAGS)
            raise ValueError(f"add_per_member: expected 'when' to be one of {flags}")
        return self


class HouseholdLimit(Strict):
    base: Amount = Field(default_factory=lambda: amount("0"))
    per_adult: Amount = Field(default_factory=lambda: amount("0"))
    per_minor: Amount = Field(default_factory=lambda: amount("0"))
    max: Amount | None = None
    raises: list[CapRaise] = Field(default_factory=list)


class LimitsSpec(Strict):
    article: Article
    period: Literal["calendar_year"] = "calendar_year"
    household: HouseholdLimit | None = None


class Units(Strict):
    name: Text
    max_per_application: int | None = Field(default=None, ge=1, le=366)
    cap_per_unit: Amount | None = None


class Caps(Strict):
    per_application: Amount | None = None
    per_year: Amount | None = None


class SupportType(Strict):
    code: Code
    label: Text
    article: Article
    amount_basis: Literal["requested", "lowest_quote"] = "requested"
    min_quotes: int = Field(default=0, ge=0, le=5)
    caps: Caps = Field(default_factory=Caps)
    units: Units | None = None
    evidence: list[Code] = Field(default_factory=list)

    @model_validator(mode="after")
    def _quotes(self) -> SupportType:
        if self.amount_basis == "lowest_quote" and self.min_quotes < 1:
            raise ValueError("min_quotes: expected 1 or more when amount_basis is lowest_quote")
        return self


class DocumentSpec(Strict):
    code: Code
    label: Text
    article: Article
    when: str = "always"
    deadline: Code | None = None


class Deadline(Strict):
    article: Article
    working_days: int | None = Field(default=None, ge=1, le=365)
    calendar_days: int | None = Field(default=None, ge=1, le=365)
    end_of_month_after: int | None = Field(default=None, ge=0, le=12)

    @model_validator(mode="after")
    def _one_rule(self) -> Deadline:
        given = [self.working_days, self.calendar_days, self.end_of_month_after]
        if sum(v is not None for v in given) != 1:
            raise ValueError(
                "give exactly one of working_days, calendar_days or end_of_month_after"
            )
        return self


class PaymentSpec(Strict):
    article: Article
    after_decision: bool = True
    methods: list[PaymentMethod] = Field(min_length=1)


class ExclusionCause(Strict):
    code: Code
    label: Text
    article: Article


class CessationCause(ExclusionCause):
    refund: bool = False


class RegulationFile(Strict):
    """One version of a council's regulation, as written in its YAML file."""

    model_config = ConfigDict(ignored_types=(cached_property,))

    kind: Literal["regulation"]
    council: Slug
    title: Text
    version: Annotated[str, Field(min_length=1, max_length=40)]
    effective_from: date
    publication: Publication
    rounding: Rounding = Field(default_factory=Rounding)
    documented_choices: list[DocumentedChoice] = Field(default_factory=list)
    articles: dict[Annotated[str, Field(pattern=r"^\d+(-[A-Z])?$")], Text] = Field(min_length=1)
    reference_overrides: list[ReferenceOverride] = Field(default_factory=list)
    household: HouseholdSpec = Field(default_factory=HouseholdSpec)
    income: IncomeSpec
    expenses: ExpensesSpec
    per_capita: PerCapitaSpec
    threshold: ThresholdSpec
    conditions: list[Condition] = Field(min_length=1)
    priority_groups: list[PriorityGroup] = Field(default_factory=list)
    limits: LimitsSpec
    support_types: list[SupportType] = Field(min_length=1)
    documents: list[DocumentSpec] = Field(default_factory=list)
    deadlines: dict[Code, Deadline]
    payment: PaymentSpec
    exclusion_causes: list[ExclusionCause] = Field(min_length=1)
    cessation_causes: list[CessationCause] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> RegulationFile:
        check_regulation(self, info.context or {})
        return self

    @cached_property
    def support_by_code(self) -> dict[str, SupportType]:
        return {s.code: s for s in self.support_types}

    @cached_property
    def deductible_by_kind(self) -> dict[str, DeductibleExpense]:
        return {e.kind: e for e in self.expenses.deductible}

    @cached_property
    def counted_sources(self) -> frozenset[str]:
        return frozenset(self.income.sources)

    @cached_property
    def reference_names(self) -> tuple[str, ...]:
        """The reference values (IAS, ...) that the file's amounts and threshold read."""
        return tuple(sorted(_names_in(self) & REFERENCE_NAMES))

    def reference_points(self) -> list[ReferencePoint]:
        """The regulation's own reference values, to lay over the council's table."""
        return [
            ReferencePoint(o.name, o.valid_from, o.amount, o.source, override=True)
            for o in self.reference_overrides
        ]

    def to_document(self) -> dict[str, Any]:
        """JSON-safe data that ``parse_regulation`` reads back into an equal model."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _names_in(value: object) -> set[str]:
    if isinstance(value, Expression):
        return set(value.names)
    if isinstance(value, Comparison):
        return set(value.bound.names)
    if isinstance(value, BaseModel):
        return set().union(*(_names_in(getattr(value, f)) for f in type(value).model_fields))
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        return set().union(*(_names_in(v) for v in items))
    return set()


class ReferenceEntry(Strict):
    valid_from: date = Field(alias="from")
    amount: Money
    source: Text
    note: Text | None = None


class ReferenceValuesFile(Strict):
    """The national catalogue of reference values (social pension, IAS, minimum wage)."""

    kind: Literal["reference_values"]
    values: dict[ReferenceName, list[ReferenceEntry]] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _ordered(cls, value: dict[str, list[ReferenceEntry]]) -> dict[str, list[ReferenceEntry]]:
        for name, entries in value.items():
            dates = [e.valid_from for e in entries]
            if not entries or dates != sorted(set(dates)):
                raise ValueError(f"{name}: expected entries in increasing 'from' order, no repeats")
        return value

    def points(self) -> list[ReferencePoint]:
        return [
            ReferencePoint(name, e.valid_from, e.amount, e.source)
            for name, entries in self.values.items()
            for e in entries
        ]

    def table(self) -> ReferenceTable:
        return ReferenceTable(self.points())


def parse_regulation(
    data: dict[str, Any], *, council: str | None = None, effective_from: date | None = None
) -> RegulationFile:
    """Validate a regulation document; ``council``/``effective_from`` (from the file's folder
    and name) must then match the document. Raises pydantic's ``ValidationError``."""
    context = {"council": council, "effective_from": effective_from}
    return RegulationFile.model_validate(data, context=context)


def parse_reference_values(data: dict[str, Any]) -> ReferenceValuesFile:
    return ReferenceValuesFile.model_validate(data)


_VALUE_ERROR = re.compile(r"^(Value error|Assertion failed), ")


def error_lines(exc: ValidationError) -> list[tuple[str, str]]:
    """``(path, expectation)`` per error; checks across the file name their path in the text."""
    lines = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"])
        message = _VALUE_ERROR.sub("", err["msg"])
        if not path and ": " in message:
            path, message = message.split(": ", 1)
        lines.append((path or "(document)", message))
    return lines
