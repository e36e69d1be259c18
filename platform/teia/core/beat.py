"""Beat entry tasks that run once per slot of their schedule, however many beats fire them.

Two beat processes (a second one started by mistake, or one restarted with its schedule
file lost) each send the task for the same due time. The task claims a :class:`BeatSlot`
for (task name, the schedule's latest due time in UTC, to the minute) with an insert that
ignores a conflict: the first run stores the row and works, any other finds it taken and
returns 0 (on PostgreSQL it waits for the first run's commit). The slot is the schedule's
due time, not the moment a worker takes the task, so two copies taken a minute apart by a
busy worker still share it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from celery import shared_task
from celery.schedules import crontab
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from teia.core.celery import BEAT_SCHEDULE, BEAT_TIMEZONE
from teia.core.db import db, utcnow
from teia.notifications.models import BeatSlot

# How many days back to look for a crontab's latest due time: the sparsest is monthly.
_LOOKBACK_DAYS = 32


def schedule_slot(task: str, now: datetime | None = None) -> datetime:
    """The latest due time (naive UTC, to the minute) of ``task``'s beat entry at ``now``;
    the minute itself for a task the beat does not schedule by crontab."""
    now = (now or utcnow()).replace(second=0, microsecond=0)
    schedule = next(
        (e["schedule"] for e in BEAT_SCHEDULE.values() if e["task"] == task),
        None,
    )
    if not isinstance(schedule, crontab):
        return now
    zone = ZoneInfo(BEAT_TIMEZONE)
    moment = now.replace(tzinfo=UTC)
    day = moment.astimezone(zone).date()
    for _ in range(_LOOKBACK_DAYS):
        if (
            day.day in schedule.day_of_month
            and day.month in schedule.month_of_year
            and day.isoweekday() % 7 in schedule.day_of_week
        ):
            for hour in sorted(schedule.hour, reverse=True):
                for minute in sorted(schedule.minute, reverse=True):
                    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    due = local.astimezone(UTC)
                    if due <= moment:
                        return due.replace(tzinfo=None)
        day -= timedelta(days=1)
    return now


def claim_slot(session: Session, task: str, now: datetime | None = None) -> bool:
    """Store the run of ``task`` for its current slot; False when another run has it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Table = BeatSlot.__table__  # type: ignore[assignment]
    stmt = (
        insert(table)
        .values(task=task, slot=schedule_slot(task, now), claimed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["task", "slot"])
        .returning(table.c.id)
    )
    return session.execute(stmt).scalar() is not None


def beat_task(name: str, **options: Any) -> Callable[[Callable[..., int]], Any]:
    """``shared_task(name=...)`` for a beat entry point: runs once per schedule slot, and
    returns 0 when the slot was already taken."""

    def decorate(func: Callable[..., int]) -> Any:
        @wraps(func)
        def once(*args: Any, **kwargs: Any) -> int:
            # The claim commits with the work at the task's end: a run that fails (or a
            # worker killed mid-run) rolls it back, and the redelivered task claims again.
            if not claim_slot(db.session, name):
                return 0
            return func(*args, **kwargs)

        return shared_task(name=name, **options)(once)

    return decorate
