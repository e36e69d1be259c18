"""The shipped regulations and reference values, and small builders of households and
requests, for the engine's tests and benchmark (no database needed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from teia.regulations.facts import (
    Expense,
    HouseholdSnapshot,
    Income,
    Member,
    ReferenceTable,
    RequestItem,
    SupportRequest,
)
from teia.regulations.schema import RegulationFile, parse_reference_values, parse_regulation

TENANTS = Path(__file__).resolve().parents[1] / "tenants"
ALL_EVIDENCE = frozenset(
    {
        "websiss_form",
        "application_form",
        "income_proof",
        "residence_certificate",
        "assets_declaration",
        "housing_receipt",
        "medical_declaration",
        "utility_receipt",
        "social_equipment_receipt",
        "education_receipt",
        "alimony_regulation",
        "medical_prescription",
        "iban_proof",
        "iefp_registration",
    }
)


def regulation_files() -> list[Path]:
    return sorted(TENANTS.glob("*/regulations/*.yaml"))


@cache
def regulation(council: str, effective: str) -> RegulationFile:
    path = TENANTS / council / "regulations" / f"{effective}.yaml"
    return parse_regulation(
        yaml.safe_load(path.read_text()),
        council=council,
        effective_from=date.fromisoformat(effective),
    )


def mourao() -> RegulationFile:
    return regulation("mourao", "2024-04-02")


def reguengos() -> RegulationFile:
    return regulation("reguengos-de-monsaraz", "2025-01-01")


def portel() -> RegulationFile:
    return regulation("portel", "2024-06-01")


@cache
def references() -> ReferenceTable:
    path = TENANTS / "_catalogs" / "reference_values.yaml"
    return parse_reference_values(yaml.safe_load(path.read_text())).table()


def household(
    *ages: int,
    annual_income: str = "0",
    expenses: dict[str, str] | None = None,
    residence_months: int | None = 120,
    **facts: object,
) -> HouseholdSnapshot:
    """Members of the given ages (the first is the applicant), one annual income line from
    dependent work, monthly expenses by kind, and the other facts known and favourable."""
    members = tuple(
        Member(age=age, relationship="applicant" if i == 0 else "other", applicant=i == 0)
        for i, age in enumerate(ages or (40,))
    )
    values: dict[str, object] = {
        "members": members,
        "incomes": (Income("dependent_work", Decimal(annual_income), "annual"),),
        "expenses": tuple(Expense(k, Decimal(v)) for k, v in (expenses or {}).items()),
        "residence_months": residence_months,
        "debts_to_council": "none",
        "other_support_same_purpose": False,
        "assets": Decimal(0),
    }
    values.update(facts)
    return HouseholdSnapshot(**values)  # type: ignore[arg-type]


def request(
    *items: RequestItem,
    evidence: frozenset[str] = ALL_EVIDENCE,
    waivers: dict[str, str] | None = None,
    paid: dict[str, str] | None = None,
) -> SupportRequest:
    return SupportRequest(
        items=items,
        waivers=waivers or {},
        evidence=evidence,
        paid_this_year={k: Decimal(v) for k, v in (paid or {}).items()},
    )


def item(
    support_type: str, amount: str | None = None, *quotes: str, units: int | None = None
) -> RequestItem:
    return RequestItem(
        support_type,
        Decimal(amount) if amount is not None else None,
        tuple(Decimal(q) for q in quotes),
        units,
    )
