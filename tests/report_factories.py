"""Rows for the report tests, written directly with the dates a test needs (the services date
everything today): household members, applications with their items, decisions and payments,
referrals, and intervention plans with actions. Call each inside the council's scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from teia.applications.models import (
    Application,
    ApplicationItem,
    ApplicationStatus,
    Decision,
    DecisionOutcome,
    Payment,
    PaymentMethod,
)
from teia.cases.models import (
    ActionStatus,
    Area,
    Case,
    InterventionPlan,
    PlanAction,
    PlanGoal,
    PlanStatus,
    Referral,
    ReferralStatus,
)
from teia.core.db import db
from teia.core.tenancy import require_tenant_id
from teia.people.models import HouseholdMember, Relationship
from teia.regulations.models import RegulationVersion

Item = tuple[str, str | None, str | None]  # support type, requested, approved (euros)


def member(
    household_id: int,
    person_id: int,
    *,
    joined_on: date | None = None,
    left_on: date | None = None,
) -> HouseholdMember:
    row = HouseholdMember(
        household_id=household_id,
        person_id=person_id,
        relationship_to_representative=Relationship.OTHER_RELATIVE,
        joined_on=joined_on,
        left_on=left_on,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _money(amount: str | None) -> Decimal | None:
    return None if amount is None else Decimal(amount)


def application(
    case: Case,
    technician_id: int,
    on: date,
    status: ApplicationStatus,
    *items: Item,
) -> Application:
    """An application of the case's household dated ``on``, in ``status``, with ``items``."""
    version = db.session.scalar(
        select(RegulationVersion.id)
        .where(RegulationVersion.tenant_id == require_tenant_id())
        .order_by(RegulationVersion.effective_from)
        .limit(1)
    )
    assert version is not None, "the council has no regulation"
    n = db.session.scalar(select(func.count(Application.id))) or 0
    built = Application(
        number=f"T/{n + 1:05d}",
        household_id=case.household_id,
        applicant_id=case.person_id,
        case_id=case.id,
        technician_id=technician_id,
        status=status,
        application_date=on,
        regulation_version_id=version,
        snapshot={},
        items=[
            ApplicationItem(
                position=i,
                support_type=kind,
                requested_amount=_money(requested),
                approved_amount=_money(approved),
            )
            for i, (kind, requested, approved) in enumerate(items)
        ],
    )
    db.session.add(built)
    db.session.flush()
    return built


def decide(application: Application, outcome: DecisionOutcome, on: date) -> Decision:
    built = Decision(
        application_id=application.id, outcome=outcome, decided_on=on, reference="Deliberação"
    )
    db.session.add(built)
    db.session.flush()
    return built


def pay(application: Application, position: int, amount: str, on: date) -> Payment:
    built = Payment(
        application_id=application.id,
        item_id=application.items[position].id,
        amount=Decimal(amount),
        method=PaymentMethod.BANK_TRANSFER,
        paid_on=on,
        proof_due_on=on + timedelta(days=30),
    )
    db.session.add(built)
    db.session.flush()
    return built


def referral(
    case: Case,
    organization_id: int,
    requested_at: datetime,
    status: ReferralStatus = ReferralStatus.PENDING,
    responded_at: datetime | None = None,
) -> Referral:
    built = Referral(
        case_id=case.id,
        organization_id=organization_id,
        area=Area.HOUSING,
        request="Apoio na procura de habitação",
        respond_by=requested_at.date() + timedelta(days=10),
        status=status,
        requested_at=requested_at,
        responded_at=responded_at,
    )
    db.session.add(built)
    db.session.flush()
    return built


def plan(case: Case, version: int = 1, status: PlanStatus = PlanStatus.ACTIVE) -> PlanGoal:
    """A plan version of the case with one goal (actions are added to the goal)."""
    built = InterventionPlan(case_id=case.id, version=version, status=status)
    goal = PlanGoal(position=1, description="Estabilizar a habitação")
    built.goals = [goal]
    db.session.add(built)
    db.session.flush()
    return goal


def action(
    goal: PlanGoal, due_on: date | None, status: ActionStatus = ActionStatus.PLANNED
) -> PlanAction:
    case_id = db.session.scalar(
        select(InterventionPlan.case_id).where(InterventionPlan.id == goal.plan_id)
    )
    assert case_id is not None
    built = PlanAction(
        goal_id=goal.id,
        plan_id=goal.plan_id,
        case_id=case_id,
        position=len(goal.actions) + 1,
        description="Contactar o senhorio",
        due_on=due_on,
        status=status,
    )
    goal.actions.append(built)
    db.session.flush()
    return built
