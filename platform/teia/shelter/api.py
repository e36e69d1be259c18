"""JSON API of the shelter pool (``places:read``): the units a council hosts, with their places
by state per public. Council staff see every hosted unit; a unit's staff only the units of
their organisation."""

from __future__ import annotations

from flask import abort
from pydantic import Field

from teia.accounts.models import Role
from teia.cases.access import STAFF_ROLES
from teia.core.api import MAX_ID, ApiModel, api_blueprint, query_args, respond
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_roles, current_tenant
from teia.shelter import catalog, units
from teia.shelter.access import staff_organization_ids
from teia.shelter.models import SexRule

bp = api_blueprint("shelter_api", __name__)


class ShelterUnitQuery(ApiModel):
    page: int = Field(1, ge=1, le=MAX_ID)


class PlaceCountsOut(ApiModel):
    """The unit's active places of one public, by state (derived from allocations)."""

    public: str
    label: str
    capacity: int
    occupied: int = Field(description="Com acolhimento em curso (admissão registada)")
    held: int = Field(description="Oferecidas, ou aceites à espera da admissão")
    blocked: int = Field(description="Bloqueadas (manutenção, surto...), sem ninguém")
    free: int


class OperatorRef(ApiModel):
    id: int
    slug: str
    name: str


class ShelterUnitOut(ApiModel):
    id: int
    name: str
    operator: OperatorRef
    modality: str
    modality_label: str
    sex_rule: SexRule
    accessible: bool
    intensive_care: bool
    parish: str | None
    phone: str | None
    active: bool
    places: list[PlaceCountsOut]


class ShelterUnitList(ApiModel):
    units: list[ShelterUnitOut]
    total: int
    page: int
    page_size: int


@bp.get("/t/<tenant>/shelter/units")
@documented(
    "Unidades de acolhimento do município, com as vagas por público e por estado (capacidade, "
    "ocupadas, reservadas, bloqueadas, livres); a equipa de uma unidade vê só as suas",
    tags=["shelter"],
    query=ShelterUnitQuery,
    response=ShelterUnitList,
    scope="places:read",
)
def hosted_units():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    roles = current_roles()
    if roles & STAFF_ROLES:
        operator_ids = None
    elif Role.SHELTER_STAFF in roles:
        operator_ids = staff_organization_ids()
    else:
        abort(403)
    args = query_args(ShelterUnitQuery)
    found, total = units.hosted_units(db.session, tenant, page=args.page, operator_ids=operator_ids)
    counts = units.occupancy(db.session, [u.id for u in found])
    modalities = catalog.modalities(db.session, tenant.country)
    publics = catalog.publics(db.session, tenant.country)
    rows = [
        {
            "id": u.id,
            "name": u.name,
            "operator": u.operator,
            "modality": u.modality,
            "modality_label": modalities[u.modality].label
            if u.modality in modalities
            else u.modality,
            "sex_rule": u.sex_rule,
            "accessible": u.accessible,
            "intensive_care": u.intensive_care,
            "parish": u.parish,
            "phone": u.phone,
            "active": u.active,
            "places": [
                {
                    "public": code,
                    "label": publics[code].label if code in publics else code,
                    "capacity": c.capacity,
                    "occupied": c.occupied,
                    "held": c.held,
                    "blocked": c.blocked,
                    "free": c.free,
                }
                for code, c in counts[u.id].publics.items()
            ],
        }
        for u in found
    ]
    return respond(
        ShelterUnitList,
        {"units": rows, "total": total, "page": args.page, "page_size": units.PAGE_SIZE},
    )
