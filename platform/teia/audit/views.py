"""Audit trail pages: a council's events for its admin, platform events for operators."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from teia.accounts.models import Role
from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.core.scope import requires_platform_admin, requires_role

bp = Blueprint("audit", __name__, template_folder="templates")
PAGE = 100


def _page() -> list[AuditEvent]:
    """Newest first; ``?before=<id>`` pages back. The tenant filter picks whose events."""
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    before = request.args.get("before", "")
    if before.isdigit():
        stmt = stmt.where(AuditEvent.id < int(before))
    return list(db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(PAGE)))


@bp.get("/t/<tenant>/admin/audit")
@login_required
@requires_role(Role.TENANT_ADMIN)
def tenant_log():  # type: ignore[no-untyped-def]
    return render_template("audit/log.html", events=_page(), page_size=PAGE)


@bp.get("/admin/audit")
@login_required
@requires_platform_admin
def platform_log():  # type: ignore[no-untyped-def]
    return render_template("audit/log.html", events=_page(), page_size=PAGE)
