"""The daily digest: a user who chose it gets no e-mail per notification, and one e-mail a
day at their hour gathering them; the (user, day) key makes it idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select

from teia.core.db import db, utcnow
from teia.notifications import digest
from teia.notifications.models import Notification, NotificationDigest, NotificationSettings
from teia.notifications.services import notify
from teia.notifications.tasks import requeue_unsent_emails, send_digests, send_user_digest
from tests import groups_factories as gf
from tests.conftest import csrf_token, outbox

USER = "gestora@portel.demo"
PAGE = "/account/notifications"


def _choose_digest(as_user, hour: int) -> None:  # type: ignore[no-untyped-def]
    c = as_user(USER)
    token = csrf_token(c.get(PAGE).text)
    response = c.post(PAGE, data={"csrf_token": token, "digest": "1", "digest_hour": str(hour)})
    assert response.status_code == 302
    page = c.get(PAGE).text
    assert "Receber um resumo diário por e-mail" in page
    assert 'id="digest" checked' in page and f'<option value="{hour}" selected>' in page


def _notify_twice(app: Flask) -> list[int]:
    with app.app_context():
        uid = gf.user_id(USER)
        ids = [
            notify(db.session, user_id=uid, kind="test", subject=s, link="/t/portel/").id
            for s in ("Primeiro assunto", "Segundo assunto")
        ]
        db.session.commit()
        return ids


def test_the_choice_is_stored_and_a_bad_hour_ignored(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    _choose_digest(as_user, 18)
    c = as_user(USER)
    token = csrf_token(c.get(PAGE).text)
    c.post(PAGE, data={"csrf_token": token, "digest": "1", "digest_hour": "25"})
    with app.app_context():
        settings = db.session.get(NotificationSettings, gf.user_id(USER))
        assert settings is not None and settings.digest and settings.digest_hour == 18
    c.post(PAGE, data={"csrf_token": token})  # unticked: e-mail as it comes again
    with app.app_context():
        assert not db.session.get(NotificationSettings, gf.user_id(USER)).digest  # type: ignore[union-attr]


def test_notifications_wait_for_one_digest_a_day(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    _choose_digest(as_user, 8)
    ids = _notify_twice(app)
    assert outbox(app) == []  # no e-mail per notification
    with app.app_context():
        for note_id in ids:  # nor from the sweep of never-queued e-mails
            db.session.get(Notification, note_id).created_at -= timedelta(minutes=11)  # type: ignore[union-attr]
        db.session.commit()
    assert requeue_unsent_emails.apply().get() == 0
    day = datetime.now(ZoneInfo("Europe/Lisbon")).date()
    with app.app_context():
        uid = gf.user_id(USER)
        assert digest.send_digest(db.session, uid, day) == 2
        assert digest.send_digest(db.session, uid, day) == 0  # the same day: nothing again
        db.session.commit()
        notes = db.session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
        assert all(n.emailed_at is not None and n.digest_id is not None for n in notes)
        row = db.session.scalar(select(NotificationDigest).where(NotificationDigest.user_id == uid))
        assert row is not None and row.count == 2 and row.emailed_at is not None
    [message] = outbox(app)
    assert message["To"] == USER and message["Subject"] == "Resumo diário da Teia"
    text = message.get_content()
    assert "Primeiro assunto" in text and "Segundo assunto" in text
    assert "http://teia.test/t/portel/" in text


def test_the_hourly_beat_sends_at_the_users_local_hour_once(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    hour = now.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Lisbon")).hour
    _choose_digest(as_user, (hour + 1) % 24)
    with app.app_context():
        uid = gf.user_id(USER)
        assert uid not in {u for u, _ in digest.due_digests(db.session, now)}  # not its hour
        later = now + timedelta(hours=1)
        assert (uid, later.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Lisbon")).date()) in set(
            digest.due_digests(db.session, later)
        )
        db.session.get(NotificationSettings, uid).digest_hour = hour  # type: ignore[union-attr]
        db.session.commit()
    _notify_twice(app)
    assert send_digests.apply().get() >= 1
    assert len(outbox(app)) == 1
    with app.app_context():  # another run the same day (a retried task): nothing more
        day = now.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Lisbon")).date()
        assert send_user_digest.apply(args=(gf.user_id(USER), day.isoformat())).get() == 0
        count = db.session.scalar(select(func.count()).select_from(NotificationDigest))
        assert count == 1
    assert len(outbox(app)) == 1
