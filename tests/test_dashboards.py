"""Dashboards: a council's and a consortium's indicators for a chosen period, each figure
linked to the list behind it, shown only to the staff who may see them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import escape

from flask import Flask
from sqlalchemy import select

from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.reports.consortium import consortium_report
from teia.reports.council import council_report
from teia.reports.models import ReportRun, RunStatus
from teia.tenants.models import Consortium
from tests import case_factories as cf

START, END = date(2019, 1, 1), date(2019, 3, 31)


def _flat(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


def _seed(world: cf.Mourao) -> None:
    with tenant_scope(world.tenant):
        for i in range(2):
            pid = cf.person(world, "Pessoa", f"Painel {i}")
            cf.case_for(world, pid, "Teste").opened_on = date(2019, 2, 1 + i)
        db.session.commit()  # a savepoint of the test's transaction


def test_council_dashboard_shows_the_period_and_links_to_open_lists(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        _seed(cf.Mourao.load())
        report = council_report(db.session, cf.Mourao.load().tenant, START, END)
    c = as_user("gestora@mourao.demo")
    page = c.get("/t/mourao/dashboard?quarter=2019-Q1")
    assert page.status_code == 200
    html = _flat(page.text)
    assert "01/01/2019 \u2013 31/03/2019" in html
    assert 'name="quarter" value="2019-Q1"' in html
    summary = report.table("cases_summary")
    assert summary.rows[0][1] >= 2  # the seeded new cases
    cells = "".join(f"<td>{v}</td>" for v in summary.rows[0][1:])  # new, followed, closed
    assert f'<a href="{summary.links[0]}">{summary.rows[0][0]}</a></th>{cells}' in html
    assert "<svg" in html
    links = {
        link for s in report.sections for t in s.tables for link in t.links if link is not None
    }
    assert "/t/mourao/cases?area=housing" in links
    for link in links:
        assert f'href="{escape(link)}"' in html
        assert c.get(link).status_code == 200, link


def test_council_dashboard_defaults_to_last_month_and_rejects_a_bad_period(as_user) -> None:  # type: ignore[no-untyped-def]
    c = as_user("tecnica@mourao.demo")
    assert c.get("/t/mourao/dashboard").status_code == 200
    bad = c.get("/t/mourao/dashboard?quarter=2019-Q7")
    assert bad.status_code == 400
    assert "não é válido" in bad.text


def test_council_dashboard_is_for_the_councils_staff(as_user) -> None:  # type: ignore[no-untyped-def]
    assert as_user("ipss@mourao.demo").get("/t/mourao/dashboard").status_code == 403
    other = as_user("gestor@reguengos-de-monsaraz.demo")
    assert other.get("/t/mourao/dashboard").status_code == 404
    menu = as_user("decisao@mourao.demo").get("/t/mourao/dashboard")
    assert 'href="/t/mourao/dashboard"' in menu.text


def test_consortium_dashboard_has_a_column_per_council(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        consortium = db.session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
        assert consortium is not None
        names = sorted(t.name for t in consortium.members)
    assert len(names) == 3
    page = as_user("coordenacao@cimac.demo").get("/c/cimac/dashboard?year=2019")
    assert page.status_code == 200
    html = _flat(page.text)
    header = "".join(f'<th scope="col">{escape(n)}</th>' for n in names)
    assert header in html
    assert 'href="/c/cimac/dashboard"' in html
    assert as_user("coordenacao@mourao.demo").get("/c/cimac/dashboard").status_code == 404


def test_consortium_dashboard_shows_the_built_report_of_the_period(app: Flask, as_user) -> None:  # type: ignore[no-untyped-def]
    """Counting every member is what a consortium's report run already did: the dashboard of
    that exact period shows the run's figures, says so, and can count again on request."""
    with app.app_context():
        cimac = db.session.scalar(select(Consortium.id).where(Consortium.slug == "cimac"))
        assert cimac is not None
        built = consortium_report(db.session, cimac, START, END).to_json()
        built["sections"][0]["tables"][0]["title"] = "Quadro do relatório guardado"
        db.session.add(
            ReportRun(
                kind="consortium_monthly",
                consortium_id=cimac,
                period_start=START,
                period_end=END,
                params_hash="0" * 64,
                status=RunStatus.DONE,
                figures=built,
                finished_at=datetime(2019, 4, 1, 5, 0, tzinfo=UTC).replace(tzinfo=None),
            )
        )
        db.session.commit()
    coordinator = as_user("coordenacao@cimac.demo")
    query = f"start={START.isoformat()}&end={END.isoformat()}"
    page = coordinator.get(f"/c/cimac/dashboard?{query}")
    assert page.status_code == 200
    assert "Quadro do relatório guardado" in page.text
    assert "01/04/2019 06:00" in page.text  # Lisbon summer time
    recount = coordinator.get(f"/c/cimac/dashboard?{query}&fresh=1")
    assert "Quadro do relatório guardado" not in recount.text
    assert 'id="figures-from-run"' not in recount.text
    other = coordinator.get("/c/cimac/dashboard?year=2019")  # another period: counted live
    assert "Quadro do relatório guardado" not in other.text
