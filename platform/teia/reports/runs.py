"""Asking for a report and following its run: one service for the page, the API and the
monthly schedule. The run is queued in the database first; the worker builds it once the
transaction commits.

A run's progress is written by the worker in its own short transactions, so the page that
polls it sees each step while the report is being built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from teia.applications.storage import current_storage
from teia.audit.services import audit
from teia.core.db import after_commit, utcnow
from teia.reports.definitions import DEFINITIONS, ScopeKind, check_period, definition
from teia.reports.models import ReportRun, RunStatus

MAX_ERROR_CHARS = 500
STALE_AFTER = timedelta(hours=1)  # far longer than any report takes


def params_hash(
    kind: str, scope: ScopeKind, scope_id: int, start: date, end: date, params: dict[str, Any]
) -> str:
    """sha256 of the canonical JSON of what the run is built from: equal inputs, equal hash."""
    canonical = json.dumps(
        {
            "kind": kind,
            "scope": [str(scope), scope_id],
            "period": [start.isoformat(), end.isoformat()],
            "params": params,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def monthly_key(scope: ScopeKind, scope_id: int, start: date) -> str:
    return f"monthly:{scope}:{scope_id}:{start:%Y-%m}"


def request_run(
    session: Session,
    *,
    kind: str,
    scope: ScopeKind,
    scope_id: int,
    start: date,
    end: date,
    today: date,
    params: dict[str, Any] | None = None,
    requested_by_id: int | None = None,
    natural_key: str | None = None,
) -> ReportRun | None:
    """Queue a run of ``kind`` for the council or consortium ``scope_id`` (a ``kind`` of the
    other scope is refused); the worker starts once the transaction commits. A scheduled run
    (``natural_key``) already queued gives ``None``: scheduling twice builds it once."""
    found = definition(kind, scope)
    check_period(start, end, today)
    params = params or {}
    run = ReportRun(
        kind=kind,
        council_id=scope_id if found.scope == ScopeKind.COUNCIL else None,
        consortium_id=scope_id if found.scope == ScopeKind.CONSORTIUM else None,
        period_start=start,
        period_end=end,
        params=params,
        params_hash=params_hash(kind, found.scope, scope_id, start, end, params),
        natural_key=natural_key,
        requested_by_id=requested_by_id,
    )
    if natural_key is not None:
        if session.scalar(select(ReportRun.id).where(ReportRun.natural_key == natural_key)):
            return None
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:  # scheduled at the same moment by another beat
            return None
    else:
        session.add(run)
    session.flush()
    run_id = run.id
    from teia.reports.tasks import generate

    after_commit(session, lambda: generate.delay(run_id))
    return run


def claim(session: Session, run_id: int) -> bool:
    """Take a queued run for this worker (a conditional UPDATE: a run is built once). A run
    left running longer than :data:`STALE_AFTER` lost its worker (the task, acked late, is
    delivered again) and is taken again."""
    claimed = session.execute(
        update(ReportRun)
        .where(
            ReportRun.id == run_id,
            or_(
                ReportRun.status == RunStatus.QUEUED,
                and_(
                    ReportRun.status == RunStatus.RUNNING,
                    ReportRun.started_at < utcnow() - STALE_AFTER,
                ),
            ),
        )
        .values(status=RunStatus.RUNNING, progress=0, step="", started_at=utcnow(), error=None)
    )
    session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def record_progress(session: Session, run_id: int, percent: int, step: str) -> None:
    """Write the run's progress and commit it at once, for the polling page to see."""
    session.execute(
        update(ReportRun)
        .where(ReportRun.id == run_id)
        .values(progress=max(0, min(100, int(percent))), step=step[:200])
    )
    session.commit()


def requeue(session: Session, run_id: int) -> None:
    """Give the run back to the queue before a retry (a transient database error)."""
    session.execute(update(ReportRun).where(ReportRun.id == run_id).values(status=RunStatus.QUEUED))
    session.commit()


def fail(session: Session, run_id: int, exc: BaseException) -> None:
    message = f"{type(exc).__name__}: {exc}".splitlines()[0][:MAX_ERROR_CHARS]
    session.execute(
        update(ReportRun)
        .where(ReportRun.id == run_id)
        .values(status=RunStatus.FAILED, error=message, finished_at=utcnow())
    )
    session.commit()


@dataclass(frozen=True)
class Download:
    content_type: str
    name: str
    data: bytes


def download(session: Session, run: ReportRun, fmt: str) -> Download | None:
    """A built run's file in ``fmt``, its reading audited; ``None`` when the run has none."""
    found = DEFINITIONS.get(run.kind)
    if found is None or fmt not in found.formats or fmt not in run.files:
        return None
    audit(
        session,
        "report.downloaded",
        object_type="report_run",
        object_id=run.id,
        details={"format": fmt},
    )
    file = found.formats[fmt]
    return Download(
        file.content_type,
        f"teia-{found.file_stem}-{run.id}-{run.period_start:%Y-%m}.{file.extension}",
        current_storage().get(run.files[fmt]["key"]),
    )


def council_run(session: Session, council_id: int, run_id: int) -> ReportRun | None:
    """A council's run, or ``None`` when it is another's (the caller answers 404)."""
    run = session.get(ReportRun, run_id)
    return run if run is not None and run.council_id == council_id else None


def consortium_run(session: Session, consortium_id: int, run_id: int) -> ReportRun | None:
    run = session.get(ReportRun, run_id)
    return run if run is not None and run.consortium_id == consortium_id else None


def council_runs(session: Session, council_id: int, limit: int = 50) -> list[ReportRun]:
    return list(
        session.scalars(
            select(ReportRun)
            .where(ReportRun.council_id == council_id)
            .order_by(ReportRun.created_at.desc(), ReportRun.id.desc())
            .limit(limit)
        )
    )


def consortium_runs(session: Session, consortium_id: int, limit: int = 50) -> list[ReportRun]:
    return list(
        session.scalars(
            select(ReportRun)
            .where(ReportRun.consortium_id == consortium_id)
            .order_by(ReportRun.created_at.desc(), ReportRun.id.desc())
            .limit(limit)
        )
    )


def built_consortium_report(
    session: Session, consortium_id: int, start: date, end: date
) -> ReportRun | None:
    """The latest finished consortium report of exactly this period (the monthly run, or one
    asked for), whose figures a dashboard can show instead of counting every member again."""
    return session.scalars(
        select(ReportRun)
        .where(
            ReportRun.consortium_id == consortium_id,
            ReportRun.kind == "consortium_monthly",
            ReportRun.status == RunStatus.DONE,
            ReportRun.period_start == start,
            ReportRun.period_end == end,
        )
        .order_by(ReportRun.finished_at.desc(), ReportRun.id.desc())
        .limit(1)
    ).first()
