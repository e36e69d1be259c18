"""JSON API for the council in scope."""

from __future__ import annotations

from flask import jsonify

from teia.core.api import api_blueprint
from teia.core.scope import current_roles, current_tenant

bp = api_blueprint("tenants_api", __name__)


@bp.get("/t/<tenant>/")
def tenant_summary():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    return jsonify(
        slug=tenant.slug,
        name=tenant.name,
        official_name=tenant.official_name,
        country=tenant.country,
        locale=tenant.locale,
        official_code=tenant.official_code,
        municipal_holiday={"rule": tenant.municipal_holiday, "name": tenant.municipal_holiday_name},
        parishes=tenant.parishes,
        consortia=[c.slug for c in tenant.consortia],
        my_roles=sorted(current_roles()),
    )
