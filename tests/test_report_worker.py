"""A council's monthly report built by a real Celery worker (its own process, from Redis),
never by the web process, with its progress readable by the page while it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, text

from teia.config import Settings
from teia.core.db import db
from teia.notifications.models import Notification
from teia.reports import runs
from teia.reports.models import ReportRun
from tests.conftest import PG_OWNER_URL, csrf_token, requires_postgres

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """``celery -A tasks worker`` on the test database and broker, sharing the instance folder
    (the uploads) with the test app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEIA_")}
    env.update(
        TEIA_ENV="development",
        TEIA_INSTANCE_DIR=str(settings.instance_dir),
        TEIA_SECRET_KEY=settings.secret_key,
        TEIA_DATABASE_URL=settings.database_url,
        TEIA_BROKER_URL=settings.broker_url,
        TEIA_REDIS_URL=settings.redis_url,
        TEIA_BASE_URL=settings.base_url,
    )
    log = (settings.instance_dir / "report-worker.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=solo", "-l", "INFO"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@requires_postgres
@pytest.mark.own_transactions  # the worker commits for real, from its own connection
def test_the_worker_builds_the_monthly_report_while_the_page_shows_its_progress(  # type: ignore[no-untyped-def]
    app: Flask, as_user, worker: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    claimed_here: list[int] = []
    monkeypatch.setattr(runs, "claim", lambda _s, run_id: claimed_here.append(run_id) or False)
    celery = app.extensions["celery"]
    celery.conf.task_always_eager = False
    owner = create_engine(PG_OWNER_URL)
    run_id = None
    try:
        c = as_user("tecnica@mourao.demo")
        page = c.get("/t/mourao/reports")
        # Hold the worker at its last step (the notification it writes once the files are
        # stored): the page must see it running, part-way, for as long as the lock is held.
        with owner.connect() as hold:
            hold.execute(text("LOCK TABLE notifications IN EXCLUSIVE MODE"))
            answer = c.post(
                "/t/mourao/reports",
                data={
                    "kind": "council_monthly",
                    "start": "2026-11-01",
                    "end": "2026-11-30",
                    "csrf_token": csrf_token(page.text),
                },
            )
            assert answer.status_code == 302
            run_id = int(answer.headers["Location"].rsplit("/", 1)[1])
            status_url = f"/t/mourao/reports/{run_id}/status"
            seen = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                seen.append(c.get(status_url).get_json())
                if seen[-1]["status"] == "running" and seen[-1]["progress"] >= 80:
                    break
                time.sleep(0.05)
            assert seen[0]["status"] in ("queued", "running")
            running = seen[-1]
            assert running["status"] == "running", seen
            assert 0 < running["progress"] < 100 and running["step"]
            assert c.get(status_url).get_json() == running  # held there
            hold.rollback()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = c.get(status_url).get_json()
            if done["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert done == {"status": "done", "progress": 100, "step": ""}
        assert claimed_here == []  # the web process queued it and never ran it
        for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", "\ufeff".encode())):
            answer = c.get(f"/t/mourao/reports/{run_id}/file/{fmt}")
            assert answer.status_code == 200 and answer.data.startswith(magic)
        assert worker.poll() is None
    finally:
        celery.conf.task_always_eager = True
        owner.dispose()
        if run_id is not None:
            with app.app_context():
                link = f"/t/mourao/reports/{run_id}"
                db.session.execute(delete(Notification).where(Notification.link == link))
                db.session.execute(delete(ReportRun).where(ReportRun.id == run_id))
                db.session.commit()
