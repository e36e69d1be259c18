"""Warning signs of undue institutionalisation: each rule on either side of its date, the facts
read from the rows in a fixed number of queries, reminders to the technical referent that are
stored once, cancelled when the sign no longer holds, and the daily task's fan-out."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import event, func, select

from teia.accounts.models import User
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.notifications.models import Notification, Reminder
from teia.notifications.services import dispatch_due_reminders
from teia.shelter import warnings
from teia.shelter.models import (
    CarePlan,
    CarePlanGoal,
    CarePlanReview,
    Stay,
    StayContact,
    StayStatus,
)
from teia.shelter.tasks import stay_warnings, tenant_stay_warnings
from teia.shelter.warnings import (
    NO_FAMILY_CONTACT,
    PLAN_INCOMPLETE,
    PLAN_STALLED,
    PROLONGED,
    REVIEW_DUE,
    StayFacts,
    due_days,
    signs,
)
from teia.tenants.models import Tenant
from tests import shelter_factories as sf

A = date(2026, 1, 10)  # the admission of the hand-made facts


def _facts(**changes: object) -> StayFacts:
    """A stay whose plan is complete, reviewed and visited: no sign until its expected end."""
    base: dict[str, object] = {
        "stay_id": 1,
        "admitted_on": A,
        "expected_end_on": A + timedelta(days=365),
        "referent_id": 7,
        "has_main_goal": True,
        "goals": 2,
        "open_goals_without_due": 0,
        "next_review_on": A + timedelta(days=90),
        "last_reviews": (),
        "last_family_contact": None,
        "last_no_visit_reason": None,
    }
    return StayFacts(**{**base, **changes})  # type: ignore[arg-type]


def _kinds(facts: StayFacts, on: date) -> list[str]:
    return [s.kind for s in signs(facts, on)]


def test_a_stay_becomes_prolonged_on_its_expected_end() -> None:
    facts = _facts(last_family_contact=A + timedelta(days=380))
    end = A + timedelta(days=365)
    assert PROLONGED not in _kinds(facts, end - timedelta(days=1))
    [sign] = [s for s in signs(facts, end) if s.kind == PROLONGED]
    assert sign.due_on == end
    # A permanent answer (an ERPI) has no expected duration: never prolonged.
    permanent = _facts(expected_end_on=None)
    assert PROLONGED not in due_days(permanent)
    assert PROLONGED not in _kinds(permanent, A + timedelta(days=3650))


def test_a_plan_without_main_goal_goals_or_deadlines_is_flagged_after_15_days() -> None:
    day_15 = A + timedelta(days=15)
    for incomplete in (
        _facts(has_main_goal=False),
        _facts(goals=0),
        _facts(open_goals_without_due=1),
    ):
        assert PLAN_INCOMPLETE not in _kinds(incomplete, day_15 - timedelta(days=1))
        assert PLAN_INCOMPLETE in _kinds(incomplete, day_15)
        assert due_days(incomplete)[PLAN_INCOMPLETE] == day_15
    assert PLAN_INCOMPLETE not in _kinds(_facts(), A + timedelta(days=200))


def test_two_reviews_without_change_stall_the_plan() -> None:
    march, june, sept = date(2026, 3, 1), date(2026, 6, 1), date(2026, 9, 1)
    stalled = _facts(last_reviews=((june, "none", False), (march, "none", False)))
    assert due_days(stalled)[PLAN_STALLED] == june
    assert PLAN_STALLED in _kinds(stalled, june)
    for moving in (
        _facts(last_reviews=((june, "none", False), (march, "none", True))),  # plan changed
        _facts(last_reviews=((june, "none", False), (march, "advance", False))),
        _facts(last_reviews=((june, "setback", False), (march, "none", False))),
        _facts(last_reviews=((june, "none", False),)),  # only one review
        _facts(last_reviews=((sept, "advance", True), (june, "none", False))),
    ):
        assert PLAN_STALLED not in due_days(moving)


def test_no_family_contact_for_30_days_without_a_technical_reason() -> None:
    # Nothing since the admission: the sign shows on day 31.
    assert due_days(_facts())[NO_FAMILY_CONTACT] == A + timedelta(days=31)
    assert NO_FAMILY_CONTACT not in _kinds(_facts(), A + timedelta(days=30))
    assert NO_FAMILY_CONTACT in _kinds(_facts(), A + timedelta(days=31))
    # A call on day 20 moves it to day 51; a technical reason recorded on day 45, to day 76.
    called = _facts(last_family_contact=A + timedelta(days=20))
    assert due_days(called)[NO_FAMILY_CONTACT] == A + timedelta(days=51)
    reason = _facts(
        last_family_contact=A + timedelta(days=20), last_no_visit_reason=A + timedelta(days=45)
    )
    assert NO_FAMILY_CONTACT not in _kinds(reason, A + timedelta(days=75))
    assert NO_FAMILY_CONTACT in _kinds(reason, A + timedelta(days=76))


def test_a_review_is_due_on_its_date() -> None:
    facts = _facts(last_family_contact=A + timedelta(days=89))
    review = A + timedelta(days=90)
    assert REVIEW_DUE not in _kinds(facts, review - timedelta(days=1))
    assert _kinds(facts, review) == [REVIEW_DUE]
    assert REVIEW_DUE not in due_days(_facts(next_review_on=None))


# --- the facts from the rows, and the reminders ----------------------------------------------


def _referent() -> int:
    found = db.session.scalar(select(User.id).where(User.email == "tecnica@mourao.demo"))
    assert found is not None
    return found


def _stay(w: sf.Cimac, admitted: date, expected_days: int | None = 365) -> Stay:
    shelter = sf.unit(w.mourao, w.operator, places={"adolescents": 1}, pools=(w.consortium,))
    return sf.admitted_stay(
        w, shelter, referent=_referent(), admitted_on=admitted, expected_days=expected_days
    )


def _plan(stay: Stay) -> CarePlan:
    plan = db.session.scalar(select(CarePlan).where(CarePlan.stay_id == stay.id))
    assert plan is not None
    return plan


def test_the_facts_come_from_the_rows(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        with tenant_scope(w.mourao):
            stay = _stay(w, date(2026, 1, 10))
            bare = _stay(w, date(2026, 2, 1), expected_days=None)
            plan = _plan(stay)
            plan.main_goal = "return_family"
            goal = {"plan_id": plan.id, "term": "short", "description": "M", "responsible": "team"}
            db.session.add_all(
                [
                    CarePlanGoal(**goal, due_on=date(2026, 3, 1)),
                    CarePlanGoal(**goal, due_on=None, status="done"),  # done: no deadline needed
                    CarePlanGoal(**goal, due_on=None),  # open without a deadline
                    CarePlanGoal(**goal, due_on=None, status="dropped"),  # not counted
                    CarePlanReview(
                        plan_id=plan.id,
                        reviewed_on=date(2026, 2, 1),
                        progress="advance",
                        summary="s",
                        plan_changed=True,
                    ),
                    CarePlanReview(
                        plan_id=plan.id,
                        reviewed_on=date(2026, 4, 1),
                        progress="none",
                        summary="s",
                        plan_changed=False,
                    ),
                    CarePlanReview(
                        plan_id=plan.id,
                        reviewed_on=date(2026, 3, 1),
                        progress="setback",
                        summary="s",
                        plan_changed=False,
                    ),
                    StayContact(stay_id=stay.id, occurred_on=date(2026, 3, 5), kind="family_visit"),
                    StayContact(stay_id=stay.id, occurred_on=date(2026, 3, 9), kind="family_call"),
                    StayContact(stay_id=stay.id, occurred_on=date(2026, 3, 20), kind="outing"),
                    StayContact(
                        stay_id=stay.id, occurred_on=date(2026, 2, 2), kind="no_visit_reason"
                    ),
                ]
            )
            db.session.flush()
            statements: list[str] = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                facts = warnings.stay_facts(db.session, Stay.id.in_([stay.id, bare.id]))
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            assert len([s for s in statements if s.lstrip().startswith("SELECT")]) == 4
    got = facts[stay.id]
    assert (got.has_main_goal, got.goals, got.open_goals_without_due) == (True, 3, 1)
    assert got.last_reviews == (
        (date(2026, 4, 1), "none", False),
        (date(2026, 3, 1), "setback", False),
    )
    assert (got.last_family_contact, got.last_no_visit_reason) == (
        date(2026, 3, 9),
        date(2026, 2, 2),
    )
    assert got.expected_end_on == date(2027, 1, 10)
    empty = facts[bare.id]
    assert (empty.has_main_goal, empty.goals, empty.last_reviews) == (False, 0, ())
    assert (empty.expected_end_on, empty.last_family_contact) == (None, None)
    assert empty.next_review_on == date(2026, 3, 3)  # the builder's: 30 days in


def _reminders(stay_id: int) -> list[tuple[str, date, str]]:
    return [
        (r.kind, r.due_date, r.status)
        for r in db.session.scalars(
            select(Reminder)
            .where(Reminder.object_type == "stay", Reminder.object_id == stay_id)
            .order_by(Reminder.kind)
        )
    ]


def test_reminders_are_scheduled_once_and_cancelled_when_no_longer_due(app: Flask) -> None:
    day = today("Europe/Lisbon")
    admitted = day - timedelta(days=40)
    with app.app_context():
        w = sf.Cimac.load()
        with tenant_scope(w.mourao):
            stay = _stay(w, admitted)
            quiet = _stay(w, day - timedelta(days=3))  # nothing due yet
            ended = _stay(w, day - timedelta(days=400))
            ended.status = StayStatus.DISCHARGED  # a discharged stay gets no reminder
            db.session.flush()
            assert warnings.schedule_warnings(db.session, day) >= 3  # the demo's stays too
            assert warnings.schedule_warnings(db.session, day) == 0  # stored once
            assert _reminders(stay.id) == sorted(
                [
                    (PLAN_INCOMPLETE, admitted + timedelta(days=15), "pending"),
                    (REVIEW_DUE, admitted + timedelta(days=30), "pending"),
                    (NO_FAMILY_CONTACT, admitted + timedelta(days=31), "pending"),
                ]
            )
            assert _reminders(quiet.id) == [] and _reminders(ended.id) == []
            # A family call yesterday: the contact reminder no longer holds, and a review
            # moved the next one; the plan stays incomplete.
            db.session.add(
                StayContact(stay_id=stay.id, occurred_on=day - timedelta(1), kind="family_call")
            )
            _plan(stay).next_review_on = day + timedelta(days=60)
            db.session.flush()
            dispatch_due_reminders(db.session, day)
            assert _reminders(stay.id) == sorted(
                [
                    (PLAN_INCOMPLETE, admitted + timedelta(days=15), "sent"),
                    (REVIEW_DUE, admitted + timedelta(days=30), "cancelled"),
                    (NO_FAMILY_CONTACT, admitted + timedelta(days=31), "cancelled"),
                ]
            )
            note = db.session.scalar(
                select(Notification).where(
                    Notification.kind == f"reminder.{PLAN_INCOMPLETE}",
                    Notification.link == f"/t/mourao/shelter/stays/{stay.id}",
                )
            )
            assert note is not None and note.user_id == _referent()
            assert note.link == f"/t/mourao/shelter/stays/{stay.id}"
            assert "G-" in note.subject  # the referral guide, never the person's name
            assert stay.person.family_names not in note.subject + note.body


def test_the_daily_task_schedules_in_a_fixed_number_of_queries(app: Flask) -> None:
    day = today("Europe/Lisbon")
    with app.app_context():
        w = sf.Cimac.load()
        with tenant_scope(w.mourao):
            _stay(w, day - timedelta(days=50))
            db.session.flush()

            def steady_statements() -> int:
                warnings.schedule_warnings(db.session, day)  # whatever is new is stored
                statements: list[str] = []
                listener = lambda *args: statements.append(args[2])  # noqa: E731
                event.listen(db.engine, "before_cursor_execute", listener)
                try:
                    assert warnings.schedule_warnings(db.session, day) == 0
                finally:
                    event.remove(db.engine, "before_cursor_execute", listener)
                return len(statements)

            one = steady_statements()
            for i in range(12):
                _stay(w, day - timedelta(days=30 + 20 * i))
            db.session.flush()
            assert steady_statements() == one
        active = db.session.scalar(select(func.count(Tenant.id)).where(Tenant.active.is_(True)))
        assert stay_warnings.apply().get() == active  # one task per council, eager here
        assert tenant_stay_warnings.apply(args=(w.portel,)).get() == 0
        with tenant_scope(w.mourao):
            stored = db.session.scalar(
                select(func.count(Reminder.id)).where(Reminder.object_type == "stay")
            )
            assert stored and tenant_stay_warnings.apply(args=(w.mourao,)).get() == 0
