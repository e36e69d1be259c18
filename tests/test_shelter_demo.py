"""The shelter demo (``teia.shelter.demo``): loading it again adds nothing, the pool is what
the README describes, the history's figures agree with one another (occupancy, stays,
admission sheets, the desk's log, the board, the discharge and its follow-up), its blocked
place and its quota hold against offers, and each unit's staff read only their residents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from teia.accounts.models import User
from teia.cases.models import Case, CaseStatus
from teia.core.clock import today
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.demo import load_demo
from teia.notifications.models import Notification
from teia.people.models import Person
from teia.shelter import allocation, demo, stays, units
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import (
    AdmissionSheet,
    Allocation,
    AllocationEvent,
    AllocationStatus,
    CarePlanGoal,
    CarePlanReview,
    DischargeStep,
    FollowUpContact,
    PlacementProfile,
    PlacementRequest,
    PlacePool,
    ShelterPlace,
    ShelterUnit,
    Stay,
    StayBlocker,
    StayContact,
    StayStatus,
)
from teia.shelter.requests import age_on
from tests import shelter_factories as sf

DESK = "coordenacao@cimac.demo"
POOL = (ShelterUnit, ShelterPlace, PlacePool, PlacementProfile, Allocation, AllocationEvent)
MOURAO_ROWS = (
    Person,
    Case,
    PlacementRequest,
    Stay,
    CarePlanGoal,
    CarePlanReview,
    StayContact,
    StayBlocker,
    DischargeStep,
    FollowUpContact,
)


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _counts(world: sf.Cimac) -> dict[str, int]:
    found = {m.__name__: _count(m) for m in (*POOL, User, Notification)}
    with tenant_scope(world.mourao):
        found |= {m.__name__: _count(m) for m in MOURAO_ROWS}
    for host in (world.mourao, world.reguengos, world.portel):
        with tenant_scope(host):
            found[f"AdmissionSheet@{host}"] = _count(AdmissionSheet)
    return found


def _units() -> dict[str, ShelterUnit]:
    names = [spec.name for spec in demo.UNITS]
    return {
        u.name: u
        for u in db.session.scalars(select(ShelterUnit).where(ShelterUnit.name.in_(names)))
    }


def _user(email: str) -> int:
    found = db.session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


def _person(given: str, family: str) -> Person:
    found = db.session.scalar(
        select(Person).where(Person.given_names == given, Person.family_names == family)
    )
    assert found is not None, f"{given} {family}"
    return found


def test_loading_the_demo_again_adds_nothing(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        before = _counts(world)
        load_demo(db.session)
        db.session.flush()
        assert _counts(world) == before
        assert before["ShelterUnit"] >= len(demo.UNITS)


def test_the_pool_is_the_one_the_readme_walks_through(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        found = _units()
        assert set(found) == {spec.name for spec in demo.UNITS}
        hosts = {world.mourao: "mourao", world.reguengos: "reguengos-de-monsaraz"}
        hosts[world.portel] = "portel"
        for spec in demo.UNITS:
            unit = found[spec.name]
            assert hosts[unit.host_tenant_id] == spec.host
            assert (unit.modality, unit.sex_rule, unit.accessible) == (
                spec.modality,
                spec.sex_rule,
                spec.accessible,
            )
            assert Counter(p.public for p in unit.places) == dict(spec.places)
            for place in unit.places:
                assert [p.consortium_id for p in place.pools] == [world.consortium]
        operated = {u.name for u in found.values() if u.operator_id == world.operator}
        assert operated == {demo.MOURAO_HOME, demo.REGUENGOS_HOME, demo.PORTEL_HOME}
        blocked = [p for u in found.values() for p in u.places if p.blocked_reason]
        assert [(p.unit.name, p.label, p.blocked_reason) for p in blocked] == [
            (*demo.BLOCKED, demo.BLOCKED_REASON)
        ]
        quotas = [
            (p.unit.name, p.label, pool.reserved_for_tenant_id)
            for u in found.values()
            for p in u.places
            for pool in p.pools
            if pool.reserved_for_tenant_id is not None
        ]
        assert quotas == [(*demo.QUOTA, world.portel)]
        for email in ("acolhimento@portel.demo", "acolhimento@reguengos-de-monsaraz.demo"):
            assert db.session.scalar(select(User).where(User.email == email)) is not None


def test_the_two_examples_wait_in_mourao_without_a_request(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        on = today()
        with tenant_scope(world.mourao):
            for (given, family), age, sex in ((demo.BEATRIZ, 15, "F"), (demo.TIAGO, 8, "M")):
                person = _person(given, family)
                assert person.birth_date is not None
                assert (age_on(person.birth_date, on), person.sex) == (age, sex)
                case = db.session.scalar(select(Case).where(Case.person_id == person.id))
                assert case is not None and case.status == CaseStatus.OPEN
                assert case.manager_id == _user("gestora@mourao.demo")
                assert not db.session.scalar(
                    select(func.count(PlacementRequest.id)).where(
                        PlacementRequest.person_id == person.id
                    )
                )
            beatriz = db.session.scalar(
                select(Case)
                .join(Person, Person.id == Case.person_id)
                .where(Person.given_names == demo.BEATRIZ[0])
            )
            assert beatriz is not None and "grupo criminoso" in beatriz.opening_reason


def test_occupancy_equals_the_admitted_stays_and_their_sheets(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        found = _units()
        ids = [u.id for u in found.values()]
        occupied = {
            uid: o.total.occupied
            for uid, o in units.occupancy(db.session, ids, consortium_id=world.consortium).items()
        }
        admitted = Counter(
            db.session.scalars(
                select(Allocation.unit_id).where(
                    Allocation.unit_id.in_(ids), Allocation.status == AllocationStatus.ADMITTED
                )
            )
        )
        with tenant_scope(world.mourao):
            active = Counter(
                db.session.scalars(select(Stay.unit_id).where(Stay.status == StayStatus.ACTIVE))
            )
        sheets: Counter[int] = Counter()
        for host in (world.mourao, world.reguengos, world.portel):
            with tenant_scope(host):
                sheets += Counter(
                    db.session.scalars(
                        select(AdmissionSheet.unit_id).where(AdmissionSheet.ended_on.is_(None))
                    )
                )
        assert occupied == {uid: admitted[uid] for uid in ids}
        assert active == sheets == +Counter(occupied)
        assert active == {found[demo.REGUENGOS_HOME].id: 1}
        held = units.holders(db.session, [p.id for u in found.values() for p in u.places])
        assert set(held.values()) == {AllocationStatus.ADMITTED}


def test_the_desk_log_tells_each_placement_in_order_in_the_past(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        with tenant_scope(world.mourao):
            profiles = list(db.session.scalars(select(PlacementRequest.profile_id)))
        assert len(profiles) == 2
        for profile_id in profiles:
            events = list(
                db.session.scalars(
                    select(AllocationEvent)
                    .where(AllocationEvent.profile_id == profile_id)
                    .order_by(AllocationEvent.id)
                )
            )
            actions = [e.action for e in events]
            assert actions[:4] == ["queued", "offered", "accepted", "admitted"]
            assert actions[4:] in ([], ["discharged"])
            moments = [e.at for e in events]
            assert moments == sorted(moments)
            assert moments[-1].date() < today()
            offered = events[1]
            assert offered.actor_id == _user(DESK)
            assert offered.details["rules"][0]["code"] == "same_council"


def test_the_prolonged_stay_is_on_the_board_with_its_blockers_and_signs(
    app: Flask, as_user: Callable[[str], FlaskClient]
) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        on = today()
        with tenant_scope(world.mourao):
            rows, _total = stays.board(db.session, stays.BoardFilters(), on)
            [row] = [r for r in rows if r.stay.person.given_names == "Rodrigo"]
            assert row.stay.unit.name == demo.REGUENGOS_HOME
            assert 400 <= row.days <= 450 and row.days_over > 0
            owners = {b.kind: b.owner for b in row.blockers}
            assert owners == {
                "court_decision": demo.COURT,
                "documents": "Equipa técnica (SAAS Mourão)",
            }
            shown = {s.kind for s in row.signs}
            assert {"stay_prolonged", "care_plan_stalled", "no_family_contact"} <= shown
            plan = row.stay.plan
            assert plan is not None and plan.main_goal == "extended_family"
            assert all(g.due_on and g.responsible for g in plan.goals)
            assert [r.progress for r in plan.reviews] == ["none", "none"]
            visits = db.session.scalar(
                select(func.max(StayContact.occurred_on)).where(
                    StayContact.stay_id == row.stay.id, StayContact.kind == "family_visit"
                )
            )
            assert visits is not None and visits < on - timedelta(days=30)
    page = as_user("gestora@mourao.demo").get("/t/mourao/shelter/board")
    assert page.status_code == 200
    assert "Rodrigo Fialho Bentes" in page.text
    assert demo.COURT in page.text


def test_the_discharge_has_its_five_steps_and_follow_up_done_and_due(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        on = today()
        with tenant_scope(world.mourao):
            person = _person("Matilde", "Godinho Raposo")
            stay = db.session.scalar(select(Stay).where(Stay.person_id == person.id))
            assert stay is not None and stay.status == StayStatus.DISCHARGED
            assert stay.ended_on is not None and stay.end_reason == "return_family"
            steps = db.session.scalars(
                select(DischargeStep.step).where(DischargeStep.stay_id == stay.id)
            )
            assert sorted(steps) == [1, 2, 3, 4, 5]
            follow = list(
                db.session.scalars(
                    select(FollowUpContact)
                    .where(FollowUpContact.stay_id == stay.id)
                    .order_by(FollowUpContact.due_on)
                )
            )
            done = [f for f in follow if f.done_on]
            overdue = [f for f in follow if not f.done_on and f.due_on < on]
            to_come = [f for f in follow if f.due_on >= on]
            assert len(done) == 3 and all(f.observations for f in done)
            assert len(overdue) == 1 and to_come
            allocation_id, unit_id = stay.allocation_id, stay.unit_id
        held = db.session.get(Allocation, allocation_id)
        assert held is not None and held.status == AllocationStatus.DISCHARGED
        with tenant_scope(world.mourao):  # Mourão's home hosted her: the sheet is closed
            sheet = db.session.scalar(
                select(AdmissionSheet).where(AdmissionSheet.allocation_id == allocation_id)
            )
            assert sheet is not None and sheet.ended_on == stay.ended_on
            assert sheet.unit_id == unit_id


def test_the_history_sends_nothing_to_the_bell_or_the_mailbox(app: Flask) -> None:
    with app.app_context():
        stale = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind.like("shelter%"))
        )
        assert stale == 0


def test_the_blocked_place_and_the_quota_take_no_offer(app: Flask) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        found = _units()
        desk = _user(DESK)
        blocked = next(p for p in found[demo.MOURAO_HOME].places if p.label == demo.BLOCKED[1])
        quota = next(p for p in found[demo.PORTEL_HOME].places if p.label == demo.QUOTA[1])
        for unit_name, free in ((demo.MOURAO_HOME, 2), (demo.PORTEL_HOME, 3)):
            unit = found[unit_name]
            taken = []
            for n in range(free):
                need = sf.profile(world.consortium, world.mourao, reference=f"DEM {unit.id}/{n}")
                taken.append(
                    allocation.offer(
                        db.session, need, unit.id, actor_id=desk, hold_hours=4
                    ).place_id
                )
            assert blocked.id not in taken and quota.id not in taken
            one_more = sf.profile(world.consortium, world.mourao, reference=f"DEM {unit.id}/x")
            with pytest.raises(ShelterError) as refused:
                allocation.offer(db.session, one_more, unit.id, actor_id=desk, hold_hours=4)
            expected = "sem vaga livre" if unit_name == demo.MOURAO_HOME else "reservadas"
            assert expected in str(refused.value)
        portel_need = sf.profile(world.consortium, world.portel, reference="DEM portel")
        made = allocation.offer(
            db.session, portel_need, found[demo.PORTEL_HOME].id, actor_id=desk, hold_hours=4
        )
        assert made.place_id == quota.id  # Portel's own request takes its quota


def test_each_units_staff_read_only_their_residents(
    app: Flask, as_user: Callable[[str], FlaskClient]
) -> None:
    with app.app_context():
        world = sf.Cimac.load()
        found = _units()
        regu = found[demo.REGUENGOS_HOME].id
        with tenant_scope(world.reguengos):
            sheet = db.session.scalar(
                select(AdmissionSheet.id).where(
                    AdmissionSheet.unit_id == regu, AdmissionSheet.ended_on.is_(None)
                )
            )
        assert sheet is not None
    reguengos = as_user("acolhimento@reguengos-de-monsaraz.demo")
    page = reguengos.get(f"/t/reguengos-de-monsaraz/shelter/units/{regu}/residents")
    assert page.status_code == 200 and "Rodrigo Fialho Bentes" in page.text
    assert reguengos.get(f"/t/reguengos-de-monsaraz/shelter/residents/{sheet}").status_code == 200
    portel = as_user("acolhimento@portel.demo")
    assert portel.get(f"/t/portel/shelter/residents/{sheet}").status_code == 404
    assert portel.get(f"/t/reguengos-de-monsaraz/shelter/residents/{sheet}").status_code == 404
    mourao = as_user("acolhimento@mourao.demo")
    assert mourao.get(f"/t/mourao/shelter/residents/{sheet}").status_code == 404
    mine = mourao.get("/t/mourao/shelter/my-units")
    assert demo.MOURAO_HOME in mine.text and demo.REGUENGOS_HOME not in mine.text
