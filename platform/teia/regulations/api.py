"""JSON API for regulations: a council's versions, one version as loaded, and the simulator
(an evaluation under the version in force on a date; nothing is saved)."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import gettext as _

from teia.core.api import api_blueprint, error_response, json_body, rejected, respond
from teia.core.clock import today
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_tenant, requires_role
from teia.regulations import services
from teia.regulations.facts import MissingReferenceValue
from teia.regulations.models import RegulationVersion
from teia.regulations.schemas_api import SimulationIn, SimulationOut, VersionDetail, VersionList
from teia.tenants.models import Tenant

bp = api_blueprint("regulations_api", __name__)
TAGS = ["regulations"]


def _tenant() -> Tenant:
    tenant = current_tenant()
    assert tenant is not None
    return tenant


def _summary(version: RegulationVersion, in_force_id: int | None) -> dict[str, object]:
    row = {
        k: getattr(version, k)
        for k in ("id", "effective_from", "label", "title", "publication", "source_hash")
    }
    row["loaded_at"] = version.loaded_at
    row["in_force"] = version.id == in_force_id
    return row


def _in_force_id(tenant: Tenant, on: date) -> int | None:
    try:
        return services.version_in_force(db.session, tenant.id, on).id
    except services.NoRegulationInForce:
        return None


@bp.get("/t/<tenant>/regulations")
@documented(
    "As versões do regulamento do município, a mais recente primeiro",
    tags=TAGS,
    response=VersionList,
    scope="regulations:read",
)
@requires_role(*services.REGULATION_ROLES)
def index():  # type: ignore[no-untyped-def]
    tenant = _tenant()
    current = _in_force_id(tenant, today())
    versions = services.versions(db.session, tenant.id)
    return respond(VersionList, {"versions": [_summary(v, current) for v in versions]})


@bp.get("/t/<tenant>/regulations/<version>")
@documented(
    "Uma versão do regulamento (pela data de entrada em vigor, AAAA-MM-DD, ou pelo id)",
    tags=TAGS,
    response=VersionDetail,
    scope="regulations:read",
)
@requires_role(*services.REGULATION_ROLES)
def show(version: str):  # type: ignore[no-untyped-def]
    tenant = _tenant()
    row = services.find_version(db.session, tenant.id, version)
    if row is None:
        abort(404)
    body = _summary(row, _in_force_id(tenant, today())) | {"document": row.document}
    return respond(VersionDetail, body)


@bp.post("/t/<tenant>/regulations/simulate")
@documented(
    "Simular um pedido: o resultado citado do regulamento em vigor na data (nada é guardado)",
    tags=TAGS,
    body=SimulationIn,
    response=SimulationOut,
    scope="regulations:read",
)
@requires_role(*services.REGULATION_ROLES)
def simulate():  # type: ignore[no-untyped-def]
    tenant = _tenant()
    data = json_body(SimulationIn)
    on = data.on or today()
    try:
        result = services.simulate(
            db.session,
            tenant.id,
            data.household.snapshot(),
            data.request.support_request(),
            on,
        )
    except services.NoRegulationInForce as exc:
        return rejected(exc)
    except MissingReferenceValue:
        message = _("Não há valores de referência publicados para essa data.")
        return error_response(422, "rejected", message)
    return respond(
        SimulationOut,
        {
            "version": _summary(result.version, _in_force_id(tenant, today())),
            "evaluation": result.evaluation.to_dict(),
            "documents": list(result.documents),
        },
    )
