"""Units and places through the pages: the host council's admin creates units, adds, blocks
and closes places and chooses their pools and quotas; occupancy comes from allocations; the
unit's staff answer offers seeing only the profile and read their residents' admission sheets;
the consortium's coordinators see the pool. Nobody else reaches any of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from teia.accounts.models import Role
from teia.audit.models import AuditEvent
from teia.core.db import db
from teia.core.tenancy import tenant_scope
from teia.shelter import units
from teia.shelter.models import (
    AdmissionSheet,
    Allocation,
    AllocationEvent,
    AllocationStatus,
    PlacePool,
    ProfileStatus,
    ShelterPlace,
    ShelterUnit,
)
from teia.tenants.models import Consortium, Organization, Tenant
from tests import case_factories as cf
from tests.conftest import csrf_token
from tests.shelter_factories import Cimac, offer, profile, staff_user, unit

ADMIN = "coordenacao@mourao.demo"
STAFF = "acolhimento@mourao.demo"  # shelter staff of acolher-alentejo in Mourão
DESK = "coordenacao@cimac.demo"
BASE = "/t/mourao/shelter"
UNIT = "Casa da Azenha"
TEENS = "Jovens dos 12 aos 17 anos"


@dataclass(frozen=True)
class World:
    ids: Cimac
    unit: int  # Mourão, run by acolher-alentejo: 3 adolescents in CIMAC's pool
    places: list[int]


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        ids = Cimac.load()
        built = unit(
            ids.mourao,
            ids.operator,
            name=UNIT,
            places={"adolescents": 3},
            pools=(ids.consortium,),
        )
        db.session.commit()
        return World(ids, built.id, [p.id for p in built.places])


def _org(slug: str) -> int:
    found = db.session.scalar(select(Organization.id).where(Organization.slug == slug))
    assert found is not None
    return found


def _segment(page: str, unit_name: str) -> str:
    """A unit's row of a list, up to the end of its table of places."""
    start = page[page.index(unit_name) :]
    return start[: start.index("</table>")]


def _counts(page: str, unit_name: str, public: str) -> list[int]:
    """Capacity, occupied, held, blocked and free of one public in a unit's row of a list."""
    row = re.search(rf"{public}</th>\s*(.*?)</tr>", _segment(page, unit_name), re.S)
    assert row, (unit_name, public)
    return [int(n) for n in re.findall(r"<td>(?:<strong>)?(\d+)", row.group(1))]


def _page(c: FlaskClient, path: str) -> str:
    response = c.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _post(c: FlaskClient, page: str, path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return c.post(path, data={"csrf_token": csrf_token(_page(c, page)), **data})


def _events(app: Flask, action: str, tenant: int, object_id: int) -> list[AuditEvent]:
    """The council's audit events of ``action`` on one object (the demo data has its own)."""
    with app.app_context(), tenant_scope(tenant):
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(object_id)
                )
            )
        )


def _unit_form(operator_id: int, **changes: object) -> dict[str, object]:
    return {
        "name": "Casa Abrigo do Guadiana",
        "operator": operator_id,
        "modality": "domestic_violence_shelter",
        "sex_rule": "female",
        "accessible": "y",
        "parish": "Luz",
        "phone": "266 560 000",
        **changes,
    }


# --- units ----------------------------------------------------------------------------------


def test_the_admin_creates_and_edits_a_unit(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(ADMIN)
    created = _post(c, f"{BASE}/units/new", f"{BASE}/units/new", _unit_form(world.ids.operator))
    assert created.status_code == 302, created.text
    unit_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        built = db.session.get(ShelterUnit, unit_id)
        assert built is not None
        assert (built.host_tenant_id, built.operator_id) == (world.ids.mourao, world.ids.operator)
        assert (built.modality, built.sex_rule, built.parish) == (
            "domestic_violence_shelter",
            "female",
            "Luz",
        )
        assert built.accessible and not built.intensive_care
    page = _page(c, f"{BASE}/units/{unit_id}")
    assert "Casa Abrigo do Guadiana" in page and "Só mulheres / raparigas" in page
    council_org = _org_id(app, "municipio-mourao")
    edited = _post(
        c,
        f"{BASE}/units/{unit_id}",
        f"{BASE}/units/{unit_id}",
        _unit_form(council_org, name="Casa Abrigo", intensive_care="y"),
    )
    assert edited.status_code == 302
    with app.app_context():
        built = db.session.get(ShelterUnit, unit_id)
        assert built and built.name == "Casa Abrigo" and built.operator_id == council_org
        assert built.intensive_care
    assert len(_events(app, "shelter.unit.created", world.ids.mourao, unit_id)) == 1
    [updated] = _events(app, "shelter.unit.updated", world.ids.mourao, unit_id)
    assert updated.details == {"fields": ["intensive_care", "name", "operator_id"]}
    listed = _page(c, f"{BASE}/units")
    assert "Casa Abrigo" in listed and UNIT in listed


def _org_id(app: Flask, slug: str) -> int:
    with app.app_context():
        return _org(slug)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Preencha este campo."),
        ({"operator": "municipio-portel"}, "Escolha uma entidade gestora que trabalhe neste"),
        ({"operator": "ae-mourao"}, "Escolha uma entidade gestora que trabalhe neste"),
        ({"operator": "x"}, "Escolha uma entidade gestora que trabalhe neste"),
        ({"modality": "casa_lar"}, "Escolha uma modalidade de acolhimento da lista."),
        ({"sex_rule": "both"}, "Escolha a quem a unidade se destina."),
        ({"parish": "Évora"}, "Escolha uma freguesia deste município."),
        ({"phone": "ligar à Marta"}, "Escreva um telefone só com algarismos"),
    ],
)
def test_unit_fields_are_checked_in_portuguese(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World, changes: dict[str, str], message: str
) -> None:
    if changes.get("operator", "x") != "x":
        changes = {"operator": _org_id(app, changes["operator"])}
    c = as_user(ADMIN)
    refused = _post(
        c, f"{BASE}/units/new", f"{BASE}/units/new", _unit_form(world.ids.operator, **changes)
    )
    assert refused.status_code == 422
    assert message in refused.text
    with app.app_context():
        assert (
            db.session.scalar(
                select(ShelterUnit).where(ShelterUnit.name == "Casa Abrigo do Guadiana")
            )
            is None
        )


def test_only_the_councils_admin_manages_units(as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    manager = as_user("gestora@mourao.demo")
    for path in ("/units", "/units/new", f"/units/{world.unit}", f"/places/{world.places[0]}"):
        assert manager.get(BASE + path).status_code == 403, path
    # the unit's staff answer offers, but do not manage units
    assert as_user(STAFF).get(f"{BASE}/units/{world.unit}").status_code == 403


# --- places ---------------------------------------------------------------------------------


def _labels(app: Flask, unit_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(ShelterPlace.label)
                .where(ShelterPlace.unit_id == unit_id, ShelterPlace.active.is_(True))
                .order_by(ShelterPlace.id)
            )
        )


def test_places_are_added_with_free_labels_and_pools(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(ADMIN)
    page = f"{BASE}/units/{world.unit}"

    def add(count: object, **extra: object):  # type: ignore[no-untyped-def]
        data = {"places-public": "children_6_11", "places-count": count, "places-prefix": "Cama"}
        return _post(c, page, f"{page}/places", data | extra)

    assert add(3, **{"places-pools": [world.ids.consortium]}).status_code == 302
    assert add(1).status_code == 302  # in no pool
    cama_2 = _place_id(app, world.unit, "Cama 2")
    closed = _post(c, page, f"{BASE}/places/{cama_2}/deactivate", {})
    assert closed.status_code == 302
    assert add(2).status_code == 302  # "Cama 2" stays taken by the closed place
    assert _labels(app, world.unit)[3:] == ["Cama 1", "Cama 3", "Cama 4", "Cama 5", "Cama 6"]
    with app.app_context():
        pools = {
            label: consortium
            for label, consortium in db.session.execute(
                select(ShelterPlace.label, PlacePool.consortium_id)
                .outerjoin(PlacePool)
                .where(ShelterPlace.unit_id == world.unit, ShelterPlace.label.like("Cama%"))
            )
        }
        assert pools == {
            "Cama 1": world.ids.consortium,
            "Cama 2": world.ids.consortium,
            "Cama 3": world.ids.consortium,
            "Cama 4": None,
            "Cama 5": None,
            "Cama 6": None,
        }
        occupancy = units.occupancy(db.session, [world.unit])[world.unit]
        assert occupancy.publics["children_6_11"].capacity == 5
    [added, *_] = _events(app, "shelter.places.added", world.ids.mourao, world.unit)
    assert added.object_id == str(world.unit) and len(added.details["places"]) == 3
    assert len(_events(app, "shelter.place.deactivated", world.ids.mourao, cama_2)) == 1


def _place_id(app: Flask, unit_id: int, label: str) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(ShelterPlace.id).where(
                ShelterPlace.unit_id == unit_id, ShelterPlace.label == label
            )
        )
        assert found is not None
        return found


def _foreign_consortium(app: Flask) -> int:
    """A consortium of Portel alone: Mourão is not a member."""
    with app.app_context():
        portel = db.session.scalar(select(Tenant).where(Tenant.slug == "portel"))
        other = Consortium(
            slug="outro",
            name="Outro",
            official_name="Outro consórcio",
            country="PT",
            source_hash="x",
        )
        other.members = [portel]  # type: ignore[list-item]
        db.session.add(other)
        db.session.commit()
        return other.id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"places-count": 0}, "Acrescente entre 1 e 50 vagas de cada vez."),
        ({"places-count": 51}, "Acrescente entre 1 e 50 vagas de cada vez."),
        ({"places-count": "três"}, "Escreva um número inteiro."),
        ({"places-public": "seniors_on_mars"}, "Escolha o público da lista."),
        ({"places-prefix": "   "}, "Preencha este campo."),
        ({"places-pools": "foreign"}, "Este município não pertence a esse consórcio."),
    ],
)
def test_adding_places_refuses_bad_input_in_portuguese(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World, fields: dict[str, object], message: str
) -> None:
    if fields.get("places-pools") == "foreign":
        fields = {"places-pools": [_foreign_consortium(app)]}
    c = as_user(ADMIN)
    page = f"{BASE}/units/{world.unit}"
    data = {"places-public": "adolescents", "places-count": 2, "places-prefix": "Cama"} | fields
    refused = _post(c, page, f"{page}/places", data)
    assert refused.status_code == 422
    assert message in refused.text
    assert len(_labels(app, world.unit)) == 3


def test_pools_and_quotas_per_place_and_for_the_whole_unit(
    app: Flask, as_user, world: World
) -> None:  # type: ignore[no-untyped-def]
    c = as_user(ADMIN)
    place = world.places[0]
    page = f"{BASE}/places/{place}"
    assert "Conjunto de CIMAC" in _page(c, page)
    quota = {
        "pools-rows-0-consortium_id": world.ids.consortium,
        "pools-rows-0-offered": "y",
        "pools-rows-0-reserved_for": world.ids.reguengos,
    }
    assert _post(c, page, page, quota).status_code == 302
    with app.app_context():
        [pool] = db.session.scalars(select(PlacePool).where(PlacePool.place_id == place)).all()
        assert (pool.consortium_id, pool.reserved_for_tenant_id) == (
            world.ids.consortium,
            world.ids.reguengos,
        )

    # a quota for a council outside the consortium is refused, and nothing changes
    with app.app_context():
        outsider = cf.alandroal()
        db.session.add(outsider)
        db.session.commit()
        outsider_id = outsider.id
    refused = _post(c, page, page, quota | {"pools-rows-0-reserved_for": outsider_id})
    assert refused.status_code == 422
    assert "A quota só pode reservar vagas para um município membro de CIMAC." in refused.text
    foreign = _foreign_consortium(app)
    refused = _post(
        c, page, page, {"pools-rows-0-consortium_id": foreign, "pools-rows-0-offered": "y"}
    )
    assert refused.status_code == 422
    assert "Este município não pertence a esse consórcio." in refused.text
    with app.app_context():
        [pool] = db.session.scalars(select(PlacePool).where(PlacePool.place_id == place)).all()
        assert pool.reserved_for_tenant_id == world.ids.reguengos

    # in bulk: every place in the pool with Portel's quota, then out of every pool
    unit_page = f"{BASE}/units/{world.unit}"
    bulk = {
        "bulk-rows-0-consortium_id": world.ids.consortium,
        "bulk-rows-0-offered": "y",
        "bulk-rows-0-reserved_for": world.ids.portel,
    }
    assert _post(c, unit_page, f"{unit_page}/pools", bulk).status_code == 302
    with app.app_context():
        rows = db.session.execute(
            select(PlacePool.place_id, PlacePool.reserved_for_tenant_id).where(
                PlacePool.place_id.in_(world.places)
            )
        ).all()
        assert sorted(rows) == [(p, world.ids.portel) for p in world.places]
        quotas = units.pool_quotas(db.session, world.ids.consortium, [world.unit])
        assert quotas == {world.unit: {"adolescents": {world.ids.portel: 3}}}
    out = {"bulk-rows-0-consortium_id": world.ids.consortium}
    assert _post(c, unit_page, f"{unit_page}/pools", out).status_code == 302
    with app.app_context():
        assert not db.session.scalars(
            select(PlacePool).where(PlacePool.place_id.in_(world.places))
        ).all()
    assert len(_events(app, "shelter.place.pools_changed", world.ids.mourao, world.unit)) == 3


def test_a_place_is_blocked_with_a_reason_only_when_free(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    c = as_user(ADMIN)
    page = f"{BASE}/units/{world.unit}"
    free, held = world.places[0], world.places[1]
    with app.app_context():
        built = db.session.get(ShelterUnit, world.unit)
        assert built
        # the offer takes the first free place: block the first one afterwards
        waiting = profile(world.ids.consortium, world.ids.reguengos)
        allocation = offer(waiting, built)
        assert allocation.place_id == free
        free, held = world.places[1], allocation.place_id
        db.session.commit()

    missing = _post(c, page, f"{BASE}/places/{free}/block", {f"b{free}-reason": " "})
    assert missing.status_code == 422 and "Preencha este campo." in missing.text
    refused = _post(c, page, f"{BASE}/places/{held}/block", {f"b{held}-reason": "Obras"})
    assert refused.status_code == 409
    assert "Só se bloqueia uma vaga livre. A vaga está oferecida." in refused.text
    blocked = _post(c, page, f"{BASE}/places/{free}/block", {f"b{free}-reason": "Infiltração"})
    assert blocked.status_code == 302
    with app.app_context():
        place = db.session.get(ShelterPlace, free)
        assert place and place.blocked_reason == "Infiltração" and place.blocked_by_id
        counts = units.occupancy(db.session, [world.unit])[world.unit].publics["adolescents"]
        assert (counts.capacity, counts.held, counts.blocked, counts.free) == (3, 1, 1, 1)
    assert "Infiltração" in _page(c, page)
    again = _post(c, page, f"{BASE}/places/{free}/block", {f"b{free}-reason": "Outra"})
    assert again.status_code == 409 and "já está bloqueada" in again.text
    assert _post(c, page, f"{BASE}/places/{free}/unblock", {}).status_code == 302
    with app.app_context():
        place = db.session.get(ShelterPlace, free)
        assert place and place.blocked_reason is None and place.blocked_at is None
    assert [e.details for e in _events(app, "shelter.place.blocked", world.ids.mourao, free)] == [
        {"reason": "Infiltração"}
    ]
    assert len(_events(app, "shelter.place.unblocked", world.ids.mourao, free)) == 1
    # what holds a place keeps it open, and keeps the unit open
    closing = _post(c, page, f"{BASE}/places/{held}/deactivate", {})
    assert closing.status_code == 409 and "Só se desativa uma vaga livre." in closing.text
    closing = _post(c, page, f"{page}/deactivate", {})
    assert closing.status_code == 409 and "só se desativa quando nenhuma vaga" in closing.text
    with app.app_context():
        db.session.get(Allocation, allocation.id).status = AllocationStatus.WITHDRAWN  # type: ignore[union-attr]
        db.session.commit()
    assert _post(c, page, f"{page}/deactivate", {}).status_code == 302
    with app.app_context():
        assert not db.session.get(ShelterUnit, world.unit).active  # type: ignore[union-attr]
    assert _post(c, page, f"{page}/reactivate", {}).status_code == 302


# --- occupancy ------------------------------------------------------------------------------


def test_occupancy_comes_from_allocations_in_one_query(app: Flask, world: World) -> None:
    with app.app_context():
        ids = world.ids
        big = unit(
            ids.portel,
            ids.operator,
            places={"adolescents": 5, "young_adults": 2},
            pools=(ids.consortium,),
        )
        small = db.session.get(ShelterUnit, world.unit)
        assert small
        statuses = [
            AllocationStatus.ADMITTED,
            AllocationStatus.OFFERED,
            AllocationStatus.ACCEPTED,
            AllocationStatus.REFUSED,  # returns the place
        ]
        for n, status in enumerate(statuses):
            offer(profile(ids.consortium, ids.mourao, reference=f"R{n}"), big, status=status)
        # a discharged stay on the fourth place, also returning it
        offer(
            profile(ids.consortium, ids.mourao, reference="R9"),
            big,
            status=AllocationStatus.DISCHARGED,
        )
        places = {p.label: p for p in big.places}
        places["adolescents 5"].blocked_reason = "Obras"
        places["young_adults 2"].active = False
        young = offer(profile(ids.consortium, ids.mourao, reference="RA"), big)
        young.place_id = places["young_adults 1"].id
        # outside CIMAC's pool: counted for the unit, not for the pool
        places["young_adults 1"].pools = []
        db.session.flush()

        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            found = units.occupancy(db.session, [big.id, small.id, 10**9])
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(statements) == 1
        teens = found[big.id].publics["adolescents"]
        # 5 places: R0 admitted, R1 offered, R2 accepted, the 4th free, the 5th blocked
        assert (teens.capacity, teens.occupied, teens.held, teens.blocked, teens.free) == (
            5,
            1,
            2,
            1,
            1,
        )
        adults = found[big.id].publics["young_adults"]
        assert (adults.capacity, adults.held, adults.free) == (1, 1, 0)
        assert found[big.id].total.capacity == 6
        assert found[small.id].publics["adolescents"].free == 3
        assert found[10**9].publics == {}
        pool = units.occupancy(db.session, [big.id], consortium_id=ids.consortium)[big.id]
        assert set(pool.publics) == {"adolescents"}


def test_the_council_list_shows_places_by_state(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        built = db.session.get(ShelterUnit, world.unit)
        assert built
        offer(profile(world.ids.consortium, world.ids.reguengos), built)
        db.session.commit()
    page = _page(as_user(ADMIN), f"{BASE}/units")
    assert _counts(page, UNIT, TEENS) == [3, 0, 1, 0, 2]


# --- the unit's staff -----------------------------------------------------------------------


def _offered(app: Flask, world: World, **kwargs: object) -> int:
    with app.app_context():
        built = db.session.get(ShelterUnit, world.unit)
        assert built
        waiting = profile(
            world.ids.consortium, world.ids.reguengos, reference="REG 2026/0007", age=14
        )
        waiting.constraints = ["siblings_together"]
        allocation_id = offer(waiting, built, **kwargs).id  # type: ignore[arg-type]
        db.session.commit()
        return allocation_id


def test_the_units_staff_accept_an_offer_seeing_only_the_profile(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    allocation_id = _offered(app, world)
    c = as_user(STAFF)
    mine = _page(c, f"{BASE}/my-units")
    assert f'href="{BASE}/units/{world.unit}/offers">1 oferta<' in mine
    page = _page(c, f"{BASE}/units/{world.unit}/offers")
    for shown in (
        "REG 2026/0007",
        "14 anos",
        "Feminino",
        "Jovens dos 12 aos 17 anos",
        "Irmãos a acolher juntos",
        "Elevado",
        "Em 72 horas",
    ):
        assert shown in page, shown
    assert "/cases/" not in page and "/shelter/requests/" not in page
    answer = f"{BASE}/offers/{allocation_id}/answer"
    accepted = _post(
        c, f"{BASE}/units/{world.unit}/offers", answer, {f"a{allocation_id}-decision": "accept"}
    )
    assert accepted.status_code == 302
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert allocation and allocation.status == AllocationStatus.ACCEPTED
        assert allocation.responded_by_id is not None
        logged = db.session.scalars(
            select(AllocationEvent.action).where(AllocationEvent.allocation_id == allocation_id)
        ).all()
        assert logged == ["accepted"]
    assert "aceite pela unidade" in _page(c, f"{BASE}/units/{world.unit}/offers")
    second = _post(
        c,
        f"{BASE}/units/{world.unit}/offers",
        answer,
        {f"a{allocation_id}-decision": "refuse", f"a{allocation_id}-reason": "Sem vaga"},
    )
    assert second.status_code == 409
    assert "Esta oferta já não está oferecida" in second.text
    [audited] = _events(app, "shelter.offer.accepted", world.ids.mourao, allocation_id)
    assert audited.object_id == str(allocation_id)


def test_refusing_an_offer_needs_a_reason(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    allocation_id = _offered(app, world)
    c = as_user(STAFF)
    offers = f"{BASE}/units/{world.unit}/offers"
    answer = f"{BASE}/offers/{allocation_id}/answer"
    missing = _post(c, offers, answer, {f"a{allocation_id}-decision": "refuse"})
    assert missing.status_code == 422 and "Indique o motivo da recusa." in missing.text
    nothing = _post(c, offers, answer, {})
    assert nothing.status_code == 422 and "Escolha aceitar ou recusar." in nothing.text
    refused = _post(
        c,
        offers,
        answer,
        {f"a{allocation_id}-decision": "refuse", f"a{allocation_id}-reason": "Só raparigas"},
    )
    assert refused.status_code == 302
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert allocation and allocation.status == AllocationStatus.REFUSED
        assert allocation.refusal_reason == "Só raparigas"
        assert allocation.profile.status == ProfileStatus.WAITING
        assert units.occupancy(db.session, [world.unit])[world.unit].total.free == 3
    assert len(_events(app, "shelter.offer.refused", world.ids.mourao, allocation_id)) == 1


def _sheet(app: Flask, world: World, allocation_id: int, *, ended: bool = False) -> int:
    with app.app_context(), tenant_scope(world.ids.mourao):
        sheet = AdmissionSheet(
            unit_id=world.unit,
            allocation_id=allocation_id,
            given_names="Beatriz",
            family_names="Lobo",
            health="Asma",
            medication="Salbutamol em SOS",
            referent_name="Rui Gestor",
            referent_contact="266 000 000",
            requesting_council="Reguengos de Monsaraz",
            referral_guide="G-7",
            admitted_on=date(2026, 11, 30),
            ended_on=date(2026, 12, 1) if ended else None,
        )
        db.session.add(sheet)
        db.session.commit()
        return sheet.id


def test_the_units_staff_read_their_current_residents_sheets(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    current = _sheet(app, world, _offered(app, world, status=AllocationStatus.ADMITTED))
    with app.app_context():
        built = db.session.get(ShelterUnit, world.unit)
        assert built
        gone = offer(
            profile(world.ids.consortium, world.ids.reguengos, reference="OLD"),
            built,
            status=AllocationStatus.DISCHARGED,
        ).id
        db.session.commit()
    ended = _sheet(app, world, gone, ended=True)
    c = as_user(STAFF)
    residents = _page(c, f"{BASE}/units/{world.unit}/residents")
    assert f"/residents/{current}" in residents and f"/residents/{ended}" not in residents
    sheet = _page(c, f"{BASE}/residents/{current}")
    assert "Salbutamol em SOS" in sheet and "Beatriz Lobo" in sheet
    assert c.get(f"{BASE}/residents/{ended}").status_code == 404
    [read] = _events(app, "shelter.admission_sheet.read", world.ids.mourao, current)
    assert (read.object_id, read.purpose) == (str(current), "acolhimento")
    [listed] = _events(app, "shelter.admission_sheet.list", world.ids.mourao, world.unit)
    assert listed.details == {"sheets": [current]}


def test_the_host_admin_answers_offers_but_reads_no_sheet(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    allocation_id = _offered(app, world)
    with app.app_context():
        built = db.session.get(ShelterUnit, world.unit)
        assert built
        admitted = offer(
            profile(world.ids.consortium, world.ids.mourao, reference="IN"),
            built,
            status=AllocationStatus.ADMITTED,
        ).id
        db.session.commit()
    sheet = _sheet(app, world, admitted)
    c = as_user(ADMIN)
    offers = f"{BASE}/units/{world.unit}/offers"
    assert "REG 2026/0007" in _page(c, offers)
    answer = f"{BASE}/offers/{allocation_id}/answer"
    assert _post(c, offers, answer, {f"a{allocation_id}-decision": "accept"}).status_code == 302
    assert c.get(f"{BASE}/units/{world.unit}/residents").status_code == 404
    assert c.get(f"{BASE}/residents/{sheet}").status_code == 404
    assert not _events(app, "shelter.admission_sheet.read", world.ids.mourao, sheet)


def test_staff_of_another_operator_or_council_reach_nothing(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    allocation_id = _offered(app, world)
    sheet = _sheet(app, world, allocation_id)
    with app.app_context():
        staff_user(
            "acolhimento-scm@mourao.demo", world.ids.mourao, _org("scm-mourao"), Role.SHELTER_STAFF
        )
        staff_user(
            "equipa-azenha@portel.demo", world.ids.portel, world.ids.operator, Role.SHELTER_STAFF
        )
        unit(world.ids.mourao, _org("scm-mourao"), name="Lar da Santa Casa")
        db.session.commit()
    paths = [
        f"/units/{world.unit}/offers",
        f"/units/{world.unit}/residents",
        f"/residents/{sheet}",
    ]
    other_operator = as_user("acolhimento-scm@mourao.demo")
    for path in paths:
        assert other_operator.get(BASE + path).status_code == 404, path
    assert "Lar da Santa Casa" in _page(other_operator, f"{BASE}/my-units")
    assert UNIT not in _page(other_operator, f"{BASE}/my-units")
    token = csrf_token(_page(other_operator, f"{BASE}/my-units"))
    answer = {"csrf_token": token, f"a{allocation_id}-decision": "accept"}
    assert (
        other_operator.post(f"{BASE}/offers/{allocation_id}/answer", data=answer).status_code == 404
    )
    # the operator's staff in Portel: nothing of Mourão, in either council's address
    portel = as_user("equipa-azenha@portel.demo")
    for path in paths:
        assert portel.get(BASE + path).status_code == 404, path
        assert portel.get("/t/portel/shelter" + path).status_code == 404, path
    token = csrf_token(_page(portel, "/t/portel/shelter/my-units"))
    answer["csrf_token"] = token
    assert (
        portel.post(f"/t/portel/shelter/offers/{allocation_id}/answer", data=answer).status_code
        == 404
    )
    # a council role without business with units
    manager = as_user("gestora@mourao.demo")
    assert manager.get(f"{BASE}/units/{world.unit}/offers").status_code == 403
    assert manager.get(f"{BASE}/my-units").status_code == 403
    assert manager.get(f"{BASE}/residents/{sheet}").status_code == 403
    with app.app_context():
        assert db.session.get(Allocation, allocation_id).status == AllocationStatus.OFFERED  # type: ignore[union-attr]


def test_another_councils_admin_gets_404_on_every_unit_and_place(  # type: ignore[no-untyped-def]
    app: Flask, as_user, world: World
) -> None:
    allocation_id = _offered(app, world)
    sheet = _sheet(app, world, allocation_id)
    place = world.places[1]
    c = as_user("coordenacao@portel.demo")
    token = csrf_token(_page(c, "/t/portel/shelter/units"))
    gets = [
        f"/units/{world.unit}",
        f"/units/{world.unit}/offers",
        f"/units/{world.unit}/residents",
        f"/places/{place}",
        f"/residents/{sheet}",
    ]
    posts = [
        f"/units/{world.unit}",
        f"/units/{world.unit}/places",
        f"/units/{world.unit}/pools",
        f"/units/{world.unit}/deactivate",
        f"/units/{world.unit}/reactivate",
        f"/places/{place}",
        f"/places/{place}/block",
        f"/places/{place}/unblock",
        f"/places/{place}/deactivate",
        f"/offers/{allocation_id}/answer",
    ]
    for council in ("mourao", "portel"):
        for path in gets:
            assert c.get(f"/t/{council}/shelter{path}").status_code == 404, (council, path)
        for path in posts:
            response = c.post(f"/t/{council}/shelter{path}", data={"csrf_token": token})
            assert response.status_code == 404, (council, path)
    with app.app_context():
        assert db.session.get(ShelterUnit, world.unit).active  # type: ignore[union-attr]


# --- the consortium's pool ------------------------------------------------------------------


def test_the_desk_sees_the_pool_without_personal_data(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    allocation_id = _offered(app, world, status=AllocationStatus.ADMITTED)
    _sheet(app, world, allocation_id)
    with app.app_context():
        ids = world.ids
        reguengos = unit(
            ids.reguengos,
            _org("scm-mourao"),
            name="Lar de Monsaraz",
            places={"older_people": 2},
            pools=(ids.consortium,),
            reserved_for=ids.mourao,
            accessible=True,
        )
        reguengos.places[0].blocked_reason = "Surto de gripe"
        unit(ids.portel, ids.operator, name="Fora do conjunto")
        # a second public in the Mourão unit, outside the pool: not counted
        db.session.add(ShelterPlace(unit_id=world.unit, label="X", public="young_adults"))
        db.session.commit()
    c = as_user(DESK)
    page = _page(c, "/c/cimac/shelter/units")
    assert "Lar de Monsaraz" in page and UNIT in page
    assert "Fora do conjunto" not in page
    assert "18 aos 21 anos" not in _segment(page, UNIT)
    assert "2 para Mourão" in _segment(page, "Lar de Monsaraz")
    assert "Beatriz" not in page and "Surto" not in page and "REG 2026" not in page
    assert _counts(page, UNIT, TEENS) == [3, 1, 0, 0, 2]
    filtered = _page(c, f"/c/cimac/shelter/units?host={world.ids.reguengos}")
    assert "Lar de Monsaraz" in filtered and UNIT not in filtered
    # members of the councils without a consortium membership see nothing of the pool
    for email in ("gestora@mourao.demo", ADMIN, STAFF):
        assert as_user(email).get("/c/cimac/shelter/units").status_code == 404, email


def test_statements_do_not_grow_with_the_units(app: Flask, as_user, world: World) -> None:  # type: ignore[no-untyped-def]
    pages = [
        (ADMIN, f"{BASE}/units"),
        (ADMIN, f"{BASE}/units/{world.unit}"),
        (STAFF, f"{BASE}/my-units"),
        (STAFF, f"{BASE}/units/{world.unit}/offers"),
        (DESK, "/c/cimac/shelter/units"),
    ]
    clients = {email: as_user(email) for email in (ADMIN, STAFF, DESK)}

    def counts() -> list[int]:
        return [int(clients[email].get(path).headers["X-SQL-Statements"]) for email, path in pages]

    _offered(app, world)
    before = counts()
    with app.app_context():
        ids = world.ids
        built = db.session.get(ShelterUnit, world.unit)
        assert built
        for n in range(5):
            more = unit(
                ids.mourao,
                ids.operator,
                name=f"Casa {n}",
                places={"adolescents": 2, "adults": 2},
                pools=(ids.consortium,),
                reserved_for=ids.portel,
            )
            offer(profile(ids.consortium, ids.reguengos, reference=f"X{n}"), more)
            offer(profile(ids.consortium, ids.portel, reference=f"Y{n}"), built)
            db.session.add(ShelterPlace(unit_id=world.unit, label=f"Extra {n}", public="adults"))
        db.session.commit()
    assert counts() == before
