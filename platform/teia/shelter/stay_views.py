"""Stays: PIA/PIF, reviews, contacts, blockers, the prolonged-stays board, discharge, follow-up.

Pages of the requesting council's staff (technicians, case managers, the council's admin);
partners and a unit's staff get 404, other roles 403. Every page that shows a stay is
audited. The views read forms and call :mod:`teia.shelter.stays` and
:mod:`teia.shelter.discharge`; a refused change comes back beside the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import Field

from teia.accounts.models import User
from teia.audit.services import audit
from teia.cases.access import PARTNER_ROLES
from teia.cases.labels import resolved
from teia.cases.services import professionals
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_roles, current_tenant
from teia.shelter import catalog, discharge, stays, warnings
from teia.shelter.access import REQUESTER_ROLES
from teia.shelter.labels import (
    BLOCKER_KIND,
    CONTACT_KIND,
    DISCHARGE_STEPS,
    END_REASON,
    FOLLOW_UP_TOPIC,
    GOAL_STATUS,
    GOAL_TERM,
    MAIN_GOAL,
    PLAN_KIND,
    RESPONSIBLE,
    REVIEW_PROGRESS,
    STAY_STATUS,
)
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import (
    CarePlanGoal,
    FollowUpContact,
    Stay,
    StayBlocker,
    StayStatus,
)
from teia.shelter.stay_forms import (
    BlockerForm,
    ContactForm,
    DischargeForm,
    FollowUpForm,
    GoalForm,
    GoalUpdateForm,
    PlanForm,
    ResolveForm,
    ReviewForm,
    StepForm,
    form_date,
    optional_id,
    posted_form,
    row_form,
    stay_forms,
)

bp = Blueprint("shelter_stays", __name__, template_folder="templates")

CONTACTS_ON_PAGE = 50
# Where each form sits on the page (the redirect comes back to it).
ANCHORS = {
    "plan": "plano",
    "goal": "metas",
    "review": "reavaliacoes",
    "contact": "contactos",
    "blocker": "pendencias",
    "step": "desligamento",
    "discharge": "desligamento",
    "follow-up": "pos-desligamento",
}


def _purpose() -> str:
    return _("Acompanhamento do acolhimento pelo município requerente")


def _require_staff() -> None:
    """The requesting council's staff only: partners and shelter staff never see a stay."""
    roles = current_roles()
    if not roles & set(REQUESTER_ROLES):
        abort(404 if roles & PARTNER_ROLES else 403)


def _stay(stay_id: int) -> Stay:
    stay = stays.load_stay(db.session, stay_id)
    if stay is None:
        abort(404)
    return stay


def _staff() -> list[User]:
    return professionals(db.session, REQUESTER_ROLES)


def _attach(form: FlaskForm, exc: ShelterError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field) and target.type != "HiddenField":
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


# --- the list and the board -------------------------------------------------------------------


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/t/<tenant>/shelter/stays")
@login_required
def index():  # type: ignore[no-untyped-def]
    _require_staff()
    filters = stays.StayFilters(
        ended=request.args.get("status") == "ended",
        unit_id=request.args.get("unit", type=int),
        page=_page(),
    )
    on = today()
    rows, total = stays.stay_list(db.session, filters, on)
    audit(
        db.session,
        "shelter.stay.list",
        object_type="stay",
        purpose=_purpose(),
        details={"ids": [r.stay.id for r in rows]},
    )
    return render_template(
        "shelter/stay_index.html",
        rows=rows,
        total=total,
        filters=filters,
        page_size=stays.PAGE_SIZE,
        units=stays.time_in_care_by_unit(db.session, on),
    )


@bp.get("/t/<tenant>/shelter/board")
@login_required
def board():  # type: ignore[no-untyped-def]
    _require_staff()
    kind = request.args.get("kind", "")
    filters = stays.BoardFilters(
        unit_id=request.args.get("unit", type=int),
        blocker_kind=kind if kind in BLOCKER_KIND else None,
        page=_page(),
    )
    on = today()
    rows, total = stays.board(db.session, filters, on)
    audit(
        db.session,
        "shelter.stay.board",
        object_type="stay",
        purpose=_purpose(),
        details={"ids": [r.stay.id for r in rows]},
    )
    owners = stays.user_names(db.session, (b.owner_user_id for r in rows for b in r.blockers))
    return render_template(
        "shelter/board.html",
        rows=rows,
        total=total,
        filters=filters,
        page_size=stays.PAGE_SIZE,
        units=stays.units_in_use(db.session),
        owners=owners,
        blocker_labels=resolved(BLOCKER_KIND),
        today=on,
    )


# --- the stay page ----------------------------------------------------------------------------


def _render(stay: Stay, failed: tuple[str, FlaskForm] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    on = today()
    tenant = current_tenant()
    assert tenant is not None
    audit(
        db.session, "shelter.stay.read", object_type="stay", object_id=stay.id, purpose=_purpose()
    )
    show_all = request.args.get("contacts") == "all"
    contacts = stays.contacts(db.session, stay, None if show_all else CONTACTS_ON_PAGE)
    contact_total = (
        len(contacts)
        if show_all or len(contacts) < CONTACTS_ON_PAGE
        else stays.count_contacts(db.session, stay)
    )
    blockers = stays.blockers(db.session, stay)
    recorded = discharge.steps(db.session, stay)
    follow_ups = discharge.follow_ups(db.session, stay)
    previous, later = stays.related_stays(db.session, stay)
    staff = _staff()
    plan = stay.plan
    names = stays.user_names(
        db.session,
        [
            plan.updated_by_id if plan else None,
            *(r.reviewer_id for r in (plan.reviews if plan else [])),
            *(c.recorded_by_id for c in contacts),
            *(b.owner_user_id for b in blockers),
            *(s.recorded_by_id for s in recorded.values()),
            *(f.responsible_id for f in follow_ups),
        ],
    )
    forms = stay_forms(stay, staff, set(recorded))
    goal_forms = {g.id: row_form("goal", g) for g in (plan.goals if plan else [])}
    blocker_forms = {b.id: row_form("blocker", b) for b in blockers if b.resolved_on is None}
    follow_up_forms = {f.id: row_form("follow-up", f) for f in follow_ups if f.done_on is None}
    if failed is not None:
        name, form = failed
        kind, _sep, row_id = name.rpartition("-")
        rows: dict[str, dict[int, FlaskForm]] = {
            "goal": goal_forms,
            "blocker": blocker_forms,
            "follow-up": follow_up_forms,
        }
        if kind in rows and row_id.isdigit():
            rows[kind][int(row_id)] = form
        else:
            forms[name] = form
    modality = catalog.modalities(db.session, tenant.country).get(stay.modality)
    expected_days = (stay.expected_end_on - stay.admitted_on).days if stay.expected_end_on else None
    return render_template(
        "shelter/stay_show.html",
        stay=stay,
        plan=plan,
        modality_label=modality.label if modality else stay.modality,
        days=stays.days_in_care(stay, on),
        expected_days=expected_days,
        signs=warnings.signs_of(db.session, [stay.id], on).get(stay.id, []),
        previous=previous,
        later=later,
        readmission=stays.is_readmission(stay, previous.ended_on if previous else None),
        contacts=contacts,
        contact_total=contact_total,
        show_all_contacts=show_all,
        blockers=blockers,
        steps=recorded,
        missing_steps=discharge.missing_steps(recorded),
        follow_ups=follow_ups,
        names=names,
        forms=forms,
        goal_forms=goal_forms,
        blocker_forms=blocker_forms,
        follow_up_forms=follow_up_forms,
        open_form=failed[0] if failed else None,
        labels={
            "status": resolved(STAY_STATUS),
            "plan_kind": resolved(PLAN_KIND),
            "main_goal": resolved(MAIN_GOAL),
            "term": resolved(GOAL_TERM),
            "responsible": resolved(RESPONSIBLE),
            "goal_status": resolved(GOAL_STATUS),
            "progress": resolved(REVIEW_PROGRESS),
            "contact": resolved(CONTACT_KIND),
            "blocker": resolved(BLOCKER_KIND),
            "step": resolved(DISCHARGE_STEPS),
            "end_reason": resolved(END_REASON),
            "topic": resolved(FOLLOW_UP_TOPIC),
        },
        today=on,
    ), status


@bp.get("/t/<tenant>/shelter/stays/<int:stay_id>")
@login_required
def show(stay_id: int):  # type: ignore[no-untyped-def]
    _require_staff()
    return _render(_stay(stay_id))


def _refused(stay_id: int, name: str, form: FlaskForm, exc: ShelterError):  # type: ignore[no-untyped-def]
    """Undo what the refused change had done and show the page with its message: beside the
    field at fault, or at the top of the page when the stay no longer allows the change (the
    form may no longer be on the page)."""
    db.session.rollback()
    if exc.field is None:
        flash(str(exc), "error")
        return _render(_stay(stay_id), None, 409)
    _attach(form, exc)
    return _render(_stay(stay_id), (name, form), 422)


def _closed(stay: Stay):  # type: ignore[no-untyped-def]
    """A change to a stay that has ended: refused before reading the form."""
    flash(_("Este acolhimento já terminou: o registo está fechado."), "error")
    return _render(stay, None, 409)


Action = Callable[[Any, Stay, list[User]], str]


def _submit(stay_id: int, name: str, act: Action):  # type: ignore[no-untyped-def]
    """Read the stay-level form ``name``, run ``act`` and come back to the form's place."""
    _require_staff()
    stay = _stay(stay_id)
    if name != "step" and stay.status != StayStatus.ACTIVE:
        return _closed(stay)
    staff = _staff()
    form = posted_form(name, stay, staff, set(discharge.steps(db.session, stay)))
    if not form.validate_on_submit():
        return _render(stay, (name, form), 422)
    try:
        message = act(form, stay, staff)
    except ShelterError as exc:
        return _refused(stay_id, name, form, exc)
    flash(message, "success")
    return redirect(url_for("shelter_stays.show", stay_id=stay_id, _anchor=ANCHORS[name]))


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/plan")
@login_required
def plan(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: PlanForm, stay: Stay, _users: list[User]) -> str:
        stays.update_plan(
            db.session,
            stay,
            stays.PlanInput(
                kind=form.kind.data or "",
                diagnosis=form.diagnosis.data or "",
                main_goal=form.main_goal.data or None,
                main_goal_detail=form.main_goal_detail.data or "",
                contact_plan=form.contact_plan.data or "",
                review_criteria=form.review_criteria.data or "",
                review_every_days=form.review_every_days.data or 0,
                next_review_on=form_date(form.next_review_on),
            ),
            actor_id=current_user.id,
        )
        return _("PIA/PIF guardado.")

    return _submit(stay_id, "plan", act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/goals")
@login_required
def add_goal(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: GoalForm, stay: Stay, _users: list[User]) -> str:
        stays.add_goal(
            db.session,
            stay,
            term=form.term.data or "",
            description=form.description.data or "",
            responsible=form.responsible.data or "",
            responsible_detail=form.responsible_detail.data,
            due_on=form.due_on.data,
        )
        return _("Meta acrescentada ao plano.")

    return _submit(stay_id, "goal", act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/reviews")
@login_required
def add_review(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: ReviewForm, stay: Stay, _users: list[User]) -> str:
        stays.record_review(
            db.session,
            stay,
            reviewed_on=form_date(form.reviewed_on),
            progress=form.progress.data or "",
            summary=form.summary.data or "",
            plan_changed=bool(form.plan_changed.data),
            actor_id=current_user.id,
        )
        assert stay.plan is not None
        return _(
            "Reavaliação registada; a próxima fica para %(d)s.",
            d=stay.plan.next_review_on.strftime("%d/%m/%Y"),
        )

    return _submit(stay_id, "review", act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/contacts")
@login_required
def add_contact(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: ContactForm, stay: Stay, _users: list[User]) -> str:
        stays.add_contact(
            db.session,
            stay,
            occurred_on=form_date(form.occurred_on),
            kind=form.kind.data or "",
            with_whom=form.with_whom.data,
            supervised=bool(form.supervised.data),
            notes=form.notes.data or "",
            actor_id=current_user.id,
        )
        return _("Registo acrescentado.")

    return _submit(stay_id, "contact", act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/blockers")
@login_required
def add_blocker(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: BlockerForm, stay: Stay, staff: list[User]) -> str:
        stays.add_blocker(
            db.session,
            stay,
            kind=form.kind.data or "",
            description=form.description.data or "",
            owner=form.owner.data or "",
            owner_user_id=optional_id(form.owner_user_id.data),
            due_on=form.due_on.data,
            allowed_user_ids={u.id for u in staff},
        )
        return _("Pendência registada.")

    return _submit(stay_id, "blocker", act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/discharge-steps")
@login_required
def record_step(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: StepForm, stay: Stay, _users: list[User]) -> str:
        step = discharge.record_step(
            db.session,
            stay,
            step=form.step.data,
            done_on=form_date(form.done_on),
            notes=form.notes.data or "",
            actor_id=current_user.id,
        )
        return _("Passo %(n)s do desligamento registado.", n=step.step)

    return _submit(stay_id, "step", act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/discharge")
@login_required
def discharge_stay(stay_id: int):  # type: ignore[no-untyped-def]
    def act(form: DischargeForm, stay: Stay, staff: list[User]) -> str:
        contacts = discharge.discharge(
            db.session,
            stay,
            ended_on=form_date(form.ended_on),
            reason=form.reason.data or "",
            notes=form.notes.data or "",
            actor_id=current_user.id,
            follow_up_by=optional_id(form.follow_up_by.data),
            allowed_user_ids={u.id for u in staff},
        )
        if contacts:
            return _(
                "Desligamento registado; a vaga voltou ao conjunto. %(n)s contactos de "
                "acompanhamento agendados.",
                n=len(contacts),
            )
        return _("Desligamento registado; a vaga voltou ao conjunto.")

    return _submit(stay_id, "discharge", act)


# --- rows: a goal, a blocker, a follow-up contact --------------------------------------------


RowAction = Callable[[Any, Stay, Any], str]


def _submit_row(stay_id: int, kind: str, row: Any, stay: Stay, act: RowAction):  # type: ignore[no-untyped-def]
    name = f"{kind}-{row.id}"
    form = row_form(kind, row, posted=True)
    if not form.validate_on_submit():
        return _render(stay, (name, form), 422)
    try:
        message = act(form, stay, row)
    except ShelterError as exc:
        return _refused(stay_id, name, form, exc)
    flash(message, "success")
    return redirect(url_for("shelter_stays.show", stay_id=stay_id, _anchor=ANCHORS[kind]))


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/goals/<int:goal_id>")
@login_required
def update_goal(stay_id: int, goal_id: int):  # type: ignore[no-untyped-def]
    _require_staff()
    stay = _stay(stay_id)
    goal = next((g for g in (stay.plan.goals if stay.plan else []) if g.id == goal_id), None)
    if goal is None:
        abort(404)
    if stay.status != StayStatus.ACTIVE:
        return _closed(stay)

    def act(form: GoalUpdateForm, stay: Stay, goal: CarePlanGoal) -> str:
        stays.update_goal(
            db.session, stay, goal, status=form.status.data or "", due_on=form.due_on.data
        )
        return _("Meta atualizada.")

    return _submit_row(stay_id, "goal", goal, stay, act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/blockers/<int:blocker_id>/resolve")
@login_required
def resolve_blocker(stay_id: int, blocker_id: int):  # type: ignore[no-untyped-def]
    _require_staff()
    stay = _stay(stay_id)
    blocker = db.session.get(StayBlocker, blocker_id)
    if blocker is None or blocker.stay_id != stay.id:
        abort(404)
    if stay.status != StayStatus.ACTIVE:
        return _closed(stay)

    def act(form: ResolveForm, stay: Stay, blocker: StayBlocker) -> str:
        stays.resolve_blocker(db.session, stay, blocker, resolved_on=form_date(form.resolved_on))
        return _("Pendência resolvida.")

    return _submit_row(stay_id, "blocker", blocker, stay, act)


@bp.post("/t/<tenant>/shelter/stays/<int:stay_id>/follow-ups/<int:follow_up_id>")
@login_required
def record_follow_up(stay_id: int, follow_up_id: int):  # type: ignore[no-untyped-def]
    _require_staff()
    stay = _stay(stay_id)
    contact = db.session.get(FollowUpContact, follow_up_id)
    if contact is None or contact.stay_id != stay.id or stay.status != StayStatus.DISCHARGED:
        abort(404)

    def act(form: FollowUpForm, stay: Stay, contact: FollowUpContact) -> str:
        discharge.record_follow_up(
            db.session,
            stay,
            contact,
            done_on=form_date(form.done_on),
            observations=form.observations(),
            notes=form.notes.data or "",
        )
        return _("Contacto de acompanhamento registado.")

    return _submit_row(stay_id, "follow-up", contact, stay, act)
