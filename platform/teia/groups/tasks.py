"""Working groups' background work: reminders of tomorrow's meetings and of overdue action
items, each sent once (``GroupReminderSent``).

Each reminder is claimed by inserting its natural key (object, kind, due date, person) with
``ON CONFLICT DO NOTHING ... RETURNING``: only the rows this run inserted are notified, in the
same transaction, so two runs at the same time (or the same day twice) send each reminder once.
Work goes in batches of :data:`BATCH` meetings or action items, a fixed number of statements
per batch plus one notification per reminder.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from teia.core.beat import beat_task
from teia.core.db import db, utcnow
from teia.groups.meetings import (
    ACTION_TOPIC,
    MEETING_TOPIC,
    local_today,
    meeting_link,
    still_member,
    to_utc,
    when,
)
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    Attendance,
    GroupMember,
    GroupReminderSent,
    Meeting,
    MeetingStatus,
    WorkingGroup,
)
from teia.notifications.services import notify_by_preference

BATCH = 200
MEETING_TOMORROW = "meeting_tomorrow"
ACTION_OVERDUE = "action_overdue"
_KEY = ["object_type", "object_id", "kind", "due_date", "user_id"]


@beat_task("teia.groups.reminders")
def reminders() -> int:
    """Beat entry point (daily): returns how many reminders this run sent."""
    return send_reminders(db.session, local_today())


def send_reminders(session: Session, today: date) -> int:
    return meeting_reminders(session, today) + overdue_action_reminders(session, today)


def _claim(session: Session, rows: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """Insert the reminders' keys; the ``(object_id, user_id)`` of those this run inserted."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = (
        insert(GroupReminderSent)
        .values([{**row, "sent_at": now} for row in rows])
        .on_conflict_do_nothing(index_elements=_KEY)
        .returning(GroupReminderSent.object_id, GroupReminderSent.user_id)
    )
    return {(object_id, user_id) for object_id, user_id in session.execute(stmt)}


def _not_sent(object_type: str, kind: str, object_id: Any, due: Any, user_id: Any):  # type: ignore[no-untyped-def]
    """SQL: no reminder with this key was sent yet (the insert still decides under a race)."""
    return ~exists().where(
        GroupReminderSent.object_type == object_type,
        GroupReminderSent.object_id == object_id,
        GroupReminderSent.kind == kind,
        GroupReminderSent.due_date == due,
        GroupReminderSent.user_id == user_id,
    )


def meeting_reminders(session: Session, today: date) -> int:
    """Tell every invitee still in the group about a scheduled meeting tomorrow (local day)."""
    tomorrow = today + timedelta(days=1)
    start = to_utc(tomorrow, time(0))
    end = to_utc(tomorrow + timedelta(days=1), time(0))
    sent, after = 0, 0
    while True:
        batch = list(
            session.scalars(
                select(Meeting)
                .where(
                    Meeting.status == MeetingStatus.SCHEDULED,
                    Meeting.starts_at >= start,
                    Meeting.starts_at < end,
                    Meeting.id > after,
                )
                .options(joinedload(Meeting.group))
                .order_by(Meeting.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return sent
        after = batch[-1].id
        by_id = {m.id: m for m in batch}
        invitees = session.execute(
            select(Attendance.meeting_id, Attendance.user_id)
            .join(Meeting, Meeting.id == Attendance.meeting_id)
            .join(
                GroupMember,
                (GroupMember.user_id == Attendance.user_id)
                & (GroupMember.group_id == Meeting.group_id),
            )
            .where(
                Attendance.meeting_id.in_(by_id),
                still_member(GroupMember),
                _not_sent(
                    "meeting", MEETING_TOMORROW, Attendance.meeting_id, tomorrow, Attendance.user_id
                ),
            )
            .order_by(Attendance.meeting_id, Attendance.user_id)
        ).all()
        claimed = _claim(
            session,
            [
                {
                    "object_type": "meeting",
                    "object_id": meeting_id,
                    "kind": MEETING_TOMORROW,
                    "due_date": tomorrow,
                    "user_id": user_id,
                }
                for meeting_id, user_id in invitees
            ],
        )
        for meeting_id, user_id in sorted(claimed):
            meeting = by_id[meeting_id]
            notify_by_preference(
                session,
                user_id=user_id,
                topic=MEETING_TOPIC,
                subject=_("Lembrete: reunião do grupo %(group)s amanhã", group=meeting.group.name),
                body=_(
                    "O grupo %(group)s reúne-se amanhã, %(at)s, em %(place)s.",
                    group=meeting.group.name,
                    at=when(meeting.starts_at),
                    place=meeting.location,
                ),
                link=meeting_link(meeting),
            )
        sent += len(claimed)
        if len(batch) < BATCH:
            return sent


def overdue_action_reminders(session: Session, today: date) -> int:
    """Tell the owner of each open action item past its due date, once per item and date."""
    sent, after = 0, 0
    while True:
        batch = list(
            session.scalars(
                select(ActionItem)
                .join(
                    GroupMember,
                    (GroupMember.group_id == ActionItem.group_id)
                    & (GroupMember.user_id == ActionItem.owner_id),
                )
                .where(
                    ActionItem.status == ActionItemStatus.OPEN,
                    ActionItem.due_on < today,
                    ActionItem.id > after,
                    still_member(GroupMember),
                    _not_sent(
                        "action_item",
                        ACTION_OVERDUE,
                        ActionItem.id,
                        ActionItem.due_on,
                        ActionItem.owner_id,
                    ),
                )
                .order_by(ActionItem.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return sent
        after = batch[-1].id
        groups = dict(
            session.execute(
                select(WorkingGroup.id, WorkingGroup.name).where(
                    WorkingGroup.id.in_({a.group_id for a in batch})
                )
            ).all()
        )
        claimed = _claim(
            session,
            [
                {
                    "object_type": "action_item",
                    "object_id": action.id,
                    "kind": ACTION_OVERDUE,
                    "due_date": action.due_on,
                    "user_id": action.owner_id,
                }
                for action in batch
            ],
        )
        for action in batch:
            if (action.id, action.owner_id) not in claimed:
                continue
            group = groups[action.group_id]
            notify_by_preference(
                session,
                user_id=action.owner_id,
                topic=ACTION_TOPIC,
                subject=_("Tarefa em atraso no grupo %(group)s", group=group),
                body=_(
                    "Uma tarefa que lhe foi atribuída no grupo %(group)s tinha prazo até "
                    "%(due)s e continua em aberto.",
                    group=group,
                    due=action.due_on.strftime("%d/%m/%Y"),
                ),
                link=f"/groups/{action.group_id}/meetings/{action.meeting_id}",
            )
        sent += len(claimed)
        if len(batch) < BATCH:
            return sent
