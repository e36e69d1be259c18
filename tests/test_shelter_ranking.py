"""The transparent ranking: every hard rule excludes with its reason, territoriality orders the
candidates (reversed with the safety flag), a council's quota scores, ties break on free places
then name; and, through the database, the seed's two examples in CIMAC."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask

from teia.core.db import db, utcnow
from teia.shelter import allocation, ranking
from teia.shelter.catalog import Public
from teia.shelter.models import Allocation, AllocationStatus, SexRule
from teia.shelter.ranking import Need, Supply, Territory
from tests import shelter_factories as sf

ADOLESCENTS = Public("adolescents", "Jovens dos 12 aos 17 anos", 12, 17)
HOME, NEAR, FAR, OTHER = 1, 2, 3, 4  # councils: HOME borders NEAR, NEAR borders FAR
TERRITORY = Territory.from_slugs(
    [(HOME, "home", ["near"]), (NEAR, "near", []), (FAR, "far", ["near"]), (OTHER, "other", [])]
)


def need(**changes: object) -> Need:
    base = Need(
        age=15, sex="F", public="adolescents", requesting_tenant_id=HOME, anchor_tenant_id=HOME
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def supply(unit_id: int = 1, **changes: object) -> Supply:
    base = Supply(
        unit_id=unit_id,
        name=f"Unidade {unit_id}",
        host_tenant_id=HOME,
        modality="residential_care_children",
        sex_rule="any",
        accessible=False,
        intensive_care=False,
        active=True,
        places=3,
        free_open=2,
        free_own_quota=0,
        free_other_quota=0,
    )
    return base._replace(**changes)  # type: ignore[arg-type]


def rank(n: Need, *supplies: Supply, public: Public | None = ADOLESCENTS) -> ranking.Ranking:
    return ranking.rank(n, supplies, public=public, territory=TERRITORY)


def reasons(n: Need, s: Supply, public: Public | None = ADOLESCENTS) -> tuple[str, ...]:
    result = rank(n, s, public=public)
    assert not result.candidates
    [excluded] = result.excluded
    return excluded.reasons


# --- hard adequacy -----------------------------------------------------------------------


def test_an_adequate_unit_with_room_is_a_candidate() -> None:
    result = rank(need(), supply())
    assert [c.supply.unit_id for c in result.candidates] == [1]
    assert result.excluded == ()


def test_inactive_unit_is_excluded() -> None:
    assert reasons(need(), supply(active=False)) == (ranking.INACTIVE,)


@pytest.mark.parametrize("age", [11, 18])
def test_age_outside_the_public_is_excluded(age: int) -> None:
    assert reasons(need(age=age), supply()) == (ranking.AGE,)


def test_public_missing_from_the_catalogue_excludes_by_age() -> None:
    assert reasons(need(), supply(), public=None) == (ranking.AGE,)


def test_unit_without_places_of_the_public_is_excluded() -> None:
    assert reasons(need(), supply(places=0, free_open=0)) == (ranking.PUBLIC,)
    assert reasons(need(), supply(places=0, free_open=0, active=False)) == (
        ranking.PUBLIC,
        ranking.INACTIVE,
    )


@pytest.mark.parametrize(
    ("rule", "sex", "admitted"),
    [
        ("female", "F", True),
        ("female", "M", False),
        ("female", "X", False),
        ("male", "M", True),
        ("male", "F", False),
        ("male", "X", False),
        ("any", "F", True),
        ("any", "M", True),
        ("any", "X", True),
    ],
)
def test_sex_rules(rule: str, sex: str, admitted: bool) -> None:
    result = rank(need(sex=sex), supply(sex_rule=rule))
    assert bool(result.candidates) is admitted
    if not admitted:
        assert result.excluded[0].reasons == (ranking.SEX,)


def test_accessibility_needed_excludes_units_without_it() -> None:
    assert reasons(need(needs_accessibility=True), supply()) == (ranking.ACCESSIBILITY,)
    assert rank(need(needs_accessibility=True), supply(accessible=True)).candidates


def test_intensive_care_needed_excludes_units_without_it() -> None:
    assert reasons(need(needs_intensive_care=True), supply()) == (ranking.INTENSIVE_CARE,)
    assert rank(need(needs_intensive_care=True), supply(intensive_care=True)).candidates


def test_requested_modalities_exclude_the_others() -> None:
    wanted = need(modalities=frozenset({"emergency_care_children"}))
    assert reasons(wanted, supply()) == (ranking.MODALITY,)
    assert rank(wanted, supply(modality="emergency_care_children")).candidates
    assert rank(need(modalities=frozenset()), supply(modality="foster_family")).candidates


def test_safety_flag_excludes_the_anchor_and_the_requesting_council() -> None:
    flagged = need(outside_territory=True, requesting_tenant_id=OTHER, anchor_tenant_id=HOME)
    assert reasons(flagged, supply(host_tenant_id=HOME)) == (ranking.SAFETY,)
    assert reasons(flagged, supply(host_tenant_id=OTHER)) == (ranking.SAFETY,)
    assert rank(flagged, supply(host_tenant_id=FAR)).candidates


def test_places_reserved_for_another_council_are_not_available() -> None:
    quota_elsewhere = supply(free_open=0, free_other_quota=2)
    assert reasons(need(), quota_elsewhere) == (ranking.QUOTA,)


def test_a_unit_with_every_place_held_or_blocked_has_no_free_place() -> None:
    assert reasons(need(), supply(free_open=0)) == (ranking.NO_FREE_PLACE,)


def test_every_failed_rule_is_kept_in_order() -> None:
    failing = supply(
        active=False, sex_rule="male", free_open=0, free_other_quota=1, host_tenant_id=HOME
    )
    flagged = need(needs_accessibility=True, needs_intensive_care=True, outside_territory=True)
    assert reasons(flagged, failing) == (
        ranking.INACTIVE,
        ranking.SEX,
        ranking.ACCESSIBILITY,
        ranking.INTENSIVE_CARE,
        ranking.SAFETY,
        ranking.QUOTA,
    )


def test_excluded_units_are_grouped_by_their_first_reason() -> None:
    result = rank(
        need(),
        supply(1, free_open=0),
        supply(2, sex_rule="male"),
        supply(3, sex_rule="male", free_open=0),
        supply(4),
    )
    groups = {reason: [e.supply.unit_id for e in items] for reason, items, _n in result.by_reason()}
    assert groups == {ranking.SEX: [2, 3], ranking.NO_FREE_PLACE: [1]}
    assert [(reason, n) for reason, _items, n in result.by_reason()] == [
        (ranking.SEX, 2),
        (ranking.NO_FREE_PLACE, 1),
    ]


def test_units_counted_but_not_listed_add_to_the_public_reason() -> None:
    result = ranking.rank(
        need(),
        [supply(1, places=0, free_open=0), supply(2, sex_rule="male")],
        public=ADOLESCENTS,
        territory=TERRITORY,
        unlisted=40,
    )
    assert [(reason, len(items), n) for reason, items, n in result.by_reason()] == [
        (ranking.PUBLIC, 1, 41),
        (ranking.SEX, 1, 1),
    ]
    assert result.excluded_count == 42


# --- territoriality, quota, ties ----------------------------------------------------------


def test_territory_is_symmetric_when_only_one_side_lists_the_other() -> None:
    assert TERRITORY.tier(HOME, NEAR) == ranking.Tier.NEIGHBOUR
    assert TERRITORY.tier(NEAR, HOME) == ranking.Tier.NEIGHBOUR
    assert TERRITORY.tier(FAR, NEAR) == ranking.Tier.NEIGHBOUR
    assert TERRITORY.tier(HOME, FAR) == ranking.Tier.REST
    assert TERRITORY.tier(HOME, HOME) == ranking.Tier.SAME


def test_same_council_then_neighbour_then_the_rest() -> None:
    result = rank(
        need(),
        supply(1, host_tenant_id=FAR),
        supply(2, host_tenant_id=NEAR),
        supply(3, host_tenant_id=HOME),
    )
    assert [(c.supply.unit_id, c.position, c.score) for c in result.candidates] == [
        (3, 1, 100),
        (2, 2, 50),
        (1, 3, 10),
    ]
    assert [c.tier for c in result.candidates] == [
        ranking.Tier.SAME,
        ranking.Tier.NEIGHBOUR,
        ranking.Tier.REST,
    ]
    assert [r.code for r in result.candidates[0].rules] == [ranking.SAME_COUNCIL]


def test_territoriality_follows_the_anchor_not_the_requesting_council() -> None:
    anchored_far = need(requesting_tenant_id=HOME, anchor_tenant_id=FAR)
    result = rank(anchored_far, supply(1, host_tenant_id=HOME), supply(2, host_tenant_id=FAR))
    assert [c.supply.unit_id for c in result.candidates] == [2, 1]


def test_safety_flag_reverses_the_order() -> None:
    result = rank(
        need(outside_territory=True),
        supply(1, host_tenant_id=NEAR),
        supply(2, host_tenant_id=FAR),
        supply(3, host_tenant_id=HOME),
    )
    assert [(c.supply.unit_id, c.score) for c in result.candidates] == [(2, 100), (1, 50)]
    assert [r.code for r in result.candidates[0].rules] == [ranking.SAFETY_REST]
    assert [r.code for r in result.candidates[1].rules] == [ranking.SAFETY_NEIGHBOUR]
    assert [e.reasons for e in result.excluded] == [(ranking.SAFETY,)]


def test_the_requesting_councils_quota_adds_points_and_is_counted_free() -> None:
    result = rank(
        need(),
        supply(1, host_tenant_id=NEAR, free_open=3),
        supply(2, host_tenant_id=NEAR, free_open=0, free_own_quota=1),
    )
    first, second = result.candidates
    assert (first.supply.unit_id, first.score, first.free) == (2, 60, 1)
    assert [(r.code, r.points) for r in first.rules] == [
        (ranking.NEIGHBOUR, 50),
        (ranking.OWN_QUOTA, 10),
    ]
    assert (second.supply.unit_id, second.score) == (1, 50)


def test_quota_does_not_outweigh_territoriality() -> None:
    result = rank(
        need(),
        supply(1, host_tenant_id=NEAR, free_own_quota=1),
        supply(2, host_tenant_id=HOME),
    )
    assert [c.supply.unit_id for c in result.candidates] == [2, 1]


def test_ties_break_on_more_free_places_then_name() -> None:
    result = rank(
        need(),
        supply(1, name="Casa Beta", free_open=1),
        supply(2, name="casa alfa", free_open=1),
        supply(3, name="Casa Zeta", free_open=4),
    )
    assert [c.supply.name for c in result.candidates] == ["Casa Zeta", "casa alfa", "Casa Beta"]
    assert [c.position for c in result.candidates] == [1, 2, 3]


def test_explanation_holds_position_score_rules_and_tier() -> None:
    result = rank(need(), supply(1, free_own_quota=1, free_open=0), supply(2, host_tenant_id=FAR))
    assert result.candidates[0].explanation(len(result.candidates)) == {
        "position": 1,
        "candidates": 2,
        "score": 110,
        "tier": "same_council",
        "rules": [{"code": "same_council", "points": 100}, {"code": "own_quota", "points": 10}],
        "free": 1,
        "unit": "Unidade 1",
    }
    assert result.candidate(2) is result.candidates[1]
    assert result.candidate(99) is None


# --- through the database: the seed's examples in CIMAC -----------------------------------


def _mine(result: ranking.Ranking, *units: int) -> list[int]:
    """The candidates among ``units``, in ranking order (the demo may pool other units)."""
    return [c.supply.unit_id for c in result.candidates if c.supply.unit_id in units]


def _excluded(result: ranking.Ranking, unit: int) -> tuple[str, ...]:
    return next(e.reasons for e in result.excluded if e.supply.unit_id == unit)


def test_adolescent_threatened_by_a_criminal_group_goes_outside_her_territory(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        pool = (w.consortium,)
        mourao = sf.unit(w.mourao, w.operator, name="Casa Mourão", pools=pool)
        reguengos = sf.unit(w.reguengos, w.operator, name="Casa Reguengos", pools=pool)
        portel = sf.unit(w.portel, w.operator, name="Casa Portel", pools=pool)
        girl = sf.profile(w.consortium, w.mourao, age=15, sex="F", outside_territory=True)
        result, councils = allocation.load_ranking(db.session, girl)
        assert _mine(result, mourao.id, reguengos.id, portel.id) == [portel.id, reguengos.id]
        assert _excluded(result, mourao.id) == (ranking.SAFETY,)
        by_unit = {c.supply.unit_id: c for c in result.candidates}
        assert [r.code for r in by_unit[portel.id].rules] == [ranking.SAFETY_REST]
        assert by_unit[portel.id].score == 100 and by_unit[reguengos.id].score == 50
        assert councils[w.portel] == "Portel"


def test_child_in_serious_neglect_stays_near_her_school(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        pool = (w.consortium,)
        children = {"children_6_11": 2}
        portel = sf.unit(w.portel, w.operator, name="Casa Portel", places=children, pools=pool)
        reguengos = sf.unit(
            w.reguengos, w.operator, name="Casa Reguengos", places=children, pools=pool
        )
        mourao = sf.unit(w.mourao, w.operator, name="Casa Mourão", places=children, pools=pool)
        child = sf.profile(w.consortium, w.mourao, age=8, sex="M", public="children_6_11")
        result, _ = allocation.load_ranking(db.session, child)
        assert _mine(result, mourao.id, reguengos.id, portel.id) == [
            mourao.id,
            reguengos.id,
            portel.id,
        ]
        first = result.candidate(mourao.id)
        assert first is not None and first.score == 100 and first.tier == ranking.Tier.SAME


def test_the_database_counts_free_held_blocked_and_reserved_places(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        pool = (w.consortium,)
        held = sf.unit(w.portel, w.operator, name="Ocupada", places={"adolescents": 2}, pools=pool)
        other = sf.profile(w.consortium, w.portel, reference="TST 2026/0009")
        for place in held.places:
            db.session.add(
                Allocation(
                    profile_id=other.id,
                    place_id=place.id,
                    unit_id=held.id,
                    consortium_id=w.consortium,
                    status=AllocationStatus.ADMITTED if place.label.endswith("1") else "refused",
                    expires_at=utcnow(),
                )
            )
        blocked = sf.unit(w.portel, w.operator, name="Bloqueada", pools=pool)
        blocked.places[0].blocked_reason = "Obras"
        quota = sf.unit(
            w.portel, w.operator, name="Quota de Reguengos", pools=pool, reserved_for=w.reguengos
        )
        own = sf.unit(
            w.portel, w.operator, name="Quota de Mourão", pools=pool, reserved_for=w.mourao
        )
        unpooled = sf.unit(w.portel, w.operator, name="Fora do conjunto")
        retired = sf.unit(w.portel, w.operator, name="Lugares inativos", pools=pool)
        for place in retired.places:
            place.active = False
        boys_only = sf.unit(
            w.portel, w.operator, name="Só rapazes", pools=pool, sex_rule=SexRule.MALE
        )
        db.session.flush()
        girl = sf.profile(w.consortium, w.mourao)
        result, _ = allocation.load_ranking(db.session, girl)
        listed, unlisted = allocation.supplies(db.session, girl)
        supplies = {s.unit_id: s for s in listed}
        assert unlisted == 0
        assert (supplies[held.id].places, supplies[held.id].free_open) == (2, 1)
        assert (supplies[blocked.id].places, supplies[blocked.id].free_open) == (2, 1)
        assert supplies[quota.id].free_other_quota == 2 and supplies[quota.id].free_open == 0
        assert supplies[own.id].free_own_quota == 2
        assert unpooled.id not in supplies and retired.id not in supplies
        assert _excluded(result, quota.id) == (ranking.QUOTA,)
        assert _excluded(result, boys_only.id) == (ranking.SEX,)
        first = result.candidate(own.id)
        assert first is not None and [r.code for r in first.rules] == [
            ranking.REST,
            ranking.OWN_QUOTA,
        ]
        assert allocation.free_places(db.session, girl, held.id) == [
            p.id for p in held.places if p.label.endswith("2")
        ]


def test_a_page_lists_a_few_units_without_the_public_and_counts_the_rest(app: Flask) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        pool = (w.consortium,)
        adults = [
            sf.unit(w.portel, w.operator, name=f"Lar {n}", places={"adults": 1}, pools=pool)
            for n in range(4)
        ]
        teens = sf.unit(w.portel, w.operator, name="Casa Jovem", pools=pool)
        girl = sf.profile(w.consortium, w.mourao)
        every, _ = allocation.load_ranking(db.session, girl)
        few, _ = allocation.load_ranking(db.session, girl, lacking_listed=1)
        assert few.candidate(teens.id) is not None
        assert few.unlisted == every.unlisted + len(every.excluded) - len(few.excluded)
        assert few.unlisted >= 3 and few.excluded_count == every.excluded_count
        lacking = {e.supply.unit_id for e in every.excluded if e.reasons[0] == ranking.PUBLIC}
        assert {u.id for u in adults} <= lacking
        [(_reason, listed, count)] = [g for g in few.by_reason() if g[0] == ranking.PUBLIC]
        assert len(listed) == 1 and count == len(lacking)


@pytest.mark.parametrize("age", [11, 18])
def test_the_catalogue_ages_bound_the_public(app: Flask, age: int) -> None:
    with app.app_context():
        w = sf.Cimac.load()
        unit = sf.unit(w.mourao, w.operator, pools=(w.consortium,))
        result, _ = allocation.load_ranking(db.session, sf.profile(w.consortium, w.mourao, age=age))
        assert _excluded(result, unit.id) == (ranking.AGE,)
