"""Reports built by the worker: one run at a time with its progress, and the monthly runs of
every council and consortium."""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from celery import Task, shared_task
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, Role
from teia.applications.storage import current_storage
from teia.core.beat import beat_task
from teia.core.clock import today
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.services import notify
from teia.reports import runs
from teia.reports.definitions import ScopeKind, definition, previous_month
from teia.reports.figures import Report
from teia.reports.models import ReportRun, RunStatus
from teia.tenants.models import Consortium, Tenant, consortium_members

logger = logging.getLogger(__name__)
MAX_RETRIES = 3
BUILD_SHARE = 80  # percent of the bar for building the figures; the files take the rest


def file_key(run_id: int, fmt: str) -> str:
    return f"reports/{run_id}/{fmt}"


def run_path(run: ReportRun) -> str:
    """The run's page (a notification's link: no personal data)."""
    if run.council is not None:
        return f"/t/{run.council.slug}/reports/{run.id}"
    assert run.consortium is not None
    return f"/c/{run.consortium.slug}/reports/{run.id}"


@shared_task(name="teia.reports.generate", bind=True, max_retries=MAX_RETRIES)
def generate(self: Task, run_id: int) -> bool:
    """Build a queued run: the figures, then its files (a report's PDF, XLSX and CSV; a
    dataset's CSV, JSON and schema), with progress on the run.

    A transient database error gives the run back to the queue and retries with backoff;
    any other error marks it failed with the error's first line."""
    session = db.session
    if not runs.claim(session, run_id):
        return False
    try:
        _build(session, run_id)
    except OperationalError as exc:
        session.rollback()
        if self.request.retries < MAX_RETRIES:
            logger.warning("report run %s: transient database error, retrying", run_id)
            runs.requeue(session, run_id)
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
        logger.exception("report run %s failed", run_id)
        runs.fail(session, run_id, exc)
        return False
    except Exception as exc:
        session.rollback()
        logger.exception("report run %s failed", run_id)
        runs.fail(session, run_id, exc)
        return False
    return True


def _build(session: Session, run_id: int) -> None:
    run = session.get(ReportRun, run_id)
    assert run is not None
    found = definition(run.kind)
    scope_id = run.council_id if found.scope == ScopeKind.COUNCIL else run.consortium_id
    assert scope_id is not None
    start, end = run.period_start, run.period_end

    def progress(percent: int, step: str) -> None:
        runs.record_progress(session, run_id, percent * BUILD_SHARE // 100, step)

    with force_locale(_locale(run)):
        progress(0, _("A calcular os indicadores"))
        # A council's run is built in its scope (RLS); a consortium's builder enters each
        # member's scope itself.
        with tenant_scope(run.council_id):
            report = found.run(session, scope_id, start, end, progress)
        files = {}
        for n, (fmt, file) in enumerate(found.formats.items()):
            runs.record_progress(
                session,
                run_id,
                BUILD_SHARE + n * (100 - BUILD_SHARE) // len(found.formats),
                _("A gerar o ficheiro %(format)s", format=file.label),
            )
            data = file.render(report)
            key = file_key(run_id, fmt)
            current_storage().put(key, data, file.content_type)
            files[fmt] = {
                "key": key,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
    run = session.get(ReportRun, run_id)
    assert run is not None
    run.figures = report.to_json()
    run.files = files
    run.status = RunStatus.DONE
    run.progress = 100
    run.step = ""
    run.finished_at = utcnow()
    _notify(session, run, report)
    session.commit()


def _locale(run: ReportRun) -> str:
    """The report's language: its council's, or its consortium's country's."""
    if run.council is not None:
        return run.council.locale
    assert run.consortium is not None
    return "pt_BR" if run.consortium.country == "BR" else "pt_PT"


def _recipients(session: Session, run: ReportRun) -> set[int]:
    """Who asked for it; for a scheduled run, the council's admins or the coordinators."""
    ids = {run.requested_by_id} if run.requested_by_id else set()
    if run.natural_key is not None:
        query = select(Membership.user_id).where(Membership.active.is_(True))
        if run.council_id is not None:
            query = query.where(
                Membership.tenant_id == run.council_id, Membership.role == Role.TENANT_ADMIN
            )
        else:
            query = query.where(
                Membership.consortium_id == run.consortium_id,
                Membership.role == Role.CONSORTIUM_COORDINATOR,
            )
        ids.update(session.scalars(query))
    return ids


def _notify(session: Session, run: ReportRun, report: Report) -> None:
    link = run_path(run)
    for user_id in sorted(_recipients(session, run)):
        notify(
            session,
            user_id=user_id,
            tenant_id=run.council_id,
            kind="report.ready",
            subject=_("Relatório pronto: %(title)s", title=report.title),
            body=report.subtitle,
            link=link,
        )


@beat_task("teia.reports.schedule_monthly")
def schedule_monthly() -> int:
    """Beat, on the 1st: last month's report of every active council and of every consortium
    with members. Once per slot (:func:`~teia.core.beat.beat_task`), and a run asked for
    twice anyway (the task called by hand) is built once: the runs' natural keys."""
    session = db.session
    start, end = previous_month(today())
    created = 0
    for council_id in session.scalars(select(Tenant.id).where(Tenant.active.is_(True))):
        created += _schedule(session, "council_monthly", ScopeKind.COUNCIL, council_id, start, end)
    members = select(consortium_members).where(consortium_members.c.consortium_id == Consortium.id)
    consortia = select(Consortium.id).where(members.exists())
    for consortium_id in session.scalars(consortia):
        created += _schedule(
            session, "consortium_monthly", ScopeKind.CONSORTIUM, consortium_id, start, end
        )
    return created


def _schedule(
    session: Session, kind: str, scope: ScopeKind, scope_id: int, start: date, end: date
) -> int:
    run = runs.request_run(
        session,
        kind=kind,
        scope=scope,
        scope_id=scope_id,
        start=start,
        end=end,
        today=today(),
        natural_key=runs.monthly_key(scope, scope_id, start),
    )
    return 0 if run is None else 1
