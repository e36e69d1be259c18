"""Pages for finding, recording, rectifying and merging people."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from teia.accounts.models import Role
from teia.audit.services import audit
from teia.cases.access import current_staff, current_viewer
from teia.cases.labels import DOCUMENT_KIND, RELATIONSHIP
from teia.cases.services import cases_of_person, cases_of_persons
from teia.cases.sharing import person_consents, record_consent
from teia.core.db import db
from teia.core.scope import current_roles, current_tenant
from teia.core.urls import safe_next
from teia.people import services
from teia.people.export import person_export
from teia.people.export_pdf import person_export_pdf
from teia.people.models import Person, PersonChange, PersonDocument, PersonMerge
from teia.people.schemas import (
    ConsentForm,
    DocumentForm,
    MergeForm,
    NewPersonForm,
    RectifyForm,
)
from teia.people.services import PersonError

bp = Blueprint("people", __name__, template_folder="templates")


def _person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


@bp.get("/t/<tenant>/persons")
@login_required
def search():  # type: ignore[no-untyped-def]
    viewer = current_viewer()
    query = request.args.get("q", "").strip()[:100]
    results = services.search_persons(db.session, viewer, query) if query else []
    cases = cases_of_persons(db.session, [p.id for p in results]) if viewer.staff else {}
    return render_template(
        "people/search.html", query=query, results=results, viewer=viewer, cases=cases
    )


def _new_form() -> NewPersonForm:
    form = NewPersonForm()
    form.parish.choices = [SelectChoice("", _("Não indicada"))] + [
        SelectChoice(p, p) for p in current_tenant().parishes
    ]
    if not form.submission_key.data:
        form.submission_key.data = str(uuid.uuid4())
    return form


@bp.route("/t/<tenant>/persons/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    current_staff()
    form = _new_form()
    duplicates: list[Person] = []
    if request.method == "GET":
        form.given_names.data = request.args.get("given_names", "")
        form.family_names.data = request.args.get("family_names", "")
    elif form.validate_on_submit():
        earlier = services.person_for_submission(db.session, form.submission_key.data)
        if earlier is not None:
            return redirect(url_for("people.show", person_id=earlier.id))
        data = form.data_object()
        try:
            cleaned = data.cleaned()
            duplicates = services.likely_duplicates(db.session, cleaned)
            if not duplicates or form.not_a_duplicate.data:
                person, created = services.create_person(
                    db.session,
                    cleaned,
                    actor_id=current_user.id,
                    submission_key=form.submission_key.data,
                )
                if created:
                    services.new_household(
                        db.session,
                        person,
                        address=form.address.data or None,
                        postal_code=form.postal_code.data or None,
                        parish=form.parish.data or None,
                    )
                    flash(_("Pessoa registada."), "success")
                return redirect(url_for("people.show", person_id=person.id))
        except PersonError as exc:
            _attach_error(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("people/new.html", form=form, duplicates=duplicates), status


def _attach_error(form, exc: PersonError) -> None:  # type: ignore[no-untyped-def]
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


@bp.get("/t/<tenant>/persons/<int:person_id>")
@login_required
def show(person_id: int):  # type: ignore[no-untyped-def]
    current_staff()
    person = _person(person_id)
    if person.merged_into_id:
        flash(_("Este registo foi fundido noutro."), "info")
        return redirect(url_for("people.show", person_id=person.merged_into_id))
    services.audit_person_read(db.session, person.id)
    data = services.PersonData(**{k: getattr(person, k) for k in services.RECTIFIABLE})
    duplicates = [p for p in services.likely_duplicates(db.session, data) if p.id != person.id]
    households = services.person_households(db.session, person.id)
    return render_template(
        "people/show.html",
        person=person,
        households=households,
        cases=cases_of_person(db.session, person.id),
        changes=_changes(person.id),
        merges=_merges(person.id),
        consents=person_consents(db.session, {person.id}),
        duplicates=duplicates,
        merge_form=MergeForm(),
        document_form=DocumentForm(),
        consent_form=ConsentForm(),
        document_labels=DOCUMENT_KIND,
        relationship_labels=RELATIONSHIP,
    )


def _changes(person_id: int) -> list[PersonChange]:
    return list(
        db.session.scalars(
            select(PersonChange)
            .where(PersonChange.person_id == person_id)
            .order_by(PersonChange.changed_at.desc(), PersonChange.id.desc())
        )
    )


def _merges(person_id: int) -> list[PersonMerge]:
    return list(db.session.scalars(select(PersonMerge).where(PersonMerge.kept_id == person_id)))


@bp.route("/t/<tenant>/persons/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit(person_id: int):  # type: ignore[no-untyped-def]
    current_staff()
    person = _person(person_id)
    form = RectifyForm(obj=person)
    if form.validate_on_submit():
        try:
            services.rectify_person(
                db.session,
                person,
                form.data_object(),
                reason=form.reason.data or "",
                actor_id=current_user.id,
            )
        except PersonError as exc:
            _attach_error(form, exc)
        else:
            flash(_("Dados retificados; os valores anteriores ficam no histórico."), "success")
            return redirect(url_for("people.show", person_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("people/edit.html", form=form, person=person), status


@bp.post("/t/<tenant>/persons/<int:person_id>/merge")
@login_required
def merge(person_id: int):  # type: ignore[no-untyped-def]
    current_staff()
    kept = _person(person_id)
    form = MergeForm()
    if not form.validate_on_submit() or not (form.duplicate_id.data or "").isdigit():
        flash(_("Indique o motivo da fusão."), "error")
        return redirect(url_for("people.show", person_id=kept.id))
    duplicate = _person(int(form.duplicate_id.data))
    try:
        services.merge_persons(
            db.session, kept, duplicate, reason=form.reason.data or "", actor_id=current_user.id
        )
    except PersonError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Registos fundidos; o histórico de ambos foi mantido."), "success")
    return redirect(url_for("people.show", person_id=kept.id))


@bp.post("/t/<tenant>/persons/<int:person_id>/documents")
@login_required
def add_document(person_id: int):  # type: ignore[no-untyped-def]
    current_staff()
    person = _person(person_id)
    form = DocumentForm()
    if form.validate_on_submit():
        person.documents.append(
            PersonDocument(
                kind=form.kind.data, number=form.number.data, valid_until=form.valid_until.data
            )
        )
        audit(db.session, "person.document_added", object_type="person", object_id=person.id)
        flash(_("Documento registado."), "success")
    else:
        flash(_("Indique o tipo e o número do documento."), "error")
    return redirect(url_for("people.show", person_id=person.id))


@bp.post("/t/<tenant>/persons/<int:person_id>/consents")
@login_required
def add_consent(person_id: int):  # type: ignore[no-untyped-def]
    current_staff()
    person = _person(person_id)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            record_consent(
                db.session,
                person_id=person.id,
                given_by=form.given_by.data or "",
                given_on=form.given_on.data,  # type: ignore[arg-type]
                scope=form.scope.data or "",
                valid_until=form.valid_until.data,
                actor_id=current_user.id,
            )
        except ValueError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Consentimento registado."), "success")
    else:
        flash(_("Indique quem consentiu, quando e a quê."), "error")
    return redirect(
        safe_next(request.form.get("next")) or url_for("people.show", person_id=person.id)
    )


@bp.get("/t/<tenant>/persons/<int:person_id>/export.<fmt>")
@login_required
def export(person_id: int, fmt: str):  # type: ignore[no-untyped-def]
    """A data subject's access request: everything the council holds about the person.

    Answered by the case managers and the council's coordination only.
    """
    current_staff()
    if fmt not in ("json", "pdf") or not current_roles() & {Role.CASE_MANAGER, Role.TENANT_ADMIN}:
        abort(404)
    data = person_export(db.session, _person(person_id).id)
    if data is None:
        abort(404)
    audit(
        db.session,
        "person.exported",
        object_type="person",
        object_id=person_id,
        purpose=_("Pedido de acesso do titular dos dados (RGPD, art.º 15.º)"),
        details={"format": fmt},
    )
    name = f"teia-pessoa-{person_id}.{fmt}"
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2)
        response = Response(body, mimetype="application/json")
    else:
        response = Response(person_export_pdf(data), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
