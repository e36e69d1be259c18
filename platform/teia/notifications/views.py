"""The user's notifications, across every council they work in."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from teia.core.db import db
from teia.notifications import services

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/notifications")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "notifications/index.html",
        notifications=services.user_notifications(db.session, current_user.id),
    )


@bp.post("/notifications/read")
@login_required
def mark_read():  # type: ignore[no-untyped-def]
    raw = request.form.get("id", "")
    services.mark_read(db.session, current_user.id, int(raw) if raw.isdigit() else None)
    return redirect(url_for("notifications.index"))
