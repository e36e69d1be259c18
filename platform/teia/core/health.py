"""``GET /healthz``: is the database reachable, is the broker reachable."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from teia.core.db import db
from teia.core.security import limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():  # type: ignore[no-untyped-def]
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # reported, not raised: this is the health check
        return f"error: {type(exc).__name__}"
    return "ok"


BROKER_CHECK_TTL = 5.0  # seconds; a load balancer polling every second opens one connection
_broker_checks: dict[str, tuple[float, str]] = {}


def _broker() -> str:
    """Connect to the broker, at most once per few seconds per process and broker URL."""
    celery = current_app.extensions["celery"]
    url = celery.conf.broker_url
    checked_at, state = _broker_checks.get(url, (0.0, ""))
    if state and time.monotonic() - checked_at < BROKER_CHECK_TTL:
        return state
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        state = "ok"
    except Exception as exc:  # reported, not raised
        state = f"error: {type(exc).__name__}"
    _broker_checks[url] = (time.monotonic(), state)
    return state
