"""The council report's case figures (cases, households and people new, followed and closed, by
area, age band and parish) equal counts made directly, in Python, from the rows the test made:
cases on both days of the period and just outside it, two cases of one household, members who
left or joined, people at the edge of an age band, and another council's cases that must not
count."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from teia.cases.labels import AREA
from teia.cases.models import Area, Case
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.people.models import Household
from teia.reports.council import council_report
from teia.reports.figures import Report
from tests import case_factories as cf
from tests import report_factories as rf
from tests import shelter_factories as sf

START, END = date(2019, 5, 1), date(2019, 5, 31)
BEFORE, AFTER = START - timedelta(days=1), END + timedelta(days=1)
STATES = ("new", "followed", "closed")
BANDS = (("0-17", 0), ("18-24", 18), ("25-44", 25), ("45-64", 45), ("65+", 65))


@dataclass
class Made:
    cases: list[Case] = field(default_factory=list)
    born: dict[int, date | None] = field(default_factory=dict)  # person -> birth date
    # (household, person, joined, left)
    members: list[tuple[int, int, date | None, date | None]] = field(default_factory=list)
    parish: dict[int, str | None] = field(default_factory=dict)  # household -> parish


def _seed(world: cf.Mourao) -> Made:
    made = Made()

    def person(born: date | None) -> int:
        pid = cf.person(world, "Pessoa", f"Relatório {len(made.born)}", birth_date=born)
        made.born[pid] = born
        return pid

    def open_(
        pid: int,
        opened: date,
        areas: list[str],
        *,
        closed: date | None = None,
        household: Household | None = None,
        parish: str | None = None,
    ) -> Case:
        case = cf.case_for(world, pid, "Teste", household=household)
        case.opened_on, case.areas = opened, areas
        if closed is not None:
            cf.close(case, closed)
        if household is None:
            db.session.get(Household, case.household_id).parish = parish  # type: ignore[union-attr]
            made.parish[case.household_id] = parish
            made.members.append((case.household_id, pid, None, None))
        made.cases.append(case)
        return case

    def join(household: int, pid: int, joined: date | None = None, left: date | None = None):  # type: ignore[no-untyped-def]
        rf.member(household, pid, joined_on=joined, left_on=left)
        made.members.append((household, pid, joined, left))

    eighteen = person(date(2001, 5, 31))  # 18 on the reference day
    c1 = open_(eighteen, START, ["housing", "income"], parish="Mourão")
    join(c1.household_id, person(date(2001, 6, 1)))  # still 17
    sixty_five = person(date(1954, 5, 31))
    join(c1.household_id, sixty_five, joined=END)  # joined on the reference day: counts
    join(c1.household_id, person(date(1970, 1, 1)), left=date(2019, 5, 15))  # left: not
    join(c1.household_id, person(date(1985, 1, 1)), joined=date(2019, 6, 10))  # later: not
    open_(eighteen, date(2019, 2, 1), ["income"], household=c1.household)  # a second case
    c2 = open_(person(date(1980, 1, 1)), END, ["health"], parish="Granja")
    join(c2.household_id, sixty_five)  # in two households: one person
    open_(person(None), BEFORE, ["family", "housing"])  # no parish, no birth date
    fifty_eight = person(date(1960, 6, 1))
    c4 = open_(fifty_eight, date(2018, 1, 10), ["employment"], closed=START, parish="Mourão")
    open_(fifty_eight, date(2019, 5, 10), ["housing"], household=c4.household)
    open_(person(date(1990, 1, 1)), date(2018, 3, 1), ["income"], closed=END, parish="Granja")
    open_(person(date(2010, 1, 1)), date(2018, 3, 1), ["education"], closed=AFTER, parish="Mourão")
    open_(person(date(1975, 1, 1)), date(2018, 3, 1), ["housing"], closed=BEFORE, parish="Reguengo")
    open_(person(date(2000, 1, 1)), AFTER, ["housing", "justice"], parish="Granja")
    db.session.flush()
    return made


def _seed_elsewhere() -> None:
    """Reguengos' cases in the same period: never in Mourão's figures."""
    w = sf.Cimac.load()
    with tenant_scope(w.reguengos):
        for i in range(3):
            case = sf.council_case(
                w.reguengos,
                "gestor@reguengos-de-monsaraz.demo",
                "Outra",
                f"Pessoa {i}",
                birth_date=date(2005, 1, 1),
            )
            case.opened_on, case.areas = START + timedelta(days=i), ["housing", "justice"]
        db.session.flush()


def _states(case: Case) -> set[str]:
    found = set()
    if START <= case.opened_on <= END:
        found.add("new")
    if case.opened_on <= END and (case.closed_on is None or case.closed_on >= START):
        found.add("followed")
    if case.closed_on is not None and START <= case.closed_on <= END:
        found.add("closed")
    return found


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _band(born: date | None) -> str:
    if born is None:
        return "unknown"
    age = _age(born, END)
    return [code for code, first in BANDS if age >= first][-1]


def _counts(values: Iterable[set[object]]) -> list[int]:
    return [len(v) for v in values]


def _expected(made: Made) -> dict[str, object]:
    in_state = {s: [c for c in made.cases if s in _states(c)] for s in STATES}
    on_reference = [
        (household, pid)
        for household, pid, joined, left in made.members
        if (joined is None or joined <= END) and (left is None or left > END)
    ]
    people = {
        s: {pid for household, pid in on_reference if household in {c.household_id for c in cs}}
        for s, cs in in_state.items()
    }
    bands = [code for code, _first in BANDS] + ["unknown"]
    by_age = {
        b: [len({p for p in people[s] if _band(made.born[p]) == b}) for s in STATES] for b in bands
    }
    parishes = sorted({made.parish[c.household_id] or "" for c in made.cases if c.opened_on <= END})
    return {
        "summary": [
            [len(in_state[s]) for s in STATES],
            _counts({c.household_id for c in in_state[s]} for s in STATES),
            _counts(people[s] for s in STATES),
        ],
        "by_area": {
            str(AREA[a]): [len([c for c in in_state[s] if a in c.areas]) for s in STATES]
            for a in Area
        },
        "by_age": [[b if b != "unknown" else "Sem data de nascimento", *by_age[b]] for b in bands],
        "by_parish": [
            [
                p or "Sem freguesia",
                *(
                    len([c for c in in_state[s] if (made.parish[c.household_id] or "") == p])
                    for s in STATES
                ),
            ]
            for p in parishes
        ],
    }


def _report(app: Flask) -> tuple[Report, dict[str, object]]:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            made = _seed(world)
            expected = _expected(made)
        _seed_elsewhere()
        return council_report(db.session, world.tenant, START, END), expected


def test_case_figures_match_direct_counts(app: Flask) -> None:
    report, expected = _report(app)
    summary = report.table("cases_summary")
    assert [row[1:] for row in summary.rows] == expected["summary"]
    assert [row[0] for row in summary.rows] == ["Processos", "Agregados", "Pessoas"]
    # The hand count, to be sure the data holds what it is meant to: 3 cases opened in May
    # (on both ends), 8 followed (closed on either end or the day after included), 2 closed.
    assert expected["summary"] == [[3, 8, 2], [3, 6, 2], [5, 8, 2]]

    areas = report.table("cases_by_area")
    assert {row[0]: row[1:] for row in areas.rows} == expected["by_area"]
    assert [row[0] for row in areas.rows] == [str(AREA[a]) for a in Area]
    housing = [row[0] for row in areas.rows].index("Habitação")
    assert areas.links[housing] == "/t/mourao/cases?area=housing"
    [chart] = report.sections[0].charts
    assert chart.series[0].values == [float(row[2]) for row in areas.rows]  # followed

    assert report.table("people_by_age").rows == expected["by_age"]
    assert report.table("cases_by_parish").rows == expected["by_parish"]


def test_people_are_the_members_on_the_reference_day(app: Flask) -> None:
    report, _expected_counts = _report(app)
    ages = {row[0]: row[2] for row in report.table("people_by_age").rows}  # followed
    # 18 and 17 on the day the period ends; 65 that day; the one who left and the one who
    # joined later are not counted.
    assert ages == {
        "0-17": 2,
        "18-24": 1,
        "25-44": 2,
        "45-64": 1,
        "65+": 1,
        "Sem data de nascimento": 1,
    }


def test_a_household_counts_once_in_a_state(app: Flask) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            made = _seed(world)
            households = db.session.scalars(
                select(Case.household_id).where(Case.id.in_([c.id for c in made.cases]))
            ).all()
        report = council_report(db.session, world.tenant, START, END)
    assert len(households) - len(set(households)) == 2  # two households with two cases each
    followed = report.table("cases_summary").rows
    assert followed[0][2] - followed[1][2] == 2  # 8 cases, 6 households
