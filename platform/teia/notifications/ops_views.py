"""The operators' view of reminders and e-mail delivery: due, sent and failed, per council."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from teia.accounts.models import User
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import requires_platform_admin
from teia.core.tenancy import tenant_scope
from teia.notifications import services
from teia.tenants.models import Tenant

bp = Blueprint("reminder_ops", __name__, template_folder="templates")


class ResendForm(FlaskForm):
    """The CSRF token of a "Reenviar" button."""


@bp.get("/admin/reminders")
@login_required
@requires_platform_admin
def dashboard():  # type: ignore[no-untyped-def]
    """Per council, one aggregate statement in its scope; the failed e-mails across all."""
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    councils = []
    for tenant in tenants:
        with tenant_scope(tenant.id):
            councils.append((tenant, services.reminder_counts(db.session, today(tenant.timezone))))
    failed_total, failed = services.failed_emails(db.session)
    users = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({n.user_id for n in failed})))
    }
    names = {t.id: t.name for t in tenants}
    return render_template(
        "notifications/ops.html",
        councils=councils,
        failed=failed,
        failed_total=failed_total,
        users=users,
        names=names,
        form=ResendForm(),
    )


@bp.post("/admin/reminders/<int:notification_id>/resend")
@login_required
@requires_platform_admin
def resend(notification_id: int):  # type: ignore[no-untyped-def]
    if not ResendForm().validate_on_submit():
        abort(400)
    if services.resend_email(db.session, notification_id):
        db.session.commit()
        flash(_("E-mail posto de novo na fila de envio."), "success")
    else:
        flash(_("Este e-mail já não está por enviar."), "info")
    return redirect(url_for("reminder_ops.dashboard"))
