"""The good-practice library: search, write, review, publish, attach files, record adoption.

The library sits outside any council's scope (``/practices/``): it crosses consortia. Who
may do what is decided by :mod:`teia.practices.services` from the user's memberships.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from teia.applications.storage import UploadError
from teia.core.db import db
from teia.core.scope import memberships
from teia.groups.models import WorkingGroup
from teia.practices import attachments, search, services
from teia.practices.forms import (
    AdoptionForm,
    AttachmentForm,
    PracticeForm,
    ReturnForm,
    SearchForm,
)
from teia.practices.labels import ADOPTION_STATUS, PRACTICE_STATUS
from teia.practices.models import Practice, PracticeStatus
from teia.practices.services import Actor, PracticeError
from teia.tenants.models import Consortium, Tenant

bp = Blueprint("practices", __name__, template_folder="templates")


def _actor() -> Actor:
    actor = services.actor_of(current_user.id, memberships())
    services.require_reader(actor)
    return actor


def _attach(form: FlaskForm, exc: PracticeError | UploadError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field):
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --- search ---------------------------------------------------------------------------------


@bp.get("/practices/")
@login_required
def index():  # type: ignore[no-untyped-def]
    actor = _actor()
    form = SearchForm(request.args)
    consortia = list(db.session.scalars(select(Consortium).order_by(Consortium.name)))
    councils = list(
        db.session.scalars(select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name))
    )
    form.consortium.choices = [
        SelectChoice("", _("Todos")),
        *(SelectChoice(c.id, c.name) for c in consortia),
    ]
    form.council.choices = [
        SelectChoice("", _("Todos")),
        *(SelectChoice(t.id, t.name) for t in councils),
    ]
    if not form.validate():
        form.q.data = (form.q.data or "")[:200]
        form.tag.data = (form.tag.data or "")[:40]
    filters = search.Filters(
        text=form.q.data or "",
        tag=form.tag.data or "",
        consortium_id=form.consortium.data,
        council_id=form.council.data,
        adopted_by=actor.council_ids if form.adopted.data else frozenset(),
    )
    results = search.search(db.session, filters, page=_page())
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "practices/index.html",
        form=form,
        results=results,
        query=query,
        may_filter_adopted=bool(actor.council_ids),
        queue_size=len(services.review_queue(db.session, actor)),
        coordinator=bool(actor.coordinated_ids),
    )


@bp.get("/practices/mine")
@login_required
def mine():  # type: ignore[no-untyped-def]
    actor = _actor()
    return render_template(
        "practices/mine.html",
        practices=services.my_practices(db.session, actor),
        statuses=PRACTICE_STATUS,
    )


# --- writing --------------------------------------------------------------------------------


def _practice_choices(form: PracticeForm, actor: Actor) -> None:
    consortia = services.writable_consortia(db.session, actor)
    form.consortium.choices = [SelectChoice(c.id, c.name) for c in consortia]
    form.councils.choices = [
        SelectChoice(t.id, t.name) for t in services.member_councils(consortia)
    ]
    form.group.choices = [
        SelectChoice("", _("Nenhum")),
        *(SelectChoice(g.id, g.name) for g in services.writable_groups(db.session, actor)),
    ]


@bp.route("/practices/new", methods=["GET", "POST"])
@login_required
def new():  # type: ignore[no-untyped-def]
    actor = _actor()
    form = PracticeForm()
    _practice_choices(form, actor)
    if form.validate_on_submit():
        try:
            practice = services.create_draft(db.session, actor, form.practice_input())
        except PracticeError as exc:
            _attach(form, exc)
        else:
            flash(_("Rascunho guardado. Junte ficheiros, se quiser, e submeta-o à revisão."))
            return redirect(url_for("practices.show", practice_id=practice.id))
    return render_template("practices/edit.html", form=form, practice=None)


@bp.route("/practices/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(practice_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    if not services.can_edit(actor, practice):
        abort(403)
    if request.method == "GET":
        form = PracticeForm(
            data={
                "title": practice.title,
                "consortium": practice.consortium_id,
                "problem": practice.problem,
                "what_was_done": practice.what_was_done,
                "results": practice.results,
                "resources": practice.resources,
                "councils": [c.tenant_id for c in practice.councils],
                "tags": ", ".join(practice.tags or []),
                "group": practice.group_id,
            }
        )
    else:
        form = PracticeForm()
    _practice_choices(form, actor)
    if form.validate_on_submit():
        try:
            services.update_draft(db.session, actor, practice, form.practice_input())
        except PracticeError as exc:
            _attach(form, exc)
        else:
            flash(_("Rascunho guardado."))
            return redirect(url_for("practices.show", practice_id=practice.id))
    return render_template("practices/edit.html", form=form, practice=practice)


# --- reading --------------------------------------------------------------------------------


@bp.get("/practices/<int:practice_id>")
@login_required
def show(practice_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    return _show(actor, practice)


def _show(
    actor: Actor,
    practice: Practice,
    *,
    return_form: ReturnForm | None = None,
    attachment_form: AttachmentForm | None = None,
    adoption_form: AdoptionForm | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    adoption_councils = services.adoption_councils(db.session, actor)
    published = practice.status == PracticeStatus.PUBLISHED
    if adoption_form is None and adoption_councils and published:
        data = _adoption_data(practice, adoption_councils)
        adoption_form = AdoptionForm(formdata=None, data=data)
    if adoption_form is not None:
        adoption_form.council.choices = [SelectChoice(t.id, t.name) for t in adoption_councils]
    group = db.session.get(WorkingGroup, practice.group_id) if practice.group_id else None
    return (
        render_template(
            "practices/show.html",
            practice=practice,
            group=group,
            statuses=PRACTICE_STATUS,
            adoption_statuses=ADOPTION_STATUS,
            can_edit=services.can_edit(actor, practice),
            can_review=services.can_review(actor, practice),
            can_archive=services.can_archive(actor, practice),
            own_practice=practice.author_id == actor.user_id,
            coordinator=actor.coordinates(practice.consortium_id),
            return_form=return_form or ReturnForm(formdata=None),
            attachment_form=attachment_form or AttachmentForm(formdata=None),
            adoption_form=adoption_form,
        ),
        status,
    )


def _adoption_data(practice: Practice, councils: list[Tenant]) -> dict[str, object]:
    """The form starts from the first of the user's councils' record, if there is one."""
    mine = {t.id for t in councils}
    record = next((a for a in practice.adoptions if a.council_id in mine), None)
    if record is None:
        return {"council": councils[0].id}
    return {
        "council": record.council_id,
        "status": record.status,
        "started_on": record.started_on,
        "how_it_went": record.how_it_went,
    }


# --- review ---------------------------------------------------------------------------------


def _change(
    practice_id: int,
    change: Callable[[Session, Actor, Practice], object],
    done: str,
    category: str = "message",
) -> Response:
    """A step of the review flow: the service decides; its refusal or ``done`` is flashed."""
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    try:
        change(db.session, actor, practice)
    except PracticeError as exc:
        flash(str(exc), "error")
    else:
        flash(done, category)
    return redirect(url_for("practices.show", practice_id=practice_id))


@bp.post("/practices/<int:practice_id>/submit")
@login_required
def submit(practice_id: int):  # type: ignore[no-untyped-def]
    return _change(
        practice_id,
        services.submit,
        _("Prática submetida: a coordenação do consórcio vai revê-la."),
    )


@bp.get("/practices/review")
@login_required
def review_queue():  # type: ignore[no-untyped-def]
    actor = _actor()
    if not actor.coordinated_ids:
        abort(403)
    return render_template(
        "practices/review.html", practices=services.review_queue(db.session, actor)
    )


@bp.post("/practices/<int:practice_id>/approve")
@login_required
def approve(practice_id: int):  # type: ignore[no-untyped-def]
    return _change(practice_id, services.approve, _("Prática publicada na biblioteca."), "success")


@bp.post("/practices/<int:practice_id>/return")
@login_required
def return_to_author(practice_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_to_author(db.session, actor, practice, form.note.data or "")
        except PracticeError as exc:
            _attach(form, exc)
        else:
            flash(_("Prática devolvida ao autor com a sua nota."))
            return redirect(url_for("practices.show", practice_id=practice_id))
    elif not actor.coordinates(practice.consortium_id):
        abort(403)
    return _show(actor, practice, return_form=form, status=422)


@bp.post("/practices/<int:practice_id>/archive")
@login_required
def archive(practice_id: int):  # type: ignore[no-untyped-def]
    return _change(
        practice_id,
        services.archive,
        _("Prática arquivada: continua acessível, mas deixa de aparecer na pesquisa."),
    )


# --- attachments ----------------------------------------------------------------------------


@bp.post("/practices/<int:practice_id>/attachments")
@login_required
def upload(practice_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    if practice.author_id != actor.user_id:
        abort(403)
    form = AttachmentForm()
    if form.validate_on_submit():
        stored = form.file.data
        try:
            if stored is None or not getattr(stored, "filename", ""):
                raise UploadError(_("Escolha o ficheiro a enviar."))
            attachments.add_attachment(
                db.session, actor, practice, data=stored.read(), filename=stored.filename
            )
        except (PracticeError, UploadError) as exc:
            _attach(form, exc)
        else:
            flash(_("Ficheiro junto à prática."), "success")
            return redirect(url_for("practices.show", practice_id=practice_id))
    return _show(actor, practice, attachment_form=form, status=422)


@bp.get("/practices/<int:practice_id>/attachments/<int:attachment_id>")
@login_required
def download(practice_id: int, attachment_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    found = attachments.attachment_content(db.session, actor, practice, attachment_id)
    if found is None:
        abort(404)
    attachment, data = found
    return send_file(
        io.BytesIO(data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
    )


@bp.post("/practices/<int:practice_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(practice_id: int, attachment_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    try:
        removed = attachments.remove_attachment(db.session, actor, practice, attachment_id)
    except PracticeError as exc:
        flash(str(exc), "error")
    else:
        if not removed:
            abort(404)
        flash(_("Ficheiro retirado."))
    return redirect(url_for("practices.show", practice_id=practice_id))


# --- adoption -------------------------------------------------------------------------------


@bp.post("/practices/<int:practice_id>/adoption")
@login_required
def adopt(practice_id: int):  # type: ignore[no-untyped-def]
    actor = _actor()
    practice = services.visible_practice(db.session, actor, practice_id)
    if not actor.staff_council_ids:
        abort(403)
    if practice.status != PracticeStatus.PUBLISHED:  # the page shows no adoption form then
        flash(_("Só se regista a adoção de uma prática publicada."), "error")
        return redirect(url_for("practices.show", practice_id=practice_id))
    form = AdoptionForm()
    form.council.choices = [
        SelectChoice(t.id, t.name) for t in services.adoption_councils(db.session, actor)
    ]
    if form.validate_on_submit():
        try:
            services.record_adoption(db.session, actor, practice, form.adoption_input())
        except PracticeError as exc:
            _attach(form, exc)
        else:
            flash(_("Adoção registada."), "success")
            return redirect(url_for("practices.show", practice_id=practice_id))
    return _show(actor, practice, adoption_form=form, status=422)
