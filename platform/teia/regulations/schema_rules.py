"""Checks across a regulation file (references between its parts), kept apart from the field
shapes in ``schema``. Each problem is reported as ``path: expectation``."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from teia.regulations.schema import RegulationFile

_ARTICLE_NUMBER = re.compile(r"(\d+(?:-[A-Z])?)\.º")
REQUIRED_DEADLINES = ("regularisation", "proof_of_expense")
REQUIRED_EXCLUSION = "not_regularised"
REQUIRED_CESSATION = "no_proof_of_expense"


def check_regulation(regulation: RegulationFile, context: Mapping[str, Any]) -> None:
    """Raise ``ValueError('path: expectation')`` for the first inconsistency found."""
    for problem in _problems(regulation, context):
        raise ValueError(problem)


def _problems(reg: RegulationFile, context: Mapping[str, Any]) -> Iterator[str]:
    council, effective = context.get("council"), context.get("effective_from")
    if council is not None and reg.council != council:
        yield f"council: expected {council!r}, the folder the file is in"
    if effective is not None and reg.effective_from != effective:
        yield f"effective_from: expected {effective.isoformat()}, the date in the file name"
    if reg.publication.date > reg.effective_from:
        yield "publication.date: expected a date on or before effective_from"
    for path, codes in (
        ("conditions", [c.id for c in reg.conditions]),
        ("support_types", [s.code for s in reg.support_types]),
        ("documents", [d.code for d in reg.documents]),
        ("priority_groups", [p.code for p in reg.priority_groups]),
        ("exclusion_causes", [c.code for c in reg.exclusion_causes]),
        ("cessation_causes", [c.code for c in reg.cessation_causes]),
        ("reference_overrides", [f"{o.name}@{o.valid_from}" for o in reg.reference_overrides]),
    ):
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            yield f"{path}: each code must appear once, repeated: {', '.join(repeated)}"
    if sum(c.kind == "economic_need" for c in reg.conditions) != 1:
        yield "conditions: expected exactly one condition of kind economic_need (the threshold)"
    yield from _evidence_problems(reg)
    yield from _document_problems(reg)
    for name in REQUIRED_DEADLINES:
        if name not in reg.deadlines:
            yield f"deadlines: expected a deadline named {name}"
    if REQUIRED_EXCLUSION not in {c.code for c in reg.exclusion_causes}:
        yield f"exclusion_causes: expected a cause with code {REQUIRED_EXCLUSION}"
    if REQUIRED_CESSATION not in {c.code for c in reg.cessation_causes}:
        yield f"cessation_causes: expected a cause with code {REQUIRED_CESSATION}"
    for path, article in _articles(reg, ""):
        for number in _ARTICLE_NUMBER.findall(article):
            if number not in reg.articles:
                yield f"{path}: article {number} is not listed under 'articles'"
    for index, choice in enumerate(reg.documented_choices):
        if not _resolves(reg, choice.path):
            yield f"documented_choices.{index}.path: {choice.path!r} names nothing in this file"


def _evidence_problems(reg: RegulationFile) -> Iterator[str]:
    documents = {d.code for d in reg.documents}
    references: list[tuple[str, str]] = []
    for i, expense in enumerate(reg.expenses.deductible):
        if expense.evidence:
            references.append((f"expenses.deductible.{i}.evidence", expense.evidence))
    for i, condition in enumerate(reg.conditions):
        references += [(f"conditions.{i}.evidence", code) for code in condition.evidence]
    for i, support in enumerate(reg.support_types):
        references += [(f"support_types.{i}.evidence", code) for code in support.evidence]
    for path, code in references:
        if code not in documents:
            yield f"{path}: {code!r} is not one of the documents"


def _document_problems(reg: RegulationFile) -> Iterator[str]:
    from teia.regulations.schema import EXPENSE_KINDS, HOUSEHOLD_FLAGS, INCOME_SOURCES

    choices: dict[str, tuple[str, ...]] = {
        "expense": EXPENSE_KINDS,
        "income": INCOME_SOURCES,
        "payment": tuple(reg.payment.methods),
        "support": tuple(s.code for s in reg.support_types),
    }
    for i, document in enumerate(reg.documents):
        if document.deadline is not None and document.deadline not in reg.deadlines:
            yield f"documents.{i}.deadline: {document.deadline!r} is not one of the deadlines"
        when = document.when
        if when == "always" or when in HOUSEHOLD_FLAGS:
            continue
        prefix, _, value = when.partition(":")
        if prefix not in choices:
            yield (
                f"documents.{i}.when: expected always, a household flag "
                f"({', '.join(HOUSEHOLD_FLAGS)}) or expense:/income:/payment:/support:<code>"
            )
        elif value not in choices[prefix]:
            yield f"documents.{i}.when: expected {prefix}: one of {', '.join(choices[prefix])}"


def _articles(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            where = f"{path}.{name}" if path else name
            if name == "article" and isinstance(item, str):
                yield where, item
            elif name != "articles":
                yield from _articles(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _articles(item, f"{path}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _articles(item, f"{path}.{key}")


def _resolves(value: object, path: str) -> bool:
    for part in path.split("."):
        if isinstance(value, BaseModel) and part in type(value).model_fields:
            value = getattr(value, part)
        elif isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False
    return True
