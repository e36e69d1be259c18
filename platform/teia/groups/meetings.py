"""A working group's meetings: scheduling and invitations, the agenda, attendance, minutes,
decisions and action items, and the minutes' approval that makes the record read-only.

A meeting is ``scheduled``, then ``held`` (or ``cancelled``); once held, a coordinator approves
its minutes and from then on the meeting, its agenda, attendance, minutes, decisions and the
list of action items no longer change (:func:`ensure_editable` guards every write). Action
items stay alive after the approval: their owner or a coordinator marks them done (with a note)
or cancelled.

Times are typed and shown in the consortium's time zone (Europe/Lisbon) and stored as naive
UTC. Notifications name the group, the date and the place, never a vignette or a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from teia.accounts.models import Membership, Role, User
from teia.audit.services import audit
from teia.core.db import utcnow
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaKind,
    Attendance,
    AttendanceStatus,
    ConstraintStatus,
    GroupConstraint,
    GroupMember,
    Meeting,
    MeetingDecision,
    MeetingStatus,
    MinutesStatus,
    Vignette,
    VignetteStatus,
    WorkingGroup,
)
from teia.notifications.services import notify_by_preference, preference_topic
from teia.practices.models import Practice, PracticeStatus

GROUP_TIMEZONE = ZoneInfo("Europe/Lisbon")  # the consortia's and councils' time zone
MEETING_TOPIC = "groups.meeting"
ACTION_TOPIC = "groups.action"
OPEN_CONSTRAINT_STATUSES = (
    ConstraintStatus.IDENTIFIED,
    ConstraintStatus.RAISED,
    ConstraintStatus.ANSWERED,
)
AGENDA_CHOICES_LIMIT = 100  # of each kind offered for the agenda, newest first
LIST_LIMIT = 100  # meetings listed per group, actions listed per person

preference_topic(
    MEETING_TOPIC, _l("Reuniões dos grupos de trabalho: convocatórias, alterações e atas")
)
preference_topic(ACTION_TOPIC, _l("Tarefas dos grupos de trabalho: atribuídas e em atraso"))


class MeetingError(ValueError):
    """A refused step, with the reason in Portuguese; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class MeetingClosed(MeetingError):
    """The meeting's record is read-only: its minutes were approved, or it was cancelled."""


# --- time ----------------------------------------------------------------------------------


def to_utc(day: date, at: time) -> datetime:
    """A local date and time (Europe/Lisbon) as the naive UTC the database stores."""
    local = datetime.combine(day, at, tzinfo=GROUP_TIMEZONE)
    return local.astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(GROUP_TIMEZONE)


def local_today() -> date:
    return datetime.now(GROUP_TIMEZONE).date()


def when(value: datetime) -> str:
    """``03/12/2026 às 14:30``, local time."""
    local = to_local(value)
    return _("%(day)s às %(time)s", day=local.strftime("%d/%m/%Y"), time=local.strftime("%H:%M"))


def meeting_link(meeting: Meeting) -> str:
    return f"/groups/{meeting.group_id}/meetings/{meeting.id}"


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingLists:
    upcoming: list[Meeting]
    past: list[Meeting]


def meetings_of(session: Session, group_id: int) -> MeetingLists:
    """The group's scheduled meetings still to come (soonest first) and the others (latest
    first), each list bounded."""
    now = utcnow()
    upcoming = session.scalars(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at >= now,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(LIST_LIMIT)
    )
    past = session.scalars(
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            (Meeting.status != MeetingStatus.SCHEDULED) | (Meeting.starts_at < now),
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(LIST_LIMIT)
    )
    return MeetingLists(list(upcoming), list(past))


def meeting_of(session: Session, group_id: int, meeting_id: int) -> Meeting | None:
    found = session.get(Meeting, meeting_id)
    return found if found is not None and found.group_id == group_id else None


def action_of(session: Session, group_id: int, action_id: int) -> ActionItem | None:
    found = session.get(ActionItem, action_id)
    return found if found is not None and found.group_id == group_id else None


def is_approved(meeting: Meeting) -> bool:
    return meeting.minutes_status == MinutesStatus.APPROVED


def approval_line(session: Session, meeting: Meeting) -> str | None:
    """``Ata aprovada por X em 04/12/2026 às 10:00``, once approved."""
    if not is_approved(meeting) or meeting.approved_at is None:
        return None
    approver = session.get(User, meeting.approved_by_id) if meeting.approved_by_id else None
    return _(
        "Ata aprovada por %(name)s em %(at)s.",
        name=approver.name if approver else _("(utilizador removido)"),
        at=when(meeting.approved_at),
    )


def active_members(session: Session, group_id: int) -> list[GroupMember]:
    """The group's active members, by name (for owners of action items)."""
    return list(
        session.scalars(
            select(GroupMember)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.group_id == group_id, GroupMember.active.is_(True))
            .options(joinedload(GroupMember.user))
            .order_by(User.name)
        )
    )


@dataclass(frozen=True)
class AgendaChoices:
    vignettes: list[Vignette]
    constraints: list[GroupConstraint]
    practices: list[Practice]


def agenda_choices(session: Session, group_id: int) -> AgendaChoices:
    """What may go on the agenda: the group's published vignettes and open constraints, and
    the library's published practices (shared across consortia)."""
    vignettes = session.scalars(
        select(Vignette)
        .where(Vignette.group_id == group_id, Vignette.status == VignetteStatus.PUBLISHED)
        .order_by(Vignette.published_at.desc(), Vignette.id.desc())
        .limit(AGENDA_CHOICES_LIMIT)
    )
    constraints = session.scalars(
        select(GroupConstraint)
        .where(
            GroupConstraint.group_id == group_id,
            GroupConstraint.status.in_(OPEN_CONSTRAINT_STATUSES),
        )
        .order_by(GroupConstraint.created_at.desc(), GroupConstraint.id.desc())
        .limit(AGENDA_CHOICES_LIMIT)
    )
    practices = session.scalars(
        select(Practice)
        .where(Practice.status == PracticeStatus.PUBLISHED)
        .order_by(Practice.published_at.desc(), Practice.id.desc())
        .limit(AGENDA_CHOICES_LIMIT)
    )
    return AgendaChoices(list(vignettes), list(constraints), list(practices))


def agenda_vignettes(session: Session, meeting: Meeting) -> dict[int, Vignette]:
    """The vignettes the agenda names, to show their current title (none once withdrawn)."""
    ids = [item.vignette_id for item in meeting.agenda if item.vignette_id is not None]
    if not ids:
        return {}
    return {v.id: v for v in session.scalars(select(Vignette).where(Vignette.id.in_(ids)))}


def my_open_actions(session: Session, user_id: int, group_ids: list[int]) -> list[ActionItem]:
    """The user's open action items in the groups where they still hold a seat, by due date."""
    if not group_ids:
        return []
    return list(
        session.scalars(
            select(ActionItem)
            .where(
                ActionItem.owner_id == user_id,
                ActionItem.status == ActionItemStatus.OPEN,
                ActionItem.group_id.in_(group_ids),
            )
            .order_by(ActionItem.due_on, ActionItem.id)
            .limit(LIST_LIMIT)
        )
    )


# --- the read-only rule --------------------------------------------------------------------


def ensure_editable(session: Session, meeting: Meeting) -> None:
    """Refuse any change to a meeting whose minutes were approved, or that was cancelled."""
    line = approval_line(session, meeting)
    if line is not None:
        raise MeetingClosed(
            _(
                "%(approval)s A reunião, a ordem de trabalhos, as presenças, a ata, as "
                "deliberações e as tarefas já não podem ser alteradas.",
                approval=line,
            )
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingClosed(_("Esta reunião foi cancelada: já não pode ser alterada."))


# --- notifications -------------------------------------------------------------------------


def _current_invitees(session: Session, meeting: Meeting) -> list[int]:
    """Invited users who are still active members of the group (and of the platform)."""
    return list(
        session.scalars(
            select(Attendance.user_id)
            .join(
                GroupMember,
                (GroupMember.group_id == meeting.group_id)
                & (GroupMember.user_id == Attendance.user_id),
            )
            .where(Attendance.meeting_id == meeting.id, still_member(GroupMember))
            .order_by(Attendance.user_id)
        )
    )


def still_member(member: type[GroupMember]):  # type: ignore[no-untyped-def]
    """SQL: the membership is active, in an active group, and the platform membership it rests
    on (the council spoken for, or the group's consortium coordination) still holds."""
    group_active = exists().where(WorkingGroup.id == member.group_id, WorkingGroup.active.is_(True))
    council = exists().where(
        Membership.user_id == member.user_id,
        Membership.active.is_(True),
        Membership.tenant_id == member.tenant_id,
    )
    coordination = exists().where(
        Membership.user_id == member.user_id,
        Membership.active.is_(True),
        Membership.role == Role.CONSORTIUM_COORDINATOR,
        WorkingGroup.id == member.group_id,
        Membership.consortium_id == WorkingGroup.consortium_id,
    )
    user_active = exists().where(User.id == member.user_id, User.active.is_(True))
    return (
        member.active.is_(True)
        & group_active
        & user_active
        & ((member.tenant_id.is_not(None) & council) | (member.tenant_id.is_(None) & coordination))
    )


def _tell(
    session: Session, user_ids: list[int], *, topic: str, subject: str, body: str, link: str
) -> int:
    sent = 0
    for uid in user_ids:
        note = notify_by_preference(
            session, user_id=uid, topic=topic, subject=subject, body=body, link=link
        )
        sent += note is not None
    return sent


def _tell_invitees(
    session: Session, meeting: Meeting, *, actor_id: int, subject: str, body: str
) -> int:
    """Tell the meeting's current invitees (not the one who acted) of a change to it."""
    invitees = [uid for uid in _current_invitees(session, meeting) if uid != actor_id]
    return _tell(
        session,
        invitees,
        topic=MEETING_TOPIC,
        subject=subject,
        body=body,
        link=meeting_link(meeting),
    )


def _place_and_time(meeting: Meeting) -> str:
    return _("%(when)s, %(place)s", when=when(meeting.starts_at), place=meeting.location)


# --- scheduling ----------------------------------------------------------------------------


def _check_future(starts_at: datetime) -> None:
    if starts_at <= utcnow():
        raise MeetingError(_("A reunião tem de ser marcada para uma data futura."), field="day")


def schedule(
    session: Session,
    group: WorkingGroup,
    *,
    title: str,
    starts_at: datetime,
    location: str,
    actor_id: int,
) -> Meeting:
    """Schedule a meeting and invite every active member (each is notified but the actor)."""
    _check_future(starts_at)
    meeting = Meeting(
        group_id=group.id,
        title=title.strip(),
        starts_at=starts_at,
        location=location.strip(),
        created_by_id=actor_id,
    )
    session.add(meeting)
    session.flush()
    invited = list(
        session.scalars(
            select(GroupMember.user_id)
            .where(GroupMember.group_id == group.id, still_member(GroupMember))
            .order_by(GroupMember.user_id)
        )
    )
    session.add_all(Attendance(meeting_id=meeting.id, user_id=uid) for uid in invited)
    session.flush()
    _tell(
        session,
        [uid for uid in invited if uid != actor_id],
        topic=MEETING_TOPIC,
        subject=_("Convocatória: reunião do grupo %(group)s", group=group.name),
        body=_(
            "O grupo %(group)s reúne-se a %(at)s. A ordem de trabalhos está na página da reunião.",
            group=group.name,
            at=_place_and_time(meeting),
        ),
        link=meeting_link(meeting),
    )
    audit(session, "meeting.scheduled", object_type="meeting", object_id=meeting.id)
    return meeting


def update_details(
    session: Session,
    meeting: Meeting,
    *,
    title: str,
    starts_at: datetime,
    location: str,
    actor_id: int,
) -> None:
    """Change a scheduled meeting's title, date or place; invitees hear of a new date or place."""
    ensure_editable(session, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingClosed(_("A reunião já se realizou: a data e o local já não se alteram."))
    moved = starts_at != meeting.starts_at or location.strip() != meeting.location
    if starts_at != meeting.starts_at:
        _check_future(starts_at)
    meeting.title = title.strip()
    meeting.starts_at = starts_at
    meeting.location = location.strip()
    session.flush()
    if moved:
        group = meeting.group
        _tell_invitees(
            session,
            meeting,
            actor_id=actor_id,
            subject=_("Reunião do grupo %(group)s alterada", group=group.name),
            body=_(
                "A reunião do grupo %(group)s passou a ser a %(at)s.",
                group=group.name,
                at=_place_and_time(meeting),
            ),
        )
    audit(session, "meeting.updated", object_type="meeting", object_id=meeting.id)


def cancel(session: Session, meeting: Meeting, *, actor_id: int) -> None:
    """Cancel a scheduled meeting: its open action items are cancelled, invitees told."""
    ensure_editable(session, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingClosed(_("Só se cancela uma reunião agendada que ainda não se realizou."))
    meeting.status = MeetingStatus.CANCELLED
    for action in meeting.actions:
        if action.status == ActionItemStatus.OPEN:
            action.status = ActionItemStatus.CANCELLED
    session.flush()
    group = meeting.group
    _tell_invitees(
        session,
        meeting,
        actor_id=actor_id,
        subject=_("Reunião do grupo %(group)s cancelada", group=group.name),
        body=_(
            "A reunião do grupo %(group)s marcada para %(at)s foi cancelada.",
            group=group.name,
            at=_place_and_time(meeting),
        ),
    )
    audit(session, "meeting.cancelled", object_type="meeting", object_id=meeting.id)


def mark_held(session: Session, meeting: Meeting) -> None:
    ensure_editable(session, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingClosed(_("Esta reunião já foi dada como realizada."))
    meeting.status = MeetingStatus.HELD
    session.flush()
    audit(session, "meeting.held", object_type="meeting", object_id=meeting.id)


def approve_minutes(session: Session, meeting: Meeting, *, actor_id: int) -> None:
    """Approve the minutes of a held meeting: from now on its record is read-only."""
    ensure_editable(session, meeting)
    if meeting.status != MeetingStatus.HELD:
        raise MeetingClosed(_("Só se aprova a ata de uma reunião que já se realizou."))
    if not meeting.minutes.strip():
        raise MeetingError(_("Escreva a ata antes de a aprovar."), field="minutes")
    meeting.minutes_status = MinutesStatus.APPROVED
    meeting.approved_by_id = actor_id
    meeting.approved_at = utcnow()
    session.flush()
    group = meeting.group
    _tell(
        session,
        [uid for uid in _current_invitees(session, meeting) if uid != actor_id],
        topic=MEETING_TOPIC,
        subject=_("Ata aprovada: reunião do grupo %(group)s", group=group.name),
        body=_(
            "A ata da reunião do grupo %(group)s de %(at)s foi aprovada.",
            group=group.name,
            at=when(meeting.starts_at),
        ),
        link=meeting_link(meeting),
    )
    audit(session, "meeting.minutes_approved", object_type="meeting", object_id=meeting.id)


# --- the agenda ----------------------------------------------------------------------------


def add_agenda_item(
    session: Session,
    meeting: Meeting,
    *,
    kind: AgendaKind,
    ref_id: int | None,
    title: str,
    notes: str,
) -> AgendaItem:
    """Put a vignette, an open constraint, a published practice or another subject at the end
    of the agenda; the subject must belong to the group (or to the library)."""
    ensure_editable(session, meeting)
    item = AgendaItem(
        meeting_id=meeting.id,
        position=len(meeting.agenda) + 1,
        kind=kind,
        title=title.strip(),
        notes=notes.strip(),
    )
    missing = MeetingError(_("Esse assunto não pode ir à ordem de trabalhos."), field="subject")
    if kind == AgendaKind.VIGNETTE:
        vignette = session.get(Vignette, ref_id) if ref_id else None
        if (
            vignette is None
            or vignette.group_id != meeting.group_id
            or vignette.status != VignetteStatus.PUBLISHED
        ):
            raise missing
        item.vignette_id = vignette.id
        item.title = ""  # shown from the vignette while it is published: nothing kept here
    elif kind == AgendaKind.CONSTRAINT:
        constraint = session.get(GroupConstraint, ref_id) if ref_id else None
        if (
            constraint is None
            or constraint.group_id != meeting.group_id
            or constraint.status not in OPEN_CONSTRAINT_STATUSES
        ):
            raise missing
        item.constraint_id = constraint.id
        item.title = item.title or constraint.title
    elif kind == AgendaKind.PRACTICE:
        practice = session.get(Practice, ref_id) if ref_id else None
        if practice is None or practice.status != PracticeStatus.PUBLISHED:
            raise missing
        item.practice_id = practice.id
        item.title = item.title or practice.title
    elif not item.title:
        raise MeetingError(_("Escreva o assunto."), field="title")
    meeting.agenda.append(item)
    session.flush()
    return item


def _renumber(meeting: Meeting) -> None:
    for position, item in enumerate(meeting.agenda, start=1):
        item.position = position


def move_agenda_item(session: Session, meeting: Meeting, item_id: int, offset: int) -> None:
    """Move an item one place up (``-1``) or down (``+1``); at an end it stays."""
    ensure_editable(session, meeting)
    items = list(meeting.agenda)
    index = next((i for i, item in enumerate(items) if item.id == item_id), None)
    if index is None:
        raise MeetingError(_("Esse ponto não está na ordem de trabalhos."))
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    meeting.agenda[:] = items
    _renumber(meeting)
    session.flush()


def remove_agenda_item(session: Session, meeting: Meeting, item_id: int) -> None:
    ensure_editable(session, meeting)
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    if item is None:
        raise MeetingError(_("Esse ponto não está na ordem de trabalhos."))
    meeting.agenda.remove(item)
    _renumber(meeting)
    session.flush()


# --- attendance, minutes, decisions --------------------------------------------------------


def record_attendance(
    session: Session, meeting: Meeting, statuses: dict[int, AttendanceStatus]
) -> None:
    """Set each invitee's attendance (``Attendance.id`` → status)."""
    ensure_editable(session, meeting)
    for row in meeting.attendance:
        if row.id in statuses:
            row.status = statuses[row.id]
    session.flush()


def write_minutes(session: Session, meeting: Meeting, text: str) -> None:
    ensure_editable(session, meeting)
    meeting.minutes = text.strip()
    session.flush()


def add_decision(session: Session, meeting: Meeting, text: str) -> MeetingDecision:
    ensure_editable(session, meeting)
    position = (
        session.scalar(
            select(func.max(MeetingDecision.position)).where(
                MeetingDecision.meeting_id == meeting.id
            )
        )
        or 0
    )
    decision = MeetingDecision(meeting_id=meeting.id, position=position + 1, text=text.strip())
    meeting.decisions.append(decision)
    session.flush()
    return decision


def remove_decision(session: Session, meeting: Meeting, decision_id: int) -> None:
    ensure_editable(session, meeting)
    decision = next((d for d in meeting.decisions if d.id == decision_id), None)
    if decision is None:
        raise MeetingError(_("Essa deliberação não é desta reunião."))
    meeting.decisions.remove(decision)
    session.flush()


# --- action items --------------------------------------------------------------------------


def add_action(
    session: Session,
    meeting: Meeting,
    *,
    description: str,
    owner_id: int,
    due_on: date,
    actor_id: int,
) -> ActionItem:
    """Give a member something to do by a date; they are told unless they set it themselves."""
    ensure_editable(session, meeting)
    owner = session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == meeting.group_id,
            GroupMember.user_id == owner_id,
            still_member(GroupMember),
        )
    )
    if owner is None:
        raise MeetingError(_("O responsável tem de ser membro do grupo."), field="owner_id")
    action = ActionItem(
        meeting_id=meeting.id,
        group_id=meeting.group_id,
        description=description.strip(),
        owner_id=owner_id,
        due_on=due_on,
    )
    meeting.actions.append(action)
    session.flush()
    if owner_id != actor_id:
        group = meeting.group
        _tell(
            session,
            [owner_id],
            topic=ACTION_TOPIC,
            subject=_("Nova tarefa no grupo %(group)s", group=group.name),
            body=_(
                "Foi-lhe atribuída uma tarefa na reunião do grupo %(group)s, com prazo até "
                "%(due)s.",
                group=group.name,
                due=due_on.strftime("%d/%m/%Y"),
            ),
            link=meeting_link(meeting),
        )
    return action


def can_update_action(action: ActionItem, user_id: int, *, is_coordinator: bool) -> bool:
    return action.status == ActionItemStatus.OPEN and (is_coordinator or action.owner_id == user_id)


def update_action(
    session: Session,
    action: ActionItem,
    *,
    status: ActionItemStatus,
    note: str,
    user_id: int,
    is_coordinator: bool,
) -> None:
    """Close an open action item as done (with a note) or cancelled: by its owner or a
    coordinator, before or after the minutes' approval."""
    if action.owner_id != user_id and not is_coordinator:
        raise MeetingError(_("Só o responsável ou a coordenação atualizam esta tarefa."))
    if action.status != ActionItemStatus.OPEN:
        raise MeetingClosed(_("Esta tarefa já foi concluída ou cancelada."))
    if status not in (ActionItemStatus.DONE, ActionItemStatus.CANCELLED):
        raise MeetingError(_("Escolha se a tarefa foi concluída ou cancelada."), field="status")
    action.status = status
    action.done_note = note.strip() or None
    action.done_at = utcnow()
    session.flush()
    audit(
        session,
        "meeting.action_updated",
        object_type="action_item",
        object_id=action.id,
        details={"status": str(status)},
    )
