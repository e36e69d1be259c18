"""JSON API of reports (``reports:read``): asking for a council's or a consortium's run, its
progress and figures, and its files (a report's PDF, XLSX and CSV; a dataset's CSV, JSON and
JSON schema), with the same permissions as the pages: a council's staff for its runs, a
consortium's coordinators for the consortium's; anyone else gets 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, url_for
from flask_login import current_user
from pydantic import Field

from teia.accounts.models import Role
from teia.core.api import ApiModel, UtcDateTime, api_blueprint, json_body, rejected, respond
from teia.core.clock import today
from teia.core.db import db
from teia.core.openapi import documented
from teia.core.scope import current_consortium, current_roles
from teia.reports import runs
from teia.reports.definitions import DEFINITIONS, MEDIA_TYPES, ReportError, ScopeKind
from teia.reports.models import ReportRun, RunStatus
from teia.reports.views import file_response, reporting_council_id

bp = api_blueprint("reports_api", __name__)


def _kinds(scope: ScopeKind) -> str:
    return ", ".join(d.code for d in DEFINITIONS.values() if d.scope == scope)


class RunIn(ApiModel):
    kind: str = Field(
        min_length=1,
        max_length=63,
        description=(
            f"O relatório: {_kinds(ScopeKind.COUNCIL)} (município); "
            f"{_kinds(ScopeKind.CONSORTIUM)} (consórcio)"
        ),
    )
    start: date = Field(description="Primeiro dia do período")
    end: date = Field(description="Último dia do período (incluído; no máximo um ano)")


class FileOut(ApiModel):
    content_type: str
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


def _consortium_id() -> int:
    consortium = current_consortium()
    assert consortium is not None
    if Role.CONSORTIUM_COORDINATOR not in current_roles():
        abort(404)
    return consortium.id


def _out(run: ReportRun | None, status: int = 200):  # type: ignore[no-untyped-def]
    if run is None:
        abort(404)
    formats = DEFINITIONS[run.kind].formats if run.kind in DEFINITIONS else {}
    return respond(
        ReportRunOut,
        {
            "id": run.id,
            "kind": run.kind,
            "status": run.status,
            "progress": run.progress,
            "step": run.step,
            "period_start": run.period_start,
            "period_end": run.period_end,
            "params_hash": run.params_hash,
            "created_at": run.created_at,
            "finished_at": run.finished_at,
            "files": {
                fmt: {
                    "content_type": formats[fmt].content_type if fmt in formats else "",
                    "size": stored["size"],
                    "sha256": stored["sha256"],
                }
                for fmt, stored in run.files.items()
            },
            "figures": run.figures if run.status == RunStatus.DONE else None,
        },
        status,
    )


def _request(scope: ScopeKind, scope_id: int, endpoint: str):  # type: ignore[no-untyped-def]
    body = json_body(RunIn)
    try:
        run = runs.request_run(
            db.session,
            kind=body.kind,
            scope=scope,
            scope_id=scope_id,
            start=body.start,
            end=body.end,
            today=today(),
            requested_by_id=current_user.id,
        )
    except ReportError as exc:
        return rejected(exc)
    assert run is not None
    response, status = _out(run, 202)
    response.headers["Location"] = url_for(endpoint, run_id=run.id)
    return response, status


_RUN = (
    "estado, progresso (0 a 100), os ficheiros gerados e, quando pronto, os números (secções "
    "com quadros e gráficos; num conjunto de dados, as suas linhas)"
)
_ASK = (
    "O período tem no máximo um ano e já começou; o relatório é preparado em segundo plano: "
    "siga-o em Location até status = done. Período ou relatório recusado: 422."
)
_FILE = (
    "Um ficheiro {of}, como anexo: fmt é pdf, xlsx ou csv num relatório; csv, json ou schema "
    "(o esquema JSON) num conjunto de dados. Cada leitura fica registada"
)


# --- a council's runs --------------------------------------------------------------------


@bp.post("/t/<tenant>/reports")
@documented(
    f"Pedir um relatório ou um conjunto de dados do município. {_ASK}",
    tags=["reports"],
    response=ReportRunOut,
    status=202,
    body=RunIn,
    scope="reports:read",
)
def council_request():  # type: ignore[no-untyped-def]
    return _request(ScopeKind.COUNCIL, reporting_council_id(), "reports_api.run")


@bp.get("/t/<tenant>/reports/<int:run_id>")
@documented(
    f"Um relatório do município: {_RUN}",
    tags=["reports"],
    response=ReportRunOut,
    scope="reports:read",
)
def run(run_id: int):  # type: ignore[no-untyped-def]
    return _out(runs.council_run(db.session, reporting_council_id(), run_id))


@bp.get("/t/<tenant>/reports/<int:run_id>/files/<fmt>")
@documented(
    _FILE.format(of="de um relatório do município"),
    tags=["reports"],
    files=MEDIA_TYPES,
    scope="reports:read",
)
def council_file(run_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return file_response(runs.council_run(db.session, reporting_council_id(), run_id), fmt)


# --- a consortium's runs (its coordinators) ------------------------------------------------


@bp.post("/c/<consortium>/reports")
@documented(
    f"Pedir um relatório ou um conjunto de dados da comunidade intermunicipal. {_ASK}",
    tags=["reports"],
    response=ReportRunOut,
    status=202,
    body=RunIn,
    scope="reports:read",
)
def consortium_request():  # type: ignore[no-untyped-def]
    return _request(ScopeKind.CONSORTIUM, _consortium_id(), "reports_api.consortium_run")


@bp.get("/c/<consortium>/reports/<int:run_id>")
@documented(
    f"Um relatório da comunidade intermunicipal: {_RUN}",
    tags=["reports"],
    response=ReportRunOut,
    scope="reports:read",
)
def consortium_run(run_id: int):  # type: ignore[no-untyped-def]
    return _out(runs.consortium_run(db.session, _consortium_id(), run_id))


@bp.get("/c/<consortium>/reports/<int:run_id>/files/<fmt>")
@documented(
    _FILE.format(of="de um relatório da comunidade intermunicipal"),
    tags=["reports"],
    files=MEDIA_TYPES,
    scope="reports:read",
)
def consortium_file(run_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return file_response(runs.consortium_run(db.session, _consortium_id(), run_id), fmt)
