"""Mail through a real SMTP conversation (a local aiosmtpd server stands in for the relay):
a relay that refuses for a while gets the message later, once, and nothing is lost."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.db import db
from teia.notifications.models import Notification
from teia.notifications.services import notify
from teia.notifications.tasks import requeue_unsent_emails, send_notification_email


@dataclass
class Relay:
    refuse_first: int = 0
    received: list[bytes] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.attempts += 1
        if self.attempts <= self.refuse_first:
            return "451 4.3.0 try again later"
        self.received.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def relay(app: Flask) -> Iterator[Relay]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings = app.config["TEIA_SETTINGS"]
    settings.mail_server, settings.mail_port = "127.0.0.1", controller.port
    try:
        yield handler
    finally:
        settings.mail_server, settings.mail_port = "", 25
        controller.stop()


def _notify(app: Flask, *, send: bool = True) -> int:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "saude@mourao.demo"))
        assert user_id
        note = notify(
            db.session, user_id=user_id, kind="test", subject="Prazo", link="/t/mourao/", email=send
        )
        note.email = True
        db.session.commit()  # with send, the e-mail task runs after commit (eagerly here)
        return note.id


def test_mail_goes_through_smtp(app: Flask, relay: Relay) -> None:
    note_id = _notify(app)
    [raw] = relay.received
    message = message_from_bytes(raw, policy=default)
    assert message["To"] == "saude@mourao.demo" and message["Subject"] == "Prazo"
    assert "http://teia.test/t/mourao/" in message.get_content()
    with app.app_context():
        assert db.session.get(Notification, note_id).emailed_at is not None  # type: ignore[union-attr]


def test_a_relay_that_refuses_for_a_while_gets_it_once(app: Flask, relay: Relay) -> None:
    relay.refuse_first = 2
    note_id = _notify(app, send=False)
    # apply() runs the task as a worker would, retries included (without the backoff wait);
    # its retries re-apply with the app's propagate setting, so turn that off here.
    conf = app.extensions["celery"].conf
    conf.task_eager_propagates = False
    try:
        result = send_notification_email.apply(args=(note_id,))
    finally:
        conf.task_eager_propagates = True
    assert result.get() is True
    assert relay.attempts == 3 and len(relay.received) == 1
    with app.app_context():
        assert db.session.get(Notification, note_id).emailed_at is not None  # type: ignore[union-attr]


def test_an_email_never_queued_is_swept_up(app: Flask, relay: Relay) -> None:
    note_id = _notify(app, send=False)  # as if the broker had been down after commit
    with app.app_context():
        note = db.session.get(Notification, note_id)
        assert note is not None
        note.created_at -= timedelta(minutes=11)
        db.session.commit()
    assert requeue_unsent_emails.delay().get() == 1
    assert len(relay.received) == 1
    assert requeue_unsent_emails.delay().get() == 0
