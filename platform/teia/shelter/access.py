"""Who reaches what of the shelter pool: one module, as ``cases/access.py`` is for cases.

- **The requesting council's staff** (technicians, case managers, the council's admin) make
  requests from their cases and follow the stays: tenant-owned rows, under RLS.
- **The host council's admin** manages the units hosted in the council and their places.
- **A unit's staff** (``shelter_staff`` of the unit's operator, a member of the host council)
  answer offers for their units and read the admission sheets of their residents.
- **The consortium's coordinators** run the regulation desk: the queue of placement profiles
  and the pool's units. A council outside the consortium reaches nothing of it (404).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import Role
from teia.core.scope import current_consortium, current_roles, current_tenant, memberships
from teia.shelter.models import PlacementProfile, ShelterUnit
from teia.tenants.models import Consortium

REQUESTER_ROLES = (Role.TECHNICIAN, Role.CASE_MANAGER, Role.TENANT_ADMIN)
UNIT_ADMIN_ROLES = (Role.TENANT_ADMIN,)
DESK_ROLES = (Role.CONSORTIUM_COORDINATOR,)


def staff_organization_ids() -> set[int]:
    """Organisations the signed-in user works for as shelter staff in the council in scope."""
    tenant = current_tenant()
    if tenant is None:
        return set()
    return {
        m.organization_id
        for m in memberships()
        if m.tenant_id == tenant.id and m.role == Role.SHELTER_STAFF
    }


def staffed_units(session: Session) -> list[ShelterUnit]:
    """The units of the council in scope that the signed-in user staffs."""
    orgs = staff_organization_ids()
    if not orgs:
        return []
    tenant = current_tenant()
    assert tenant is not None
    return list(
        session.scalars(
            select(ShelterUnit)
            .where(
                ShelterUnit.host_tenant_id == tenant.id,
                ShelterUnit.operator_id.in_(orgs),
                ShelterUnit.active.is_(True),
            )
            .order_by(ShelterUnit.name)
        )
    )


def staffed_unit(session: Session, unit_id: int) -> ShelterUnit:
    """A unit the signed-in user staffs in the council in scope, or 404."""
    unit = session.get(ShelterUnit, unit_id)
    tenant = current_tenant()
    if (
        unit is None
        or tenant is None
        or unit.host_tenant_id != tenant.id
        or unit.operator_id not in staff_organization_ids()
    ):
        abort(404)
    return unit


def hosted_unit(session: Session, unit_id: int) -> ShelterUnit:
    """A unit hosted by the council in scope (for its admin), or 404."""
    unit = session.get(ShelterUnit, unit_id)
    tenant = current_tenant()
    if unit is None or tenant is None or unit.host_tenant_id != tenant.id:
        abort(404)
    return unit


def desk_consortium() -> Consortium:
    """The consortium in scope, whose desk the signed-in coordinator runs (403 otherwise)."""
    consortium = current_consortium()
    if consortium is None:
        abort(404)
    if not current_roles() & set(DESK_ROLES):
        abort(403)
    return consortium


def desk_profile(session: Session, profile_id: int) -> PlacementProfile:
    """A placement profile in the queue of the consortium in scope, or 404."""
    consortium = desk_consortium()
    profile = session.get(PlacementProfile, profile_id)
    if profile is None or profile.consortium_id != consortium.id:
        abort(404)
    return profile


def council_consortia(session: Session) -> list[Consortium]:
    """The consortia the council in scope belongs to: where its requests can go."""
    tenant = current_tenant()
    assert tenant is not None
    return sorted(tenant.consortia, key=lambda c: c.name)
