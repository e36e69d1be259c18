"""``GET /healthz``: is the database reachable, is the broker reachable."""

from __future__ import annotations

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


def _broker() -> str:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # reported, not raised
        return f"error: {type(exc).__name__}"
    return "ok"
