"""A group's meetings: agenda, invitations and attendance, minutes, decisions and action
items; approved minutes are read-only.

Members read (``access.seat``: 404 to anyone else, platform admins included); coordinators
write (``access.coordinator_seat``: 403 to plain members). Every write to a meeting first asks
:func:`meetings.ensure_editable`, so once the minutes are approved (or the meeting cancelled)
each write answers 409 with the reason; action items stay updatable by their owner or a
coordinator.
"""

from __future__ import annotations

from typing import NoReturn

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from teia.core.db import db
from teia.core.errors import refuse
from teia.groups import access, meetings
from teia.groups.access import Seat
from teia.groups.meeting_forms import (
    ATTENDANCE_LABELS,
    ActionForm,
    ActionUpdateForm,
    AgendaForm,
    ConfirmForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    attendance_form,
)
from teia.groups.meetings import MeetingClosed, MeetingError
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    AgendaKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
)

bp = Blueprint("meetings", __name__, template_folder="templates")


def _status_labels() -> dict[str, str]:
    return {
        MeetingStatus.SCHEDULED: _("Agendada"),
        MeetingStatus.HELD: _("Realizada"),
        MeetingStatus.CANCELLED: _("Cancelada"),
        ActionItemStatus.OPEN: _("Em aberto"),
        ActionItemStatus.DONE: _("Concluída"),
        ActionItemStatus.CANCELLED: _("Cancelada"),
    }


def _meeting(seat: Seat, meeting_id: int) -> Meeting:
    found = meetings.meeting_of(db.session, seat.group.id, meeting_id)
    if found is None:
        abort(404)
    return found


def _writable(group_id: int, meeting_id: int) -> tuple[Seat, Meeting]:
    """A coordinator's seat and a meeting that may still change, or the refusal (409)."""
    seat = access.coordinator_seat(db.session, group_id)
    meeting = _meeting(seat, meeting_id)
    try:
        meetings.ensure_editable(db.session, meeting)
    except MeetingClosed as exc:
        refuse(409, str(exc), code="meeting_read_only")
    return seat, meeting


def _attach(form: FlaskForm, exc: MeetingError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if isinstance(target, Field):
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _back(meeting: Meeting, anchor: str | None = None):  # type: ignore[no-untyped-def]
    return redirect(
        url_for("meetings.show", group_id=meeting.group_id, meeting_id=meeting.id, _anchor=anchor)
    )


# --- forms filled for the group --------------------------------------------------------------


def _agenda_form(group_id: int, *, submitted: bool = True) -> AgendaForm:
    form = AgendaForm(prefix="agenda") if submitted else AgendaForm(prefix="agenda", formdata=None)
    found = meetings.agenda_choices(db.session, group_id)
    kinds = (
        (_("Casos (vinhetas)"), "vignette", found.vignettes),
        (_("Constrangimentos em aberto"), "constraint", found.constraints),
        (_("Boas práticas"), "practice", found.practices),
    )
    form.subject.choices = [
        SelectChoice(f"{kind}:{row.id}", row.title, optgroup=label)
        for label, kind, rows in kinds
        for row in rows
    ] + [SelectChoice("other", _("Outro assunto (escreva o título)"), optgroup=_("Outro"))]
    return form


def _action_form(group_id: int, *, submitted: bool = True) -> ActionForm:
    form = ActionForm(prefix="action") if submitted else ActionForm(prefix="action", formdata=None)
    form.owner_id.choices = [
        SelectChoice(m.user_id, m.user.name)  # type: ignore[arg-type]
        for m in meetings.active_members(db.session, group_id)
    ]
    return form


def _details_form(meeting: Meeting | None = None) -> MeetingForm:
    """The submitted details, or (given the meeting) its stored ones in local time."""
    if meeting is None:
        return MeetingForm(prefix="meeting")
    local = meetings.to_local(meeting.starts_at)
    return MeetingForm(
        prefix="meeting",
        formdata=None,
        data={
            "title": meeting.title,
            "day": local.date(),
            "at": local.time().replace(tzinfo=None),
            "location": meeting.location,
        },
    )


def _update_form(action: ActionItem, *, submitted: bool = False) -> ActionUpdateForm:
    prefix = f"action-{action.id}"
    if submitted:
        return ActionUpdateForm(prefix=prefix)
    return ActionUpdateForm(prefix=prefix, formdata=None)


def _attendance_rows(meeting: Meeting) -> list[Attendance]:
    return sorted(meeting.attendance, key=lambda row: row.user.name)


def _render(
    seat: Seat,
    meeting: Meeting,
    *,
    status: int = 200,
    updated: tuple[int, ActionUpdateForm] | None = None,
    **forms: FlaskForm,
):  # type: ignore[no-untyped-def]
    """The meeting page; ``forms`` (and ``updated``, an action's form) replace the blank ones
    with the submitted ones and their errors."""
    editable = (
        seat.is_coordinator
        and not meetings.is_approved(meeting)
        and meeting.status != MeetingStatus.CANCELLED
    )
    rows = _attendance_rows(meeting)
    if editable:
        forms.setdefault("details_form", _details_form(meeting))
        forms.setdefault("agenda_form", _agenda_form(seat.group.id, submitted=False))
        forms.setdefault("attendance_form", attendance_form(rows, submitted=False))
        forms.setdefault(
            "minutes_form",
            MinutesForm(prefix="minutes", formdata=None, data={"minutes": meeting.minutes}),
        )
        forms.setdefault("decision_form", DecisionForm(prefix="decision", formdata=None))
        forms.setdefault("action_form", _action_form(seat.group.id, submitted=False))
    update_forms = {
        a.id: _update_form(a)
        for a in meeting.actions
        if meetings.can_update_action(a, current_user.id, is_coordinator=seat.is_coordinator)
    }
    if updated is not None:
        update_forms[updated[0]] = updated[1]
    return render_template(
        "groups/meeting_show.html",
        group=seat.group,
        seat=seat,
        meeting=meeting,
        editable=editable,
        approval=meetings.approval_line(db.session, meeting),
        vignettes=meetings.agenda_vignettes(db.session, meeting),
        attendance=rows,
        attendance_labels=ATTENDANCE_LABELS,
        labels=_status_labels(),
        confirm=ConfirmForm(),
        update_forms=update_forms,
        today=meetings.local_today(),
        when=meetings.when,
        **forms,
    ), status


def _conflict(exc: MeetingError) -> NoReturn:
    db.session.rollback()
    refuse(409, str(exc), code="meeting_read_only")


def _refused(seat: Seat, meeting_id: int, form_name: str, form: FlaskForm, exc: MeetingError):  # type: ignore[no-untyped-def]
    """Undo the half-done step and show the page with the service's reason."""
    if isinstance(exc, MeetingClosed):
        _conflict(exc)
    db.session.rollback()
    _attach(form, exc)
    meeting = _meeting(seat, meeting_id)
    return _render(seat, meeting, status=422, **{form_name: form})


# --- reading ---------------------------------------------------------------------------------


@bp.get("/groups/<int:group_id>/meetings")
@login_required
def index(group_id: int):  # type: ignore[no-untyped-def]
    seat = access.seat(db.session, group_id)
    lists = meetings.meetings_of(db.session, group_id)
    return render_template(
        "groups/meeting_index.html",
        group=seat.group,
        seat=seat,
        upcoming=lists.upcoming,
        past=lists.past,
        labels=_status_labels(),
        approved=meetings.is_approved,
    )


@bp.get("/groups/<int:group_id>/meetings/<int:meeting_id>")
@login_required
def show(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat = access.seat(db.session, group_id)
    return _render(seat, _meeting(seat, meeting_id))


@bp.get("/groups/<int:group_id>/meetings/<int:meeting_id>/print")
@login_required
def print_view(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    """The meeting's record on one plain page, for printing or saving as PDF."""
    seat = access.seat(db.session, group_id)
    meeting = _meeting(seat, meeting_id)
    return render_template(
        "groups/meeting_print.html",
        group=seat.group,
        meeting=meeting,
        approval=meetings.approval_line(db.session, meeting),
        vignettes=meetings.agenda_vignettes(db.session, meeting),
        attendance=_attendance_rows(meeting),
        attendance_labels=ATTENDANCE_LABELS,
        labels=_status_labels(),
        when=meetings.when,
    )


@bp.get("/groups/actions")
@login_required
def my_actions():  # type: ignore[no-untyped-def]
    """My open action items across the groups where I hold a seat."""
    seats = {s.group.id: s for s in access.my_seats(db.session)}
    actions = meetings.my_open_actions(db.session, current_user.id, list(seats))
    return render_template(
        "groups/meeting_actions.html",
        actions=actions,
        seats=seats,
        forms={a.id: _update_form(a) for a in actions},
        today=meetings.local_today(),
    )


# --- scheduling --------------------------------------------------------------------------------


@bp.route("/groups/<int:group_id>/meetings/new", methods=["GET", "POST"])
@login_required
def new(group_id: int):  # type: ignore[no-untyped-def]
    seat = access.coordinator_seat(db.session, group_id)
    form = MeetingForm(prefix="meeting")
    if form.validate_on_submit():
        try:
            meeting = meetings.schedule(
                db.session,
                seat.group,
                title=form.title.data or "",
                starts_at=meetings.to_utc(form.day.data, form.at.data),  # type: ignore[arg-type]
                location=form.location.data or "",
                actor_id=current_user.id,
            )
        except MeetingError as exc:
            db.session.rollback()
            _attach(form, exc)
        else:
            flash(_("Reunião agendada; os membros do grupo foram convocados."), "success")
            return _back(meeting)
    status = 422 if form.is_submitted() else 200
    return render_template("groups/meeting_new.html", group=seat.group, form=form), status


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/edit")
@login_required
def edit(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    form = _details_form()
    if not form.validate_on_submit():
        return _render(seat, meeting, status=422, details_form=form)
    try:
        meetings.update_details(
            db.session,
            meeting,
            title=form.title.data or "",
            starts_at=meetings.to_utc(form.day.data, form.at.data),  # type: ignore[arg-type]
            location=form.location.data or "",
            actor_id=current_user.id,
        )
    except MeetingError as exc:
        return _refused(seat, meeting_id, "details_form", form, exc)
    flash(_("Reunião alterada."), "success")
    return _back(meeting)


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/cancel")
@login_required
def cancel(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    _seat, meeting = _writable(group_id, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        meetings.cancel(db.session, meeting, actor_id=current_user.id)
    except MeetingError as exc:
        _conflict(exc)
    flash(_("Reunião cancelada; os convocados foram avisados."), "success")
    return _back(meeting)


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/held")
@login_required
def held(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    _seat, meeting = _writable(group_id, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        meetings.mark_held(db.session, meeting)
    except MeetingError as exc:
        _conflict(exc)
    flash(_("Reunião dada como realizada. Falta aprovar a ata."), "success")
    return _back(meeting)


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/approve")
@login_required
def approve(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        meetings.approve_minutes(db.session, meeting, actor_id=current_user.id)
    except MeetingError as exc:
        return _refused(seat, meeting_id, "minutes_form", MinutesForm(prefix="minutes"), exc)
    flash(_("Ata aprovada: a reunião fica só de leitura."), "success")
    return _back(meeting)


# --- agenda ------------------------------------------------------------------------------------


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/agenda")
@login_required
def add_agenda(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    form = _agenda_form(group_id)
    if not form.validate_on_submit():
        return _render(seat, meeting, status=422, agenda_form=form)
    kind, _sep, ref = (form.subject.data or "").partition(":")
    try:
        meetings.add_agenda_item(
            db.session,
            meeting,
            kind=AgendaKind(kind),
            ref_id=int(ref) if ref else None,
            title=form.title.data or "",
            notes=form.notes.data or "",
        )
    except MeetingError as exc:
        return _refused(seat, meeting_id, "agenda_form", form, exc)
    return _back(meeting, "ordem")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/agenda/<int:item_id>/<direction>")
@login_required
def agenda_item(group_id: int, meeting_id: int, item_id: int, direction: str):  # type: ignore[no-untyped-def]
    """Move an agenda item ``up`` or ``down``, or ``remove`` it."""
    _seat, meeting = _writable(group_id, meeting_id)
    if direction not in ("up", "down", "remove"):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if direction == "remove":
            meetings.remove_agenda_item(db.session, meeting, item_id)
        else:
            meetings.move_agenda_item(db.session, meeting, item_id, -1 if direction == "up" else 1)
    except MeetingError:
        abort(404)
    return _back(meeting, "ordem")


# --- attendance, minutes, decisions ------------------------------------------------------------


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/attendance")
@login_required
def attendance(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    rows = _attendance_rows(meeting)
    form = attendance_form(rows, submitted=True)
    if not form.validate_on_submit():
        return _render(seat, meeting, status=422, attendance_form=form)
    statuses = {row.id: AttendanceStatus(form[f"a{row.id}"].data) for row in rows}
    meetings.record_attendance(db.session, meeting, statuses)
    flash(_("Presenças registadas."), "success")
    return _back(meeting, "presencas")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/minutes")
@login_required
def minutes(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    form = MinutesForm(prefix="minutes")
    if not form.validate_on_submit():
        return _render(seat, meeting, status=422, minutes_form=form)
    meetings.write_minutes(db.session, meeting, form.minutes.data or "")
    flash(_("Ata guardada."), "success")
    return _back(meeting, "ata")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/decisions")
@login_required
def add_decision(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    form = DecisionForm(prefix="decision")
    if not form.validate_on_submit():
        return _render(seat, meeting, status=422, decision_form=form)
    meetings.add_decision(db.session, meeting, form.text.data or "")
    return _back(meeting, "deliberacoes")


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/decisions/<int:decision_id>/remove")
@login_required
def remove_decision(group_id: int, meeting_id: int, decision_id: int):  # type: ignore[no-untyped-def]
    _seat, meeting = _writable(group_id, meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        meetings.remove_decision(db.session, meeting, decision_id)
    except MeetingError:
        abort(404)
    return _back(meeting, "deliberacoes")


# --- action items ------------------------------------------------------------------------------


@bp.post("/groups/<int:group_id>/meetings/<int:meeting_id>/actions")
@login_required
def add_action(group_id: int, meeting_id: int):  # type: ignore[no-untyped-def]
    seat, meeting = _writable(group_id, meeting_id)
    form = _action_form(group_id)
    if not form.validate_on_submit():
        return _render(seat, meeting, status=422, action_form=form)
    try:
        meetings.add_action(
            db.session,
            meeting,
            description=form.description.data or "",
            owner_id=form.owner_id.data,  # type: ignore[arg-type]
            due_on=form.due_on.data,  # type: ignore[arg-type]
            actor_id=current_user.id,
        )
    except MeetingError as exc:
        return _refused(seat, meeting_id, "action_form", form, exc)
    return _back(meeting, "tarefas")


@bp.post("/groups/<int:group_id>/actions/<int:item_id>")
@login_required
def update_action(group_id: int, item_id: int):  # type: ignore[no-untyped-def]
    """The owner or a coordinator closes an action item, also after the minutes' approval."""
    seat = access.seat(db.session, group_id)
    action = meetings.action_of(db.session, group_id, item_id)
    if action is None:
        abort(404)
    if action.owner_id != current_user.id and not seat.is_coordinator:
        abort(403)
    if action.status != ActionItemStatus.OPEN:
        refuse(409, _("Esta tarefa já foi concluída ou cancelada."), code="action_closed")
    form = _update_form(action, submitted=True)
    if not form.validate_on_submit():
        meeting = _meeting(seat, action.meeting_id)
        return _render(seat, meeting, status=422, updated=(action.id, form))
    meetings.update_action(
        db.session,
        action,
        status=ActionItemStatus(form.status.data),
        note=form.note.data or "",
        user_id=current_user.id,
        is_coordinator=seat.is_coordinator,
    )
    flash(_("Tarefa atualizada."), "success")
    if request.args.get("back") == "mine":
        return redirect(url_for("meetings.my_actions"))
    return redirect(
        url_for(
            "meetings.show",
            group_id=group_id,
            meeting_id=action.meeting_id,
            _anchor="tarefas",
        )
    )
