"""Case pages: the list, opening a case, its summary, timeline, diagnosis, and caseload."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from teia.accounts.models import Role
from teia.cases import services
from teia.cases.access import (
    STAFF_ROLES,
    CaseAccess,
    case_access,
    current_staff,
    current_viewer,
    require_section,
    require_staff,
)
from teia.cases.caseload import caseloads
from teia.cases.labels import (
    AREA,
    CASE_STATUS,
    EVENT_KIND,
    RELATIONSHIP,
    RISK_FLAG,
    SECTION,
    resolved,
)
from teia.cases.models import Area, CaseStatus, EventKind, Section
from teia.cases.schemas import DiagnosisForm, EventForm, MemberAddForm, OpenCaseForm, StatusForm
from teia.cases.services import CaseError, CaseFilters
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_roles, current_tenant, requires_role
from teia.people.models import Household, Person, Relationship
from teia.people.services import PersonError, add_member, current_household, find_person

bp = Blueprint("cases", __name__, template_folder="templates")


def load_access(case_id: int) -> CaseAccess:
    return case_access(db.session, current_viewer(), case_id)


def render_case(template: str, access: CaseAccess, tab: str, **context):  # type: ignore[no-untyped-def]
    """A case tab: the header, the tabs the viewer may open, and the tab's content."""
    return render_template(
        template,
        access=access,
        case=access.case,
        tab=tab,
        area_labels=AREA,
        status_labels=CASE_STATUS,
        risk_labels=RISK_FLAG,
        section_labels=SECTION,
        **context,
    )


@bp.get("/t/<tenant>/cases")
@login_required
def index():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    manager = request.args.get("manager", "")
    filters = CaseFilters(
        status=request.args.get("status") or None,
        area=request.args.get("area") if request.args.get("area") in AREA else None,
        manager_id=int(manager) if manager.isdigit() else None,
        query=request.args.get("q", "")[:100],
        page=request.args.get("page", 1, type=int) or 1,
    )
    if request.args.get("mine") and viewer.staff:
        filters = CaseFilters(**{**vars(filters), "manager_id": viewer.user_id})
    cases, total = services.case_list(db.session, viewer, filters)
    return render_template(
        "cases/index.html",
        cases=cases,
        total=total,
        filters=filters,
        viewer=viewer,
        managers=services.case_managers(db.session) if viewer.staff else [],
        area_labels=resolved(AREA),
        status_labels=resolved(CASE_STATUS),
        page_size=services.PAGE_SIZE,
    )


@bp.route("/t/<tenant>/cases/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    viewer = current_staff()
    person_id = request.values.get("person_id", type=int)
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.merged_into_id:
        flash(_("Encontre primeiro a pessoa (ou registe-a)."), "info")
        return redirect(url_for("people.search"))
    form = OpenCaseForm()
    form.manager.choices = [SelectChoice(u.id, u.name) for u in services.case_managers(db.session)]
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
        if Role.CASE_MANAGER in current_roles():
            form.manager.data = viewer.user_id
    elif form.validate_on_submit():
        try:
            household = current_household(db.session, person.id)
            case, _created = services.open_case(
                db.session,
                person=person,
                household=household,
                manager_id=form.manager.data,
                opening_reason=form.opening_reason.data or "",
                areas=form.areas.data or [],
                risk_flags=form.risk_flags.data or [],
                actor_id=viewer.user_id,
                submission_key=form.submission_key.data or None,
            )
        except CaseError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Processo %(number)s aberto.", number=case.number), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_template("cases/new.html", form=form, person=person), status


@bp.get("/t/<tenant>/cases/<int:case_id>")
@login_required
def show(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    members = []
    if access.can(Section.IDENTIFICATION):
        members = services.household_members(db.session, access.case)
    services.audit_read(db.session, access, "summary")
    household = db.session.get(Household, access.case.household_id)
    return render_case(
        "cases/show.html",
        access,
        "summary",
        members=members,
        household=household,
        relationship_labels=RELATIONSHIP,
        status_form=StatusForm(status=CaseStatus(access.case.status)),
        member_form=_member_form(),
    )


def _member_form() -> MemberAddForm:
    form = MemberAddForm()
    form.relationship.choices = [
        SelectChoice(k.value, v)
        for k, v in RELATIONSHIP.items()
        if k != Relationship.REPRESENTATIVE
    ]
    return form


@bp.post("/t/<tenant>/cases/<int:case_id>/status")
@login_required
def change_status(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_staff(access)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_status(
            db.session, access.case, CaseStatus(form.status.data), form.reason.data or ""
        )
    except CaseError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Estado do processo alterado."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/t/<tenant>/cases/<int:case_id>/members")
@login_required
def add_household_member(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_staff(access)
    form = _member_form()
    person = find_person(db.session, form.person_id.data or "")
    if not form.validate_on_submit() or person is None:
        flash(_("Ninguém com esse NIF, NISS ou número interno."), "error")
        return redirect(url_for("cases.show", case_id=case_id))
    household = db.session.get(Household, access.case.household_id)
    try:
        add_member(db.session, household, person, Relationship(form.relationship.data))  # type: ignore[arg-type]
    except PersonError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(name)s juntou-se ao agregado.", name=person.full_name), "success")
    return redirect(url_for("cases.show", case_id=case_id))


def _event_form(access: CaseAccess) -> EventForm:
    form = EventForm()
    form.readers.choices = [
        SelectChoice(u.id, u.name)
        for u in services.professionals(db.session, STAFF_ROLES)
        if u.id != access.case.manager_id
    ]
    return form


@bp.route("/t/<tenant>/cases/<int:case_id>/timeline", methods=["GET", "POST"])
@login_required
def timeline(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_section(access, Section.TIMELINE)
    form = _event_form(access) if access.staff else None
    if request.method == "POST":
        require_staff(access)
        assert form is not None
        if form.validate_on_submit():
            try:
                services.add_event(
                    db.session,
                    access.case,
                    kind=EventKind(form.kind.data),
                    occurred_at=form.occurred_at.data,  # type: ignore[arg-type]
                    text=form.text.data or "",
                    confidential=bool(form.confidential.data),
                    reader_ids=form.readers.data or [],
                    author_id=access.viewer.user_id,
                )
            except CaseError as exc:
                form.form_errors.append(str(exc))
            else:
                flash(_("Registo acrescentado."), "success")
                return redirect(url_for("cases.timeline", case_id=case_id))
    services.audit_read(db.session, access, "timeline")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    events, older = services.timeline(db.session, access, page)
    return render_case(
        "cases/timeline.html",
        access,
        "timeline",
        events=events,
        page=page,
        older=older,
        form=form,
        kind_labels=resolved(EVENT_KIND),
    ), (422 if request.method == "POST" else 200)


@bp.route("/t/<tenant>/cases/<int:case_id>/diagnosis", methods=["GET", "POST"])
@login_required
def diagnosis(case_id: int):  # type: ignore[no-untyped-def]
    access = load_access(case_id)
    require_section(access, Section.DIAGNOSIS)
    form = DiagnosisForm() if access.staff else None
    if request.method == "POST":
        require_staff(access)
        assert form is not None
        if form.validate_on_submit():
            services.save_diagnosis(
                db.session,
                access.case,
                area=Area(form.area.data),
                needs=form.needs.data or "",
                potentials=form.potentials.data or "",
                support_network=form.support_network.data or "",
                actor_id=access.viewer.user_id,
            )
            flash(_("Diagnóstico guardado."), "success")
            return redirect(url_for("cases.diagnosis", case_id=case_id))
    services.audit_read(db.session, access, "diagnosis")
    return render_case(
        "cases/diagnosis.html",
        access,
        "diagnosis",
        rows=services.diagnosis(db.session, access),
        form=form,
    )


@bp.get("/t/<tenant>/caseload")
@login_required
@requires_role(Role.CASE_MANAGER, Role.TENANT_ADMIN)
def caseload():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    rows = caseloads(db.session, today(), tenant.caseload_target)
    return render_template(
        "cases/caseload.html", rows=rows, target=tenant.caseload_target, me=current_user.id
    )
