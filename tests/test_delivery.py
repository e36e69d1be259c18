"""E-mail delivery is counted: each attempt, the relay's last error, and when the retries gave
up; a notification given up on is not swept up again, and an operator can queue it anew."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from teia.core.db import db
from teia.notifications.models import Notification
from teia.notifications.services import resend_email
from teia.notifications.tasks import (
    requeue_unsent_emails,
    send_notification_email,
    send_notification_emails,
)
from tests import test_mail
from tests.test_mail import Relay, _notify

relay = test_mail.relay  # the local SMTP relay fixture


def _apply_with_retries(app: Flask, note_id: int) -> object:
    """Run the task as a worker would, its retries included (without the backoff wait)."""
    conf = app.extensions["celery"].conf
    conf.task_eager_propagates = False
    try:
        return send_notification_email.apply(args=(note_id,)).get()
    finally:
        conf.task_eager_propagates = True


def _note(app: Flask, note_id: int) -> Notification:
    with app.app_context():
        note = db.session.get(Notification, note_id)
        assert note is not None
        db.session.expunge(note)
        return note


def test_attempts_are_counted_and_the_error_cleared_once_delivered(
    app: Flask, relay: Relay
) -> None:
    relay.refuse_first = 2
    note_id = _notify(app, send=False)
    assert _apply_with_retries(app, note_id) is True
    note = _note(app, note_id)
    assert note.email_attempts == 3 and relay.attempts == 3 and len(relay.received) == 1
    assert note.emailed_at is not None and note.email_error is None
    assert note.email_failed_at is None


def test_a_relay_that_keeps_refusing_marks_it_failed_with_the_error(
    app: Flask, relay: Relay
) -> None:
    relay.refuse_first = 1000
    note_id = _notify(app, send=False)
    assert _apply_with_retries(app, note_id) is False
    note = _note(app, note_id)
    retries = send_notification_email.max_retries
    assert note.email_attempts == retries + 1 == relay.attempts
    assert note.email_failed_at is not None and note.emailed_at is None
    assert note.email_error is not None and "451" in note.email_error
    with app.app_context():  # the sweep of never-queued e-mails leaves it to the operators
        db.session.get(Notification, note_id).created_at -= timedelta(minutes=11)  # type: ignore[union-attr]
        db.session.commit()
    assert requeue_unsent_emails.apply().get() == 0
    assert relay.attempts == retries + 1
    # Taken again (the task skips what failed), then queued anew by an operator.
    assert send_notification_email.apply(args=(note_id,)).get() is False
    relay.refuse_first = 0
    relay.attempts = 0
    with app.app_context():
        assert resend_email(db.session, note_id)
        db.session.commit()  # queued after commit, eagerly here
        assert not resend_email(db.session, note_id)  # delivered: nothing to resend
    note = _note(app, note_id)
    assert note.emailed_at is not None and note.email_failed_at is None
    assert len(relay.received) == 1


def test_a_batch_sends_each_once_and_leaves_a_refused_one_to_its_retries(
    app: Flask, relay: Relay
) -> None:
    relay.refuse_first = 1
    ids = [_notify(app, send=False) for _ in range(3)]
    assert send_notification_emails.apply(args=(ids,)).get() == 2  # the first went alone
    notes = [_note(app, note_id) for note_id in ids]
    assert [note.email_attempts for note in notes] == [2, 1, 1]
    assert all(note.emailed_at is not None for note in notes)
    assert len(relay.received) == 3
    assert send_notification_emails.apply(args=(ids,)).get() == 0  # redelivered: none again
    assert len(relay.received) == 3


def test_a_refused_one_of_a_batch_has_the_same_attempts_before_it_fails(
    app: Flask, relay: Relay
) -> None:
    relay.refuse_first = 1000
    note_id = _notify(app, send=False)
    conf = app.extensions["celery"].conf
    conf.task_eager_propagates = False  # its retries run as a worker would, without the wait
    try:
        assert send_notification_emails.apply(args=([note_id],)).get() == 0
    finally:
        conf.task_eager_propagates = True
    note = _note(app, note_id)
    assert note.email_attempts == send_notification_email.max_retries + 1 == relay.attempts
    assert note.email_failed_at is not None and note.emailed_at is None
