"""JSON API of reports (``reports:read``): a council's run, its progress and figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort

from teia.core.api import ApiModel, UtcDateTime, api_blueprint, respond
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_roles, current_tenant
from teia.reports import runs
from teia.reports.models import RunStatus
from teia.reports.views import COUNCIL_ROLES

bp = api_blueprint("reports_api", __name__)


class FileOut(ApiModel):
    size: int
    sha256: str


class ReportRunOut(ApiModel):
    id: int
    kind: str
    status: RunStatus
    progress: int
    step: str
    period_start: date
    period_end: date
    params_hash: str
    created_at: UtcDateTime
    finished_at: UtcDateTime | None
    files: dict[str, FileOut]
    figures: dict[str, Any] | None


@bp.get("/t/<tenant>/reports/<int:run_id>")
@documented(
    "Um relatório do município: estado, progresso (0 a 100), os ficheiros gerados e, quando "
    "pronto, os números (secções com quadros e gráficos)",
    tags=["reports"],
    response=ReportRunOut,
    scope="reports:read",
)
def run(run_id: int):  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    if not current_roles() & COUNCIL_ROLES:
        abort(404)
    found = runs.council_run(db.session, tenant.id, run_id)
    if found is None:
        abort(404)
    return respond(
        ReportRunOut,
        {
            "id": found.id,
            "kind": found.kind,
            "status": found.status,
            "progress": found.progress,
            "step": found.step,
            "period_start": found.period_start,
            "period_end": found.period_end,
            "params_hash": found.params_hash,
            "created_at": found.created_at,
            "finished_at": found.finished_at,
            "files": {
                f: {"size": v["size"], "sha256": v["sha256"]} for f, v in found.files.items()
            },
            "figures": found.figures if found.status == RunStatus.DONE else None,
        },
    )
