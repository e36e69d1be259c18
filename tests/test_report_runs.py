"""Report runs: asked for on the page, built by the task (eagerly here) into a PDF, an XLSX and
a CSV holding the report's figures, with progress, failure, retry and notification."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from teia.accounts.models import User
from teia.audit.models import AuditEvent
from teia.core.db import db, utcnow
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification
from teia.people.export_pdf import latin1
from teia.reports import runs
from teia.reports.definitions import DEFINITIONS, Definition, ReportError, ScopeKind
from teia.reports.figures import Cell, Chart, Report, Section, Series, Table
from teia.reports.models import ReportRun, RunStatus
from teia.reports.render_csv import cells, render_csv
from teia.reports.render_pdf import render_pdf
from teia.reports.render_xlsx import render_xlsx
from teia.reports.tasks import generate, schedule_monthly
from teia.tenants.models import Consortium, Tenant
from tests.conftest import csrf_token
from tests.test_openapi import assert_documented

TODAY = date(2026, 12, 3)


def _id(model: Any, slug: str) -> int:
    found = db.session.scalar(select(model.id).where(model.slug == slug))
    assert found is not None
    return found


def _ask(c: FlaskClient, start: str = "2026-11-01", end: str = "2026-11-30") -> int:
    page = c.get("/t/mourao/reports")
    assert page.status_code == 200
    answer = c.post(
        "/t/mourao/reports",
        data={
            "kind": "council_monthly",
            "start": start,
            "end": end,
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 302, answer.text
    match = re.fullmatch(r"/t/mourao/reports/(\d+)", answer.headers["Location"])
    assert match
    return int(match.group(1))


def _run(app: Flask, run_id: int) -> ReportRun:
    with app.app_context():
        run = db.session.get(ReportRun, run_id)
        assert run is not None
        return run


def _pdf_text(data: bytes) -> bytes:
    """The PDF's content streams, inflated: what its pages draw."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompressobj().decompress(stream))
        except zlib.error:
            out.append(stream)
    return b"\n".join(out)


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return str(value)


# --- parameters ---------------------------------------------------------------------------


def test_the_params_hash_is_stable_and_tells_runs_apart() -> None:
    a = runs.params_hash(
        "council_monthly",
        ScopeKind.COUNCIL,
        7,
        date(2026, 11, 1),
        date(2026, 11, 30),
        {"x": 1, "y": 2},
    )
    again = runs.params_hash(
        "council_monthly",
        ScopeKind.COUNCIL,
        7,
        date(2026, 11, 1),
        date(2026, 11, 30),
        {"y": 2, "x": 1},
    )
    assert a == again and re.fullmatch(r"[0-9a-f]{64}", a)
    # Pinned: the same inputs keep their hash from one release to the next.
    assert (
        runs.params_hash(
            "council_monthly", ScopeKind.COUNCIL, 7, date(2026, 11, 1), date(2026, 11, 30), {}
        )
        == "1627afe784fe03f336ec030ff5598d05197980e72bac9cbe7f19ec1d40d8fadf"
    )
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    others = {
        runs.params_hash("council_monthly", ScopeKind.COUNCIL, 8, *nov, {}),
        runs.params_hash("council_monthly", ScopeKind.CONSORTIUM, 7, *nov, {}),
        runs.params_hash("council_monthly", ScopeKind.COUNCIL, 7, date(2026, 10, 1), nov[1], {}),
        runs.params_hash("consortium_monthly", ScopeKind.COUNCIL, 7, *nov, {}),
    }
    assert len(others) == 4 and a not in others


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 11, 30), date(2026, 11, 1), "posterior"),
        (date(2025, 1, 1), date(2026, 11, 30), "mais de um ano"),
        (date(2026, 12, 10), date(2026, 12, 31), "não começou"),
        (date(1999, 12, 1), date(1999, 12, 31), "2000"),
    ],
)
def test_a_period_out_of_bounds_is_refused(
    app: Flask, start: date, end: date, message: str
) -> None:
    with app.app_context():
        council_id = _id(Tenant, "mourao")
        with pytest.raises(ReportError, match=message):
            runs.request_run(
                db.session,
                kind="council_monthly",
                scope=ScopeKind.COUNCIL,
                scope_id=council_id,
                start=start,
                end=end,
                today=TODAY,
            )
        with pytest.raises(ReportError):
            runs.request_run(
                db.session,
                kind="nope",
                scope=ScopeKind.COUNCIL,
                scope_id=council_id,
                start=start,
                end=end,
                today=TODAY,
            )


def test_scheduling_twice_builds_each_monthly_run_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(generate, "delay", queued.append)
    with app.app_context():
        first = schedule_monthly()
        second = schedule_monthly()
        councils = db.session.scalars(select(Tenant.id).where(Tenant.active.is_(True))).all()
        consortia = db.session.scalars(select(Consortium.id)).all()
        keys = set(
            db.session.scalars(
                select(ReportRun.natural_key).where(ReportRun.natural_key.is_not(None))
            )
        )
        assert first == len(councils) + len(
            [c for c in consortia if db.session.get(Consortium, c).members]
        )  # type: ignore[union-attr]
        assert second == 0
        assert len(queued) == first  # queued once each, after the commit
        mourao = _id(Tenant, "mourao")
        runs_of_mourao = db.session.scalars(
            select(ReportRun).where(ReportRun.council_id == mourao)
        ).all()
        [run] = runs_of_mourao
        assert run.natural_key in keys
        assert run.natural_key and run.natural_key.startswith(f"monthly:council:{mourao}:")
        assert run.period_start.day == 1 and (run.period_end + timedelta(days=1)).day == 1
        again = runs.request_run(
            db.session,
            kind="council_monthly",
            scope=ScopeKind.COUNCIL,
            scope_id=mourao,
            start=run.period_start,
            end=run.period_end,
            today=TODAY,
            natural_key=run.natural_key,
        )
        assert again is None  # the natural key: asked for twice, built once

        # Built by the worker, a scheduled run is announced to the council's admins.
        assert generate(run.id) is True
        admin = db.session.scalar(select(User.id).where(User.email == "coordenacao@mourao.demo"))
        [note] = db.session.scalars(
            select(Notification).where(
                Notification.user_id == admin, Notification.kind == "report.ready"
            )
        ).all()
        assert note.link == f"/t/mourao/reports/{run.id}"


# --- renderers, from a hand-built report ----------------------------------------------------


def _sample() -> Report:
    return Report(
        title="Relatório de ação social — Mourão",
        subtitle="Município de Mourão · novembro de 2026",
        sections=[
            Section(
                code="cases",
                title="Processos",
                tables=[
                    Table(
                        code="cases_by_state",
                        title="Processos por estado",
                        columns=["Estado", "Processos", "Pessoas"],
                        rows=[
                            ["Novos", 12, 30],
                            ["Encerrados", 3, "<5"],
                            ["=cmd|' /C calc'!A0", 1.5, None],
                        ],
                        note="Processos abertos no período.",
                    )
                ],
                charts=[
                    Chart(
                        code="cases_chart",
                        title="Processos por mês (€)",
                        kind="bar",
                        labels=["set", "out", "nov"],
                        series=[Series("Novos", [4, 6, 12]), Series("Encerrados", [1, 2, 3])],
                    )
                ],
            ),
            Section(code="empty", title="Sem quadros: fim?", tables=[], charts=[]),
        ],
    )  # fmt: skip


def test_the_renderers_hold_the_reports_figures() -> None:
    report = _sample()
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert latin1("Processos por estado").encode("latin-1") in text
    assert latin1("Mourão").encode("latin-1") in text

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["Processos"]
    values = [[c.value for c in row][:3] for row in sheet.iter_rows()]
    header = values.index(["Estado", "Processos", "Pessoas"])
    assert values[header + 1] == ["Novos", 12, 30]
    assert sheet.cell(row=header + 2, column=2).number_format == "#,##0"
    formula = next(c for row in sheet.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0")
    assert formula.data_type == "s"
    assert sheet._charts  # a native chart beside the tables

    data = render_csv(report)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Secção", "Quadro", "Linha", "Coluna", "Valor"]
    assert rows[1:] == [
        ["Processos", "Processos por estado", "Novos", "Processos", "12"],
        ["Processos", "Processos por estado", "Novos", "Pessoas", "30"],
        ["Processos", "Processos por estado", "Encerrados", "Processos", "3"],
        ["Processos", "Processos por estado", "Encerrados", "Pessoas", "<5"],
        ["Processos", "Processos por estado", "'=cmd|' /C calc'!A0", "Processos", "1,5"],
        ["Processos", "Processos por estado", "'=cmd|' /C calc'!A0", "Pessoas", ""],
    ]


# --- a run, end to end (the task eager) ------------------------------------------------------


def test_a_council_report_is_built_with_progress_into_three_files_and_notified(  # type: ignore[no-untyped-def]
    app: Flask, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[tuple[int, str]] = []
    record = runs.record_progress

    def spy(session, run_id, percent, step):  # type: ignore[no-untyped-def]
        steps.append((percent, step))
        record(session, run_id, percent, step)

    monkeypatch.setattr(runs, "record_progress", spy)
    c = as_user("tecnica@mourao.demo")
    run_id = _ask(c)

    run = _run(app, run_id)
    assert run.status == RunStatus.DONE and run.progress == 100 and run.error is None
    assert run.started_at and run.finished_at and run.started_at <= run.finished_at
    percents = [p for p, _s in steps]
    assert percents == sorted(percents) and percents[0] == 0 and 80 <= percents[-1] < 100
    assert len({s for _p, s in steps}) >= 4  # the builder's steps and the three files
    assert set(run.files) == {"pdf", "xlsx", "csv"}
    report = Report.from_json(run.figures)

    page = c.get(f"/t/mourao/reports/{run_id}")
    assert page.status_code == 200
    assert report.sections[0].title in page.text and "<svg" in page.text
    files = {}
    for fmt in ("pdf", "xlsx", "csv"):
        answer = c.get(f"/t/mourao/reports/{run_id}/file/{fmt}")
        assert answer.status_code == 200
        assert answer.headers["Content-Disposition"].startswith("attachment;")
        files[fmt] = answer.data
        assert len(answer.data) == run.files[fmt]["size"]

    assert files["pdf"].startswith(b"%PDF")
    assert latin1(report.title).encode("latin-1") in _pdf_text(files["pdf"])

    book = load_workbook(io.BytesIO(files["xlsx"]))
    written = {c.value for sheet in book for row in sheet.iter_rows() for c in row}
    for section in report.sections:
        for table in section.tables:
            assert table.title in written
            for row in table.rows:
                assert {v for v in row if v not in (None, "")} <= written

    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [[_csv_text(v) for v in row] for row in cells(report)]

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "tecnica@mourao.demo"))
        [note] = db.session.scalars(
            select(Notification).where(
                Notification.user_id == user_id, Notification.kind == "report.ready"
            )
        ).all()
        assert note.link == f"/t/mourao/reports/{run_id}"
        with tenant_scope(run.council_id):
            downloads = db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "report.downloaded", AuditEvent.object_id == str(run_id)
                )
            ).all()
        assert sorted(e.details["format"] for e in downloads) == ["csv", "pdf", "xlsx"]


def _replace_builder(monkeypatch: pytest.MonkeyPatch, build: Any) -> None:
    old = DEFINITIONS["council_monthly"]
    monkeypatch.setitem(
        DEFINITIONS, "council_monthly", Definition(old.code, old.label, old.scope, build)
    )


def test_a_failed_build_is_recorded_on_the_run(  # type: ignore[no-untyped-def]
    app: Flask, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: Any, **_kwargs: Any) -> Report:
        raise RuntimeError("the figures could not be counted\nsecond line")

    _replace_builder(monkeypatch, boom)
    c = as_user("tecnica@mourao.demo")
    run_id = _ask(c)
    run = _run(app, run_id)
    assert run.status == RunStatus.FAILED
    assert run.error == "RuntimeError: the figures could not be counted"
    assert run.files == {} and run.finished_at is not None
    page = c.get(f"/t/mourao/reports/{run_id}")
    assert "Não foi possível preparar este relatório" in page.text
    assert c.get(f"/t/mourao/reports/{run_id}/file/pdf").status_code == 404
    assert c.get(f"/t/mourao/reports/{run_id}/status").get_json()["status"] == "failed"


def test_a_transient_database_error_retries_the_run(  # type: ignore[no-untyped-def]
    app: Flask, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def flaky(session, scope_id, start, end, *, progress):  # type: ignore[no-untyped-def]
        calls.append(scope_id)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        progress(50, "Quase")
        return _sample()

    _replace_builder(monkeypatch, flaky)
    run_id = _ask(as_user("tecnica@mourao.demo"))
    # The first attempt gives the run back to the queue and asks Celery for a retry (which an
    # eager Celery only raises); the worker's retry is the task run again.
    run = _run(app, run_id)
    assert run.status == RunStatus.QUEUED and calls == [run.council_id]
    with app.app_context():
        assert generate(run_id) is True
    run = _run(app, run_id)
    assert len(calls) == 2
    assert run.status == RunStatus.DONE and run.figures["title"] == _sample().title


def test_a_run_is_claimed_once_unless_its_worker_was_lost(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    run_id = _ask(as_user("tecnica@mourao.demo"))
    with app.app_context():
        assert generate(run_id) is False  # already done: a second delivery does nothing
        run = db.session.get(ReportRun, run_id)
        assert run is not None
        run.status, run.started_at = RunStatus.RUNNING, utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert generate(run_id) is False  # running elsewhere
        run.started_at = utcnow() - runs.STALE_AFTER - timedelta(minutes=1)
        db.session.commit()
        assert generate(run_id) is True  # its worker died: built again
    assert _run(app, run_id).status == RunStatus.DONE


# --- who sees what ----------------------------------------------------------------------------


def test_a_run_is_seen_by_its_councils_staff_only(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    run_id = _ask(as_user("gestora@mourao.demo"))
    for email in ("decisao@mourao.demo", "financas@mourao.demo", "coordenacao@mourao.demo"):
        assert as_user(email).get(f"/t/mourao/reports/{run_id}").status_code == 200
    partner = as_user("ipss@mourao.demo")
    assert partner.get("/t/mourao/reports").status_code == 404
    assert partner.get(f"/t/mourao/reports/{run_id}/status").status_code == 404
    other = as_user("gestor@reguengos-de-monsaraz.demo")
    assert other.get(f"/t/mourao/reports/{run_id}").status_code == 404
    for path in ("", "/status", "/file/pdf"):
        answer = other.get(f"/t/reguengos-de-monsaraz/reports/{run_id}{path}")
        assert answer.status_code == 404
    coordinator = as_user("coordenacao@cimac.demo")
    assert coordinator.get(f"/t/mourao/reports/{run_id}").status_code == 404
    assert coordinator.get(f"/c/cimac/reports/{run_id}").status_code == 404  # a council's run
    assert as_user("coordenacao@cimbal.demo").get("/c/cimac/reports").status_code == 404


def test_the_api_gives_the_run_with_its_figures(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    run_id = _ask(c)
    answer = c.get(f"/api/v1/t/mourao/reports/{run_id}")
    assert_documented(app, answer)
    body = answer.get_json()
    assert body["status"] == "done" and body["progress"] == 100
    assert set(body["files"]) == {"pdf", "xlsx", "csv"}
    assert body["figures"]["title"] == _run(app, run_id).figures["title"]
    other = as_user("gestor@reguengos-de-monsaraz.demo")
    answer = other.get(f"/api/v1/t/reguengos-de-monsaraz/reports/{run_id}")
    assert answer.status_code == 404


def test_a_coordinator_asks_for_the_consortiums_report(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("coordenacao@cimac.demo")
    page = c.get("/c/cimac/reports")
    assert page.status_code == 200
    answer = c.post(
        "/c/cimac/reports",
        data={
            "kind": "consortium_monthly",
            "start": "2026-11-01",
            "end": "2026-11-30",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert answer.status_code == 302, answer.text
    run_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    run = _run(app, run_id)
    assert run.status == RunStatus.DONE, run.error
    assert run.consortium_id is not None and run.council_id is None
    assert c.get(f"/c/cimac/reports/{run_id}/file/csv").status_code == 200
    assert as_user("gestora@mourao.demo").get(f"/t/mourao/reports/{run_id}").status_code == 404
