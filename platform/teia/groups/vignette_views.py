"""Case vignettes: built from a case and previewed in the author's council, published to a
group, read, commented, withdrawn; what was adopted goes back to the case.

In the council (``/t/<tenant>/cases/<id>/vignettes...``): council staff who hold a seat for
the council bring a case; the case's vignettes and the adoption are the council's, and only
the author adopts. In the group (``/groups/<id>/vignettes...``): members only (404 to anyone
else, platform admins included); only the author withdraws; only the author and the group's
coordinators see who read a vignette. No group page or URL carries the case's id.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from teia.cases.access import case_access, current_staff, current_viewer
from teia.cases.labels import ACTION_STATUS, AREA, CASE_STATUS, RELATIONSHIP, RISK_FLAG, resolved
from teia.cases.models import Case
from teia.core.clock import today
from teia.core.db import db
from teia.core.errors import refuse
from teia.core.scope import current_tenant
from teia.groups import vignettes
from teia.groups.access import Seat, seat, seats_for_council
from teia.groups.models import CommentKind, Vignette, VignetteSource, VignetteStatus
from teia.groups.vignette_forms import (
    COMMENT_KIND,
    AdoptForm,
    CommentForm,
    VignetteForm,
    WithdrawForm,
)

bp = Blueprint("vignettes", __name__, template_folder="templates")

TEXT_PREFIX = "text-"


@bp.app_template_global()
def brings_cases_here() -> bool:
    """Whether the signed-in user may bring a case of the council in scope to a group."""
    tenant = current_tenant()
    return tenant is not None and bool(seats_for_council(db.session, tenant.id))


def content_labels() -> dict[str, object]:
    """The label tables a vignette's content is shown with."""
    return {
        "area_labels": resolved(AREA),
        "risk_labels": resolved(RISK_FLAG),
        "relationship_labels": resolved(RELATIONSHIP),
        "action_labels": resolved(ACTION_STATUS),
        "case_status_labels": resolved(CASE_STATUS),
        "blocker_labels": resolved(vignettes.BLOCKER_KIND),
        "sex_labels": resolved(vignettes.SEX),
    }


# --- in the council: bringing a case, the case's vignettes, the adoption --------------------


def _case(case_id: int) -> Case:
    """The case, for the council's staff (a partner gets 404)."""
    current_staff()
    return case_access(db.session, current_viewer(), case_id).case


def _my_seats() -> list[Seat]:
    tenant = current_tenant()
    assert tenant is not None
    return seats_for_council(db.session, tenant.id)


def _attach(form: VignetteForm, exc: vignettes.VignetteError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


@bp.route("/t/<tenant>/cases/<int:case_id>/vignettes/new", methods=["GET", "POST"])
@login_required
def new(case_id: int):  # type: ignore[no-untyped-def]
    """Choose the group, type the title and question, edit the drafted texts; "Pré-visualizar"
    shows exactly what the group would receive, and "Publicar" publishes only that."""
    case = _case(case_id)
    seats = _my_seats()
    if not seats:
        refuse(403, _("Não participa em nenhum grupo de trabalho por este município."))
    form = VignetteForm()
    form.group.choices = [
        SelectChoice("", "—"),
        *(SelectChoice(s.group.id, s.group.name) for s in seats),
    ]
    edits = {
        key.removeprefix(TEXT_PREFIX): value
        for key, value in request.form.items()
        if key.startswith(TEXT_PREFIX)
    }
    status = 200
    if request.method == "POST":
        status = 422
        chosen = next((s for s in seats if s.group.id == form.group.data), None)
        if form.validate_on_submit() and chosen is None:
            form.group.errors = [_("Escolha o grupo a que leva o caso.")]
        elif not form.errors:
            assert chosen is not None
            try:
                if request.form.get("action") == "publish":
                    vignette = vignettes.publish(
                        db.session,
                        case,
                        chosen,
                        title=form.title.data or "",
                        question=form.question.data or "",
                        edits=edits,
                        seen_hash=form.content_hash.data or "",
                        author_id=current_user.id,
                        day=today(),
                    )
                    flash(
                        _("Vinheta publicada no grupo %(group)s.", group=chosen.group.name),
                        "success",
                    )
                    return redirect(
                        url_for("vignettes.show", group_id=chosen.group.id, vignette_id=vignette.id)
                    )
                status = 200
            except vignettes.PreviewOutdated as exc:
                form.form_errors.append(str(exc))
                status = 409
            except vignettes.VignetteError as exc:
                _attach(form, exc)
    try:
        shown = vignettes.preview(
            db.session,
            case,
            title=form.title.data or "",
            question=form.question.data or "",
            edits=edits,
            day=today(),
        )
    except vignettes.VignetteError as exc:
        refuse(422, str(exc))
    previewed = request.method == "POST" and status in (200, 409)
    form.content_hash.data = shown.hash if previewed else ""
    return render_template(
        "groups/vignette_new.html",
        case=case,
        form=form,
        shown=shown,
        previewed=previewed,
        values={p.key: edits.get(p.key, p.text) for p in shown.parts},
        council=current_tenant(),
        **content_labels(),
    ), status


@bp.get("/t/<tenant>/cases/<int:case_id>/vignettes")
@login_required
def case_list(case_id: int):  # type: ignore[no-untyped-def]
    case = _case(case_id)
    sources = vignettes.case_sources(db.session, case.id)
    mine = {
        s.vignette_id: vignettes.proposals(db.session, s.vignette)
        for s in sources
        if s.vignette.author_id == current_user.id
    }
    adopted = {s.vignette_id: vignettes.adopted_comments(db.session, s) for s in sources}
    return render_template(
        "groups/vignette_case_list.html",
        case=case,
        sources=sources,
        mine=mine,
        adopted=adopted,
        sees_adoption=lambda s: current_user.id in (s.vignette.author_id, case.manager_id),
        adopt_form=AdoptForm(formdata=None),
        can_bring=bool(_my_seats()),
    )


@bp.post("/t/<tenant>/cases/<int:case_id>/vignettes/<int:vignette_id>/adopt")
@login_required
def adopt(case_id: int, vignette_id: int):  # type: ignore[no-untyped-def]
    case = _case(case_id)
    source = db.session.scalar(
        select(VignetteSource).where(
            VignetteSource.case_id == case.id, VignetteSource.vignette_id == vignette_id
        )
    )
    if source is None:
        abort(404)
    form = AdoptForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("vignettes.case_list", case_id=case.id))
    try:
        vignettes.adopt(
            db.session,
            case,
            source,
            comment_ids=form.proposals.data or [],
            note=form.note.data or "",
            actor_id=current_user.id,
        )
    except PermissionError:
        refuse(403, _("Só quem publicou a vinheta regista o que foi adotado."))
    except vignettes.VignetteError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Registado no processo, como nota confidencial."), "success")
    return redirect(url_for("vignettes.case_list", case_id=case.id))


# --- in the group: the list, a vignette, its discussion, withdrawal, readers -----------------


def _vignette(group_id: int, vignette_id: int) -> tuple[Seat, Vignette]:
    found = seat(db.session, group_id)
    vignette = vignettes.load(db.session, group_id, vignette_id)
    if vignette is None:
        abort(404)
    return found, vignette


@bp.get("/groups/<int:group_id>/vignettes")
@login_required
def group_list(group_id: int):  # type: ignore[no-untyped-def]
    found = seat(db.session, group_id)
    return render_template(
        "groups/vignette_list.html",
        seat=found,
        group=found.group,
        rows=vignettes.group_vignettes(db.session, group_id),
    )


def _render_show(found: Seat, vignette: Vignette, comment_form: CommentForm, status: int = 200):  # type: ignore[no-untyped-def]
    vignettes.record_read(db.session, vignette, "page")
    is_author = vignette.author_id == current_user.id
    return render_template(
        "groups/vignette_show.html",
        seat=found,
        group=found.group,
        vignette=vignette,
        comments=vignettes.visible_comments(db.session, vignette),
        comment_form=comment_form,
        withdraw_form=WithdrawForm(formdata=None, prefix="withdraw"),
        is_author=is_author,
        sees_readers=is_author or found.is_coordinator,
        kind_labels=resolved(COMMENT_KIND),
        published=vignette.status == VignetteStatus.PUBLISHED,
        **content_labels(),
    ), status


@bp.get("/groups/<int:group_id>/vignettes/<int:vignette_id>")
@login_required
def show(group_id: int, vignette_id: int):  # type: ignore[no-untyped-def]
    found, vignette = _vignette(group_id, vignette_id)
    return _render_show(found, vignette, CommentForm(formdata=None))


@bp.post("/groups/<int:group_id>/vignettes/<int:vignette_id>/comments")
@login_required
def comment(group_id: int, vignette_id: int):  # type: ignore[no-untyped-def]
    found, vignette = _vignette(group_id, vignette_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            vignettes.comment(
                db.session,
                found,
                vignette,
                kind=CommentKind(form.kind.data),
                body=form.body.data or "",
            )
        except vignettes.VignetteError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Publicado na discussão."), "success")
            return redirect(
                url_for("vignettes.show", group_id=group_id, vignette_id=vignette_id) + "#discussao"
            )
    return _render_show(found, vignette, form, 422)


@bp.post("/groups/<int:group_id>/vignettes/<int:vignette_id>/withdraw")
@login_required
def withdraw(group_id: int, vignette_id: int):  # type: ignore[no-untyped-def]
    _seat, vignette = _vignette(group_id, vignette_id)
    if not WithdrawForm(prefix="withdraw").validate_on_submit():
        abort(400)
    try:
        vignettes.withdraw(db.session, vignette, current_user.id)
    except PermissionError:
        refuse(403, _("Só quem publicou a vinheta a pode retirar."))
    flash(
        _("Vinheta retirada: o conteúdo foi apagado e a discussão deixou de estar visível."),
        "success",
    )
    return redirect(url_for("vignettes.show", group_id=group_id, vignette_id=vignette_id))


@bp.get("/groups/<int:group_id>/vignettes/<int:vignette_id>/readers")
@login_required
def readers(group_id: int, vignette_id: int):  # type: ignore[no-untyped-def]
    found, vignette = _vignette(group_id, vignette_id)
    if not (vignette.author_id == current_user.id or found.is_coordinator):
        refuse(403, _("Só quem publicou a vinheta e a coordenação do grupo veem quem a leu."))
    return render_template(
        "groups/vignette_readers.html",
        seat=found,
        group=found.group,
        vignette=vignette,
        rows=vignettes.readers(db.session, vignette),
    )
