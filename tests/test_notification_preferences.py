"""Notification preferences: one row per declared topic, in the app and by e-mail, stored only
where they differ from the default (both), and honoured by ``notify_by_preference``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from teia.core.db import db
from teia.groups.groups import MEMBERSHIP_TOPIC
from teia.notifications.models import Notification, NotificationPreference
from teia.notifications.services import notify_by_preference, preference_topics
from tests import groups_factories as gf
from tests.conftest import csrf_token

USER = "gestora@portel.demo"
PAGE = "/account/notifications"


def _prefs(app: Flask) -> dict[str, tuple[bool, bool]]:
    with app.app_context():
        return {
            p.topic: (p.in_app, p.email)
            for p in db.session.scalars(
                select(NotificationPreference).where(
                    NotificationPreference.user_id == gf.user_id(USER)
                )
            )
        }


def _save(c, in_app: list[str], email: list[str]):  # type: ignore[no-untyped-def]
    token = csrf_token(c.get(PAGE).text)
    return c.post(PAGE, data={"csrf_token": token, "in_app": in_app, "email": email})


def test_the_page_lists_every_declared_topic_checked_by_default(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user(USER).get(PAGE)
    assert page.status_code == 200
    assert '<th scope="col">Na aplicação</th>' in page.text
    assert '<th scope="col">Por e-mail</th>' in page.text
    for topic, label in preference_topics().items():
        assert str(label) in page.text
        assert f'name="in_app" value="{topic}"' in page.text
    assert f'name="email" value="{MEMBERSHIP_TOPIC}" id=' in page.text
    assert page.text.count(" checked") == 2 * len(preference_topics())


def test_choices_are_stored_and_shown_again(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user(USER)
    others = [t for t in preference_topics() if t != MEMBERSHIP_TOPIC]
    response = _save(c, in_app=[*others, "not.a.topic"], email=others)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert _prefs(app) == {MEMBERSHIP_TOPIC: (False, False)}  # the others keep the default
    page = c.get(PAGE).text
    assert f'value="{MEMBERSHIP_TOPIC}" id="in-app-' in page
    row = page[page.rindex("<tr>", 0, page.index(f'value="{MEMBERSHIP_TOPIC}"')) :]
    assert " checked" not in row[: row.index("</tr>")]
    _save(c, in_app=[], email=[MEMBERSHIP_TOPIC])
    assert _prefs(app)[MEMBERSHIP_TOPIC] == (False, True)
    _save(c, in_app=list(preference_topics()), email=list(preference_topics()))
    assert _prefs(app) == {}  # back to the default: no rows


def test_notify_by_preference_follows_the_choice(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user(USER)
    _save(c, in_app=[], email=[MEMBERSHIP_TOPIC])
    with app.app_context():
        uid = gf.user_id(USER)
        note = notify_by_preference(
            db.session, user_id=uid, topic=MEMBERSHIP_TOPIC, subject="Entrou no grupo X"
        )
        assert note is not None and note.email and note.read_at is not None  # e-mail only
        db.session.commit()
    _save(c, in_app=[], email=[])
    with app.app_context():
        assert (
            notify_by_preference(
                db.session, user_id=gf.user_id(USER), topic=MEMBERSHIP_TOPIC, subject="Outra"
            )
            is None
        )
        kinds = db.session.scalars(
            select(Notification.subject).where(Notification.user_id == gf.user_id(USER))
        ).all()
        assert "Outra" not in kinds and "Entrou no grupo X" in kinds


def test_the_page_needs_a_session_and_a_csrf_token(app: Flask, client, as_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get(PAGE).headers["Location"].startswith("/login")
    response = as_user(USER).post(PAGE, data={"in_app": [], "email": []})
    assert response.status_code == 400
    assert _prefs(app) == {}
