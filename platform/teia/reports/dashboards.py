"""Dashboards in the browser: a council's and a consortium's indicators for a chosen period,
counted on request, with their charts and, under every figure that has one, a link to the
(permission-checked) list behind it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from teia.accounts.models import Role
from teia.core.clock import today
from teia.core.db import db
from teia.core.scope import current_consortium, current_tenant, requires_role
from teia.reports import runs
from teia.reports.charts import chart_svg
from teia.reports.consortium import consortium_report
from teia.reports.council import council_report
from teia.reports.figures import Report
from teia.reports.models import ReportRun
from teia.reports.stats import Period, parse_period
from teia.reports.views import COUNCIL_ROLES

bp = Blueprint("dashboards", __name__, template_folder="templates")

FILTERS = ("month", "quarter", "year", "start", "end")


def _period() -> tuple[Period, str | None]:
    """The period the query string asks for, or the previous month and why it was not used."""
    args = {k: request.args.get(k, "").strip() for k in FILTERS}
    period = parse_period(args, today())
    if period is None:
        return Period.previous_month(today()), _(
            "O período indicado não é válido; mostra-se o mês anterior."
        )
    return period, None


def _page(
    report: Report, period: Period, error: str | None, status: int, built: ReportRun | None = None
) -> Any:
    return (
        render_template(
            "reports/dashboard.html",
            report=report,
            period=period,
            error=error,
            built=built,
            recount_url=url_for(
                request.endpoint or "",
                **{k: v for k, v in request.args.items() if k in FILTERS},
                fresh="1",
            )
            if built
            else None,
            filters={k: request.args.get(k, "") for k in FILTERS},
            chart_svg=chart_svg,
        ),
        status,
    )


@bp.get("/t/<tenant>/dashboard")
@login_required
@requires_role(*COUNCIL_ROLES)
def council():  # type: ignore[no-untyped-def]
    tenant = current_tenant()
    assert tenant is not None
    period, error = _period()
    report = council_report(db.session, tenant.id, period.start, period.end)
    return _page(report, period, error, 400 if error else 200)


@bp.get("/c/<consortium>/dashboard")
@login_required
@requires_role(Role.CONSORTIUM_COORDINATOR)
def consortium():  # type: ignore[no-untyped-def]
    scope = current_consortium()
    assert scope is not None
    period, error = _period()
    built = None
    if request.args.get("fresh") != "1":
        built = runs.built_consortium_report(db.session, scope.id, period.start, period.end)
    if built is not None and built.figures is not None:
        report = Report.from_json(built.figures)  # counting 20 large councils takes seconds
    else:
        built = None
        report = consortium_report(db.session, scope.id, period.start, period.end)
    return _page(report, period, error, 400 if error else 200, built)
