"""The council report's figures equal counts made directly, in Python, from the same rows."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from teia.cases.models import Case
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.people.models import HouseholdMember, Person
from teia.reports.council import council_report
from tests import case_factories as cf

START, END = date(2019, 1, 1), date(2019, 12, 31)


def _seed(world: cf.Mourao) -> None:
    births = [date(2010, 5, 1), date(1990, 1, 1), date(1950, 3, 3), None]
    cases = []
    for i, born in enumerate(births):
        pid = cf.person(world, "Pessoa", f"Relatório {i}", birth_date=born)
        case = cf.case_for(world, pid, "Teste")
        case.opened_on = date(2019, 2 + i, 1)
        cases.append(case)
    cases[0].opened_on = date(2018, 6, 1)  # followed, not new
    cf.close(cases[1], date(2019, 9, 30))
    db.session.flush()


def _direct(tenant: int) -> dict[str, int]:
    rows = db.session.scalars(select(Case).where(Case.opened_on <= END)).all()
    new = [c for c in rows if START <= c.opened_on <= END]
    followed = [c for c in rows if c.closed_on is None or c.closed_on >= START]
    closed = [c for c in rows if c.closed_on and START <= c.closed_on <= END]
    members = db.session.execute(select(HouseholdMember.household_id, HouseholdMember.person_id))
    people: dict[int, set[int]] = {}
    for household, person in members:
        people.setdefault(household, set()).add(person)
    followed_people = set().union(*(people.get(c.household_id, set()) for c in followed))
    minors = {
        p.id
        for p in db.session.scalars(select(Person).where(Person.id.in_(followed_people)))
        if p.birth_date and p.birth_date > date(2001, 12, 31)
    }
    housing = [c for c in followed if "housing" in c.areas]
    return {
        "new": len(new),
        "followed": len(followed),
        "closed": len(closed),
        "households": len({c.household_id for c in followed}),
        "people": len(followed_people),
        "minors": len(minors),
        "housing": len(housing),
    }


def test_case_figures_match_direct_counts(app: Flask) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            _seed(world)
            expected = _direct(world.tenant)
        report = council_report(db.session, world.tenant, START, END)
    summary = report.table("cases_summary").rows
    assert summary[0][1:] == [expected["new"], expected["followed"], expected["closed"]]
    assert summary[1][2] == expected["households"]
    assert summary[2][2] == expected["people"]
    ages = {row[0]: row[2] for row in report.table("people_by_age").rows}
    assert ages["0-17"] == expected["minors"] >= 1
    assert sum(ages.values()) == expected["people"]
    areas = report.table("cases_by_area")
    housing = next(i for i, r in enumerate(areas.rows) if r[0] == "Habitação")
    assert areas.rows[housing][2] == expected["housing"] >= 3
    assert areas.links[housing] == "/t/mourao/cases?area=housing"
    assert expected["new"] == 3 and expected["closed"] == 1
