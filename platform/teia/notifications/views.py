"""The user's notifications, across every council they work in, and how they want them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from teia.core.db import db
from teia.notifications import services
from teia.notifications.models import NotificationPreference, NotificationSettings

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


class PreferencesForm(FlaskForm):
    """The CSRF token; the checkboxes are one per declared topic (``in_app`` and ``email``
    carry the topics ticked)."""


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():  # type: ignore[no-untyped-def]
    """For each optional topic, whether to be told in the app, by e-mail, both or neither;
    and whether the e-mail comes as it happens or in one daily digest, at which hour."""
    topics = services.preference_topics()
    form = PreferencesForm()
    if form.validate_on_submit():
        in_app = set(request.form.getlist("in_app")) & topics.keys()
        email = set(request.form.getlist("email")) & topics.keys()
        _save_preferences(current_user.id, topics, in_app, email)
        _save_digest(
            current_user.id, request.form.get("digest") == "1", request.form.get("digest_hour", "")
        )
        flash(_("Preferências de notificação guardadas."), "success")
        return redirect(url_for("notifications.preferences"))
    stored = {
        p.topic: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == current_user.id)
        )
    }
    rows = [
        (
            topic,
            label,
            stored[topic].in_app if topic in stored else True,
            stored[topic].email if topic in stored else True,
        )
        for topic, label in topics.items()
    ]
    settings = db.session.get(NotificationSettings, current_user.id)
    return render_template(
        "notifications/preferences.html",
        form=form,
        rows=rows,
        digest=settings is not None and settings.digest,
        digest_hour=settings.digest_hour if settings else DEFAULT_DIGEST_HOUR,
        hours=range(24),
    )


DEFAULT_DIGEST_HOUR = 8


def _save_digest(user_id: int, digest: bool, raw_hour: str) -> None:
    """The delivery choice, stored once it differs from the default; an hour outside 0..23
    (a forged form) keeps the stored one."""
    settings = db.session.get(NotificationSettings, user_id)
    if settings is None and not digest:
        return  # the default: e-mail as it comes
    if settings is None:
        settings = NotificationSettings(user_id=user_id, digest_hour=DEFAULT_DIGEST_HOUR)
        db.session.add(settings)
    settings.digest = digest
    if raw_hour.isdigit() and int(raw_hour) < 24:
        settings.digest_hour = int(raw_hour)
    db.session.flush()


def _save_preferences(
    user_id: int, topics: dict[str, str], in_app: set[str], email: set[str]
) -> None:
    """One row per topic that differs from the default (both on); the others are removed."""
    for topic in topics:
        pref = db.session.get(NotificationPreference, (user_id, topic))
        wants = (topic in in_app, topic in email)
        if wants == (True, True):
            if pref is not None:
                db.session.delete(pref)
            continue
        if pref is None:
            pref = NotificationPreference(user_id=user_id, topic=topic)
            db.session.add(pref)
        pref.in_app, pref.email = wants
    db.session.flush()
