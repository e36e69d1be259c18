"""Two coordinators offering the last place at the same moment cannot both succeed, and a unit
never holds more allocations than places: proved on PostgreSQL with real concurrent
transactions (threads, each with its own app context, session and connection), and by the
database itself with raw SQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from teia.accounts.models import User
from teia.core.db import db, utcnow
from teia.shelter import allocation
from teia.shelter.lifecycle import ShelterError
from teia.shelter.models import Allocation, AllocationStatus, PlacementProfile, ProfileStatus
from teia.tenants.models import Organization
from tests import shelter_factories as sf
from tests.conftest import PG_OWNER_URL, requires_postgres

BARRIER_TIMEOUT = 30


@dataclass
class Race:
    """A unit with ``places`` free places and one waiting profile per contender (committed)."""

    unit: int
    profiles: list[int]
    coordinator: int


@pytest.fixture
def race(app: Flask, request: pytest.FixtureRequest) -> Iterator[Callable[[int, int], Race]]:
    """Builds races; afterwards deletes every row they and their offers wrote (as the owner:
    the application role may not delete audit events)."""
    made: list[Race] = []

    def build(places: int, contenders: int) -> Race:
        with app.app_context():
            w = sf.Cimac.load()
            # The consortium's own organisation runs the unit: no shelter staff to notify.
            operator = db.session.scalar(
                select(Organization.id).where(Organization.slug == "cimac")
            )
            coordinator = db.session.scalar(
                select(User.id).where(User.email == "coordenacao@cimac.demo")
            )
            assert operator is not None and coordinator is not None
            unit = sf.unit(
                w.portel,
                operator,
                name=f"Casa da corrida {request.node.name}",
                places={"adolescents": places},
                pools=(w.consortium,),
            )
            profiles = [
                sf.profile(w.consortium, w.mourao, reference=f"CORRIDA {n:02d}").id
                for n in range(contenders)
            ]
            db.session.commit()
            built = Race(unit.id, profiles, coordinator)
        made.append(built)
        return built

    yield build
    owner = create_engine(PG_OWNER_URL)
    with owner.begin() as conn:
        for built in made:
            ids = {"profiles": built.profiles, "unit": built.unit}
            conn.execute(
                text(
                    "DELETE FROM audit_events WHERE action = 'shelter.offer_made' AND "
                    "object_id IN (SELECT id::text FROM shelter_allocations "
                    "WHERE profile_id = ANY(:profiles))"
                ),
                ids,
            )
            for table in ("shelter_allocation_events", "shelter_allocations"):
                conn.execute(
                    text(f"DELETE FROM {table} WHERE profile_id = ANY(:profiles)"),  # noqa: S608
                    ids,
                )
            conn.execute(text("DELETE FROM placement_profiles WHERE id = ANY(:profiles)"), ids)
            conn.execute(text("DELETE FROM shelter_units WHERE id = :unit"), ids)
    owner.dispose()


def _contend(app: Flask, race: Race, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Every profile offered the same unit at once; ``(profile, "ok" or the refusal)``.

    Each thread waits at a barrier after reading the unit's free places, so every contender
    tries to hold a place that the others also saw free: only the database decides."""
    barrier = threading.Barrier(len(race.profiles), timeout=BARRIER_TIMEOUT)
    read_free_places = allocation.free_places

    def free_places_then_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = read_free_places(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(allocation, "free_places", free_places_then_wait)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def contender(profile_id: int) -> None:
        with app.app_context():
            session = db.session
            profile = session.get(PlacementProfile, profile_id)
            assert profile is not None
            try:
                allocation.offer(
                    session, profile, race.unit, actor_id=race.coordinator, hold_hours=4
                )
                session.commit()
                outcome = "ok"
            except ShelterError as exc:
                session.commit()  # the profile's return to the queue
                outcome = str(exc)
            except Exception as exc:  # surfaced by the assertions below
                session.rollback()
                outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            results.append((profile_id, outcome))

    threads = [threading.Thread(target=contender, args=(p,)) for p in race.profiles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads)
    return results


def _holding(app: Flask, unit_id: int) -> list[Allocation]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Allocation).where(
                    Allocation.unit_id == unit_id,
                    Allocation.status.in_(
                        (
                            AllocationStatus.OFFERED,
                            AllocationStatus.ACCEPTED,
                            AllocationStatus.ADMITTED,
                        )
                    ),
                )
            )
        )


def _statuses(app: Flask, profile_ids: list[int]) -> dict[int, str]:
    with app.app_context():
        rows = db.session.execute(
            select(PlacementProfile.id, PlacementProfile.status).where(
                PlacementProfile.id.in_(profile_ids)
            )
        ).all()
        return {profile_id: status for profile_id, status in rows}


@requires_postgres
@pytest.mark.own_transactions  # each contender commits from its own connection
def test_two_coordinators_offering_the_last_place_at_once(
    app: Flask, race, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    contest = race(places=1, contenders=2)
    results = _contend(app, contest, monkeypatch)
    winners = [p for p, outcome in results if outcome == "ok"]
    losers = {p: outcome for p, outcome in results if outcome != "ok"}
    assert len(winners) == 1, results
    assert list(losers.values()) == ["Já não há vaga livre adequada nesta unidade."]
    [held] = _holding(app, contest.unit)
    assert held.profile_id == winners[0]
    statuses = _statuses(app, contest.profiles)
    assert statuses[winners[0]] == ProfileStatus.OFFERED
    assert all(statuses[p] == ProfileStatus.WAITING for p in losers)


@requires_postgres
@pytest.mark.own_transactions
def test_ten_offers_against_three_places_hold_exactly_three(
    app: Flask, race, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    contest = race(places=3, contenders=10)
    results = _contend(app, contest, monkeypatch)
    outcomes = [outcome for _p, outcome in results]
    assert outcomes.count("ok") == 3, results
    assert set(outcomes) == {"ok", "Já não há vaga livre adequada nesta unidade."}, results
    held = _holding(app, contest.unit)
    assert len(held) == 3
    assert len({a.place_id for a in held}) == 3
    statuses = _statuses(app, contest.profiles)
    assert sorted(statuses.values()) == sorted(
        [ProfileStatus.OFFERED] * 3 + [ProfileStatus.WAITING] * 7
    )


def test_the_database_refuses_a_second_holder_for_a_place(app: Flask) -> None:
    """Raw SQL, no application code: the partial unique index is the guarantee."""
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(w.portel, w.operator, places={"adolescents": 1}, pools=(w.consortium,))
        first = sf.profile(w.consortium, w.mourao, reference="SQL 01")
        second = sf.profile(w.consortium, w.mourao, reference="SQL 02")
        place = unit.places[0].id
        insert = text(
            "INSERT INTO shelter_allocations (profile_id, place_id, unit_id, consortium_id, "
            "status, offered_at, expires_at, explanation) VALUES (:profile, :place, :unit, "
            ":consortium, :status, :now, :now, '{}')"
        )

        def hold(profile: int, status: str, at: int = place) -> None:
            db.session.execute(
                insert,
                {
                    "profile": profile,
                    "place": at,
                    "unit": unit.id,
                    "consortium": w.consortium,
                    "status": status,
                    "now": utcnow(),
                },
            )

        hold(first.id, "offered")
        for status in ("offered", "accepted", "admitted"):
            with pytest.raises(IntegrityError), db.session.begin_nested():
                hold(second.id, status)
        # Allocations that no longer hold the place do not count: the place can be offered.
        with db.session.begin_nested():
            hold(second.id, "refused")
            hold(second.id, "expired")
        db.session.execute(
            text("UPDATE shelter_allocations SET status = 'withdrawn' WHERE profile_id = :p"),
            {"p": first.id},
        )
        hold(second.id, "offered")
        # and one request holds one place at a time
        other = sf.unit(w.portel, w.operator, places={"adolescents": 1}, pools=(w.consortium,))
        with pytest.raises(IntegrityError), db.session.begin_nested():
            hold(second.id, "offered", at=other.places[0].id)
