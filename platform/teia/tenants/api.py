"""JSON API for the council in scope."""

from __future__ import annotations

from teia.accounts.models import Role
from teia.core.api import ApiModel, api_blueprint, respond
from teia.core.openapi import documented
from teia.core.scope import current_roles, current_tenant

bp = api_blueprint("tenants_api", __name__)


class HolidayOut(ApiModel):
    rule: str  # "MM-DD" or "easter+N"
    name: str


class TenantOut(ApiModel):
    slug: str
    name: str
    official_name: str
    country: str
    locale: str
    official_code: str
    municipal_holiday: HolidayOut
    parishes: list[str]
    consortia: list[str]
    my_roles: list[Role]


@bp.get("/t/<tenant>/")
@documented("O município e os meus papéis nele", tags=["tenants"], response=TenantOut, scope=None)
def tenant_summary():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    return respond(
        TenantOut,
        {
            "slug": tenant.slug,
            "name": tenant.name,
            "official_name": tenant.official_name,
            "country": tenant.country,
            "locale": tenant.locale,
            "official_code": tenant.official_code,
            "municipal_holiday": {
                "rule": tenant.municipal_holiday,
                "name": tenant.municipal_holiday_name,
            },
            "parishes": tenant.parishes,
            "consortia": [c.slug for c in tenant.consortia],
            "my_roles": sorted(current_roles()),
        },
    )
