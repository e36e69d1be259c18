"""An application as the regulation engine reads it, and the engine's verdict on it.

The household is stored as declared (``Application.snapshot``, JSON with amounts as strings);
the request adds the documents received, the waivers granted and what the household was
already paid this calendar year in its other applications (refunds deducted).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from teia.applications.models import (
    EVIDENCE_STATUSES,
    Application,
    ApplicationItem,
    Payment,
)
from teia.core.db import utcnow
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
from teia.regulations.schema import RegulationFile
from teia.regulations.services import reference_table, regulation_doc
from teia.regulations.workdays import add_working_days
from teia.tenants.models import Tenant

# --- what the intake form gives -------------------------------------------------------------


@dataclass(frozen=True)
class MemberInput:
    age: int
    relationship: str  # teia.people.models.Relationship
    name: str = ""
    person_id: int | None = None
    applicant: bool = False
    disabled: bool = False
    dependent: bool = False
    emancipated: bool = False
    unemployed: bool = False


@dataclass(frozen=True)
class IncomeInput:
    source: str  # one of teia.regulations.schema.INCOME_SOURCES
    amount: Decimal
    period: str = "annual"  # annual | monthly
    member: int | None = None  # the earner's position in the members list


@dataclass(frozen=True)
class ExpenseInput:
    kind: str  # one of teia.regulations.schema.EXPENSE_KINDS
    monthly_amount: Decimal


@dataclass(frozen=True)
class HouseholdInput:
    members: Sequence[MemberInput]
    incomes: Sequence[IncomeInput] = ()
    expenses: Sequence[ExpenseInput] = ()
    residence_months: int | None = None
    debts_to_council: str | None = None  # none | in_resolution | owing
    other_support_same_purpose: bool | None = None
    social_emergency: bool = False
    assets: Decimal | None = None


@dataclass(frozen=True)
class ItemInput:
    support_type: str
    description: str = ""
    amount: Decimal | None = None
    quotes: Sequence[Decimal] = field(default_factory=tuple)
    units: int | None = None


def snapshot_data(household: HouseholdInput) -> dict[str, Any]:
    """The household as JSON: amounts as strings, so nothing is lost to floats."""

    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(asdict(household))  # type: ignore[return-value]


def household_input(snapshot: Mapping[str, Any]) -> HouseholdInput:
    """The stored snapshot read back (the form prefills from it, the engine reads it)."""
    assets = snapshot.get("assets")
    return HouseholdInput(
        members=[MemberInput(**m) for m in snapshot["members"]],
        incomes=[
            IncomeInput(**(i | {"amount": Decimal(i["amount"])})) for i in snapshot["incomes"]
        ],
        expenses=[
            ExpenseInput(e["kind"], Decimal(e["monthly_amount"])) for e in snapshot["expenses"]
        ],
        residence_months=snapshot.get("residence_months"),
        debts_to_council=snapshot.get("debts_to_council"),
        other_support_same_purpose=snapshot.get("other_support_same_purpose"),
        social_emergency=bool(snapshot.get("social_emergency")),
        assets=None if assets is None else Decimal(assets),
    )


def household_snapshot(household: HouseholdInput) -> HouseholdSnapshot:
    return HouseholdSnapshot(
        members=tuple(
            Member(
                age=m.age,
                relationship=m.relationship,
                applicant=m.applicant,
                disabled=m.disabled,
                dependent=m.dependent,
                emancipated=m.emancipated,
                unemployed=m.unemployed,
            )
            for m in household.members
        ),
        incomes=tuple(Income(i.source, i.amount, i.period) for i in household.incomes),  # type: ignore[arg-type]
        expenses=tuple(Expense(e.kind, e.monthly_amount) for e in household.expenses),
        residence_months=household.residence_months,
        debts_to_council=household.debts_to_council,  # type: ignore[arg-type]
        other_support_same_purpose=household.other_support_same_purpose,
        social_emergency=household.social_emergency,
        assets=household.assets,
    )


def request_items(items: Sequence[ApplicationItem]) -> tuple[RequestItem, ...]:
    return tuple(
        RequestItem(
            support_type=i.support_type,
            amount=i.requested_amount,
            quotes=tuple(Decimal(q) for q in i.quotes),
            units=i.units,
        )
        for i in items
    )


# --- the verdict ----------------------------------------------------------------------------


def regulation_of(application: Application) -> RegulationFile:
    return regulation_doc(application.regulation_version)


def paid_this_year(
    session: Session, household_id: int, year: int, *, except_application: int | None = None
) -> dict[str, Decimal]:
    """Paid to the household in ``year`` by support type, less what came back in refunds."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    others = select(Application.id).where(Application.household_id == household_id)
    if except_application is not None:
        others = others.where(Application.id != except_application)
    paid = session.execute(
        select(ApplicationItem.support_type, func.sum(Payment.amount))
        .join(ApplicationItem, ApplicationItem.id == Payment.item_id)
        .where(Payment.application_id.in_(others), Payment.paid_on.between(start, end))
        .group_by(ApplicationItem.support_type)
    ).all()
    refunded = session.execute(
        select(ApplicationItem.support_type, func.sum(ApplicationItem.refunded_amount))
        .join(Application, Application.id == ApplicationItem.application_id)
        .where(Application.id.in_(others), Application.refunded_on.between(start, end))
        .group_by(ApplicationItem.support_type)
    ).all()
    totals: dict[str, Decimal] = {}
    for code, amount in paid:
        totals[code] = Decimal(amount)
    for code, amount in refunded:
        totals[code] = max(totals.get(code, Decimal(0)) - Decimal(amount), Decimal(0))
    return {code: amount.quantize(Decimal("0.01")) for code, amount in totals.items() if amount}


def judge(
    session: Session,
    application: Application,
    *,
    on: date | None = None,
    waivers: Mapping[str, str] | None = None,
) -> Evaluation:
    """The engine's verdict on the application as it stands (``waivers``: to try others)."""
    regulation = regulation_of(application)
    refs = reference_table(session, application.tenant_id)
    evidence = frozenset(d.code for d in application.documents if d.status in EVIDENCE_STATUSES)
    request = SupportRequest(
        items=request_items(application.items),
        waivers=dict(application.waivers if waivers is None else waivers),
        evidence=evidence,
        payment_method=application.payment_method,
        paid_this_year=paid_this_year(
            session,
            application.household_id,
            application.application_date.year,
            except_application=application.id,
        ),
    )
    household = household_snapshot(household_input(application.snapshot))
    return evaluate(regulation, refs, household, request, on or application.application_date)


def keep(application: Application, evaluation: Evaluation) -> None:
    """The verdict stays on the application for the pages and the history."""
    application.evaluation = evaluation.to_dict()
    application.evaluated_at = utcnow()


def evaluate_application(
    session: Session, application: Application, on: date | None = None
) -> Evaluation:
    """Judge the application by the version in force on its date, and keep the verdict."""
    result = judge(session, application, on=on)
    keep(application, result)
    return result


def deadline(tenant: Tenant, regulation: RegulationFile, name: str, start: date) -> date:
    """The last day of the regulation's deadline ``name`` counted from ``start``."""
    rule = regulation.deadlines[name]
    if rule.working_days is not None:
        return add_working_days(tenant, start, rule.working_days)
    if rule.calendar_days is not None:
        return start + timedelta(days=rule.calendar_days)
    months = rule.end_of_month_after or 0
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])
