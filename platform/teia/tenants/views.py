"""Where a signed-in person lands: the scope chooser, a council's home, a consortium's home."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from teia.accounts import services as accounts
from teia.accounts.models import Role
from teia.accounts.schemas import ROLE_LABELS
from teia.core.db import db
from teia.core.layout import scope_choices
from teia.core.scope import (
    current_consortium,
    current_roles,
    current_tenant,
    memberships,
    requires_platform_admin,
)
from teia.notifications import services as notifications
from teia.tenants.models import Consortium, Tenant

bp = Blueprint("tenants", __name__, template_folder="templates")


@bp.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    scopes = memberships()
    targets = {(m.tenant or m.consortium).slug for m in scopes}  # type: ignore[union-attr]
    if len(targets) == 1:
        m = scopes[0]
        if m.tenant:
            return redirect(url_for("tenants.home", tenant=m.tenant.slug))
        return redirect(url_for("tenants.consortium_home", consortium=m.consortium.slug))  # type: ignore[union-attr]
    return render_template("tenants/index.html", scopes=scopes, role_labels=ROLE_LABELS)


@bp.get("/switch")
@login_required
def switch():  # type: ignore[no-untyped-def]
    """The scope switcher's target: only the user's own councils and consortia."""
    wanted = request.args.get("to", "")
    for choice in scope_choices():
        if wanted in (choice.key, choice.url):
            return redirect(choice.url)
    abort(404)


@bp.get("/t/<tenant>/")
@login_required
def home():  # type: ignore[no-untyped-def]
    """What needs the user's attention in this council."""
    tenant = current_tenant()
    is_admin = Role.TENANT_ADMIN in current_roles()
    return render_template(
        "tenants/home.html",
        tenant=tenant,
        reminders=notifications.pending_reminders(db.session, current_user.id),
        unread=notifications.user_notifications(
            db.session, current_user.id, limit=5, tenant_id=tenant.id, unread_only=True
        ),
        invitations=accounts.pending_invitations(db.session) if is_admin else [],
        role_labels=ROLE_LABELS,
        reminder_label=notifications.reminder_label,
    )


@bp.get("/c/<consortium>/")
@login_required
def consortium_home():  # type: ignore[no-untyped-def]
    consortium = current_consortium()
    return render_template(
        "tenants/consortium_home.html", consortium=consortium, members=consortium.members
    )


@bp.get("/admin/")
@login_required
@requires_platform_admin
def platform_admin():  # type: ignore[no-untyped-def]
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    consortia = db.session.scalars(
        select(Consortium).options(selectinload(Consortium.members)).order_by(Consortium.name)
    ).all()
    return render_template("tenants/platform_admin.html", tenants=tenants, consortia=consortia)
