"""A real worker takes a task from the configured broker (SQLAlchemy transport in the
embedded tier, Redis in the PostgreSQL tier) and runs it in the app and its database."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from flask import Flask
from sqlalchemy import delete, select

from teia.accounts.models import PasswordResetToken, User
from teia.accounts.tasks import send_password_reset
from teia.core.db import db
from tests.conftest import outbox


@pytest.mark.own_transactions  # the worker commits for real, from its own connection
def test_worker_runs_a_task_from_the_broker(app: Flask) -> None:
    celery = app.extensions["celery"]
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "junta@mourao.demo"))
        db.session.close()
    celery.conf.task_always_eager = False
    try:
        with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            send_password_reset.delay(user_id)
            deadline = time.monotonic() + 30
            while not outbox(app) and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        celery.conf.task_always_eager = True
        with app.app_context():
            db.session.execute(
                delete(PasswordResetToken).where(PasswordResetToken.user_id == user_id)
            )
            db.session.commit()
    [message] = outbox(app)
    assert message["To"] == "junta@mourao.demo"
    assert "/password/reset/" in message.get_content()
