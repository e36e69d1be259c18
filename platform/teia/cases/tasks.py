"""Case management's daily beats: retention (anonymising expired cases) and overdue actions.

Each beat fans out one task per active council, which runs in that council's scope and counts
days in its time zone.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from sqlalchemy import select

from teia.cases import plans, retention
from teia.core.beat import beat_task
from teia.core.clock import today
from teia.core.db import db
from teia.tenants.models import Tenant


def _active_tenant_ids() -> list[int]:
    return list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))))


def _local_today(tenant_id: int) -> date | None:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or not tenant.active:
        return None
    return today(tenant.timezone)


@beat_task("teia.cases.anonymise_expired_cases")
def anonymise_expired_cases() -> int:
    """Beat entry point: one retention task per active council."""
    tenant_ids = _active_tenant_ids()
    for tenant_id in tenant_ids:
        anonymise_tenant_cases.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="teia.cases.anonymise_tenant_cases", tenant_scoped=True)
def anonymise_tenant_cases(tenant_id: int) -> int:
    day = _local_today(tenant_id)
    return 0 if day is None else retention.anonymise_expired_cases(db.session, day)


@beat_task("teia.cases.flag_overdue_actions")
def flag_overdue_actions() -> int:
    """Beat entry point: one overdue-actions task per active council."""
    tenant_ids = _active_tenant_ids()
    for tenant_id in tenant_ids:
        flag_tenant_overdue_actions.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="teia.cases.flag_tenant_overdue_actions", tenant_scoped=True)
def flag_tenant_overdue_actions(tenant_id: int) -> int:
    day = _local_today(tenant_id)
    return 0 if day is None else plans.flag_overdue_actions(db.session, day)
