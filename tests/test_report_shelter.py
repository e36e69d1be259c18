"""The council report's shelter figures (stays in care, admitted, ended, active, prolonged and
re-admitted; length of stay; places and occupancy of the units the council hosts; the six
quality dimensions) equal counts made directly, in Python, from the rows the test made:
stays admitted and ended on both days of the period and just outside it, re-admissions within
and beyond twelve months, an inactive place and an inactive unit, and another council's stay
that fills a place in the council's unit but is not the council's stay."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import mean, median

from flask import Flask
from flask_babel import format_decimal, format_percent
from sqlalchemy import func, select

from teia.accounts.models import User
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.reports.council import council_report
from teia.reports.figures import Report
from teia.shelter.indicators import DIMENSIONS
from teia.shelter.labels import BLOCKER_KIND
from teia.shelter.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    DischargeStep,
    FollowUpContact,
    ShelterPlace,
    ShelterUnit,
    Stay,
    StayBlocker,
    StayContact,
)
from tests import shelter_factories as sf

START, END = date(2019, 5, 1), date(2019, 5, 31)
BEFORE, AFTER = START - timedelta(days=1), END + timedelta(days=1)
COMPLETE = {"health": "Asma", "medication": "Salbutamol SOS", "diet": "Sem restrições"}
NO_DIET = {"health": "Asma", "medication": "Salbutamol SOS", "diet": " "}


@dataclass(frozen=True)
class Made:
    """A stay as the test made it, with what the quality indicators count of it."""

    stay: Stay
    host: int
    outside_territory: bool = False
    sheet: dict[str, str] | None = None
    contacts: list[tuple[str, date]] = field(default_factory=list)  # (kind, day)


@dataclass
class World:
    stays: dict[str, Made] = field(default_factory=dict)
    places_before: int = 0
    main_goal_with_due_date: set[str] = field(default_factory=set)
    reviews: list[tuple[date, bool]] = field(default_factory=list)  # (day, plan changed)
    blockers: list[tuple[str, str, date, date | None]] = field(default_factory=list)
    steps: dict[str, set[int]] = field(default_factory=dict)
    follow_ups: list[tuple[date, date | None]] = field(default_factory=list)  # (due, done)
    next_review: dict[str, date] = field(default_factory=dict)
    others_here: list[tuple[date, date | None]] = field(default_factory=list)  # other councils


def _hosted_places(mourao: int) -> int:
    return (
        db.session.scalar(
            select(func.count(ShelterPlace.id))
            .join(ShelterUnit, ShelterUnit.id == ShelterPlace.unit_id)
            .where(
                ShelterUnit.host_tenant_id == mourao,
                ShelterUnit.active.is_(True),
                ShelterPlace.active.is_(True),
            )
        )
        or 0
    )


def _seed(cimac: sf.Cimac, manager: int) -> World:
    world = World(places_before=_hosted_places(cimac.mourao))
    pools = (cimac.consortium,)
    here = sf.unit(
        cimac.mourao, cimac.operator, name="Casa M", places={"adolescents": 9}, pools=pools
    )
    here.places[-1].active = False  # a place that no longer exists
    closed = sf.unit(cimac.mourao, cimac.operator, name="Casa fechada", pools=pools)
    closed.active = False
    there = sf.unit(
        cimac.portel, cimac.operator, name="Casa P", places={"adolescents": 6}, pools=pools
    )
    units = {here.id: cimac.mourao, there.id: cimac.portel}

    with tenant_scope(cimac.mourao):

        def stay(name: str, unit: ShelterUnit, admitted: date, **kw):  # type: ignore[no-untyped-def]
            made = sf.indicator_stay(
                cimac.consortium, cimac.mourao, unit, manager=manager, admitted_on=admitted, **kw
            )
            if made.ended_on is not None:  # as the discharge leaves it
                made.allocation.discharged_at = datetime.combine(made.ended_on, time(12))
            world.stays[name] = Made(
                made, units[unit.id], kw.get("outside_territory", False), kw.get("sheet")
            )
            return made

        stay("s1", here, START, expected_end_on=END, sheet=COMPLETE)
        stay("s2", here, date(2019, 3, 1), ended_on=END, expected_end_on=date(2019, 4, 1))
        s3 = stay("s3", there, date(2019, 1, 10), ended_on=START)
        stay("s4", here, date(2019, 5, 20), previous=s3, outside_territory=True, sheet=NO_DIET)
        s5 = stay("s5", there, date(2018, 1, 1), ended_on=BEFORE)
        stay("s6", there, AFTER)
        stay("s7", here, date(2018, 2, 1), expected_end_on=date(2019, 3, 1))
        stay("s8", there, date(2019, 5, 25), previous=s5, outside_territory=True, sheet=COMPLETE)
        s10 = stay("s10", there, date(2017, 1, 1), ended_on=date(2018, 5, 1))
        stay("s9", here, date(2019, 5, 28), previous=s10)  # 392 days after: not a re-admission

        for name, kind, day in (
            ("s1", "incident", date(2019, 5, 10)),
            ("s7", "incident", END),
            ("s7", "incident", BEFORE),
            ("s5", "incident", date(2019, 5, 5)),  # a stay no longer in care
            ("s2", "community", date(2019, 5, 15)),
            ("s3", "community", date(2019, 4, 1)),
            ("s8", "community", date(2019, 5, 26)),
            ("s1", "heard", date(2019, 5, 15)),
            ("s7", "heard", END - timedelta(days=90)),  # just outside the 90 days
            ("s2", "heard", date(2019, 5, 20)),  # no longer active on the reference day
            ("s4", "outing", date(2019, 5, 21)),
            ("s9", "outing", AFTER),
        ):
            db.session.add(
                StayContact(stay_id=world.stays[name].stay.id, kind=kind, occurred_on=day)
            )
            world.stays[name].contacts.append((kind, day))

        def plan(name: str) -> CarePlan:
            found = db.session.scalar(
                select(CarePlan).where(CarePlan.stay_id == world.stays[name].stay.id)
            )
            assert found is not None
            return found

        for name, main_goal, due in (
            ("s1", "return_family", date(2019, 8, 1)),
            ("s7", "autonomy", None),
            ("s4", None, date(2019, 9, 1)),
        ):
            plan(name).main_goal = main_goal
            db.session.add(
                CarePlanGoal(
                    plan_id=plan(name).id,
                    term="short",
                    description="Meta",
                    responsible="team",
                    due_on=due,
                )
            )
            if main_goal and due:
                world.main_goal_with_due_date.add(name)
        plan("s8").next_review_on = date(2019, 5, 30)
        for name in world.stays:
            world.next_review[name] = plan(name).next_review_on
        for name, day, changed in (
            ("s7", date(2019, 5, 10), True),
            ("s7", date(2019, 5, 20), False),
            ("s1", BEFORE, True),
            ("s2", END, True),
        ):
            db.session.add(
                CarePlanReview(
                    plan_id=plan(name).id,
                    reviewed_on=day,
                    progress="none",
                    summary="Revisão",
                    plan_changed=changed,
                )
            )
            world.reviews.append((day, changed))
        for name, kind, created, resolved in (
            ("s1", "documents", date(2019, 5, 2), None),
            ("s7", "court_decision", date(2019, 1, 1), END),  # resolved on the reference day
            ("s7", "school", date(2019, 4, 1), date(2019, 6, 5)),
            ("s4", "documents", AFTER, None),
            ("s2", "documents", date(2019, 5, 2), None),  # s2 ended
        ):
            db.session.add(
                StayBlocker(
                    stay_id=world.stays[name].stay.id,
                    kind=kind,
                    description="Pendência",
                    owner="Tribunal",
                    created_at=datetime.combine(created, time(9)),
                    resolved_on=resolved,
                )
            )
            world.blockers.append((name, kind, created, resolved))
        for name, steps in (("s2", {1, 2, 3, 4}), ("s3", {1, 2, 5})):
            for step in steps:
                db.session.add(
                    DischargeStep(
                        stay_id=world.stays[name].stay.id, step=step, done_on=END, notes="Feito"
                    )
                )
            world.steps[name] = steps
        for name, due, done in (
            ("s3", date(2019, 5, 8), date(2019, 5, 8)),
            ("s3", date(2019, 5, 15), date(2019, 5, 20)),
            ("s3", date(2019, 5, 22), None),
            ("s2", AFTER, None),
            ("s5", date(2019, 5, 3), date(2019, 5, 2)),
        ):
            db.session.add(
                FollowUpContact(
                    stay_id=world.stays[name].stay.id,
                    due_on=due,
                    done_on=done,
                    responsible_id=manager,
                )
            )
            world.follow_ups.append((due, done))
        db.session.flush()

    with tenant_scope(cimac.reguengos):  # a place in Mourão's unit, but Reguengos' stay
        sf.indicator_stay(
            cimac.consortium,
            cimac.reguengos,
            here,
            manager=_user("gestor@reguengos-de-monsaraz.demo"),
            admitted_on=date(2019, 4, 1),
        )
    world.others_here.append((date(2019, 4, 1), None))
    return world


def _user(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _share(num: int, den: int) -> tuple[str, str]:
    text = format_percent(num / den, "#,##0.0 %") if den else "—"
    return text, f"{format_decimal(num)} / {format_decimal(den)}"


def _lengths(days: list[int]) -> tuple[str, str]:
    if not days:
        return "—", "0 acolhimentos"
    text = (
        f"mediana {format_decimal(median(days), '#,##0.#')} · "
        f"média {format_decimal(mean(days), '#,##0.#')}"
    )
    return text, f"{len(days)} acolhimento{'s' if len(days) != 1 else ''}"


def _expected(world: World, mourao: int) -> tuple[list[object], dict[str, tuple[str, str]]]:
    made = list(world.stays.values())
    by_id = {m.stay.id: m.stay for m in made}

    def between(day: date | None, first: date = START, last: date = END) -> bool:
        return day is not None and first <= day <= last

    def active(s: Stay) -> bool:
        return s.admitted_on <= END and (s.ended_on is None or s.ended_on > END)

    def readmission(s: Stay) -> bool:
        earlier = by_id.get(s.previous_stay_id) if s.previous_stay_id else None
        return (
            earlier is not None
            and earlier.ended_on is not None
            and (s.admitted_on - earlier.ended_on).days <= 365
        )

    in_care = [m for m in made if m.stay.admitted_on <= END and (m.stay.ended_on or END) >= START]
    admitted = [m for m in in_care if m.stay.admitted_on >= START]
    ended = [m for m in in_care if between(m.stay.ended_on)]
    on_day = [m for m in in_care if active(m.stay)]
    lengths = [(m.stay.ended_on - m.stay.admitted_on).days for m in ended]  # type: ignore[operator]
    occupied = len([m for m in on_day if m.host == mourao]) + len(
        [
            1
            for admitted_on, ended_on in world.others_here
            if admitted_on <= END and (ended_on is None or ended_on > END)
        ]
    )
    places = world.places_before + 8
    stays = [
        len(in_care),
        len(admitted),
        len(ended),
        len(on_day),
        len([m for m in on_day if m.stay.expected_end_on and m.stay.expected_end_on <= END]),
        len([m for m in admitted if readmission(m.stay)]),
        median(lengths),
        round(mean(lengths), 1),
        places,
        occupied,
        round(100 * occupied / places, 1),
    ]

    window = END - timedelta(days=90)
    incidents = len(
        [1 for m in in_care for kind, day in m.contacts if kind == "incident" and between(day)]
    )
    days_in_period = sum(
        (
            (m.stay.ended_on if between(m.stay.ended_on, date.min) else END)
            - max(m.stay.admitted_on, START)
        ).days
        + 1  # type: ignore[operator]
        for m in in_care
    )
    flagged = [m for m in admitted if m.outside_territory]
    sheets = [m.sheet for m in made if m.sheet is not None and between(m.stay.admitted_on)]
    open_blockers = [
        kind
        for name, kind, created, resolved in world.blockers
        if world.stays[name] in on_day and created <= END and (resolved is None or resolved > END)
    ]
    reviews = [changed for day, changed in world.reviews if between(day)]
    follow_ups = [
        done is not None and done <= due for due, done in world.follow_ups if between(due)
    ]
    with_expected = [m for m in on_day if m.stay.expected_end_on is not None]
    quality = {
        "incident_rate": (
            format_decimal(incidents * 1000 / days_in_period, "#,##0.0"),
            f"{incidents} incidentes / {format_decimal(days_in_period)} dias",
        ),
        "safety_outside": _share(len([m for m in flagged if m.host != mourao]), len(flagged)),
        "sheets_complete": _share(
            len([s for s in sheets if all(s[k].strip() for k in ("health", "medication", "diet"))]),
            len(sheets),
        ),
        "community": _share(
            len(
                [m for m in in_care if any(k == "community" and between(d) for k, d in m.contacts)]
            ),
            len(in_care),
        ),
        "heard": _share(
            len(
                [
                    m
                    for m in on_day
                    if any(k == "heard" and window < d <= END for k, d in m.contacts)
                ]
            ),
            len(on_day),
        ),
        "outings": _share(
            len(
                [
                    m
                    for m in on_day
                    if any(
                        k in ("outing", "community") and window < d <= END for k, d in m.contacts
                    )
                ]
            ),
            len(on_day),
        ),
        "plan_goals": _share(
            len(
                [
                    n
                    for n, m in world.stays.items()
                    if m in on_day and n in world.main_goal_with_due_date
                ]
            ),
            len(on_day),
        ),
        "review_current": _share(
            len([n for n, m in world.stays.items() if m in on_day and world.next_review[n] >= END]),
            len(on_day),
        ),
        "reviews_changed": _share(reviews.count(True), len(reviews)),
        "days_active": _lengths([(END - m.stay.admitted_on).days for m in on_day]),
        "days_ended": _lengths(lengths),
        "past_expected": _share(
            len([m for m in with_expected if m.stay.expected_end_on < END]),  # type: ignore[operator]
            len(with_expected),
        ),
        "blockers": (
            format_decimal(len(open_blockers)),
            " · ".join(
                f"{label}: {open_blockers.count(kind)}"
                for kind, label in BLOCKER_KIND.items()
                if kind in open_blockers
            ),
        ),
        "discharges": (format_decimal(len(ended)), ""),
        "steps_done": _share(
            len(
                [
                    n
                    for n, m in world.stays.items()
                    if m in ended and {1, 2, 3, 4} <= world.steps.get(n, set())
                ]
            ),
            len(ended),
        ),
        "follow_ups_on_time": _share(follow_ups.count(True), len(follow_ups)),
        "readmitted": _share(len([m for m in admitted if readmission(m.stay)]), len(admitted)),
    }
    return stays, quality


def _report(app: Flask) -> tuple[Report, list[object], dict[str, tuple[str, str]]]:
    with app.test_request_context():
        cimac = sf.Cimac.load()
        world = _seed(cimac, _user("gestora@mourao.demo"))
        with tenant_scope(cimac.mourao):
            expected = _expected(world, cimac.mourao)
        return council_report(db.session, cimac.mourao, START, END), *expected


def test_shelter_figures_match_direct_counts(app: Flask) -> None:
    report, stays, quality = _report(app)
    table = report.table("shelter_stays")
    assert [row[1] for row in table.rows] == stays
    # The hand count: 7 stays in care in May (s1, s2, s3, s4, s7, s8, s9), 4 admitted, 2 ended
    # (on the first and the last day, after 111 and 91 days), 5 active on 31 May, 2 of them
    # at or past their expected end, 2 re-admissions (s4 and s8; s9 came 392 days later);
    # 5 places of Mourão's unit taken on 31 May, one by Reguengos' stay.
    assert stays[:8] == [7, 4, 2, 5, 2, 2, 101.0, 101.0]
    assert stays[9] == 5

    labels = {str(i.label): i.key for d in DIMENSIONS for i in d.indicators}
    dimensions = report.table("shelter_quality")
    found = {labels[row[1]]: (row[2], row[3]) for row in dimensions.rows}
    assert found == quality
    assert len(dimensions.rows) == len(labels)  # every indicator, once
    assert {row[0] for row in dimensions.rows} == {str(d.title) for d in DIMENSIONS}
    # A few by hand, to be sure the data holds what it is meant to.
    assert quality["incident_rate"][1] == "2 incidentes / 117 dias"
    assert quality["heard"][1] == "1 / 5" and quality["outings"][1] == "2 / 5"
    assert quality["follow_ups_on_time"][1] == "2 / 4" and quality["readmitted"][1] == "2 / 4"
    assert quality["blockers"] == ("2", "Documentos: 1 · Escola: 1")
