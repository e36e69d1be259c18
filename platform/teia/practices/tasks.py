"""The library's background work: telling readers of a newly published practice (the
audience spans every consortium's coordinators, so it is fanned out here, by id)."""

from __future__ import annotations

from celery import shared_task

from teia.core.db import db
from teia.practices import services
from teia.practices.models import Practice, PracticeStatus


@shared_task(name="teia.practices.notify_published")
def notify_published(practice_id: int) -> int:
    """Notify the audience of a published practice (as each chose); returns how many were
    notified. Nothing when the practice is gone or no longer published."""
    practice = db.session.get(Practice, practice_id)
    if practice is None or practice.status != PracticeStatus.PUBLISHED:
        return 0
    audience = services.published_audience(db.session, practice)
    return services.notify_published_to(db.session, practice, audience)
