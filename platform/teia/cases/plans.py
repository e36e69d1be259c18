"""The intervention plan: versions, goals and actions, reviews, and overdue actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from teia.audit.services import audit
from teia.cases.access import CaseAccess, share_is_active, shares_section
from teia.cases.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Case,
    CaseShare,
    CaseStatus,
    InterventionPlan,
    PlanAction,
    PlanGoal,
    PlanStatus,
    Section,
)
from teia.cases.services import CaseError, council_link
from teia.cases.sharing import partner_users
from teia.core.clock import today
from teia.core.tenancy import require_tenant_id
from teia.notifications.models import Reminder
from teia.notifications.services import (
    NewNotification,
    ReminderMessage,
    notify_many,
    reminder_kind,
    schedule_reminder,
)
from teia.tenants.services import tenant_in_scope

REVIEW_NOTICE = timedelta(days=7)


@dataclass
class ActionInput:
    description: str
    responsible_user_id: int | None = None
    responsible_organization_id: int | None = None
    due_on: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    progress_note: str | None = None


@dataclass
class GoalInput:
    description: str
    actions: list[ActionInput] = field(default_factory=list)


def current_plan(session: Session, case_id: int) -> InterventionPlan | None:
    return session.scalar(
        select(InterventionPlan)
        .options(
            selectinload(InterventionPlan.goals)
            .selectinload(PlanGoal.actions)
            .options(
                joinedload(PlanAction.responsible_user),
                joinedload(PlanAction.responsible_organization),
            )
        )
        .where(InterventionPlan.case_id == case_id, InterventionPlan.status == PlanStatus.ACTIVE)
    )


def plan_versions(session: Session, case_id: int) -> list[InterventionPlan]:
    return list(
        session.scalars(
            select(InterventionPlan)
            .options(joinedload(InterventionPlan.created_by))
            .where(InterventionPlan.case_id == case_id)
            .order_by(InterventionPlan.version.desc())
        )
    )


def plan_version(session: Session, case_id: int, version: int) -> InterventionPlan | None:
    return session.scalar(
        select(InterventionPlan)
        .options(selectinload(InterventionPlan.goals).selectinload(PlanGoal.actions))
        .where(InterventionPlan.case_id == case_id, InterventionPlan.version == version)
    )


def save_plan(
    session: Session,
    case: Case,
    *,
    goals: list[GoalInput],
    agreed_on: date | None,
    review_on: date | None,
    actor_id: int,
    allowed_organization_ids: set[int],
    allowed_user_ids: set[int],
) -> InterventionPlan:
    """Store the plan as a new version; the one before is kept, superseded."""
    if case.status != CaseStatus.OPEN:
        raise CaseError(_("Só um processo aberto pode ter o plano alterado."))
    goals = [g for g in goals if g.description.strip()]
    if not goals:
        raise CaseError(_("O plano precisa de pelo menos um objetivo."))
    for goal in goals:
        for action in goal.actions:
            if action.responsible_organization_id not in (None, *allowed_organization_ids):
                raise CaseError(_("A entidade responsável não é parceira deste município."))
            if action.responsible_user_id not in (None, *allowed_user_ids):
                raise CaseError(_("O técnico responsável não pertence a este município."))
    if review_on and agreed_on and review_on < agreed_on:
        raise CaseError(_("A revisão não pode ser anterior ao acordo com a família."))
    previous = session.scalar(
        select(func.max(InterventionPlan.version)).where(InterventionPlan.case_id == case.id)
    )
    session.execute(
        update(InterventionPlan)
        .where(InterventionPlan.case_id == case.id, InterventionPlan.status == PlanStatus.ACTIVE)
        .values(status=PlanStatus.SUPERSEDED)
    )
    plan = InterventionPlan(
        case_id=case.id,
        version=(previous or 0) + 1,
        agreed_on=agreed_on,
        review_on=review_on,
        created_by_id=actor_id,
    )
    session.add(plan)
    session.flush()
    for position, goal_input in enumerate(goals, start=1):
        goal = PlanGoal(plan_id=plan.id, position=position, description=goal_input.description)
        session.add(goal)
        session.flush()
        for action_position, a in enumerate(
            [a for a in goal_input.actions if a.description.strip()], start=1
        ):
            session.add(
                PlanAction(
                    goal_id=goal.id,
                    plan_id=plan.id,
                    case_id=case.id,
                    position=action_position,
                    description=a.description.strip(),
                    responsible_user_id=a.responsible_user_id,
                    responsible_organization_id=a.responsible_organization_id,
                    due_on=a.due_on,
                    status=a.status,
                    progress_note=a.progress_note,
                    updated_by_id=actor_id,
                )
            )
    if review_on:
        schedule_reminder(
            session,
            object_type="intervention_plan",
            object_id=plan.id,
            kind="plan_review",
            due_date=max(review_on - REVIEW_NOTICE, today()),
            user_id=case.manager_id,
        )
    audit(
        session,
        "plan.saved",
        object_type="case",
        object_id=case.id,
        details={"version": plan.version},
    )
    session.flush()
    return plan


def visible_goals(
    plan: InterventionPlan, access: CaseAccess
) -> list[tuple[PlanGoal, list[PlanAction]]]:
    """Goals with their actions; a partner sees only its own actions and their goals."""
    rows = []
    for goal in plan.goals:
        actions = [a for a in goal.actions if sees_action(access, a)]
        if access.staff or actions:
            rows.append((goal, actions))
    return rows


def sees_action(access: CaseAccess, action: PlanAction) -> bool:
    """Staff see every action; a partner with the plan shared, those assigned to it."""
    if access.staff:
        return True
    if not access.can(Section.PLAN):
        return False
    return action.responsible_organization_id == access.viewer.organization_id or (
        action.responsible_user_id == access.viewer.user_id
    )


def update_action(
    session: Session,
    access: CaseAccess,
    action: PlanAction,
    *,
    status: ActionStatus,
    progress_note: str | None,
) -> None:
    """Progress on an action: the case's staff, or the partner it is assigned to."""
    if not sees_action(access, action):
        raise LookupError(action.id)
    plan = session.get(InterventionPlan, action.plan_id)
    if plan is None or plan.status != PlanStatus.ACTIVE:
        raise CaseError(_("Esta versão do plano já foi substituída."))
    old = action.status
    action.status = status
    action.progress_note = (progress_note or "").strip() or action.progress_note
    action.updated_by_id = access.viewer.user_id
    audit(
        session,
        "plan_action.updated",
        object_type="case",
        object_id=action.case_id,
        purpose=access.purpose,
        details={"action": action.id, "from": old, "to": status},
    )
    session.flush()


def _load_plans(session: Session, plan_ids: list[int]) -> list[object]:
    """A dispatch batch's plans under review, their cases and the council (for the links)."""
    found = session.scalars(select(InterventionPlan).where(InterventionPlan.id.in_(plan_ids))).all()
    cases = session.scalars(select(Case).where(Case.id.in_({p.case_id for p in found}))).all()
    return [*found, *cases, tenant_in_scope(session)]


@reminder_kind("plan_review", "Revisão do plano de intervenção", loader=_load_plans)
def _plan_review(session: Session, reminder: Reminder) -> ReminderMessage | None:
    plan = session.get(InterventionPlan, reminder.object_id)
    if plan is None or plan.status != PlanStatus.ACTIVE or plan.review_on is None:
        return None
    case = session.get(Case, plan.case_id)
    if case is None or case.status != CaseStatus.OPEN:
        return None
    return ReminderMessage(
        subject=_("Revisão do plano do processo %(number)s", number=case.number),
        body=_(
            "A revisão do plano de intervenção (versão %(v)s) está marcada para %(d)s.",
            v=plan.version,
            d=plan.review_on.strftime("%d/%m/%Y"),
        ),
        link=council_link(session, f"/cases/{case.id}/plan"),
    )


def flag_overdue_actions(session: Session, day: date) -> int:
    """Tell the case manager, and the responsible partner while its plan share is active,
    of each action past its deadline; each lapse once (claimed with a conditional UPDATE)."""
    claimed = list(
        session.execute(
            update(PlanAction)
            .where(
                PlanAction.status.in_(OPEN_ACTION_STATUSES),
                PlanAction.due_on < day,
                PlanAction.case_id.in_(select(Case.id).where(Case.status == CaseStatus.OPEN)),
                PlanAction.plan_id.in_(
                    select(InterventionPlan.id).where(InterventionPlan.status == PlanStatus.ACTIVE)
                ),
                (PlanAction.overdue_flagged_for.is_(None))
                | (PlanAction.overdue_flagged_for != PlanAction.due_on),
            )
            .values(overdue_flagged_for=PlanAction.due_on)
            .returning(PlanAction.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    if not claimed:
        return 0
    tenant_id = require_tenant_id()
    actions = session.scalars(
        select(PlanAction).where(PlanAction.id.in_(claimed)).order_by(PlanAction.id)
    ).all()
    cases = {
        c.id: c
        for c in session.scalars(select(Case).where(Case.id.in_({a.case_id for a in actions})))
    }
    partners = _partners_with_plan_shared(session, actions, day)
    council = council_link(session, "")
    notes: list[NewNotification] = []
    for action in actions:
        case = cases[action.case_id]
        link = f"{council}/cases/{case.id}/plan"
        subject = _("Ação em atraso no processo %(number)s", number=case.number)
        body = _(
            "Uma ação do plano tinha prazo a %(d)s; veja o plano para a atualizar.",
            d=action.due_on.strftime("%d/%m/%Y"),  # type: ignore[union-attr]
        )
        recipients = {case.manager_id}
        recipients.update(partners.get((case.id, action.responsible_organization_id), []))
        notes += [
            NewNotification(user_id, "plan_action_overdue", subject, body, link, tenant_id)
            for user_id in sorted(recipients)
        ]
    notify_many(session, notes)
    return len(actions)


def _partners_with_plan_shared(
    session: Session, actions: Sequence[PlanAction], day: date
) -> dict[tuple[int, int], list[int]]:
    """For each (case, responsible organisation) whose plan share is active, its users."""
    wanted = {
        (a.case_id, a.responsible_organization_id)
        for a in actions
        if a.responsible_organization_id is not None
    }
    if not wanted:
        return {}
    rows = session.execute(
        select(CaseShare.case_id, CaseShare.organization_id).where(
            CaseShare.case_id.in_({case_id for case_id, _org in wanted}),
            shares_section(Section.PLAN),
            share_is_active(day),
        )
    )
    shared = {(case_id, org) for case_id, org in rows} & wanted
    users = partner_users(session, {org for _case, org in shared})
    return {pair: users[pair[1]] for pair in shared}
