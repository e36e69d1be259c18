"""Building blocks of the regulation language: the fixed vocabularies (income sources,
expense kinds, household flags, ...), strict models, and the expression-valued fields that are
parsed when a file is validated and written back as their source text."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, WithJsonSchema

from teia.regulations.expressions import (
    HOUSEHOLD_NAMES,
    REFERENCE_NAMES,
    Comparison,
    Expression,
    parse_comparison,
    parse_expression,
)

INCOME_SOURCES = (
    "dependent_work",
    "self_employment",
    "capital",
    "property",
    "pensions",
    "alimony_received",
    "social_benefits",
    "housing_support",
    "scholarships",
    "undeclared",
    "other",
)
EXPENSE_KINDS = (
    "housing",
    "health",
    "education",
    "alimony_paid",
    "utilities",
    "court_ordered",
    "transport",
    "other",
)
MEMBER_FLAGS = ("has_minors", "has_elderly", "has_disabled", "has_dependent", "unemployed_member")
HOUSEHOLD_FLAGS = (*MEMBER_FLAGS, "single_adult_with_minors", "social_emergency")
PAYMENT_METHODS = ("bank_transfer", "cash", "supplier")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=63)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=63)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Article = Annotated[str, Field(min_length=1, max_length=200)]
Money = Annotated[Decimal, Field(ge=0, decimal_places=2)]
IncomeSource = Literal[INCOME_SOURCES]  # type: ignore[valid-type]
ExpenseKind = Literal[EXPENSE_KINDS]  # type: ignore[valid-type]
HouseholdFlag = Literal[HOUSEHOLD_FLAGS]  # type: ignore[valid-type]
PaymentMethod = Literal[PAYMENT_METHODS]  # type: ignore[valid-type]
ReferenceName = Literal["social_pension", "IAS", "minimum_wage"]


def _expression_text(value: object) -> object:
    if isinstance(value, float):
        raise ValueError('expected an amount written as text, e.g. "12.50" or "0.5 * IAS"')
    return value


def amount(value: object) -> Expression:
    if isinstance(value, Expression):
        return value
    expression = parse_expression(_expression_text(value), REFERENCE_NAMES)
    if expression.constant is not None and expression.constant < 0:
        raise ValueError("expected an amount of zero or more")
    return expression


def _formula(value: object) -> Expression:
    if isinstance(value, Expression):
        return value
    return parse_expression(_expression_text(value), HOUSEHOLD_NAMES)


def _threshold(value: object) -> Comparison:
    if isinstance(value, Comparison):
        return value
    return parse_comparison(_expression_text(value), REFERENCE_NAMES)


_AS_TEXT = PlainSerializer(str, return_type=str)
Amount = Annotated[Expression, PlainValidator(amount), _AS_TEXT, WithJsonSchema({"type": "string"})]
Formula = Annotated[
    Expression, PlainValidator(_formula), _AS_TEXT, WithJsonSchema({"type": "string"})
]
ThresholdRule = Annotated[
    Comparison, PlainValidator(_threshold), _AS_TEXT, WithJsonSchema({"type": "string"})
]


class Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def unique(values: list[str], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"each {what} must appear once, repeated: {', '.join(repeated)}")
