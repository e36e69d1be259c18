"""The intervention plan pages: the plan, its editor, its versions, and action updates."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from teia.accounts.models import Role
from teia.cases import plans, services
from teia.cases.access import require_section, require_staff
from teia.cases.labels import ACTION_STATUS, resolved
from teia.cases.models import ActionStatus, PlanAction, Section
from teia.cases.plans import ActionInput, GoalInput
from teia.cases.schemas import ActionUpdateForm
from teia.cases.services import CaseError, audit_read
from teia.cases.sharing import partner_organizations
from teia.cases.views import load_access, render_case
from teia.core.clock import today
from teia.core.db import db

bp = Blueprint("plans", __name__, template_folder="templates")

BLANK_ACTIONS = 2
_FIELD = re.compile(r"goal-(\d+)-(?:action-(\d+)-)?(\w+)")


@bp.get("/t/<tenant>/cases/<int:case_id>/plan")
@login_required
def show(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_section(access, Section.PLAN)
    plan = plans.current_plan(db.session, case_id)
    audit_read(db.session, access, "plan")
    return render_case(
        "cases/plan.html",
        access,
        "plan",
        plan=plan,
        goals=plans.visible_goals(plan, access) if plan else [],
        versions=plans.plan_versions(db.session, case_id) if access.staff else [],
        action_labels=resolved(ACTION_STATUS),
        update_form=ActionUpdateForm(),
        today=today(),
    )


@bp.get("/t/<tenant>/cases/<int:case_id>/plan/versions/<int:version>")
@login_required
def version(case_id: int, version: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_staff(access)
    plan = plans.plan_version(db.session, case_id, version)
    if plan is None:
        abort(404)
    audit_read(db.session, access, f"plan v{version}")
    return render_case(
        "cases/plan_version.html", access, "plan", plan=plan, action_labels=ACTION_STATUS
    )


def _responsibles() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Who can answer for an action: the council's professionals and its partners."""
    users = services.professionals(db.session, [Role.CASE_MANAGER, Role.TECHNICIAN])
    orgs = partner_organizations(db.session)
    return [(f"u:{u.id}", u.name) for u in users], [(f"o:{o.id}", o.name) for o in orgs]


@bp.route("/t/<tenant>/cases/<int:case_id>/plan/edit", methods=["GET", "POST"])
@login_required
def edit(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_staff(access)
    people, partners = _responsibles()
    errors: list[str] = []
    current = plans.current_plan(db.session, case_id)
    if request.method == "POST":
        goals, agreed_on, review_on, errors = _parse(request.form)
        if not errors:
            try:
                plan = plans.save_plan(
                    db.session,
                    access.case,
                    goals=goals,
                    agreed_on=agreed_on,
                    review_on=review_on,
                    actor_id=access.viewer.user_id,
                    allowed_organization_ids={int(k[2:]) for k, _n in partners},
                    allowed_user_ids={int(k[2:]) for k, _n in people},
                )
            except CaseError as exc:
                errors.append(str(exc))
            else:
                flash(_("Plano guardado (versão %(v)s).", v=plan.version), "success")
                return redirect(url_for("plans.show", case_id=case_id))
        draft = goals
    else:
        draft = _from_plan(current)
        agreed_on = current.agreed_on if current else None
        review_on = current.review_on if current else None
    draft = [*draft, GoalInput("")]
    for goal in draft:
        goal.actions = [*goal.actions, *(ActionInput("") for _i in range(BLANK_ACTIONS))]
    return render_case(
        "cases/plan_edit.html",
        access,
        "plan",
        draft=draft,
        agreed_on=agreed_on,
        review_on=review_on,
        people=people,
        partners=partners,
        errors=errors,
        action_labels=ACTION_STATUS,
    ), (422 if errors else 200)


def _from_plan(plan) -> list[GoalInput]:  # type: ignore[no-untyped-def]
    if plan is None:
        return []
    return [
        GoalInput(
            goal.description,
            [
                ActionInput(
                    a.description,
                    a.responsible_user_id,
                    a.responsible_organization_id,
                    a.due_on,
                    ActionStatus(a.status),
                    a.progress_note,
                )
                for a in goal.actions
            ],
        )
        for goal in plan.goals
    ]


def _parse(form) -> tuple[list[GoalInput], date | None, date | None, list[str]]:  # type: ignore[no-untyped-def]
    """The editor's flat fields (``goal-1-action-2-due_on``...) as goals with actions."""
    errors: list[str] = []
    goals: dict[int, GoalInput] = {}
    actions: dict[tuple[int, int], dict[str, str]] = {}
    for name, value in form.items():
        match = _FIELD.fullmatch(name)
        if not match:
            continue
        g, a, key = int(match[1]), match[2], match[3]
        if a is None:
            if key == "description":
                goals[g] = GoalInput(value.strip())
        else:
            actions.setdefault((g, int(a)), {})[key] = value.strip()
    for (g, _a), fields in sorted(actions.items()):
        if not fields.get("description") or g not in goals:
            continue
        try:
            goals[g].actions.append(_action(fields))
        except ValueError as exc:
            errors.append(str(exc))
    agreed_on = _date(form.get("agreed_on", ""), errors)
    review_on = _date(form.get("review_on", ""), errors)
    return [goals[k] for k in sorted(goals)], agreed_on, review_on, errors


def _action(fields: dict[str, str]) -> ActionInput:
    responsible = fields.get("responsible", "")
    user_id = int(responsible[2:]) if responsible.startswith("u:") else None
    org_id = int(responsible[2:]) if responsible.startswith("o:") else None
    status = fields.get("status") or ActionStatus.PLANNED
    if status not in ActionStatus.__members__.values():
        raise ValueError(_("Estado de ação desconhecido."))
    errors: list[str] = []
    due_on = _date(fields.get("due_on", ""), errors)
    if errors:
        raise ValueError(errors[0])
    return ActionInput(
        fields["description"],
        user_id,
        org_id,
        due_on,
        ActionStatus(status),
        fields.get("progress_note") or None,
    )


def _date(text: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(_("Data inválida: %(text)s", text=text))
        return None


@bp.post("/t/<tenant>/plan-actions/<int:action_id>")
@login_required
def update_action(action_id: int):  # type: ignore[no-untyped-def]
    action = db.session.get(PlanAction, action_id)
    if action is None:
        abort(404)
    access = load_access(action.case_id)
    if not plans.sees_action(access, action):
        abort(404)
    form = ActionUpdateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        plans.update_action(
            db.session,
            access,
            action,
            status=ActionStatus(form.status.data),
            progress_note=form.progress_note.data,
        )
    except LookupError:
        abort(404)
    except CaseError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Ação atualizada."), "success")
    return redirect(url_for("plans.show", case_id=action.case_id))
