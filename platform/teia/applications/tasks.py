"""The applications' daily beat: fans out one task per active council, which runs in that
council's scope and counts days in its time zone (see :mod:`teia.applications.deadlines`)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy import select

from teia.applications.deadlines import run_daily_deadlines
from teia.core.beat import beat_task
from teia.core.clock import today
from teia.core.db import db
from teia.tenants.models import Tenant


@beat_task("teia.applications.run_deadlines")
def run_deadlines() -> int:
    """Beat entry point: one deadlines task per active council."""
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))))
    for tenant_id in tenant_ids:
        run_tenant_deadlines.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="teia.applications.run_tenant_deadlines", tenant_scoped=True)
def run_tenant_deadlines(tenant_id: int) -> int:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or not tenant.active:
        return 0
    return run_daily_deadlines(db.session, tenant, today(tenant.timezone))
