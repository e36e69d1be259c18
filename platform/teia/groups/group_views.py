"""Working groups: the list of one's groups, a group's page, forming groups, members, the
constraints register.

Every group page answers only the group's members (404 to anyone else, platform admins
included); what changes members, the group or a constraint's status answers only its
coordinators (403 to the other members). Groups are formed by a consortium's coordinator
(``/c/<consortium>/groups/new``) or ad hoc by a platform admin (``/admin/groups/new``).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from teia.accounts.models import Role, User
from teia.accounts.schemas import ROLE_LABELS as PLATFORM_ROLE_LABELS
from teia.core.db import db
from teia.core.scope import (
    current_consortium,
    memberships,
    requires_platform_admin,
    requires_role,
)
from teia.groups import constraints, groups, meetings, vignettes
from teia.groups.access import Seat, coordinator_seat, group_councils, my_seats, seat
from teia.groups.group_forms import (
    ROLE_LABELS,
    AddMemberForm,
    AdHocGroupForm,
    ConstraintForm,
    GroupForm,
    ProgressForm,
    RoleForm,
)
from teia.groups.models import ConstraintStatus, GroupConstraint, GroupMember, MemberRole
from teia.tenants.models import Tenant

bp = Blueprint("groups", __name__, template_folder="templates")
LATEST = 3  # vignettes and meetings on the group's page

COORDINATOR = Role.CONSORTIUM_COORDINATOR


def _attach(form: FlaskForm, exc: groups.GroupError | constraints.ConstraintError) -> None:
    """The service's message beside the field it names, or at the top of the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field):
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _status() -> int:
    """A form page shown again after a POST is one the POST could not take."""
    return 422 if request.method == "POST" else 200


# --- my groups and a group's page -----------------------------------------------------------


@bp.get("/groups/")
@login_required
def index():  # type: ignore[no-untyped-def]
    """The user's groups, from any scope; a consortium's coordinator also finds its groups."""
    coordinated = {
        m.consortium.slug: m.consortium
        for m in memberships()
        if m.role == COORDINATOR and m.consortium is not None
    }
    return render_template(
        "groups/index.html",
        seats=my_seats(db.session),
        coordinated=sorted(coordinated.values(), key=lambda c: c.name),
        role_labels=ROLE_LABELS,
    )


@bp.get("/groups/<int:group_id>")
@login_required
def show(group_id: int):  # type: ignore[no-untyped-def]
    found = seat(db.session, group_id)
    members = groups.members_of(db.session, found.group)
    return render_template(
        "groups/show.html",
        seat=found,
        group=found.group,
        councils=group_councils(found.group),
        coordinators=[m for m in members if m.role == MemberRole.COORDINATOR],
        by_council=groups.by_council(members),
        member_count=len(members),
        open_constraints=constraints.open_count(db.session, found.group),
        latest_vignettes=vignettes.group_vignettes(db.session, group_id, limit=LATEST),
        upcoming=meetings.meetings_of(db.session, group_id).upcoming[:LATEST],
    )


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit(group_id: int):  # type: ignore[no-untyped-def]
    found = coordinator_seat(db.session, group_id)
    form = GroupForm(obj=found.group) if request.method == "GET" else GroupForm()
    if form.validate_on_submit():
        try:
            groups.update_group(db.session, found.group, form.group_input())
        except groups.GroupError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(_("Grupo atualizado."), "success")
            return redirect(url_for("groups.show", group_id=group_id))
    return render_template("groups/form.html", form=form, group=found.group, mode="edit"), _status()


@bp.post("/groups/<int:group_id>/close")
@login_required
def close(group_id: int):  # type: ignore[no-untyped-def]
    found = coordinator_seat(db.session, group_id)
    groups.close_group(db.session, found.group)
    flash(_("Grupo %(name)s encerrado.", name=found.group.name), "success")
    return redirect(url_for("groups.index"))


# --- members --------------------------------------------------------------------------------


def _candidate_choices(found: Seat) -> dict[str, list[SelectChoice]]:
    """The add form's options, grouped by council (the consortium's coordination first)."""
    grouped: dict[str, list[SelectChoice]] = {}
    for m in groups.candidates(db.session, found.group):
        heading = m.tenant.name if m.tenant is not None else _("Coordenação do consórcio")
        label = f"{m.user.name} — {m.organization.name} ({PLATFORM_ROLE_LABELS[Role(m.role)]})"
        grouped.setdefault(heading, []).append(SelectChoice(m.id, label))
    return grouped


def _members_page(found: Seat, add: AddMemberForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    members = groups.members_of(db.session, found.group)
    former: list[GroupMember] = []
    held: set[int] = {m.id for m in members}
    if found.is_coordinator:
        former = groups.members_of(db.session, found.group, active=False)
        held = groups.still_held(db.session, members)
        if add is None:
            add = AddMemberForm(formdata=None, prefix="add")
        add.membership.choices = _candidate_choices(found)  # type: ignore[assignment]
    return render_template(
        "groups/members.html",
        seat=found,
        group=found.group,
        by_council=groups.by_council(members),
        former=former,
        held=held,
        add=add,
        role_forms={m.id: RoleForm(formdata=None, prefix=f"r{m.id}", role=m.role) for m in members},
        role_labels=ROLE_LABELS,
    ), status


@bp.get("/groups/<int:group_id>/members")
@login_required
def members(group_id: int):  # type: ignore[no-untyped-def]
    return _members_page(seat(db.session, group_id))


@bp.post("/groups/<int:group_id>/members")
@login_required
def add_member(group_id: int):  # type: ignore[no-untyped-def]
    found = coordinator_seat(db.session, group_id)
    form = AddMemberForm(prefix="add")
    if not form.validate_on_submit():
        return _members_page(found, add=form, status=422)
    try:
        member = groups.add_member(
            db.session,
            found.group,
            form.membership.data,
            form.role.data,
            actor_id=current_user.id,
        )
    except groups.GroupError as exc:
        db.session.rollback()
        _attach(form, exc)
        return _members_page(coordinator_seat(db.session, group_id), add=form, status=422)
    flash(_("%(name)s entrou no grupo.", name=member.user.name), "success")
    return redirect(url_for("groups.members", group_id=group_id))


def _member(found: Seat, member_id: int) -> GroupMember:
    member = groups.group_member(db.session, found.group, member_id)
    if member is None:
        abort(404)
    return member


@bp.post("/groups/<int:group_id>/members/<int:member_id>/remove")
@login_required
def remove_member(group_id: int, member_id: int):  # type: ignore[no-untyped-def]
    found = coordinator_seat(db.session, group_id)
    member = _member(found, member_id)
    try:
        groups.remove_member(db.session, found.group, member)
    except groups.GroupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _members_page(coordinator_seat(db.session, group_id), status=409)
    flash(_("%(name)s saiu do grupo.", name=member.user.name), "success")
    if member.user_id == current_user.id:
        return redirect(url_for("groups.index"))
    return redirect(url_for("groups.members", group_id=group_id))


@bp.post("/groups/<int:group_id>/members/<int:member_id>/role")
@login_required
def member_role(group_id: int, member_id: int):  # type: ignore[no-untyped-def]
    found = coordinator_seat(db.session, group_id)
    member = _member(found, member_id)
    form = RoleForm(prefix=f"r{member_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        groups.change_role(db.session, found.group, member, form.role.data)
    except groups.GroupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        # A role outside the list is bad input; the last coordinator stepping down, a conflict.
        status = 422 if exc.field == "role" else 409
        return _members_page(coordinator_seat(db.session, group_id), status=status)
    flash(_("Papel de %(name)s atualizado.", name=member.user.name), "success")
    return redirect(url_for("groups.members", group_id=group_id))


# --- the constraints register ---------------------------------------------------------------


def _affected_choices(form: ConstraintForm, found: Seat) -> None:
    form.affected.choices = [SelectChoice(t.id, t.name) for t in group_councils(found.group)]


def _constraint(found: Seat, constraint_id: int) -> GroupConstraint:
    item = constraints.constraint_of(db.session, found.group, constraint_id)
    if item is None:
        abort(404)
    return item


@bp.get("/groups/<int:group_id>/constraints", endpoint="constraints")
@login_required
def constraints_index(group_id: int):  # type: ignore[no-untyped-def]
    found = seat(db.session, group_id)
    wanted = request.args.get("status", "")
    status = wanted if wanted in set(ConstraintStatus) else None
    items = constraints.register(db.session, found.group, status)
    return render_template(
        "groups/constraints.html",
        seat=found,
        group=found.group,
        items=items,
        status=status,
        status_labels=constraints.STATUS_LABELS,
        council_names=lambda ids: constraints.council_names(found.group, ids),
    )


@bp.get("/groups/<int:group_id>/constraints.csv")
@login_required
def constraints_csv(group_id: int):  # type: ignore[no-untyped-def]
    found = seat(db.session, group_id)
    body = constraints.register_csv(db.session, found.group)
    return Response(
        "\ufeff" + body,  # a BOM, so spreadsheets read the accents as UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="constrangimentos-grupo-{group_id}.csv"'
        },
    )


@bp.route("/groups/<int:group_id>/constraints/new", methods=["GET", "POST"])
@login_required
def new_constraint(group_id: int):  # type: ignore[no-untyped-def]
    found = seat(db.session, group_id)
    form = ConstraintForm()
    _affected_choices(form, found)
    if form.validate_on_submit():
        try:
            item = constraints.propose(db.session, found, form.constraint_input())
        except constraints.ConstraintError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(_("Constrangimento registado."), "success")
            return redirect(url_for("groups.constraint", group_id=group_id, constraint_id=item.id))
    return render_template(
        "groups/constraint_new.html", seat=found, group=found.group, form=form
    ), _status()


def _constraint_page(
    found: Seat,
    item: GroupConstraint,
    *,
    edit_form: ConstraintForm | None = None,
    progress_form: ProgressForm | None = None,
    status: int = 200,
):  # type: ignore[no-untyped-def]
    may_edit = constraints.may_edit(found, item)
    if may_edit and edit_form is None:
        edit_form = ConstraintForm(
            formdata=None,
            prefix="edit",
            title=item.title,
            description=item.description,
            affected=item.affected_tenant_ids,
        )
    if edit_form is not None:
        _affected_choices(edit_form, found)
    if found.is_coordinator and progress_form is None:
        progress_form = ProgressForm(formdata=None, prefix="progress", obj=item)
    people = {
        u.id: u.name
        for u in db.session.scalars(
            select(User).where(User.id.in_({item.created_by_id, item.updated_by_id} - {None}))
        )
    }
    return render_template(
        "groups/constraint.html",
        seat=found,
        group=found.group,
        item=item,
        affected=constraints.council_names(found.group, item.affected_tenant_ids),
        edit_form=edit_form if may_edit else None,
        progress_form=progress_form if found.is_coordinator else None,
        status_labels=constraints.STATUS_LABELS,
        people=people,
    ), status


@bp.route("/groups/<int:group_id>/constraints/<int:constraint_id>", methods=["GET", "POST"])
@login_required
def constraint(group_id: int, constraint_id: int):  # type: ignore[no-untyped-def]
    found = seat(db.session, group_id)
    item = _constraint(found, constraint_id)
    if request.method == "GET":
        return _constraint_page(found, item)
    if not constraints.may_edit(found, item):
        abort(403)
    form = ConstraintForm(prefix="edit")
    _affected_choices(form, found)
    if not form.validate_on_submit():
        return _constraint_page(found, item, edit_form=form, status=422)
    try:
        constraints.edit(db.session, found, item, form.constraint_input())
    except constraints.ConstraintError as exc:
        db.session.rollback()
        _attach(form, exc)
        found = seat(db.session, group_id)
        return _constraint_page(
            found, _constraint(found, constraint_id), edit_form=form, status=422
        )
    flash(_("Constrangimento atualizado."), "success")
    return redirect(url_for("groups.constraint", group_id=group_id, constraint_id=constraint_id))


@bp.post("/groups/<int:group_id>/constraints/<int:constraint_id>/progress")
@login_required
def constraint_progress(group_id: int, constraint_id: int):  # type: ignore[no-untyped-def]
    found = coordinator_seat(db.session, group_id)
    item = _constraint(found, constraint_id)
    form = ProgressForm(prefix="progress")
    if not form.validate_on_submit():
        return _constraint_page(found, item, progress_form=form, status=422)
    try:
        constraints.record_progress(db.session, found, item, form.progress())
    except constraints.ConstraintError as exc:
        db.session.rollback()
        _attach(form, exc)
        found = coordinator_seat(db.session, group_id)
        return _constraint_page(
            found, _constraint(found, constraint_id), progress_form=form, status=422
        )
    flash(_("Estado do constrangimento registado."), "success")
    return redirect(url_for("groups.constraint", group_id=group_id, constraint_id=constraint_id))


# --- forming groups -------------------------------------------------------------------------


@bp.route("/c/<consortium>/groups/new", methods=["GET", "POST"])
@login_required
@requires_role(COORDINATOR)
def new_for_consortium():  # type: ignore[no-untyped-def]
    consortium = current_consortium()
    assert consortium is not None
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = groups.form_consortium_group(
                db.session, consortium, form.group_input(), actor_id=current_user.id
            )
        except groups.GroupError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(_("Grupo %(name)s formado. Acrescente os membros.", name=group.name), "success")
            return redirect(url_for("groups.members", group_id=group.id))
    return render_template(
        "groups/form.html", form=form, consortium=consortium, mode="consortium"
    ), _status()


@bp.get("/c/<consortium>/groups")
@login_required
@requires_role(COORDINATOR)
def consortium_groups():  # type: ignore[no-untyped-def]
    """The consortium's groups: name, theme and number of members only (a group's content is
    for its members)."""
    consortium = current_consortium()
    assert consortium is not None
    return render_template(
        "groups/consortium_groups.html",
        consortium=consortium,
        rows=groups.consortium_groups(db.session, consortium),
        mine={s.group.id for s in my_seats(db.session)},
    )


def _ad_hoc_choices(form: AdHocGroupForm) -> None:
    councils = db.session.scalars(
        select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.name)
    ).all()
    form.councils.choices = [SelectChoice(t.id, t.name) for t in councils]
    form.coordinator_council.choices = [
        SelectChoice("", _("Escolha…")),
        *(SelectChoice(t.id, t.name) for t in councils),
    ]


@bp.route("/admin/groups/new", methods=["GET", "POST"])
@login_required
@requires_platform_admin
def new_ad_hoc():  # type: ignore[no-untyped-def]
    """A group across chosen councils; the admin names its coordinator and takes no seat."""
    form = AdHocGroupForm()
    _ad_hoc_choices(form)
    if form.validate_on_submit():
        try:
            group = groups.form_ad_hoc_group(
                db.session,
                form.group_input(),
                council_ids=form.council_ids(),
                coordinator_email=form.coordinator_email.data or "",
                coordinator_council_id=form.coordinator_council.data,
                actor_id=current_user.id,
            )
        except groups.GroupError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            coordinator = db.session.scalar(
                select(User.name)
                .join(GroupMember, GroupMember.user_id == User.id)
                .where(GroupMember.group_id == group.id)
            )
            flash(
                _(
                    "Grupo %(name)s formado; coordenação: %(who)s, que acrescenta os membros.",
                    name=group.name,
                    who=coordinator,
                ),
                "success",
            )
            return redirect(url_for("tenants.platform_admin"))
    return render_template("groups/form.html", form=form, mode="ad_hoc"), _status()
