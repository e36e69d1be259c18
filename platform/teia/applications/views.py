"""Application pages: the list, the intake, and the application with its cited evaluation,
document checklist, history and one form for each step the user's role allows now.

The views only read forms and call :mod:`teia.applications.services`; a refused step comes
back as the service's message, beside the field it names when the form is on the page.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from teia.applications import services
from teia.applications.evaluation import regulation_of
from teia.applications.labels import (
    APPLICATION_STATUS,
    DOCUMENT_STATUS,
    EVENT_KIND,
    REQUEST_STATUS,
    label,
)
from teia.applications.models import Application
from teia.applications.schemas import (
    BLANK_ITEMS,
    BLANK_MEMBERS,
    ConfirmForm,
    IntakeForm,
    age_on,
)
from teia.applications.services import (
    COUNT_LIMIT,
    Actor,
    ApplicationError,
    ApplicationFilters,
    NotAllowed,
)
from teia.applications.step_forms import STEP_ACTIONS, STEP_FORMS, step_form
from teia.applications.storage import UploadError
from teia.applications.workflow import ANALYSIS, INTAKE_ROLES, READ_ROLES, check
from teia.cases.access import PARTNER_ROLES
from teia.cases.labels import RELATIONSHIP, resolved
from teia.cases.models import Case
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_roles, current_tenant
from teia.people.models import HouseholdMember, Person
from teia.people.services import current_household
from teia.regulations.labels import CONDITION_KIND, EXPENSE_KIND, INCOME_SOURCE, PAYMENT_METHOD
from teia.regulations.schema import RegulationFile
from teia.regulations.services import NoRegulationInForce, regulation_doc, version_in_force

bp = Blueprint("applications", __name__, template_folder="templates")

Refused = (ApplicationError, UploadError)


def _actor() -> Actor:
    """The user acting in this council; partners see nothing of applications (404)."""
    roles = current_roles()
    if not roles & READ_ROLES:
        abort(404 if roles & PARTNER_ROLES else 403)
    return Actor(current_user.id, roles)


def _load(application_id: int, *, history: bool = True) -> Application:
    application = services.load_application(db.session, application_id, history=history)
    if application is None:
        abort(404)
    return application


def _regulation_on(day: date) -> RegulationFile | None:
    try:
        return regulation_doc(version_in_force(db.session, current_tenant().id, day))
    except NoRegulationInForce:
        return None


def _attach(form: FlaskForm, exc: ApplicationError | UploadError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field) and target.type != "HiddenField":
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


# --- the list -------------------------------------------------------------------------------


@bp.get("/t/<tenant>/applications")
@login_required
def index():  # type: ignore[no-untyped-def]
    actor = _actor()
    status = request.args.get("status", "")
    filters = ApplicationFilters(
        status=status if status in APPLICATION_STATUS else None,
        support_type=request.args.get("support_type", "")[:64] or None,
        query=request.args.get("q", "")[:100],
        page=max(request.args.get("page", 1, type=int) or 1, 1),
    )
    applications, total = services.application_list(db.session, filters)
    regulation = _regulation_on(today())
    return render_template(
        "applications/index.html",
        applications=applications,
        total=total,
        count_limit=COUNT_LIMIT,
        filters=filters,
        page_size=services.PAGE_SIZE,
        status_labels=resolved(APPLICATION_STATUS),
        support_labels={s.code: s.label for s in regulation.support_types} if regulation else {},
        can_intake=bool(actor.roles & INTAKE_ROLES),
    )


# --- intake ---------------------------------------------------------------------------------


def _applicant() -> tuple[Person, Case | None, int]:
    """Who applies, from ``?case_id=`` or ``?person_id=``: the person, the case, the household."""
    case_id = request.values.get("case_id", type=int)
    person_id = request.values.get("person_id", type=int)
    case = db.session.get(Case, case_id) if case_id else None
    if case is not None:
        return case.person, case, case.household_id
    person = db.session.get(Person, person_id) if person_id else None
    household = current_household(db.session, person.id) if person else None
    if person is None or person.merged_into_id or household is None:
        abort(404)
    return person, None, household.id


def _household_rows(household_id: int, applicant: Person, day: date) -> list[dict[str, Any]]:
    """The household's current members as intake rows, the applicant first."""
    members = db.session.scalars(
        select(HouseholdMember)
        .options(joinedload(HouseholdMember.person))
        .where(HouseholdMember.household_id == household_id, HouseholdMember.left_on.is_(None))
        .order_by(HouseholdMember.id)
    ).all()
    members = sorted(members, key=lambda m: m.person_id != applicant.id)
    return [
        {
            "person_id": str(m.person_id),
            "name": m.person.full_name,
            "birth_date": m.person.birth_date,
            "age": age_on(m.person.birth_date, day) if m.person.birth_date else None,
            "relationship": m.relationship_to_representative,
        }
        for m in members
    ]


def _intake_choices(form: IntakeForm, regulation: RegulationFile) -> None:
    support = [
        SelectChoice("", "—"),
        *(SelectChoice(s.code, s.label) for s in regulation.support_types),
    ]
    for row in form.items:
        row.form.support_type.choices = support
    form.payment_method.choices = [
        SelectChoice("", _("A definir")),
        *(SelectChoice(m, label(PAYMENT_METHOD, m)) for m in regulation.payment.methods),
    ]


def _blank_intake(form: IntakeForm, regulation: RegulationFile, rows: list[dict[str, Any]]) -> None:
    form.submission_key.data = str(uuid.uuid4())
    form.application_date.data = today()
    for row in [*rows, *({} for _i in range(BLANK_MEMBERS))]:
        form.members.append_entry(row)
    for source in regulation.income.sources:
        form.incomes.append_entry({"source": source, "period": regulation.income.period})
    for expense in regulation.expenses.deductible:
        form.expenses.append_entry({"kind": expense.kind})
    for _i in range(BLANK_ITEMS):
        form.items.append_entry()
    form.debts_to_council.data = "none"


@bp.route("/t/<tenant>/applications/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    actor = _actor()
    if not actor.roles & INTAKE_ROLES:
        abort(403)
    person, case, household_id = _applicant()
    form = IntakeForm()
    day = form.application_date.data if request.method == "POST" else None
    regulation = _regulation_on(min(day or today(), today()))
    if regulation is None:
        flash(_("Não há regulamento de apoios em vigor neste município."), "error")
        return redirect(url_for("people.show", person_id=person.id))
    if request.method == "GET":
        _blank_intake(form, regulation, _household_rows(household_id, person, today()))
    _intake_choices(form, regulation)
    if form.validate_on_submit():
        try:
            application, _created = services.create_application(
                db.session,
                household_id=household_id,
                applicant_id=person.id,
                case_id=case.id if case else None,
                technician_id=current_user.id,
                application_date=form.application_date.data,  # type: ignore[arg-type]
                snapshot=form.household(),
                items=form.requested(),
                payment_method=form.payment_method.data or None,
                iban=form.iban.data or None,
                supplier_name=form.supplier_name.data or None,
                supplier_nif=form.supplier_nif.data or None,
                submission_key=form.submission_key.data or None,
                actor=actor,
            )
        except NotAllowed:
            abort(403)
        except ApplicationError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(_("Candidatura %(number)s registada.", number=application.number), "success")
            return redirect(url_for("applications.show", application_id=application.id))
    back = (
        url_for("cases.show", case_id=case.id)
        if case
        else url_for("people.show", person_id=person.id)
    )
    return render_template(
        "applications/new.html",
        form=form,
        person=person,
        case=case,
        regulation=regulation,
        income_labels={s: label(INCOME_SOURCE, s) for s in regulation.income.sources},
        expense_labels={
            e.kind: label(EXPENSE_KIND, e.kind) for e in regulation.expenses.deductible
        },
        back_url=back,
    ), (422 if request.method == "POST" else 200)


# --- the application ------------------------------------------------------------------------


def _render(
    application: Application,
    actor: Actor,
    failed: tuple[str, FlaskForm] | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    regulation = regulation_of(application)
    allowed = services.allowed_transitions(application, actor.roles)
    forms = {
        name: step_form(name, application, regulation) for name in allowed if name in STEP_FORMS
    }
    if failed is not None and failed[0] in forms:
        forms[failed[0]] = failed[1]
    case = db.session.get(Case, application.case_id) if application.case_id else None
    support = {s.code: s.label for s in regulation.support_types}
    events, older_events = services.latest_events(db.session, application.id)
    return render_template(
        "applications/show.html",
        application=application,
        case=case,
        version=application.regulation_version,
        regulation=regulation,
        evaluation=application.evaluation,
        forms=forms,
        open_step=failed[0] if failed else None,
        reevaluate_form=ConfirmForm(prefix="evaluate")
        if _can_reevaluate(application, actor)
        else None,
        notice=services.open_request(application),
        events=events,
        older_events=older_events,
        items_by_id={i.id: i for i in application.items},
        support_labels=support,
        status_labels=resolved(APPLICATION_STATUS),
        document_labels=resolved(DOCUMENT_STATUS),
        request_labels=resolved(REQUEST_STATUS),
        event_labels=resolved(EVENT_KIND),
        payment_labels=resolved(PAYMENT_METHOD),
        relationship_labels=resolved(RELATIONSHIP),
        income_labels=resolved(INCOME_SOURCE),
        expense_labels=resolved(EXPENSE_KIND),
        condition_labels={
            c.id: f"{label(CONDITION_KIND, c.kind)} (art. {c.article})"
            for c in regulation.conditions
        },
        today=today(),
    ), status


@bp.get("/t/<tenant>/applications/<int:application_id>")
@login_required
def show(application_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    application = _load(application_id, history=False)
    services.audit_read(db.session, application, _("Apreciação da candidatura"))
    return _render(application, actor)


@bp.get("/t/<tenant>/applications/<int:application_id>/history")
@login_required
def history(application_id: int):  # type: ignore[no-untyped-def]
    """The whole history of an application, newest first."""
    _actor()
    application = db.session.get(Application, application_id)
    if application is None:
        abort(404)
    services.audit_read(db.session, application, _("Consulta do histórico da candidatura"))
    events, _older = services.latest_events(db.session, application.id, limit=None)
    return render_template(
        "applications/history.html",
        application=application,
        events=events,
        status_labels=resolved(APPLICATION_STATUS),
        event_labels=resolved(EVENT_KIND),
    )


def _refused(
    application_id: int, actor: Actor, name: str, form: FlaskForm, exc: Exception, status: int
):  # type: ignore[no-untyped-def]
    """Undo what the refused step had changed and show the page with its message."""
    db.session.rollback()
    application = _load(application_id)
    if name in services.allowed_transitions(application, actor.roles):
        _attach(form, exc)  # type: ignore[arg-type]
    else:
        flash(str(exc), "error")
    return _render(application, actor, (name, form), status)


@bp.post("/t/<tenant>/applications/<int:application_id>/steps/<step>")
@login_required
def transition(application_id: int, step: str):  # type: ignore[no-untyped-def]
    actor = _actor()
    if step not in STEP_FORMS:
        abort(404)
    application = _load(application_id)
    form = step_form(step, application, regulation_of(application))
    try:
        check(application, step, actor)  # a step not open now: its reason, before any field
        if not form.validate_on_submit():
            return _render(application, actor, (step, form), 422)
        message = STEP_ACTIONS[step](form, application, actor)
    except NotAllowed as exc:
        return _refused(application_id, actor, step, form, exc, 403)
    except Refused as exc:
        return _refused(application_id, actor, step, form, exc, 422)
    flash(message, "success")
    return redirect(url_for("applications.show", application_id=application_id))


@bp.post("/t/<tenant>/applications/<int:application_id>/evaluate")
@login_required
def reevaluate(application_id: int):  # type: ignore[no-untyped-def]
    """Judge the application again with the documents received so far (during the analysis)."""
    actor = _actor()
    application = _load(application_id)
    if not actor.roles & INTAKE_ROLES:
        abort(403)
    if _can_reevaluate(application, actor):
        services.evaluate_application(db.session, application)
        flash(_("Avaliação atualizada com os documentos entregues."), "success")
    else:
        flash(_("Só se reavalia uma candidatura em análise."), "error")
    return redirect(url_for("applications.show", application_id=application_id))


def _can_reevaluate(application: Application, actor: Actor) -> bool:
    return bool(actor.roles & INTAKE_ROLES) and application.status in ANALYSIS


@bp.get("/t/<tenant>/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def download(application_id: int, document_id: int):  # type: ignore[no-untyped-def]
    _actor()
    application = _load(application_id)
    try:
        document, data = services.document_content(
            db.session, application, document_id, _("Consulta de documento da candidatura")
        )
    except ApplicationError:
        abort(404)
    return send_file(
        io.BytesIO(data),
        mimetype=document.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=document.filename or "documento",
    )
