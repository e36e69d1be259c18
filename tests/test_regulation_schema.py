"""The regulation language: shipped files validate, malformed ones are refused with a path and
an expectation, and expressions are parsed by our own parser (never ``eval``)."""

from __future__ import annotations

import builtins
import copy
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from teia.regulations.engine import evaluate
from teia.regulations.expressions import (
    HOUSEHOLD_NAMES,
    REFERENCE_NAMES,
    ExpressionError,
    parse_comparison,
    parse_expression,
)
from teia.regulations.schema import (
    RegulationFile,
    error_lines,
    parse_reference_values,
    parse_regulation,
)
from tests.regulation_factories import TENANTS, household, references, regulation_files, request

MOURAO = TENANTS / "mourao" / "regulations" / "2024-04-02.yaml"


def _data(path: Path = MOURAO) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


def _errors(data: dict[str, Any], **context: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_regulation(data, **context)
    return error_lines(caught.value)


def test_every_shipped_regulation_validates_and_matches_its_location() -> None:
    files = regulation_files()
    assert {p.parent.parent.name for p in files} == {"mourao", "reguengos-de-monsaraz", "portel"}
    assert len(files) == 4
    for path in files:
        doc = parse_regulation(
            _data(path),
            council=path.parent.parent.name,
            effective_from=date.fromisoformat(path.stem),
        )
        assert doc.articles and doc.conditions and doc.support_types


def test_the_reference_catalogue_validates() -> None:
    catalogue = parse_reference_values(_data(TENANTS / "_catalogs" / "reference_values.yaml"))
    table = catalogue.table()
    assert table.value("IAS", date(2024, 6, 1)) == Decimal("509.26")
    assert table.value("IAS", date(2025, 1, 1)) == Decimal("522.50")
    assert table.value("minimum_wage", date(2026, 3, 1)) == Decimal("920.00")
    assert table.value("social_pension", date(2024, 12, 31)) == Decimal("242.32")


def test_a_document_round_trips_with_its_expressions_as_text() -> None:
    doc = parse_regulation(_data())
    data = doc.to_document()
    assert data["threshold"]["rule"] == "<= social_pension"
    assert data["limits"]["household"]["per_minor"] == "0.5 * IAS"
    again = parse_regulation(copy.deepcopy(data))
    assert again.to_document() == data
    assert again.threshold.rule.operator == "<="


def test_the_mourao_file_marks_its_chosen_values() -> None:
    doc = parse_regulation(_data())
    chosen = {c.path for c in doc.documented_choices}
    assert {
        "limits.household.per_adult",
        "limits.household.per_minor",
        "per_capita.formula",
    } <= chosen
    assert doc.publication.number == "64" and doc.publication.date == date(2024, 4, 1)


def _mutated(path: str, value: Any) -> dict[str, Any]:
    data = _data()
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is KeyError:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "where", "expected"),
    [
        ("threshold", KeyError, "threshold", "Field required"),
        ("threshold.rule", "<= social_pension * wage", "threshold.rule", "unknown name 'wage'"),
        ("threshold.rule", "social_pension", "threshold.rule", "'<=' or '<'"),
        ("threshold.rule", "<= (IAS", "threshold.rule", "expected ')'"),
        ("limits.household.per_adult", 400.5, "limits.household.per_adult", "written as text"),
        ("limits.household.per_adult", "-5 EUR", "limits.household.per_adult", "zero or more"),
        ("per_capita.formula", "annual_income / IAS", "per_capita.formula", "unknown name 'IAS'"),
        ("per_capita.formula", "annual_income / 0", "per_capita.formula", "division by zero"),
        ("income.sources.0", "lottery", "income.sources.0", "dependent_work"),
        (
            "conditions.0.params.months",
            "twelve",
            "conditions.0.minimum_residence.params.months",
            "integer",
        ),
        ("conditions.1.kind", "maximum_height", "conditions.1", "minimum_residence"),
        ("conditions.0.colour", "blue", "conditions.0.minimum_residence.colour", "Extra inputs"),
        (
            "conditions.0.evidence",
            ["passport"],
            "conditions.0.evidence",
            "'passport' is not one of the documents",
        ),
        ("conditions.0.article", "7.º, a)", "conditions.0.article", "article 7 is not listed"),
        (
            "support_types.5.units.max_per_application",
            0,
            "support_types.5.units.max_per_application",
            "greater than or equal to 1",
        ),
        ("documents.2.when", "expense:yacht", "documents.2.when", "expected expense: one of"),
        ("documents.2.deadline", "someday", "documents.2.deadline", "not one of the deadlines"),
        ("deadlines.regularisation", KeyError, "deadlines", "regularisation"),
        (
            "documented_choices.0.path",
            "limits.nowhere",
            "documented_choices.0.path",
            "names nothing",
        ),
        (
            "per_capita.member_weights",
            {"minor": 2},
            "per_capita.member_weights.minor",
            "less than or equal to 1",
        ),
    ],
)
def test_a_malformed_document_names_the_path_and_the_expectation(
    path: str, value: Any, where: str, expected: str
) -> None:
    problems = _errors(_mutated(path, value))
    assert any(p == where and expected in message for p, message in problems), problems


def test_the_file_location_must_match_the_document() -> None:
    problems = _errors(_data(), council="portel", effective_from=date(2024, 4, 2))
    assert problems == [("council", "expected 'portel', the folder the file is in")]
    problems = _errors(_data(), council="mourao", effective_from=date(2024, 5, 1))
    assert problems[0][0] == "effective_from" and "2024-05-01" in problems[0][1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 + 3 * 4", "14"),
        ("(2 + 3) * 4", "20"),
        ("-IAS + 10 EUR", "-490"),
        ("0.1 + 0.2", "0.3"),
        ("IAS / 4 - -1", "126"),
        ("400 EUR", "400"),
    ],
)
def test_expressions_follow_arithmetic_in_decimal(text: str, expected: str) -> None:
    expression = parse_expression(text, REFERENCE_NAMES)
    assert expression({"IAS": Decimal(500)}) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "IAS.__class__",
        "members ** 2",
        "open",
        "1; 2",
        "lambda: 1",
        "",
        "[1]",
    ],
)
def test_anything_but_the_grammar_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text, HOUSEHOLD_NAMES)


def test_a_threshold_is_a_comparison_with_an_expression() -> None:
    rule = parse_comparison("< 0.5 * IAS", REFERENCE_NAMES)
    assert (rule.operator, rule.bound.text, rule.bound.names) == (
        "<",
        "0.5 * IAS",
        frozenset({"IAS"}),
    )
    assert rule.holds(Decimal("254.62"), Decimal("254.63"))
    assert not rule.holds(Decimal("254.63"), Decimal("254.63"))


def test_nothing_is_evaluated_with_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    for path in regulation_files():
        doc: RegulationFile = parse_regulation(_data(path))
        on = max(doc.effective_from, date(2025, 1, 1))
        evaluate(doc, references(), household(40, annual_income="1000"), request(), on)


def test_the_example_in_the_operators_guide_validates() -> None:
    guide = (TENANTS.parent / "docs" / "regulations.md").read_text()
    example = guide.split("## An example", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    doc = parse_regulation(yaml.safe_load(example))
    assert doc.threshold.rule.text == "<= 300 EUR"
