"""The shelter pool's background work: offers that expire, and the daily warning signs of
each council's stays (through reminders)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy import select

from teia.core.beat import beat_task
from teia.core.clock import today
from teia.core.db import db
from teia.shelter import (
    discharge,  # noqa: F401 - registers the follow-up reminder kind
    lifecycle,
    warnings,
)
from teia.tenants.models import Tenant

# --- offers that expire (the regulation desk) ------------------------------------------------


@beat_task("teia.shelter.expire_offers")
def expire_offers() -> int:
    """Beat entry point: offers left unanswered past their time expire and the places return.

    No council scope: the pool (allocations, profiles) is platform data."""
    return lifecycle.expire_due(db.session)


# --- warning signs of the stays (each requesting council) -----------------------------------


@beat_task("teia.shelter.stay_warnings")
def stay_warnings() -> int:
    """Beat entry point: one warning-signs task per active council."""
    tenant_ids = list(db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))))
    for tenant_id in tenant_ids:
        tenant_stay_warnings.delay(tenant_id)
    return len(tenant_ids)


@shared_task(name="teia.shelter.tenant_stay_warnings", tenant_scoped=True)
def tenant_stay_warnings(tenant_id: int) -> int:
    """Schedule the referents' reminders for the signs showing today (the council's day) on
    its active stays; returns how many reminders were new."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or not tenant.active:
        return 0
    return warnings.schedule_warnings(db.session, today(tenant.timezone))
