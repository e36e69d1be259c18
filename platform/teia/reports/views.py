"""Reports in the browser: asking for a council's or a consortium's report, its progress
while the worker builds it (a bar that polls the run's status), its figures with their
charts, and its files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from teia.accounts.models import Role
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_consortium, current_roles, current_tenant, requires_role
from teia.reports import runs
from teia.reports.charts import chart_svg
from teia.reports.definitions import DEFINITIONS, ReportError, ScopeKind, previous_month
from teia.reports.figures import Report
from teia.reports.forms import RunForm
from teia.reports.models import ReportRun, RunStatus

bp = Blueprint("reports", __name__, template_folder="templates")

# Council staff; a partner's or a shelter's professional does not see the council's reports.
COUNCIL_ROLES = frozenset(
    {Role.TENANT_ADMIN, Role.CASE_MANAGER, Role.TECHNICIAN, Role.DECISION_MAKER, Role.FINANCE}
)


def reporting_council_id() -> int:
    """The council in scope, when the user is on its staff (404 otherwise: partners, clients)."""
    tenant = current_tenant()
    assert tenant is not None
    if not current_roles() & COUNCIL_ROLES:
        abort(404)
    return tenant.id


def _consortium_id() -> int:
    consortium = current_consortium()
    assert consortium is not None
    return consortium.id


def _request(scope: ScopeKind, scope_id: int, runs_list: list[ReportRun], prefix: str) -> Any:
    form = RunForm(scope)
    if not form.is_submitted():
        form.start.data, form.end.data = previous_month(today())
    if form.validate_on_submit():
        try:
            run = runs.request_run(
                db.session,
                kind=form.kind.data or "",
                scope=scope,
                scope_id=scope_id,
                start=form.start.data,
                end=form.end.data,
                today=today(),
                requested_by_id=current_user.id,
            )
        except ReportError as exc:
            form.form_errors.append(str(exc))
        else:
            assert run is not None
            return redirect(url_for(f"reports.{prefix}_run", run_id=run.id))
    return render_template(
        "reports/index.html",
        form=form,
        runs=runs_list,
        prefix=prefix,
        definitions=DEFINITIONS,
    )


def _page(run: ReportRun | None, prefix: str) -> Any:
    if run is None:
        abort(404)
    report = Report.from_json(run.figures) if run.status == RunStatus.DONE else None
    found = DEFINITIONS.get(run.kind)
    return render_template(
        "reports/run.html",
        run=run,
        report=report,
        prefix=prefix,
        definition=found,
        formats=found.formats if found else {},
        chart_svg=chart_svg,
    )


def _status(run: ReportRun | None) -> Response:
    if run is None:
        abort(404)
    return jsonify({"status": str(run.status), "progress": run.progress, "step": run.step})


def file_response(run: ReportRun | None, fmt: str) -> Response:
    """A run's file as an attachment (its reading audited), or 404; the API answers the same."""
    found = runs.download(db.session, run, fmt) if run is not None else None
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- a council's reports ---------------------------------------------------------------------


@bp.route("/t/<tenant>/reports", methods=["GET", "POST"])
@login_required
def council_index():  # type: ignore[no-untyped-def]
    council_id = reporting_council_id()
    listed = runs.council_runs(db.session, council_id)
    return _request(ScopeKind.COUNCIL, council_id, listed, "council")


@bp.get("/t/<tenant>/reports/<int:run_id>")
@login_required
def council_run(run_id: int):  # type: ignore[no-untyped-def]
    return _page(runs.council_run(db.session, reporting_council_id(), run_id), "council")


@bp.get("/t/<tenant>/reports/<int:run_id>/status")
@login_required
def council_status(run_id: int):  # type: ignore[no-untyped-def]
    return _status(runs.council_run(db.session, reporting_council_id(), run_id))


@bp.get("/t/<tenant>/reports/<int:run_id>/file/<fmt>")
@login_required
def council_download(run_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return file_response(runs.council_run(db.session, reporting_council_id(), run_id), fmt)


# --- a consortium's reports (its coordinators) -------------------------------------------------


@bp.route("/c/<consortium>/reports", methods=["GET", "POST"])
@login_required
@requires_role(Role.CONSORTIUM_COORDINATOR)
def consortium_index():  # type: ignore[no-untyped-def]
    consortium_id = _consortium_id()
    listed = runs.consortium_runs(db.session, consortium_id)
    return _request(ScopeKind.CONSORTIUM, consortium_id, listed, "consortium")


@bp.get("/c/<consortium>/reports/<int:run_id>")
@login_required
@requires_role(Role.CONSORTIUM_COORDINATOR)
def consortium_run(run_id: int):  # type: ignore[no-untyped-def]
    return _page(runs.consortium_run(db.session, _consortium_id(), run_id), "consortium")


@bp.get("/c/<consortium>/reports/<int:run_id>/status")
@login_required
@requires_role(Role.CONSORTIUM_COORDINATOR)
def consortium_status(run_id: int):  # type: ignore[no-untyped-def]
    return _status(runs.consortium_run(db.session, _consortium_id(), run_id))


@bp.get("/c/<consortium>/reports/<int:run_id>/file/<fmt>")
@login_required
@requires_role(Role.CONSORTIUM_COORDINATOR)
def consortium_download(run_id: int, fmt: str):  # type: ignore[no-untyped-def]
    return file_response(runs.consortium_run(db.session, _consortium_id(), run_id), fmt)


def status_label(status: str) -> str:
    return {
        RunStatus.QUEUED: _("Em fila"),
        RunStatus.RUNNING: _("Em curso"),
        RunStatus.DONE: _("Pronto"),
        RunStatus.FAILED: _("Falhou"),
    }[RunStatus(status)]


bp.add_app_template_filter(status_label, "report_status")
