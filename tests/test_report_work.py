"""The council report's figures of technical work (referrals by partner and response time,
plans with overdue actions, caseload per case manager against the target) equal counts made
directly, in Python, from the rows the test made: referrals on the first and last minute of
the period and just outside it, actions due on the reference day or before it, in active and
superseded plans, in cases closed on the reference day or after it, case managers who left,
and another council's rows that must not count."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from statistics import median

from flask import Flask
from sqlalchemy import select

from teia.accounts.models import Membership, Role, User
from teia.cases.models import ActionStatus, Case, PlanAction, PlanStatus, Referral
from teia.cases.models import ReferralStatus as R
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.reports.council import council_report
from teia.tenants.models import Organization, Tenant
from teia.tenants.services import council_organization_slug
from tests import case_factories as cf
from tests import report_factories as rf
from tests import shelter_factories as sf

START, END = date(2019, 5, 1), date(2019, 5, 31)
BEFORE, AFTER = START - timedelta(days=1), END + timedelta(days=1)


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _case(world: cf.Mourao, opened: date, closed: date | None = None) -> Case:
    case = cf.case_for(world, cf.person(world, "Pessoa", f"Trabalho {opened}"), "Teste")
    case.opened_on = opened
    if closed is not None:
        cf.close(case, closed)
    return case


def _staff(world: cf.Mourao, email: str, *, active: bool = True) -> User:
    org = db.session.scalar(
        select(Organization.id).where(Organization.slug == council_organization_slug("mourao"))
    )
    assert org is not None
    user = sf.staff_user(email, world.tenant, org, Role.CASE_MANAGER)
    user.memberships[0].active = active
    db.session.flush()
    return user


# --- referrals --------------------------------------------------------------------------


def _seed_referrals(world: cf.Mourao) -> list[Referral]:
    case = _case(world, date(2019, 1, 1))
    made = [
        rf.referral(case, world.scm, _at(START, 0), R.ACCEPTED, _at(date(2019, 5, 3), 9)),
        rf.referral(case, world.scm, _at(END, 23, 59), R.REFUSED, _at(date(2019, 6, 2))),
        rf.referral(case, world.scm, _at(date(2019, 5, 10)), R.COMPLETED, _at(date(2019, 5, 20))),
        rf.referral(case, world.scm, _at(date(2019, 5, 11))),  # no answer yet
        rf.referral(
            case, world.health, _at(date(2019, 5, 15), 9), R.ACCEPTED, _at(date(2019, 5, 15), 17)
        ),
        rf.referral(case, world.health, _at(date(2019, 5, 20)), R.CANCELLED),
        rf.referral(case, world.scm, _at(BEFORE, 23, 59), R.ACCEPTED, _at(START)),  # before
        rf.referral(case, world.health, _at(AFTER, 0), R.ACCEPTED, _at(AFTER)),  # after
    ]
    db.session.flush()
    return made


def _referrals_elsewhere() -> None:
    w = sf.Cimac.load()
    with tenant_scope(w.reguengos):
        case = sf.council_case(
            w.reguengos, "gestor@reguengos-de-monsaraz.demo", "Outra", "Pessoa", birth_date=None
        )
        scm = db.session.scalar(select(Organization.id).where(Organization.slug == "scm-mourao"))
        assert scm is not None
        rf.referral(case, scm, _at(date(2019, 5, 5)), R.ACCEPTED, _at(date(2019, 5, 6)))


def test_referral_figures_match_direct_counts(app: Flask) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            made = _seed_referrals(world)
        _referrals_elsewhere()
        report = council_report(db.session, world.tenant, START, END)
        names = dict(db.session.execute(select(Organization.id, Organization.name)).all())

    in_period = [r for r in made if START <= r.requested_at.date() <= END]
    expected = []
    for org in sorted({r.organization_id for r in in_period}, key=lambda o: names[o]):
        mine = [r for r in in_period if r.organization_id == org]
        days = [
            (r.responded_at.date() - r.requested_at.date()).days for r in mine if r.responded_at
        ]
        expected.append(
            [
                names[org],
                len(mine),
                len([r for r in mine if r.status in (R.ACCEPTED, R.COMPLETED)]),
                len([r for r in mine if r.status == R.REFUSED]),
                len([r for r in mine if r.status == R.PENDING]),
                median(days) if days else None,
            ]
        )
    table = report.table("referrals_by_partner")
    assert table.rows == expected
    by_name = {row[0]: row[1:] for row in table.rows}
    assert by_name[names[world.scm]] == [4, 2, 1, 1, 2]  # 2, 2 and 10 days
    assert by_name[names[world.health]] == [2, 1, 0, 0, 0]  # answered the same day
    [chart] = [c for s in report.sections for c in s.charts if c.code == "referrals_by_partner"]
    assert chart.labels == [row[0] for row in expected]
    assert chart.series[0].values == [float(row[1]) for row in expected]


# --- plans and caseload -------------------------------------------------------------------


def _followed_on(case: Case, day: date) -> bool:
    return case.opened_on <= day and (case.closed_on is None or case.closed_on > day)


def _seed_work(world: cf.Mourao) -> tuple[list[Case], list[PlanAction], dict[int, int]]:
    """Cases, the actions of their plans, and the active plans (plan id -> case id); the
    reference day is the period's end, 31 May."""
    second = _staff(world, "segunda@mourao.demo")
    former = _staff(world, "antiga@mourao.demo", active=False)
    closed_account = _staff(world, "sem-casos@mourao.demo")
    closed_account.active = False
    followed = _case(world, date(2019, 2, 1))
    ends_after = _case(world, date(2018, 6, 1), AFTER)
    ends_on_the_day = _case(world, date(2018, 6, 1), END)
    opens_after = _case(world, AFTER)
    new = _case(world, START)
    same_household = cf.case_for(world, followed.person_id, "Outro", household=followed.household)
    same_household.opened_on = date(2019, 3, 1)
    ends_after.manager_id = former.id
    new.manager_id = second.id
    cases = [followed, ends_after, ends_on_the_day, opens_after, new, same_household]

    active: dict[int, int] = {}
    old = rf.plan(followed, 1, PlanStatus.SUPERSEDED)
    actions = [rf.action(old, date(2019, 1, 1))]  # overdue, but in a superseded plan
    goal = rf.plan(followed, 2)
    active[goal.plan_id] = followed.id
    actions += [
        rf.action(goal, END - timedelta(days=1)),  # overdue
        rf.action(goal, END),  # due on the reference day: not yet
        rf.action(goal, date(2019, 1, 15), ActionStatus.IN_PROGRESS),  # overdue
        rf.action(goal, date(2019, 1, 15), ActionStatus.DONE),
        rf.action(goal, date(2019, 2, 1), ActionStatus.CANCELLED),
        rf.action(goal, None),
    ]
    for case in (ends_after, ends_on_the_day, opens_after):
        goal = rf.plan(case)
        active[goal.plan_id] = case.id
        actions.append(rf.action(goal, date(2019, 5, 1)))
    db.session.flush()
    return cases, actions, active


def _work_elsewhere() -> None:
    w = sf.Cimac.load()
    with tenant_scope(w.reguengos):
        case = sf.council_case(
            w.reguengos, "gestor@reguengos-de-monsaraz.demo", "Outra", "Pessoa", birth_date=None
        )
        case.opened_on = date(2019, 1, 1)
        rf.action(rf.plan(case), date(2019, 5, 1))


def test_overdue_actions_and_caseload_match_direct_counts(app: Flask) -> None:
    with app.test_request_context():
        world = cf.Mourao.load()
        with tenant_scope(world.tenant):
            cases, actions, active = _seed_work(world)
        _work_elsewhere()
        report = council_report(db.session, world.tenant, START, END)
        target = db.session.get(Tenant, world.tenant).caseload_target  # type: ignore[union-attr]
        # The council's case managers today (active accounts and memberships), and anyone
        # managing a case followed on the reference day.
        listed = dict(
            db.session.execute(
                select(User.id, User.name)
                .join(Membership, Membership.user_id == User.id)
                .where(
                    Membership.tenant_id == world.tenant,
                    Membership.role == Role.CASE_MANAGER,
                    Membership.active.is_(True),
                    User.active.is_(True),
                )
            ).all()
        )
        by_case = {c.id: c for c in cases}
        gestora = db.session.get(User, world.manager)
        assert gestora is not None
        listed |= dict(
            db.session.execute(
                select(User.id, User.name).where(
                    User.id.in_({c.manager_id for c in cases if _followed_on(c, END)})
                )
            ).all()
        )

    overdue = [
        a
        for a in actions
        if a.plan_id in active
        and a.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
        and a.due_on is not None
        and a.due_on < END
        and _followed_on(by_case[a.case_id], END)
    ]
    plans = report.table("plans_overdue")
    assert [row[1] for row in plans.rows] == [len({a.case_id for a in overdue}), len(overdue)]
    assert [row[1] for row in plans.rows] == [
        2,
        3,
    ]  # the followed case's 2, and the one closing later

    expected = []
    for uid, name in sorted(listed.items(), key=lambda kv: kv[1]):
        mine = [c for c in cases if c.manager_id == uid and _followed_on(c, END)]
        households = len({c.household_id for c in mine})
        expected.append([name, len(mine), households, target, round(100 * households / target, 1)])
    caseload = report.table("caseload")
    assert caseload.rows == expected
    rows = {row[0]: row[1:3] for row in caseload.rows}
    assert rows["segunda"] == [1, 1] and rows["antiga"] == [1, 1]  # a manager who left
    assert "sem-casos" not in rows  # a closed account with no case
    assert rows[gestora.name] == [2, 1]  # two cases of one household
    managers = sorted(listed, key=lambda uid: listed[uid])
    assert caseload.links == [f"/t/mourao/cases?manager={uid}" for uid in managers]
