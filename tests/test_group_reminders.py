"""The daily reminders of working groups: tomorrow's meeting to every invitee still in the
group, an overdue action item to its owner; each sent exactly once (twice the same day, or two
runs at the same moment on PostgreSQL), none for a cancelled meeting or someone who left."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from teia.accounts.models import Membership
from teia.core.db import db
from teia.groups import meetings, tasks
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    Attendance,
    GroupMember,
    GroupReminderSent,
    Meeting,
    MeetingStatus,
)
from teia.groups.tasks import reminders, send_reminders
from teia.notifications.models import Notification
from tests import groups_factories as gf
from tests.conftest import PG_OWNER_URL, _clear_outbox, requires_postgres

COORDINATOR = "coordenacao@cimac.demo"
MOURAO = "gestora@mourao.demo"
PORTEL = "gestora@portel.demo"
BARRIER_TIMEOUT = 30


def _tomorrow() -> date:
    return meetings.local_today() + timedelta(days=1)


def meeting_on(day: date, at: time = time(10, 0), *, group_id: int | None = None) -> Meeting:
    """A scheduled meeting (plain rows) with every member of the group invited."""
    if group_id is None:
        group_id = gf.group().id
    meeting = Meeting(
        group_id=group_id,
        title="Reunião",
        starts_at=meetings.to_utc(day, at),
        location="Sala 2, CIMAC",
    )
    db.session.add(meeting)
    db.session.flush()
    members = db.session.scalars(
        select(GroupMember.user_id).where(GroupMember.group_id == group_id)
    ).all()
    db.session.add_all(Attendance(meeting_id=meeting.id, user_id=uid) for uid in members)
    db.session.flush()
    return meeting


def _reminded(meeting: Meeting) -> list[int]:
    """Who got tomorrow's reminder of the meeting, one entry per notification."""
    return sorted(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind == meetings.MEETING_TOPIC,
                Notification.subject.like("Lembrete%"),
                Notification.link == meetings.meeting_link(meeting),
            )
        )
    )


def _everyone() -> list[int]:
    return sorted(gf.user_id(e) for e in (COORDINATOR, MOURAO, PORTEL))


def test_tomorrows_meeting_is_reminded_once_to_every_invitee(app: Flask) -> None:
    with app.app_context():
        meeting = meeting_on(_tomorrow(), time(18, 0))
        db.session.commit()
        assert reminders.apply().get() >= 3
        assert reminders.apply().get() == 0  # the same day again: nothing new
        assert _reminded(meeting) == _everyone()
        note = db.session.scalar(
            select(Notification).where(
                Notification.subject.like("Lembrete%"),
                Notification.link == meetings.meeting_link(meeting),
            )
        )
        assert note is not None
        assert "Grupo de intervenção familiar" in note.subject
        when = _tomorrow().strftime("%d/%m/%Y") + " às 18:00"
        assert when in note.body and "Sala 2, CIMAC" in note.body
        sent = db.session.scalar(
            select(func.count(GroupReminderSent.id)).where(
                GroupReminderSent.object_type == "meeting",
                GroupReminderSent.object_id == meeting.id,
                GroupReminderSent.due_date == _tomorrow(),
            )
        )
        assert sent == 3


def test_only_meetings_of_tomorrow_in_lisbon_are_reminded(app: Flask) -> None:
    with app.app_context():
        tomorrow = _tomorrow()
        group_id = gf.group().id
        early = meeting_on(tomorrow, time(0, 30), group_id=group_id)
        late = meeting_on(tomorrow, time(23, 30), group_id=group_id)
        today = meeting_on(tomorrow - timedelta(days=1), time(23, 59), group_id=group_id)
        after = meeting_on(tomorrow + timedelta(days=1), time(0, 30), group_id=group_id)
        db.session.commit()
        send_reminders(db.session, meetings.local_today())
        assert _reminded(early) == _everyone() and _reminded(late) == _everyone()
        assert _reminded(today) == [] and _reminded(after) == []


def test_a_cancelled_meeting_sends_none(app: Flask) -> None:
    with app.app_context():
        meeting = meeting_on(_tomorrow())
        meeting.status = MeetingStatus.CANCELLED
        db.session.commit()
        send_reminders(db.session, meetings.local_today())
        assert _reminded(meeting) == []
        assert (
            db.session.scalar(
                select(func.count(GroupReminderSent.id)).where(
                    GroupReminderSent.object_type == "meeting",
                    GroupReminderSent.object_id == meeting.id,
                )
            )
            == 0
        )


def test_no_reminder_to_someone_who_left_the_group_or_the_council(app: Flask) -> None:
    with app.app_context():
        meeting = meeting_on(_tomorrow())
        left = db.session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == meeting.group_id,
                GroupMember.user_id == gf.user_id(MOURAO),
            )
        )
        assert left is not None
        left.active = False
        # Portel's case manager still sits in the group, but no longer works for Portel.
        for membership in db.session.scalars(
            select(Membership).where(Membership.user_id == gf.user_id(PORTEL))
        ):
            membership.active = False
        db.session.commit()
        send_reminders(db.session, meetings.local_today())
        assert _reminded(meeting) == [gf.user_id(COORDINATOR)]


def test_meetings_are_taken_in_batches(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "BATCH", 2)
    with app.app_context():
        group_id = gf.group().id
        made = [meeting_on(_tomorrow(), time(9 + n), group_id=group_id) for n in range(5)]
        db.session.commit()
        send_reminders(db.session, meetings.local_today())
        assert all(_reminded(m) == _everyone() for m in made)


# --- overdue action items ------------------------------------------------------------------


def _action(meeting: Meeting, owner: str, due_on: date) -> ActionItem:
    action = ActionItem(
        meeting_id=meeting.id,
        group_id=meeting.group_id,
        description="Levantar os tempos de resposta",
        owner_id=gf.user_id(owner),
        due_on=due_on,
    )
    db.session.add(action)
    db.session.flush()
    return action


def _overdue_notes(action: ActionItem) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.kind == meetings.ACTION_TOPIC,
                Notification.link == f"/groups/{action.group_id}/meetings/{action.meeting_id}",
                Notification.subject.like("Tarefa em atraso%"),
            )
        )
    )


def test_an_overdue_action_is_reminded_once_to_its_owner(app: Flask) -> None:
    with app.app_context():
        today = meetings.local_today()
        meeting = meeting_on(today - timedelta(days=20))
        meeting.status = MeetingStatus.HELD
        overdue = _action(meeting, PORTEL, today - timedelta(days=1))
        db.session.commit()
        reminders.apply().get()
        reminders.apply().get()
        [note] = _overdue_notes(overdue)
        assert note.user_id == gf.user_id(PORTEL)
        assert (today - timedelta(days=1)).strftime("%d/%m/%Y") in note.body
        assert "Levantar" not in note.body  # what the task is stays on the meeting's page


def test_a_new_due_date_reminds_again_once(app: Flask) -> None:
    with app.app_context():
        today = meetings.local_today()
        meeting = meeting_on(today - timedelta(days=20))
        action = _action(meeting, PORTEL, today - timedelta(days=10))
        db.session.commit()
        send_reminders(db.session, today)
        action.due_on = today - timedelta(days=2)
        db.session.commit()
        send_reminders(db.session, today)
        send_reminders(db.session, today)
        assert len(_overdue_notes(action)) == 2


def test_no_overdue_reminder_when_not_due_closed_or_the_owner_left(app: Flask) -> None:
    with app.app_context():
        today = meetings.local_today()
        meeting = meeting_on(today - timedelta(days=20))
        due_today = _action(meeting, PORTEL, today)
        done = _action(meeting, PORTEL, today - timedelta(days=3))
        done.status = ActionItemStatus.DONE
        cancelled = _action(meeting, PORTEL, today - timedelta(days=3))
        cancelled.status = ActionItemStatus.CANCELLED
        gone = _action(meeting, MOURAO, today - timedelta(days=3))
        left = db.session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == meeting.group_id,
                GroupMember.user_id == gf.user_id(MOURAO),
            )
        )
        assert left is not None
        left.active = False
        db.session.commit()
        send_reminders(db.session, today)
        for action in (due_today, done, cancelled, gone):
            assert _overdue_notes(action) == []


# --- two runs at the same moment (PostgreSQL) ------------------------------------------------


@pytest.fixture
def committed(app: Flask) -> Iterator[dict[str, Any]]:
    """A group with a meeting tomorrow and an overdue action, committed for real; removed
    afterwards with everything the runs wrote about them (their e-mails included: no outer
    transaction clears the outbox after this test)."""
    with app.app_context():
        today = meetings.local_today()
        meeting = meeting_on(_tomorrow())
        action = _action(meeting, PORTEL, today - timedelta(days=1))
        db.session.commit()
        made = {"group": meeting.group_id, "meeting": meeting.id, "action": action.id}
    yield made
    owner = create_engine(PG_OWNER_URL)
    with owner.begin() as conn:
        conn.execute(
            text("DELETE FROM notifications WHERE link LIKE :link"),
            {"link": f"/groups/{made['group']}/%"},
        )
        conn.execute(
            text(
                "DELETE FROM group_reminders_sent WHERE (object_type = 'meeting' AND "
                "object_id = :meeting) OR (object_type = 'action_item' AND object_id = :action)"
            ),
            made,
        )
        conn.execute(text("DELETE FROM group_action_items WHERE group_id = :group"), made)
        conn.execute(text("DELETE FROM group_attendance WHERE meeting_id = :meeting"), made)
        conn.execute(text("DELETE FROM group_meetings WHERE group_id = :group"), made)
        conn.execute(text("DELETE FROM working_group_members WHERE group_id = :group"), made)
        conn.execute(text("DELETE FROM working_groups WHERE id = :group"), made)
    owner.dispose()
    _clear_outbox(app)


@requires_postgres
@pytest.mark.own_transactions  # each run commits from its own connection
def test_two_runs_at_the_same_moment_send_each_reminder_once(
    app: Flask, committed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both runs read the same pending reminders, then claim them at once: the unique key
    lets one insert each, the other waits for its commit and inserts (and sends) nothing."""
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT)
    claim = tasks._claim
    waited = threading.local()

    def claim_together(*args: Any, **kwargs: Any) -> Any:
        if not getattr(waited, "done", False):  # the first claim of each run starts together
            waited.done = True
            barrier.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(tasks, "_claim", claim_together)
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():
            try:
                send_reminders(db.session, meetings.local_today())
                db.session.commit()
                outcomes.append("ok")
            except Exception as exc:  # surfaced by the assertion below
                db.session.rollback()
                outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads)
    assert outcomes == ["ok", "ok"]
    with app.app_context():
        meeting = db.session.get(Meeting, committed["meeting"])
        action = db.session.get(ActionItem, committed["action"])
        assert meeting is not None and action is not None
        assert _reminded(meeting) == _everyone()
        assert len(_overdue_notes(action)) == 1
