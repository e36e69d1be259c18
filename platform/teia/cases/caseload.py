"""Caseload per professional: open cases, overdue actions, reviews due, against the target.

MAASIP recommendation 2: a ratio of families per case manager that a council sets and
watches. Three grouped queries, whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, Role, User
from teia.cases.models import (
    OPEN_ACTION_STATUSES,
    Case,
    CaseStatus,
    InterventionPlan,
    PlanAction,
    PlanStatus,
)
from teia.cases.plans import REVIEW_NOTICE
from teia.core.tenancy import require_tenant_id


@dataclass(frozen=True)
class Caseload:
    user_id: int
    name: str
    open_cases: int
    families: int
    overdue_actions: int
    reviews_due: int
    target: int

    @property
    def ratio(self) -> float:
        """Families followed as a share of the target (1.0 = exactly at target)."""
        return self.families / self.target if self.target else 0.0

    @property
    def over_target(self) -> bool:
        return self.families > self.target


def caseloads(session: Session, day: date, target: int) -> list[Caseload]:
    """One row per active case manager of the council in scope, busiest first."""
    managers = session.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == require_tenant_id(),
            Membership.role == Role.CASE_MANAGER,
            Membership.active.is_(True),
        )
    ).all()
    open_cases = dict(
        session.execute(
            select(Case.manager_id, func.count())
            .where(Case.status == CaseStatus.OPEN)
            .group_by(Case.manager_id)
        ).all()
    )
    families = dict(
        session.execute(
            select(Case.manager_id, func.count(func.distinct(Case.household_id)))
            .where(Case.status == CaseStatus.OPEN)
            .group_by(Case.manager_id)
        ).all()
    )
    overdue = dict(
        session.execute(
            select(Case.manager_id, func.count())
            .select_from(PlanAction)
            .join(Case, Case.id == PlanAction.case_id)
            .join(InterventionPlan, InterventionPlan.id == PlanAction.plan_id)
            .where(
                Case.status == CaseStatus.OPEN,
                InterventionPlan.status == PlanStatus.ACTIVE,
                PlanAction.status.in_(OPEN_ACTION_STATUSES),
                PlanAction.due_on < day,
            )
            .group_by(Case.manager_id)
        ).all()
    )
    reviews = dict(
        session.execute(
            select(Case.manager_id, func.count())
            .select_from(InterventionPlan)
            .join(Case, Case.id == InterventionPlan.case_id)
            .where(
                Case.status == CaseStatus.OPEN,
                InterventionPlan.status == PlanStatus.ACTIVE,
                InterventionPlan.review_on <= day + REVIEW_NOTICE,
            )
            .group_by(Case.manager_id)
        ).all()
    )
    rows = [
        Caseload(
            user_id=uid,
            name=name,
            open_cases=open_cases.get(uid, 0),
            families=families.get(uid, 0),
            overdue_actions=overdue.get(uid, 0),
            reviews_due=reviews.get(uid, 0),
            target=target,
        )
        for uid, name in managers
    ]
    return sorted(rows, key=lambda r: (-r.families, r.name))
