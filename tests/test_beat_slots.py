"""Beat entry tasks run once per slot of their schedule: a second beat firing the same due
time (or the same task taken twice) finds the slot claimed and does nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select

from teia.core.beat import claim_slot, schedule_slot
from teia.core.celery import BEAT_SCHEDULE
from teia.core.db import db
from teia.notifications.models import BeatSlot
from teia.notifications.tasks import dispatch_reminders


def at(*parts: int) -> datetime:
    """A naive UTC time, as the columns store it."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)  # type: ignore[misc]


def test_the_slot_is_the_schedules_latest_due_time_in_utc() -> None:
    # Daily at 06:00 Lisbon: UTC+0 in winter, UTC+1 in summer.
    daily = "teia.cases.flag_overdue_actions"
    assert schedule_slot(daily, at(2026, 12, 3, 6, 40, 12)) == at(2026, 12, 3, 6, 0)
    assert schedule_slot(daily, at(2026, 12, 3, 5, 59)) == at(2026, 12, 2, 6, 0)
    assert schedule_slot(daily, at(2026, 7, 1, 6, 40)) == at(2026, 7, 1, 5, 0)
    # Every quarter of an hour: a copy taken minutes late still falls in the same slot.
    quarter = "teia.notifications.dispatch_reminders"
    assert schedule_slot(quarter, at(2026, 12, 3, 9, 14, 59)) == at(2026, 12, 3, 9, 0)
    assert schedule_slot(quarter, at(2026, 12, 3, 9, 15)) == at(2026, 12, 3, 9, 15)
    # Monthly, on the 1st at 05:00 Lisbon.
    monthly = "teia.reports.schedule_monthly"
    assert schedule_slot(monthly, at(2026, 12, 3, 9, 0)) == at(2026, 12, 1, 5, 0)
    # A task the beat does not schedule: the minute itself.
    assert schedule_slot("teia.other", at(2026, 12, 3, 9, 14, 59)) == at(2026, 12, 3, 9, 14)


def test_a_slot_is_claimed_once(app: Flask) -> None:
    task = "teia.notifications.dispatch_reminders"
    with app.app_context():
        assert claim_slot(db.session, task, at(2026, 12, 3, 9, 1))
        assert not claim_slot(db.session, task, at(2026, 12, 3, 9, 14))  # same slot
        assert claim_slot(db.session, task, at(2026, 12, 3, 9, 16))  # the next one
        assert claim_slot(db.session, "teia.cases.flag_overdue_actions", at(2026, 12, 3, 9))
        assert db.session.scalar(select(func.count()).select_from(BeatSlot)) == 3


def test_every_beat_entry_runs_once_per_slot(app: Flask) -> None:
    celery = app.extensions["celery"]
    with app.app_context():
        for entry in BEAT_SCHEDULE.values():
            task = celery.tasks[entry["task"]]
            task.apply().get()
            claimed = db.session.scalar(
                select(func.count()).select_from(BeatSlot).where(BeatSlot.task == task.name)
            )
            assert claimed == 1, task.name
            assert task.apply().get() == 0, task.name  # a second beat: nothing


def test_a_second_beat_dispatches_nothing(app: Flask) -> None:
    with app.app_context():
        assert dispatch_reminders.apply().get() == 3  # one task per council
        assert dispatch_reminders.apply().get() == 0
